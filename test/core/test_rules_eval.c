/*
 * test_rules_eval.c — the comparators and the tree logic on the verified
 * examples of docs/sdk-behaviour.md, "Comparators", each match type negated and not.
 */
#include <stdlib.h>

#include "check.h"
#include "rules_test_util.h"

#define T 1
#define F 0

/* comparator(value, ruleValue) and its negation, verified on the SDK. */
typedef struct comparator_case
{
	const char *match;
	const char *prop;			/* JSON; NULL: the key is missing */
	const char *value;			/* JSON; NULL: no value member */
	int			plain;
	int			negated;
} comparator_case;

static const comparator_case comparator_cases[] = {
	{"equals", "\"ABC\"", "\"abc\"", T, F},
	{"equals", "1", "\"1\"", T, F},
	{"equals", "1", "\"1.0\"", F, T},
	{"equals", "true", "\"TRUE\"", T, F},
	{"equals", "null", "\"null\"", T, F},
	{"equals", "[\"a\",\"b\"]", "\"a\"", T, F},
	{"equals", "[\"A\"]", "\"a\"", F, T},
	{"equals", "[1,2]", "\"1\"", F, T},
	{"equals", "[1,2]", "1", T, F},
	{"equals", "[]", "\"\"", F, T},
	{"equals", "{\"x\":1}", "\"x\"", T, F},
	{"equals", "{\"x\":1}", "\"X\"", F, T},
	{"equals", "{}", "\"[object object]\"", T, F},
	{"equals", "1e21", "\"1e+21\"", T, F},
	{"equals", "\"\xC4\xB0\"", "\"i\xCC\x87\"", T, F},	/* İ vs i̇ */
	{"equals", "\"\xC3\x9F\"", "\"SS\"", F, T},	/* ß */
	{"equals", "\"\xCE\x91\xCE\xA3\"", "\"\xCE\xB1\xCF\x82\"", T, F},	/* ΑΣ vs ας */
	{"matches", "\"US\"", "\"us\"", T, F},
	{"equalsNumber", "10", "\"10.0\"", F, T},
	{"equalsNumber", "\"10\"", "10", T, F},
	{"less", "\"10\"", "\"9\"", F, T},
	{"less", "\"abc\"", "\"abd\"", T, F},
	{"less", "\"B\"", "\"a\"", T, F},
	{"less", "true", "1", F, F},
	{"less", "\"0,500\"", "0.6", T, F},
	{"less", "\"0,5\"", "1", F, F},
	{"less", "\"-.5\"", "0", T, F},
	{"less", "\" 5\"", "6", F, F},
	{"less", "\"122.5\"", "123", T, F},
	{"less", "\"1,123.5\"", "123", F, T},
	{"less", "\"orange\"", "4", F, F},
	{"less", "\"1e3\"", "2000", F, F},
	{"less", "\"\"", "1", F, F},
	{"less", "null", "null", F, T},
	{"less", "\"\xEE\x80\x80\"", "\"\xF0\x9F\x98\x80\"", F, T},	/* U+E000 vs U+1F600 in UTF-16 */
	{"lessEqual", "\"1,000.50\"", "1000.5", T, F},
	{"lessEqual", "null", "null", T, F},
	{"lessEqual", "false", "true", T, F},
	{"lessEqual", "[2]", "[10]", F, T},		/* "2" <= "10" as strings */
	{"contains", "\"Hello World\"", "\"WORLD\"", T, F},
	{"contains", "\"abc\"", "\"  \"", T, F},
	{"contains", "\"abc\"", "\"\"", T, F},
	{"contains", "[\"ab\",\"cd\"]", "\"b,c\"", T, F},
	{"contains", "12345", "23", T, F},
	{"contains", "null", "\"nul\"", T, F},
	{"contains", "\"abc\"", "\"x\"", F, T},
	{"startsWith", "\"x\"", "\"\"", T, F},
	{"startsWith", "\"Hello\"", "\"HE\"", T, F},
	{"startsWith", "\"Hello\"", "\"lo\"", F, T},
	{"endsWith", "\"lo\"", "\"hello\"", F, T},
	{"endsWith", "\"Hello\"", "\"LO\"", T, F},
	{"endsWith", "\"x\"", "\"\"", T, F},
	{"regexMatches", "\"Hello\"", "\"^hello$\"", T, F},
	{"regexMatches", "\"HELLO\"", "\"^[a-z]+$\"", T, F},
	{"regexMatches", "\"HELLO\"", "\"^[A-Z]+$\"", T, F},
	{"regexMatches", "111222333", "\"\\\\d+\"", T, F},
	{"regexMatches", "\"abc\"", "\"\\\\d\"", F, T},
	{"regexMatches", "\"k\"", "\"\xE2\x84\xAA\"", F, T},	/* KELVIN SIGN pattern */
	{"regexMatches", "\"\xC5\xBF\"", "\"s\"", F, T},	/* LONG S subject */
	{"regexMatches", "\"a\\nb\"", "\"a.b\"", F, T},
	{"regexMatches", "\"a\\u2028b\"", "\"a\\\\sb\"", T, F},
	{"regexMatches", "\"abab\"", "\"(?<p>ab)\\\\k<p>\"", T, F},
	{"regexMatches", "\"x8\"", "\"x\\\\8\"", T, F},
	{"regexMatches", "\"a\\n\"", "\"a$\"", F, T},
	{"isIn", "\"a\"", "\"A|b\"", T, F},
	{"isIn", "\"A\"", "\"A|b\"", F, T},
	{"isIn", "\"a|z\"", "\"A|b\"", T, F},
	{"isIn", "\"x\"", "[\"X\",\"y\"]", T, F},
	{"isIn", "\"\"", "\"\"", T, F},
	{"isIn", "5", "\"5|6\"", T, F},
	{"isIn", "[\"a\",\"b\"]", "\"a|b\"", F, T},
	{"isIn", "\"a\"", "5", F, T},
	{"exists", "\"\"", NULL, F, T},
	{"exists", "0", NULL, T, F},
	{"exists", "false", NULL, T, F},
	{"exists", "null", NULL, F, T},
	{"exists", NULL, NULL, F, T},
	{"doesNotExist", NULL, NULL, T, F},
	{"doesNotExist", "\"\"", NULL, T, F},
	{"doesNotExist", "\"x\"", NULL, F, T},
	{"not_exists", "null", "1", T, F},
	{"not_exists", "\"x\"", "1", F, T},
	/* A missing key: false, and negation does not apply. */
	{"equals", NULL, "\"US\"", F, F},
	{"not_exists", NULL, "1", F, F},
	{"regexMatches", NULL, "\"x\"", F, F},
};

