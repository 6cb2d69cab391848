/*
 * config_compile_results.c — the JSON texts of result objects, computed
 * once per variation and per feature change (config_compile_parts.h).
 *
 * A BucketedVariation is {experienceId, experienceName, experienceKey,
 * bucketingAllocation} with every variation field spread over it; a
 * BucketedFeature takes the first three from that object.  The SDK casts
 * feature variables in place, so a change that shows up k times in one
 * call has been cast k times: the texts for k = 0, 1, ... are stored until
 * casting changes nothing more.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_compile_parts.h"
#include "config/feature_cast.h"
#include "json/json_stringify.h"
#include "json/json_view_jsonc.h"

/* Append "name":value to a JSON object being written. */
static bool
append_member(cv_buf *out, bool *first, const char *name, struct json_object *value)
{
	bool		ok = (*first || cv_buf_append(out, ",", 1)) &&
		cv_json_quote(out, name, strlen(name)) && cv_buf_append(out, ":", 1) &&
		cv_json_stringify(out, value);

	*first = false;
	return ok;
}

/* Append "name": and JSON text as it is to an object being written. */
static bool
append_raw(cv_buf *out, bool *first, const char *name, const char *json, size_t len)
{
	bool		ok = (*first || cv_buf_append(out, ",", 1)) &&
		cv_json_quote(out, name, strlen(name)) && cv_buf_append(out, ":", 1) &&
		cv_buf_append(out, json, len);

	*first = false;
	return ok;
}

/* A field of the BucketedVariation: the variation's own, else the experience's. */
static bool
bucketed_field(struct json_object *exp, struct json_object *var,
			   const char *var_name, const char *exp_name, struct json_object **out)
{
	return cfg_member(var, var_name, out) || cfg_member(exp, exp_name, out);
}

/* Result members taken from the experience: name in the result, in the config. */
static const char *const experience_fields[3][2] = {
	{"experienceId", "id"}, {"experienceName", "name"}, {"experienceKey", "key"}};

/* The result object of a variation: experience fields, a
 * bucketingAllocation slot (filled in when fresh), then the variation's members. */
static bool
variation_text(cv_buf *out, struct json_object *exp, struct json_object *var,
			   bool fresh)
{
	struct json_object *o;
	bool		first = true;
	bool		ok = cv_buf_append(out, "{", 1);

	for (int i = 0; i < 3; i++)
		if (!cfg_member(var, experience_fields[i][0], &o) && cfg_member(exp, experience_fields[i][1], &o))
			ok = ok && append_member(out, &first, experience_fields[i][0], o);
	if (fresh && !cfg_member(var, "bucketingAllocation", &o))
		ok = ok && append_raw(out, &first, "bucketingAllocation", "1", 1);
	json_object_object_foreach(var, name, value)
		ok = ok && append_member(out, &first, name, value);
	return ok && cv_buf_append(out, "}", 1);
}

bool
cfg_variation_results(cfg_builder *b, struct json_object *exp,
					  struct json_object *var, uint32_t index)
{
	cv_buf		text = {0};
	struct json_object *own;
	cv_cfg_str	stored;
	cv_cfg_str	fresh;
	cv_cfg_variation *v;

	if (!variation_text(&text, exp, var, false))
		return cv_buf_free(&text), cfg_fail(b, CV_CONFIG_ERR_NOMEM, NULL, NULL, "out of memory");
	stored = cfg_str(b, text.data, text.len);
	text.len = 0;
	if (!variation_text(&text, exp, var, true))
		return cv_buf_free(&text), cfg_fail(b, CV_CONFIG_ERR_NOMEM, NULL, NULL, "out of memory");
	fresh = cfg_str(b, text.data, text.len);
	cv_buf_free(&text);
	v = CFG_AT(&b->variations, cv_cfg_variation, index);
	v->json_stored = stored;
	v->json_fresh = fresh;
	if (cfg_member(var, "bucketingAllocation", &own))
		v->flags |= CV_VAR_OWN_ALLOCATION;
	return !b->failed;
}

