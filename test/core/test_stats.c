/*
 * test_stats.c — distribution functions and significance tests against
 * reference values computed independently with SciPy 1.10.1
 * (scipy.stats.norm, .t, .chi2, .ttest_ind_from_stats with equal_var=False,
 * .chisquare) on Debian 12; each expected number is SciPy's output.
 */
#include <math.h>

#include "check.h"
#include "stats_distributions.h"
#include "stats_tests.h"

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

void
test_stats(void)
{
	check_distributions();
	check_two_proportion();
	check_welch();
	check_sample_ratio();
}
