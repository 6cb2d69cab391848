/*
 * test_error_text.c — bounded client text in error messages: quotes cut at
 * 100 characters on a UTF-8 boundary, and messages that truncation cut
 * inside a character; then a rule error quoting a long key.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json/error_text.h"
#include "js/js_string.h"
#include "rules/rules.h"

/* count copies of unit: a malloc'd string. */
static char *
repeated(const char *unit, int count)
{
	size_t		ul = strlen(unit);
	char	   *s = malloc(ul * count + 1);

	for (int i = 0; i < count; i++)
		memcpy(s + ul * i, unit, ul);
	s[ul * count] = '\0';
	return s;
}

static void
check_quote_cut(void)
{
	char		buf[CV_QUOTE_BUF];
	char	   *s100 = repeated("\xc3\xa9", 100);	/* é */
	char	   *s101 = repeated("\xc3\xa9", 101);
	char	   *emoji = repeated("\xf0\x9f\x98\x80", 150);

	CHECK_STR(cv_quote_cut(buf, "short"), "\"short\"");
	cv_quote_cut(buf, s100);
	CHECK(strlen(buf) == 202 && memcmp(buf + 1, s100, 200) == 0 && strcmp(buf + 201, "\"") == 0);
	cv_quote_cut(buf, s101);
	CHECK(strlen(buf) == 205 && memcmp(buf + 1, s100, 200) == 0 && strcmp(buf + 201, "\"...") == 0);
	cv_quote_cut(buf, emoji);
	CHECK(strlen(buf) == 405 && cv_utf8_valid(buf, strlen(buf)));
	free(s100);
	free(s101);
	free(emoji);
}

static void
check_trim_end(void)
{
	char		cut2[] = "ab\xc3";		/* é cut after its first byte */
	char		cut4[] = "ab\xf0\x9f\x98";	/* an emoji cut after 3 of 4 */
	char		whole[] = "ab\xf0\x9f\x98\x80";

	cv_utf8_trim_end(cut2);
	CHECK_STR(cut2, "ab");
	cv_utf8_trim_end(cut4);
	CHECK_STR(cut4, "ab");
	cv_utf8_trim_end(whole);
	CHECK_STR(whole, "ab\xf0\x9f\x98\x80");
}

/* A rule with an unknown member of 5,000 "é": the message quotes 100. */
static void
check_rule_message(void)
{
	char	   *key = repeated("\xc3\xa9", 5000);
	size_t		len = strlen(key) + 64;
	char	   *json = malloc(len);
	cv_rules_error err;
	void	   *bin = NULL;
	size_t		size;

	snprintf(json, len, "{\"OR\": [], \"%s\": 1}", key);
	CHECK(cv_rules_compile(json, strlen(json), CV_RULES_STRICT, &bin, &size, &err) != CV_RULES_OK);
	CHECK(cv_utf8_valid(err.message, strlen(err.message)));
	CHECK(strstr(err.message, "unknown member \"\xc3\xa9") == err.message);
	CHECK(strlen(err.message) < sizeof(err.message) - 1);	/* cut by the quote, not the buffer */
	free(bin);
	free(json);
	free(key);
}

void
test_error_text(void)
{
	check_quote_cut();
	check_trim_end();
	check_rule_message();
}
