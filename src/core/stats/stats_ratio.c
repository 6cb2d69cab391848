/*
 * stats_ratio.c — delta-method comparison of ratio metrics (see
 * stats_ratio.h).
 *
 * Per arm, with means ȳ = sum_y / n and d̄ = sum_d / n, ratio R = ȳ / d̄,
 * and the visitors' sample variances and covariance s_yy, s_dd, s_yd:
 *   Var(R) = (s_yy - 2 R s_yd + R^2 s_dd) / (n d̄^2)
 * and for the relative uplift L = R_b / R_a - 1:
 *   Var(L) = Var(R_b) / R_a^2 + R_b^2 Var(R_a) / R_a^4.
 */
#include "stats/stats_ratio.h"

#include <math.h>
#include <stdbool.h>

#include "stats/stats_distributions.h"
#include "stats/stats_sequential.h"

/* The arm's ratio and the variance of it; false when undefined. */
static bool
ratio_moments(const cv_ratio_sums *s, double *ratio, double *variance)
{
	double		mean_y, mean_d, s_yy, s_dd, s_yd;

	if (!(s->n > 1 && s->sum_d > 0))
		return false;
	mean_y = s->sum_y / s->n;
	mean_d = s->sum_d / s->n;
	s_yy = (s->sum_yy - s->sum_y * mean_y) / (s->n - 1);
	s_dd = (s->sum_dd - s->sum_d * mean_d) / (s->n - 1);
	s_yd = (s->sum_yd - s->sum_y * mean_d) / (s->n - 1);
	*ratio = mean_y / mean_d;
	*variance = (s_yy - 2 * *ratio * s_yd + *ratio * *ratio * s_dd) / (s->n * mean_d * mean_d);
	return true;
}

cv_ratio_comparison
cv_ratio_test(const cv_ratio_sums *a, const cv_ratio_sums *b, double confidence, double tuning)
{
	cv_ratio_comparison c = {NAN, NAN, NAN, NAN, NAN, NAN};
	double		var_a, var_b, var, se, z, half;

	if (!ratio_moments(a, &c.ratio_a, &var_a) || !ratio_moments(b, &c.ratio_b, &var_b))
	{
		if (a->sum_d > 0)
			c.ratio_a = a->sum_y / a->sum_d;
		if (b->sum_d > 0)
			c.ratio_b = b->sum_y / b->sum_d;
		return c;
	}
	if (!(c.ratio_a > 0))
		return c;
	c.uplift = c.ratio_b / c.ratio_a - 1;
	var = var_b / (c.ratio_a * c.ratio_a) +
		c.ratio_b * c.ratio_b * var_a / (c.ratio_a * c.ratio_a * c.ratio_a * c.ratio_a);
	if (!(var > 0))
		return c;
	se = sqrt(var);
	z = c.uplift / se;
	if (tuning > 0)
	{
		half = cv_sequential_halfwidth(se, a->n + b->n, 1 - confidence, tuning);
		c.p_value = cv_sequential_p_value(z, a->n + b->n, 1 - confidence, tuning);
	}
	else
	{
		half = cv_normal_quantile((1 + confidence) / 2) * se;
		c.p_value = erfc(fabs(z) / sqrt(2.0));
	}
	c.uplift_low = c.uplift - half;
	c.uplift_high = c.uplift + half;
	return c;
}
