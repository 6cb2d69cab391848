/*
 * stats_distributions.h — the distribution functions experiment analysis
 * needs: standard normal, Student's t and chi-square, with quantiles.
 *
 * Tail probabilities are computed directly (not as 1 - cdf) so that small
 * p-values keep their precision.
 */
#ifndef CONVERT_STATS_DISTRIBUTIONS_H
#define CONVERT_STATS_DISTRIBUTIONS_H

/* P(Z <= x) for the standard normal. */
double		cv_normal_cdf(double x);

/* x such that P(Z <= x) = p, for 0 < p < 1. */
double		cv_normal_quantile(double p);

/* P(T <= t) for Student's t with df > 0 degrees of freedom. */
double		cv_student_t_cdf(double t, double df);

/* P(|T| >= |t|): the two-sided p-value of t. */
double		cv_student_t_two_sided(double t, double df);

/* t such that P(T <= t) = p, for 0 < p < 1. */
double		cv_student_t_quantile(double p, double df);

/* P(X >= x) for chi-square with k > 0 degrees of freedom. */
double		cv_chi_square_sf(double x, double k);

/* Regularized incomplete beta I_x(a, b) and upper incomplete gamma Q(a, x). */
double		cv_incomplete_beta(double x, double a, double b);
double		cv_upper_incomplete_gamma(double a, double x);

#endif
