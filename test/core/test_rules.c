/*
 * test_rules.c — compiling rule JSON: the canonical printer, the binary
 * block's checks, and every kind of invalid input with its JSON path.
 */
#include <stdlib.h>

#include "check.h"
#include "rules_test_util.h"

static char *
canonical(const char *rules)
{
	void	   *bin;
	size_t		size;
	cv_rules_error err;
	char	   *json;

	if (cv_rules_compile(rules, strlen(rules), CV_RULES_STRICT, &bin, &size, &err))
		return NULL;
	json = cv_rules_to_json(bin, NULL);
	free(bin);
	return json;
}

static void
check_canonical(const char *input, const char *want)
{
	char	   *got = canonical(input);

	CHECK_STR(got, want);
	free(got);
}

static void
check_printer(void)
{
	check_canonical(" { \"OR\" : [ ] } ", "{\"OR\":[]}");
	check_canonical("{\"OR\":[{\"AND\":[]}]}", "{\"OR\":[{\"AND\":[]}]}");
	/* Members in canonical order, numbers as JavaScript prints them. */
	check_canonical("{\"OR\":[{\"AND\":[{\"OR_WHEN\":[{\"matching\":{\"negated\":true,"
					"\"match_type\":\"less\"},\"value\":50.0,\"key\":\"n\",\"rule_type\":"
					"\"generic_numeric_key_value\"}]}]}]}",
					"{\"OR\":[{\"AND\":[{\"OR_WHEN\":[{\"rule_type\":\"generic_numeric_key_value\","
					"\"key\":\"n\",\"value\":50,\"matching\":{\"match_type\":\"less\","
					"\"negated\":true}}]}]}]}");
	check_canonical("{\"OR\":[{\"AND\":[{\"OR_WHEN\":[{\"rule_type\":\"cookie\",\"key\":\"c\","
					"\"matching\":{\"match_type\":\"exists\",\"negated\":false}},"
					"{\"rule_type\":\"url\",\"value\":[1e21,9007199254740993,-0,1E-7,"
					"{\"a\":null},\"\\u00e9\\n\\u0001\"],\"matching\":{\"match_type\":\"isIn\","
					"\"negated\":false}}]}]}]}",
					"{\"OR\":[{\"AND\":[{\"OR_WHEN\":[{\"rule_type\":\"cookie\",\"key\":\"c\","
					"\"matching\":{\"match_type\":\"exists\",\"negated\":false}},"
					"{\"rule_type\":\"url\",\"value\":[1e+21,9007199254740992,0,1e-7,"
					"{\"a\":null},\"\xC3\xA9\\n\\u0001\"],\"matching\":{\"match_type\":\"isIn\","
					"\"negated\":false}}]}]}]}");
	/* The mutual-exclusion rule may omit negated. */
	check_canonical("{\"OR\":[{\"AND\":[{\"OR_WHEN\":[{\"rule_type\":"
					"\"bucketed_into_experience_key\",\"value\":\"exp-a\",\"matching\":"
					"{\"match_type\":\"equals\"}}]}]}]}",
					"{\"OR\":[{\"AND\":[{\"OR_WHEN\":[{\"rule_type\":"
					"\"bucketed_into_experience_key\",\"value\":\"exp-a\",\"matching\":"
					"{\"match_type\":\"equals\"}}]}]}]}");
}

typedef struct error_case
{
	const char *input;
	cv_rules_errcode code;
	const char *path;
	const char *message;
} error_case;

#define M(match, neg) "\"matching\":{\"match_type\":\"" match "\",\"negated\":" neg "}"
#define W(el) "{\"OR\":[{\"AND\":[{\"OR_WHEN\":[" el "]}]}]}"

