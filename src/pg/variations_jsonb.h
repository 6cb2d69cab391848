/*
 * variations_jsonb.h — an experience's `variations` jsonb array, read into
 * the core's cv_variation entries and laid out into ranges.
 */
#ifndef CONVERT_PG_VARIATIONS_JSONB_H
#define CONVERT_PG_VARIATIONS_JSONB_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/jsonb.h"

#include "bucketing/bucketing.h"

typedef struct VariationLayout
{
	int			nvariations;
	cv_variation *variations;
	cv_range   *ranges;
	size_t		nranges;
} VariationLayout;

/*
 * Read and lay out variations; raises a clear error naming the JSON path
 * of anything malformed.  Everything is allocated in the current context.
 */
extern VariationLayout *variation_layout_from_jsonb(Jsonb *variations,
													cv_layout layout);

/*
 * The same, cached in fcinfo's fn_extra across calls while the jsonb bytes
 * and the layout stay the same (a backfill passes one value for many rows).
 */
extern VariationLayout *variation_layout_cached(FunctionCallInfo fcinfo,
												Jsonb *variations,
												cv_layout layout);

#endif
