/*
 * decision_input.c — SQL arguments -> cv_decide_input (decision_input.h).
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "decision_input.h"
#include "error_quote.h"
#include "js/js_value.h"
#include "jsonb_view.h"
#include "utf8_text.h"
#include "visitor_segments.h"

#define DEFAULT_ENVIRONMENT "staging"

static const char *const allowed_attributes =
"Allowed attributes: bucketing, segments, forceVariationId, "
"ignoreLocationProperties, enableStorage, typeCasting, experienceKeys, "
"locations, goals, enableTracking, updateVisitorProperties.";

/* Raise an invalid attributes error naming the path and the allowed keys. */
static void
attribute_error(const char *path, const char *problem)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid attributes: %s: %s", error_text_cut(path, strlen(path)), problem),
			 errhint("%s", allowed_attributes)));
}

cv_text
decision_text_arg(FunctionCallInfo fcinfo, int n)
{
	cv_text		t = {NULL, 0};

	if (!PG_ARGISNULL(n))
	{
		Utf8Bytes	b = text_utf8_bytes(PG_GETARG_TEXT_PP(n));

		t.str = b.data;
		t.len = (size_t) b.len;
	}
	return t;
}

/* Server-encoded text as UTF-8 for the core. */
static cv_text
utf8_of(const char *s, int len)
{
	Utf8Bytes	b = server_string_utf8_bytes(s, len);
	cv_text		t = {b.data, (size_t) b.len};

	return t;
}

/* JavaScript truthiness of a jsonb scalar or container. */
static bool
jsonb_truthy(const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return false;
		case jbvBool:
			return v->val.boolean;
		case jbvString:
			return v->val.string.len > 0;
		case jbvNumeric:
			return DatumGetFloat8(DirectFunctionCall1(numeric_float8,
													  NumericGetDatum(v->val.numeric))) != 0;
		default:
			return true;
	}
}

/* String(value) of a stored variation id or a forced id (scalars only). */
static bool
scalar_string(const JsonbValue *v, cv_text *out)
{
	if (v->type == jbvString)
	{
		*out = utf8_of(v->val.string.val, v->val.string.len);
		return true;
	}
	if (v->type == jbvNumeric)
	{
		double		d = DatumGetFloat8(DirectFunctionCall1(numeric_float8,
														   NumericGetDatum(v->val.numeric)));
		char	   *buf = palloc(CV_JS_NUMBER_BUFSIZE);

		out->len = cv_js_number_to_string(d, buf);
		out->str = buf;
		return true;
	}
	if (v->type == jbvBool || v->type == jbvNull)
	{
		out->str = v->type == jbvNull ? "null" : (v->val.boolean ? "true" : "false");
		out->len = strlen(out->str);
		return true;
	}
	return false;
}

/* attributes.bucketing: the stored decisions, experience id to variation
 * id. */
static void
read_bucketing(JsonbValue *v, cv_decide_input *in)
{
	JsonbIterator *it;
	JsonbValue	k;
	JsonbValue	val;
	JsonbIteratorToken tok;
	cv_stored_decision *list;
	size_t		n = 0;

	if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
		attribute_error("bucketing", "must be an object of experience id to variation id");
	list = palloc0(sizeof(cv_stored_decision) * Max(JsonContainerSize(v->val.binary.data), 1));
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		if (tok != WJB_KEY)
			continue;
		tok = JsonbIteratorNext(&it, &val, true);
		list[n].experience_id = utf8_of(k.val.string.val, k.val.string.len);
		if (!scalar_string(&val, &list[n].variation_id))
			attribute_error(psprintf("bucketing.%s", pnstrdup(k.val.string.val, k.val.string.len)),
							"must be a variation id (a string)");
		list[n].truthy = jsonb_truthy(&val);
		n++;
	}
	in->stored = list;
	in->n_stored = n;
}

/* The stored segments: an object, its customSegments an array or a string. */
static void
check_stored_segments(JsonbValue *segments)
{
	if (segments->type != jbvBinary || !JsonContainerIsObject(segments->val.binary.data))
		attribute_error("segments", "must be an object");
	if (!visitor_segments_custom_ok(segments->val.binary.data))
		attribute_error("segments.customSegments", CUSTOM_SEGMENTS_PROBLEM);
}

/* The segment ids segment targeting checks: an array, a string, or NULL. */
static void
read_custom_segments(JsonbValue *list, cv_decide_input *in)
{
	cv_jv	   *out;
	size_t		n;

	if (list == NULL)
		return;
	if (list->type == jbvString)
	{
		in->custom_segments_text = utf8_of(list->val.string.val, list->val.string.len);
		return;
	}
	n = JsonContainerSize(list->val.binary.data);
	out = palloc0(sizeof(cv_jv) * Max(n, 1));
	for (size_t i = 0; i < n; i++)
	{
		JsonbValue *e = getIthJsonbValueFromContainer(list->val.binary.data, (uint32) i);

		/* Scalars compare by value; containers never equal a segment id. */
		out[i] = jsonb_view_root(JsonbValueToJsonb(e));
	}
	in->custom_segments = out;
	in->n_custom_segments = n;
}

/* attributes.experienceKeys: the experiences run_feature may evaluate. */
static void
read_experience_keys(JsonbValue *v, cv_decide_input *in)
{
	cv_text    *keys;
	size_t		n;

	if (v->type == jbvNull)
		return;
	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		attribute_error("experienceKeys", "must be an array of experience keys");
	n = JsonContainerSize(v->val.binary.data);
	keys = palloc0(sizeof(cv_text) * Max(n, 1));
	for (size_t i = 0; i < n; i++)
	{
		JsonbValue *e = getIthJsonbValueFromContainer(v->val.binary.data, (uint32) i);

		if (e->type != jbvString)
			attribute_error(psprintf("experienceKeys[%zu]", i), "must be a string");
		keys[i] = utf8_of(e->val.string.val, e->val.string.len);
	}
	in->experience_keys = keys;
	in->n_experience_keys = n;
}

