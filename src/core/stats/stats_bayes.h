/*
 * stats_bayes.h — Bayesian read-out of a variation against the original:
 * a Gaussian posterior on the relative lift mean_b / mean_a - 1.
 *
 * The lift's estimate and variance come from the delta method,
 *   var = var_b / (n_b mean_a^2) + mean_b^2 var_a / (n_a mean_a^4),
 * and combine with a prior N(0, prior_sd^2), or with the improper flat
 * prior when prior_sd is NaN or not positive (the posterior is then the
 * estimate's normal approximation).
 */
#ifndef CONVERT_STATS_BAYES_H
#define CONVERT_STATS_BAYES_H

typedef struct cv_bayes
{
	double		lift;			/* posterior mean of the relative lift */
	double		lift_sd;		/* posterior standard deviation */
	double		chance_to_win;	/* P(lift > 0) */
	double		risk;			/* E[max(0, -lift)]: expected loss of choosing b */
} cv_bayes;

/* Sizes, means and per-visitor variances of each arm; NaN where undefined. */
cv_bayes	cv_bayes_lift(double n_a, double mean_a, double var_a,
						  double n_b, double mean_b, double var_b,
						  double prior_sd);

#endif
