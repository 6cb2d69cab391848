/*
 * stats_readout_functions.c — SQL entry points for the optional read-outs
 * of experiment results: sequential (always-valid) tests, the Bayesian
 * chance to win and risk, p-values adjusted for multiple comparisons, and
 * the delta-method test of ratio metrics.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "stats/stats_adjust.h"
#include "stats/stats_bayes.h"
#include "stats_datum.h"
#include "stats/stats_ratio.h"
#include "stats/stats_sequential.h"

PG_FUNCTION_INFO_V1(convert_sequential_test);
PG_FUNCTION_INFO_V1(convert_bayes_lift);
PG_FUNCTION_INFO_V1(convert_adjusted_p_values);
PG_FUNCTION_INFO_V1(convert_ratio_test);

/* At most this many p-values in one family (a bound on the work). */
#define MAX_FAMILY 1000000

/*
 * convert.sequential_test(n_a, mean_a, variance_a, n_b, mean_b, variance_b,
 *                         confidence, tuning) -> record
 */
Datum
convert_sequential_test(PG_FUNCTION_ARGS)
{
	double		confidence = PG_GETARG_FLOAT8(6);
	double		tuning = PG_GETARG_FLOAT8(7);
	cv_comparison c;

	check_confidence(confidence);
	if (!(tuning > 0 && isfinite(tuning)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sequential tuning must be a positive number of visitors"),
				 errdetail("tuning was %g.", tuning),
				 errhint("5000 is the usual default; use about the sample size at which you expect to decide.")));
	c = cv_sequential_test(count_arg(fcinfo, 0, "n_a"), PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2),
						   count_arg(fcinfo, 3, "n_b"), PG_GETARG_FLOAT8(4), PG_GETARG_FLOAT8(5),
						   confidence, tuning);
	PG_RETURN_DATUM(comparison_record(fcinfo, &c, false));
}

/* prior_sd: NULL for the flat prior, else a positive number. */
static double
prior_argument(FunctionCallInfo fcinfo, int arg)
{
	double		sd;

	if (PG_ARGISNULL(arg))
		return NAN;
	sd = PG_GETARG_FLOAT8(arg);
	if (!(sd > 0 && isfinite(sd)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("prior_sd must be positive, or NULL for the flat prior"),
				 errdetail("prior_sd was %g.", sd)));
	return sd;
}

/*
 * convert.bayes_lift(n_a, mean_a, variance_a, n_b, mean_b, variance_b,
 *                    prior_sd) -> record (lift, lift_sd, chance_to_win, risk)
 * Not strict (prior_sd may be NULL): a NULL statistic gives NULLs.
 */
Datum
convert_bayes_lift(PG_FUNCTION_ARGS)
{
	double		prior_sd = prior_argument(fcinfo, 6);
	TupleDesc	tupdesc = result_descriptor(fcinfo);
	cv_bayes	b = {NAN, NAN, NAN, NAN};
	Datum		values[4];
	bool		nulls[4];
	bool		complete = true;

	for (int i = 0; i < 6; i++)
		complete = complete && !PG_ARGISNULL(i);
	if (complete)
		b = cv_bayes_lift(count_arg(fcinfo, 0, "n_a"), PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2),
						  count_arg(fcinfo, 3, "n_b"), PG_GETARG_FLOAT8(4), PG_GETARG_FLOAT8(5),
						  prior_sd);
	values[0] = float_or_null(b.lift, &nulls[0]);
	values[1] = float_or_null(b.lift_sd, &nulls[1]);
	values[2] = float_or_null(b.chance_to_win, &nulls[2]);
	values[3] = float_or_null(b.risk, &nulls[3]);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* The correction method named by text: holm or bh. */
static cv_adjustment
adjustment_argument(text *method)
{
	char	   *name = text_to_cstring(method);

	if (strcmp(name, "holm") == 0)
		return CV_ADJUST_HOLM;
	if (strcmp(name, "bh") == 0)
		return CV_ADJUST_BENJAMINI_HOCHBERG;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown correction \"%.100s\"", name),
			 errhint("Use 'holm' (Holm-Bonferroni) or 'bh' (Benjamini-Hochberg).")));
	return CV_ADJUST_HOLM;		/* not reached */
}

