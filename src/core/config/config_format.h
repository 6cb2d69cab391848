/*
 * config_format.h — the compiled project config's binary layout (internal
 * to the config modules: compiler, checker, decisions).
 *
 * One contiguous block with no pointers (offsets from its start), 8-byte
 * aligned, so it is stored verbatim inside the convert.config datum:
 *
 *   cv_cfg_header
 *   cv_cfg_experience experiences[n_experiences]   config order
 *   cv_cfg_variation  variations[n_variations]     per experience, in order
 *   cv_cfg_range      ranges[n_ranges]             bucket layout per experience
 *   cv_cfg_location   locations[n_locations]       top-level order
 *   cv_cfg_audience   audiences[n_audiences]
 *   cv_cfg_segment    segments[n_segments]
 *   cv_cfg_feature    features[n_features]
 *   cv_cfg_change     changes[n_changes]           fullStackFeature changes
 *   cv_cfg_str        variants[n_variants]         feature entry texts per cast count
 *   uint32_t          index[n_index]               lists (resolved ids, key order)
 *   cv_cfg_rules      rules[n_rules]               compiled rule trees (rules.h)
 *   ... rule blocks, each 8-byte aligned ...
 *   char              pool[pool_len]               strings (ids, keys, JSON texts)
 *
 * Everything the SDK derives from the config alone is derived once here:
 * String() of ids and keys, archived and environment flags, ids resolved
 * to indexes, variation ranges, result-object JSON, cast feature variables.
 */
#ifndef CONVERT_CONFIG_FORMAT_H
#define CONVERT_CONFIG_FORMAT_H

#include <stdint.h>

#define CV_CFG_MAGIC 0x31474643u	/* "CFG1" */
#define CV_CFG_NONE 0xFFFFFFFFu

typedef struct cv_cfg_str
{
	uint32_t	off;			/* into pool; CV_CFG_NONE: absent (undefined) */
	uint32_t	len;
} cv_cfg_str;

typedef struct cv_cfg_list
{
	uint32_t	first;			/* into index */
	uint32_t	count;
} cv_cfg_list;

typedef struct cv_cfg_header
{
	uint32_t	magic;
	uint32_t	size;
	uint32_t	n_experiences, off_experiences;
	uint32_t	n_variations, off_variations;
	uint32_t	n_ranges, off_ranges;
	uint32_t	n_locations, off_locations;
	uint32_t	n_audiences, off_audiences;
	uint32_t	n_segments, off_segments;
	uint32_t	n_features, off_features;
	uint32_t	n_changes, off_changes;
	uint32_t	n_variants, off_variants;
	uint32_t	n_index, off_index;
	uint32_t	n_rules, off_rules;
	uint32_t	pool_len, off_pool;
	cv_cfg_list key_order;		/* experiences by key string, first of each */
	cv_cfg_list feature_order;	/* declared features in JS key order of ids */
	cv_cfg_str	text;			/* the config JSON as given */
} cv_cfg_header;

/* Experience flags. */
#define CV_EXP_ARCHIVED 0x001	/* String(id) listed in archived_experiences */
#define CV_EXP_ID_TRUTHY 0x002
#define CV_EXP_ENV_SET 0x004	/* environment is truthy */
#define CV_EXP_ENV_STRING 0x008 /* ... and a string (else never equal) */
#define CV_EXP_LOC_LIST 0x010	/* locations is a non-empty array */
#define CV_EXP_AUD_LIST 0x020	/* audiences is a non-empty array */
#define CV_EXP_AUD_ALL 0x040	/* settings.matching_options.audiences == "all" */
#define CV_EXP_HAS_VARIATIONS 0x080 /* variations is a non-empty array */
#define CV_EXP_KEY_STRING 0x100 /* key is a JSON string */

typedef struct cv_cfg_experience
{
	cv_cfg_str	id;				/* String(id): hash prefix, store key */
	cv_cfg_str	key;			/* String(key): "undefined" when absent */
	cv_cfg_str	environment;
	uint32_t	flags;
	uint32_t	site_area;		/* rules index, or NONE */
	uint32_t	lookup;			/* first experience with the same key string */
	cv_cfg_list locations;		/* resolved, top-level order */
	cv_cfg_list audiences;
	cv_cfg_list segments;
	uint32_t	var_first, var_count;
	uint32_t	range_first, range_count;
} cv_cfg_experience;

