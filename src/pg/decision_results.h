/*
 * decision_results.h — the core's decisions as jsonb result objects:
 * BucketedVariation, BucketedFeature (enabled or disabled) and the SDK's
 * strings for "not decided" and rule errors.  Templates are built once per
 * config (decision_cache.h); a fresh decision copies its variation's
 * template and writes the bucket value into it.
 */
#ifndef CONVERT_PG_DECISION_RESULTS_H
#define CONVERT_PG_DECISION_RESULTS_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "config/config.h"
#include "decision_cache.h"

/* NULL for CV_OUT_NULL. */
extern Jsonb *decision_jsonb(DecisionCache *cache, const cv_decision *d);

extern Jsonb *feature_entry_jsonb(DecisionCache *cache, const cv_feature_entry *e);

/* runFeature's answer when nothing is enabled: declared or not. */
extern Jsonb *feature_fallback_jsonb(DecisionCache *cache, uint32 feature, cv_text key);

/* Several entries as one JSON array (runFeature with several matches). */
extern Jsonb *jsonb_array_of(Jsonb **items, int n);

#endif
