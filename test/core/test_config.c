/*
 * test_config.c — the config compiler and the decision flow, without a
 * server: the verified examples of docs/sdk-behaviour.md ("Config
 * documents"), each step of runExperience, features, and invalid configs with paths.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config/config.h"
#include "json/json_view_jsonc.h"

/* The small config of docs/sdk-behaviour.md, with a second experience for the flow's steps. */
static const char *const minimal =
"{\"account_id\":\"1001\",\"project\":{\"id\":\"2002\"},"
"\"experiences\":[{\"id\":\"3003\",\"key\":\"checkout-test\",\"name\":\"Checkout test\","
"\"version\":11,\"environment\":\"production\",\"locations\":[\"4004\"],\"site_area\":null,"
"\"audiences\":[\"5005\"],\"settings\":{\"matching_options\":{\"audiences\":\"any\"}},"
"\"variations\":[{\"id\":\"7001\",\"key\":\"original\",\"name\":\"Original\",\"status\":\"running\","
"\"traffic_allocation\":50.0,\"changes\":[{\"id\":8001,\"type\":\"fullStackFeature\","
"\"data\":{\"feature_id\":9009,\"variables_data\":{\"enabled\":false}}}]},"
"{\"id\":\"7002\",\"key\":\"variation-1\",\"name\":\"Variation 1\",\"status\":\"running\","
"\"traffic_allocation\":50.0,\"changes\":[{\"id\":8002,\"type\":\"fullStackFeature\","
"\"data\":{\"feature_id\":9009,\"variables_data\":{\"enabled\":true}}}]}]},"
"{\"id\":\"3004\",\"key\":\"excluded\",\"audiences\":[\"5006\"],"
"\"variations\":[{\"id\":\"7101\"}]}],"
"\"locations\":[{\"id\":\"4004\",\"key\":\"checkout\",\"rules\":{\"OR\":[{\"AND\":[{\"OR_WHEN\":"
"[{\"rule_type\":\"generic_text_key_value\",\"key\":\"page\",\"value\":\"checkout\","
"\"matching\":{\"match_type\":\"matches\",\"negated\":false}}]}]}]}}],"
"\"audiences\":[{\"id\":\"5005\",\"type\":\"transient\",\"rules\":{\"OR\":[{\"AND\":[{\"OR_WHEN\":"
"[{\"rule_type\":\"generic_bool_key_value\",\"key\":\"desktop\",\"value\":true,"
"\"matching\":{\"match_type\":\"equals\",\"negated\":false}}]}]}]}},"
"{\"id\":\"5006\",\"type\":\"transient\",\"rules\":{\"OR\":[{\"AND\":[{\"OR_WHEN\":"
"[{\"rule_type\":\"bucketed_into_experience_key\",\"value\":\"checkout-test\","
"\"matching\":{\"match_type\":\"equals\",\"negated\":true}}]}]}]}}],"
"\"segments\":[],\"features\":[{\"id\":\"9009\",\"key\":\"new-checkout\",\"name\":\"New checkout\","
"\"variables\":[{\"key\":\"enabled\",\"type\":\"boolean\"}]}],\"archived_experiences\":[]}";

typedef struct fixture
{
	void	   *blob;
	cv_config_runtime *rt;
	struct json_object *vprops;
	struct json_object *lprops;
	cv_decide_input in;
} fixture;

static bool
fixture_init(fixture *f, const char *json, const char *vprops, const char *lprops)
{
	size_t		size;
	cv_config_error err;

	memset(f, 0, sizeof(*f));
	if (cv_config_compile(json, strlen(json), &f->blob, &size, &err) != CV_CONFIG_OK)
	{
		fprintf(stderr, "compile: %s: %s\n", err.path, err.message);
		return false;
	}
	CHECK(cv_config_check(f->blob, size));
	f->rt = cv_config_runtime_new(f->blob);
	f->vprops = json_tokener_parse(vprops);
	f->lprops = lprops ? json_tokener_parse(lprops) : NULL;
	f->in.visitor_id.str = "visitor-1";
	f->in.visitor_id.len = 9;
	f->in.environment.str = "production";
	f->in.environment.len = 10;
	f->in.visitor_props = cv_jv_from_jsonc(f->vprops);
	f->in.visitor_ops = &cv_jsonc_ops;
	f->in.has_location = lprops != NULL;
	f->in.location_props = cv_jv_from_jsonc(f->lprops);
	f->in.location_ops = &cv_jsonc_ops;
	f->in.enable_storage = true;
	f->in.type_casting = true;
	return f->rt != NULL;
}

