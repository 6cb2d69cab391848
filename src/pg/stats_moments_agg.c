/*
 * stats_moments_agg.c — the aggregate convert.metric_moments(y [, x]):
 * per-group moments of a per-visitor metric and its covariate
 * (src/core/stats/stats_moments.h), as the significance tests and CUPED take
 * them.  Its state is combinable and serialisable, so PostgreSQL's
 * parallel aggregation (and Citus's partial aggregation) split the work:
 * each worker aggregates its rows, the leader combines the states.
 *
 * The state is a cv_moments in the aggregate's memory context.  A NULL
 * metric leaves the row out; a NULL covariate counts as 0, as CUPED counts
 * visitors without pre-exposure data.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

#include "stats_datum.h"
#include "stats/stats_moments.h"

PG_FUNCTION_INFO_V1(convert_metric_moments_add);
PG_FUNCTION_INFO_V1(convert_metric_moments_combine);
PG_FUNCTION_INFO_V1(convert_metric_moments_serialize);
PG_FUNCTION_INFO_V1(convert_metric_moments_deserialize);
PG_FUNCTION_INFO_V1(convert_metric_moments_final);

/* The aggregate's memory context; errors when called as a plain function. */
static MemoryContext
aggregate_context(FunctionCallInfo fcinfo, const char *function)
{
	MemoryContext agg;

	if (!AggCheckCallContext(fcinfo, &agg))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s can only be called by the aggregate convert.metric_moments", function)));
	return agg;
}

/* A state in the aggregate's context, empty. */
static cv_moments *
new_state(MemoryContext agg)
{
	cv_moments *m = MemoryContextAlloc(agg, sizeof(cv_moments));

	*m = CV_MOMENTS_EMPTY;
	return m;
}

/* Transition: state, y [, x]. */
Datum
convert_metric_moments_add(PG_FUNCTION_ARGS)
{
	MemoryContext agg = aggregate_context(fcinfo, "convert_internal.metric_moments_add");
	cv_moments *m = PG_ARGISNULL(0) ? NULL : (cv_moments *) PG_GETARG_POINTER(0);
	double		x = 0;

	if (m == NULL)
		m = new_state(agg);
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(m);
	if (PG_NARGS() > 2 && !PG_ARGISNULL(2))
		x = PG_GETARG_FLOAT8(2);
	cv_moments_add(m, PG_GETARG_FLOAT8(1), x);
	PG_RETURN_POINTER(m);
}

/* metric_moments' combine function: merge two partial states. */
Datum
convert_metric_moments_combine(PG_FUNCTION_ARGS)
{
	MemoryContext agg = aggregate_context(fcinfo, "convert_internal.metric_moments_combine");
	cv_moments *a = PG_ARGISNULL(0) ? NULL : (cv_moments *) PG_GETARG_POINTER(0);
	cv_moments *b = PG_ARGISNULL(1) ? NULL : (cv_moments *) PG_GETARG_POINTER(1);

	if (b == NULL)
		PG_RETURN_POINTER(a);
	if (a == NULL)
		a = new_state(agg);
	cv_moments_combine(a, b);
	PG_RETURN_POINTER(a);
}

/* n as int8, then the five doubles, in network byte order. */
Datum
convert_metric_moments_serialize(PG_FUNCTION_ARGS)
{
	cv_moments *m;
	StringInfoData buf;

	aggregate_context(fcinfo, "convert_internal.metric_moments_serialize");
	m = (cv_moments *) PG_GETARG_POINTER(0);
	pq_begintypsend(&buf);
	pq_sendint64(&buf, m->n);
	pq_sendfloat8(&buf, m->mean_y);
	pq_sendfloat8(&buf, m->mean_x);
	pq_sendfloat8(&buf, m->m2_y);
	pq_sendfloat8(&buf, m->m2_x);
	pq_sendfloat8(&buf, m->c_xy);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* metric_moments' deserialize function: a state from its bytes. */
Datum
convert_metric_moments_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext agg = aggregate_context(fcinfo, "convert_internal.metric_moments_deserialize");
	bytea	   *bytes = PG_GETARG_BYTEA_PP(0);
	cv_moments *m = new_state(agg);
	StringInfoData buf;

	initStringInfo(&buf);
	appendBinaryStringInfo(&buf, VARDATA_ANY(bytes), VARSIZE_ANY_EXHDR(bytes));
	m->n = pq_getmsgint64(&buf);
	m->mean_y = pq_getmsgfloat8(&buf);
	m->mean_x = pq_getmsgfloat8(&buf);
	m->m2_y = pq_getmsgfloat8(&buf);
	m->m2_x = pq_getmsgfloat8(&buf);
	m->c_xy = pq_getmsgfloat8(&buf);
	pq_getmsgend(&buf);
	pfree(buf.data);
	PG_RETURN_POINTER(m);
}

/* convert.moments: n, mean, variance, then the sums; NULL without values. */
Datum
convert_metric_moments_final(PG_FUNCTION_ARGS)
{
	cv_moments *m;
	Datum		values[8];
	bool		nulls[8] = {false};
	TupleDesc	tupdesc;

	aggregate_context(fcinfo, "convert_internal.metric_moments_final");
	m = PG_ARGISNULL(0) ? NULL : (cv_moments *) PG_GETARG_POINTER(0);
	if (m == NULL || m->n == 0)
		PG_RETURN_NULL();
	tupdesc = result_descriptor(fcinfo);
	values[0] = Int64GetDatum(m->n);
	values[1] = Float8GetDatum(m->mean_y);
	values[2] = float_or_null(cv_moments_variance_y(m), &nulls[2]);
	values[3] = Float8GetDatum(cv_moments_sum_y(m));
	values[4] = Float8GetDatum(cv_moments_sum_yy(m));
	values[5] = Float8GetDatum(cv_moments_sum_x(m));
	values[6] = Float8GetDatum(cv_moments_sum_xx(m));
	values[7] = Float8GetDatum(cv_moments_sum_xy(m));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
