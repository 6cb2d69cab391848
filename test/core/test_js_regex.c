/*
 * test_js_regex.c — JavaScript regular expressions on PCRE2: syntax
 * JavaScript accepts or rejects, and matching with flag "i" on subjects
 * already lower-cased (as regexMatches passes them).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "js/js_regex.h"

/* 1 match, 0 none, -1 match limit, -2 the pattern does not compile. */
static int
search(const char *pattern, const char *subject)
{
	char		msg[128];
	cv_regex   *re = cv_regex_compile(pattern, strlen(pattern), msg, sizeof(msg));
	int			r;

	if (re == NULL)
		return -2;
	r = cv_regex_search(re, subject, strlen(subject));
	cv_regex_free(re);
	return r;
}

typedef struct regex_case
{
	const char *pattern;
	const char *subject;
	int			want;
} regex_case;

/*
 * Every expectation below was checked with node (new RegExp(p, 'i'),
 * -2 where it throws), except the catastrophic pattern at the end, which
 * JavaScript would grind on for ages.
 */
static const regex_case regex_cases[] = {
	{"^hello$", "hello", 1},
	{"^[A-Z]+$", "hello", 1},
	{"HELLO", "hello", 1},
	{"\\d+", "111", 1},
	{"\\d", "abc", 0},
	{"a.c", "a\nc", 0},
	{"a.c", "a\rc", 0},
	{"a.c", "a\xE2\x80\xA8" "c", 0},		/* U+2028 */
	{"a.c", "a\x0B" "c", 1},					/* VT is not a line terminator */
	{"a\\sc", "a\xC2\xA0" "c", 1},			/* NBSP is \s */
	{"a\\Sc", "a\xC2\xA0" "c", 0},
	{"[\\s]", "\xEF\xBB\xBF", 1},				/* BOM */
	{"a$", "a\n", 0},
	{"^b", "a\nb", 0},
	{"\\w", "\xC3\xA9", 0},					/* é is not \w */
	{"\\bx\\b", "\xC3\xA9x\xC3\xA9", 1},
	{"\\x41", "a", 1},
	{"\\u00e9", "\xC3\xA9", 1},
	{"\\u{2}", "uu", 1},						/* no u flag: u repeated */
	{"\\ud83d\\ude00", "\xF0\x9F\x98\x80", 1},
	{"\\ud83d", "\xF0\x9F\x98\x80", 1},		/* half of the pair: UTF-16 units */
	{"^.$", "\xF0\x9F\x98\x80", 0},
	{"^..$", "\xF0\x9F\x98\x80", 1},
	{"\xF0\x9F\x98\x80?", "\xF0\x9F\x98\x81", 1},		/* ? applies to the low half */
	{"[\xF0\x9F\x98\x80]", "\xF0\x9F\x98\x81", 1},	/* the high half */
	{"[\xF0\x9F\x98\x80-\xF0\x9F\x98\x82]", "", -2},	/* \uDE00-\uD83D */
	{"\\a\\e\\g\\h\\z", "aeghz", 1},			/* identity escapes */
	{"\\Qa", "qa", 1},
	{"\\p{L}", "p{l}", 1},
	{"(a)\\1", "aa", 1},
	{"\\1(a)", "a", 1},
	{"\\8", "8", 1},
	{"\\1", "\x01", 1},						/* octal without groups */
	{"\\0", "\x00" "x", 0},					/* NUL (subject stops at it) */
	{"(?<n>ab)\\k<n>", "abab", 1},
	{"\\k<n>", "k<n>", 1},						/* no named groups: literal */
	{"(?=a)a", "a", 1},
	{"(?<!b)a", "ba", 0},
	{"(?<=b)a", "ba", 1},
	{"[]", "a", 0},
	{"[^]", "\n", 1},
	{"[\\d-z]", "-", 1},
	{"[\\b]", "\b", 1},
	{"\\cJ", "\n", 1},
	{"\\c", "\\c", 1},
	{"a{2}", "aa", 1},
	{"a{,2}", "a{,2}", 1},
	{"{", "{", 1},
	{"]", "]", 1},
	{"x*", "", 1},
	{"(?:a|b)+?c", "abc", 1},
	{"\xE2\x84\xAA", "k", 0},					/* KELVIN SIGN */
	{"k", "\xE2\x84\xAA", 0},
	{"s", "\xC5\xBF", 0},						/* LONG S */
	{"\xC3\x9F", "ss", 0},						/* ß */
	{"\xCF\x83", "\xCF\x82", 1},				/* σ ~ ς */
	{"\xCE\xA3", "\xCF\x83", 1},				/* Σ ~ σ */
	{"[\xCE\xA3]", "\xCF\x82", 1},
	{"[\xC3\xA0-\xC3\xBF]", "\xC3\x80", 1},	/* [à-ÿ] ~ À */
	{"\xC4\xB0", "i\xCC\x87", 0},				/* İ never matches lower-cased text */
	{"\xE1\xBE\x80", "\xE1\xBE\x88", 0},		/* ᾀ vs ᾈ: multi-unit upper case */
	{"(", "", -2},
	{")", "", -2},
	{"[a", "", -2},
	{"*a", "", -2},
	{"a**", "", -2},
	{"a++", "", -2},
	{"a{2}{3}", "", -2},
	{"(?i)a", "", -2},
	{"(?#c)a", "", -2},
	{"a{2,1}", "", -2},
	{"\\", "", -2},
	{"^*", "", -2},
	{"(?<a>x)(?<a>y)", "", -2},
	/* Catastrophic backtracking: the match limit stops it. */
	{"(a+)+$", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", -1},
};

static void
check_search(void)
{
	for (size_t i = 0; i < sizeof(regex_cases) / sizeof(regex_cases[0]); i++)
	{
		const regex_case *c = &regex_cases[i];
		int			got = search(c->pattern, c->subject);

		CHECK_REPORT(got == c->want, "/%s/i on \"%s\" = %d, want %d",
					 c->pattern, c->subject, got, c->want);
	}
}

static void
check_translation(void)
{
	char		msg[128];
	char	   *out = cv_regex_translate("a.\\s", 4, msg, sizeof(msg));

	CHECK_STR(out, "A[^\\n\\r\\x{2028}\\x{2029}][\\t\\n\\x{0b}\\f\\r \\x{a0}\\x{1680}"
			  "\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\\x{feff}]");
	free(out);
	out = cv_regex_translate("[a-c]", 5, msg, sizeof(msg));
	CHECK_STR(out, "[\\x{61}-\\x{63}\\x{41}\\x{42}\\x{43}]");
	free(out);
	CHECK(cv_regex_translate("(a", 2, msg, sizeof(msg)) == NULL);
	CHECK_STR(msg, "unterminated group");
}

/* count copies of unit, then tail: a malloc'd pattern. */
static char *
repeated(const char *unit, int count, const char *tail)
{
	size_t		ul = strlen(unit);
	char	   *p = malloc(ul * count + strlen(tail) + 1);

	for (int i = 0; i < count; i++)
		memcpy(p + ul * i, unit, ul);
	strcpy(p + ul * count, tail);
	return p;
}

/* Search with a built pattern; frees it. */
static int
search_built(char *pattern, const char *subject)
{
	int			r = search(pattern, subject);

	free(pattern);
	return r;
}

/*
 * Patterns over the limits give up like the match limit; under them they
 * work.  The first one made PCRE2 allocate 1.3 GB and run 25 s before the
 * limits (each backtracking frame holds every group's offsets).
 */
static void
check_limits(void)
{
	char		a150[151],
				a257[258];

	memset(a150, 'a', 150);
	a150[150] = '\0';
	memset(a257, 'a', 257);
	a257[257] = '\0';
	CHECK(search_built(repeated("(a?)", 8000, "a{150}"), a150) == -1);
	CHECK(search_built(repeated("(a)", CV_REGEX_MAX_GROUPS, ""), a257) == 1);
	CHECK(search_built(repeated("(a)", CV_REGEX_MAX_GROUPS + 1, ""), a257) == -1);
	/* 4095 "b|" and "aa": exactly the longest pattern, then one byte more */
	CHECK(search_built(repeated("b|", (CV_REGEX_MAX_PATTERN_BYTES - 2) / 2, "aa"), "aa") == 1);
	CHECK(search_built(repeated("b|", (CV_REGEX_MAX_PATTERN_BYTES - 2) / 2, "aaa"), "aaa") == -1);
	/* the heap limit: 250 groups, deep backtracking */
	CHECK(search_built(repeated("(a?)", 250, "a{150}"), a150) == -1);
}

void
test_js_regex(void)
{
	check_search();
	check_translation();
	check_limits();
}
