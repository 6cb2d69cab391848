/*
 * analysis_scan.c — convert_internal.analysis_tally(): an experience's conversions
 * grouped by visitor in one pass (src/core/analysis/analysis_tally.c), the heavy
 * part of convert.experience_results().
 *
 * Two queries run through SPI, each handing its rows to a receiver of this
 * file instead of SPI's tuple table: rows go from the executor (a parallel
 * plan when the planner picks one) straight into the tally and are never
 * materialised.  Everything the tally allocates lives in one memory context
 * (analysis_memory.c), so an error or a cancel mid-scan frees it with the
 * rest of the query.
 *
 * The *_shard functions run the same tally over relations they are given:
 * on Citus each worker tallies one co-located pair of shards and the
 * coordinator adds the per-variation sums (sql/install/63_analysis_citus.sql).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "analysis_groups.h"
#include "analysis_memory.h"
#include "analysis/analysis_tally.h"
#include "error_quote.h"

PG_FUNCTION_INFO_V1(convert_analysis_tally);
PG_FUNCTION_INFO_V1(convert_analysis_moments);
PG_FUNCTION_INFO_V1(convert_analysis_daily);
PG_FUNCTION_INFO_V1(convert_analysis_tally_shard);
PG_FUNCTION_INFO_V1(convert_analysis_moments_shard);

/* What a scan returns: analysis_tally's rows, analysis_moments', or days. */
typedef enum TallyOutput
{
	OUTPUT_TOTALS,
	OUTPUT_MOMENTS,
	OUTPUT_DAYS
} TallyOutput;

/* The longest CUPED lookback: a year, in microseconds. */
#define MAX_LOOKBACK (INT64CONST(366) * USECS_PER_DAY)

/*
 * The scans' queries, each with %s for the relations it reads: the
 * tracking tables themselves, or on Citus one co-located shard of each
 * (scan_relations).
 */

/* The experience's exposures in the period: first assignments, one per visitor. */
#define EXPOSURES \
	"  FROM %s AS vb" \
	" WHERE vb.project_id = $1 AND vb.experience_id = $2" \
	"   AND vb.bucketed_at >= $3 AND vb.bucketed_at < $4"

static const char *const exposures_query =
"SELECT vb.visitor_id, vb.variation_id, vb.bucketed_at" EXPOSURES;

/*
 * The same with each visitor's value of a dimension ($5) in the segments
 * sent with the assignment (NULL: no value), stored once in segment_sets.
 */
static const char *const dimension_exposures_query =
"SELECT vb.visitor_id, vb.variation_id, vb.bucketed_at, s.segments ->> $5"
"  FROM %s AS vb"
"  LEFT JOIN %s AS s ON s.digest = vb.segments_digest"
" WHERE vb.project_id = $1 AND vb.experience_id = $2"
"   AND vb.bucketed_at >= $3 AND vb.bucketed_at < $4";

/* How many, to size the tally's table once instead of growing it. */
static const char *const exposure_count_query = "SELECT count(*)" EXPOSURES;

/*
 * The project's conversions from the first exposure on; order values come
 * as text, which the workers of a parallel plan produce and the tally
 * parses exactly far faster than numeric arithmetic.
 */
static const char *const conversions_query =
"SELECT ev.visitor_id, ev.received_at, ev.goal_id, ev.goal_data IS NOT NULL,"
"       ev.amount::text, ev.products_count::text"
"  FROM %s AS ev"
" WHERE ev.project_id = $1 AND ev.event_type = 'conversion'"
"   AND ev.received_at >= $3 AND ev.received_at < $4";

/* The relations a tally reads, as quoted qualified names. */
typedef struct ScanRelations
{
	const char *exposures;		/* convert.visitor_bucketing or a shard of it */
	const char *conversions;	/* convert.events or a shard of it */
	const char *segments;		/* convert.segment_sets or its shard */
} ScanRelations;

static const ScanRelations tracking_tables = {
	"convert.visitor_bucketing", "convert.events", "convert.segment_sets"
};

/* $1 project_id, $2 experience_id, $3 from, $4 to (exclusive), $5 dimension */
#define SCAN_PARAMS 5
static Oid	scan_param_types[SCAN_PARAMS] = {INT8OID, INT8OID, TIMESTAMPTZOID, TIMESTAMPTZOID,
TEXTOID};

