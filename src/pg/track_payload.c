/*
 * track_payload.c — the visitors array of a tracking payload
 * (shared/spec/tracking.md §3.2), validated and flattened into one row per
 * event:
 *
 *   convert.track_parse(project_id bigint, visitors jsonb,
 *                       max_visitors int, max_events int) → SETOF record
 *
 * Validation happens in the same single pass that produces the rows, in
 * payload order, and the first problem is raised with its JSON path
 * ("visitors[3].events[0].eventType: unknown event type \"bucketin\"") as
 * SQLSTATE PT400 (PT413 for a batch over the limits).  Experience,
 * variation and goal ids are checked against the project, whose ids are
 * read once per call into a hash table.  Written in C because a batch of
 * thousands of events has to be checked in a few milliseconds: the same
 * checks as set-based SQL cost several times more than storing the rows.
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "error_quote.h"
#include "track_decisions.h"
#include "track_duplicates.h"
#include "track_ids.h"

PG_FUNCTION_INFO_V1(convert_track_parse);

#define TRACK_PT400 MAKE_SQLSTATE('P', 'T', '4', '0', '0')
#define TRACK_PT413 MAKE_SQLSTATE('P', 'T', '4', '1', '3')
#define TRACK_REJECTED "The tracking batch was rejected; none of its events were stored."

/*
 * Longest visitor id and transaction id, in bytes: both are keys of btree
 * indexes, whose entries must stay well under PostgreSQL's limit (about
 * 2.7 kB); longer ones would fail the whole batch late and for good.
 */
#define TRACK_MAX_ID_BYTES 1024

/*
 * Largest free-form objects, in bytes of their jsonb form (README.md,
 * ## Tracking): a visitor's segments and a conversion's goalData.  They
 * bound what one request can make the server store and compute.
 */
#define TRACK_MAX_SEGMENTS_BYTES 65536
#define TRACK_MAX_GOAL_DATA_BYTES 16384

/* Output columns, in the order of the SQL declaration. */
enum
{
	COL_VI, COL_EI, COL_VISITOR_ID, COL_SEGMENTS, COL_EVENT_TYPE,
	COL_EXPERIENCE_ID, COL_VARIATION_ID, COL_GOAL_ID, COL_GOAL_DATA,
	COL_BUCKETING_DATA, COL_BATCH_BUCKETING, COL_AMOUNT, COL_PRODUCTS_COUNT,
	COL_TRANSACTION_ID, COL_REPEATED, NUM_COLS
};

/* Where the walk is, for messages: visitors[vi] or visitors[vi].events[ei]. */
typedef struct TrackPos
{
	int			vi;
	int			ei;				/* -1 at visitor level */
} TrackPos;

/* "visitors[3].events[0]" (or "visitors[3]" at visitor level). */
static void
append_position(StringInfo msg, const TrackPos *pos)
{
	appendStringInfo(msg, "visitors[%d]", pos->vi);
	if (pos->ei >= 0)
		appendStringInfo(msg, ".events[%d]", pos->ei);
}

static void track_fail(const TrackPos *pos, const char *fmt,...) pg_attribute_printf(2, 3) pg_attribute_noreturn();

/* Reject the batch: the position, then the field path and problem. */
static void
track_fail(const TrackPos *pos, const char *fmt,...)
{
	StringInfoData msg;

	initStringInfo(&msg);
	append_position(&msg, pos);
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&msg, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&msg, needed);
	}
	ereport(ERROR,
			(errcode(TRACK_PT400),
			 errmsg_internal("%s", msg.data),
			 errdetail(TRACK_REJECTED)));
}

static const char *
json_type_name(const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return "null";
		case jbvString:
			return "string";
		case jbvNumeric:
			return "number";
		case jbvBool:
			return "boolean";
		case jbvArray:
			return "array";
		case jbvBinary:
			return JsonContainerIsArray(v->val.binary.data) ? "array" : "object";
		default:				/* jbvObject: values read from jsonb are never one */
			return "object";
	}
}

static bool
is_array(const JsonbValue *v)
{
	return v->type == jbvBinary && JsonContainerIsArray(v->val.binary.data);
}

static bool
is_object(const JsonbValue *v)
{
	return v->type == jbvBinary && JsonContainerIsObject(v->val.binary.data);
}

