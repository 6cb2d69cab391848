/*
 * decision_functions.c — SQL entry points convert.run_experience,
 * run_experiences, run_feature and run_features.
 *
 * Thin glue: unpack arguments (decision_input.h), run the core's decision
 * on the cached compiled config (decision_cache.h), turn the answer into
 * jsonb (decision_results.h).  A NULL config, visitor id or key gives
 * NULL, as does an empty visitor id (the SDK answers nothing then).
 */
#include "postgres.h"

#include "funcapi.h"
#include "utils/jsonb.h"

#include "decision_cache.h"
#include "decision_input.h"
#include "decision_results.h"

PG_FUNCTION_INFO_V1(convert_run_experience);
PG_FUNCTION_INFO_V1(convert_run_experiences);
PG_FUNCTION_INFO_V1(convert_run_feature);
PG_FUNCTION_INFO_V1(convert_run_features);

/* Results are copied out of the cache, which a new config replaces. */
static Datum
jsonb_copy_datum(Jsonb *jb)
{
	Jsonb	   *copy = palloc(VARSIZE(jb));

	memcpy(copy, jb, VARSIZE(jb));
	return JsonbPGetDatum(copy);
}

/* Raise out of memory when evaluating the config failed to allocate. */
static void
check_runtime(DecisionCache *cache)
{
	if (cv_config_runtime_failed(cache->rt))
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while evaluating a config")));
}

/* run_experience(config, visitor_id, experience_key, props, location, env, attributes) */
Datum
convert_run_experience(PG_FUNCTION_ARGS)
{
	DecisionCache *cache;
	cv_decide_input in;
	cv_decision d;
	Jsonb	   *result;
	cv_text		key;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	cache = decision_cache_get(fcinfo, 0);
	if (!decision_input_fill(fcinfo, 3, cache, &in))
		PG_RETURN_NULL();
	key = decision_text_arg(fcinfo, 2);
	d = cv_run_experience(cache->rt, &in, key);
	check_runtime(cache);
	result = decision_jsonb(cache, &d);
	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(jsonb_copy_datum(result));
}

/* Add one jsonb row to a set-returning function's result. */
static void
put_row(ReturnSetInfo *rsinfo, Jsonb *jb)
{
	Datum		value = JsonbPGetDatum(jb);
	bool		isnull = false;

	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
}

/*
 * Start a set-returning call over the whole config: the result store, and
 * the compiled config with the call's input, or NULL when the call returns
 * no rows (a NULL config or visitor id, or input the SDK would not run).
 */
static DecisionCache *
decision_srf_start(FunctionCallInfo fcinfo, cv_decide_input *in)
{
	DecisionCache *cache;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC | MAT_SRF_BLESS);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		return NULL;
	cache = decision_cache_get(fcinfo, 0);
	return decision_input_fill(fcinfo, 2, cache, in) ? cache : NULL;
}

/* run_experiences(config, visitor_id, props, location, env, attributes) */
Datum
convert_run_experiences(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	cv_decide_input in;
	DecisionCache *cache = decision_srf_start(fcinfo, &in);
	const cv_decision *d;
	size_t		n;

	if (cache == NULL)
		return (Datum) 0;
	d = cv_run_experiences(cache->rt, &in, &n);
	check_runtime(cache);
	for (size_t i = 0; i < n; i++)
		put_row(rsinfo, decision_jsonb(cache, &d[i]));
	return (Datum) 0;
}

/* run_feature(config, visitor_id, feature_key, props, location, env, attributes) */
Datum
convert_run_feature(PG_FUNCTION_ARGS)
{
	DecisionCache *cache;
	cv_decide_input in;
	const cv_feature_entry *entries;
	size_t		n;
	cv_text		key;
	uint32		feature;
	Jsonb	  **items;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	cache = decision_cache_get(fcinfo, 0);
	if (!decision_input_fill(fcinfo, 3, cache, &in))
		PG_RETURN_NULL();
	key = decision_text_arg(fcinfo, 2);
	feature = cv_config_find_feature(cache->blob, key);
	if (feature == CV_CONFIG_NONE)
		PG_RETURN_JSONB_P(feature_fallback_jsonb(cache, feature, key));
	entries = cv_run_features(cache->rt, &in, &key, &n);
	check_runtime(cache);
	if (n == 0)
		PG_RETURN_JSONB_P(feature_fallback_jsonb(cache, feature, key));
	if (n == 1)
		PG_RETURN_DATUM(jsonb_copy_datum(feature_entry_jsonb(cache, &entries[0])));
	items = palloc(sizeof(Jsonb *) * n);
	for (size_t i = 0; i < n; i++)
		items[i] = feature_entry_jsonb(cache, &entries[i]);
	PG_RETURN_JSONB_P(jsonb_array_of(items, (int) n));
}

/* run_features(config, visitor_id, props, location, env, attributes) */
Datum
convert_run_features(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	cv_decide_input in;
	DecisionCache *cache = decision_srf_start(fcinfo, &in);
	const cv_feature_entry *entries;
	size_t		n;

	if (cache == NULL)
		return (Datum) 0;
	entries = cv_run_features(cache->rt, &in, NULL, &n);
	check_runtime(cache);
	for (size_t i = 0; i < n; i++)
		put_row(rsinfo, feature_entry_jsonb(cache, &entries[i]));
	return (Datum) 0;
}
