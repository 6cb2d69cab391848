/*
 * visitor_segments.c — createContext's split of the visitor properties
 * (visitor_segments.h).
 *
 * The SDK's order: the Context constructor keeps the properties that are
 * not report segments and stores the report segments with putData, which
 * deep-merges {segments: report} into the visitor's record (stored arrays
 * unioned with the new ones, new scalars winning) unless the record
 * already deep-equals it; every run call then matches audiences against
 * objectDeepMerge(stored segments, kept properties).
 */
#include "postgres.h"

#include "miscadmin.h"

#include "jsonb_merge.h"
#include "jsonb_view.h"
#include "visitor_segments.h"

#define CUSTOM_SEGMENTS "customSegments"

/* The SDK's SegmentsKeys. */
static const char *const report_keys[] = {
	"country", "browser", "devices", "source", "campaign", "visitorType",
	CUSTOM_SEGMENTS
};

static bool
is_report_key(const char *key, int len)
{
	for (size_t i = 0; i < lengthof(report_keys); i++)
		if (strlen(report_keys[i]) == (size_t) len && memcmp(report_keys[i], key, len) == 0)
			return true;
	return false;
}

static bool
has_report_key(JsonbContainer *props)
{
	for (size_t i = 0; i < lengthof(report_keys); i++)
		if (getKeyJsonValueFromContainer(props, report_keys[i], strlen(report_keys[i]),
										 NULL) != NULL)
			return true;
	return false;
}

/* filterReportSegments: *report gets the report segments, *rest the others (NULL: none). */
static void
split_properties(Jsonb *props, Jsonb **report, Jsonb **rest)
{
	JsonbParseState *to_report = NULL;
	JsonbParseState *to_rest = NULL;
	JsonbIterator *it = JsonbIteratorInit(&props->root);
	JsonbValue	k;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			n_rest = 0;
	JsonbValue *done_report;
	JsonbValue *done_rest;

	pushJsonbValue(&to_report, WJB_BEGIN_OBJECT, NULL);
	pushJsonbValue(&to_rest, WJB_BEGIN_OBJECT, NULL);
	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		JsonbParseState **to;

		if (tok != WJB_KEY)
			continue;
		CHECK_FOR_INTERRUPTS();
		JsonbIteratorNext(&it, &v, true);
		to = is_report_key(k.val.string.val, k.val.string.len) ? &to_report : &to_rest;
		if (to == &to_rest)
			n_rest++;
		pushJsonbValue(to, WJB_KEY, &k);
		pushJsonbValue(to, WJB_VALUE, &v);
	}
	done_report = pushJsonbValue(&to_report, WJB_END_OBJECT, NULL);
	done_rest = pushJsonbValue(&to_rest, WJB_END_OBJECT, NULL);
	*report = JsonbValueToJsonb(done_report);
	*rest = n_rest > 0 ? JsonbValueToJsonb(done_rest) : NULL;
}

static bool js_deep_equal(JsonbValue *a, JsonbValue *b);

/* Member `key` of a container; of an array, the element at that index. */
static JsonbValue *
member_named(JsonbContainer *c, const char *key, int len)
{
	uint32		index = 0;

	if (!JsonContainerIsArray(c))
		return getKeyJsonValueFromContainer(c, key, len, NULL);
	/* Object.keys of an array: "0", "1", ... without leading zeros. */
	if (len == 0 || len > 9 || (len > 1 && key[0] == '0'))
		return NULL;
	for (int i = 0; i < len; i++)
	{
		if (key[i] < '0' || key[i] > '9')
			return NULL;
		index = index * 10 + (uint32) (key[i] - '0');
	}
	return index < JsonContainerSize(c) ? getIthJsonbValueFromContainer(c, index) : NULL;
}

/* Same key count, and every key of the object a equal in b. */
static bool
object_deep_equal(JsonbContainer *a, JsonbContainer *b)
{
	JsonbIterator *it = JsonbIteratorInit(a);
	JsonbValue	k;
	JsonbValue	v;
	JsonbIteratorToken tok;

	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		JsonbValue *other;

		if (tok != WJB_KEY)
			continue;
		JsonbIteratorNext(&it, &v, true);
		other = member_named(b, k.val.string.val, k.val.string.len);
		if (other == NULL || !js_deep_equal(&v, other))
			return false;
	}
	return true;
}

