/*
 * js_regex.h — JavaScript regular expressions (non-Unicode mode, flag
 * "i", as `new RegExp(pattern, 'i')` in the SDK's regexMatches) on PCRE2.
 *
 * The pattern is translated to PCRE2 syntax first so that the constructs
 * people write mean what they mean in JavaScript: `.` excludes line
 * terminators, `\s` is JavaScript's white space, identity escapes such as
 * `\a` are literals, `\8` without eight groups is "8", `$` matches only at
 * the very end; constructs JavaScript rejects (possessive quantifiers,
 * `(?i)`, `(*VERB)`, nothing to repeat, unbalanced parentheses) are
 * rejected.  Case-insensitivity follows ECMAScript's Canonicalize (see
 * js_regex.c), not PCRE2's Unicode case sets.  Residual differences are
 * listed in docs/sdk-compatibility.md (## Rules).
 */
#ifndef CONVERT_JS_REGEX_H
#define CONVERT_JS_REGEX_H

#include <stdbool.h>
#include <stddef.h>

typedef struct cv_regex cv_regex;

/* Backtracking budget per match; beyond it a match attempt gives up. */
#define CV_REGEX_MATCH_LIMIT 1000000
#define CV_REGEX_DEPTH_LIMIT 10000

/*
 * Memory budget of one match, in KiB (PCRE2's backtracking frames, whose
 * size grows with the number of groups); beyond it the attempt gives up.
 */
#define CV_REGEX_HEAP_LIMIT_KIB 20480

/*
 * Patterns longer than this (bytes of UTF-8) or with more capturing
 * groups are not compiled: every search on them gives up, as when the
 * match limit is reached, so that one rule cannot make a backend allocate
 * gigabytes or spend seconds compiling.
 */
#define CV_REGEX_MAX_PATTERN_BYTES 8192
#define CV_REGEX_MAX_GROUPS 256

/*
 * Compile pattern (UTF-8, len bytes); NULL when it is not a valid
 * JavaScript pattern (or uses something PCRE2 cannot express), with a
 * message in errbuf.  A pattern over the limits above is accepted without
 * being compiled (or checked): its searches all give up.
 */
cv_regex   *cv_regex_compile(const char *pattern, size_t len,
							 char *errbuf, size_t errlen);

/*
 * Search subject (valid UTF-8) anywhere: 1 found, 0 not found, -1 gave up:
 * a match, depth or heap limit was reached, the pattern is over the
 * limits, or memory ran out.
 */
int			cv_regex_search(cv_regex *re, const char *subject, size_t len);

void		cv_regex_free(cv_regex *re);

/* The translation alone (for tests): malloc'd PCRE2 pattern or NULL. */
char	   *cv_regex_translate(const char *pattern, size_t len,
							   char *errbuf, size_t errlen);

#endif