/* "must be a string, got number" */
static const char *
type_problem(const JsonbValue *v, const char *expected)
{
	const char *article = (expected[0] == 'a' || expected[0] == 'o') ? "an" : "a";

	return psprintf("must be %s %s, got %s", article, expected, json_type_name(v));
}

/* Member `key` of an object container, or NULL when absent. */
static JsonbValue *
member(JsonbContainer *obj, const char *key)
{
	JsonbValue *res = palloc(sizeof(JsonbValue));

	if (getKeyJsonValueFromContainer(obj, key, strlen(key), res) == NULL)
	{
		pfree(res);
		return NULL;
	}
	return res;
}

/* A string value as a JSON string literal, cut for messages. */
static char *
quoted(const JsonbValue *v)
{
	return error_json_quote(v->val.string.val, v->val.string.len);
}

static void too_big(const TrackPos *pos, const char *field, int bytes, int limit) pg_attribute_noreturn();

/* PT413 for a free-form object over its limit. */
static void
too_big(const TrackPos *pos, const char *field, int bytes, int limit)
{
	StringInfoData msg;

	initStringInfo(&msg);
	append_position(&msg, pos);
	appendStringInfo(&msg, "%s: %d bytes exceed the limit of %d bytes", field, bytes, limit);
	ereport(ERROR,
			(errcode(TRACK_PT413),
			 errmsg_internal("%s", msg.data),
			 errdetail(TRACK_REJECTED),
			 errhint("Send smaller objects; the limits are listed in the documentation of convert.track.")));
}

/* The project's id written in a JSON string, or NULL. */
static TrackIdEntry *
find_id(HTAB *ids, TrackIdKind kind, const JsonbValue *str)
{
	return track_ids_find(ids, kind, str->val.string.val, str->val.string.len);
}

/*
 * An experience/variation pair of the project.  Returns NULL when valid,
 * else the problem; `field_exp`/`field_var` prefix it with the field path.
 */
static char *
variation_problem(HTAB *ids, const JsonbValue *exp, const JsonbValue *var,
				  const char *field_exp, const char *field_var, bool allow_archived,
				  int64 *exp_id, int64 *var_id)
{
	TrackIdEntry *e = find_id(ids, TRACK_ID_EXPERIENCE, exp);
	TrackIdEntry *v;

	if (e == NULL)
	{
		if (allow_archived && find_id(ids, TRACK_ID_ARCHIVED, exp) != NULL)
			return NULL;
		return psprintf("%s: unknown experience %s", field_exp, quoted(exp));
	}
	v = find_id(ids, TRACK_ID_VARIATION, var);
	if (v == NULL || v->experience_id != e->key.id)
		return psprintf("%s: variation %s is not a variation of experience %s",
						field_var, quoted(var), quoted(exp));
	*exp_id = e->key.id;
	*var_id = v->key.id;
	return NULL;
}

/* One {key, value} item of goalData: the schema's keys carry typed values. */
static void
check_goal_item(const TrackPos *pos, int k, JsonbValue *item)
{
	JsonbValue *key,
			   *value;
	char	   *name;

	if (!is_object(item))
		track_fail(pos, ".data.goalData[%d]: %s", k, type_problem(item, "object"));
	key = member(item->val.binary.data, "key");
	if (key == NULL)
		track_fail(pos, ".data.goalData[%d].key: is missing", k);
	if (key->type != jbvString)
		track_fail(pos, ".data.goalData[%d].key: %s", k, type_problem(key, "string"));
	value = member(item->val.binary.data, "value");
	if (value == NULL)
		track_fail(pos, ".data.goalData[%d].value: is missing", k);
	if (value->type == jbvNull)		/* the SDK serialises NaN as null */
		return;
	name = pnstrdup(key->val.string.val, key->val.string.len);
	if ((strcmp(name, "amount") == 0 || strcmp(name, "productsCount") == 0)
		&& value->type != jbvNumeric)
		track_fail(pos, ".data.goalData[%d].value: %s must be a number, got %s",
				   k, name, json_type_name(value));
	if (strcmp(name, "transactionId") == 0
		&& value->type != jbvString && value->type != jbvNumeric)
		track_fail(pos, ".data.goalData[%d].value: transactionId must be a string or a number, got %s",
				   k, json_type_name(value));
	if (strcmp(name, "transactionId") == 0 && value->type == jbvString
		&& value->val.string.len > TRACK_MAX_ID_BYTES)
		track_fail(pos, ".data.goalData[%d].value: transactionId is longer than %d bytes",
				   k, TRACK_MAX_ID_BYTES);
	if (strncmp(name, "customDimension", 15) == 0 && name[15] >= '1' && name[15] <= '5'
		&& name[16] == '\0' && value->type != jbvString && value->type != jbvNumeric)
	{
		bool		ok = is_array(value);

		for (uint32 i = 0; ok && i < JsonContainerSize(value->val.binary.data); i++)
		{
			CHECK_FOR_INTERRUPTS();
			ok = getIthJsonbValueFromContainer(value->val.binary.data, i)->type == jbvString;
		}
		if (!ok)
			track_fail(pos, ".data.goalData[%d].value: %s must be a string, a number or an array of strings, got %s",
					   k, name, json_type_name(value));
	}
}

