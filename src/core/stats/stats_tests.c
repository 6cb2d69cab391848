/*
 * stats_tests.c — two-proportion z-test, Welch's t-test and the
 * sample-ratio chi-square, from sufficient statistics.
 */
#include "stats/stats_tests.h"

#include <math.h>

#include "stats/stats_distributions.h"

/* A comparison whose every number is NaN (not enough data). */
static cv_comparison
undefined_comparison(void)
{
	cv_comparison c = {NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};

	return c;
}

/* Interval, uplift and its interval around a difference with a known spread. */
static void
fill_interval(cv_comparison *c, double baseline, double critical, double se)
{
	c->ci_low = c->difference - critical * se;
	c->ci_high = c->difference + critical * se;
	if (baseline != 0)
	{
		c->uplift = c->difference / baseline;
		c->uplift_low = c->ci_low / baseline;
		c->uplift_high = c->ci_high / baseline;
	}
}

cv_comparison
cv_two_proportion_test(double visitors_a, double converted_a,
					   double visitors_b, double converted_b,
					   double confidence)
{
	cv_comparison c = undefined_comparison();
	double		pa, pb, pooled, se_pooled, se;

	if (!(visitors_a > 0 && visitors_b > 0))
		return c;
	pa = converted_a / visitors_a;
	pb = converted_b / visitors_b;
	c.difference = pb - pa;

	pooled = (converted_a + converted_b) / (visitors_a + visitors_b);
	se_pooled = sqrt(pooled * (1 - pooled) * (1 / visitors_a + 1 / visitors_b));
	if (se_pooled > 0)
	{
		c.statistic = c.difference / se_pooled;
		c.p_value = erfc(fabs(c.statistic) / sqrt(2.0));
	}

	se = sqrt(pa * (1 - pa) / visitors_a + pb * (1 - pb) / visitors_b);
	fill_interval(&c, pa, cv_normal_quantile((1 + confidence) / 2), se);
	if (se > 0)
		c.chance_to_beat = cv_normal_cdf(c.difference / se);
	return c;
}

cv_comparison
cv_welch_test(double n_a, double mean_a, double var_a,
			  double n_b, double mean_b, double var_b,
			  double confidence)
{
	cv_comparison c = undefined_comparison();
	double		ea, eb, se;

	if (!(n_a > 1 && n_b > 1))
		return c;
	ea = var_a / n_a;
	eb = var_b / n_b;
	se = sqrt(ea + eb);
	c.difference = mean_b - mean_a;
	if (!(se > 0))
		return c;

	/* Welch-Satterthwaite degrees of freedom */
	c.df = (ea + eb) * (ea + eb) / (ea * ea / (n_a - 1) + eb * eb / (n_b - 1));
	c.statistic = c.difference / se;
	c.p_value = cv_student_t_two_sided(c.statistic, c.df);
	fill_interval(&c, mean_a, cv_student_t_quantile((1 + confidence) / 2, c.df), se);
	c.chance_to_beat = cv_student_t_cdf(c.statistic, c.df);
	return c;
}

double
cv_sample_ratio_chi_square(const double *observed, const double *weights,
						   size_t k, double *p_value)
{
	double		total = 0;
	double		weight_total = 0;
	double		chi_square = 0;
	size_t		arms = 0;

	for (size_t i = 0; i < k; i++)
	{
		if (weights[i] > 0)
		{
			total += observed[i];
			weight_total += weights[i];
			arms++;
		}
	}
	if (arms < 2 || !(total > 0))
	{
		*p_value = NAN;
		return NAN;
	}
	for (size_t i = 0; i < k; i++)
	{
		if (weights[i] > 0)
		{
			double		expected = total * weights[i] / weight_total;
			double		gap = observed[i] - expected;

			chi_square += gap * gap / expected;
		}
	}
	*p_value = cv_chi_square_sf(chi_square, (double) (arms - 1));
	return chi_square;
}
