/*
 * test_analysis_tally.c — exact decimal sums (decimal_sum.c) and the
 * per-visitor grouping of experiment analysis (analysis_tally.c), with
 * expected totals worked out by hand in the comments.
 */
#include <stdlib.h>

#include "analysis/analysis_tally.h"
#include "check.h"
#include "analysis/decimal_sum.h"

/*
 * Blocks 8 bytes past malloc's 16-byte alignment, as palloc may return
 * them: UBSan then reports any access that assumes more than 8.
 */
static void *
test_alloc(void *context, size_t size)
{
	char	   *p = malloc(size + 8);

	(void) context;
	return p ? p + 8 : NULL;
}

static void *
test_grow(void *context, void *block, size_t size)
{
	char	   *p = realloc((char *) block - 8, size + 8);

	(void) context;
	return p ? p + 8 : NULL;
}

static void
test_release(void *context, void *block)
{
	(void) context;
	free((char *) block - 8);
}

static const cv_allocator heap = {test_alloc, test_grow, test_release, NULL};

static cv_decimal
dec(const char *s)
{
	cv_decimal	d = {0, 0};

	CHECK_INT(cv_decimal_parse(s, strlen(s), &d), CV_DECIMAL_OK);
	return d;
}

static const char *
text_of(const cv_decimal *d)
{
	static char buf[CV_DECIMAL_TEXT_MAX];

	cv_decimal_format(d, buf);
	return buf;
}

static void
check_decimals(void)
{
	cv_decimal	sum = {0, 0};
	cv_decimal	x;
	cv_decimal	big = dec("99999999999999999999.999999999999999999");

	x = dec("0.05");
	CHECK_STR(text_of(&x), "0.05");
	x = dec("-12.340");
	CHECK_STR(text_of(&x), "-12.340");
	x = dec("+7");
	CHECK_STR(text_of(&x), "7");
	/* the sum keeps the largest scale, as sum(numeric) does */
	x = dec("10.5");
	CHECK(cv_decimal_add(&sum, &x));
	x = dec("0.125");
	CHECK(cv_decimal_add(&sum, &x));
	x = dec("-3");
	CHECK(cv_decimal_add(&sum, &x));
	CHECK_STR(text_of(&sum), "7.625");
	/* 0.1 + 0.2 is exact */
	sum = dec("0.1");
	x = dec("0.2");
	CHECK(cv_decimal_add(&sum, &x));
	CHECK_STR(text_of(&sum), "0.3");
	/* more than 18 decimals round half away from zero */
	x = dec("1.0000000000000000005");
	CHECK_STR(text_of(&x), "1.000000000000000001");
	x = dec("-0.0000000000000000004");
	CHECK_STR(text_of(&x), "0.000000000000000000");
	/* 38 digits fit, and adding to them overflows cleanly */
	CHECK_STR(text_of(&big), "99999999999999999999.999999999999999999");
	sum = big;
	CHECK(!cv_decimal_add(&sum, &big));
	CHECK_STR(text_of(&sum), "99999999999999999999.999999999999999999");
	/* a larger scale rescales the sum; too large a sum cannot */
	x = dec("0.5");
	CHECK(!cv_decimal_add(&x, &(cv_decimal) {big.units, 0}));
	CHECK_STR(text_of(&x), "0.5");
	x = dec("170141183460469231731.687303715884105727");
	CHECK(!cv_decimal_add(&x, &x));
	CHECK_STR(text_of(&x), "170141183460469231731.687303715884105727");
	CHECK_INT(cv_decimal_parse("1e5", 3, &x), CV_DECIMAL_INVALID);
	CHECK_INT(cv_decimal_parse("NaN", 3, &x), CV_DECIMAL_INVALID);
	CHECK_INT(cv_decimal_parse("-", 1, &x), CV_DECIMAL_INVALID);
	CHECK_INT(cv_decimal_parse("1.2.3", 5, &x), CV_DECIMAL_INVALID);
	CHECK_INT(cv_decimal_parse("999999999999999999999999999999999999999", 39, &x),
			  CV_DECIMAL_OUT_OF_RANGE);
	/* comparisons across scales, including ones that cannot be rescaled */
	x = dec("2.50");
	sum = dec("2.5");
	CHECK_INT(cv_decimal_cmp(&x, &sum), 0);
	sum = dec("2.499999");
	CHECK_INT(cv_decimal_cmp(&x, &sum), 1);
	CHECK_INT(cv_decimal_cmp(&sum, &x), -1);
	x = dec("-170141183460469231731687303715884105727");
	sum = dec("0.000000000000000001");
	CHECK_INT(cv_decimal_cmp(&x, &sum), -1);
	CHECK_INT(cv_decimal_cmp(&sum, &x), 1);
	x = dec("-12.25");
	CHECK_NEAR((double) cv_decimal_to_long_double(&x), -12.25, 0);
	/* selection over repeats and mixed scales: 1, 2, 2.0, 2.00, 3.5, 9 */
	{
		cv_decimal	v[6] = {dec("9"), dec("2.0"), dec("3.5"), dec("1"), dec("2.00"), dec("2")};
		cv_decimal	k;

		k = cv_decimal_select(v, 6, 0);
		CHECK_STR(text_of(&k), "1");
		k = cv_decimal_select(v, 6, 4);
		CHECK_STR(text_of(&k), "3.5");
		k = cv_decimal_select(v, 6, 5);
		CHECK_STR(text_of(&k), "9");
		k = cv_decimal_select(v, 6, 2);
		CHECK_INT(cv_decimal_cmp(&k, &(cv_decimal) {2, 0}), 0);
	}
}