/*
 * convert.adjusted_p_values(p_values float8[], method text) -> float8[]
 * The p-values adjusted as one family; NULL elements are not tests and
 * stay NULL.
 */
Datum
convert_adjusted_p_values(PG_FUNCTION_ARGS)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(0);
	cv_adjustment method = adjustment_argument(PG_GETARG_TEXT_PP(1));
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	double	   *p;
	double	   *adjusted;
	size_t	   *work;

	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("p_values must be a one-dimensional array")));
	deconstruct_array(a, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &nulls, &n);
	if (n > MAX_FAMILY)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many p-values to adjust"),
				 errdetail("%d p-values; at most %d.", n, MAX_FAMILY)));
	p = palloc(sizeof(double) * Max(n, 1));
	adjusted = palloc(sizeof(double) * Max(n, 1));
	work = palloc(sizeof(size_t) * 2 * Max(n, 1));
	for (int i = 0; i < n; i++)
		p[i] = nulls[i] ? NAN : DatumGetFloat8(elems[i]);
	if (!cv_adjust_p_values(p, n, method, adjusted, work))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p-values must be between 0 and 1")));
	for (int i = 0; i < n; i++)
	{
		nulls[i] = isnan(adjusted[i]);
		elems[i] = Float8GetDatum(nulls[i] ? 0 : adjusted[i]);
	}
	PG_RETURN_ARRAYTYPE_P(construct_md_array(elems, nulls, 1, &n, (int[]) {1},
											 FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
											 TYPALIGN_DOUBLE));
}

/* Arguments first..first+5 as one arm's sums; false when any is NULL. */
static bool
ratio_sums_argument(FunctionCallInfo fcinfo, int first, cv_ratio_sums *s)
{
	for (int i = first; i < first + 6; i++)
		if (PG_ARGISNULL(i))
			return false;
	s->n = count_arg(fcinfo, first, first == 0 ? "n_a" : "n_b");
	s->sum_y = PG_GETARG_FLOAT8(first + 1);
	s->sum_yy = PG_GETARG_FLOAT8(first + 2);
	s->sum_d = PG_GETARG_FLOAT8(first + 3);
	s->sum_dd = PG_GETARG_FLOAT8(first + 4);
	s->sum_yd = PG_GETARG_FLOAT8(first + 5);
	return true;
}

/*
 * convert.ratio_test(n_a, sum_y_a, sum_yy_a, sum_d_a, sum_dd_a, sum_yd_a,
 *                    n_b, ..., confidence, sequential_tuning) -> record
 * (ratio_a, ratio_b, uplift, uplift_low, uplift_high, p_value).  Not
 * strict: NULL sums give NULLs, a NULL sequential_tuning the fixed test.
 */
Datum
convert_ratio_test(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc = result_descriptor(fcinfo);
	cv_ratio_comparison c = {NAN, NAN, NAN, NAN, NAN, NAN};
	cv_ratio_sums a;
	cv_ratio_sums b;
	double		confidence = PG_ARGISNULL(12) ? 0.95 : PG_GETARG_FLOAT8(12);
	double		tuning = PG_ARGISNULL(13) ? NAN : PG_GETARG_FLOAT8(13);
	Datum		values[6];
	bool		nulls[6];

	check_confidence(confidence);
	if (!PG_ARGISNULL(13) && !(tuning > 0 && isfinite(tuning)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sequential tuning must be a positive number of visitors"),
				 errdetail("tuning was %g.", tuning)));
	if (ratio_sums_argument(fcinfo, 0, &a) && ratio_sums_argument(fcinfo, 6, &b))
		c = cv_ratio_test(&a, &b, confidence, tuning);
	values[0] = float_or_null(c.ratio_a, &nulls[0]);
	values[1] = float_or_null(c.ratio_b, &nulls[1]);
	values[2] = float_or_null(c.uplift, &nulls[2]);
	values[3] = float_or_null(c.uplift_low, &nulls[3]);
	values[4] = float_or_null(c.uplift_high, &nulls[4]);
	values[5] = float_or_null(c.p_value, &nulls[5]);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
