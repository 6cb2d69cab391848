/*
 * config_compile_experiences.c — the per-experience facts the SDK's
 * decision reads (config_compile_parts.h): archived and environment
 * flags, locations / audiences / segments resolved to indexes, and the
 * variations with their bucket ranges.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bucketing/bucketing.h"
#include "config/config_compile_parts.h"
#include "json/json_view_jsonc.h"

/* Does pool string s hold exactly the len bytes at t? */
static bool
str_equal(cfg_builder *b, cv_cfg_str s, const char *t, size_t len)
{
	return s.off != CV_CFG_NONE && s.len == len &&
		memcmp(b->pool.data + s.off, t, len) == 0;
}

/* String(id) equals String(any archived_experiences entry). */
static bool
is_archived(cfg_builder *b, cfg_lists *lists, cv_cfg_str id)
{
	for (size_t i = 0; i < cfg_list_len(lists->archived); i++)
	{
		cv_jv		v = cv_jv_from_jsonc(json_object_array_get_idx(lists->archived, i));

		b->scratch.len = 0;
		if (!cv_js_append_string_of(&b->scratch, &v, &cv_jsonc_ops))
			return false;
		if (str_equal(b, id, b->scratch.data ? b->scratch.data : "", b->scratch.len))
			return true;
	}
	return false;
}

/*
 * getItemsByIds: the top-level entities (in their own order) whose id is
 * strictly equal to an entry of the experience's id list.
 */
static cv_cfg_list
resolve_ids(cfg_builder *b, struct json_object *ids, struct json_object *entities)
{
	cv_cfg_list list = {(uint32_t) b->index.len, 0};

	for (size_t i = 0; i < cfg_list_len(entities); i++)
	{
		struct json_object *id;

		if (!cfg_member(json_object_array_get_idx(entities, i), "id", &id))
			continue;
		for (size_t j = 0; j < json_object_array_length(ids); j++)
		{
			if (cfg_strict_equal(json_object_array_get_idx(ids, j), id))
			{
				cfg_index_push(b, (uint32_t) i);
				list.count++;
				break;
			}
		}
	}
	return list;
}

/* Is member name of exp a non-empty array (returned in out)? */
static bool
non_empty_array(struct json_object *exp, const char *name, struct json_object **out)
{
	return cfg_member(exp, name, out) && cfg_is_array(*out) &&
		json_object_array_length(*out) > 0;
}

/* An experience's locations or site_area, audiences, segments and matching
 * options. */
static void
targeting(cfg_builder *b, cfg_lists *lists, struct json_object *exp,
		  cv_cfg_experience *e)
{
	struct json_object *o;
	struct json_object *settings;
	struct json_object *options;

	if (non_empty_array(exp, "locations", &o))
	{
		e->flags |= CV_EXP_LOC_LIST;
		e->locations = resolve_ids(b, o, lists->locations);
	}
	e->site_area = CV_CFG_NONE;
	if (cfg_member_truthy(exp, "site_area", &o))
	{
		size_t		old = cfg_path_push(b, "site_area");

		e->site_area = cfg_rules(b, o);
		cfg_path_pop(b, old);
	}
	if (non_empty_array(exp, "audiences", &o))
	{
		e->flags |= CV_EXP_AUD_LIST;
		e->audiences = resolve_ids(b, o, lists->audiences);
		e->segments = resolve_ids(b, o, lists->segments);
	}
	/* A missing settings object makes the SDK throw; it counts as "any". */
	if (cfg_member(exp, "settings", &settings) &&
		cfg_member(settings, "matching_options", &options) &&
		cfg_member(options, "audiences", &o) && o != NULL &&
		json_object_get_type(o) == json_type_string &&
		strcmp(json_object_get_string(o), "all") == 0)
		e->flags |= CV_EXP_AUD_ALL;
}

/* An experience's environment, when truthy (only a string can ever match). */
static bool
environment(cfg_builder *b, struct json_object *exp, cv_cfg_experience *e)
{
	struct json_object *env;

	if (!cfg_member_truthy(exp, "environment", &env))
		return true;
	e->flags |= CV_EXP_ENV_SET;
	if (json_object_get_type(env) == json_type_string)
	{
		e->flags |= CV_EXP_ENV_STRING;
		e->environment = cfg_str(b, json_object_get_string(env),
								 (size_t) json_object_get_string_len(env));
	}
	return !b->failed;
}

