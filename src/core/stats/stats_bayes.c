/*
 * stats_bayes.c — Gaussian posterior on the relative lift (see
 * stats_bayes.h).
 *
 * With precision 1/v of the estimate L and 1/s0^2 of the prior N(0, s0^2):
 *   posterior variance s^2 = 1 / (1/v + 1/s0^2), mean mu = s^2 L / v
 * and for lift ~ N(mu, s^2)
 *   chance to win = Phi(mu / s)
 *   risk          = E[max(0, -lift)] = s phi(mu / s) - mu Phi(-mu / s)
 */
#include "stats/stats_bayes.h"

#include <math.h>

#include "stats/stats_distributions.h"

#define INV_SQRT_2PI 0.398942280401432677939946059934

cv_bayes
cv_bayes_lift(double n_a, double mean_a, double var_a,
			  double n_b, double mean_b, double var_b, double prior_sd)
{
	cv_bayes	b = {NAN, NAN, NAN, NAN};
	double		estimate, v, precision, x;

	if (!(n_a > 0 && n_b > 0 && mean_a > 0 && var_a >= 0 && var_b >= 0))
		return b;
	estimate = mean_b / mean_a - 1;
	v = var_b / (n_b * mean_a * mean_a) +
		mean_b * mean_b * var_a / (n_a * mean_a * mean_a * mean_a * mean_a);
	if (!(v > 0))
		return b;
	precision = 1 / v;
	if (prior_sd > 0)
		precision += 1 / (prior_sd * prior_sd);
	b.lift_sd = sqrt(1 / precision);
	b.lift = estimate / v / precision;
	x = b.lift / b.lift_sd;
	b.chance_to_win = cv_normal_cdf(x);
	b.risk = b.lift_sd * exp(-x * x / 2) * INV_SQRT_2PI - b.lift * cv_normal_cdf(-x);
	return b;
}
