/*
 * stats_moments.h — running moments of a per-visitor metric y and its
 * covariate x (CUPED's pre-exposure value), kept as means and centred sums
 * so that they stay accurate over hundreds of millions of values and can be
 * merged: two partial states (parallel workers, Citus shards) combine into
 * exactly what one pass over all values would give, up to rounding (Chan,
 * Golub and LeVeque's pairwise update).
 *
 * From them come what the tests take: n, the sums (sum_y, sum_yy, sum_x,
 * sum_xx, sum_xy, as convert.cuped_moments takes) and the mean and sample
 * variance of y (as welch_test takes).
 */
#ifndef CONVERT_STATS_MOMENTS_H
#define CONVERT_STATS_MOMENTS_H

#include <stdint.h>

typedef struct cv_moments
{
	int64_t		n;
	double		mean_y;
	double		mean_x;
	double		m2_y;			/* sum of (y - mean_y)^2 */
	double		m2_x;			/* sum of (x - mean_x)^2 */
	double		c_xy;			/* sum of (x - mean_x)(y - mean_y) */
} cv_moments;

#define CV_MOMENTS_EMPTY ((cv_moments) {0, 0.0, 0.0, 0.0, 0.0, 0.0})

/* Adds one visitor's metric y and covariate x. */
void		cv_moments_add(cv_moments *m, double y, double x);

/* Merges b into a, as if a had also seen all of b's values. */
void		cv_moments_combine(cv_moments *a, const cv_moments *b);

/* The raw sums the tests take; NaN-free for n = 0 (all zero). */
double		cv_moments_sum_y(const cv_moments *m);
double		cv_moments_sum_yy(const cv_moments *m);
double		cv_moments_sum_x(const cv_moments *m);
double		cv_moments_sum_xx(const cv_moments *m);
double		cv_moments_sum_xy(const cv_moments *m);

/* Sample variance of y (n - 1 in the denominator); NaN below 2 values. */
double		cv_moments_variance_y(const cv_moments *m);

#endif
