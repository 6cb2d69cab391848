/*
 * analysis_memory.h — where experiment analysis keeps its tally: one
 * memory context, capped by convert.analysis_memory_limit.
 */
#ifndef CONVERT_ANALYSIS_MEMORY_H
#define CONVERT_ANALYSIS_MEMORY_H

#include "postgres.h"

#include "analysis/analysis_tally.h"

/* Define convert.analysis_memory_limit (from _PG_init). */
void		analysis_define_settings(void);

/* An allocator for the tally that allocates in context. */
cv_allocator analysis_allocator(MemoryContext context);

#endif							/* CONVERT_ANALYSIS_MEMORY_H */
