/*
 * rules_catalog.h — the names a rule element may use: match types
 * (comparators of the SDK's Comparisons class) and rule types (the
 * catalogue in docs/sdk-behaviour.md, "Rule types"), each with the hint that lists them.
 */
#ifndef CONVERT_RULES_CATALOG_H
#define CONVERT_RULES_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

/* cv_match of a match_type name, or -1 when it is not a comparator. */
int			cv_match_lookup(const char *name, size_t len);

/* Is name one of the rule types of docs/sdk-behaviour.md, "Rule types"? */
bool		cv_rule_type_known(const char *name, size_t len);

/* The rule type of the SDK's mutual-exclusion rule (docs/sdk-behaviour.md,
 * "Where rules apply"). */
#define CV_RULE_TYPE_MUTUAL_EXCLUSION "bucketed_into_experience_key"

extern const char cv_match_types_hint[];
extern const char cv_rule_types_hint[];

#endif
