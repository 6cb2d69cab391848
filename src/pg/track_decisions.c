/*
 * track_decisions.c — latest decision per experience of a visitor entry
 * (track_decisions.h).
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "track_decisions.h"

typedef struct DecisionEntry
{
	int64		experience_id;	/* hash key */
	int64		variation_id;
} DecisionEntry;

struct TrackDecisions
{
	MemoryContext cxt;
	HTAB	   *latest;			/* created with the first decision */
	Datum		cached;			/* jsonb of `latest`, or 0 when stale */
};

TrackDecisions *
track_decisions_create(MemoryContext cxt)
{
	TrackDecisions *d = MemoryContextAllocZero(cxt, sizeof(TrackDecisions));

	d->cxt = cxt;
	return d;
}

void
track_decisions_add(TrackDecisions *d, int64 experience_id, int64 variation_id)
{
	DecisionEntry *e;
	bool		found;

	if (d->latest == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(int64);
		ctl.entrysize = sizeof(DecisionEntry);
		ctl.hcxt = d->cxt;
		d->latest = hash_create("convert track decisions", 16, &ctl,
								HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	e = hash_search(d->latest, &experience_id, HASH_ENTER, &found);
	if (found && e->variation_id == variation_id)
		return;					/* a repeated decision changes nothing */
	e->variation_id = variation_id;
	if (d->cached != (Datum) 0)
		pfree(DatumGetPointer(d->cached));
	d->cached = (Datum) 0;
}

bool
track_decisions_empty(const TrackDecisions *d)
{
	return d->latest == NULL;
}

/* Push an int64 written as a JSON string. */
static void
push_id(JsonbParseState **st, JsonbIteratorToken tok, int64 id)
{
	JsonbValue	v;
	char	   *s = psprintf(INT64_FORMAT, id);

	v.type = jbvString;
	v.val.string.val = s;
	v.val.string.len = strlen(s);
	pushJsonbValue(st, tok, &v);
}

Datum
track_decisions_jsonb(TrackDecisions *d)
{
	MemoryContext old;
	JsonbParseState *st = NULL;
	HASH_SEQ_STATUS seq;
	DecisionEntry *e;
	JsonbValue *res;

	if (d->cached != (Datum) 0)
		return d->cached;
	/* built in the caller's (per-event) context; only the result is kept */
	pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	if (d->latest != NULL)
	{
		hash_seq_init(&seq, d->latest);
		while ((e = hash_seq_search(&seq)) != NULL)
		{
			CHECK_FOR_INTERRUPTS();
			push_id(&st, WJB_KEY, e->experience_id);
			push_id(&st, WJB_VALUE, e->variation_id);
		}
	}
	res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	old = MemoryContextSwitchTo(d->cxt);
	d->cached = JsonbPGetDatum(JsonbValueToJsonb(res));
	MemoryContextSwitchTo(old);
	return d->cached;
}
