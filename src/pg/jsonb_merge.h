/*
 * jsonb_merge.h — the SDK's objectDeepMerge(stored segments, visitor
 * properties) on jsonb: the later object wins for scalars, nested objects
 * merge recursively, arrays are unioned (new elements first, repeated
 * scalars dropped).
 */
#ifndef CONVERT_PG_JSONB_MERGE_H
#define CONVERT_PG_JSONB_MERGE_H

#include "postgres.h"

#include "utils/jsonb.h"

/* merge(base, over) of two objects, palloc'd in the current context. */
extern Jsonb *jsonb_deep_merge(JsonbContainer *base, JsonbContainer *over);

#endif