static void
fixture_free(fixture *f)
{
	cv_config_runtime_free(f->rt);
	free(f->blob);
	json_object_put(f->vprops);
	json_object_put(f->lprops);
}

static cv_text
text(const char *s)
{
	cv_text		t = {s, strlen(s)};

	return t;
}

/* The id of the decided variation ("" for null, "ND" for not decided). */
static const char *
decided(fixture *f, const char *key, int *allocation)
{
	cv_decision d = cv_run_experience(f->rt, &f->in, text(key));
	static char id[64];
	bool		own;
	cv_text		json;
	const char *p;

	*allocation = d.has_allocation ? d.allocation : -1;
	if (d.outcome == CV_OUT_NOT_DECIDED)
		return "ND";
	if (d.outcome != CV_OUT_VARIATION)
		return "";
	json = cv_config_variation_json(f->blob, d.variation, false, &own);
	p = strstr(json.str, "\"id\":\"");
	snprintf(id, sizeof(id), "%.4s", p ? p + 6 : "?");
	return id;
}

static void
test_minimal_flow(void)
{
	fixture		f;
	int			alloc;
	cv_stored_decision stored = {{"3003", 4}, {"7002", 4}, true};

	if (!fixture_init(&f, minimal, "{\"desktop\":true}", "{\"page\":\"checkout\"}"))
	{
		CHECK(false);
		return;
	}
	/* Verified with the SDK: value 3203 -> 7001. */
	CHECK_STR(decided(&f, "checkout-test", &alloc), "7001");
	CHECK_INT(alloc, 3203);
	CHECK_STR(decided(&f, "no-such-key", &alloc), "");
	/* Environment must match exactly. */
	f.in.environment = text("Production");
	CHECK_STR(decided(&f, "checkout-test", &alloc), "");
	f.in.environment = text("production");
	/* Location: absent properties fail, ignoreLocationProperties passes. */
	f.in.has_location = false;
	CHECK_STR(decided(&f, "checkout-test", &alloc), "");
	f.in.ignore_location = true;
	CHECK_STR(decided(&f, "checkout-test", &alloc), "7001");
	f.in.ignore_location = false;
	f.in.has_location = true;
	/* Stored decision: returned as is, no bucketingAllocation. */
	f.in.stored = &stored;
	f.in.n_stored = 1;
	CHECK_STR(decided(&f, "checkout-test", &alloc), "7002");
	CHECK_INT(alloc, -1);
	/* Forced variation different from the stored one: forced, natural value. */
	f.in.force_variation = text("7002");
	f.in.n_stored = 0;
	CHECK_STR(decided(&f, "checkout-test", &alloc), "7002");
	CHECK_INT(alloc, 3203);
	f.in.force_variation = text("");
	/* Mutual exclusion: "excluded" requires no decision for checkout-test. */
	CHECK_STR(decided(&f, "excluded", &alloc), "7101");
	f.in.n_stored = 1;
	CHECK_STR(decided(&f, "excluded", &alloc), "");
	f.in.n_stored = 0;
	{
		size_t		n;
		const cv_decision *all = cv_run_experiences(f.rt, &f.in, &n);

		/* In one call, the first decision excludes the second experience. */
		CHECK_INT(n, 1);
		CHECK_INT(n > 0 ? all[0].experience : 99, 0);
	}
	fixture_free(&f);
}