/* The first non-null value given for `key` in a checked goalData, or NULL. */
static JsonbValue *
goal_value(JsonbContainer *goal_data, const char *key)
{
	for (uint32 i = 0; i < JsonContainerSize(goal_data); i++)
	{
		JsonbValue *item = getIthJsonbValueFromContainer(goal_data, i);
		JsonbValue *k = member(item->val.binary.data, "key");
		JsonbValue *v = member(item->val.binary.data, "value");

		CHECK_FOR_INTERRUPTS();
		if (k->val.string.len == (int) strlen(key)
			&& memcmp(k->val.string.val, key, k->val.string.len) == 0
			&& v->type != jbvNull)
			return v;
	}
	return NULL;
}

static void
check_bucketing_data(const TrackPos *pos, HTAB *ids, JsonbValue *data)
{
	JsonbIterator *it;
	JsonbValue	key,
				value;
	JsonbIteratorToken tok;

	if (!is_object(data))
		track_fail(pos, ".data.bucketingData: %s", type_problem(data, "object"));
	it = JsonbIteratorInit(data->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &key, true)) != WJB_DONE)
	{
		char	   *path,
				   *problem;
		int64		e,
					v;

		CHECK_FOR_INTERRUPTS();
		if (tok != WJB_KEY)
			continue;
		JsonbIteratorNext(&it, &value, true);
		path = psprintf(".data.bucketingData[%s]", quoted(&key));
		if (value.type != jbvString)
			track_fail(pos, "%s: %s", path, type_problem(&value, "string"));
		problem = variation_problem(ids, &key, &value, path, path, true, &e, &v);
		if (problem != NULL)
			track_fail(pos, "%s", problem);
	}
}

/* Values of a batch's output row, filled per event. */
typedef struct TrackRow
{
	Datum		values[NUM_COLS];
	bool		nulls[NUM_COLS];
} TrackRow;

static void
parse_bucketing(const TrackPos *pos, HTAB *ids, JsonbContainer *data, TrackRow *row,
				TrackDecisions *seen)
{
	JsonbValue *exp = member(data, "experienceId");
	JsonbValue *var = member(data, "variationId");
	char	   *problem;
	int64		e = 0,
				v = 0;

	if (exp == NULL || exp->type != jbvString)
		track_fail(pos, ".data.experienceId: %s",
				   exp == NULL ? "is missing" : type_problem(exp, "string"));
	if (var == NULL || var->type != jbvString)
		track_fail(pos, ".data.variationId: %s",
				   var == NULL ? "is missing" : type_problem(var, "string"));
	problem = variation_problem(ids, exp, var, ".data.experienceId", ".data.variationId",
								false, &e, &v);
	if (problem != NULL)
		track_fail(pos, "%s", problem);
	row->values[COL_EXPERIENCE_ID] = Int64GetDatum(e);
	row->values[COL_VARIATION_ID] = Int64GetDatum(v);
	row->nulls[COL_EXPERIENCE_ID] = row->nulls[COL_VARIATION_ID] = false;
	track_decisions_add(seen, e, v);
}

