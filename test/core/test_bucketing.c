/*
 * test_bucketing.c — bucket values and both layouts against the
 * worked examples of docs/sdk-behaviour.md and the SDK's 59 cross-SDK vectors.
 */
#include <json-c/json.h>
#include <stdlib.h>

#include "bucketing/bucketing.h"
#include "check.h"

#define NOT_DECIDED NULL

static int32_t
value_of(const char *experience, const char *visitor)
{
	return cv_bucket_value(experience, strlen(experience), visitor, strlen(visitor),
						   CV_DEFAULT_HASH_SEED, CV_DEFAULT_MAX_TRAFFIC);
}

static void
check_bucket_values(void)
{
	CHECK_INT(value_of("100349071", "visitor-1"), 3262);
	CHECK_INT(value_of("900000001", "thirds-core-O-1"), 293);
	CHECK_INT(value_of("900000001", "boundary-9999-5699"), 9999);
	CHECK_INT(value_of("100218245", "12345"), 9034);
	CHECK_INT(value_of("100349071", "visitor-\xC3\xA4\xC3\xB6\xC3\xBC-1"), 9598);
	CHECK_INT(value_of("1003", "M\xC3\xBCller"), 5674);
	CHECK_INT(value_of("100218246", "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x83\xA6"
					   "\xE3\x83\xBC\xE3\x82\xB6\xE3\x83\xBC"), 3507);
	CHECK_INT(value_of("100218247", "\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x92\xBB-42"), 7858);
	CHECK_INT(value_of("", "visitor-1"), 4631);
	CHECK_INT(value_of("", "a"), 3612);
	CHECK_INT(value_of("100349071", ""), 2865);

	/* Non-default scales: plain truncation, and the exponent-form quirk. */
	CHECK_INT(cv_scale_hash(4294967295u, 100), 99);
	CHECK_INT(cv_scale_hash(0, 7), 0);
	CHECK_INT(cv_scale_hash(99, 1), 2);	/* 2.305e-8 -> "2.305e-8" -> 2 */
}

/* A variation given as id / allocation ("-" = absent) / status (NULL = absent). */
typedef struct spec_variation
{
	const char *id;
	const char *allocation;
	const char *status;
} spec_variation;

static const char *
select_for(const spec_variation *sv, size_t n, cv_layout layout, double value)
{
	cv_variation v[8];
	cv_range	ranges[8];
	size_t		nranges;
	long		chosen;

	memset(v, 0, sizeof(v));
	for (size_t i = 0; i < n; i++)
	{
		v[i].id = sv[i].id;
		v[i].id_len = strlen(sv[i].id);
		v[i].id_truthy = v[i].id_len > 0;
		if (strcmp(sv[i].allocation, "-") == 0)
			v[i].traffic_allocation.kind = CV_JS_UNDEFINED;
		else
		{
			v[i].traffic_allocation.kind = CV_JS_NUMBER;
			v[i].traffic_allocation.number = strtod(sv[i].allocation, NULL);
		}
		if (sv[i].status)
		{
			v[i].status.kind = CV_JS_STRING;
			v[i].status.str = sv[i].status;
			v[i].status.len = strlen(sv[i].status);
		}
	}
	if (!cv_layout_ranges(v, n, layout, ranges, &nranges))
		return "(out of memory)";
	chosen = cv_select_range(ranges, nranges, value);
	return chosen < 0 ? NOT_DECIDED : sv[chosen].id;
}

#define SELECT(vars, layout, value) \
	select_for((vars), sizeof(vars) / sizeof((vars)[0]), (layout), (value))

