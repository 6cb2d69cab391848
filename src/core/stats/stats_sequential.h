/*
 * stats_sequential.h — always-valid intervals and p-values, so results may
 * be looked at every day without inflating false positives.
 *
 * The asymptotic confidence sequence of Waudby-Smith et al. (2023, "Time-
 * uniform central limit theory and asymptotic confidence sequences", eq. 9)
 * around the difference of two means, with the mixing parameter rho chosen
 * for a tuning sample size (their eq. 161; GrowthBook's default is 5000).
 * The p-value is the smallest alpha whose sequence (same rho) excludes 0.
 */
#ifndef CONVERT_STATS_SEQUENTIAL_H
#define CONVERT_STATS_SEQUENTIAL_H

#include "stats/stats_tests.h"

/* rho for significance alpha and tuning sample size tuning (both > 0). */
double		cv_sequential_rho(double alpha, double tuning);

/*
 * For an estimate with standard error se from n observations in all: the
 * half-width of its confidence sequence, and the always-valid p-value of
 * z = estimate / se.
 */
double		cv_sequential_halfwidth(double se, double n, double alpha, double tuning);
double		cv_sequential_p_value(double z, double n, double alpha, double tuning);

/*
 * Arm b against the original a, from each arm's size, mean and per-visitor
 * variance: the confidence sequence of b - a at level confidence, uplift
 * as in cv_comparison, statistic the z of the difference, df NaN and
 * chance_to_beat the normal approximation of P(b > a).
 */
cv_comparison cv_sequential_test(double n_a, double mean_a, double var_a,
								 double n_b, double mean_b, double var_b,
								 double confidence, double tuning);

#endif