static void
parse_conversion(const TrackPos *pos, HTAB *ids, JsonbContainer *data, TrackRow *row,
				 TrackDecisions *seen)
{
	JsonbValue *goal = member(data, "goalId");
	JsonbValue *goal_data = member(data, "goalData");
	JsonbValue *bucketing = member(data, "bucketingData");
	TrackIdEntry    *g;

	if (goal == NULL || goal->type != jbvString)
		track_fail(pos, ".data.goalId: %s",
				   goal == NULL ? "is missing" : type_problem(goal, "string"));
	g = find_id(ids, TRACK_ID_GOAL, goal);
	if (g == NULL)
		track_fail(pos, ".data.goalId: unknown goal %s", quoted(goal));
	row->values[COL_GOAL_ID] = Int64GetDatum(g->key.id);
	row->nulls[COL_GOAL_ID] = false;

	if (goal_data != NULL)
	{
		JsonbValue *v;
		Jsonb	   *stored;

		if (!is_array(goal_data))
			track_fail(pos, ".data.goalData: %s", type_problem(goal_data, "array"));
		stored = JsonbValueToJsonb(goal_data);
		if (VARSIZE(stored) > TRACK_MAX_GOAL_DATA_BYTES)
			too_big(pos, ".data.goalData", VARSIZE(stored), TRACK_MAX_GOAL_DATA_BYTES);
		for (uint32 k = 0; k < JsonContainerSize(goal_data->val.binary.data); k++)
		{
			CHECK_FOR_INTERRUPTS();
			check_goal_item(pos, k, getIthJsonbValueFromContainer(goal_data->val.binary.data, k));
		}
		row->values[COL_GOAL_DATA] = JsonbPGetDatum(stored);
		row->nulls[COL_GOAL_DATA] = false;
		if ((v = goal_value(goal_data->val.binary.data, "amount")) != NULL)
			row->values[COL_AMOUNT] = NumericGetDatum(v->val.numeric);
		row->nulls[COL_AMOUNT] = (v == NULL);
		if ((v = goal_value(goal_data->val.binary.data, "productsCount")) != NULL)
			row->values[COL_PRODUCTS_COUNT] = NumericGetDatum(v->val.numeric);
		row->nulls[COL_PRODUCTS_COUNT] = (v == NULL);
		if ((v = goal_value(goal_data->val.binary.data, "transactionId")) != NULL)
			row->values[COL_TRANSACTION_ID] = v->type == jbvString
				? PointerGetDatum(cstring_to_text_with_len(v->val.string.val, v->val.string.len))
				: PointerGetDatum(cstring_to_text(DatumGetCString(
					DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)))));
		row->nulls[COL_TRANSACTION_ID] = (v == NULL);
	}
	if (bucketing != NULL)
	{
		check_bucketing_data(pos, ids, bucketing);
		row->values[COL_BUCKETING_DATA] = JsonbPGetDatum(JsonbValueToJsonb(bucketing));
		row->nulls[COL_BUCKETING_DATA] = false;
	}
	if (!track_decisions_empty(seen))
	{
		row->values[COL_BATCH_BUCKETING] = track_decisions_jsonb(seen);
		row->nulls[COL_BATCH_BUCKETING] = false;
	}
}

/* The one rejection with a hint: the list of event types is short. */
static void unknown_event_type(const TrackPos *pos, const JsonbValue *type) pg_attribute_noreturn();

static void
unknown_event_type(const TrackPos *pos, const JsonbValue *type)
{
	StringInfoData msg;

	initStringInfo(&msg);
	append_position(&msg, pos);
	appendStringInfo(&msg, ".eventType: unknown event type %s", quoted(type));
	ereport(ERROR,
			(errcode(TRACK_PT400),
			 errmsg_internal("%s", msg.data),
			 errdetail(TRACK_REJECTED),
			 errhint("Event types are \"bucketing\" and \"conversion\".")));
}

