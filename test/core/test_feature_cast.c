/*
 * test_feature_cast.c — castType, parseInt and parseFloat on the examples
 * of docs/sdk-behaviour.md, "Variable casting".
 */
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config/feature_cast.h"
#include "js/js_parse_number.h"
#include "json/json_stringify.h"

typedef struct cast_case
{
	const char *value;			/* JSON */
	const char *type;
	const char *want;			/* JSON.stringify of the result */
} cast_case;

static const cast_case cast_cases[] = {
	{"\"TRUE\"", "boolean", "true"}, {"\"0\"", "boolean", "true"},
	{"\"\"", "boolean", "false"}, {"0", "boolean", "false"},
	{"null", "boolean", "false"}, {"{}", "boolean", "true"},
	{"\"true\"", "boolean", "true"}, {"\"false\"", "boolean", "false"},
	{"\"12.5abc\"", "float", "12.5"}, {"\" 42 \"", "float", "42"},
	{"\"0x1A\"", "float", "0"}, {"\"1e3\"", "float", "1000"},
	{"null", "float", "null"}, {"[1,2]", "float", "1"}, {"\"abc\"", "float", "null"},
	{"true", "float", "1"}, {"false", "float", "0"}, {"\"-.5e1x\"", "float", "-5"},
	{"\"Infinity\"", "float", "null"}, {"\".\"", "float", "null"},
	{"\"0x1A\"", "integer", "26"}, {"\"1e3\"", "integer", "1"},
	{"1e21", "integer", "1"}, {"12.9", "integer", "12"}, {"-12.9", "integer", "-12"},
	{"\"08\"", "integer", "8"}, {"\"abc\"", "integer", "null"}, {"true", "integer", "1"},
	{"\" -0x10 \"", "integer", "-16"}, {"\"0x\"", "integer", "null"},
	{"{\"a\":1}", "string", "\"[object Object]\""}, {"[1,2]", "string", "\"1,2\""},
	{"null", "string", "\"null\""}, {"1e21", "string", "\"1e+21\""},
	{"50.0", "string", "\"50\""},
	{"\"{\\\"a\\\":1}\"", "json", "{\"a\":1}"}, {"\"0\"", "json", "0"},
	{"\" 42 \"", "json", "42"}, {"\"TRUE\"", "json", "\"TRUE\""},
	{"\"08\"", "json", "\"08\""}, {"\"null\"", "json", "null"}, {"true", "json", "true"},
	{"[1]", "json", "[1]"}, {"null", "json", "null"}, {"12", "json", "12"},
	{"\"x\"", "color", "\"x\""}, {"7", "Integer", "7"},
};

static void
check_cast(const cast_case *c)
{
	struct json_object *value = json_tokener_parse(c->value);
	bool		ok;
	struct json_object *cast = cv_feature_cast(value, c->type, strlen(c->type), &ok);
	cv_buf		out = {0};

	CHECK(ok);
	CHECK(cv_json_stringify(&out, cast) && cv_buf_append(&out, "", 1));
	CHECK_REPORT(out.data && strcmp(out.data, c->want) == 0,
				 "castType(%s, %s) = %s, want %s", c->value, c->type,
				 out.data ? out.data : "(null)", c->want);
	cv_buf_free(&out);
	json_object_put(cast);
	json_object_put(value);
}

void
test_feature_cast(void)
{
	for (size_t i = 0; i < sizeof(cast_cases) / sizeof(cast_cases[0]); i++)
		check_cast(&cast_cases[i]);
	CHECK(cv_js_parse_int("  +7x", 5) == 7);
	CHECK(isnan(cv_js_parse_int("", 0)));
	CHECK(cv_js_parse_int("\xC2\xA0" "12", 4) == 12);	/* NBSP is JS white space */
	CHECK(cv_js_parse_float("1e", 2) == 1);
	CHECK(cv_js_parse_float("-Infinityx", 10) == -INFINITY);
	CHECK(cv_js_parse_float("5.", 2) == 5);
}
