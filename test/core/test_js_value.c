/*
 * test_js_value.c — JavaScript Number() and Number::toString, on the
 * cases of docs/sdk-behaviour.md, "Numbers and strings".
 */
#include <math.h>

#include "check.h"
#include "js/js_value.h"

static double
num(const char *s)
{
	return cv_js_string_to_number(s, strlen(s));
}

static void
check_string_to_number(void)
{
	CHECK(num("") == 0);
	CHECK(num("  \t\n") == 0);
	CHECK(num("50") == 50);
	CHECK(num(" 12 ") == 12);
	CHECK(num("\xC2\xA0" "7\xE2\x80\xA8") == 7);	/* NBSP, U+2028 */
	CHECK(num("11.5") == 11.5);
	CHECK(num("-3e2") == -300);
	CHECK(num(".5") == 0.5);
	CHECK(num("5.") == 5);
	CHECK(num("0x1F") == 31);
	CHECK(num("0o17") == 15);
	CHECK(num("0b101") == 5);
	CHECK(isinf(num("-Infinity")) && num("-Infinity") < 0);
	CHECK(isnan(num("abc")));
	CHECK(isnan(num("12abc")));
	CHECK(isnan(num("-0x10")));
	CHECK(isnan(num("1e")));
	CHECK(isnan(num("infinity")));
	CHECK(isnan(num("1,000")));
	CHECK(num("9007199254740993") == 9007199254740992.0);
}

static void
check_number_to_string(void)
{
	static const struct
	{
		double		x;
		const char *want;
	}			cases[] = {
		{0, "0"}, {-0.0, "0"}, {50.0, "50"}, {-1.5, "-1.5"}, {1e20, "100000000000000000000"},
		{1e21, "1e+21"}, {1e-7, "1e-7"}, {0.000001, "0.000001"}, {1.23e-18, "1.23e-18"},
		{1.7976931348623157e308, "1.7976931348623157e+308"}, {5e-324, "5e-324"},
		{8.333333333333334, "8.333333333333334"}, {0.1, "0.1"}, {123456789012, "123456789012"},
		{2.3e-8, "2.3e-8"}, {1003180877, "1003180877"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		char		buf[CV_JS_NUMBER_BUFSIZE];

		cv_js_number_to_string(cases[i].x, buf);
		CHECK_STR(buf, cases[i].want);
	}
}

static void
check_truthiness_and_indexes(void)
{
	cv_js_scalar empty = {.kind = CV_JS_STRING, .str = "", .len = 0};
	cv_js_scalar zero = {.kind = CV_JS_NUMBER, .number = 0};
	cv_js_scalar nul = {.kind = CV_JS_NULL};
	cv_js_scalar yes = {.kind = CV_JS_BOOL, .boolean = true};
	uint32_t	index;

	CHECK(!cv_js_truthy(&empty));
	CHECK(!cv_js_truthy(&zero));
	CHECK(!cv_js_truthy(&nul));
	CHECK(cv_js_truthy(&yes));
	CHECK(cv_js_to_number(&nul) == 0);
	CHECK(cv_js_to_number(&yes) == 1);

	CHECK(cv_js_array_index("0", 1, &index) && index == 0);
	CHECK(cv_js_array_index("4294967294", 10, &index) && index == 4294967294u);
	CHECK(!cv_js_array_index("4294967295", 10, &index));
	CHECK(!cv_js_array_index("9000000001", 10, &index));
	CHECK(!cv_js_array_index("01", 2, &index));
	CHECK(!cv_js_array_index("1a", 2, &index));
}

void
test_js_value(void)
{
	check_string_to_number();
	check_number_to_string();
	check_truthiness_and_indexes();
}