static void
test_minimal_features(void)
{
	fixture		f;
	size_t		n;
	const cv_feature_entry *e;
	cv_text		key = text("new-checkout");

	if (!fixture_init(&f, minimal, "{\"desktop\":true}", "{\"page\":\"checkout\"}"))
	{
		CHECK(false);
		return;
	}
	e = cv_run_features(f.rt, &f.in, &key, &n);
	CHECK_INT(n, 1);
	if (n == 1)
	{
		cv_text		json = cv_config_feature_entry_json(f.blob, e[0].index, e[0].casts);

		CHECK_INT(e[0].kind, CV_FEATURE_ENABLED);
		CHECK_STR(json.str, "{\"experienceId\":\"3003\",\"experienceName\":\"Checkout test\","
				  "\"experienceKey\":\"checkout-test\",\"key\":\"new-checkout\","
				  "\"name\":\"New checkout\",\"id\":\"9009\",\"status\":\"enabled\","
				  "\"variables\":{\"enabled\":false}}");
	}
	CHECK_INT(cv_config_find_feature(f.blob, text("nope")), CV_CONFIG_NONE);
	CHECK_INT(cv_config_find_feature(f.blob, key), 0);
	/* An audience miss: the feature is listed as disabled by runFeatures. */
	json_object_object_add(f.vprops, "desktop", json_object_new_boolean(0));
	e = cv_run_features(f.rt, &f.in, NULL, &n);
	CHECK_INT(n, 1);
	if (n == 1)
		CHECK_STR(cv_config_feature_disabled_json(f.blob, e[0].index).str,
				  "{\"id\":\"9009\",\"name\":\"New checkout\",\"key\":\"new-checkout\","
				  "\"status\":\"disabled\"}");
	fixture_free(&f);
}

typedef struct invalid_case
{
	const char *json;
	const char *path;
	const char *message;
} invalid_case;

static const invalid_case invalid_cases[] = {
	{"[]", "", "the config must be a JSON object, not an array"},
	{"{\"account_id\":\"1\"", "", "invalid JSON at byte 17: "},
	{"{\"project\":{\"id\":\"2\"}}", "account_id", "is missing or empty"},
	{"{\"account_id\":\"1\",\"project\":{}}", "project.id", "is missing or empty"},
	{"{\"error\":{\"code\":404}}", "error", "the config is an error document"},
	{"{\"account_id\":\"1\",\"project\":{\"id\":\"2\"},\"experiences\":{}}",
	"experiences", "must be an array, not an object"},
	{"{\"account_id\":\"1\",\"project\":{\"id\":\"2\"},\"experiences\":[1]}",
	"experiences[0]", "must be an object, not a number"},
	{"{\"account_id\":\"1\",\"project\":{\"id\":\"2\"},\"experiences\":[{\"key\":\"a\"}]}",
	"experiences[0].id", "is missing"},
	{"{\"account_id\":\"1\",\"project\":{\"id\":\"2\"},\"experiences\":[{\"id\":\"1\"},{\"id\":1}]}",
	"experiences[1].id", "duplicates the id of experiences[0]"},
	{"{\"account_id\":\"1\",\"project\":{\"id\":\"2\"},\"experiences\":[{\"id\":\"1\","
	"\"variations\":[{\"id\":\"a\"},null]}]}", "experiences[0].variations[1]",
	"must be an object, not null"},
	{"{\"account_id\":\"1\",\"project\":{\"id\":\"2\"},\"experiences\":[{\"id\":\"1\","
	"\"variations\":[{\"id\":\"a\",\"traffic_allocation\":[50]}]}]}",
	"experiences[0].variations[0].traffic_allocation", "must be a number, not an array"},
	{"{\"account_id\":\"1\",\"project\":{\"id\":\"2\"},\"experiences\":[{\"id\":\"1\","
	"\"variations\":[{\"id\":\"a\",\"changes\":{}}]}]}",
	"experiences[0].variations[0].changes", "must be an array, not an object"},
	{"{\"account_id\":\"1\",\"project\":{\"id\":\"2\"},\"features\":[{\"id\":\"9\","
	"\"variables\":[\"x\"]}]}", "features[0].variables[0]", "must be an object, not a string"},
};

