/*
 * json_stringify.c — JSON.stringify of json-c values (json_stringify.h).
 */
#include "json/json_stringify.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "js/js_value.h"
#include "json/json_view_jsonc.h"

bool
cv_json_quote(cv_buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";

	if (!cv_buf_append(out, "\"", 1))
		return false;
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];
		char		esc[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
		const char *piece = NULL;
		size_t		n = 2;

		if (c == '"')
			piece = "\\\"";
		else if (c == '\\')
			piece = "\\\\";
		else if (c == '\n')
			piece = "\\n";
		else if (c == '\r')
			piece = "\\r";
		else if (c == '\t')
			piece = "\\t";
		else if (c == '\b')
			piece = "\\b";
		else if (c == '\f')
			piece = "\\f";
		else if (c < 0x20)
			piece = esc, n = 6;
		if (piece == NULL ? !cv_buf_append(out, s + i, 1) : !cv_buf_append(out, piece, n))
			return false;
	}
	return cv_buf_append(out, "\"", 1);
}

/* A number as JSON.stringify writes it (NaN and infinities as null). */
static bool
stringify_number(cv_buf *out, double x)
{
	char		buf[CV_JS_NUMBER_BUFSIZE];
	size_t		n;

	if (!isfinite(x))
		return cv_buf_append(out, "null", 4);
	n = cv_js_number_to_string(x, buf);
	return cv_buf_append(out, buf, n);
}

/* JSON.stringify of an object, members in order. */
static bool
stringify_object(cv_buf *out, struct json_object *o)
{
	bool		first = true;

	if (!cv_buf_append(out, "{", 1))
		return false;
	json_object_object_foreach(o, key, member)
	{
		if (!first && !cv_buf_append(out, ",", 1))
			return false;
		first = false;
		if (!cv_json_quote(out, key, strlen(key)) || !cv_buf_append(out, ":", 1) ||
			!cv_json_stringify(out, member))
			return false;
	}
	return cv_buf_append(out, "}", 1);
}

/* JSON.stringify of an array. */
static bool
stringify_array(cv_buf *out, struct json_object *o)
{
	size_t		n = json_object_array_length(o);

	if (!cv_buf_append(out, "[", 1))
		return false;
	for (size_t i = 0; i < n; i++)
	{
		if ((i > 0 && !cv_buf_append(out, ",", 1)) ||
			!cv_json_stringify(out, json_object_array_get_idx(o, i)))
			return false;
	}
	return cv_buf_append(out, "]", 1);
}

bool
cv_json_stringify(cv_buf *out, struct json_object *o)
{
	switch (o == NULL ? json_type_null : json_object_get_type(o))
	{
		case json_type_null:
			return cv_buf_append(out, "null", 4);
		case json_type_boolean:
			return json_object_get_boolean(o) ? cv_buf_append(out, "true", 4)
				: cv_buf_append(out, "false", 5);
		case json_type_int:
		case json_type_double:
			return stringify_number(out, cv_jsonc_number(o));
		case json_type_string:
			return cv_json_quote(out, json_object_get_string(o),
								 (size_t) json_object_get_string_len(o));
		case json_type_array:
			return stringify_array(out, o);
		case json_type_object:
			return stringify_object(out, o);
	}
	return false;
}
