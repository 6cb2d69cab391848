/*
 * config_compile_entities.c — experience keys, locations, audiences,
 * segments and declared features (config_compile_parts.h).
 */
#include <stdio.h>
#include <string.h>

#include "config/config_compile_parts.h"
#include "js/js_value.h"
#include "json/json_stringify.h"
#include "json/json_view_jsonc.h"
#include "rules/rules.h"

/* Does pool string s hold exactly the len bytes at t? */
static bool
pool_equal(cfg_builder *b, cv_cfg_str s, const char *t, size_t len)
{
	return s.off != CV_CFG_NONE && s.len == len &&
		memcmp(b->pool.data + s.off, t, len) == 0;
}

/* memcmp order of two pool strings, shorter first on a tie. */
static int
pool_compare(cfg_builder *b, cv_cfg_str x, cv_cfg_str y)
{
	size_t		n = x.len < y.len ? x.len : y.len;
	int			c = memcmp(b->pool.data + x.off, b->pool.data + y.off, n);

	if (c != 0)
		return c;
	return x.len < y.len ? -1 : x.len > y.len;
}

uint32_t
cfg_experience_by_key(cfg_builder *b, const char *s, size_t len)
{
	for (size_t i = 0; i < b->experiences.len; i++)
		if (pool_equal(b, CFG_AT(&b->experiences, cv_cfg_experience, i)->key, s, len))
			return (uint32_t) i;
	return CV_CFG_NONE;
}

/* id: a string or a number (the SDK calls experience.id.toString()). */
static bool
experience_identity(cfg_builder *b, struct json_object *exp, cv_cfg_experience *e)
{
	struct json_object *id;
	struct json_object *key;
	bool		has_id = cfg_member(exp, "id", &id);
	bool		has_key = cfg_member(exp, "key", &key);
	json_type	t = id ? json_object_get_type(id) : json_type_null;

	if (!has_id || (t != json_type_string && t != json_type_int && t != json_type_double))
		return cfg_fail(b, CV_CONFIG_ERR_SHAPE, "id", NULL,
						has_id ? "must be a string or a number, not %s" : "is missing%s",
						has_id ? cfg_type_phrase(id) : "");
	if (has_key && (cfg_is_object(key) || cfg_is_array(key)))
		return cfg_fail(b, CV_CONFIG_ERR_SHAPE, "key", NULL,
						"must be a string, not %s", cfg_type_phrase(key));
	e->id = cfg_js_string(b, true, id);
	e->key = cfg_js_string(b, has_key, key);
	if (cfg_truthy(true, id))
		e->flags |= CV_EXP_ID_TRUTHY;
	if (has_key && key != NULL && json_object_get_type(key) == json_type_string)
		e->flags |= CV_EXP_KEY_STRING;
	return !b->failed;
}

/* Sorted list of the first experience per key string (binary search). */
static bool
key_order(cfg_builder *b)
{
	size_t		n = b->experiences.len;
	uint32_t	first = (uint32_t) b->index.len;
	uint32_t	count = 0;

	for (size_t i = 0; i < n; i++)
	{
		cv_cfg_experience *e = CFG_AT(&b->experiences, cv_cfg_experience, i);
		uint32_t	pos;

		if (e->lookup != i)
			continue;
		cfg_index_push(b, (uint32_t) i);
		if (b->failed)
			return false;
		/* Insertion sort: experience lists are short, and no callback state. */
		for (pos = first + count; pos > first; pos--)
		{
			uint32_t   *idx = (uint32_t *) b->index.data;
			cv_cfg_experience *prev = CFG_AT(&b->experiences, cv_cfg_experience, idx[pos - 1]);

			if (pool_compare(b, prev->key, e->key) <= 0)
				break;
			idx[pos] = idx[pos - 1];
			idx[pos - 1] = (uint32_t) i;
		}
		count++;
	}
	b->key_order.first = first;
	b->key_order.count = count;
	return true;
}

bool
cfg_compile_experience_keys(cfg_builder *b, cfg_lists *lists)
{
	size_t		n = cfg_list_len(lists->experiences);

	for (size_t i = 0; i < n; i++)
	{
		struct json_object *exp = json_object_array_get_idx(lists->experiences, i);
		cv_cfg_experience *e = cfg_push(b, &b->experiences);
		size_t		old = cfg_path_push(b, "experiences[%zu]", i);

		if (e == NULL || !experience_identity(b, exp, e))
			return false;
		e->lookup = (uint32_t) i;
		for (size_t j = 0; j < i; j++)
		{
			cv_cfg_experience *other = CFG_AT(&b->experiences, cv_cfg_experience, j);

			if (pool_equal(b, other->id, b->pool.data + e->id.off, e->id.len))
				return cfg_fail(b, CV_CONFIG_ERR_INVALID, "id",
								"Experience ids are unique in a served config.",
								"duplicates the id of experiences[%zu]", j);
			if (e->lookup == i && pool_equal(b, other->key, b->pool.data + e->key.off, e->key.len))
				e->lookup = (uint32_t) j;
		}
		cfg_path_pop(b, old);
	}
	return key_order(b);
}