typedef struct TallyReceiver
{
	DestReceiver pub;
	cv_tally   *tally;
	AnalysisGroups *groups;		/* by dimension: the tally counts groups */
	MemoryContext row_context;	/* detoasted values of the current row */
	bool		row_context_used;
} TallyReceiver;

/* Raise the error a failed tally step stands for (out of memory, over the
 * limit, ...). */
static void
check_tally_status(cv_tally_status status)
{
	switch (status)
	{
		case CV_TALLY_OK:
			return;
		case CV_TALLY_NO_MEMORY:
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory while grouping conversions by visitor")));
			break;
		case CV_TALLY_OVERFLOW:
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("revenue or product total out of range"),
					 errdetail("A variation's total for a goal exceeds 38 significant digits.")));
			break;
		case CV_TALLY_LATE_EXPOSURE:
			elog(ERROR, "analysis tally: an exposure after the conversions");
			break;
		case CV_TALLY_TOO_MANY:
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many variations or goals to analyse"),
					 errdetail("At most 65535 variations and 2^31 goals per experience.")));
			break;
	}
}

/* A text column's bytes; long values are detoasted into the row context. */
static const char *
text_bytes(TallyReceiver *r, Datum d, size_t *len)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(d);

	if (VARATT_IS_EXTERNAL(v) || VARATT_IS_COMPRESSED(v))
	{
		MemoryContext old = MemoryContextSwitchTo(r->row_context);

		r->row_context_used = true;
		v = pg_detoast_datum_packed(v);
		MemoryContextSwitchTo(old);
	}
	*len = VARSIZE_ANY_EXHDR(v);
	return VARDATA_ANY(v);
}

/*
 * An order value or product count of the conversion in slot (sent as
 * numeric, read as text), or NULL; visitor names the conversion in errors.
 */
static const cv_decimal *
order_number(TallyReceiver *r, TupleTableSlot *slot, int column, const char *what,
			 const char *visitor, size_t visitor_len, cv_decimal *out)
{
	const char *s;
	size_t		len;

	if (slot->tts_isnull[column])
		return NULL;
	s = text_bytes(r, slot->tts_values[column], &len);
	if (cv_decimal_parse(s, len, out) != CV_DECIMAL_OK)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s \"%s\" of a conversion cannot be summed", what, error_text_cut(s, len)),
				 errdetail("The conversion of visitor \"%s\" on goal " INT64_FORMAT
						   "; analysis sums finite values below 10^20 with up to %d decimals.",
						   error_text_cut(visitor, visitor_len),
						   DatumGetInt64(slot->tts_values[2]), CV_DECIMAL_MAX_SCALE)));
	return out;
}

/* Free what the last row allocated, when it allocated anything. */
static void
end_row(TallyReceiver *r)
{
	if (r->row_context_used)
		MemoryContextReset(r->row_context);
	r->row_context_used = false;
}

/* DestReceiver callback of the exposure query: one visitor's first
 * assignment into the tally. */
static bool
receive_exposure(TupleTableSlot *slot, DestReceiver *self)
{
	TallyReceiver *r = (TallyReceiver *) self;
	const char *visitor;
	size_t		len;

	int64		arm;

	slot_getallattrs(slot);
	visitor = text_bytes(r, slot->tts_values[0], &len);
	arm = DatumGetInt64(slot->tts_values[1]);
	if (r->groups != NULL)
	{
		const char *value = NULL;
		size_t		value_len = 0;

		if (!slot->tts_isnull[3])
			value = text_bytes(r, slot->tts_values[3], &value_len);
		arm = analysis_group(r->groups, arm, value, value_len);
	}
	check_tally_status(cv_tally_expose(r->tally, visitor, len, arm,
									   DatumGetTimestampTz(slot->tts_values[2])));
	end_row(r);
	return true;
}

/* DestReceiver callback of the conversion query: fold one conversion into
 * its visitor's slot. */
