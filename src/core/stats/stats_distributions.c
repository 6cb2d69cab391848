/*
 * stats_distributions.c — normal, Student's t and chi-square distributions
 * from erfc, the regularized incomplete beta function and the regularized
 * incomplete gamma function (both by their standard series and continued
 * fractions, evaluated with the modified Lentz method).
 */
#include "stats/stats_distributions.h"

#include <float.h>
#include <math.h>

#define SQRT_2 1.41421356237309504880
#define CF_EPSILON 1e-15
#define CF_TINY 1e-300
#define CF_MAX_ITERATIONS 10000

double
cv_normal_cdf(double x)
{
	return 0.5 * erfc(-x / SQRT_2);
}

/* Keep a Lentz denominator away from zero. */
static double
lentz_guard(double v)
{
	return fabs(v) < CF_TINY ? CF_TINY : v;
}

/* Continued fraction of I_x(a, b), converging for x < (a + 1) / (a + b + 2). */
static double
beta_continued_fraction(double x, double a, double b)
{
	double		c = 1;
	double		d = 1 / lentz_guard(1 - (a + b) * x / (a + 1));
	double		h = d;

	for (int m = 1; m <= CF_MAX_ITERATIONS; m++)
	{
		double		even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
		double		odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
		double		delta;

		d = 1 / lentz_guard(1 + even * d);
		c = lentz_guard(1 + even / c);
		h *= d * c;
		d = 1 / lentz_guard(1 + odd * d);
		c = lentz_guard(1 + odd / c);
		delta = d * c;
		h *= delta;
		if (fabs(delta - 1) < CF_EPSILON)
			break;
	}
	return h;
}

double
cv_incomplete_beta(double x, double a, double b)
{
	double		log_front;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	log_front = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
	/* The fraction converges fast only on one side; use symmetry on the other. */
	if (x < (a + 1) / (a + b + 2))
		return exp(log_front) * beta_continued_fraction(x, a, b) / a;
	return 1 - exp(log_front) * beta_continued_fraction(1 - x, b, a) / b;
}

/* P(a, x) by its power series, for x < a + 1. */
static double
lower_gamma_series(double a, double x)
{
	double		term = 1 / a;
	double		sum = term;

	for (int n = 1; n <= CF_MAX_ITERATIONS; n++)
	{
		term *= x / (a + n);
		sum += term;
		if (fabs(term) < fabs(sum) * CF_EPSILON)
			break;
	}
	return sum * exp(-x + a * log(x) - lgamma(a));
}

/* Q(a, x) by its continued fraction, for x >= a + 1. */
static double
upper_gamma_continued_fraction(double a, double x)
{
	double		b = x + 1 - a;
	double		c = 1 / CF_TINY;
	double		d = 1 / b;
	double		h = d;

	for (int i = 1; i <= CF_MAX_ITERATIONS; i++)
	{
		double		an = -i * (i - a);
		double		delta;

		b += 2;
		d = 1 / lentz_guard(an * d + b);
		c = lentz_guard(b + an / c);
		delta = d * c;
		h *= delta;
		if (fabs(delta - 1) < CF_EPSILON)
			break;
	}
	return exp(-x + a * log(x) - lgamma(a)) * h;
}

double
cv_upper_incomplete_gamma(double a, double x)
{
	if (x <= 0)
		return 1;
	if (x < a + 1)
		return 1 - lower_gamma_series(a, x);
	return upper_gamma_continued_fraction(a, x);
}

double
cv_chi_square_sf(double x, double k)
{
	return cv_upper_incomplete_gamma(k / 2, x / 2);
}

double
cv_student_t_two_sided(double t, double df)
{
	if (isinf(t))
		return 0;
	return cv_incomplete_beta(df / (df + t * t), df / 2, 0.5);
}

double
cv_student_t_cdf(double t, double df)
{
	double		tail = cv_student_t_two_sided(t, df) / 2;

	return t > 0 ? 1 - tail : tail;
}

/*
 * Invert a continuous increasing cdf by bisection: slow-ish (about 100
 * steps) but robust for any df, and quantiles are computed once per query.
 */
static double
bisect_quantile(double (*cdf) (double, double), double param, double p)
{
	double		lo = -1;
	double		hi = 1;

	while (cdf(lo, param) > p)
		lo *= 2;
	while (cdf(hi, param) < p)
		hi *= 2;
	for (int i = 0; i < 200 && hi - lo > 4 * DBL_EPSILON * fabs(hi + lo); i++)
	{
		double		mid = (lo + hi) / 2;

		if (cdf(mid, param) < p)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

/* normal_cdf with the (unused) parameter the generic callers pass. */
static double
normal_cdf_param(double x, double unused)
{
	(void) unused;
	return cv_normal_cdf(x);
}

double
cv_normal_quantile(double p)
{
	if (!(p > 0 && p < 1))
		return NAN;
	return bisect_quantile(normal_cdf_param, 0, p);
}

double
cv_student_t_quantile(double p, double df)
{
	if (!(p > 0 && p < 1) || !(df > 0))
		return NAN;
	return bisect_quantile(cv_student_t_cdf, df, p);
}
