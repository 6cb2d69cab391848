/*
 * decimal_sum.h — exact decimal numbers for summing order values.
 *
 * Revenue totals of experiment analysis must equal SQL's sum(numeric) to
 * the last digit, but numeric arithmetic per event is far slower than the
 * scan that feeds it.  A cv_decimal is a 128-bit integer count of units of
 * 10^-scale, parsed from the plain text PostgreSQL writes for numeric and
 * added without rounding; the scale of a sum is the largest scale added,
 * as sum(numeric) does.
 */
#ifndef CONVERT_DECIMAL_SUM_H
#define CONVERT_DECIMAL_SUM_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Only 8-byte aligned, like PostgreSQL's int128: palloc'd memory is not
 * 16-byte aligned, and the compiler would otherwise use aligned stores.
 */
__extension__ typedef __int128 cv_int128 __attribute__((aligned(8)));

/* Decimals kept; digits beyond are rounded half away from zero. */
#define CV_DECIMAL_MAX_SCALE 18

typedef struct cv_decimal
{
	cv_int128	units;			/* value = units / 10^scale */
	int			scale;			/* 0 .. CV_DECIMAL_MAX_SCALE */
} cv_decimal;

typedef enum cv_decimal_status
{
	CV_DECIMAL_OK = 0,
	CV_DECIMAL_INVALID,			/* not plain decimal notation (e.g. NaN) */
	CV_DECIMAL_OUT_OF_RANGE		/* does not fit 128 bits at its scale */
} cv_decimal_status;

/* Parse "-123.4500"-style text (len bytes, no exponent). */
cv_decimal_status cv_decimal_parse(const char *s, size_t len, cv_decimal *out);

/* *sum += x; false (and *sum unchanged) when the result would overflow. */
bool		cv_decimal_add(cv_decimal *sum, const cv_decimal *x);

/* -1, 0 or 1 as a < b, a = b, a > b (exact, whatever the scales). */
int			cv_decimal_cmp(const cv_decimal *a, const cv_decimal *b);

/*
 * The k-th smallest of v[0..n) (0-based, k < n), reordering v; linear on
 * average, where sorting millions of orders for two percentiles would not be.
 */
cv_decimal	cv_decimal_select(cv_decimal *v, size_t n, size_t k);

/* The nearest long double. */
long double cv_decimal_to_long_double(const cv_decimal *d);

/*
 * Plain notation with exactly d->scale decimals, NUL-terminated; returns
 * the length.  CV_DECIMAL_TEXT_MAX bytes always suffice.
 */
#define CV_DECIMAL_TEXT_MAX 48
size_t		cv_decimal_format(const cv_decimal *d, char *buf);

#endif							/* CONVERT_DECIMAL_SUM_H */