static void
expose(cv_tally *t, const char *visitor, int64_t arm, int64_t at)
{
	CHECK_INT(cv_tally_expose(t, visitor, strlen(visitor), arm, at), CV_TALLY_OK);
}

static void
convert_event(cv_tally *t, const char *visitor, int64_t at, int64_t goal, const char *value,
			  const char *products)
{
	cv_decimal	v;
	cv_decimal	p;

	if (value)
		v = dec(value);
	if (products)
		p = dec(products);
	CHECK_INT(cv_tally_convert(t, visitor, strlen(visitor), at, goal,
							   value != NULL || products != NULL,
							   value ? &v : NULL, products ? &p : NULL), CV_TALLY_OK);
}

/*
 * Arm 10: a (exposed at 100), c (200); arm 20: b (100), "\u00e9" (100).
 * a sends a plain purchase and two transactions (10.50 with 2 products,
 * then 4.5); b signs up twice and bought before exposure; c buys for 100
 * after exposure; x buys but was never exposed; "\u00e9" buys for 0.25
 * exactly at exposure.
 */
static cv_tally *
small_tally(const cv_bound *low, const cv_bound *high)
{
	cv_tally   *t = cv_tally_create(&heap);
	int64_t		first;

	if (low)
		cv_tally_set_bounds(t, CV_MEASURE_ORDER_VALUE, low, high);
	expose(t, "a", 10, 100);
	expose(t, "b", 20, 100);
	expose(t, "c", 10, 200);
	expose(t, "a", 20, 50);		/* ignored: the first exposure stands */
	expose(t, "\xc3\xa9", 20, 100);
	CHECK_INT(cv_tally_end_exposures(t, &first), CV_TALLY_OK);
	CHECK_INT(first, 100);
	convert_event(t, "a", 150, 1, NULL, NULL);
	convert_event(t, "a", 150, 1, "10.50", "2");
	convert_event(t, "a", 160, 1, "4.5", NULL);
	convert_event(t, "b", 50, 1, NULL, NULL);
	convert_event(t, "b", 120, 2, NULL, NULL);
	convert_event(t, "b", 130, 2, NULL, NULL);
	convert_event(t, "c", 250, 1, "100", NULL);
	convert_event(t, "x", 250, 1, "1000", "5");
	convert_event(t, "\xc3\xa9", 100, 1, "0.25", NULL);
	return t;
}

static void
check_totals(const cv_tally_totals *t, int64_t arm, int64_t goal, int64_t converting,
			 int64_t conversions, const char *revenue, const char *products, double squares)
{
	CHECK_INT(t->variation_id, arm);
	CHECK_INT(t->goal_id, goal);
	CHECK_INT(t->converting_visitors, converting);
	CHECK_INT(t->conversions, conversions);
	CHECK_STR(text_of(&t->revenue), revenue);
	CHECK_STR(text_of(&t->products), products);
	CHECK_NEAR((double) t->revenue_squares, squares, 1e-15);
}

