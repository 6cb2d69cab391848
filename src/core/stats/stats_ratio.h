/*
 * stats_ratio.h — ratio metrics (revenue per converting visitor, products
 * per order): the ratio of two per-visitor sums, compared between arms by
 * the delta method (Deng, Knoblich, Lu, KDD 2018), with the visitor as the
 * unit of randomisation.
 */
#ifndef CONVERT_STATS_RATIO_H
#define CONVERT_STATS_RATIO_H

/* One arm's sums over its n visitors of numerator y and denominator d. */
typedef struct cv_ratio_sums
{
	double		n;
	double		sum_y;
	double		sum_yy;
	double		sum_d;
	double		sum_dd;
	double		sum_yd;
} cv_ratio_sums;

typedef struct cv_ratio_comparison
{
	double		ratio_a;		/* sum_y / sum_d of each arm */
	double		ratio_b;
	double		uplift;			/* ratio_b / ratio_a - 1 */
	double		uplift_low;		/* its interval */
	double		uplift_high;
	double		p_value;		/* two-sided, of uplift = 0 */
} cv_ratio_comparison;

/*
 * Arm b against the original a at level confidence; with tuning > 0 the
 * interval and p-value are the always-valid ones of a confidence sequence
 * (stats_sequential.h), with tuning NaN fixed-horizon normal ones.
 */
cv_ratio_comparison cv_ratio_test(const cv_ratio_sums *a, const cv_ratio_sums *b,
								  double confidence, double tuning);

#endif