static bool
container_deep_equal(JsonbContainer *a, JsonbContainer *b)
{
	uint32		n = JsonContainerSize(a);

	if (n != JsonContainerSize(b))
		return false;
	if (JsonContainerIsArray(a) && JsonContainerIsArray(b))
	{
		for (uint32 i = 0; i < n; i++)
			if (!js_deep_equal(getIthJsonbValueFromContainer(a, i),
							   getIthJsonbValueFromContainer(b, i)))
				return false;
		return true;
	}
	/* An array equals an object with its indexes as keys. */
	return JsonContainerIsArray(a) ? object_deep_equal(b, a) : object_deep_equal(a, b);
}

/* The SDK's objectDeepEqual: === for scalars (numbers as doubles). */
static bool
js_deep_equal(JsonbValue *a, JsonbValue *b)
{
	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	if (a->type != b->type)
		return false;
	switch (a->type)
	{
		case jbvNull:
			return true;
		case jbvBool:
			return a->val.boolean == b->val.boolean;
		case jbvString:
			return a->val.string.len == b->val.string.len &&
				memcmp(a->val.string.val, b->val.string.val, a->val.string.len) == 0;
		case jbvNumeric:
			return numeric_to_js_double(a->val.numeric) == numeric_to_js_double(b->val.numeric);
		case jbvBinary:
			return container_deep_equal(a->val.binary.data, b->val.binary.data);
		default:
			return false;
	}
}

static void
check_custom_segments(JsonbContainer *props)
{
	JsonbValue *list = getKeyJsonValueFromContainer(props, CUSTOM_SEGMENTS,
													strlen(CUSTOM_SEGMENTS), NULL);

	if (list != NULL && (list->type != jbvBinary || !JsonContainerIsArray(list->val.binary.data)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid visitor_properties: customSegments: must be an array of segment ids"),
				 errhint("customSegments lists the ids of the segments the visitor is in, as the SDK's createContext takes it.")));
}

/* The stored segments after createContext stored the report segments. */
static Jsonb *
stored_after_context(Jsonb *report, JsonbValue *stored, bool stored_only)
{
	JsonbValue	report_root;

	if (stored == NULL)
		return report;
	report_root.type = jbvBinary;
	report_root.val.binary.data = &report->root;
	report_root.val.binary.len = VARSIZE(report) - VARHDRSZ;
	/* putData leaves a record that already equals {segments: report} as it is. */
	if (stored_only && js_deep_equal(stored, &report_root))
		return JsonbValueToJsonb(stored);
	return jsonb_deep_merge(stored->val.binary.data, &report->root);
}

VisitorSegments
visitor_segments(Jsonb *props, JsonbValue *stored, bool stored_only)
{
	VisitorSegments out = {props, NULL};
	Jsonb	   *segments = NULL;
	Jsonb	   *rest = props;

	if (has_report_key(&props->root))
	{
		Jsonb	   *report;

		check_custom_segments(&props->root);
		split_properties(props, &report, &rest);
		segments = stored_after_context(report, stored, stored_only);
	}
	else if (stored != NULL)
		segments = JsonbValueToJsonb(stored);
	/* objectDeepMerge(segments || {}, rest || {}); one side empty: the other. */
	if (rest == NULL)
		out.properties = segments;	/* not empty: it holds the report segments */
	else if (segments == NULL || JB_ROOT_COUNT(segments) == 0)
		out.properties = rest;
	else if (JB_ROOT_COUNT(rest) == 0)
		out.properties = segments;
	else
		out.properties = jsonb_deep_merge(&segments->root, &rest->root);
	if (segments != NULL)
		out.custom_segments = getKeyJsonValueFromContainer(&segments->root, CUSTOM_SEGMENTS,
														   strlen(CUSTOM_SEGMENTS), NULL);
	return out;
}