static void
test_invalid(void)
{
	for (size_t i = 0; i < sizeof(invalid_cases) / sizeof(invalid_cases[0]); i++)
	{
		const invalid_case *c = &invalid_cases[i];
		void	   *blob = NULL;
		size_t		size;
		cv_config_error err;
		cv_config_errcode rc = cv_config_compile(c->json, strlen(c->json), &blob, &size, &err);

		CHECK(rc != CV_CONFIG_OK && blob == NULL);
		CHECK_STR(err.path, c->path);
		CHECK_REPORT(strncmp(err.message, c->message, strlen(c->message)) == 0,
					 "message \"%s\", want \"%s...\"", err.message, c->message);
	}
}

/*
 * customSegments given as a string: the SDK's includes() finds String(id)
 * in it as text (verified with SDK 4.4.3, ids of every scalar type).
 */
static const char *const segment_ids =
"{\"account_id\":\"1\",\"project\":{\"id\":\"2\"},\"experiences\":["
"{\"id\":\"31\",\"key\":\"by-string\",\"audiences\":[\"6101\"],\"variations\":[{\"id\":\"7101\"}]},"
"{\"id\":\"32\",\"key\":\"by-number\",\"audiences\":[6102],\"variations\":[{\"id\":\"7201\"}]},"
"{\"id\":\"33\",\"key\":\"by-bool\",\"audiences\":[true],\"variations\":[{\"id\":\"7301\"}]}],"
"\"segments\":[{\"id\":\"6101\"},{\"id\":6102},{\"id\":true}],\"audiences\":[],\"locations\":[],"
"\"features\":[],\"archived_experiences\":[]}";

static void
test_segments_as_text(void)
{
	static const struct
	{
		const char *text;
		const char *by_string,
				   *by_number,
				   *by_bool;
	}			cases[] = {
		{"x6101y", "7101", "", ""}, {"6102", "", "7201", ""}, {"true", "", "", "7301"},
		{"610", "", "", ""}, {"", "", "", ""},
	};
	fixture		f;
	int			alloc;

	if (!fixture_init(&f, segment_ids, "{}", "{}"))
	{
		CHECK(false);
		return;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		f.in.custom_segments_text = text(cases[i].text);
		CHECK_STR(decided(&f, "by-string", &alloc), cases[i].by_string);
		CHECK_STR(decided(&f, "by-number", &alloc), cases[i].by_number);
		CHECK_STR(decided(&f, "by-bool", &alloc), cases[i].by_bool);
	}
	fixture_free(&f);
}

/* docs/sdk-behaviour.md, "Config documents": the SDK test fixture's verified decisions. */
static void
test_sdk_fixture(const char *fixtures_dir)
{
	char		path[512];
	struct json_object *doc;
	struct json_object *data;
	const char *json;
	fixture		f;
	int			alloc;

	snprintf(path, sizeof(path), "%s/sdk-test-config.json", fixtures_dir);
	doc = json_object_from_file(path);
	CHECK(doc != NULL && json_object_object_get_ex(doc, "data", &data));
	if (doc == NULL || !json_object_object_get_ex(doc, "data", &data))
		return;
	json = json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN);
	if (fixture_init(&f, json, "{\"varName3\":\"something\"}", "{\"url\":\"https://convert.com/\"}"))
	{
		f.in.visitor_id = text("v1");
		f.in.environment = text("staging");
		CHECK_STR(decided(&f, "test-experience-ab-fullstack-2", &alloc), "1002");
		CHECK_INT(alloc, 6238);
		CHECK_STR(decided(&f, "test-experience-ab-fullstack-4", &alloc), "ND");
		fixture_free(&f);
	}
	else
		CHECK(false);
	json_object_put(doc);
}

void
test_config(const char *fixtures_dir)
{
	test_minimal_flow();
	test_minimal_features();
	test_invalid();
	test_segments_as_text();
	test_sdk_fixture(fixtures_dir);
}
