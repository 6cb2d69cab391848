/*
 * track_payload.c — the visitors array of a tracking payload
 * (docs/sdk-behaviour.md, "Tracking requests"), validated and flattened into one row per
 * event:
 *
 *   convert_internal.track_parse(project_id bigint, visitors jsonb,
 *                       max_visitors int, max_events int) → SETOF record
 *
 * Validation happens in the same single pass that produces the rows, in
 * payload order, and the first problem is raised with its JSON path
 * ("visitors[3].events[0].eventType: unknown event type \"bucketin\"") as
 * SQLSTATE PT400 (PT413 for a batch over the limits).  The checks
 * themselves are the core's (src/core/track/track_check.c, which the fuzzer
 * runs too), read through the jsonb view; this file adds what needs the
 * server: the project's ids, read once per call into a hash table, the
 * size limits of the jsonb objects kept, and the rows.  Written in C
 * because a batch of thousands of events has to be checked in a few
 * milliseconds: the same checks as set-based SQL cost several times more
 * than storing the rows.
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "jsonb_view.h"
#include "track/track_check.h"
#include "track_decisions.h"
#include "track_duplicates.h"
#include "track_ids.h"
#include "utf8_text.h"

PG_FUNCTION_INFO_V1(convert_track_parse);

#define TRACK_PT400 MAKE_SQLSTATE('P', 'T', '4', '0', '0')
#define TRACK_PT413 MAKE_SQLSTATE('P', 'T', '4', '1', '3')
#define TRACK_REJECTED "The tracking batch was rejected; none of its events were stored."

/*
 * Largest free-form objects, in bytes of their jsonb form (docs/tracking.md,
 * "Payload accepted"): a visitor's segments and a conversion's goalData.  They
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

/* Values of a batch's output row, filled per event. */
typedef struct TrackRow
{
	Datum		values[NUM_COLS];
	bool		nulls[NUM_COLS];
} TrackRow;

static void reject(const cv_track_error *err) pg_attribute_noreturn();

/* Reject the batch with the core's status, message and hint. */
static void
reject(const cv_track_error *err)
{
	const char *msg = pg_any_to_server(err->message, strlen(err->message), PG_UTF8);

	ereport(ERROR,
			(errcode(err->status == 413 ? TRACK_PT413 : TRACK_PT400),
			 errmsg_internal("%s", msg),
			 errdetail(TRACK_REJECTED),
			 err->hint ? errhint("%s", err->hint) : 0));
}

static void too_big(int vi, int ei, const char *field, int bytes, int limit) pg_attribute_noreturn();

/* PT413 for a free-form object over its limit (ei -1: at visitor level). */
static void
too_big(int vi, int ei, const char *field, int bytes, int limit)
{
	StringInfoData msg;

	initStringInfo(&msg);
	appendStringInfo(&msg, "visitors[%d]", vi);
	if (ei >= 0)
		appendStringInfo(&msg, ".events[%d]", ei);
	appendStringInfo(&msg, "%s: %d bytes exceed the limit of %d bytes", field, bytes, limit);
	ereport(ERROR,
			(errcode(TRACK_PT413),
			 errmsg_internal("%s", msg.data),
			 errdetail(TRACK_REJECTED),
			 errhint("Send smaller objects; the limits are listed in the documentation of convert.track.")));
}

/* An object's members in jsonb's order, for the core's checks. */
static bool
jsonb_object_each(const void *node, bool (*each) (void *arg, const cv_jv *key, const cv_jv *value),
				  void *arg)
{
	JsonbIterator *it = JsonbIteratorInit((JsonbContainer *) node);
	JsonbValue	k;
	JsonbIteratorToken tok;

	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		Utf8Bytes	name;
		cv_jv		key,
					value;

		CHECK_FOR_INTERRUPTS();
		if (tok != WJB_KEY)
			continue;
		name = server_string_utf8_bytes(k.val.string.val, k.val.string.len);
		key = cv_jv_string(name.data, (size_t) name.len);
		if (!jsonb_view_ops.object_get(node, name.data, (size_t) name.len, &value))
			continue;			/* cannot happen: the key was just read */
		if (!each(arg, &key, &value))
			return false;
	}
	return true;
}

