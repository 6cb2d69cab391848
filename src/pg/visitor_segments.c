/*
 * visitor_segments.c — createContext's split of the visitor properties
 * (visitor_segments.h).
 *
 * The SDK's order: the Context constructor keeps the properties that are
 * not report segments and stores the report segments with putData, which
 * deep-merges {segments: report} into the visitor's record (stored arrays
 * unioned with the new ones, new scalars winning) unless the record
 * already deep-equals it; every run call then matches audiences against
 * objectDeepMerge(stored segments, kept properties).  Report and kept
 * keys are disjoint, so outside that exception this is
 * objectDeepMerge(stored segments, all the properties), and its
 * customSegments is the stored one after createContext: nothing needs
 * splitting.
 */
#include "postgres.h"

#include "miscadmin.h"

#include "js/js_value.h"
#include "jsonb_merge.h"
#include "jsonb_view.h"
#include "visitor_segments.h"

#define CUSTOM_SEGMENTS "customSegments"

/* The SDK's SegmentsKeys. */
static const char *const report_keys[] = {
	"country", "browser", "devices", "source", "campaign", "visitorType",
	CUSTOM_SEGMENTS
};

/* Is key one of the SDK's report segments? */
static bool
is_report_key(const char *key, int len)
{
	for (size_t i = 0; i < lengthof(report_keys); i++)
		if (strlen(report_keys[i]) == (size_t) len && memcmp(report_keys[i], key, len) == 0)
			return true;
	return false;
}

/* The properties that are not report segments (NULL: none). */
static Jsonb *
kept_properties(Jsonb *props)
{
	JsonbParseState *st = NULL;
	JsonbIterator *it = JsonbIteratorInit(&props->root);
	JsonbValue	k;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			n = 0;
	JsonbValue *done;

	pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		if (tok != WJB_KEY)
			continue;
		CHECK_FOR_INTERRUPTS();
		JsonbIteratorNext(&it, &v, true);
		if (is_report_key(k.val.string.val, k.val.string.len))
			continue;
		pushJsonbValue(&st, WJB_KEY, &k);
		pushJsonbValue(&st, WJB_VALUE, &v);
		n++;
	}
	done = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	return n > 0 ? JsonbValueToJsonb(done) : NULL;
}

static bool js_deep_equal(JsonbValue *a, JsonbValue *b);

/* Member `key` of a container; of an array, the element at that index. */
static JsonbValue *
member_named(JsonbContainer *c, const char *key, int len)
{
	uint32		index;

	if (!JsonContainerIsArray(c))
		return getKeyJsonValueFromContainer(c, key, len, NULL);
	/* Object.keys of an array: "0", "1", ... */
	if (!cv_js_array_index(key, (size_t) len, &index) || index >= JsonContainerSize(c))
		return NULL;
	return getIthJsonbValueFromContainer(c, index);
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

/* Do two jsonb containers hold equal values, member by member? */
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
	if (a->type == jbvBinary)
		return container_deep_equal(a->val.binary.data, b->val.binary.data);
	if (a->type == jbvNumeric)
		return numeric_to_js_double(a->val.numeric) == numeric_to_js_double(b->val.numeric);
	if (a->type == jbvBool)
		return a->val.boolean == b->val.boolean;
	return a->type == jbvNull ||
		(a->val.string.len == b->val.string.len &&
		 memcmp(a->val.string.val, b->val.string.val, a->val.string.len) == 0);
}

bool
visitor_segments_custom_ok(JsonbContainer *object)
{
	JsonbValue *list = getKeyJsonValueFromContainer(object, CUSTOM_SEGMENTS,
													strlen(CUSTOM_SEGMENTS), NULL);

	return list == NULL || list->type == jbvString ||
		(list->type == jbvBinary && JsonContainerIsArray(list->val.binary.data));
}

/* Raise unless customSegments is an array or a string. */
static void
check_custom_segments(JsonbContainer *props)
{
	if (!visitor_segments_custom_ok(props))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid visitor_properties: customSegments: %s", CUSTOM_SEGMENTS_PROBLEM),
				 errhint("customSegments lists the ids of the segments the visitor is in, as the SDK's createContext takes it.")));
}

/* objectDeepEqual(stored, the report segments of props), with no report object built. */
static bool
equals_report_segments(JsonbContainer *stored, JsonbContainer *props)
{
	uint32		n = 0;

	for (size_t i = 0; i < lengthof(report_keys); i++)
	{
		JsonbValue *given = getKeyJsonValueFromContainer(props, report_keys[i],
														 strlen(report_keys[i]), NULL);
		JsonbValue *kept;

		if (given == NULL)
			continue;
		n++;
		kept = getKeyJsonValueFromContainer(stored, report_keys[i], strlen(report_keys[i]), NULL);
		if (kept == NULL || !js_deep_equal(kept, given))
			return false;
	}
	return n > 0 && n == JsonContainerSize(stored);
}

VisitorSegments
visitor_segments(Jsonb *props, JsonbValue *stored, bool stored_only)
{
	VisitorSegments out;

	check_custom_segments(&props->root);
	if (stored == NULL || JsonContainerSize(stored->val.binary.data) == 0)
		out.properties = props;
	else if (stored_only && equals_report_segments(stored->val.binary.data, &props->root))
	{
		/* putData left the record as it was: the stored segments, then the kept properties. */
		Jsonb	   *kept = kept_properties(props);

		out.properties = kept == NULL ? JsonbValueToJsonb(stored)
			: jsonb_deep_merge(stored->val.binary.data, &kept->root);
	}
	else
		out.properties = jsonb_deep_merge(stored->val.binary.data, &props->root);
	out.custom_segments = getKeyJsonValueFromContainer(&out.properties->root, CUSTOM_SEGMENTS,
													   strlen(CUSTOM_SEGMENTS), NULL);
	return out;
}
