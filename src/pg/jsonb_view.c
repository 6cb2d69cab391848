/*
 * jsonb_view.c — cv_jv_ops over jsonb containers.
 *
 * A container node is a JsonbContainer pointer into the (detoasted)
 * datum; member lookup is jsonb's own binary search, so evaluating a
 * rule reads only the keys it names.  Allocations (strings converted from
 * a non-UTF-8 server encoding, numbers' text) go to the current memory
 * context, which the caller resets per row.
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

#include "jsonb_view.h"
#include "utf8_text.h"

double
numeric_to_js_double(Numeric n)
{
	char	   *text = DatumGetCString(DirectFunctionCall1(numeric_out,
														   NumericGetDatum(n)));
	double		d = strtod(text, NULL);

	pfree(text);
	return d;
}

/* A core JSON view of a jsonb scalar or container. */
static void
view_of_value(const JsonbValue *v, cv_jv *out)
{
	memset(out, 0, sizeof(*out));
	switch (v->type)
	{
		case jbvNull:
			out->kind = CV_JV_NULL;
			break;
		case jbvBool:
			out->kind = CV_JV_BOOL;
			out->boolean = v->val.boolean;
			break;
		case jbvNumeric:
			out->kind = CV_JV_NUMBER;
			out->number = numeric_to_js_double(v->val.numeric);
			break;
		case jbvString:
			{
				Utf8Bytes	b = server_string_utf8_bytes(v->val.string.val,
														 v->val.string.len);

				out->kind = CV_JV_STRING;
				out->str = b.data;
				out->len = (size_t) b.len;
				break;
			}
		case jbvBinary:
			out->kind = JsonContainerIsArray(v->val.binary.data)
				? CV_JV_ARRAY : CV_JV_OBJECT;
			out->node = v->val.binary.data;
			break;
		default:
			out->kind = CV_JV_UNDEFINED;
	}
}

/* Members or elements of a container, for the core's JSON view. */
static size_t
view_count(const void *node)
{
	return JsonContainerSize((const JsonbContainer *) node);
}

/* Element i of an array, for the core's JSON view. */
static bool
view_array_get(const void *node, size_t i, cv_jv *out)
{
	JsonbContainer *c = (JsonbContainer *) node;
	JsonbValue *v;

	if (i >= JsonContainerSize(c))
		return false;
	v = getIthJsonbValueFromContainer(c, (uint32) i);
	if (v == NULL)
		return false;
	view_of_value(v, out);
	return true;
}

/* Member key of an object, for the core's JSON view; key is UTF-8. */
static bool
view_object_get(const void *node, const char *key, size_t len, cv_jv *out)
{
	JsonbContainer *c = (JsonbContainer *) node;
	JsonbValue	scratch;
	JsonbValue *v;
	int			encoding = GetDatabaseEncoding();

	/* Keys in the jsonb are in the server encoding; the rule's are UTF-8. */
	if (encoding != PG_UTF8 && encoding != PG_SQL_ASCII)
	{
		key = pg_any_to_server(key, (int) len, PG_UTF8);
		len = strlen(key);
	}
	v = getKeyJsonValueFromContainer(c, key, (uint32) len, &scratch);
	if (v == NULL)
		return false;
	view_of_value(v, out);
	return true;
}

const cv_jv_ops jsonb_view_ops = {view_count, view_array_get, view_object_get};

cv_jv
jsonb_view_root(Jsonb *jb)
{
	cv_jv		out;

	if (JB_ROOT_IS_SCALAR(jb))
	{
		JsonbValue	scalar;

		/* A raw scalar is stored as a one-element array. */
		JsonbExtractScalar(&jb->root, &scalar);
		view_of_value(&scalar, &out);
		return out;
	}
	memset(&out, 0, sizeof(out));
	out.kind = JB_ROOT_IS_ARRAY(jb) ? CV_JV_ARRAY : CV_JV_OBJECT;
	out.node = &jb->root;
	return out;
}
