/*
 * test_stats.c — distribution functions and significance tests against
 * reference values computed independently with SciPy 1.10.1
 * (scipy.stats.norm, .t, .chi2, .ttest_ind_from_stats with equal_var=False,
 * .chisquare) on Debian 12; each expected number is SciPy's output.
 * The sequential, Bayesian and multiple-comparison values come from
 * test/analysis/readouts_reference.py (statsmodels 0.13.5 multipletests;
 * the confidence sequence with its p-value found by scipy.optimize.brentq;
 * the risk from scipy.stats.truncnorm; the ratio metrics from the delta
 * method written out there over per-visitor numpy arrays).
 */
#include <math.h>

#include "check.h"
#include "stats/stats_adjust.h"
#include "stats/stats_bayes.h"
#include "stats/stats_distributions.h"
#include "stats/stats_ratio.h"
#include "stats/stats_sequential.h"
#include "stats/stats_tests.h"

#define TIGHT 1e-12
#define LOOSE 1e-9

static void
check_distributions(void)
{
	CHECK_NEAR(cv_normal_cdf(1.96), 0.97500210485177952, TIGHT);
	CHECK_NEAR(cv_normal_cdf(-3.5), 0.00023262907903552502, TIGHT);
	CHECK_NEAR(cv_normal_quantile(0.975), 1.959963984540054, TIGHT);
	CHECK_NEAR(cv_student_t_cdf(2.0, 5), 0.9490302605850709, TIGHT);
	CHECK_NEAR(cv_student_t_cdf(-1.5, 12.7), 0.079029285328855906, TIGHT);
	CHECK_NEAR(cv_student_t_two_sided(4.2, 3), 0.024632078176939246, TIGHT);
	CHECK_NEAR(cv_student_t_quantile(0.975, 10), 2.2281388519649385, LOOSE);
	CHECK_NEAR(cv_student_t_quantile(0.975, 2.5), 3.5746548420118773, LOOSE);
	CHECK_NEAR(cv_chi_square_sf(3.84, 1), 0.050043521248705189, TIGHT);
	CHECK_NEAR(cv_chi_square_sf(10.5, 2), 0.0052475183991813855, TIGHT);
	CHECK_NEAR(cv_chi_square_sf(50, 3), 7.989179244951495e-11, LOOSE);
	CHECK_NEAR(cv_chi_square_sf(0.5, 4), 0.97350097883925613, TIGHT);
	CHECK(isnan(cv_normal_quantile(0)));
	CHECK(cv_chi_square_sf(0, 2) == 1);
}

static void
check_two_proportion(void)
{
	/* 1000 visitors / 100 converted against 1000 / 130 */
	cv_comparison c = cv_two_proportion_test(1000, 100, 1000, 130, 0.95);

	CHECK_NEAR(c.difference, 0.03, TIGHT);
	CHECK_NEAR(c.statistic, 2.1027406056221141, TIGHT);
	CHECK_NEAR(c.p_value, 0.035488450466474711, LOOSE);
	CHECK_NEAR(c.ci_low, 0.0020679344393763656, LOOSE);
	CHECK_NEAR(c.ci_high, 0.057932065560623636, LOOSE);
	CHECK_NEAR(c.uplift, 0.3, TIGHT);
	CHECK_NEAR(c.chance_to_beat, 0.9823573398747536, LOOSE);

	c = cv_two_proportion_test(0, 0, 10, 1, 0.95);
	CHECK(isnan(c.p_value) && isnan(c.difference));
	c = cv_two_proportion_test(10, 0, 10, 0, 0.95);
	CHECK(isnan(c.p_value) && c.difference == 0);
}

static void
check_welch(void)
{
	/* n 50 mean 10 var 16 against n 60 mean 12.5 var 25 */
	cv_comparison c = cv_welch_test(50, 10, 16, 60, 12.5, 25, 0.95);

	CHECK_NEAR(c.statistic, 2.9127586401773153, LOOSE);
	CHECK_NEAR(c.df, 107.83769204861274, LOOSE);
	CHECK_NEAR(c.p_value, 0.0043552933129017875, LOOSE);
	CHECK_NEAR(c.ci_low, 0.79868560454644877, 1e-8);
	CHECK_NEAR(c.ci_high, 4.2013143954535508, 1e-8);
	CHECK_NEAR(c.uplift, 0.25, TIGHT);

	c = cv_welch_test(1, 10, 0, 5, 1, 1, 0.95);
	CHECK(isnan(c.p_value));
}

static void
check_sample_ratio(void)
{
	double		balanced[] = {5020, 4980};
	double		skewed[] = {5300, 4700};
	double		three[] = {3400, 3300, 3300};
	double		half[] = {50, 50};
	double		thirds[] = {1, 1, 1};
	double		p;

	CHECK_NEAR(cv_sample_ratio_chi_square(balanced, half, 2, &p), 0.16, TIGHT);
	CHECK_NEAR(p, 0.68915651677935164, TIGHT);
	CHECK_NEAR(cv_sample_ratio_chi_square(skewed, half, 2, &p), 36.0, TIGHT);
	CHECK_NEAR(p, 1.9731752900753933e-09, LOOSE);
	CHECK_NEAR(cv_sample_ratio_chi_square(three, thirds, 3, &p), 2.0, TIGHT);
	CHECK_NEAR(p, 0.36787944117144245, TIGHT);
}

