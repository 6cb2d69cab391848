/*
 * analysis_groups.h — results by dimension: each (variation, dimension
 * value) pair gets a small integer that the tally counts as if it were a
 * variation, so one pass yields the totals of every pair.
 */
#ifndef CONVERT_ANALYSIS_GROUPS_H
#define CONVERT_ANALYSIS_GROUPS_H

#include "postgres.h"

#include "utils/hsearch.h"

/* At most this many (variation, value) pairs: bounded work and output. */
#define ANALYSIS_MAX_GROUPS 1000
/* Longest dimension value grouped, in bytes. */
#define ANALYSIS_MAX_VALUE 200

typedef struct AnalysisGroups AnalysisGroups;

AnalysisGroups *analysis_groups_create(MemoryContext context);

/* The pair's group number, added when new; value NULL for no value. */
int64		analysis_group(AnalysisGroups *groups, int64 variation_id,
						   const char *value, size_t len);

/* The pair of a group number; *value NULL for no value. */
void		analysis_group_pair(const AnalysisGroups *groups, int64 group,
								int64 *variation_id, const char **value);

#endif