static void
check_comparators(void)
{
	for (size_t i = 0; i < sizeof(comparator_cases) / sizeof(comparator_cases[0]); i++)
	{
		const comparator_case *c = &comparator_cases[i];
		int			plain = element_eval(c->match, c->value, false, c->prop);
		int			negated = element_eval(c->match, c->value, true, c->prop);

		CHECK_REPORT(plain == c->plain && negated == c->negated,
					 "%s(%s, %s) = %d (negated %d), want %d (%d)", c->match,
					 c->prop ? c->prop : "missing", c->value ? c->value : "-",
					 plain, negated, c->plain, c->negated);
	}
}

#define EL(key, match, value, neg) \
	"{\"rule_type\":\"generic_key_value\",\"key\":\"" key "\",\"value\":" value \
	",\"matching\":{\"match_type\":\"" match "\",\"negated\":" neg "}}"
#define TREE1(el) "{\"OR\":[{\"AND\":[{\"OR_WHEN\":[" el "]}]}]}"

static void
check_trees(void)
{
	const char *us = EL("country", "matches", "\"US\"", "false");
	const char *not_us = TREE1(EL("country", "matches", "\"US\"", "true"));
	char		buf[1024];

	CHECK_INT(rules_eval_text(not_us, "{\"a\":1}", CV_RULES_STRICT), 0);
	CHECK_INT(rules_eval_text(not_us, "{\"country\":\"DE\"}", CV_RULES_STRICT), 1);
	CHECK_INT(rules_eval_text(TREE1(EL("country", "matches", "\"US\"", "false")),
							  "{\"Country\":\"US\"}", CV_RULES_STRICT), 0);
	CHECK_INT(rules_eval_text(TREE1(EL("country", "matches", "null", "false")),
							  "{\"country\":null}", CV_RULES_STRICT), 1);
	CHECK_INT(rules_eval_text(TREE1(EL("enabled", "equals", "true", "false")),
							  "{\"enabled\":\"TRUE\"}", CV_RULES_STRICT), 1);
	/* The provider quirk: a "name":"RuleData" member hides every key. */
	CHECK_INT(rules_eval_text(TREE1(EL("country", "matches", "\"US\"", "false")),
							  "{\"name\":\"RuleData\",\"country\":\"US\"}", CV_RULES_STRICT), 0);
	/* Data that is not an object: false, even for doesNotExist. */
	CHECK_INT(element_eval("doesNotExist", NULL, false, NULL), 1);
	CHECK_INT(rules_eval_text(TREE1(EL("x", "doesNotExist", "1", "false")), "\"s\"",
							  CV_RULES_STRICT), 0);
	/* Arrays as data: keys "0", "1", ... */
	CHECK_INT(rules_eval_text(TREE1(EL("1", "equals", "\"b\"", "false")), "[\"a\",\"b\"]",
							  CV_RULES_STRICT), 1);
	/* Empty levels are false. */
	CHECK_INT(rules_eval_text("{\"OR\":[]}", "{}", CV_RULES_STRICT), 0);
	CHECK_INT(rules_eval_text("{\"OR\":[{\"AND\":[]}]}", "{}", CV_RULES_STRICT), 0);
	CHECK_INT(rules_eval_text("{\"OR\":[{\"AND\":[{\"OR_WHEN\":[]}]}]}", "{}", CV_RULES_STRICT), 0);
	/* OR of ANDs of OR_WHENs. */
	snprintf(buf, sizeof(buf),
			 "{\"OR\":[{\"AND\":[{\"OR_WHEN\":[%s]},{\"OR_WHEN\":[%s,%s]}]},"
			 "{\"AND\":[{\"OR_WHEN\":[%s]}]}]}",
			 us, EL("n", "less", "5", "false"), EL("n", "equals", "\"9\"", "false"),
			 EL("vip", "equals", "true", "false"));
	CHECK_INT(rules_eval_text(buf, "{\"country\":\"us\",\"n\":9}", CV_RULES_STRICT), 1);
	CHECK_INT(rules_eval_text(buf, "{\"country\":\"us\",\"n\":7}", CV_RULES_STRICT), 0);
	CHECK_INT(rules_eval_text(buf, "{\"country\":\"de\",\"vip\":true}", CV_RULES_STRICT), 1);
	CHECK_INT(rules_eval_text(buf, "{}", CV_RULES_STRICT), 0);
}

