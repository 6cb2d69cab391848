/*
 * variations_jsonb.c — jsonb variations -> cv_variation, with path-naming
 * errors, and a per-call-site cache so per-row calls do no parsing.
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/memutils.h"

#include "variations_jsonb.h"
#include "utf8_text.h"

typedef struct VariationCache
{
	Size		nbytes;
	char	   *bytes;			/* copy of the jsonb the layout came from */
	cv_layout	layout;
	VariationLayout *value;
	MemoryContext mcxt;			/* holds bytes and value; reset on a miss */
} VariationCache;

/* The JSON type of v, for error details. */
static const char *
jsonb_type_name(const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return "null";
		case jbvString:
			return "a string";
		case jbvNumeric:
			return "a number";
		case jbvBool:
			return "a boolean";
		case jbvBinary:
			return JsonContainerIsArray(v->val.binary.data) ? "an array" : "an object";
		default:
			return "an array or object";
	}
}

/* Raise an invalid variations error naming the element and field. */
static void
variations_error(int index, const char *field, const char *problem,
				 const JsonbValue *found)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid variations: [%d]%s%s: %s", index,
					field ? "." : "", field ? field : "", problem),
			 found ? errdetail("Found %s.", jsonb_type_name(found)) : 0,
			 errhint("Variations are a JSON array of objects, each with an "
					 "\"id\" (string or number) and optionally "
					 "\"traffic_allocation\" (a percentage) and \"status\".")));
}

/* A jsonb number as the double JSON.parse would read. */
static double
jsonb_numeric_to_double(Numeric n)
{
	/* Correctly rounded through the text form, as JSON.parse rounds. */
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
											  NumericGetDatum(n)));
}

/* A JSON scalar (or absence) as cv_js_scalar; strings stay in UTF-8. */
static bool
jsonb_to_js_scalar(const JsonbValue *v, cv_js_scalar *out)
{
	memset(out, 0, sizeof(*out));
	if (v == NULL)
		out->kind = CV_JS_UNDEFINED;
	else if (v->type == jbvNull)
		out->kind = CV_JS_NULL;
	else if (v->type == jbvBool)
	{
		out->kind = CV_JS_BOOL;
		out->boolean = v->val.boolean;
	}
	else if (v->type == jbvNumeric)
	{
		out->kind = CV_JS_NUMBER;
		out->number = jsonb_numeric_to_double(v->val.numeric);
	}
	else if (v->type == jbvString)
	{
		Utf8Bytes	b = server_string_utf8_bytes(v->val.string.val,
												 v->val.string.len);

		out->kind = CV_JS_STRING;
		out->str = b.data;
		out->len = b.len;
	}
	else
		return false;
	return true;
}

/* String(id), as the SDK keys its bucket object by it. */
static void
read_variation_id(int index, JsonbValue *idv, cv_variation *out)
{
	cv_js_scalar id;

	if (idv == NULL)
		variations_error(index, "id", "is missing", NULL);
	if (!jsonb_to_js_scalar(idv, &id))
		variations_error(index, "id", "must be a string or a number", idv);

	out->id_truthy = cv_js_truthy(&id);
	if (id.kind == CV_JS_STRING)
	{
		out->id = id.str;
		out->id_len = id.len;
	}
	else if (id.kind == CV_JS_NUMBER)
	{
		char	   *buf = palloc(CV_JS_NUMBER_BUFSIZE);

		out->id_len = cv_js_number_to_string(id.number, buf);
		out->id = buf;
	}
	else
	{
		out->id = id.kind == CV_JS_BOOL ? (id.boolean ? "true" : "false") : "null";
		out->id_len = strlen(out->id);
	}
}

/* One element of the variations array into a core variation. */
static void
read_variation(int index, JsonbValue *elem, cv_variation *out)
{
	JsonbContainer *obj;
	JsonbValue	scratch;

	if (elem->type != jbvBinary || !JsonContainerIsObject(elem->val.binary.data))
		variations_error(index, NULL, "must be an object", elem);
	obj = elem->val.binary.data;

	read_variation_id(index, getKeyJsonValueFromContainer(obj, "id", 2, &scratch), out);
	if (!jsonb_to_js_scalar(getKeyJsonValueFromContainer(obj, "traffic_allocation", 18, &scratch),
							&out->traffic_allocation))
		variations_error(index, "traffic_allocation",
						 "must be a number, a string, a boolean or null", &scratch);

	/* Any non-scalar status is truthy and not "running": the arm is stopped. */
	if (!jsonb_to_js_scalar(getKeyJsonValueFromContainer(obj, "status", 6, &scratch),
							&out->status))
	{
		out->status.kind = CV_JS_STRING;
		out->status.str = "(non-scalar)";
		out->status.len = strlen(out->status.str);
	}
}

VariationLayout *
variation_layout_from_jsonb(Jsonb *variations, cv_layout layout)
{
	VariationLayout *vl = palloc0(sizeof(VariationLayout));

	if (!JB_ROOT_IS_ARRAY(variations) || JB_ROOT_IS_SCALAR(variations))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid variations: expected a JSON array"),
				 errhint("Pass the experience's \"variations\" array.")));

	vl->nvariations = JB_ROOT_COUNT(variations);
	vl->variations = palloc0(sizeof(cv_variation) * Max(vl->nvariations, 1));
	vl->ranges = palloc(sizeof(cv_range) * Max(vl->nvariations, 1));
	for (int i = 0; i < vl->nvariations; i++)
	{
		JsonbValue *elem = getIthJsonbValueFromContainer(&variations->root, i);

		read_variation(i, elem, &vl->variations[i]);
	}
	if (!cv_layout_ranges(vl->variations, vl->nvariations, layout,
						  vl->ranges, &vl->nranges))
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while laying out variations")));
	return vl;
}

VariationLayout *
variation_layout_cached(FunctionCallInfo fcinfo, Jsonb *variations,
						cv_layout layout)
{
	VariationCache *cache = fcinfo->flinfo->fn_extra;
	Size		nbytes = VARSIZE(variations);
	MemoryContext old;

	if (cache != NULL && cache->value != NULL && cache->layout == layout &&
		cache->nbytes == nbytes && memcmp(cache->bytes, variations, nbytes) == 0)
		return cache->value;

	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(VariationCache));
		cache->mcxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt,
											"convert variations cache",
											ALLOCSET_SMALL_SIZES);
		fcinfo->flinfo->fn_extra = cache;
	}

	/* A failed parse leaves the cache empty, never half-built. */
	cache->value = NULL;
	MemoryContextReset(cache->mcxt);
	old = MemoryContextSwitchTo(cache->mcxt);
	cache->bytes = palloc(nbytes);
	memcpy(cache->bytes, variations, nbytes);
	cache->nbytes = nbytes;
	cache->layout = layout;
	/* Parse the cached copy: the ids point into it and must outlive the row. */
	cache->value = variation_layout_from_jsonb((Jsonb *) cache->bytes, layout);
	MemoryContextSwitchTo(old);
	return cache->value;
}