static bool
receive_conversion(TupleTableSlot *slot, DestReceiver *self)
{
	TallyReceiver *r = (TallyReceiver *) self;
	cv_decimal	value_buf;
	cv_decimal	products_buf;
	const cv_decimal *value;
	const cv_decimal *products;
	const char *visitor;
	size_t		len;

	slot_getallattrs(slot);
	visitor = text_bytes(r, slot->tts_values[0], &len);
	value = order_number(r, slot, 4, "order value", visitor, len, &value_buf);
	products = order_number(r, slot, 5, "product count", visitor, len, &products_buf);
	check_tally_status(cv_tally_convert(r->tally, visitor, len,
										DatumGetTimestampTz(slot->tts_values[1]),
										DatumGetInt64(slot->tts_values[2]),
										DatumGetBool(slot->tts_values[3]),
										value, products));
	end_row(r);
	return true;
}

/* The DestReceiver's other callbacks have nothing to do. */
static void
receiver_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
receiver_shutdown(DestReceiver *self)
{
}

static void
receiver_destroy(DestReceiver *self)
{
}

/* Run one of the queries above, feeding its rows to the tally. */
static void
scan_into_tally(const char *query, bool (*receive) (TupleTableSlot *, DestReceiver *),
				cv_tally *tally, AnalysisGroups *groups, MemoryContext context,
				ParamListInfo params)
{
	TallyReceiver receiver = {0};
	SPIExecuteOptions options = {0};
	SPIPlanPtr	plan;
	int			rc;

	receiver.pub.receiveSlot = receive;
	receiver.pub.rStartup = receiver_startup;
	receiver.pub.rShutdown = receiver_shutdown;
	receiver.pub.rDestroy = receiver_destroy;
	receiver.pub.mydest = DestNone;
	receiver.tally = tally;
	receiver.groups = groups;
	receiver.row_context = AllocSetContextCreate(context, "analysis tally row",
												 ALLOCSET_SMALL_SIZES);
	options.params = params;
	options.read_only = true;
	options.dest = &receiver.pub;
	/* planned for these values (partition pruning), parallel allowed */
	plan = SPI_prepare_cursor(query, SCAN_PARAMS, scan_param_types, CURSOR_OPT_PARALLEL_OK);
	if (plan == NULL)
		elog(ERROR, "analysis scan could not be planned: %s",
			 SPI_result_code_string(SPI_result));
	rc = SPI_execute_plan_extended(plan, &options);
	if (rc < 0)
		elog(ERROR, "analysis scan failed: %s", SPI_result_code_string(rc));
	MemoryContextDelete(receiver.row_context);
}

/* Size the tally's visitor table by the number of exposures, counted first. */
static void
reserve_for_exposures(cv_tally *tally, const ScanRelations *relations, ParamListInfo params)
{
	SPIPlanPtr	plan = SPI_prepare_cursor(psprintf(exposure_count_query, relations->exposures),
										  SCAN_PARAMS, scan_param_types, CURSOR_OPT_PARALLEL_OK);
	SPIExecuteOptions options = {0};
	bool		isnull;
	Datum		count;

	options.params = params;
	options.read_only = true;
	if (plan == NULL || SPI_execute_plan_extended(plan, &options) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not count the exposed visitors");
	count = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	check_tally_status(cv_tally_reserve(tally, (size_t) DatumGetInt64(count)));
}

/* The parameters both scan queries take: project, experience, period,
 * dimension. */
static ParamListInfo
scan_params(int64 project_id, int64 experience_id, TimestampTz from, TimestampTz to,
			text *dimension)
{
	ParamListInfo params = makeParamList(SCAN_PARAMS);
	Datum		values[SCAN_PARAMS] = {Int64GetDatum(project_id), Int64GetDatum(experience_id),
		TimestampTzGetDatum(from), TimestampTzGetDatum(to), PointerGetDatum(dimension)};

	for (int i = 0; i < SCAN_PARAMS; i++)
	{
		params->params[i].value = values[i];
		params->params[i].isnull = i == 4 && dimension == NULL;
		params->params[i].pflags = PARAM_FLAG_CONST;
		params->params[i].ptype = scan_param_types[i];
	}
	return params;
}

/* Argument arg (numeric, NULL for no bound) as a bound of the given kind. */
static cv_bound
bound_argument(FunctionCallInfo fcinfo, int arg, bool percentile)
{
	cv_bound	bound = {0};
	Datum		d = PG_GETARG_DATUM(arg);
	char	   *text;

	if (PG_ARGISNULL(arg))
		return bound;
	if (percentile)
	{
		bound.kind = CV_BOUND_PERCENTILE;
		bound.percentile = DatumGetFloat8(DirectFunctionCall1(numeric_float8, d));
		if (!(bound.percentile >= 0 && bound.percentile <= 100))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("outlier percentile %g is not between 0 and 100", bound.percentile)));
		return bound;
	}
	text = DatumGetCString(DirectFunctionCall1(numeric_out, d));
	if (cv_decimal_parse(text, strlen(text), &bound.value) != CV_DECIMAL_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("outlier bound %s is not a finite value below 10^20", text)));
	bound.kind = CV_BOUND_VALUE;
	return bound;
}

