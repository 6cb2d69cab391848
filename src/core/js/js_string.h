/*
 * js_string.h — JavaScript string operations the SDK's comparators use:
 * String(x) of a JSON value, toLowerCase(), the relational order of
 * strings (UTF-16 code units), and the SDK's isNumeric/toNumber helpers.
 *
 * Strings are UTF-8 here; results are the UTF-8 encoding of what
 * JavaScript would produce in UTF-16.  Output goes to a growable buffer
 * (cv_buf) so that per-row work reuses memory instead of allocating.
 */
#ifndef CONVERT_JS_STRING_H
#define CONVERT_JS_STRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json/json_view.h"

typedef struct cv_buf
{
	char	   *data;
	size_t		len;
	size_t		cap;
} cv_buf;

bool		cv_buf_reserve(cv_buf *b, size_t extra);
bool		cv_buf_append(cv_buf *b, const char *s, size_t len);
void		cv_buf_free(cv_buf *b);

/* Append String(v) (docs/sdk-behaviour.md, "Numbers and strings") to out; false when out of memory. */
bool		cv_js_append_string_of(cv_buf *out, const cv_jv *v,
								   const cv_jv_ops *ops);

/*
 * Append s.toLowerCase() (locale-independent full mapping with
 * Final_Sigma, via ICU's root locale; an ASCII fast path) to out.
 */
bool		cv_js_append_lower(cv_buf *out, const char *s, size_t len);

/*
 * Canonicalize(ch) of ECMAScript's non-Unicode, case-insensitive regular
 * expressions: the single-unit upper case of ch, except that a non-ASCII
 * character never maps to ASCII and anything whose upper case is longer
 * stays itself.  Characters beyond U+FFFF (two code units in JavaScript)
 * are their own canonical form.
 */
uint32_t	cv_js_canonicalize(uint32_t ch);

/* Append s with every character replaced by its Canonicalize form. */
bool		cv_js_append_canonical(cv_buf *out, const char *s, size_t len);

/* Append the UTF-8 encoding of code point cp. */
bool		cv_buf_append_utf8(cv_buf *out, uint32_t cp);

/* Decode the code point at s (valid UTF-8); returns its length in bytes. */
size_t		cv_utf8_next(const char *s, size_t len, uint32_t *cp);

/* Is s (UTF-8) valid UTF-8 with no surrogate code points? */
bool		cv_utf8_valid(const char *s, size_t len);

/* Sign of a - b in JavaScript's string order (UTF-16 code units). */
int			cv_js_string_compare(const char *a, size_t alen,
								 const char *b, size_t blen);

/* Is s empty after removing leading/trailing JavaScript white space? */
bool		cv_js_is_blank(const char *s, size_t len);

/* The SDK's isNumeric for a string ("Numbers and strings"). */
bool		cv_sdk_string_is_numeric(const char *s, size_t len);

/* The SDK's toNumber for a string that isNumeric accepted. */
double		cv_sdk_string_to_number(const char *s, size_t len);

#endif