/* Lenient mode: what the SDK makes of malformed parts. */
static void
check_lenient(void)
{
	const char *no_negated = "{\"OR\":[{\"AND\":[{\"OR_WHEN\":[{\"rule_type\":\"x\",\"key\":"
		"\"a\",\"value\":1,\"matching\":{\"match_type\":\"equals\"}}]}]}]}";
	const char *string_negated = "{\"OR\":[{\"AND\":[{\"OR_WHEN\":[{\"key\":\"a\",\"value\":1,"
		"\"matching\":{\"match_type\":\"equals\",\"negated\":\"false\"}}]}]}]}";
	const char *unknown_match = "{\"OR\":[{\"AND\":[{\"OR_WHEN\":[{\"key\":\"a\",\"value\":1,"
		"\"matching\":{\"match_type\":\"greater\",\"negated\":true}}]}]}]}";
	const char *bad_regex = "{\"OR\":[{\"AND\":[{\"OR_WHEN\":[{\"key\":\"a\",\"value\":\"(\","
		"\"matching\":{\"match_type\":\"regexMatches\",\"negated\":true}}]}]}]}";
	const char *mixed = "{\"OR\":[5,{\"AND\":[{\"OR_WHEN\":[[],{\"key\":\"a\",\"value\":1,"
		"\"matching\":{\"match_type\":\"equals\",\"negated\":false},\"extra\":1}]}]}],\"x\":1}";

	CHECK_INT(rules_eval_text(no_negated, "{\"a\":1}", CV_RULES_LENIENT), 0);
	CHECK_INT(rules_eval_text(no_negated, "{\"a\":1}", CV_RULES_STRICT), -1);
	CHECK_INT(rules_eval_text(string_negated, "{\"a\":1}", CV_RULES_LENIENT), 0);
	CHECK_INT(rules_eval_text(unknown_match, "{\"a\":\"1\"}", CV_RULES_LENIENT), 0);
	CHECK_INT(rules_eval_text(bad_regex, "{\"a\":\"x\"}", CV_RULES_LENIENT), 0);
	CHECK_INT(rules_eval_text(mixed, "{\"a\":1}", CV_RULES_LENIENT), 1);
	CHECK_INT(rules_eval_text("[1]", "{\"a\":1}", CV_RULES_LENIENT), 0);
	CHECK_INT(rules_eval_text("null", "{\"a\":1}", CV_RULES_LENIENT), 0);
}

