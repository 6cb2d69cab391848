/*
 * fuzz_rules.c — libFuzzer target for the rule compiler and evaluator.
 *
 * Input: rule JSON text, optionally followed by a NUL byte and a JSON
 * properties document.  Each input is compiled in both modes; a strict
 * compile must print canonical JSON that compiles again to the very same
 * block (round trip), and the block must pass cv_rules_check; everything
 * compiled is evaluated on the properties (or on {} when they are not
 * JSON).  Any crash, leak, sanitizer report or abort() is a finding.
 *
 * Built by test/fuzz/Makefile (clang -fsanitize=fuzzer,address,undefined);
 * the saved corpus (test/fuzz/corpus/rules) is replayed by the core unit
 * tests (test/core/test_fuzz_corpus.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "fuzz_input.h"
#include "json/json_view_jsonc.h"
#include "rules/rules.h"

int			fuzz_rules_input(const uint8_t *data, size_t size);

static void
evaluate(const void *bin, struct json_object *props)
{
	cv_rules_error err;
	cv_rules_runtime *rt = cv_rules_runtime_new(bin, &err);
	cv_jv		view = cv_jv_from_jsonc(props);
	cv_rule_result r;

	if (rt == NULL)
	{
		/* Only memory can fail here: the compiler checked the regexes. */
		if (err.code != CV_RULES_ERR_NOMEM)
			abort();
		return;
	}
	r = cv_rules_eval(rt, &view, &cv_jsonc_ops);
	if (r != CV_RULE_TRUE && r != CV_RULE_FALSE)
		abort();				/* plain JSON never needs more data */
	cv_rules_runtime_free(rt);
}

static void
round_trip(const void *bin, size_t size)
{
	size_t		len, size2;
	char	   *json = cv_rules_to_json(bin, &len);
	void	   *bin2;
	cv_rules_error err;

	if (json == NULL)
		return;
	if (cv_rules_compile(json, len, CV_RULES_STRICT, &bin2, &size2, &err) != CV_RULES_OK)
	{
		fprintf(stderr, "canonical output does not compile: %s: %s\n%s\n",
				err.path, err.message, json);
		abort();
	}
	if (size2 != size || memcmp(bin, bin2, size) != 0)
	{
		fprintf(stderr, "canonical output compiles differently:\n%s\n", json);
		abort();
	}
	free(bin2);
	free(json);
}

int
fuzz_rules_input(const uint8_t *data, size_t size)
{
	const char *text = (const char *) data;
	size_t		rules_len;
	struct json_object *props = fuzz_split_input(data, size, &rules_len);

	if (props == NULL)
		props = json_object_new_object();

	for (int mode = 0; mode < 2; mode++)
	{
		void	   *bin;
		size_t		bsize;
		cv_rules_error err;

		if (cv_rules_compile(text, rules_len, mode ? CV_RULES_LENIENT : CV_RULES_STRICT,
							 &bin, &bsize, &err) != CV_RULES_OK)
			continue;
		if (!cv_rules_check(bin, bsize))
			abort();
		if (mode == 0)
			round_trip(bin, bsize);
		evaluate(bin, props);
		free(bin);
	}
	json_object_put(props);
	return 0;
}

FUZZ_ENTRY_POINT(fuzz_rules_input)