static void
check_small_tally(void)
{
	cv_tally   *t = small_tally(NULL, NULL);
	const cv_tally_totals *totals;
	size_t		n;

	CHECK_INT(cv_tally_finish(t, &totals, &n), CV_TALLY_OK);
	CHECK_INT(n, 3);
	/* a: max(1 plain, 2 with data) = 2 conversions, 15.00; c: 1, 100 */
	check_totals(&totals[0], 10, 1, 2, 3, "115.00", "2", 15.0 * 15 + 100 * 100);
	check_totals(&totals[1], 20, 1, 1, 1, "0.25", "0", 0.0625);
	check_totals(&totals[2], 20, 2, 1, 2, "0", "0", 0);
	/* products per order: a 2 orders with 2 products, c 1 order without */
	CHECK_INT(totals[0].orders, 3);
	CHECK_NEAR(totals[0].orders_squares, 4 + 1, 0);
	CHECK_NEAR(totals[0].products_squares, 4, 0);
	CHECK_NEAR(totals[0].products_orders, 2 * 2, 0);
	CHECK_INT(totals[2].orders, 0);
	/* exposures end when conversions begin */
	CHECK_INT(cv_tally_expose(t, "z", 1, 30, 100), CV_TALLY_LATE_EXPOSURE);
	cv_tally_destroy(t);
}

static void
check_bounds(void)
{
	cv_bound	none = {CV_BOUND_NONE, {0, 0}, 0};
	cv_bound	at_most_50 = {CV_BOUND_VALUE, dec("50"), 0};
	cv_bound	p30 = {CV_BOUND_PERCENTILE, {0, 0}, 30};
	cv_bound	p60 = {CV_BOUND_PERCENTILE, {0, 0}, 60};
	cv_bound	low;
	cv_bound	high;
	const cv_tally_totals *totals;
	size_t		n;
	cv_tally   *t = small_tally(&none, &at_most_50);

	/* c's 100 is an outlier: revenue 15.00, but c still converted */
	CHECK_INT(cv_tally_finish(t, &totals, &n), CV_TALLY_OK);
	check_totals(&totals[0], 10, 1, 2, 3, "15.00", "2", 225);
	cv_tally_destroy(t);

	/*
	 * Orders 0.25, 4.5, 10.50, 100: the 30th percentile is the 2nd value
	 * (ceil(0.3 * 4) = 2), the 60th the 3rd (ceil(2.4) = 3), as
	 * percentile_disc gives; x's order is not the experience's.
	 */
	t = small_tally(&p30, &p60);
	CHECK_INT(cv_tally_finish(t, &totals, &n), CV_TALLY_OK);
	cv_tally_bounds(t, CV_MEASURE_ORDER_VALUE, &low, &high);
	CHECK_INT(low.kind, CV_BOUND_VALUE);
	CHECK_STR(text_of(&low.value), "4.5");
	CHECK_STR(text_of(&high.value), "10.50");
	check_totals(&totals[0], 10, 1, 2, 3, "15.00", "2", 225);
	check_totals(&totals[1], 20, 1, 1, 1, "0", "0", 0);
	cv_tally_destroy(t);

	/* percentiles of no orders are no bounds (percentile_disc gives NULL) */
	t = cv_tally_create(&heap);
	cv_tally_set_bounds(t, CV_MEASURE_PRODUCTS, &p30, &p60);
	expose(t, "a", 10, 100);
	convert_event(t, "a", 150, 1, NULL, NULL);
	CHECK_INT(cv_tally_finish(t, &totals, &n), CV_TALLY_OK);
	cv_tally_bounds(t, CV_MEASURE_PRODUCTS, &low, &high);
	CHECK_INT(low.kind, CV_BOUND_NONE);
	CHECK_INT(high.kind, CV_BOUND_NONE);
	CHECK_INT(n, 1);
	cv_tally_destroy(t);
}

