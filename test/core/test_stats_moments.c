/*
 * test_stats_moments.c — mergeable moments: sums and variance by hand, any
 * split combined equals one pass, and accuracy where naive sums of squares
 * cancel.
 */
#include <math.h>

#include "check.h"
#include "stats/stats_moments.h"

static const double ys[] = {1, 2, 3, 4, 0, 12.5, 7, 7, 0.25, 3};
static const double xs[] = {0, 1, 0, 3, 2, 0, 9, 1, 0, 4};
#define NVALUES (sizeof(ys) / sizeof(ys[0]))

static void
check_by_hand(void)
{
	cv_moments	m = CV_MOMENTS_EMPTY;

	for (int i = 0; i < 4; i++)
		cv_moments_add(&m, ys[i], xs[i]);
	CHECK_INT(m.n, 4);
	CHECK_NEAR(cv_moments_sum_y(&m), 10, 1e-15);
	CHECK_NEAR(cv_moments_sum_yy(&m), 30, 1e-15);
	CHECK_NEAR(cv_moments_sum_x(&m), 4, 1e-15);
	CHECK_NEAR(cv_moments_sum_xx(&m), 10, 1e-15);
	CHECK_NEAR(cv_moments_sum_xy(&m), 14, 1e-15);
	CHECK_NEAR(cv_moments_variance_y(&m), 5.0 / 3.0, 1e-15);

	m = CV_MOMENTS_EMPTY;
	CHECK(cv_moments_sum_yy(&m) == 0 && isnan(cv_moments_variance_y(&m)));
	cv_moments_add(&m, 5, 1);
	CHECK(isnan(cv_moments_variance_y(&m)) && cv_moments_sum_xy(&m) == 5);
}

/* Every split point, and empty states on either side, give one pass's state. */
static void
check_combine(void)
{
	cv_moments	whole = CV_MOMENTS_EMPTY;
	cv_moments	empty = CV_MOMENTS_EMPTY;

	for (size_t i = 0; i < NVALUES; i++)
		cv_moments_add(&whole, ys[i], xs[i]);
	for (size_t split = 0; split <= NVALUES; split++)
	{
		cv_moments	a = CV_MOMENTS_EMPTY;
		cv_moments	b = CV_MOMENTS_EMPTY;

		for (size_t i = 0; i < NVALUES; i++)
			cv_moments_add(i < split ? &a : &b, ys[i], xs[i]);
		cv_moments_combine(&a, &b);
		cv_moments_combine(&a, &empty);
		CHECK_INT(a.n, whole.n);
		CHECK_NEAR(cv_moments_sum_y(&a), cv_moments_sum_y(&whole), 1e-14);
		CHECK_NEAR(cv_moments_sum_yy(&a), cv_moments_sum_yy(&whole), 1e-14);
		CHECK_NEAR(cv_moments_sum_xx(&a), cv_moments_sum_xx(&whole), 1e-14);
		CHECK_NEAR(cv_moments_sum_xy(&a), cv_moments_sum_xy(&whole), 1e-14);
		CHECK_NEAR(cv_moments_variance_y(&a), cv_moments_variance_y(&whole), 1e-14);
	}
	/* an empty state takes the other's */
	cv_moments_combine(&empty, &whole);
	CHECK(empty.n == whole.n && empty.m2_y == whole.m2_y && empty.c_xy == whole.c_xy);
}

/*
 * 1e9 + {4, 7, 13, 16}: the sample variance is exactly 30, and the
 * covariance with x = y - 1e9 is 30 too.  Sums of squares (about 4e18)
 * would lose it entirely in doubles.
 */
static void
check_accuracy(void)
{
	static const double d[] = {4, 7, 13, 16};
	cv_moments	a = CV_MOMENTS_EMPTY;
	cv_moments	b = CV_MOMENTS_EMPTY;

	for (int i = 0; i < 4; i++)
		cv_moments_add(i < 2 ? &a : &b, 1e9 + d[i], d[i]);
	cv_moments_combine(&a, &b);
	CHECK_NEAR(cv_moments_variance_y(&a), 30, 1e-9);
	CHECK_NEAR(a.c_xy / 3.0, 30, 1e-9);
	CHECK_NEAR(a.m2_x / 3.0, 30, 1e-12);
}

void
test_stats_moments(void)
{
	check_by_hand();
	check_combine();
	check_accuracy();
}