static const cv_track_json track_json = {&jsonb_view_ops, jsonb_object_each};

/* The project's ids (track_ids.h) for the core's checks. */
static bool
find_id(void *ctx, cv_track_id_kind kind, const char *text, size_t len,
		int64_t *id, int64_t *experience)
{
	static const TrackIdKind kinds[] = {
		[CV_TRACK_EXPERIENCE] = TRACK_ID_EXPERIENCE, [CV_TRACK_VARIATION] = TRACK_ID_VARIATION,
		[CV_TRACK_GOAL] = TRACK_ID_GOAL, [CV_TRACK_ARCHIVED] = TRACK_ID_ARCHIVED
	};
	TrackIdEntry *e = track_ids_find((HTAB *) ctx, kinds[kind], text, (int) len);

	if (e == NULL)
		return false;
	*id = e->key.id;
	*experience = e->experience_id;
	return true;
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

/* The value of goalData item k (checked by the core), or NULL for -1. */
static JsonbValue *
goal_item_value(JsonbContainer *goal_data, int k)
{
	if (k < 0)
		return NULL;
	return member(getIthJsonbValueFromContainer(goal_data, (uint32) k)->val.binary.data, "value");
}

/* The conversion's columns, from its (checked) data object. */
static void
conversion_row(int vi, int ei, JsonbContainer *data, const cv_track_event *ev,
			   TrackDecisions *seen, TrackRow *row)
{
	row->values[COL_GOAL_ID] = Int64GetDatum(ev->goal_id);
	row->nulls[COL_GOAL_ID] = false;
	if (ev->has_goal_data)
	{
		JsonbValue *goal_data = member(data, "goalData");
		Jsonb	   *stored = JsonbValueToJsonb(goal_data);
		JsonbValue *v;

		if (VARSIZE(stored) > TRACK_MAX_GOAL_DATA_BYTES)
			too_big(vi, ei, ".data.goalData", VARSIZE(stored), TRACK_MAX_GOAL_DATA_BYTES);
		row->values[COL_GOAL_DATA] = JsonbPGetDatum(stored);
		row->nulls[COL_GOAL_DATA] = false;
		if ((v = goal_item_value(goal_data->val.binary.data, ev->amount_item)) != NULL)
			row->values[COL_AMOUNT] = NumericGetDatum(v->val.numeric);
		row->nulls[COL_AMOUNT] = (v == NULL);
		if ((v = goal_item_value(goal_data->val.binary.data, ev->products_count_item)) != NULL)
			row->values[COL_PRODUCTS_COUNT] = NumericGetDatum(v->val.numeric);
		row->nulls[COL_PRODUCTS_COUNT] = (v == NULL);
		if ((v = goal_item_value(goal_data->val.binary.data, ev->transaction_id_item)) != NULL)
			row->values[COL_TRANSACTION_ID] = v->type == jbvString
				? PointerGetDatum(cstring_to_text_with_len(v->val.string.val, v->val.string.len))
				: PointerGetDatum(cstring_to_text(DatumGetCString(
					DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)))));
		row->nulls[COL_TRANSACTION_ID] = (v == NULL);
	}
	if (ev->has_bucketing_data)
	{
		row->values[COL_BUCKETING_DATA] = JsonbPGetDatum(JsonbValueToJsonb(member(data, "bucketingData")));
		row->nulls[COL_BUCKETING_DATA] = false;
	}
	if (!track_decisions_empty(seen))
	{
		row->values[COL_BATCH_BUCKETING] = track_decisions_jsonb(seen);
		row->nulls[COL_BATCH_BUCKETING] = false;
	}
}

