/*
 * bucketing.h — the SDK's bucket value and its two variation layouts.
 *
 * A visitor's value (0..9999 by default) comes from MurmurHash3 of
 * experience id ++ visitor id.  Variations own ranges of that space, laid
 * out either by the packed cumulative walk (experience version <= 11, what
 * production uses) or by the anchored layout (version > 11).  Ranges are
 * computed once per variation list and then reused for every visitor.
 */
#ifndef CONVERT_BUCKETING_H
#define CONVERT_BUCKETING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "js/js_value.h"

#define CV_DEFAULT_HASH_SEED 9999
#define CV_DEFAULT_MAX_TRAFFIC 10000

typedef enum cv_layout
{
	CV_LAYOUT_PACKED,
	CV_LAYOUT_ANCHORED
} cv_layout;

/* One entry of an experience's `variations` array, as the SDK reads it. */
typedef struct cv_variation
{
	const char *id;				/* String(id): the key the SDK buckets by */
	size_t		id_len;
	bool		id_truthy;		/* false for missing, null, "", 0, false */
	cv_js_scalar traffic_allocation;
	cv_js_scalar status;
} cv_variation;

/* A half-open range [lo, hi) of the value space owned by one variation. */
typedef struct cv_range
{
	double		lo;
	double		hi;
	size_t		variation;		/* index into the cv_variation array */
} cv_range;

/* The SDK's layout gate: anchored when Number(version) > 11. */
cv_layout	cv_layout_for_version(double version_number);

/* Scale a hash to 0..max_traffic-1 exactly as the SDK truncates it. */
int32_t		cv_scale_hash(uint32_t hash, int32_t max_traffic);

/* Bucket value of experience_id ++ visitor_id (UTF-8 bytes). */
int32_t		cv_bucket_value(const char *experience_id, size_t experience_len,
							const char *visitor_id, size_t visitor_len,
							uint32_t seed, int32_t max_traffic);

/*
 * Lay out ranges for n variations into out (room for n entries) and set
 * *nranges; ranges are in the order they are tested.  Returns false only
 * when scratch memory could not be allocated.
 */
bool		cv_layout_ranges(const cv_variation *variations, size_t n,
							 cv_layout layout, cv_range *out, size_t *nranges);

/* Index of the variation owning value, or -1 when none does. */
long		cv_select_range(const cv_range *ranges, size_t nranges, double value);

#endif