static const error_case error_cases[] = {
	{"", CV_RULES_ERR_SYNTAX, "", "not valid JSON: unexpected end of input at character 1"},
	{"{\"OR\":[]} x", CV_RULES_ERR_SYNTAX, "", "not valid JSON: junk after the JSON value at character 11"},
	{"{'OR':[]}", CV_RULES_ERR_SYNTAX, "", "not valid JSON: expected a member name at character 2"},
	{"{\"OR\":[NaN]}", CV_RULES_ERR_SYNTAX, "", "not valid JSON: unexpected character at character 8"},
	{"{\"OR\":[1e400]}", CV_RULES_ERR_SYNTAX, "", "not valid JSON: number out of range at character 13"},
	{"{\"OR\":[\"\\ud800\"]}", CV_RULES_ERR_SYNTAX, "", "not valid JSON: lone surrogate in \\u escape at character 15"},
	{"{\"OR\":[\"\xC3\"]}", CV_RULES_ERR_SYNTAX, "", "not valid JSON: invalid UTF-8 in a string at character 11"},
	{"[]", CV_RULES_ERR_SHAPE, "", "expected an object with an \"OR\" array, found an array"},
	{"null", CV_RULES_ERR_SHAPE, "", "expected an object with an \"OR\" array, found null"},
	{"{}", CV_RULES_ERR_SHAPE, "", "missing member \"OR\""},
	{"{\"OR\":{}}", CV_RULES_ERR_SHAPE, "OR", "expected an array, found an object"},
	{"{\"OR\":[],\"ORR\":1}", CV_RULES_ERR_UNKNOWN_MEMBER, "", "unknown member \"ORR\""},
	{"{\"OR\":[[]]}", CV_RULES_ERR_SHAPE, "OR[0]", "expected an object with an \"AND\" array, found an array"},
	{"{\"OR\":[{\"AND\":[{\"OR\":[]}]}]}", CV_RULES_ERR_UNKNOWN_MEMBER, "OR[0].AND[0]", "unknown member \"OR\""},
	{"{\"OR\":[{\"AND\":[{\"OR_WHEN\":\"x\"}]}]}", CV_RULES_ERR_SHAPE, "OR[0].AND[0].OR_WHEN", "expected an array, found a string"},
	{W("5"), CV_RULES_ERR_SHAPE, "OR[0].AND[0].OR_WHEN[0]", "expected a rule object, found a number"},
	{W("{\"key\":\"a\",\"value\":1," M("equals", "false") "}"), CV_RULES_ERR_SHAPE,
	 "OR[0].AND[0].OR_WHEN[0]", "missing member \"rule_type\""},
	{W("{\"rule_type\":1,\"key\":\"a\",\"value\":1," M("equals", "false") "}"), CV_RULES_ERR_SHAPE,
	 "OR[0].AND[0].OR_WHEN[0].rule_type", "expected a string, found a number"},
	{W("{\"rule_type\":\"urll\",\"key\":\"a\",\"value\":1," M("equals", "false") "}"), CV_RULES_ERR_RULE_TYPE,
	 "OR[0].AND[0].OR_WHEN[0].rule_type", "unknown rule type \"urll\""},
	{W("{\"rule_type\":\"url\",\"key\":5,\"value\":1," M("equals", "false") "}"), CV_RULES_ERR_SHAPE,
	 "OR[0].AND[0].OR_WHEN[0].key", "expected a string, found a number"},
	{W("{\"rule_type\":\"url\",\"key\":\"a\",\"value\":1,\"note\":1," M("equals", "false") "}"),
	 CV_RULES_ERR_UNKNOWN_MEMBER, "OR[0].AND[0].OR_WHEN[0]", "unknown member \"note\""},
	{W("{\"rule_type\":\"url\",\"key\":\"a\",\"value\":1}"), CV_RULES_ERR_SHAPE,
	 "OR[0].AND[0].OR_WHEN[0]", "missing member \"matching\""},
	{W("{\"rule_type\":\"url\",\"key\":\"a\",\"value\":1,\"matching\":null}"), CV_RULES_ERR_SHAPE,
	 "OR[0].AND[0].OR_WHEN[0].matching", "expected an object, found null"},
	{W("{\"rule_type\":\"url\",\"key\":\"a\",\"value\":1,\"matching\":{\"negated\":false}}"),
	 CV_RULES_ERR_SHAPE, "OR[0].AND[0].OR_WHEN[0].matching", "missing member \"match_type\""},
	{W("{\"rule_type\":\"url\",\"key\":\"a\",\"value\":1,\"matching\":{\"match_type\":true,\"negated\":false}}"),
	 CV_RULES_ERR_SHAPE, "OR[0].AND[0].OR_WHEN[0].matching.match_type", "expected a string, found a boolean"},
	{W("{\"rule_type\":\"url\",\"key\":\"a\",\"value\":1," M("equalz", "false") "}"), CV_RULES_ERR_MATCH_TYPE,
	 "OR[0].AND[0].OR_WHEN[0].matching.match_type", "unknown match type \"equalz\""},
	{W("{\"rule_type\":\"url\",\"key\":\"a\",\"value\":1," M("Equals", "false") "}"), CV_RULES_ERR_MATCH_TYPE,
	 "OR[0].AND[0].OR_WHEN[0].matching.match_type", "unknown match type \"Equals\""},
	{W("{\"rule_type\":\"url\",\"key\":\"a\",\"value\":1,\"matching\":{\"match_type\":\"equals\"}}"),
	 CV_RULES_ERR_SHAPE, "OR[0].AND[0].OR_WHEN[0].matching", "missing member \"negated\""},
	{W("{\"rule_type\":\"url\",\"key\":\"a\",\"value\":1," M("equals", "\"false\"") "}"), CV_RULES_ERR_SHAPE,
	 "OR[0].AND[0].OR_WHEN[0].matching.negated", "expected a boolean, found a string"},
	{W("{\"rule_type\":\"url\",\"key\":\"a\",\"value\":1,\"matching\":{\"match_type\":\"equals\",\"negated\":false,\"x\":1}}"),
	 CV_RULES_ERR_UNKNOWN_MEMBER, "OR[0].AND[0].OR_WHEN[0].matching", "unknown member \"x\""},
	{W("{\"rule_type\":\"url\",\"key\":\"a\"," M("contains", "false") "}"), CV_RULES_ERR_SHAPE,
	 "OR[0].AND[0].OR_WHEN[0]", "missing member \"value\" (match type \"contains\" compares with it)"},
	{W("{\"rule_type\":\"cookie\",\"key\":\"a\"," M("not_exists", "false") "}"), CV_RULES_ERR_SHAPE,
	 "OR[0].AND[0].OR_WHEN[0]", "missing member \"value\" (match type \"not_exists\" compares with it)"},
	{W("{\"rule_type\":\"url\",\"key\":\"a\",\"value\":\"a(\"," M("regexMatches", "false") "}"), CV_RULES_ERR_REGEX,
	 "OR[0].AND[0].OR_WHEN[0].value", "invalid regular expression: unterminated group"},
	{W("{\"rule_type\":\"url\",\"key\":\"a\",\"value\":\"a**\"," M("regexMatches", "false") "}"), CV_RULES_ERR_REGEX,
	 "OR[0].AND[0].OR_WHEN[0].value", "invalid regular expression: nothing to repeat"},
	{W("{\"rule_type\":\"url\",\"key\":\"a\",\"value\":\"(?i)a\"," M("regexMatches", "false") "}"), CV_RULES_ERR_REGEX,
	 "OR[0].AND[0].OR_WHEN[0].value", "invalid regular expression: invalid group"},
	{W("{\"rule_type\":\"url\",\"key\":\"a\",\"value\":\"[z-a]\"," M("regexMatches", "false") "}"), CV_RULES_ERR_REGEX,
	 "OR[0].AND[0].OR_WHEN[0].value", "invalid regular expression: range out of order in character class"},
};