/* One event: checked, then emitted as a row. */
static void
parse_event(const TrackPos *pos, HTAB *ids, JsonbValue *event, TrackRow *row,
			TrackDecisions *seen)
{
	JsonbValue *type,
			   *data;

	if (!is_object(event))
		track_fail(pos, ": %s", type_problem(event, "object"));
	type = member(event->val.binary.data, "eventType");
	if (type == NULL || type->type != jbvString)
		track_fail(pos, ".eventType: %s",
				   type == NULL ? "is missing" : type_problem(type, "string"));
	data = member(event->val.binary.data, "data");
	if (type->val.string.len == 9 && memcmp(type->val.string.val, "bucketing", 9) == 0)
	{
		if (data == NULL || !is_object(data))
			track_fail(pos, ".data: %s", data == NULL ? "is missing" : type_problem(data, "object"));
		parse_bucketing(pos, ids, data->val.binary.data, row, seen);
	}
	else if (type->val.string.len == 10 && memcmp(type->val.string.val, "conversion", 10) == 0)
	{
		if (data == NULL || !is_object(data))
			track_fail(pos, ".data: %s", data == NULL ? "is missing" : type_problem(data, "object"));
		parse_conversion(pos, ids, data->val.binary.data, row, seen);
	}
	else
		unknown_event_type(pos, type);
	row->values[COL_EVENT_TYPE] = PointerGetDatum(cstring_to_text_with_len(type->val.string.val,
																		   type->val.string.len));
}

/* The visitor's own fields; returns its events container. */
static JsonbContainer *
check_visitor(const TrackPos *pos, JsonbValue *visitor, JsonbValue **id, JsonbValue **segments)
{
	JsonbValue *events;

	if (!is_object(visitor))
		track_fail(pos, ": %s", type_problem(visitor, "object"));
	*id = member(visitor->val.binary.data, "visitorId");
	if (*id == NULL || (*id)->type != jbvString)
		track_fail(pos, ".visitorId: %s", *id == NULL ? "is missing" : type_problem(*id, "string"));
	if ((*id)->val.string.len == 0)
		track_fail(pos, ".visitorId: must not be empty");
	if ((*id)->val.string.len > TRACK_MAX_ID_BYTES)
		track_fail(pos, ".visitorId: is longer than %d bytes", TRACK_MAX_ID_BYTES);
	events = member(visitor->val.binary.data, "events");
	if (events == NULL || !is_array(events))
		track_fail(pos, ".events: %s", events == NULL ? "is missing" : type_problem(events, "array"));
	*segments = member(visitor->val.binary.data, "segments");
	if (*segments != NULL && !is_object(*segments))
		track_fail(pos, ".segments: %s", type_problem(*segments, "object"));
	return events->val.binary.data;
}

