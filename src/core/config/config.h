/*
 * config.h — a Convert project config compiled for decisions, and the
 * SDK's decision flow on it (runExperience(s), runFeature(s)).
 *
 * How a caller uses it:
 *
 *   1. cv_config_compile(json, len, &blob, &size, &err) turns the served
 *      config JSON into one malloc'd, pointer-free block (config_format.h)
 *      that can be stored verbatim, e.g. in a varlena datum; invalid
 *      configs fail with a JSON path.  cv_config_check validates a block
 *      read back from storage.
 *   2. cv_config_runtime_new(blob) prepares per-process state: rule
 *      runtimes (compiled lazily), scratch space.  Keep it with the block.
 *   3. Per visitor fill a cv_decide_input and call cv_run_experience,
 *      cv_run_experiences, cv_run_feature or cv_run_features.  The answers
 *      are indexes into the block; cv_config_variation_json and friends
 *      give the result objects' JSON text.
 *
 * Decisions never depend on hidden state: what the SDK keeps in its
 * visitor store (stored bucketing, custom segments) comes in the input.
 * Within one call a fresh decision is remembered, as the SDK's store
 * would (duplicate experience keys, mutual-exclusion rules).
 */
#ifndef CONVERT_CONFIG_H
#define CONVERT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json/json_view.h"
#include "rules/rules.h"

typedef enum cv_config_errcode
{
	CV_CONFIG_OK = 0,
	CV_CONFIG_ERR_SYNTAX,		/* not JSON */
	CV_CONFIG_ERR_SHAPE,		/* a member of the wrong JSON type, missing */
	CV_CONFIG_ERR_INVALID,		/* an error document, duplicate ids, ... */
	CV_CONFIG_ERR_RULES,		/* an embedded rule tree did not compile */
	CV_CONFIG_ERR_LIMIT,		/* too large */
	CV_CONFIG_ERR_NOMEM
} cv_config_errcode;

#define CV_CONFIG_PATH_MAX 256
#define CV_CONFIG_MESSAGE_MAX 256

typedef struct cv_config_error
{
	cv_config_errcode code;
	char		path[CV_CONFIG_PATH_MAX];	/* e.g. experiences[2].variations[0].id */
	char		message[CV_CONFIG_MESSAGE_MAX];
	const char *hint;			/* static text or NULL */
} cv_config_error;

cv_config_errcode cv_config_compile(const char *json, size_t len, void **out,
									size_t *out_size, cv_config_error *err);

/* Is this block of `size` bytes a compiled config with in-bounds offsets? */
bool		cv_config_check(const void *blob, size_t size);

/* The config JSON the block was compiled from. */
const char *cv_config_json(const void *blob, size_t *len);

/* ---- decisions ---- */

typedef struct cv_text
{
	const char *str;
	size_t		len;
} cv_text;

/* One entry of the visitor's stored bucketing {experienceId: variationId}. */
typedef struct cv_stored_decision
{
	cv_text		experience_id;
	cv_text		variation_id;	/* String(value) */
	bool		truthy;			/* the stored value is JS-truthy */
} cv_stored_decision;

typedef struct cv_decide_input
{
	cv_text		visitor_id;		/* non-empty */
	cv_text		environment;	/* the effective environment */
	cv_jv		visitor_props;	/* merged visitor properties (an object) */
	const cv_jv_ops *visitor_ops;
	bool		has_location;	/* locationProperties given and truthy */
	cv_jv		location_props;
	const cv_jv_ops *location_ops;
	bool		ignore_location;	/* ignoreLocationProperties === true */
	cv_text		force_variation;	/* String(forceVariationId); len 0: none */
	const cv_stored_decision *stored;
	size_t		n_stored;
	const cv_jv *custom_segments;	/* segments.customSegments (scalars) */
	size_t		n_custom_segments;
	cv_text		custom_segments_text;	/* customSegments a string (str not NULL):
										 * segment ids are searched in it */
	bool		enable_storage; /* remember fresh decisions within the call */
	bool		type_casting;
	const cv_text *experience_keys; /* runFeature's experienceKeys filter */
	size_t		n_experience_keys;
} cv_decide_input;