/* Enough visitors to grow the table several times, or none when reserved. */
static void
check_many_visitors(bool reserve)
{
	cv_tally   *t = cv_tally_create(&heap);
	const cv_tally_totals *totals;
	size_t		n;
	char		id[32];
	int			visitors = 100000;
	int			failures = 0;
	cv_decimal	price = dec("1.25");

	if (reserve)
		CHECK_INT(cv_tally_reserve(t, visitors), CV_TALLY_OK);
	for (int i = 0; i < visitors; i++)
	{
		int			len = snprintf(id, sizeof(id), "visitor-%d", i);

		failures += cv_tally_expose(t, id, len, 1 + i % 3, i) != CV_TALLY_OK;
	}
	/* every 4th visitor buys for 1.25, after exposure; goal 7 or 8 */
	for (int i = 0; i < visitors; i += 4)
	{
		int			len = snprintf(id, sizeof(id), "visitor-%d", i);

		failures += cv_tally_convert(t, id, len, i, 7 + i % 2, true, &price, NULL) != CV_TALLY_OK;
	}
	CHECK_INT(failures, 0);
	CHECK_INT(cv_tally_finish(t, &totals, &n), CV_TALLY_OK);
	/* i = 0 mod 4 gives goal 7 only; arms i % 3 take 8334, 8333, 8333 */
	CHECK_INT(n, 3);
	CHECK_INT(totals[0].converting_visitors, 8334);
	CHECK_STR(text_of(&totals[0].revenue), "10417.50");
	CHECK_INT(totals[1].converting_visitors + totals[2].converting_visitors, 16666);
	cv_tally_destroy(t);
}

