/*
 * js_parse_number.h — JavaScript's global parseInt (no radix) and
 * parseFloat, which the SDK applies to String(value) when it casts feature
 * variables to "integer" and "float".
 *
 * Both skip leading JavaScript white space and read the longest valid
 * prefix, so "12.5abc" is 12.5 and "0x1A" is 26 for parseInt but 0 for
 * parseFloat; no valid prefix gives NaN.
 */
#ifndef CONVERT_JS_PARSE_NUMBER_H
#define CONVERT_JS_PARSE_NUMBER_H

#include <stddef.h>

double		cv_js_parse_int(const char *s, size_t len);
double		cv_js_parse_float(const char *s, size_t len);

#endif
