/*
 * decision_cache.c — the per-call-site cache of a compiled config
 * (decision_cache.h).
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "decision_cache.h"
#include "config_datum.h"

/* fn_mcxt is going away, or the config changes: free the core's memory. */
static void
free_runtime(void *arg)
{
	DecisionCache *cache = arg;

	cv_config_runtime_free(cache->rt);
	cache->rt = NULL;
}

Jsonb *
jsonb_from_utf8(MemoryContext mcxt, const char *json, size_t len)
{
	MemoryContext old = MemoryContextSwitchTo(mcxt);
	char	   *text = pg_any_to_server(pnstrdup(json, len), (int) len, PG_UTF8);
	Jsonb	   *jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text)));

	MemoryContextSwitchTo(old);
	return jb;
}

/* A per-call-site cache of the compiled config, freed with the call's
 * memory context. */
static DecisionCache *
cache_create(FmgrInfo *flinfo)
{
	DecisionCache *cache = MemoryContextAllocZero(flinfo->fn_mcxt, sizeof(DecisionCache));

	cache->mcxt = AllocSetContextCreate(flinfo->fn_mcxt, "convert config cache",
										ALLOCSET_DEFAULT_SIZES);
	cache->free_cb.func = free_runtime;
	cache->free_cb.arg = cache;
	/* Registered on fn_mcxt: it outlives every reset of cache->mcxt. */
	MemoryContextRegisterResetCallback(flinfo->fn_mcxt, &cache->free_cb);
	flinfo->fn_extra = cache;
	return cache;
}

/* Compile a config value into the cache, with room for its variation,
 * change and feature results. */
static void
cache_fill(DecisionCache *cache, struct varlena *raw, Size raw_size)
{
	MemoryContext old = MemoryContextSwitchTo(cache->mcxt);
	struct varlena *detoasted = PG_DETOAST_DATUM_COPY(PointerGetDatum(raw));
	uint32		nvar;
	uint32		nchange;
	uint32		nfeat;

	/* palloc'd: the block behind 8 bytes of header and padding is aligned. */
	if (VARSIZE(detoasted) < CONFIG_BLOB_OFFSET ||
		!cv_config_check(CONFIG_BLOB(detoasted), CONFIG_BLOB_SIZE(detoasted)))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("corrupted convert.config value")));
	cache->datum = (char *) detoasted;
	cache->blob = CONFIG_BLOB(detoasted);
	nvar = cv_config_variation_count(cache->blob);
	nchange = cv_config_change_count(cache->blob);
	nfeat = cv_config_feature_count(cache->blob);
	cache->stored = palloc0(sizeof(Jsonb *) * Max(nvar, 1));
	cache->fresh = palloc0(sizeof(Jsonb *) * Max(nvar, 1));
	cache->fresh_zero = palloc0(sizeof(Jsonb *) * Max(nvar, 1));
	cache->alloc_offset = palloc0(sizeof(int32) * Max(nvar, 1));
	cache->entries = palloc0(sizeof(Jsonb **) * Max(nchange, 1));
	cache->disabled = palloc0(sizeof(Jsonb *) * Max(nfeat, 1));
	cache->empty_object = jsonb_from_utf8(cache->mcxt, "{}", 2);
	cache->not_decided = jsonb_from_utf8(cache->mcxt, "\"" CV_NOT_DECIDED_TEXT "\"",
										 strlen(CV_NOT_DECIDED_TEXT) + 2);
	cache->raw = palloc(raw_size);
	memcpy(cache->raw, raw, raw_size);
	MemoryContextSwitchTo(old);
	/* Last: only a completely filled cache gets a runtime (and is valid). */
	cache->rt = cv_config_runtime_new(cache->blob);
	if (cache->rt == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while preparing a config")));
	cache->raw_size = raw_size;
}

DecisionCache *
decision_cache_get(FunctionCallInfo fcinfo, int argno)
{
	DecisionCache *cache = fcinfo->flinfo->fn_extra;
	struct varlena *raw = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(argno));
	Size		raw_size = VARSIZE_ANY(raw);

	if (cache != NULL && cache->rt != NULL && cache->raw_size == raw_size &&
		memcmp(cache->raw, raw, raw_size) == 0)
		return cache;
	if (cache == NULL)
		cache = cache_create(fcinfo->flinfo);
	/* A failed fill leaves no runtime, so the next call starts over. */
	cv_config_runtime_free(cache->rt);
	cache->rt = NULL;
	cache->raw_size = 0;
	MemoryContextReset(cache->mcxt);
	cache_fill(cache, raw, raw_size);
	return cache;
}