static int
compare_doubles(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

/*
 * Percentile bounds over many repeated prices, against a sorted copy:
 * the value at position ceil(p / 100 * n), as percentile_disc picks it.
 */
static void
check_percentiles_against_sort(void)
{
	static const double percentiles[] = {0, 0.05, 1, 2.5, 33.3, 50, 99.9, 100};
	enum
	{
		orders = 5000
	};
	double		sorted[orders];
	char		id[32];
	char		price[32];
	int			failures = 0;

	for (int i = 0; i < orders; i++)
		sorted[i] = (double) ((i * 7919) % 613) / 4;
	qsort(sorted, orders, sizeof(double), compare_doubles);
	for (size_t p = 0; p < sizeof(percentiles) / sizeof(percentiles[0]); p++)
	{
		cv_bound	low = {CV_BOUND_PERCENTILE, {0, 0}, percentiles[p]};
		cv_bound	none = {CV_BOUND_NONE, {0, 0}, 0};
		cv_tally   *t = cv_tally_create(&heap);
		const cv_tally_totals *totals;
		size_t		n;
		double		rows = ceil(percentiles[p] / 100 * orders);

		cv_tally_set_bounds(t, CV_MEASURE_ORDER_VALUE, &low, &none);
		for (int i = 0; i < orders; i++)
		{
			int			len = snprintf(id, sizeof(id), "v%d", i);

			failures += cv_tally_expose(t, id, len, 1, 0) != CV_TALLY_OK;
		}
		for (int i = 0; i < orders; i++)
		{
			int			len = snprintf(id, sizeof(id), "v%d", i);
			cv_decimal	value;

			snprintf(price, sizeof(price), "%.2f", (double) ((i * 7919) % 613) / 4);
			failures += cv_decimal_parse(price, strlen(price), &value) != CV_DECIMAL_OK;
			failures += cv_tally_convert(t, id, len, 1, 5, true, &value, NULL) != CV_TALLY_OK;
		}
		CHECK_INT(cv_tally_finish(t, &totals, &n), CV_TALLY_OK);
		cv_tally_bounds(t, CV_MEASURE_ORDER_VALUE, &low, &none);
		CHECK_NEAR((double) cv_decimal_to_long_double(&low.value),
				   sorted[(rows < 1 ? 1 : (size_t) rows) - 1], 0);
		cv_tally_destroy(t);
	}
	CHECK_INT(failures, 0);
}

/*
 * CUPED's pre-exposure sums with a lookback of 60: a (exposed at 100)
 * bought for 5 at 39 (61 before: outside), for 8 at 70 and for 15 after
 * exposure; b (exposed at 100) bought for 3 at 40 and never after; c
 * (exposed at 200) signed up at 150 and at 210.  Deferred by a
 * percentile bound (the 100th percentile of the orders, which keeps all)
 * the pre-exposure orders must count the same.
 */
static void
check_lookback(bool percentile)
{
	cv_bound	none = {CV_BOUND_NONE, {0, 0}, 0};
	cv_bound	p100 = {CV_BOUND_PERCENTILE, {0, 0}, 100};
	cv_tally   *t = cv_tally_create(&heap);
	const cv_tally_totals *totals;
	size_t		n;
	int64_t		first;

	if (percentile)
		cv_tally_set_bounds(t, CV_MEASURE_ORDER_VALUE, &none, &p100);
	cv_tally_set_lookback(t, 60);
	expose(t, "a", 10, 100);
	expose(t, "b", 10, 100);
	expose(t, "c", 20, 200);
	CHECK_INT(cv_tally_end_exposures(t, &first), CV_TALLY_OK);
	convert_event(t, "a", 39, 1, "5", NULL);	/* 61 before: outside */
	convert_event(t, "a", 70, 1, "8", NULL);
	convert_event(t, "a", 150, 1, "15", NULL);
	convert_event(t, "b", 40, 1, "3", NULL);	/* exactly 60 before: inside */
	convert_event(t, "c", 150, 2, NULL, NULL);
	convert_event(t, "c", 210, 2, NULL, NULL);
	CHECK_INT(cv_tally_finish(t, &totals, &n), CV_TALLY_OK);
	CHECK_INT(n, 2);
	/* arm 10 goal 1: a converted (15), a and b before (8, 3) */
	check_totals(&totals[0], 10, 1, 1, 1, "15", "0", 225);
	CHECK_INT(totals[0].pre_visitors, 2);
	CHECK_INT(totals[0].both_visitors, 1);
	CHECK_NEAR(totals[0].pre_revenue, 11, 0);
	CHECK_NEAR(totals[0].pre_revenue_squares, 64 + 9, 0);
	CHECK_NEAR(totals[0].revenue_cross, 8 * 15, 0);
	/* arm 20 goal 2: c before and after, no revenue */
	check_totals(&totals[1], 20, 2, 1, 1, "0", "0", 0);
	CHECK_INT(totals[1].pre_visitors, 1);
	CHECK_INT(totals[1].both_visitors, 1);
	cv_tally_destroy(t);
}

/*
 * Days: a (arm 10) exposed on day 5, b (arm 20) on day 6; a converts on
 * goal 1 on day 7 and again on day 8, b on day 6 (the day it was
 * exposed) and on goal 2 before its exposure (not counted).
 */
static void
check_daily(void)
{
	const int64_t day = INT64_C(86400000000);
	cv_tally   *t = cv_tally_create(&heap);
	const cv_tally_totals *totals;
	const cv_tally_day *days;
	size_t		n;
	int64_t		first;

	expose(t, "a", 10, 5 * day + 1);
	expose(t, "b", 20, 6 * day + 10);
	CHECK_INT(cv_tally_end_exposures(t, &first), CV_TALLY_OK);
	convert_event(t, "a", 8 * day, 1, NULL, NULL);
	convert_event(t, "a", 7 * day + 5, 1, NULL, NULL);
	convert_event(t, "b", 6 * day + 20, 1, NULL, NULL);
	convert_event(t, "b", 6 * day, 2, NULL, NULL);
	CHECK_INT(cv_tally_finish(t, &totals, &n), CV_TALLY_OK);
	CHECK_INT(cv_tally_daily(t, &days, &n), CV_TALLY_OK);
	/* days 5, 6, 7 for arms 10 and 20 and goal 1 */
	CHECK_INT(n, 6);
	CHECK_INT(days[0].variation_id, 10);
	CHECK_INT(days[0].day, 5);
	CHECK_INT(days[0].visitors, 1);
	CHECK_INT(days[0].converting_visitors, 0);
	CHECK_INT(days[2].day, 7);
	CHECK_INT(days[2].converting_visitors, 1);
	CHECK_INT(days[3].variation_id, 20);
	CHECK_INT(days[3].visitors, 0);
	CHECK_INT(days[4].visitors, 1);
	CHECK_INT(days[4].converting_visitors, 1);
	CHECK_INT(days[5].converting_visitors, 1);
	cv_tally_destroy(t);
}

void
test_analysis_tally(void)
{
	check_decimals();
	check_small_tally();
	check_bounds();
	check_many_visitors(false);
	check_many_visitors(true);
	check_percentiles_against_sort();
	check_lookback(false);
	check_lookback(true);
	check_daily();
}
