/*
 * json_view_jsonc.c — cv_jv_ops over json-c objects.
 */
#include "json/json_view_jsonc.h"

#include <stdlib.h>
#include <string.h>

double
cv_jsonc_number(struct json_object *o)
{
	if (json_object_get_type(o) == json_type_double)
		return json_object_get_double(o);
	/* Integers of up to 15 digits (json_strict.c): exact in a double. */
	return (double) json_object_get_int64(o);
}

cv_jv
cv_jv_from_jsonc(struct json_object *o)
{
	cv_jv		v;

	memset(&v, 0, sizeof(v));
	if (o == NULL)
	{
		/* json-c represents JSON null as NULL; absent members are told
		 * apart by object_get returning false. */
		v.kind = CV_JV_NULL;
		return v;
	}
	switch (json_object_get_type(o))
	{
		case json_type_null:
			v.kind = CV_JV_NULL;
			break;
		case json_type_boolean:
			v.kind = CV_JV_BOOL;
			v.boolean = json_object_get_boolean(o);
			break;
		case json_type_double:
		case json_type_int:
			v.kind = CV_JV_NUMBER;
			v.number = cv_jsonc_number(o);
			break;
		case json_type_string:
			v.kind = CV_JV_STRING;
			v.str = json_object_get_string(o);
			v.len = (size_t) json_object_get_string_len(o);
			break;
		case json_type_array:
			v.kind = CV_JV_ARRAY;
			v.node = o;
			break;
		case json_type_object:
			v.kind = CV_JV_OBJECT;
			v.node = o;
			break;
	}
	return v;
}

/* Members or elements of a json-c container, for the JSON view. */
static size_t
jsonc_count(const void *node)
{
	struct json_object *o = (struct json_object *) node;

	return json_object_get_type(o) == json_type_array
		? json_object_array_length(o) : (size_t) json_object_object_length(o);
}

/* Element i of a json-c array, for the JSON view. */
static bool
jsonc_array_get(const void *node, size_t i, cv_jv *out)
{
	struct json_object *o = (struct json_object *) node;

	if (i >= json_object_array_length(o))
		return false;
	*out = cv_jv_from_jsonc(json_object_array_get_idx(o, i));
	return true;
}

/* Member key of a json-c object, for the JSON view. */
static bool
jsonc_object_get(const void *node, const char *key, size_t len, cv_jv *out)
{
	struct json_object *o = (struct json_object *) node;
	struct json_object *member = NULL;
	char		small[128];
	char	   *k = len < sizeof(small) ? small : malloc(len + 1);
	bool		found;

	if (k == NULL || memchr(key, '\0', len) != NULL)
	{
		if (k != small)
			free(k);
		return false;
	}
	memcpy(k, key, len);
	k[len] = '\0';
	found = json_object_object_get_ex(o, k, &member);
	if (k != small)
		free(k);
	if (found)
		*out = cv_jv_from_jsonc(member);
	return found;
}

const cv_jv_ops cv_jsonc_ops = {jsonc_count, jsonc_array_get, jsonc_object_get};
