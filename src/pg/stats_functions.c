/*
 * stats_functions.c — SQL entry points for the statistics of experiment
 * analysis: distribution functions and the significance tests, each over
 * sufficient statistics that SQL aggregates in one pass.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/lsyscache.h"

#include "stats_datum.h"
#include "stats/stats_distributions.h"

PG_FUNCTION_INFO_V1(convert_normal_cdf);
PG_FUNCTION_INFO_V1(convert_student_t_cdf);
PG_FUNCTION_INFO_V1(convert_chi_square_sf);
PG_FUNCTION_INFO_V1(convert_two_proportion_test);
PG_FUNCTION_INFO_V1(convert_welch_test);
PG_FUNCTION_INFO_V1(convert_sample_ratio_test);

void
check_confidence(double confidence)
{
	if (!(confidence > 0 && confidence < 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("confidence must be between 0 and 1, exclusive"),
				 errdetail("confidence was %g.", confidence),
				 errhint("Use 0.95 for 95%% intervals.")));
}

/* Raise unless df is positive. */
static void
check_degrees_of_freedom(double df)
{
	if (!(df > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("degrees of freedom must be positive"),
				 errdetail("df was %g.", df)));
}

/* A float8 Datum, NULL when the statistic is undefined (NaN). */
Datum
float_or_null(double v, bool *isnull)
{
	*isnull = isnan(v);
	return Float8GetDatum(isnan(v) ? 0 : v);
}

/* The OUT record's descriptor of the function being called. */
TupleDesc
result_descriptor(FunctionCallInfo fcinfo)
{
	TupleDesc	tupdesc;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("function returning record called in context that cannot accept type record")));
	return BlessTupleDesc(tupdesc);
}

/* Build the OUT record; the order matches the SQL declarations. */
Datum
comparison_record(FunctionCallInfo fcinfo, const cv_comparison *c, bool with_df)
{
	TupleDesc	tupdesc = result_descriptor(fcinfo);
	Datum		values[10];
	bool		nulls[10];
	int			n = 0;


	values[n] = float_or_null(c->statistic, &nulls[n]), n++;
	if (with_df)
		values[n] = float_or_null(c->df, &nulls[n]), n++;
	values[n] = float_or_null(c->p_value, &nulls[n]), n++;
	values[n] = float_or_null(c->difference, &nulls[n]), n++;
	values[n] = float_or_null(c->ci_low, &nulls[n]), n++;
	values[n] = float_or_null(c->ci_high, &nulls[n]), n++;
	values[n] = float_or_null(c->uplift, &nulls[n]), n++;
	values[n] = float_or_null(c->uplift_low, &nulls[n]), n++;
	values[n] = float_or_null(c->uplift_high, &nulls[n]), n++;
	values[n] = float_or_null(c->chance_to_beat, &nulls[n]), n++;
	Assert(n == tupdesc->natts);
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

Datum
convert_normal_cdf(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(cv_normal_cdf(PG_GETARG_FLOAT8(0)));
}

Datum
convert_student_t_cdf(PG_FUNCTION_ARGS)
{
	double		df = PG_GETARG_FLOAT8(1);

	check_degrees_of_freedom(df);
	PG_RETURN_FLOAT8(cv_student_t_cdf(PG_GETARG_FLOAT8(0), df));
}

Datum
convert_chi_square_sf(PG_FUNCTION_ARGS)
{
	double		df = PG_GETARG_FLOAT8(1);

	check_degrees_of_freedom(df);
	PG_RETURN_FLOAT8(cv_chi_square_sf(PG_GETARG_FLOAT8(0), df));
}

double
count_arg(FunctionCallInfo fcinfo, int n, const char *name)
{
	int64		v = PG_GETARG_INT64(n);

	if (v < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be negative", name),
				 errdetail("%s was " INT64_FORMAT ".", name, v)));
	return (double) v;
}

/*
 * convert.two_proportion_test(visitors_a, converted_a, visitors_b,
 *                             converted_b, confidence) -> record
 */
Datum
convert_two_proportion_test(PG_FUNCTION_ARGS)
{
	double		visitors_a = count_arg(fcinfo, 0, "visitors_a");
	double		converted_a = count_arg(fcinfo, 1, "converted_a");
	double		visitors_b = count_arg(fcinfo, 2, "visitors_b");
	double		converted_b = count_arg(fcinfo, 3, "converted_b");
	double		confidence = PG_GETARG_FLOAT8(4);
	cv_comparison c;

	check_confidence(confidence);
	if (converted_a > visitors_a || converted_b > visitors_b)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("converted visitors cannot exceed visitors")));
	c = cv_two_proportion_test(visitors_a, converted_a, visitors_b, converted_b, confidence);
	PG_RETURN_DATUM(comparison_record(fcinfo, &c, false));
}

/*
 * convert.welch_test(n_a, mean_a, variance_a, n_b, mean_b, variance_b,
 *                    confidence) -> record
 */
Datum
convert_welch_test(PG_FUNCTION_ARGS)
{
	double		confidence = PG_GETARG_FLOAT8(6);
	cv_comparison c;

	check_confidence(confidence);
	c = cv_welch_test(count_arg(fcinfo, 0, "n_a"), PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2),
					  count_arg(fcinfo, 3, "n_b"), PG_GETARG_FLOAT8(4), PG_GETARG_FLOAT8(5),
					  confidence);
	PG_RETURN_DATUM(comparison_record(fcinfo, &c, true));
}

/* A one-dimensional float8[] without NULLs, as a C array. */
static double *
float8_array(ArrayType *a, const char *name, int *n)
{
	Datum	   *elems;
	bool	   *nulls;
	double	   *out;

	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", name)));
	deconstruct_array(a, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &nulls, n);
	out = palloc(sizeof(double) * Max(*n, 1));
	for (int i = 0; i < *n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not contain NULL", name),
					 errdetail("Element %d is NULL.", i + 1)));
		out[i] = DatumGetFloat8(elems[i]);
	}
	return out;
}

/* convert.sample_ratio_test(observed float8[], weights float8[]) -> record */
Datum
convert_sample_ratio_test(PG_FUNCTION_ARGS)
{
	int			n_observed;
	int			n_weights;
	double	   *observed = float8_array(PG_GETARG_ARRAYTYPE_P(0), "observed", &n_observed);
	double	   *weights = float8_array(PG_GETARG_ARRAYTYPE_P(1), "weights", &n_weights);
	double		p_value;
	double		chi_square;
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2];

	if (n_observed != n_weights)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("observed and weights must have the same length"),
				 errdetail("observed has %d elements, weights %d.", n_observed, n_weights)));
	chi_square = cv_sample_ratio_chi_square(observed, weights, n_observed, &p_value);

	tupdesc = result_descriptor(fcinfo);
	values[0] = float_or_null(chi_square, &nulls[0]);
	values[1] = float_or_null(p_value, &nulls[1]);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
