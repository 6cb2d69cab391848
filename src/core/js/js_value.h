/*
 * js_value.h — the JavaScript coercions the official SDK relies on.
 *
 * The SDK runs on JSON values with JavaScript semantics (truthiness,
 * Number(), String()).  Reproducing its answers bit for bit means
 * reproducing those coercions, so they live here, in one place, for the
 * bucketing, rule and config modules alike.
 */
#ifndef CONVERT_JS_VALUE_H
#define CONVERT_JS_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum cv_js_kind
{
	CV_JS_UNDEFINED,			/* the key is absent */
	CV_JS_NULL,
	CV_JS_BOOL,
	CV_JS_NUMBER,
	CV_JS_STRING
} cv_js_kind;

/* A JSON scalar (or an absent value) as JavaScript sees it. */
typedef struct cv_js_scalar
{
	cv_js_kind	kind;
	bool		boolean;
	double		number;
	const char *str;			/* UTF-8, not necessarily NUL-terminated */
	size_t		len;
} cv_js_scalar;

/* Longest output of cv_js_number_to_string, including the NUL. */
#define CV_JS_NUMBER_BUFSIZE 32

bool		cv_js_truthy(const cv_js_scalar *v);

/* Bytes of JavaScript white space / line terminators that s starts with. */
size_t		cv_js_leading_space(const char *s, size_t len);

/* Drop JavaScript white space and line terminators at both ends. */
void		cv_js_trim(const char **s, size_t *len);

/* strtod of exactly len bytes (no terminator needed); NaN if out of memory. */
double		cv_js_strtod(const char *s, size_t len);
double		cv_js_to_number(const cv_js_scalar *v);
double		cv_js_string_to_number(const char *s, size_t len);
size_t		cv_js_number_to_string(double x, char *buf);
bool		cv_js_array_index(const char *s, size_t len, uint32_t *index);

#endif
