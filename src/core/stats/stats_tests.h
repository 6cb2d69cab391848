/*
 * stats_tests.h — the significance tests of experiment results, computed
 * from sufficient statistics so that SQL can aggregate in one pass:
 *
 *   conversion rates     two-proportion z-test (pooled standard error for
 *                        the p-value, unpooled for the interval)
 *   revenue per visitor  Welch's unequal-variance t-test
 *   sample ratio         chi-square goodness of fit against allocations
 *
 * "a" is the original (baseline) arm, "b" the arm compared with it.  Any
 * statistic that is undefined for the input (no visitors, zero variance)
 * is NaN, which the SQL layer turns into NULL.
 */
#ifndef CONVERT_STATS_TESTS_H
#define CONVERT_STATS_TESTS_H

#include <stddef.h>

typedef struct cv_comparison
{
	double		statistic;		/* z or t */
	double		df;				/* t-test degrees of freedom (NaN for z) */
	double		p_value;		/* two-sided */
	double		difference;		/* b - a (rates, or means) */
	double		ci_low;			/* interval for the difference */
	double		ci_high;
	double		uplift;			/* difference / a */
	double		uplift_low;		/* the interval scaled by 1 / a */
	double		uplift_high;
	double		chance_to_beat; /* P(b > a) under the test's approximation */
} cv_comparison;

/* visitors and converting visitors of each arm; confidence e.g. 0.95 */
cv_comparison cv_two_proportion_test(double visitors_a, double converted_a,
									 double visitors_b, double converted_b,
									 double confidence);

/* size, mean and sample variance of each arm's per-visitor values */
cv_comparison cv_welch_test(double n_a, double mean_a, double var_a,
							double n_b, double mean_b, double var_b,
							double confidence);

/*
 * Chi-square statistic of observed counts against expected weights (any
 * scale; normalised here), and its p-value with k - 1 degrees of freedom.
 * Arms with zero weight are left out.  Returns the statistic.
 */
double		cv_sample_ratio_chi_square(const double *observed, const double *weights,
									   size_t k, double *p_value);

#endif