/* The declared feature the SDK finds for String(feature_id): the last one. */
static uint32_t
declared_feature(cfg_builder *b, const char *id, size_t len)
{
	uint32_t	found = CV_CFG_NONE;

	for (size_t i = 0; i < b->features.len; i++)
	{
		cv_cfg_feature *f = CFG_AT(&b->features, cv_cfg_feature, i);

		if (f->id.len == len && memcmp(b->pool.data + f->id.off, id, len) == 0)
			found = (uint32_t) i;
	}
	return found;
}

/* The declared type of variable `name`: the first variable with that key. */
static struct json_object *
variable_type(struct json_object *feature, const char *name, size_t len)
{
	struct json_object *vars;

	if (!cfg_member(feature, "variables", &vars) || !cfg_is_array(vars))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(vars); i++)
	{
		struct json_object *key;
		struct json_object *type;
		struct json_object *v = json_object_array_get_idx(vars, i);

		if (cfg_member(v, "key", &key) && key != NULL &&
			json_object_get_type(key) == json_type_string &&
			(size_t) json_object_get_string_len(key) == len &&
			memcmp(json_object_get_string(key), name, len) == 0)
			return cfg_member(v, "type", &type) && cfg_truthy(true, type) ? type : NULL;
	}
	return NULL;
}

/* Cast one variable; *changed is false when its type is not declared. */
static bool
cast_one(struct json_object *feature, const char *name, struct json_object *value,
		 struct json_object **out, bool *changed)
{
	struct json_object *type = variable_type(feature, name, strlen(name));
	bool		ok = true;

	*out = NULL;
	*changed = false;
	if (type == NULL || json_object_get_type(type) != json_type_string)
		return true;			/* castType's default: unchanged */
	*out = cv_feature_cast(value, json_object_get_string(type),
						   (size_t) json_object_get_string_len(type), &ok);
	*changed = ok;
	return ok;
}

/* One in-place pass of the SDK's loop over variables_data. */
static bool
cast_pass(struct json_object *vars, struct json_object *feature)
{
	if (cfg_is_array(vars))
	{
		for (size_t i = 0; i < json_object_array_length(vars); i++)
		{
			char		name[24];
			struct json_object *cast;
			bool		changed;

			snprintf(name, sizeof(name), "%zu", i);
			if (!cast_one(feature, name, json_object_array_get_idx(vars, i), &cast, &changed))
				return false;
			if (changed)
				json_object_array_put_idx(vars, i, cast);
		}
		return true;
	}
	{
		size_t		n = (size_t) json_object_object_length(vars);
		const char **names = calloc(n ? n : 1, sizeof(char *));
		size_t		k = 0;
		bool		ok = names != NULL;

		if (ok)
		{
			json_object_object_foreach(vars, name, value)
			{
				(void) value;
				names[k++] = name;
			}
		}
		for (size_t i = 0; ok && i < k; i++)
		{
			struct json_object *cast;
			bool		changed;

			ok = cast_one(feature, names[i], json_object_object_get(vars, names[i]),
						  &cast, &changed);
			if (ok && changed)
				json_object_object_add(vars, names[i], cast);
		}
		free(names);
		return ok;
	}
}

/* objectNotEmpty: a non-null object or array with at least one key. */
static bool
object_not_empty(struct json_object *o)
{
	if (cfg_is_array(o))
		return json_object_array_length(o) > 0;
	return cfg_is_object(o) && json_object_object_length(o) > 0;
}

typedef struct entry_parts
{
	struct json_object *exp;
	struct json_object *var;
	struct json_object *declared;	/* the declared feature's JSON, or NULL */
	cv_cfg_str	feature_id;
	bool		has_variables;
} entry_parts;

/* The JSON of an enabled feature entry, with variables as given. */
static bool
entry_text(cfg_builder *b, cv_buf *out, const entry_parts *p, struct json_object *vars)
{
	struct json_object *o;
	bool		first = true;
	bool		ok = cv_buf_append(out, "{", 1);

	for (int i = 0; i < 3; i++)
		if (bucketed_field(p->exp, p->var, experience_fields[i][0], experience_fields[i][1], &o))
			ok = ok && append_member(out, &first, experience_fields[i][0], o);
	if (p->declared != NULL && cfg_member(p->declared, "key", &o))
		ok = ok && append_member(out, &first, "key", o);
	if (p->declared != NULL && cfg_member(p->declared, "name", &o))
		ok = ok && append_member(out, &first, "name", o);
	ok = ok && (first || cv_buf_append(out, ",", 1)) &&
		cv_buf_append(out, "\"id\":", 5) &&
		cv_json_quote(out, b->pool.data + p->feature_id.off, p->feature_id.len) &&
		cv_buf_append(out, ",\"status\":\"enabled\"", 19);
	if (p->has_variables)
		ok = ok && cv_buf_append(out, ",\"variables\":", 13) && cv_json_stringify(out, vars);
	return ok && cv_buf_append(out, "}", 1);
}