/* One event: checked by the core, then its columns. */
static void
event_row(int vi, int ei, const cv_jv *event, HTAB *ids, TrackDecisions *seen, TrackRow *row)
{
	cv_track_project project = {ids, find_id};
	cv_track_event ev;
	cv_track_error err;
	JsonbContainer *data;

	if (!cv_track_check_event(event, vi, ei, &track_json, &project, &ev, &err))
		reject(&err);
	data = member((JsonbContainer *) event->node, "data")->val.binary.data;
	row->values[COL_EVENT_TYPE] = PointerGetDatum(cstring_to_text(ev.bucketing ? "bucketing" : "conversion"));
	row->nulls[COL_EVENT_TYPE] = false;
	if (ev.bucketing)
	{
		row->values[COL_EXPERIENCE_ID] = Int64GetDatum(ev.experience_id);
		row->values[COL_VARIATION_ID] = Int64GetDatum(ev.variation_id);
		row->nulls[COL_EXPERIENCE_ID] = row->nulls[COL_VARIATION_ID] = false;
		track_decisions_add(seen, ev.experience_id, ev.variation_id);
	}
	else
		conversion_row(vi, ei, data, &ev, seen, row);
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

/* convert_internal.track_parse: check a batch's visitors and return one row
 * per event. */
Datum
convert_track_parse(PG_FUNCTION_ARGS)
{
	int64		project_id = PG_GETARG_INT64(0);
	Jsonb	   *visitors = PG_GETARG_JSONB_P(1);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	HTAB	   *ids;
	HTAB	   *dups;
	cv_jv		root;
	cv_track_error err;
	MemoryContext outer_cxt,
				visitor_cxt,
				event_cxt;

	if (!JB_ROOT_IS_ARRAY(visitors) || JB_ROOT_IS_SCALAR(visitors))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("visitors must be a JSON array")));
	root = jsonb_view_root(visitors);
	/* PT413 before any other check, so that an oversized batch costs little. */
	if (!cv_track_check_limits(&root, &track_json, PG_GETARG_INT32(2), PG_GETARG_INT32(3), &err))
		reject(&err);
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
	for (int vi = 0; vi < (int) JsonContainerSize(&visitors->root); vi++)
	{
		cv_jv		visitor;
		cv_track_visitor checked;
		JsonbContainer *obj;
		JsonbValue *id,
				   *segments;
		TrackDecisions *seen;
		Datum		visitor_id,
					segments_jsonb = (Datum) 0;

		CHECK_FOR_INTERRUPTS();
		MemoryContextReset(visitor_cxt);
		if (!jsonb_view_ops.array_get(root.node, vi, &visitor))
			visitor.kind = CV_JV_UNDEFINED;
		if (!cv_track_check_visitor(&visitor, vi, &track_json, &checked, &err))
			reject(&err);
		obj = (JsonbContainer *) visitor.node;
		id = member(obj, "visitorId");
		visitor_id = PointerGetDatum(cstring_to_text_with_len(id->val.string.val,
															  id->val.string.len));
		if ((segments = member(obj, "segments")) != NULL)
		{
			Jsonb	   *stored = JsonbValueToJsonb(segments);

			if (VARSIZE(stored) > TRACK_MAX_SEGMENTS_BYTES)
				too_big(vi, -1, ".segments", VARSIZE(stored), TRACK_MAX_SEGMENTS_BYTES);
			segments_jsonb = JsonbPGetDatum(stored);
		}
		seen = track_decisions_create(visitor_cxt);
		for (int ei = 0; ei < (int) JsonContainerSize((JsonbContainer *) checked.events.node); ei++)
		{
			TrackRow	row;
			cv_jv		event;

			CHECK_FOR_INTERRUPTS();
			MemoryContextSwitchTo(event_cxt);
			memset(row.nulls, true, sizeof(row.nulls));
			row.values[COL_VI] = Int32GetDatum(vi);
			row.values[COL_EI] = Int32GetDatum(ei);
			row.values[COL_VISITOR_ID] = visitor_id;
			row.values[COL_SEGMENTS] = segments_jsonb;
			row.nulls[COL_VI] = row.nulls[COL_EI] = row.nulls[COL_VISITOR_ID] = false;
			/* once per visitor entry: the caller stores them once */
			row.nulls[COL_SEGMENTS] = (segments == NULL || ei > 0);
			if (!jsonb_view_ops.array_get(checked.events.node, ei, &event))
				event.kind = CV_JV_UNDEFINED;
			event_row(vi, ei, &event, ids, seen, &row);
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