/* A JSON scalar as the bucketing layer's cv_js_scalar (false: not scalar). */
static bool
js_scalar(bool present, struct json_object *o, cv_js_scalar *out)
{
	cv_jv		v = cv_jv_from_jsonc(o);

	memset(out, 0, sizeof(*out));
	if (!present)
		return out->kind = CV_JS_UNDEFINED, true;
	switch (v.kind)
	{
		case CV_JV_NULL:
			out->kind = CV_JS_NULL;
			return true;
		case CV_JV_BOOL:
			out->kind = CV_JS_BOOL;
			out->boolean = v.boolean;
			return true;
		case CV_JV_NUMBER:
			out->kind = CV_JS_NUMBER;
			out->number = v.number;
			return true;
		case CV_JV_STRING:
			out->kind = CV_JS_STRING;
			out->str = v.str;
			out->len = v.len;
			return true;
		default:
			return false;
	}
}

/* One variation as the bucketing layer reads it. */
static bool
bucket_entry(cfg_builder *b, struct json_object *var, cv_variation *out,
			 cv_cfg_variation *v)
{
	struct json_object *id;
	struct json_object *alloc;
	struct json_object *status;
	bool		has_id = cfg_member(var, "id", &id);
	bool		has_alloc = cfg_member(var, "traffic_allocation", &alloc);
	bool		has_status = cfg_member(var, "status", &status);
	cv_cfg_str	key;

	if (has_id && (cfg_is_object(id) || cfg_is_array(id)))
		return cfg_fail(b, CV_CONFIG_ERR_SHAPE, "id", NULL,
						"must be a string, not %s", cfg_type_phrase(id));
	if (!js_scalar(has_alloc, alloc, &out->traffic_allocation))
		return cfg_fail(b, CV_CONFIG_ERR_SHAPE, "traffic_allocation", NULL,
						"must be a number, not %s", cfg_type_phrase(alloc));
	if (!js_scalar(has_status, status, &out->status))
	{
		/* Any non-scalar status is truthy and not "running": stopped. */
		out->status.kind = CV_JS_STRING;
		out->status.str = "(non-scalar)";
		out->status.len = strlen(out->status.str);
	}
	key = cfg_js_string(b, has_id, id);
	if (b->failed)
		return false;
	out->id_truthy = cfg_truthy(has_id, id);
	out->id = NULL;				/* pointed into the pool once it stops moving */
	out->id_len = key.len;
	v->id = key;
	if (has_id && id != NULL && json_object_get_type(id) == json_type_string)
		v->flags |= CV_VAR_ID_STRING;
	return true;
}

/* Index (within the experience) of the first variation with string id s. */
static uint32_t
variation_by_string_id(cfg_builder *b, uint32_t first, uint32_t count,
					   const char *s, size_t len)
{
	for (uint32_t i = 0; i < count; i++)
	{
		cv_cfg_variation *v = CFG_AT(&b->variations, cv_cfg_variation, first + i);

		if ((v->flags & CV_VAR_ID_STRING) && str_equal(b, v->id, s, len))
			return i;
	}
	return CV_CFG_NONE;
}

