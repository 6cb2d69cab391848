/*
 * decision_input.h — the SQL arguments of run_experience(s) and
 * run_feature(s) as the core's cv_decide_input.
 *
 * visitor_properties (createContext's: an object, NULL = {}),
 * location_properties (NULL = not passed), environment (NULL or '' = the
 * SDK's default "staging") and the `attributes` object, which carries the
 * SDK's per-call options and the visitor's stored state
 * (docs/rules-and-decisions.md, "Arguments"):
 *
 *   bucketing                 {experienceId: variationId} stored decisions
 *   segments                  stored segments; the report segments of
 *                             visitor_properties are merged into them as
 *                             createContext does (visitor_segments.h),
 *                             then they are merged under the other
 *                             properties; customSegments: segment ids
 *   forceVariationId, ignoreLocationProperties, enableStorage,
 *   typeCasting, experienceKeys      the SDK's per-call attributes
 *   locations, goals, enableTracking, updateVisitorProperties
 *                             accepted, no effect on the answer
 *
 * Everything is allocated in the current (per-row) memory context.
 */
#ifndef CONVERT_PG_DECISION_INPUT_H
#define CONVERT_PG_DECISION_INPUT_H

#include "postgres.h"

#include "fmgr.h"

#include "config/config.h"
#include "decision_cache.h"

/*
 * Fill *in from the arguments starting at `first` (visitor_properties);
 * visitor_id is argument 1.  Returns false when the SDK would answer
 * nothing at all (no visitor id).
 */
extern bool decision_input_fill(FunctionCallInfo fcinfo, int first,
								DecisionCache *cache, cv_decide_input *in);

/* Text argument n as UTF-8 (NULL argument: NULL str). */
extern cv_text decision_text_arg(FunctionCallInfo fcinfo, int n);

#endif