#define CV_VAR_ID_STRING 0x1	/* id is a JSON string: lookups can find it */
#define CV_VAR_OWN_ALLOCATION 0x2	/* the variation has its own bucketingAllocation */

typedef struct cv_cfg_variation
{
	cv_cfg_str	id;				/* the id when it is a string */
	uint32_t	flags;
	uint32_t	change_first, change_count;
	cv_cfg_str	json_stored;	/* BucketedVariation without bucketingAllocation */
	cv_cfg_str	json_fresh;		/* ... with "bucketingAllocation":1, overwritten per row */
} cv_cfg_variation;

typedef struct cv_cfg_range
{
	double		lo, hi;
	cv_cfg_str	key;			/* the bucket's key: String(id) */
	uint32_t	variation;		/* index within the experience found by key, or NONE */
	uint32_t	pad;
} cv_cfg_range;

typedef struct cv_cfg_location
{
	uint32_t	rules;			/* NONE when rules is falsy (skipped) */
} cv_cfg_location;

#define CV_AUD_PERMANENT 0x1
#define CV_AUD_MX 0x2			/* has a bucketed_into_experience_key element */
#define CV_AUD_MX_NEGATED 0x4

typedef struct cv_cfg_audience
{
	uint32_t	rules;
	uint32_t	flags;
	uint32_t	mx_target;		/* experience of the exclusion rule, or NONE */
} cv_cfg_audience;

typedef struct cv_cfg_segment
{
	uint32_t	kind;			/* cv_jv_kind of id */
	uint32_t	truthy;
	double		number;
	cv_cfg_str	str;
} cv_cfg_segment;

#define CV_FEAT_ID_STRING 0x1
#define CV_FEAT_KEY_STRING 0x2

typedef struct cv_cfg_feature
{
	cv_cfg_str	id;				/* String(id) */
	cv_cfg_str	key;			/* String(key) */
	uint32_t	flags;
	cv_cfg_str	id_json;		/* raw values as JSON (absent: NONE) */
	cv_cfg_str	name_json;
	cv_cfg_str	disabled_json;	/* {id, name, key, status: "disabled"} */
} cv_cfg_feature;

typedef struct cv_cfg_change
{
	cv_cfg_str	feature_id;		/* String(data.feature_id) */
	uint32_t	declared;		/* feature declared with that id, or NONE */
	uint32_t	variant_first;	/* entry JSON after k casts: variants[first + k] */
	uint32_t	variant_count;	/* the last one repeats (a fixed point) */
} cv_cfg_change;

typedef struct cv_cfg_rules
{
	uint32_t	off;
	uint32_t	size;
} cv_cfg_rules;

typedef struct cv_cfg_view
{
	const cv_cfg_header *h;
	const cv_cfg_experience *experiences;
	const cv_cfg_variation *variations;
	const cv_cfg_range *ranges;
	const cv_cfg_location *locations;
	const cv_cfg_audience *audiences;
	const cv_cfg_segment *segments;
	const cv_cfg_feature *features;
	const cv_cfg_change *changes;
	const cv_cfg_str *variants;
	const uint32_t *index;
	const cv_cfg_rules *rules;
	const char *pool;
} cv_cfg_view;

static inline cv_cfg_view
cv_cfg_view_of(const void *blob)
{
	const char *b = (const char *) blob;
	const cv_cfg_header *h = (const cv_cfg_header *) b;
	cv_cfg_view v;

	v.h = h;
	v.experiences = (const cv_cfg_experience *) (b + h->off_experiences);
	v.variations = (const cv_cfg_variation *) (b + h->off_variations);
	v.ranges = (const cv_cfg_range *) (b + h->off_ranges);
	v.locations = (const cv_cfg_location *) (b + h->off_locations);
	v.audiences = (const cv_cfg_audience *) (b + h->off_audiences);
	v.segments = (const cv_cfg_segment *) (b + h->off_segments);
	v.features = (const cv_cfg_feature *) (b + h->off_features);
	v.changes = (const cv_cfg_change *) (b + h->off_changes);
	v.variants = (const cv_cfg_str *) (b + h->off_variants);
	v.index = (const uint32_t *) (b + h->off_index);
	v.rules = (const cv_cfg_rules *) (b + h->off_rules);
	v.pool = b + h->off_pool;
	return v;
}

static inline const char *
cv_cfg_text(const cv_cfg_view *v, cv_cfg_str s)
{
	return v->pool + s.off;
}

#endif
