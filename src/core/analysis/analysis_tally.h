/*
 * analysis_tally.h — one pass over an experience's conversions, grouped by
 * visitor, for experiment analysis.
 *
 * Welch's test on revenue per visitor needs each exposed visitor's revenue
 * per goal, and "converting visitors" needs each visitor counted once; both
 * mean grouping millions of events by visitor.  A tally does that grouping
 * in one hash table keyed by visitor id, built from the exposures, and
 * folds each conversion into its visitor's slot for the goal as it
 * streams by:
 *
 *   cv_tally_create         allocate (through the caller's allocator)
 *   cv_tally_reserve        size the visitor table for an expected count
 *   cv_tally_set_bounds     outlier bounds for order values / product counts
 *   cv_tally_set_lookback   count conversions this long before exposure as
 *                           the visitor's pre-exposure covariate (CUPED)
 *   cv_tally_expose         one exposed visitor: variation, exposure time
 *   cv_tally_end_exposures  all exposures given; the earliest of them
 *   cv_tally_convert        one conversion event, ignored unless its visitor
 *                           was exposed at or before it
 *   cv_tally_finish         per variation and goal totals
 *
 * A conversion counts once per plain event or goal-data event, whichever a
 * visitor sent more of for the goal (the SDK sends a plain event and a
 * goal-data event for one purchase).  Revenue and products add up the
 * order values within bounds; the bounds are either fixed values or
 * percentiles of all the order values tallied (then orders are kept until
 * cv_tally_finish, when the bounds are known).
 *
 * With a lookback, a conversion in [exposure - lookback, exposure) is the
 * visitor's pre-exposure data for the goal: whether the visitor converted
 * and the revenue within bounds (percentile bounds are taken over the
 * post-exposure orders only).  The totals then also carry the sums CUPED
 * needs over the visitors: of the pre-exposure values, their squares and
 * their products with the post-exposure values.
 */
#ifndef CONVERT_ANALYSIS_TALLY_H
#define CONVERT_ANALYSIS_TALLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/decimal_sum.h"

/*
 * Memory comes from the caller, so that a server can put it in a memory
 * context freed on error.  Blocks need only 8-byte alignment (what palloc
 * guarantees), so no structure here holds a long double.
 */
typedef struct cv_allocator
{
	void	   *(*alloc) (void *context, size_t size);
	void	   *(*grow) (void *context, void *block, size_t size);
	void		(*release) (void *context, void *block);
	void	   *context;
} cv_allocator;

typedef enum cv_tally_status
{
	CV_TALLY_OK = 0,
	CV_TALLY_NO_MEMORY,
	CV_TALLY_OVERFLOW,			/* a revenue or product sum exceeds 128 bits */
	CV_TALLY_TOO_MANY,			/* more than 65535 variations or 2^31 goals */
	CV_TALLY_LATE_EXPOSURE		/* an exposure after the exposures ended */
} cv_tally_status;

/* What an outlier bound is: nothing, a value, or a percentile (0..100). */
typedef enum cv_bound_kind
{
	CV_BOUND_NONE = 0,
	CV_BOUND_VALUE,
	CV_BOUND_PERCENTILE
} cv_bound_kind;

typedef struct cv_bound
{
	cv_bound_kind kind;
	cv_decimal	value;			/* CV_BOUND_VALUE */
	double		percentile;		/* CV_BOUND_PERCENTILE */
} cv_bound;

typedef enum cv_measure
{
	CV_MEASURE_ORDER_VALUE = 0,
	CV_MEASURE_PRODUCTS = 1
} cv_measure;

/* Totals of one variation and goal, over its converting visitors. */
typedef struct cv_tally_totals
{
	int64_t		variation_id;
	int64_t		goal_id;
	int64_t		converting_visitors;
	int64_t		conversions;
	cv_decimal	revenue;
	cv_decimal	products;
	double		revenue_squares;	/* sum over visitors of revenue^2 */
	/* with a lookback, over the same variation's visitors: */
	int64_t		pre_visitors;	/* converted before exposure */
	int64_t		both_visitors;	/* converted before and after */
	double		pre_revenue;	/* sum of pre-exposure revenue */
	double		pre_revenue_squares;	/* sum of its squares */
	double		revenue_cross;	/* sum of pre- times post-exposure revenue */
	/* for products per order, over the converting visitors: */
	int64_t		orders;			/* conversions with goal data */
	double		orders_squares; /* sum over visitors of orders^2 */
	double		products_squares;	/* of products (within bounds)^2 */
	double		products_orders;	/* of products times orders */
} cv_tally_totals;

typedef struct cv_tally cv_tally;

/* NULL when out of memory. */
cv_tally   *cv_tally_create(const cv_allocator *allocator);
void		cv_tally_destroy(cv_tally *tally);

/* Room for this many visitors at once (saves growing the table). */
cv_tally_status cv_tally_reserve(cv_tally *tally, size_t visitors);

void		cv_tally_set_bounds(cv_tally *tally, cv_measure measure,
								const cv_bound *low, const cv_bound *high);

/*
 * Count conversions up to lookback (microseconds, >= 0; 0 by default)
 * before the visitor's exposure as pre-exposure data.  Set before the
 * first conversion.
 */
void		cv_tally_set_lookback(cv_tally *tally, int64_t lookback);

/* A visitor's exposure; a visitor exposed twice keeps the first. */
cv_tally_status cv_tally_expose(cv_tally *tally, const char *visitor_id, size_t len,
								int64_t variation_id, int64_t exposed_at);

/*
 * No more exposures: count the queued ones (exposures, like conversions,
 * are counted in batches) and give the time before which no conversion
 * can count (INT64_MAX when nobody was exposed).
 */
cv_tally_status cv_tally_end_exposures(cv_tally *tally, int64_t *first_exposure);

/*
 * One conversion event; order_value and products may be NULL.  Events are
 * counted in batches, so a status may come from an earlier event (and
 * cv_tally_finish counts the last batch).
 */
cv_tally_status cv_tally_convert(cv_tally *tally, const char *visitor_id, size_t len,
								 int64_t received_at, int64_t goal_id, bool has_goal_data,
								 const cv_decimal *order_value, const cv_decimal *products);

/*
 * Compute the totals; *totals points at *count entries in variation
 * then goal order of first appearance, owned by the tally: every
 * variation and goal with converting visitors, or pre-exposure ones.
 */
cv_tally_status cv_tally_finish(cv_tally *tally, const cv_tally_totals **totals,
								size_t *count);

/*
 * Cumulative counts per day, after cv_tally_finish: for each variation
 * with visitors, each goal converted on and each day (UTC, times being
 * microseconds since a midnight) from the first exposure's to the last
 * first conversion's or exposure's, the visitors exposed and the visitors
 * converted (first conversion after exposure) by the end of that day.
 */
typedef struct cv_tally_day
{
	int64_t		variation_id;
	int64_t		goal_id;
	int64_t		day;			/* days since the epoch of the times */
	int64_t		visitors;
	int64_t		converting_visitors;
} cv_tally_day;

/* *days points at *count rows in variation, goal, day order, owned by the tally. */
cv_tally_status cv_tally_daily(cv_tally *tally, const cv_tally_day **days, size_t *count);

/* The bounds in force after cv_tally_finish (percentiles resolved). */
void		cv_tally_bounds(const cv_tally *tally, cv_measure measure,
							cv_bound *low, cv_bound *high);

#endif							/* CONVERT_ANALYSIS_TALLY_H */
