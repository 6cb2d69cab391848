/*
 * config_builder.h — growable tables and string pool from which the config
 * compiler assembles the final block (config_format.h).  Internal.
 */
#ifndef CONVERT_CONFIG_BUILDER_H
#define CONVERT_CONFIG_BUILDER_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "config/config_format.h"
#include "js/js_string.h"

typedef struct cfg_table
{
	char	   *data;
	size_t		len;			/* items */
	size_t		cap;
	size_t		item;			/* bytes per item */
} cfg_table;

typedef struct cfg_builder
{
	cfg_table	experiences, variations, ranges, locations, audiences,
				segments, features, changes, variants, index, rules;
	cv_buf		rule_blocks;	/* compiled rule trees, each 8-aligned */
	cv_buf		pool;
	cv_buf		scratch;
	cv_config_error *err;
	char		path[CV_CONFIG_PATH_MAX];
	bool		failed;
	cv_cfg_list key_order;
	cv_cfg_list feature_order;
	cv_cfg_str	text;
} cfg_builder;

void		cfg_builder_init(cfg_builder *b, cv_config_error *err);
void		cfg_builder_free(cfg_builder *b);

/* Append a zeroed item; NULL (and b->failed) when out of memory. */
void	   *cfg_push(cfg_builder *b, cfg_table *t);
#define CFG_AT(t, type, i) (&((type *) (t)->data)[(i)])

/* Copy a string into the pool (NUL-terminated there). */
cv_cfg_str	cfg_str(cfg_builder *b, const char *s, size_t len);
extern const cv_cfg_str cfg_absent;

/* Append an index to the index table; returns its position. */
uint32_t	cfg_index_push(cfg_builder *b, uint32_t value);

/* Compile a rule tree (a JSON value of the config) leniently; its index. */
uint32_t	cfg_rules(cfg_builder *b, struct json_object *tree);

/* Errors at the current path (plus `member`, if not NULL); return false. */
bool		cfg_fail(cfg_builder *b, cv_config_errcode code, const char *member,
					 const char *hint, const char *fmt,...)
			__attribute__((format(printf, 5, 6)));

/* Path bookkeeping: push returns the old length for pop. */
size_t		cfg_path_push(cfg_builder *b, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));
void		cfg_path_pop(cfg_builder *b, size_t old);

/* Assemble the block (malloc'd). */
bool		cfg_assemble(cfg_builder *b, void **out, size_t *out_size);

/* ---- JSON helpers shared by the compiler's parts ---- */

/* Member lookup that tells absence from JSON null. */
bool		cfg_member(struct json_object *obj, const char *name,
					   struct json_object **out);
bool		cfg_truthy(bool present, struct json_object *o);
/* Is the member present and JS-truthy?  *out is set either way. */
bool		cfg_member_truthy(struct json_object *obj, const char *name,
							  struct json_object **out);
/* String(o) into the pool (o absent: "undefined"). */
cv_cfg_str	cfg_js_string(cfg_builder *b, bool present, struct json_object *o);
/* JS strict equality of two JSON values (objects/arrays never equal). */
bool		cfg_strict_equal(struct json_object *a, struct json_object *b);
const char *cfg_type_phrase(struct json_object *o);
bool		cfg_is_object(struct json_object *o);
bool		cfg_is_array(struct json_object *o);

#endif
