/*
 * test_rules_lenient.c — CV_RULES_LENIENT against the SDK: malformed rule
 * trees with the answers the SDK's RuleManager gave for them
 * (test/fixtures/rules-lenient-cases.json, written by
 * test/compat/rules_lenient_fixture.mjs).
 */
#include <stdio.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "check.h"
#include "rules_test_util.h"

void
test_rules_lenient(const char *fixtures_dir)
{
	char		path[4096];
	struct json_object *cases;
	size_t		n;
	int			mismatches = 0;

	snprintf(path, sizeof(path), "%s/rules-lenient-cases.json", fixtures_dir);
	cases = json_object_from_file(path);
	CHECK_REPORT(cases != NULL, "cannot read %s", path);
	if (cases == NULL)
		return;
	n = json_object_array_length(cases);
	CHECK(n >= 1000);
	for (size_t i = 0; i < n; i++)
	{
		struct json_object *c = json_object_array_get_idx(cases, i);
		const char *rules = json_object_get_string(json_object_array_get_idx(c, 0));
		const char *props = json_object_get_string(json_object_array_get_idx(c, 1));
		int			want = json_object_get_int(json_object_array_get_idx(c, 2));
		int			got = rules_eval_text(rules, props, CV_RULES_LENIENT);

		/* One check per case, but report only the first few. */
		if (got != want && mismatches++ < 5)
			fprintf(stderr, "lenient: %s on %s = %d, want %d\n", rules, props, got, want);
		CHECK_INT(got == want, 1);
	}
	json_object_put(cases);
}