/* RuleError propagation through the tree (docs/sdk-behaviour.md, "RuleErrors"), via cv_rules_walk. */
static cv_rule_result
scripted_element(void *ctx, uint32_t element)
{
	return ((const cv_rule_result *) ctx)[element];
}

static int
walk(const char *tree, const cv_rule_result *script)
{
	void	   *bin;
	size_t		size;
	cv_rules_error err;
	cv_rule_result r;

	if (cv_rules_compile(tree, strlen(tree), CV_RULES_STRICT, &bin, &size, &err))
		return -1;
	r = cv_rules_walk(bin, scripted_element, (void *) script);
	free(bin);
	return (int) r;
}

static void
check_rule_errors(void)
{
	const char *e = EL("k", "equals", "1", "false");
	char		two_or[512], two_and[512], one_orwhen[512];
	const cv_rule_result err_false[] = {CV_RULE_NEED_MORE_DATA, CV_RULE_FALSE};
	const cv_rule_result false_err[] = {CV_RULE_FALSE, CV_RULE_NEED_MORE_DATA};
	const cv_rule_result err_true[] = {CV_RULE_NEED_MORE_DATA, CV_RULE_TRUE};

	snprintf(two_or, sizeof(two_or),
			 "{\"OR\":[{\"AND\":[{\"OR_WHEN\":[%s]}]},{\"AND\":[{\"OR_WHEN\":[%s]}]}]}", e, e);
	snprintf(two_and, sizeof(two_and),
			 "{\"OR\":[{\"AND\":[{\"OR_WHEN\":[%s]},{\"OR_WHEN\":[%s]}]}]}", e, e);
	snprintf(one_orwhen, sizeof(one_orwhen),
			 "{\"OR\":[{\"AND\":[{\"OR_WHEN\":[%s,%s]}]}]}", e, e);
	CHECK_INT(walk(two_or, err_false), CV_RULE_FALSE);
	CHECK_INT(walk(two_or, false_err), CV_RULE_NEED_MORE_DATA);
	CHECK_INT(walk(one_orwhen, err_true), CV_RULE_TRUE);
	CHECK_INT(walk(one_orwhen, err_false), CV_RULE_FALSE);
	CHECK_INT(walk(two_and, err_false), CV_RULE_NEED_MORE_DATA);
	CHECK_INT(walk(two_and, false_err), CV_RULE_FALSE);
}

void
test_rules_eval(void)
{
	check_comparators();
	check_trees();
	check_lenient();
	check_rule_errors();
}
