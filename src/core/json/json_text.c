/*
 * json_text.c — JSON string literals and canonical JSON of json-c values.
 */
#include "json/json_text.h"

#include <string.h>

#include "json/json_view_jsonc.h"

/* Append s as a JSON string literal. */
bool
cv_json_append_string(cv_buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t		run = 0;		/* start of the pending unescaped run */

	if (!cv_buf_append(out, "\"", 1))
		return false;
	for (size_t i = 0; i < len; i++)
	{
		unsigned char ch = (unsigned char) s[i];
		char		esc[6] = {'\\', 0, 0, 0, 0, 0};
		size_t		n = 2;

		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		if (!cv_buf_append(out, s + run, i - run))
			return false;
		run = i + 1;
		switch (ch)
		{
			case '"': esc[1] = '"'; break;
			case '\\': esc[1] = '\\'; break;
			case '\b': esc[1] = 'b'; break;
			case '\f': esc[1] = 'f'; break;
			case '\n': esc[1] = 'n'; break;
			case '\r': esc[1] = 'r'; break;
			case '\t': esc[1] = 't'; break;
			default:
				memcpy(esc + 1, "u00", 3);
				esc[4] = hex[ch >> 4];
				esc[5] = hex[ch & 15];
				n = 6;
		}
		if (!cv_buf_append(out, esc, n))
			return false;
	}
	return cv_buf_append(out, s + run, len - run) && cv_buf_append(out, "\"", 1);
}

/* Canonical JSON of an array. */
static bool
append_array(cv_buf *out, struct json_object *o)
{
	size_t		n = json_object_array_length(o);

	if (!cv_buf_append(out, "[", 1))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((i > 0 && !cv_buf_append(out, ",", 1)) ||
			!cv_jsonc_append_canonical(out, json_object_array_get_idx(o, i)))
			return false;
	return cv_buf_append(out, "]", 1);
}

/* Canonical JSON of an object. */
static bool
append_object(cv_buf *out, struct json_object *o)
{
	bool		first = true;

	if (!cv_buf_append(out, "{", 1))
		return false;
	json_object_object_foreach(o, k, v)
	{
		if ((!first && !cv_buf_append(out, ",", 1)) ||
			!cv_json_append_string(out, k, strlen(k)) ||
			!cv_buf_append(out, ":", 1) ||
			!cv_jsonc_append_canonical(out, v))
			return false;
		first = false;
	}
	return cv_buf_append(out, "}", 1);
}

/* Append o in the canonical form json_text.h describes. */
bool
cv_jsonc_append_canonical(cv_buf *out, struct json_object *o)
{
	cv_jv		v = cv_jv_from_jsonc(o);

	switch (v.kind)
	{
		case CV_JV_STRING:
			return cv_json_append_string(out, v.str, v.len);
		case CV_JV_ARRAY:
			return append_array(out, o);
		case CV_JV_OBJECT:
			return append_object(out, o);
		default:
			/* null, booleans, finite numbers: String() is their JSON. */
			return cv_js_append_string_of(out, &v, NULL);
	}
}