/* rules: falsy means "skipped"; anything else compiles (leniently). */
static uint32_t
entity_rules(cfg_builder *b, struct json_object *entity)
{
	struct json_object *rules;
	bool		present = cfg_member(entity, "rules", &rules);
	size_t		old;
	uint32_t	r;

	if (!cfg_truthy(present, rules))
		return CV_CFG_NONE;
	old = cfg_path_push(b, "rules");
	r = cfg_rules(b, rules);
	cfg_path_pop(b, old);
	return r;
}

bool
cfg_compile_locations(cfg_builder *b, cfg_lists *lists)
{
	for (size_t i = 0; i < cfg_list_len(lists->locations); i++)
	{
		struct json_object *loc = json_object_array_get_idx(lists->locations, i);
		cv_cfg_location *l = cfg_push(b, &b->locations);
		size_t		old = cfg_path_push(b, "locations[%zu]", i);

		if (l == NULL)
			return false;
		l->rules = entity_rules(b, loc);
		cfg_path_pop(b, old);
		if (b->failed)
			return false;
	}
	return true;
}

/* The audience's bucketed_into_experience_key rule, resolved to an index. */
static void
audience_exclusion(cfg_builder *b, cv_cfg_audience *a)
{
	const cv_cfg_rules *r = CFG_AT(&b->rules, cv_cfg_rules, a->rules);
	const char *key;
	size_t		key_len;
	bool		negated;

	if (!cv_rules_mutual_exclusion(b->rule_blocks.data + r->off, &key, &key_len, &negated))
		return;
	a->flags |= CV_AUD_MX | (negated ? CV_AUD_MX_NEGATED : 0);
	a->mx_target = key ? cfg_experience_by_key(b, key, key_len) : CV_CFG_NONE;
}

bool
cfg_compile_audiences(cfg_builder *b, cfg_lists *lists)
{
	for (size_t i = 0; i < cfg_list_len(lists->audiences); i++)
	{
		struct json_object *aud = json_object_array_get_idx(lists->audiences, i);
		struct json_object *type;
		cv_cfg_audience *a = cfg_push(b, &b->audiences);
		size_t		old = cfg_path_push(b, "audiences[%zu]", i);

		if (a == NULL)
			return false;
		a->mx_target = CV_CFG_NONE;
		a->rules = entity_rules(b, aud);
		if (b->failed)
			return false;
		if (cfg_member(aud, "type", &type) && type != NULL &&
			json_object_get_type(type) == json_type_string &&
			strcmp(json_object_get_string(type), "permanent") == 0)
			a->flags |= CV_AUD_PERMANENT;
		if (a->rules != CV_CFG_NONE)
			audience_exclusion(b, a);
		cfg_path_pop(b, old);
	}
	return true;
}

bool
cfg_compile_segments(cfg_builder *b, cfg_lists *lists)
{
	for (size_t i = 0; i < cfg_list_len(lists->segments); i++)
	{
		struct json_object *seg = json_object_array_get_idx(lists->segments, i);
		struct json_object *id;
		bool		present = cfg_member(seg, "id", &id);
		cv_cfg_segment *s = cfg_push(b, &b->segments);
		cv_jv		v = cv_jv_from_jsonc(id);

		if (s == NULL)
			return false;
		s->kind = present ? v.kind : CV_JV_UNDEFINED;
		s->truthy = cfg_truthy(present, id);
		s->number = v.kind == CV_JV_NUMBER ? v.number : (v.kind == CV_JV_BOOL && v.boolean);
		s->str = v.kind == CV_JV_STRING ? cfg_str(b, v.str, v.len) : cfg_absent;
	}
	return !b->failed;
}

/* Raw JSON of a member, or absent. */
static cv_cfg_str
member_json(cfg_builder *b, struct json_object *obj, const char *name)
{
	struct json_object *o;

	if (!cfg_member(obj, name, &o))
		return cfg_absent;
	b->scratch.len = 0;
	if (!cv_json_stringify(&b->scratch, o))
		return cfg_absent;
	return cfg_str(b, b->scratch.data, b->scratch.len);
}

/* Check a feature's declared variables: an array of objects with a key and
 * a type. */
static bool
feature_variables(cfg_builder *b, struct json_object *feat)
{
	struct json_object *vars;

	if (!cfg_member_truthy(feat, "variables", &vars))
		return true;
	if (!cfg_is_array(vars))
		return cfg_fail(b, CV_CONFIG_ERR_SHAPE, "variables", NULL,
						"must be an array, not %s", cfg_type_phrase(vars));
	for (size_t i = 0; i < json_object_array_length(vars); i++)
	{
		struct json_object *v = json_object_array_get_idx(vars, i);

		if (!cfg_is_object(v))
		{
			char		member[48];

			snprintf(member, sizeof(member), "variables[%zu]", i);
			return cfg_fail(b, CV_CONFIG_ERR_SHAPE, member, NULL,
							"must be an object, not %s", cfg_type_phrase(v));
		}
	}
	return true;
}

