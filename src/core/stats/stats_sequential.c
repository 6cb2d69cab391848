/*
 * stats_sequential.c — asymptotic confidence sequences (see
 * stats_sequential.h).
 *
 * With N = n_a + n_b visitors, se^2 = var_a / n_a + var_b / n_b the
 * variance of the difference and s2 = N se^2 its per-visitor analogue:
 *   rho       = sqrt((-2 ln alpha + ln(1 - 2 ln alpha)) / tuning)
 *   halfwidth = sqrt(s2) sqrt(2 (N rho^2 + 1) / (N^2 rho^2)
 *                             ln(sqrt(N rho^2 + 1) / alpha))
 * Solving halfwidth = |difference| for alpha gives the p-value
 *   p = min(1, sqrt(N rho^2 + 1) exp(-z^2 N rho^2 / (2 (N rho^2 + 1))))
 * with z = difference / se.
 */
#include "stats/stats_sequential.h"

#include <math.h>

#include "stats/stats_distributions.h"

double
cv_sequential_rho(double alpha, double tuning)
{
	double		l = -2 * log(alpha);

	return sqrt((l + log(l + 1)) / tuning);
}

double
cv_sequential_halfwidth(double se, double n, double alpha, double tuning)
{
	double		rho2 = pow(cv_sequential_rho(alpha, tuning), 2);
	double		grow = n * rho2 + 1;

	return se * sqrt(n) * sqrt(2 * grow / (n * n * rho2) * log(sqrt(grow) / alpha));
}

double
cv_sequential_p_value(double z, double n, double alpha, double tuning)
{
	double		rho2 = pow(cv_sequential_rho(alpha, tuning), 2);
	double		grow = n * rho2 + 1;

	return fmin(1, sqrt(grow) * exp(-z * z * n * rho2 / (2 * grow)));
}

cv_comparison
cv_sequential_test(double n_a, double mean_a, double var_a,
				   double n_b, double mean_b, double var_b,
				   double confidence, double tuning)
{
	cv_comparison c = {NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
	double		alpha = 1 - confidence;
	double		n, se, halfwidth;

	if (!(n_a > 0 && n_b > 0 && var_a >= 0 && var_b >= 0 && tuning > 0))
		return c;
	c.difference = mean_b - mean_a;
	se = sqrt(var_a / n_a + var_b / n_b);
	if (!(se > 0))
		return c;
	n = n_a + n_b;
	halfwidth = cv_sequential_halfwidth(se, n, alpha, tuning);
	c.statistic = c.difference / se;
	c.p_value = cv_sequential_p_value(c.statistic, n, alpha, tuning);
	c.ci_low = c.difference - halfwidth;
	c.ci_high = c.difference + halfwidth;
	if (mean_a != 0)
	{
		c.uplift = c.difference / mean_a;
		c.uplift_low = c.ci_low / mean_a;
		c.uplift_high = c.ci_high / mean_a;
	}
	c.chance_to_beat = cv_normal_cdf(c.statistic);
	return c;
}