static void
check_errors(void)
{
	for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++)
	{
		const error_case *c = &error_cases[i];
		cv_rules_error err;
		cv_rules_errcode code = rules_compile_error(c->input, &err);

		CHECK_INT(code, c->code);
		CHECK_STR(err.path, c->path);
		CHECK_STR(err.message, c->message);
	}
}

static void
check_block(void)
{
	const char *rules = W("{\"rule_type\":\"url\",\"key\":\"a\",\"value\":\"x|y\"," M("isIn", "true") "}");
	void	   *bin;
	size_t		size;
	cv_rules_error err;
	const char *key;
	size_t		key_len;
	bool		negated;

	CHECK_INT(cv_rules_compile(rules, strlen(rules), CV_RULES_STRICT, &bin, &size, &err), CV_RULES_OK);
	CHECK(cv_rules_check(bin, size));
	CHECK(!cv_rules_check(bin, size - 4));
	CHECK_INT(cv_rules_element_count(bin), 1);
	CHECK(!cv_rules_mutual_exclusion(bin, &key, &key_len, &negated));
	((unsigned char *) bin)[0] ^= 1;	/* magic */
	CHECK(!cv_rules_check(bin, size));
	free(bin);

	rules = "{\"OR\":[{\"AND\":[{\"OR_WHEN\":[{\"rule_type\":\"url\",\"key\":\"a\",\"value\":1,"
		M("equals", "false") "},{\"rule_type\":\"bucketed_into_experience_key\",\"value\":"
		"\"exp-a\"," M("equals", "true") "}]}]}]}";
	CHECK_INT(cv_rules_compile(rules, strlen(rules), CV_RULES_STRICT, &bin, &size, &err), CV_RULES_OK);
	CHECK(cv_rules_mutual_exclusion(bin, &key, &key_len, &negated));
	CHECK_INT(key_len, 5);
	CHECK(memcmp(key, "exp-a", 5) == 0);
	CHECK(negated);
	free(bin);
}

void
test_rules(void)
{
	check_printer();
	check_errors();
	check_block();
}
