/*
 * rules_match.c — convert.rules_match(rules, properties) and the
 * per-call-site cache of compiled runtimes.
 */
#include "postgres.h"

#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "jsonb_view.h"
#include "rules_datum.h"

PG_FUNCTION_INFO_V1(convert_rules_match);

typedef struct RulesCache
{
	Size		nbytes;
	char	   *bytes;			/* copy of the datum, in fn_mcxt */
	cv_rules_runtime *runtime;	/* malloc'd by the core */
	MemoryContextCallback free_cb;
} RulesCache;

/* fn_mcxt is going away (end of query, error): free the core's memory. */
static void
rules_cache_free(void *arg)
{
	RulesCache *cache = arg;

	cv_rules_runtime_free(cache->runtime);
	cache->runtime = NULL;
}

/* The call site's cache of compiled rules, created on first use. */
static RulesCache *
rules_cache_get(FmgrInfo *flinfo)
{
	RulesCache *cache = flinfo->fn_extra;

	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(flinfo->fn_mcxt, sizeof(RulesCache));
		cache->free_cb.func = rules_cache_free;
		cache->free_cb.arg = cache;
		MemoryContextRegisterResetCallback(flinfo->fn_mcxt, &cache->free_cb);
		flinfo->fn_extra = cache;
	}
	return cache;
}

cv_rules_runtime *
rules_runtime_cached(FmgrInfo *flinfo, Rules *r)
{
	RulesCache *cache = rules_cache_get(flinfo);
	Size		nbytes = VARSIZE(r);
	cv_rules_error err;
	char	   *copy;

	if (cache->runtime != NULL && cache->nbytes == nbytes &&
		memcmp(cache->bytes, r, nbytes) == 0)
		return cache->runtime;

	cv_rules_runtime_free(cache->runtime);
	cache->runtime = NULL;
	if (cache->bytes != NULL)
		pfree(cache->bytes);
	cache->bytes = NULL;

	if (!cv_rules_check(RULES_BLOCK(r), RULES_BLOCK_SIZE(r)))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("corrupted convert.rules value")));
	/* The runtime points into the block: keep a copy that lives as long. */
	copy = MemoryContextAlloc(flinfo->fn_mcxt, nbytes);
	memcpy(copy, r, nbytes);
	cache->runtime = cv_rules_runtime_new(RULES_BLOCK((Rules *) copy), &err);
	if (cache->runtime == NULL)
	{
		pfree(copy);
		rules_report_error(&err);
	}
	cache->bytes = copy;
	cache->nbytes = nbytes;
	return cache->runtime;
}

/*
 * rules_match(rules, properties): the SDK's isRuleMatched.  NULL when the
 * evaluation needs more data (never, with plain JSON properties; STRICT
 * makes NULL arguments give NULL).
 */
Datum
convert_rules_match(PG_FUNCTION_ARGS)
{
	Rules	   *rules = PG_GETARG_RULES_P(0);
	Jsonb	   *props = PG_GETARG_JSONB_P(1);
	cv_rules_runtime *rt = rules_runtime_cached(fcinfo->flinfo, rules);
	cv_jv		view = jsonb_view_root(props);

	switch (cv_rules_eval(rt, &view, &jsonb_view_ops))
	{
		case CV_RULE_TRUE:
			PG_RETURN_BOOL(true);
		case CV_RULE_FALSE:
			PG_RETURN_BOOL(false);
		default:
			PG_RETURN_NULL();
	}
}