/* {id, name, key, status: "disabled"} with the feature's raw values. */
static cv_cfg_str
disabled_json(cfg_builder *b, cv_cfg_feature *f, struct json_object *feat)
{
	cv_cfg_str	key = member_json(b, feat, "key");
	cv_buf		out = {0};
	cv_cfg_str	r;
	bool		ok = cv_buf_append(&out, "{", 1);

	if (f->id_json.off != CV_CFG_NONE)
		ok = ok && cv_buf_append(&out, "\"id\":", 5) &&
			cv_buf_append(&out, b->pool.data + f->id_json.off, f->id_json.len) &&
			cv_buf_append(&out, ",", 1);
	if (f->name_json.off != CV_CFG_NONE)
		ok = ok && cv_buf_append(&out, "\"name\":", 7) &&
			cv_buf_append(&out, b->pool.data + f->name_json.off, f->name_json.len) &&
			cv_buf_append(&out, ",", 1);
	if (key.off != CV_CFG_NONE)
		ok = ok && cv_buf_append(&out, "\"key\":", 6) &&
			cv_buf_append(&out, b->pool.data + key.off, key.len) &&
			cv_buf_append(&out, ",", 1);
	ok = ok && cv_buf_append(&out, "\"status\":\"disabled\"}", 20);
	r = ok ? cfg_str(b, out.data, out.len) : cfg_absent;
	cv_buf_free(&out);
	return r;
}

/*
 * The SDK lists disabled features by iterating an object keyed by
 * String(id): array-index keys ascending, then insertion order; a later
 * duplicate id replaces the value but keeps the key's place.
 */
static bool
feature_order(cfg_builder *b)
{
	size_t		n = b->features.len;
	uint32_t	first = (uint32_t) b->index.len;
	uint32_t	count = 0;

	for (int pass = 0; pass < 2; pass++)
	{
		for (size_t i = 0; i < n; i++)
		{
			cv_cfg_feature *f = CFG_AT(&b->features, cv_cfg_feature, i);
			const char *id = b->pool.data + f->id.off;
			uint32_t	index = 0;
			bool		is_index = cv_js_array_index(id, f->id.len, &index);
			size_t		winner = i;
			bool		seen = false;
			uint32_t	pos;

			for (size_t j = 0; j < n; j++)
			{
				cv_cfg_feature *g = CFG_AT(&b->features, cv_cfg_feature, j);

				if (pool_equal(b, g->id, id, f->id.len))
				{
					seen = seen || j < i;
					winner = j;
				}
			}
			if (seen || is_index != (pass == 0))
				continue;
			cfg_index_push(b, (uint32_t) winner);
			if (b->failed)
				return false;
			count++;
			if (pass == 1)
				continue;
			/* Array indexes: insertion sort by numeric value. */
			for (pos = first + count - 1; pos > first; pos--)
			{
				uint32_t   *idx = (uint32_t *) b->index.data;
				cv_cfg_feature *p = CFG_AT(&b->features, cv_cfg_feature, idx[pos - 1]);
				uint32_t	pv = 0;

				cv_js_array_index(b->pool.data + p->id.off, p->id.len, &pv);
				if (pv <= index)
					break;
				idx[pos] = idx[pos - 1];
				idx[pos - 1] = (uint32_t) winner;
			}
		}
	}
	b->feature_order.first = first;
	b->feature_order.count = count;
	return true;
}

bool
cfg_compile_features(cfg_builder *b, cfg_lists *lists)
{
	for (size_t i = 0; i < cfg_list_len(lists->features); i++)
	{
		struct json_object *feat = json_object_array_get_idx(lists->features, i);
		struct json_object *id;
		struct json_object *key;
		bool		has_id = cfg_member(feat, "id", &id);
		bool		has_key = cfg_member(feat, "key", &key);
		cv_cfg_feature *f = cfg_push(b, &b->features);
		size_t		old = cfg_path_push(b, "features[%zu]", i);

		if (f == NULL || !feature_variables(b, feat))
			return false;
		f->id = cfg_js_string(b, has_id, id);
		f->key = cfg_js_string(b, has_key, key);
		if (has_id && id && json_object_get_type(id) == json_type_string)
			f->flags |= CV_FEAT_ID_STRING;
		if (has_key && key && json_object_get_type(key) == json_type_string)
			f->flags |= CV_FEAT_KEY_STRING;
		f->id_json = member_json(b, feat, "id");
		f->name_json = member_json(b, feat, "name");
		f->disabled_json = disabled_json(b, f, feat);
		cfg_path_pop(b, old);
		if (b->failed)
			return false;
	}
	return feature_order(b);
}
