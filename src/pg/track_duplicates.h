/*
 * track_duplicates.h — keys of the events seen so far in one tracking
 * batch, to mark repeats within the batch (docs/tracking.md): a
 * bucketing event repeats visitor + experience + variation, a plain
 * conversion visitor + goal, a transaction goal + transactionId.
 */
#ifndef CONVERT_PG_TRACK_DUPLICATES_H
#define CONVERT_PG_TRACK_DUPLICATES_H

#include "postgres.h"

#include "utils/hsearch.h"

/* An empty set of keys in the current memory context. */
extern HTAB *track_duplicates_create(void);

/*
 * Whether the key (a kind letter, two ids, a text) was seen before; adds it
 * if not.  New keys are copied into `cxt`, which must outlive the set.
 */
extern bool track_duplicates_seen(HTAB *dups, MemoryContext cxt, char kind, int64 a, int64 b,
								  const char *text, Size textlen);

#endif
