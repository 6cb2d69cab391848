/*
 * decision_cache.h — a compiled config ready for decisions, cached in
 * fn_extra across the rows of one query.
 *
 * The cache is keyed by the argument's bytes as passed (a toast pointer, a
 * compressed or a plain datum), so a backfill that passes one config for
 * every row detoasts and prepares it once, and a different config value
 * replaces it.  It holds a detoasted copy of the datum, the core's
 * runtime (rule runtimes, malloc'd; freed by a memory-context callback)
 * and the result objects as jsonb templates, built on first use.
 */
#ifndef CONVERT_PG_DECISION_CACHE_H
#define CONVERT_PG_DECISION_CACHE_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/jsonb.h"

#include "config/config.h"

typedef struct DecisionCache
{
	MemoryContext mcxt;			/* everything below; reset on a new config */
	Size		raw_size;
	char	   *raw;			/* the argument's bytes as passed */
	char	   *datum;			/* detoasted copy */
	const void *blob;
	cv_config_runtime *rt;
	Jsonb	  **stored;			/* per variation: no bucketingAllocation */
	Jsonb	  **fresh;			/* per variation: allocation 1, patched per row */
	Jsonb	  **fresh_zero;		/* per variation: allocation 0 */
	int32	   *alloc_offset;	/* where that numeric sits, or -1 */
	Jsonb	 ***entries;		/* per change, per cast count */
	Jsonb	  **disabled;		/* per feature */
	Jsonb	   *empty_object;
	Jsonb	   *not_decided;
	MemoryContextCallback free_cb;
} DecisionCache;

/* The cache for argument argno of this call site, filled for its value. */
extern DecisionCache *decision_cache_get(FunctionCallInfo fcinfo, int argno);

/* A jsonb from UTF-8 JSON text (produced by the core), in mcxt. */
extern Jsonb *jsonb_from_utf8(MemoryContext mcxt, const char *json, size_t len);

#endif