static void
check_sequential(void)
{
	/* 10% of 1000 against 13% of 1000, Bernoulli variances */
	cv_comparison c = cv_sequential_test(1000, 0.1, 0.09, 1000, 0.13, 0.1131, 0.95, 5000);

	CHECK_NEAR(cv_sequential_rho(0.05, 5000), 0.03984006677137368, TIGHT);
	CHECK_NEAR(c.p_value, 0.37893150758579747, LOOSE);
	CHECK_NEAR(c.ci_low, -0.01451796210226778, LOOSE);
	CHECK_NEAR(c.ci_high, 0.07451796210226777, LOOSE);
	CHECK_NEAR(c.uplift_low, -0.14517962102267779, LOOSE);
	CHECK_NEAR(c.uplift_high, 0.7451796210226777, LOOSE);

	/* 90% sequence tuned for 200: excludes 0, so p < 0.1 */
	c = cv_sequential_test(50, 10, 16, 60, 12.5, 25, 0.9, 200);
	CHECK_NEAR(c.p_value, 0.07843666613815135, LOOSE);
	CHECK_NEAR(c.ci_low, 0.09389182159453968, LOOSE);
	CHECK_NEAR(c.ci_high, 4.906108178405461, LOOSE);
	CHECK_NEAR(c.uplift_high, 0.49061081784054605, LOOSE);

	c = cv_sequential_test(0, 0, 0, 10, 0.1, 0.09, 0.95, 5000);
	CHECK(isnan(c.p_value) && isnan(c.difference));
	c = cv_sequential_test(10, 0.5, 0, 10, 0.5, 0, 0.95, 5000);
	CHECK(isnan(c.p_value) && c.difference == 0);
}

static void
check_bayes(void)
{
	cv_bayes	b = cv_bayes_lift(1000, 0.1, 0.09, 1000, 0.13, 0.1131, NAN);

	CHECK_NEAR(b.lift, 0.3, TIGHT);
	CHECK_NEAR(b.lift_sd, 0.16284962388657825, TIGHT);
	CHECK_NEAR(b.chance_to_win, 0.9672763417294538, LOOSE);
	CHECK_NEAR(b.risk, 0.002089064858592267, LOOSE);

	/* a proper prior N(0, 0.05^2) pulls the lift towards 0 */
	b = cv_bayes_lift(500, 2.0, 9.0, 400, 1.8, 7.5, 0.05);
	CHECK_NEAR(b.lift, -0.02307869836141242, LOOSE);
	CHECK_NEAR(b.lift_sd, 0.04385239492849496, LOOSE);
	CHECK_NEAR(b.chance_to_win, 0.2993463635435938, LOOSE);
	CHECK_NEAR(b.risk, 0.0314022696450104, LOOSE);

	b = cv_bayes_lift(10, 0, 0, 10, 0.1, 0.09, NAN);
	CHECK(isnan(b.chance_to_win) && isnan(b.risk));
}

static void
check_adjust(void)
{
	double		p[] = {0.01, 0.2, NAN, 0.04, 0.03, 0.04, 0.5};
	double		holm[] = {0.06, 0.4, NAN, 0.16, 0.15, 0.16, 0.5};
	double		bh[] = {0.06, 0.24, NAN, 0.06, 0.06, 0.06, 0.5};
	double		bad[] = {0.5, 1.5};
	double		adjusted[7];
	size_t		work[14];

	CHECK(cv_adjust_p_values(p, 7, CV_ADJUST_HOLM, adjusted, work));
	for (int i = 0; i < 7; i++)
		CHECK(isnan(holm[i]) ? isnan(adjusted[i]) : fabs(adjusted[i] - holm[i]) <= 1e-15);
	CHECK(cv_adjust_p_values(p, 7, CV_ADJUST_BENJAMINI_HOCHBERG, adjusted, work));
	for (int i = 0; i < 7; i++)
		CHECK(isnan(bh[i]) ? isnan(adjusted[i]) : fabs(adjusted[i] - bh[i]) <= 1e-15);
	CHECK(!cv_adjust_p_values(bad, 2, CV_ADJUST_HOLM, adjusted, work));
	CHECK(cv_adjust_p_values(p, 0, CV_ADJUST_HOLM, adjusted, work));
}

static void
check_ratio(void)
{
	/*
	 * Revenue per converting visitor, 8 visitors per arm: a converts 3 for
	 * 30, 12.5, 40; b converts 4 for 10, 25, 50, 5.
	 */
	cv_ratio_sums a = {8, 82.5, 2656.25, 3, 3, 82.5};
	cv_ratio_sums b = {8, 90, 3250, 4, 4, 90};
	cv_ratio_sums none = {8, 0, 0, 0, 0, 0};
	cv_ratio_comparison c = cv_ratio_test(&a, &b, 0.95, NAN);

	CHECK_NEAR(c.ratio_a, 27.5, TIGHT);
	CHECK_NEAR(c.ratio_b, 22.5, TIGHT);
	CHECK_NEAR(c.uplift, -0.18181818181818177, TIGHT);
	CHECK_NEAR(c.uplift_low, -0.9639868001064553, LOOSE);
	CHECK_NEAR(c.uplift_high, 0.6003504364700918, LOOSE);
	CHECK_NEAR(c.p_value, 0.6486766632896261, LOOSE);
	c = cv_ratio_test(&a, &b, 0.95, 100);
	CHECK_NEAR(c.uplift_low, -1.5743008191920311, LOOSE);
	CHECK_NEAR(c.uplift_high, 1.2106644555556678, LOOSE);
	CHECK(c.p_value == 1);
	c = cv_ratio_test(&a, &none, 0.95, NAN);
	CHECK(isnan(c.ratio_b) && isnan(c.p_value) && c.ratio_a == 27.5);
}

void
test_stats(void)
{
	check_distributions();
	check_two_proportion();
	check_welch();
	check_sample_ratio();
	check_sequential();
	check_bayes();
	check_adjust();
	check_ratio();
}
