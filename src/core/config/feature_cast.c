/*
 * feature_cast.c — castType (feature_cast.h).
 *
 * String(), parseInt, parseFloat and JSON.parse follow JavaScript: the
 * string form comes from js_string.h, the numeric prefixes from
 * js_parse_number.h, and JSON.parse is json_strict.h's check in front of
 * json-c, so "08" or "TRUE" fail to parse and stay strings.
 */
#include "config/feature_cast.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "js/js_parse_number.h"
#include "js/js_string.h"
#include "json/json_strict.h"
#include "json/json_view_jsonc.h"

/* String(value) into out. */
static bool
string_of(struct json_object *value, cv_buf *out)
{
	cv_jv		v = cv_jv_from_jsonc(value);

	out->len = 0;
	return cv_js_append_string_of(out, &v, &cv_jsonc_ops);
}

/* JavaScript truthiness of a JSON value (objects and arrays are truthy). */
static bool
truthy(struct json_object *value)
{
	cv_jv		v = cv_jv_from_jsonc(value);

	switch (v.kind)
	{
		case CV_JV_BOOL:
			return v.boolean;
		case CV_JV_NUMBER:
			return v.number != 0 && !isnan(v.number);
		case CV_JV_STRING:
			return v.len > 0;
		case CV_JV_ARRAY:
		case CV_JV_OBJECT:
			return true;
		default:
			return false;
	}
}

/* Is value the JSON string s? */
static bool
is_string(struct json_object *value, const char *s)
{
	return json_object_get_type(value) == json_type_string &&
		(size_t) json_object_get_string_len(value) == strlen(s) &&
		memcmp(json_object_get_string(value), s, strlen(s)) == 0;
}

/* castType to boolean: the strings true/false, otherwise truthiness. */
static struct json_object *
cast_boolean(struct json_object *value)
{
	if (is_string(value, "true"))
		return json_object_new_boolean(1);
	if (is_string(value, "false"))
		return json_object_new_boolean(0);
	return json_object_new_boolean(truthy(value));
}

/* "integer" and "float": booleans are 1/0, anything else goes by String(). */
static struct json_object *
cast_number(struct json_object *value, bool integer, bool *ok)
{
	cv_buf		s = {0};
	double		d;

	if (json_object_get_type(value) == json_type_boolean)
		return json_object_new_double(json_object_get_boolean(value) ? 1 : 0);
	if (!string_of(value, &s))
	{
		*ok = false;
		return NULL;
	}
	d = integer ? cv_js_parse_int(s.data, s.len) : cv_js_parse_float(s.data, s.len);
	cv_buf_free(&s);
	return json_object_new_double(d);
}

/* castType to string: String(value). */
static struct json_object *
cast_string(struct json_object *value, bool *ok)
{
	cv_buf		s = {0};
	struct json_object *result;

	if (!string_of(value, &s))
	{
		*ok = false;
		return NULL;
	}
	result = json_object_new_string_len(s.data ? s.data : "", (int) s.len);
	cv_buf_free(&s);
	return result;
}

/* JSON.parse(String(value)); on a syntax error, String(value). */
static struct json_object *
cast_json(struct json_object *value, bool *ok)
{
	cv_buf		s = {0};
	char	   *copy;
	size_t		offset;
	char		msg[64];
	struct json_object *parsed;

	if (value == NULL || json_object_get_type(value) == json_type_object ||
		json_object_get_type(value) == json_type_array)
		return json_object_get(value);
	if (!string_of(value, &s))
	{
		*ok = false;
		return NULL;
	}
	copy = cv_json_strict_copy(s.data ? s.data : "", s.len, &offset, msg, sizeof(msg));
	if (copy == NULL)
	{
		struct json_object *str = offset == (size_t) -1 ? NULL
			: json_object_new_string_len(s.data ? s.data : "", (int) s.len);

		*ok = offset != (size_t) -1;
		cv_buf_free(&s);
		return str;
	}
	parsed = json_tokener_parse(copy);
	free(copy);
	cv_buf_free(&s);
	return parsed;
}

struct json_object *
cv_feature_cast(struct json_object *value, const char *type, size_t type_len,
				bool *ok)
{
	*ok = true;
#define TYPE_IS(name) (type_len == strlen(name) && memcmp(type, name, type_len) == 0)
	if (TYPE_IS("boolean"))
		return cast_boolean(value);
	if (TYPE_IS("float"))
		return cast_number(value, false, ok);
	if (TYPE_IS("integer"))
		return cast_number(value, true, ok);
	if (TYPE_IS("string"))
		return cast_string(value, ok);
	if (TYPE_IS("json"))
		return cast_json(value, ok);
#undef TYPE_IS
	return json_object_get(value);
}