typedef enum cv_outcome
{
	CV_OUT_NULL,				/* not eligible / not found: SQL NULL */
	CV_OUT_VARIATION,
	CV_OUT_NOT_DECIDED,			/* "convert.com_variation_not_decided" */
	CV_OUT_RULE_ERROR			/* a RuleError string (never with JSON data) */
} cv_outcome;

typedef struct cv_decision
{
	cv_outcome	outcome;
	uint32_t	experience;		/* CV_OUT_VARIATION: experience index */
	uint32_t	variation;		/* ... and global variation index */
	bool		has_allocation;
	int32_t		allocation;		/* bucketingAllocation when has_allocation */
	cv_rule_result error;		/* CV_OUT_RULE_ERROR */
} cv_decision;

typedef enum cv_feature_kind
{
	CV_FEATURE_ENABLED,			/* change + casts: a BucketedFeature */
	CV_FEATURE_DISABLED,		/* feature: {id, name, key, status} */
	CV_FEATURE_RULE_ERROR
} cv_feature_kind;

typedef struct cv_feature_entry
{
	cv_feature_kind kind;
	uint32_t	index;			/* change (enabled) or feature (disabled) */
	uint32_t	casts;			/* enabled: how many times the SDK cast it */
	cv_rule_result error;
} cv_feature_entry;

typedef struct cv_config_runtime cv_config_runtime;

cv_config_runtime *cv_config_runtime_new(const void *blob);
void		cv_config_runtime_free(cv_config_runtime *rt);

/* Out of memory during the last call (rule runtimes, scratch)? */
bool		cv_config_runtime_failed(const cv_config_runtime *rt);

/* runExperience(key): key compared with String(experience.key). */
cv_decision cv_run_experience(cv_config_runtime *rt, const cv_decide_input *in,
							  cv_text key);

/*
 * runExperiences: BucketedVariations in config order.  The array is the
 * runtime's scratch, valid until the next call; *n is its length.
 */
const cv_decision *cv_run_experiences(cv_config_runtime *rt,
									  const cv_decide_input *in, size_t *n);

/*
 * runFeatures (feature_key NULL) or runFeature's evaluation (the entries
 * for one declared feature key).  Scratch array as above.
 */
const cv_feature_entry *cv_run_features(cv_config_runtime *rt,
										const cv_decide_input *in,
										const cv_text *feature_key, size_t *n);

/* runFeature's declared feature: first with String(key) == key, or NONE. */
uint32_t	cv_config_find_feature(const void *blob, cv_text key);

/* ---- result texts (JSON, UTF-8, borrowed from the block) ---- */

cv_text		cv_config_variation_json(const void *blob, uint32_t variation,
									 bool fresh, bool *own_allocation);
cv_text		cv_config_feature_entry_json(const void *blob, uint32_t change,
										 uint32_t casts);
cv_text		cv_config_feature_disabled_json(const void *blob, uint32_t feature);
/* Raw JSON of a declared feature's id / name (len 0 when absent). */
cv_text		cv_config_feature_id_json(const void *blob, uint32_t feature);
cv_text		cv_config_feature_name_json(const void *blob, uint32_t feature);
uint32_t	cv_config_variation_count(const void *blob);
uint32_t	cv_config_change_count(const void *blob);
uint32_t	cv_config_feature_count(const void *blob);
/* Number of distinct cast counts stored for a change (1 + casts until fixed). */
uint32_t	cv_config_change_variants(const void *blob, uint32_t change);

#define CV_CONFIG_NONE 0xFFFFFFFFu

/* The SDK's strings for non-object outcomes. */
#define CV_NOT_DECIDED_TEXT "convert.com_variation_not_decided"
const char *cv_rule_error_text(cv_rule_result r);

#endif