static void
check_spec_layouts(void)
{
	static const spec_variation s2[] = {{"300", "30", NULL}, {"100", "30", NULL}, {"200", "40", NULL}};
	static const spec_variation s3[] = {{"1001", "20", "running"}, {"1002", "20", "stopped"},
	{"1003", "20", "running"}};
	static const spec_variation s4[] = {{"1001", "10", NULL}, {"1002", "0", NULL}, {"1003", "10", NULL}};
	static const spec_variation s5[] = {{"1001", "-", NULL}, {"1002", "25", NULL}};
	static const spec_variation s6[] = {{"9000000001", "40", NULL}, {"100", "40", NULL}};
	static const spec_variation tiny[] = {{"A", "0.07", NULL}, {"B", "99.93", NULL}};
	static const spec_variation thirds[] = {{"A", "33.3", NULL}, {"B", "33.3", NULL}, {"C", "33.4", NULL}};

	/* packed walks numeric ids ascending: 100 [0,3000) 200 [3000,7000) 300 */
	CHECK_STR(SELECT(s2, CV_LAYOUT_PACKED, 3262), "200");
	CHECK_STR(SELECT(s2, CV_LAYOUT_PACKED, 9598), "300");
	CHECK_STR(SELECT(s2, CV_LAYOUT_ANCHORED, 3262), "100");
	CHECK_STR(SELECT(s2, CV_LAYOUT_ANCHORED, 9598), "200");
	CHECK_STR(SELECT(s3, CV_LAYOUT_PACKED, 3262), "1003");
	CHECK_STR(SELECT(s3, CV_LAYOUT_PACKED, 4084), NOT_DECIDED);
	CHECK_STR(SELECT(s3, CV_LAYOUT_ANCHORED, 3262), NOT_DECIDED);
	CHECK_STR(SELECT(s4, CV_LAYOUT_PACKED, 5403), NOT_DECIDED);
	CHECK_STR(SELECT(s4, CV_LAYOUT_ANCHORED, 5403), "1003");
	CHECK_STR(SELECT(s4, CV_LAYOUT_ANCHORED, 3262), NOT_DECIDED);
	CHECK_STR(SELECT(s5, CV_LAYOUT_PACKED, 9598), "1001");
	CHECK_STR(SELECT(s5, CV_LAYOUT_ANCHORED, 9598), "1001");
	CHECK_STR(SELECT(s6, CV_LAYOUT_PACKED, 3262), "100");
	CHECK_STR(SELECT(s6, CV_LAYOUT_PACKED, 4084), "9000000001");
	CHECK_STR(SELECT(s6, CV_LAYOUT_PACKED, 9598), NOT_DECIDED);
	CHECK_STR(SELECT(s6, CV_LAYOUT_ANCHORED, 3262), "9000000001");
	CHECK_STR(SELECT(s6, CV_LAYOUT_ANCHORED, 8730), "100");
	CHECK_STR(SELECT(s6, CV_LAYOUT_ANCHORED, 4084), NOT_DECIDED);
	/* unrounded boundaries: 0.07 * 100 = 7.000000000000001 */
	CHECK_STR(SELECT(tiny, CV_LAYOUT_PACKED, 7), "A");
	CHECK_STR(SELECT(tiny, CV_LAYOUT_PACKED, 8), "B");
	CHECK_STR(SELECT(thirds, CV_LAYOUT_ANCHORED, 3329), "A");
	CHECK_STR(SELECT(thirds, CV_LAYOUT_ANCHORED, 3330), "B");
	CHECK_STR(SELECT(thirds, CV_LAYOUT_ANCHORED, 9999), "C");
}

static cv_js_scalar
scalar_of(json_object *o)
{
	cv_js_scalar s = {.kind = CV_JS_UNDEFINED};

	if (o == NULL)
		return s;
	switch (json_object_get_type(o))
	{
		case json_type_null:
			s.kind = CV_JS_NULL;
			break;
		case json_type_boolean:
			s.kind = CV_JS_BOOL;
			s.boolean = json_object_get_boolean(o);
			break;
		case json_type_int:
		case json_type_double:
			s.kind = CV_JS_NUMBER;
			s.number = json_object_get_double(o);
			break;
		default:
			s.kind = CV_JS_STRING;
			s.str = json_object_get_string(o);
			s.len = strlen(s.str);
			break;
	}
	return s;
}

static const char *
run_vector(json_object *vec)
{
	json_object *vars = json_object_object_get(vec, "variations");
	const char *exp = json_object_get_string(json_object_object_get(vec, "experienceId"));
	const char *vis = json_object_get_string(json_object_object_get(vec, "visitorId"));
	double		version = json_object_get_double(json_object_object_get(vec, "version"));
	size_t		n = json_object_array_length(vars);
	cv_variation *v = calloc(n, sizeof(cv_variation));
	cv_range   *ranges = calloc(n, sizeof(cv_range));
	size_t		nranges = 0;
	long		chosen;

	for (size_t i = 0; i < n; i++)
	{
		json_object *o = json_object_array_get_idx(vars, i);

		v[i].id = json_object_get_string(json_object_object_get(o, "id"));
		v[i].id_len = strlen(v[i].id);
		v[i].id_truthy = v[i].id_len > 0;
		v[i].traffic_allocation = scalar_of(json_object_object_get(o, "traffic_allocation"));
		v[i].status = scalar_of(json_object_object_get(o, "status"));
	}
	cv_layout_ranges(v, n, cv_layout_for_version(version), ranges, &nranges);
	chosen = cv_select_range(ranges, nranges,
							 value_of(exp, vis));
	free(v);
	free(ranges);
	return chosen < 0 ? NULL :
		json_object_get_string(json_object_object_get(json_object_array_get_idx(vars, chosen), "id"));
}

static void
check_cross_sdk_vectors(const char *fixtures_dir)
{
	char		path[1024];
	json_object *vectors;
	size_t		n;

	snprintf(path, sizeof(path), "%s/cross-sdk-bucketing-vectors.json", fixtures_dir);
	vectors = json_object_from_file(path);
	CHECK_REPORT(vectors != NULL, "cannot read %s", path);
	if (vectors == NULL)
		return;
	n = json_object_array_length(vectors);
	CHECK_INT(n, 59);
	for (size_t i = 0; i < n; i++)
	{
		json_object *vec = json_object_array_get_idx(vectors, i);
		json_object *expected = json_object_object_get(vec, "expected");
		const char *got = run_vector(vec);
		const char *want = json_object_get_type(expected) == json_type_null ? NULL
			: json_object_get_string(expected);

		CHECK_REPORT((got == NULL && want == NULL) ||
					 (got && want && strcmp(got, want) == 0),
					 "vector %zu (%s): got %s, want %s", i,
					 json_object_get_string(json_object_object_get(vec, "description")),
					 got ? got : "null", want ? want : "null");
	}
	json_object_put(vectors);
}

void
test_bucketing(const char *fixtures_dir)
{
	check_bucket_values();
	check_spec_layouts();
	check_cross_sdk_vectors(fixtures_dir);
}