/* Outlier bounds of one measure (values or percentiles) from three function
 * arguments. */
static void
set_bounds(FunctionCallInfo fcinfo, cv_tally *tally, cv_measure measure, int first_arg)
{
	bool		percentile = !PG_ARGISNULL(first_arg + 2) && PG_GETARG_BOOL(first_arg + 2);
	cv_bound	low = bound_argument(fcinfo, first_arg, percentile);
	cv_bound	high = bound_argument(fcinfo, first_arg + 1, percentile);

	cv_tally_set_bounds(tally, measure, &low, &high);
}

/* An exact tally sum as a numeric Datum. */
static Datum
decimal_datum(const cv_decimal *d)
{
	char		text[CV_DECIMAL_TEXT_MAX];

	cv_decimal_format(d, text);
	return DirectFunctionCall3(numeric_in, CStringGetDatum(text),
							   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

/*
 * One row per totals entry: analysis_tally's 7 columns, or all 17
 * with_moments (by dimension, the tally's variations are groups).
 */
static void
emit_totals(FunctionCallInfo fcinfo, const cv_tally_totals *totals, size_t count,
			bool with_moments, const AnalysisGroups *groups)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	for (size_t i = 0; i < count; i++)
	{
		const cv_tally_totals *t = &totals[i];
		int64		variation_id = t->variation_id;
		const char *value = NULL;
		Datum		values[17] = {
			Int64GetDatum(t->variation_id), Int64GetDatum(t->goal_id),
			Int64GetDatum(t->converting_visitors), Int64GetDatum(t->conversions),
			decimal_datum(&t->revenue), decimal_datum(&t->products),
			Float8GetDatum((double) t->revenue_squares),
			Int64GetDatum(t->pre_visitors), Int64GetDatum(t->both_visitors),
			Float8GetDatum(t->pre_revenue), Float8GetDatum(t->pre_revenue_squares),
			Float8GetDatum(t->revenue_cross),
			Int64GetDatum(t->orders), Float8GetDatum(t->orders_squares),
			Float8GetDatum(t->products_squares), Float8GetDatum(t->products_orders),
			(Datum) 0
		};
		bool		nulls[17] = {0};

		Assert(rsinfo->setDesc->natts == (with_moments ? 17 : 7));
		if (groups != NULL)
		{
			analysis_group_pair(groups, variation_id, &variation_id, &value);
			values[0] = Int64GetDatum(variation_id);
		}
		nulls[16] = value == NULL;
		if (value != NULL)
			values[16] = CStringGetTextDatum(value);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

/* One row per variation, goal and day (analysis_daily). */
static void
emit_days(FunctionCallInfo fcinfo, cv_tally *tally)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	const cv_tally_day *days;
	size_t		count;

	check_tally_status(cv_tally_daily(tally, &days, &count));
	for (size_t i = 0; i < count; i++)
	{
		Datum		values[5] = {
			DateADTGetDatum((DateADT) days[i].day), Int64GetDatum(days[i].variation_id),
			Int64GetDatum(days[i].goal_id), Int64GetDatum(days[i].visitors),
			Int64GetDatum(days[i].converting_visitors)
		};
		bool		nulls[5] = {0};

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

/*
 * Where a tally function's arguments are: shard functions take the
 * relations to read first, then the arguments of the function they stand
 * for (args[0] is that function's first).
 */
typedef struct TallyCall
{
	FunctionCallInfo fcinfo;
	int			first;			/* the index of project_id */
	ScanRelations relations;
} TallyCall;

/* The call of a function over the tracking tables themselves. */
static TallyCall
tracking_call(FunctionCallInfo fcinfo)
{
	TallyCall	call = {fcinfo, 0, tracking_tables};

	return call;
}

/* A regclass argument as a quoted qualified name for the scans' queries. */
static const char *
relation_argument(FunctionCallInfo fcinfo, int arg)
{
	Oid			relid;
	char	   *name;

	if (PG_ARGISNULL(arg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the relations to analyse must not be NULL")));
	relid = PG_GETARG_OID(arg);
	name = get_rel_name(relid);
	if (name == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), name);
}

/*
 * The call of a shard function: the exposures' and conversions' relations
 * (and with_segments, the segments') come first; SPI reads them as the
 * caller, so they are only names here, never privileges.
 */
static TallyCall
shard_call(FunctionCallInfo fcinfo, bool with_segments)
{
	TallyCall	call = {fcinfo, with_segments ? 3 : 2, tracking_tables};

	call.relations.exposures = relation_argument(fcinfo, 0);
	call.relations.conversions = relation_argument(fcinfo, 1);
	if (with_segments)
		call.relations.segments = relation_argument(fcinfo, 2);
	return call;
}

/* Run the tally for one analysis function: exposures, then conversions from
 * the first exposure minus lookback, then output's rows. */
static Datum
run_tally(const TallyCall *call, int64 lookback, TallyOutput output, text *dimension)
{
	FunctionCallInfo fcinfo = call->fcinfo;
	const ScanRelations *rel = &call->relations;
	int			first = call->first;
	TimestampTz from = PG_ARGISNULL(first + 2) ? DT_NOBEGIN : PG_GETARG_TIMESTAMPTZ(first + 2);
	TimestampTz to = PG_ARGISNULL(first + 3) ? DT_NOEND : PG_GETARG_TIMESTAMPTZ(first + 3);
	MemoryContext context;
	cv_allocator allocator;
	cv_tally   *tally;
	const cv_tally_totals *totals;
	size_t		count;
	ParamListInfo params;
	int64		project_id;
	int64		experience_id;
	int64		first_exposure;
	AnalysisGroups *groups = NULL;

	if (PG_ARGISNULL(first) || PG_ARGISNULL(first + 1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("project_id and experience_id must not be NULL")));
	project_id = PG_GETARG_INT64(first);
	experience_id = PG_GETARG_INT64(first + 1);
	context = AllocSetContextCreate(CurrentMemoryContext, "analysis tally",
									ALLOCSET_DEFAULT_SIZES);
	allocator = analysis_allocator(context);
	tally = cv_tally_create(&allocator);
	if (tally == NULL)
		check_tally_status(CV_TALLY_NO_MEMORY);
	if (output != OUTPUT_DAYS)
	{
		set_bounds(fcinfo, tally, CV_MEASURE_ORDER_VALUE, first + 4);
		set_bounds(fcinfo, tally, CV_MEASURE_PRODUCTS, first + 7);
	}
	cv_tally_set_lookback(tally, lookback);
	if (dimension != NULL)
		groups = analysis_groups_create(context);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	params = scan_params(project_id, experience_id, from, to, dimension);
	reserve_for_exposures(tally, rel, params);
	scan_into_tally(groups ? psprintf(dimension_exposures_query, rel->exposures, rel->segments)
					: psprintf(exposures_query, rel->exposures),
					receive_exposure, tally, groups, context, params);
	/* conversions before the first exposure's lookback cannot count */
	check_tally_status(cv_tally_end_exposures(tally, &first_exposure));
	if (first_exposure != INT64_MAX)
	{
		/* the lookback reaches before from_time: pre-exposure data is older */
		TimestampTz start = first_exposure < DT_NOBEGIN + lookback
			? DT_NOBEGIN : first_exposure - lookback;

		if (lookback == 0)
			start = Max(from, first_exposure);
		scan_into_tally(psprintf(conversions_query, rel->conversions), receive_conversion,
						tally, NULL, context,
						scan_params(project_id, experience_id, start, to, NULL));
	}
	SPI_finish();

	check_tally_status(cv_tally_finish(tally, &totals, &count));
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	if (output == OUTPUT_DAYS)
		emit_days(fcinfo, tally);
	else
		emit_totals(fcinfo, totals, count, output == OUTPUT_MOMENTS, groups);
	MemoryContextDelete(context);
	return (Datum) 0;
}

/*
 * convert_internal.analysis_tally(project_id, experience_id, from_time, to_time,
 *                        order_low, order_high, order_percentiles,
 *                        products_low, products_high, products_percentiles)
 * Per variation and goal with converting visitors: converting visitors,
 * conversions, revenue and products within bounds, and the sum over
 * visitors of squared revenue.  NULL times are open ends.
 */
Datum
convert_analysis_tally(PG_FUNCTION_ARGS)
{
	TallyCall	call = tracking_call(fcinfo);

	return run_tally(&call, 0, OUTPUT_TOTALS, NULL);
}

/*
 * convert_internal.analysis_tally_shard(exposures, conversions, the arguments
 *                                       of analysis_tally)
 * analysis_tally over the given relations instead of the tracking tables:
 * on Citus one co-located pair of shards (docs/citus.md).
 */
Datum
convert_analysis_tally_shard(PG_FUNCTION_ARGS)
{
	TallyCall	call = shard_call(fcinfo, false);

	return run_tally(&call, 0, OUTPUT_TOTALS, NULL);
}

/* The lookback argument of analysis_moments, checked, in microseconds. */
static int64
lookback_argument(FunctionCallInfo fcinfo, int arg)
{
	Interval   *span;

	if (PG_ARGISNULL(arg))
		return 0;
	span = PG_GETARG_INTERVAL_P(arg);
	if (span->month != 0 || span->day < 0 || span->time < 0 ||
		span->day > 366 || span->time > MAX_LOOKBACK ||
		(int64) span->day * USECS_PER_DAY + span->time > MAX_LOOKBACK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("CUPED lookback must be between 0 and 366 days"),
				 errhint("Give it in days or hours, e.g. '14 days'; months are not a fixed length.")));
	return (int64) span->day * USECS_PER_DAY + span->time;
}

/* analysis_moments over the call's relations: lookback and dimension follow
 * analysis_tally's arguments. */
static Datum
run_moments(const TallyCall *call)
{
	FunctionCallInfo fcinfo = call->fcinfo;
	int			first = call->first;

	return run_tally(call, lookback_argument(fcinfo, first + 10), OUTPUT_MOMENTS,
					 PG_ARGISNULL(first + 11) ? NULL : PG_GETARG_TEXT_PP(first + 11));
}

/*
 * convert_internal.analysis_moments(the arguments of analysis_tally, lookback,
 *                          dimension)
 * analysis_tally's columns, then the visitors' pre-exposure sums for
 * CUPED: conversions in [exposure - lookback, exposure) (NULL or 0: none),
 * the products-per-order sums, and the dimension value: with a dimension
 * (a segment key; NULL: none) one row per variation, value and goal.
 */
Datum
convert_analysis_moments(PG_FUNCTION_ARGS)
{
	TallyCall	call = tracking_call(fcinfo);

	return run_moments(&call);
}

/*
 * convert_internal.analysis_moments_shard(exposures, conversions, segments,
 *                                         the arguments of analysis_moments)
 * analysis_moments over the given relations: on Citus one co-located pair
 * of shards and the segments' reference shard (docs/citus.md).
 */
Datum
convert_analysis_moments_shard(PG_FUNCTION_ARGS)
{
	TallyCall	call = shard_call(fcinfo, true);

	return run_moments(&call);
}

/*
 * convert_internal.analysis_daily(project_id, experience_id, from_time, to_time)
 * Per variation and goal with converting visitors and per day (UTC) from
 * the first exposure's on: the visitors exposed and converted by its end.
 */
Datum
convert_analysis_daily(PG_FUNCTION_ARGS)
{
	TallyCall	call = tracking_call(fcinfo);

	return run_tally(&call, 0, OUTPUT_DAYS, NULL);
}