/* Keep one rendering of an entry in the pool. */
static bool
push_variant(cfg_builder *b, cv_buf *text)
{
	cv_cfg_str *slot = cfg_push(b, &b->variants);

	if (slot == NULL)
		return false;
	*slot = cfg_str(b, text->data, text->len);
	return !b->failed;
}

/* Entry texts after 0, 1, 2, ... casts, until a cast changes nothing. */
static bool
cast_chain(cfg_builder *b, const entry_parts *p, struct json_object *vars,
		   cv_cfg_change *c)
{
	cv_buf		prev = {0};
	cv_buf		next = {0};
	struct json_object *cur = NULL;
	bool		ok = entry_text(b, &prev, p, vars) && push_variant(b, &prev);
	size_t		limit = b->experiences.len + 1;

	c->variant_first = (uint32_t) (b->variants.len - 1);
	if (ok && p->declared != NULL && object_not_empty(vars))
		ok = json_object_deep_copy(vars, &cur, NULL) == 0;
	for (size_t k = 1; ok && cur != NULL && k <= limit; k++)
	{
		next.len = 0;
		ok = cast_pass(cur, p->declared) && entry_text(b, &next, p, cur);
		if (!ok || (next.len == prev.len && memcmp(next.data, prev.data, next.len) == 0))
			break;
		ok = push_variant(b, &next);
		prev.len = 0;
		ok = ok && cv_buf_append(&prev, next.data, next.len);
	}
	c->variant_count = (uint32_t) (b->variants.len - c->variant_first);
	json_object_put(cur);
	cv_buf_free(&prev);
	cv_buf_free(&next);
	return ok ? true : (b->failed ? false : cfg_fail(b, CV_CONFIG_ERR_NOMEM, NULL, NULL, "out of memory"));
}

bool
cfg_variation_changes(cfg_builder *b, cfg_lists *lists, struct json_object *exp,
					  struct json_object *var, uint32_t index)
{
	struct json_object *changes;
	size_t		n;

	CFG_AT(&b->variations, cv_cfg_variation, index)->change_first = (uint32_t) b->changes.len;
	if (!cfg_member_truthy(var, "changes", &changes))
		return true;
	if (!cfg_is_array(changes))
		return cfg_fail(b, CV_CONFIG_ERR_SHAPE, "changes", NULL,
						"must be an array, not %s", cfg_type_phrase(changes));
	n = json_object_array_length(changes);
	for (size_t i = 0; i < n; i++)
	{
		struct json_object *change = json_object_array_get_idx(changes, i);
		struct json_object *type;
		struct json_object *data;
		struct json_object *feature_id;
		struct json_object *vars = NULL;
		entry_parts p;
		cv_cfg_change *c;

		if (!cfg_member(change, "type", &type) || type == NULL ||
			json_object_get_type(type) != json_type_string ||
			strcmp(json_object_get_string(type), "fullStackFeature") != 0 ||
			!cfg_member(change, "data", &data) ||
			!cfg_member_truthy(data, "feature_id", &feature_id))
			continue;
		memset(&p, 0, sizeof(p));
		p.exp = exp;
		p.var = var;
		p.has_variables = cfg_member(data, "variables_data", &vars);
		p.feature_id = cfg_js_string(b, true, feature_id);
		if ((c = cfg_push(b, &b->changes)) == NULL || b->failed)
			return false;
		c->feature_id = p.feature_id;
		c->declared = declared_feature(b, b->pool.data + p.feature_id.off, p.feature_id.len);
		if (c->declared != CV_CFG_NONE)
			p.declared = json_object_array_get_idx(lists->features, c->declared);
		if (!cast_chain(b, &p, vars, c))
			return false;
		CFG_AT(&b->variations, cv_cfg_variation, index)->change_count++;
	}
	return true;
}