/* One attribute; returns the stored segments object when this is it. */
static JsonbValue *
read_attribute(const char *key, int keylen, JsonbValue *v, cv_decide_input *in)
{
#define IS(name) (keylen == (int) strlen(name) && memcmp(key, name, keylen) == 0)
	if (IS("bucketing"))
		read_bucketing(v, in);
	else if (IS("segments"))
	{
		check_stored_segments(v);
		return v;
	}
	else if (IS("forceVariationId"))
	{
		if (jsonb_truthy(v) && !scalar_string(v, &in->force_variation))
			attribute_error("forceVariationId", "must be a variation id (a string)");
		if (!jsonb_truthy(v))
			in->force_variation.len = 0;
	}
	else if (IS("ignoreLocationProperties"))
		in->ignore_location = v->type == jbvBool && v->val.boolean;
	else if (IS("enableStorage"))
		in->enable_storage = jsonb_truthy(v);
	else if (IS("typeCasting"))
		in->type_casting = jsonb_truthy(v);
	else if (IS("experienceKeys"))
		read_experience_keys(v, in);
	else if (!IS("locations") && !IS("goals") && !IS("enableTracking") &&
			 !IS("updateVisitorProperties"))
		attribute_error(pnstrdup(key, keylen), "is not a known attribute");
#undef IS
	return NULL;
}

/* The stored segments of `attributes`, and whether the stored record has nothing else. */
typedef struct StoredSegments
{
	JsonbValue *segments;		/* NULL: none given */
	bool		alone;
} StoredSegments;

/* Is k a part of the SDK's stored record other than segments? */
static bool
is_record_key(const JsonbValue *k)
{
	static const char *const record_keys[] = {"bucketing", "locations", "goals"};

	for (size_t i = 0; i < lengthof(record_keys); i++)
		if (k->val.string.len == (int) strlen(record_keys[i]) &&
			memcmp(k->val.string.val, record_keys[i], k->val.string.len) == 0)
			return true;
	return false;
}

/* Reads attributes into *in; returns the stored segments. */
static StoredSegments
read_attributes(Jsonb *attrs, cv_decide_input *in)
{
	JsonbIterator *it;
	JsonbValue	k;
	JsonbValue	v;
	JsonbIteratorToken tok;
	StoredSegments stored = {NULL, true};

	if (!JB_ROOT_IS_OBJECT(attrs))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("attributes must be a JSON object"),
				 errhint("%s", allowed_attributes)));
	it = JsonbIteratorInit(&attrs->root);
	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		JsonbValue *s;

		if (tok != WJB_KEY)
			continue;
		JsonbIteratorNext(&it, &v, true);
		if (is_record_key(&k))
			stored.alone = false;
		s = read_attribute(k.val.string.val, k.val.string.len, &v, in);
		if (s != NULL)
		{
			stored.segments = palloc(sizeof(JsonbValue));
			*stored.segments = *s;
		}
	}
	return stored;
}

/*
 * The visitor properties as createContext takes them, combined with the
 * stored segments (visitor_segments.h): what audiences see, and the
 * custom segments segment targeting checks.
 */
static void
visitor_properties(FunctionCallInfo fcinfo, int argno, DecisionCache *cache,
				   StoredSegments stored, cv_decide_input *in)
{
	Jsonb	   *props = PG_ARGISNULL(argno) ? cache->empty_object : PG_GETARG_JSONB_P(argno);
	VisitorSegments v;

	if (!JB_ROOT_IS_OBJECT(props))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("visitor_properties must be a JSON object"),
				 errhint("Pass the visitor's properties as {\"name\": value, ...}, or NULL.")));
	v = visitor_segments(props, stored.segments, stored.alone);
	in->visitor_props = jsonb_view_root(v.properties);
	in->visitor_ops = &jsonb_view_ops;
	read_custom_segments(v.custom_segments, in);
}

/* The location_properties argument; NULL means not passed. */
static void
location_properties(FunctionCallInfo fcinfo, int argno, cv_decide_input *in)
{
	Jsonb	   *loc;
	JsonbValue	root;

	in->has_location = false;
	if (PG_ARGISNULL(argno))
		return;
	loc = PG_GETARG_JSONB_P(argno);
	in->location_props = jsonb_view_root(loc);
	in->location_ops = &jsonb_view_ops;
	/* The SDK tests `if (locationProperties)`: null, false, 0, "" fail. */
	in->has_location = !JsonbExtractScalar(&loc->root, &root) || jsonb_truthy(&root);
}

bool
decision_input_fill(FunctionCallInfo fcinfo, int first, DecisionCache *cache,
					cv_decide_input *in)
{
	StoredSegments stored = {NULL, false};
	cv_text		env;

	memset(in, 0, sizeof(*in));
	in->enable_storage = true;
	in->type_casting = true;
	in->visitor_id = decision_text_arg(fcinfo, 1);
	if (in->visitor_id.str == NULL || in->visitor_id.len == 0)
		return false;
	if (!PG_ARGISNULL(first + 3))
		stored = read_attributes(PG_GETARG_JSONB_P(first + 3), in);
	visitor_properties(fcinfo, first, cache, stored, in);
	location_properties(fcinfo, first + 1, in);
	env = decision_text_arg(fcinfo, first + 2);
	if (env.str == NULL || env.len == 0)
	{
		env.str = DEFAULT_ENVIRONMENT;
		env.len = strlen(DEFAULT_ENVIRONMENT);
	}
	in->environment = env;
	return true;
}
