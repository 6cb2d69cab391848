/*
 * config_compile_parts.h — the config compiler's passes, one file each:
 * entities (config_compile_entities.c), experiences and their variations
 * (config_compile_experiences.c), result-object texts and feature casts
 * (config_compile_results.c).  Internal.
 */
#ifndef CONVERT_CONFIG_COMPILE_PARTS_H
#define CONVERT_CONFIG_COMPILE_PARTS_H

#include "config/config_builder.h"

/* The config's top-level arrays (NULL when absent or empty), borrowed from
 * the parsed document. */
typedef struct cfg_lists
{
	struct json_object *experiences;
	struct json_object *locations;
	struct json_object *audiences;
	struct json_object *segments;
	struct json_object *features;
	struct json_object *archived;
} cfg_lists;

static inline size_t
cfg_list_len(struct json_object *list)
{
	return list ? json_object_array_length(list) : 0;
}

/* Pass 1: experience ids and keys (lookups by key, duplicate ids). */
bool		cfg_compile_experience_keys(cfg_builder *b, cfg_lists *lists);
bool		cfg_compile_locations(cfg_builder *b, cfg_lists *lists);
bool		cfg_compile_audiences(cfg_builder *b, cfg_lists *lists);
bool		cfg_compile_segments(cfg_builder *b, cfg_lists *lists);
bool		cfg_compile_features(cfg_builder *b, cfg_lists *lists);
/* Pass 2: everything else about experiences, variations, changes. */
bool		cfg_compile_experiences(cfg_builder *b, cfg_lists *lists);

/* First experience whose String(key) equals s, or CV_CFG_NONE. */
uint32_t	cfg_experience_by_key(cfg_builder *b, const char *s, size_t len);

/* Result texts of variation `var` (global index) of experience `exp`. */
bool		cfg_variation_results(cfg_builder *b, struct json_object *experience,
								  struct json_object *variation, uint32_t var);
/* The fullStackFeature changes of a variation, with their cast texts. */
bool		cfg_variation_changes(cfg_builder *b, cfg_lists *lists,
								  struct json_object *experience,
								  struct json_object *variation, uint32_t var);

#endif
