/*
 * track_decisions.h — the bucketing decisions seen so far in one visitor
 * entry of a tracking batch, latest per experience, and their
 * {experienceId: variationId} jsonb for the conversions that follow.  The
 * jsonb is rebuilt only after a decision changed, so a batch costs time
 * linear in its events (not in events times earlier decisions).
 */
#ifndef CONVERT_PG_TRACK_DECISIONS_H
#define CONVERT_PG_TRACK_DECISIONS_H

#include "postgres.h"

typedef struct TrackDecisions TrackDecisions;

/* An empty set, allocated (with all it later holds) in cxt. */
extern TrackDecisions *track_decisions_create(MemoryContext cxt);

/* Record that the visitor was bucketed into variation_id of experience_id. */
extern void track_decisions_add(TrackDecisions *d, int64 experience_id, int64 variation_id);

/* Whether no decision was recorded. */
extern bool track_decisions_empty(const TrackDecisions *d);

/* The decisions as a jsonb object (a datum owned by the set's context). */
extern Datum track_decisions_jsonb(TrackDecisions *d);

#endif
