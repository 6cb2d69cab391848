/*
 * track_ids.h — the experience, variation, goal and archived-experience ids
 * of one project, read once per tracking batch (one query per kind) into a
 * hash table, so that checking thousands of events costs no more queries.
 */
#ifndef CONVERT_PG_TRACK_IDS_H
#define CONVERT_PG_TRACK_IDS_H

#include "postgres.h"

#include "utils/hsearch.h"

typedef enum TrackIdKind
{
	TRACK_ID_EXPERIENCE, TRACK_ID_VARIATION, TRACK_ID_GOAL, TRACK_ID_ARCHIVED
} TrackIdKind;

typedef struct TrackIdKey
{
	int64		id;
	int32		kind;
} TrackIdKey;

typedef struct TrackIdEntry
{
	TrackIdKey	key;
	int64		experience_id;	/* variations: their experience */
} TrackIdEntry;

/* The project's ids, allocated in the current memory context (uses SPI). */
extern HTAB *track_ids_load(int64 project_id);

/*
 * The entry of the id written as text (a Convert id as sent: "100349071"),
 * or NULL when the text is no id or the project has no such id.
 */
extern TrackIdEntry *track_ids_find(HTAB *ids, TrackIdKind kind, const char *text, int len);

#endif
