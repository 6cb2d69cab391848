/*
 * test_main.c — runs every core unit-test suite without a server.
 *
 * Usage: test_core FIXTURES_DIR
 */
#include <stdlib.h>

#include "check.h"

int			check_passed = 0;
int			check_failed = 0;

int
main(int argc, char **argv)
{
	const char *fixtures = argc > 1 ? argv[1] : "test/fixtures";

	test_murmurhash3();
	test_js_value();
	test_bucketing(fixtures);
	test_stats();
	test_stats_moments();
	test_analysis_tally();
	test_rules();
	test_rules_eval();
	test_js_regex();
	test_error_text();
	test_fuzz_corpus(fixtures);
	test_rules_lenient(fixtures);
	test_feature_cast();
	test_config(fixtures);

	printf("core: %d passed, %d failed\n", check_passed, check_failed);
	return check_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