/* Whether the row repeats an earlier event of the batch (see DupKey). */
static bool
repeated_in_batch(HTAB *dups, MemoryContext cxt, const TrackRow *row, const JsonbValue *visitor)
{
	if (!row->nulls[COL_EXPERIENCE_ID])
		return track_duplicates_seen(dups, cxt, 'b', DatumGetInt64(row->values[COL_EXPERIENCE_ID]),
						   DatumGetInt64(row->values[COL_VARIATION_ID]),
						   visitor->val.string.val, visitor->val.string.len);
	if (row->nulls[COL_GOAL_DATA])
		return track_duplicates_seen(dups, cxt, 'g', DatumGetInt64(row->values[COL_GOAL_ID]), 0,
						   visitor->val.string.val, visitor->val.string.len);
	if (!row->nulls[COL_TRANSACTION_ID])
	{
		text	   *t = DatumGetTextPP(row->values[COL_TRANSACTION_ID]);

		return track_duplicates_seen(dups, cxt, 't', DatumGetInt64(row->values[COL_GOAL_ID]), 0,
						   VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
	}
	return false;				/* other revenue events are never duplicates */
}

/* PT413 before any other check, so that an oversized batch costs little. */
static void
check_limits(JsonbContainer *visitors, int max_visitors, int max_events)
{
	int64		nvisitors = JsonContainerSize(visitors);
	int64		nevents = 0;

	if (nvisitors > max_visitors)
		ereport(ERROR,
				(errcode(TRACK_PT413),
				 errmsg("visitors: %lld visitors exceed the limit of %d per batch",
						(long long) nvisitors, max_visitors),
				 errdetail(TRACK_REJECTED),
				 errhint("Send the events in smaller batches.")));
	for (int64 i = 0; i < nvisitors; i++)
	{
		JsonbValue *v = getIthJsonbValueFromContainer(visitors, i);
		JsonbValue *events = is_object(v) ? member(v->val.binary.data, "events") : NULL;

		CHECK_FOR_INTERRUPTS();
		if (events != NULL && is_array(events))
			nevents += JsonContainerSize(events->val.binary.data);
	}
	if (nevents > max_events)
		ereport(ERROR,
				(errcode(TRACK_PT413),
				 errmsg("visitors: %lld events exceed the limit of %d per batch",
						(long long) nevents, max_events),
				 errdetail(TRACK_REJECTED),
				 errhint("Send the events in smaller batches.")));
}

Datum
convert_track_parse(PG_FUNCTION_ARGS)
{
	int64		project_id = PG_GETARG_INT64(0);
	Jsonb	   *visitors = PG_GETARG_JSONB_P(1);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	HTAB	   *ids;
	HTAB	   *dups;
	TrackPos	pos;
	MemoryContext outer_cxt,
				visitor_cxt,
				event_cxt;

	if (!JB_ROOT_IS_ARRAY(visitors) || JB_ROOT_IS_SCALAR(visitors))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("visitors must be a JSON array")));
	check_limits(&visitors->root, PG_GETARG_INT32(2), PG_GETARG_INT32(3));
	InitMaterializedSRF(fcinfo, 0);
	ids = track_ids_load(project_id);
	dups = track_duplicates_create();

	/*
	 * Per-visitor and per-event scratch memory, reset as the walk goes.
	 * Siblings, not parent and child: resetting a context deletes its
	 * children, and the event context must outlive each visitor reset.
	 */
	visitor_cxt = AllocSetContextCreate(CurrentMemoryContext, "convert track visitor",
										ALLOCSET_DEFAULT_SIZES);
	event_cxt = AllocSetContextCreate(CurrentMemoryContext, "convert track event",
									  ALLOCSET_DEFAULT_SIZES);
	outer_cxt = MemoryContextSwitchTo(visitor_cxt);
	for (pos.vi = 0; pos.vi < (int) JsonContainerSize(&visitors->root); pos.vi++)
	{
		JsonbValue *id,
				   *segments;
		JsonbContainer *events;
		TrackDecisions *seen;
		Datum		visitor_id,
					segments_jsonb = (Datum) 0;

		CHECK_FOR_INTERRUPTS();
		MemoryContextReset(visitor_cxt);
		pos.ei = -1;
		events = check_visitor(&pos, getIthJsonbValueFromContainer(&visitors->root, pos.vi),
							   &id, &segments);
		visitor_id = PointerGetDatum(cstring_to_text_with_len(id->val.string.val,
															  id->val.string.len));
		if (segments != NULL)
		{
			Jsonb	   *stored = JsonbValueToJsonb(segments);

			if (VARSIZE(stored) > TRACK_MAX_SEGMENTS_BYTES)
				too_big(&pos, ".segments", VARSIZE(stored), TRACK_MAX_SEGMENTS_BYTES);
			segments_jsonb = JsonbPGetDatum(stored);
		}
		seen = track_decisions_create(visitor_cxt);
		for (pos.ei = 0; pos.ei < (int) JsonContainerSize(events); pos.ei++)
		{
			TrackRow	row;

			CHECK_FOR_INTERRUPTS();
			MemoryContextSwitchTo(event_cxt);
			memset(row.nulls, true, sizeof(row.nulls));
			row.values[COL_VI] = Int32GetDatum(pos.vi);
			row.values[COL_EI] = Int32GetDatum(pos.ei);
			row.values[COL_VISITOR_ID] = visitor_id;
			row.values[COL_SEGMENTS] = segments_jsonb;
			row.nulls[COL_VI] = row.nulls[COL_EI] = row.nulls[COL_VISITOR_ID] = false;
			/* once per visitor entry: the caller stores them once */
			row.nulls[COL_SEGMENTS] = (segments == NULL || pos.ei > 0);
			parse_event(&pos, ids, getIthJsonbValueFromContainer(events, pos.ei), &row, seen);
			row.nulls[COL_EVENT_TYPE] = false;
			row.values[COL_REPEATED] = BoolGetDatum(repeated_in_batch(dups, outer_cxt, &row, id));
			row.nulls[COL_REPEATED] = false;
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, row.values, row.nulls);
			MemoryContextSwitchTo(visitor_cxt);
			MemoryContextReset(event_cxt);
		}
	}
	MemoryContextSwitchTo(outer_cxt);
	MemoryContextDelete(event_cxt);
	MemoryContextDelete(visitor_cxt);
	return (Datum) 0;
}