/* Lay the variations out by version: packed, or anchored above 11. */
static bool
layout(cfg_builder *b, struct json_object *exp, cv_cfg_experience *e,
	   cv_variation *vars)
{
	struct json_object *version;
	bool		has_version = cfg_member(exp, "version", &version);
	cv_js_scalar vs;
	cv_range   *ranges = malloc(sizeof(cv_range) * (e->var_count ? e->var_count : 1));
	size_t		n = 0;

	if (ranges == NULL)
		return cfg_fail(b, CV_CONFIG_ERR_NOMEM, NULL, NULL, "out of memory");
	if (!js_scalar(has_version, version, &vs))
	{
		free(ranges);
		return cfg_fail(b, CV_CONFIG_ERR_SHAPE, "version", NULL,
						"must be a number, not %s", cfg_type_phrase(version));
	}
	for (uint32_t i = 0; i < e->var_count; i++)
		vars[i].id = b->pool.data + CFG_AT(&b->variations, cv_cfg_variation, e->var_first + i)->id.off;
	if (!cv_layout_ranges(vars, e->var_count, cv_layout_for_version(cv_js_to_number(&vs)),
						  ranges, &n))
	{
		free(ranges);
		return cfg_fail(b, CV_CONFIG_ERR_NOMEM, NULL, NULL, "out of memory");
	}
	e->range_first = (uint32_t) b->ranges.len;
	e->range_count = (uint32_t) n;
	for (size_t i = 0; i < n; i++)
	{
		cv_cfg_range *r = cfg_push(b, &b->ranges);
		cv_cfg_variation *owner;

		if (r == NULL)
			break;
		owner = CFG_AT(&b->variations, cv_cfg_variation, e->var_first + ranges[i].variation);
		r->lo = ranges[i].lo;
		r->hi = ranges[i].hi;
		r->key = owner->id;
		r->variation = variation_by_string_id(b, e->var_first, e->var_count,
											  b->pool.data + owner->id.off, owner->id.len);
	}
	free(ranges);
	return !b->failed;
}

/* Compile an experience's variations, their changes and their layout. */
static bool
variations(cfg_builder *b, cfg_lists *lists, struct json_object *exp,
		   cv_cfg_experience *e, uint32_t index)
{
	struct json_object *list;
	bool		present = cfg_member(exp, "variations", &list);
	size_t		n;
	cv_variation *vars;
	bool		ok = true;

	e->var_first = (uint32_t) b->variations.len;
	if (!cfg_truthy(present, list))
		return true;
	if (!cfg_is_array(list))
		return cfg_fail(b, CV_CONFIG_ERR_SHAPE, "variations", NULL,
						"must be an array, not %s", cfg_type_phrase(list));
	n = json_object_array_length(list);
	if (n > 0)
		e->flags |= CV_EXP_HAS_VARIATIONS;
	vars = calloc(n ? n : 1, sizeof(cv_variation));
	if (vars == NULL)
		return cfg_fail(b, CV_CONFIG_ERR_NOMEM, NULL, NULL, "out of memory");
	for (size_t i = 0; ok && i < n; i++)
	{
		struct json_object *var = json_object_array_get_idx(list, i);
		size_t		old = cfg_path_push(b, "variations[%zu]", i);
		cv_cfg_variation *v;

		if (!cfg_is_object(var))
			ok = cfg_fail(b, CV_CONFIG_ERR_SHAPE, NULL, NULL,
						  "must be an object, not %s", cfg_type_phrase(var));
		else if ((v = cfg_push(b, &b->variations)) == NULL)
			ok = false;
		else
		{
			uint32_t	global = (uint32_t) (b->variations.len - 1);

			ok = bucket_entry(b, var, &vars[i], v) &&
				cfg_variation_results(b, exp, var, global) &&
				cfg_variation_changes(b, lists, exp, var, global);
		}
		cfg_path_pop(b, old);
	}
	e = CFG_AT(&b->experiences, cv_cfg_experience, index);
	e->var_count = (uint32_t) n;
	ok = ok && layout(b, exp, e, vars);
	free(vars);
	return ok;
}

bool
cfg_compile_experiences(cfg_builder *b, cfg_lists *lists)
{
	for (size_t i = 0; i < cfg_list_len(lists->experiences); i++)
	{
		struct json_object *exp = json_object_array_get_idx(lists->experiences, i);
		cv_cfg_experience *e = CFG_AT(&b->experiences, cv_cfg_experience, i);
		size_t		old = cfg_path_push(b, "experiences[%zu]", i);

		if (is_archived(b, lists, e->id))
			e->flags |= CV_EXP_ARCHIVED;
		if (!environment(b, exp, e))
			return false;
		targeting(b, lists, exp, e);
		if (b->failed || !variations(b, lists, exp, e, (uint32_t) i))
			return false;
		cfg_path_pop(b, old);
	}
	return true;
}
