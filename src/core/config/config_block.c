/*
 * config_block.c — validating a stored block and reading its texts
 * (config.h).
 */
#include <string.h>

#include "config/config.h"
#include "config/config_format.h"

/* Does a section of n items of size item fit in the block, 8-byte aligned? */
static bool
section_ok(const cv_cfg_header *h, uint32_t off, uint32_t n, size_t item)
{
	return off % 8 == 0 && off <= h->size && (uint64_t) n * item <= h->size - off;
}

/* Is s absent or inside the string pool? */
static bool
str_ok(const cv_cfg_header *h, cv_cfg_str s)
{
	return s.off == CV_CFG_NONE || ((uint64_t) s.off + s.len < h->pool_len);
}

/* Is l inside the index, and each of its entries below n_target? */
static bool
list_ok(const cv_cfg_header *h, cv_cfg_list l, uint32_t n_target,
		const uint32_t *index)
{
	if ((uint64_t) l.first + l.count > h->n_index)
		return false;
	for (uint32_t i = 0; i < l.count; i++)
		if (index[l.first + i] >= n_target)
			return false;
	return true;
}

/* Is r absent or a valid rule index? */
static bool
rule_ok(const cv_cfg_view *v, uint32_t r)
{
	return r == CV_CFG_NONE || r < v->h->n_rules;
}

/* Do every experience's strings, lists, variations and rules point inside
 * the block? */
static bool
experiences_ok(const cv_cfg_view *v)
{
	const cv_cfg_header *h = v->h;

	for (uint32_t i = 0; i < h->n_experiences; i++)
	{
		const cv_cfg_experience *e = &v->experiences[i];

		if (!str_ok(h, e->id) || !str_ok(h, e->key) || !str_ok(h, e->environment) ||
			!rule_ok(v, e->site_area) || e->lookup >= h->n_experiences ||
			!list_ok(h, e->locations, h->n_locations, v->index) ||
			!list_ok(h, e->audiences, h->n_audiences, v->index) ||
			!list_ok(h, e->segments, h->n_segments, v->index) ||
			(uint64_t) e->var_first + e->var_count > h->n_variations ||
			(uint64_t) e->range_first + e->range_count > h->n_ranges)
			return false;
		for (uint32_t r = 0; r < e->range_count; r++)
		{
			const cv_cfg_range *range = &v->ranges[e->range_first + r];

			if (!str_ok(h, range->key) ||
				(range->variation != CV_CFG_NONE && range->variation >= e->var_count))
				return false;
		}
	}
	return true;
}

/* Do the variations, changes, features and entities point inside the block? */
static bool
entities_ok(const cv_cfg_view *v)
{
	const cv_cfg_header *h = v->h;

	for (uint32_t i = 0; i < h->n_variations; i++)
	{
		const cv_cfg_variation *x = &v->variations[i];

		if (!str_ok(h, x->id) || !str_ok(h, x->json_stored) || !str_ok(h, x->json_fresh) ||
			(uint64_t) x->change_first + x->change_count > h->n_changes)
			return false;
	}
	for (uint32_t i = 0; i < h->n_locations; i++)
		if (!rule_ok(v, v->locations[i].rules))
			return false;
	for (uint32_t i = 0; i < h->n_audiences; i++)
		if (!rule_ok(v, v->audiences[i].rules) ||
			(v->audiences[i].mx_target != CV_CFG_NONE &&
			 v->audiences[i].mx_target >= h->n_experiences))
			return false;
	for (uint32_t i = 0; i < h->n_segments; i++)
		if (!str_ok(h, v->segments[i].str))
			return false;
	for (uint32_t i = 0; i < h->n_features; i++)
	{
		const cv_cfg_feature *f = &v->features[i];

		if (!str_ok(h, f->id) || !str_ok(h, f->key) || !str_ok(h, f->id_json) ||
			!str_ok(h, f->name_json) || !str_ok(h, f->disabled_json))
			return false;
	}
	for (uint32_t i = 0; i < h->n_changes; i++)
	{
		const cv_cfg_change *c = &v->changes[i];

		if (!str_ok(h, c->feature_id) || c->variant_count == 0 ||
			(c->declared != CV_CFG_NONE && c->declared >= h->n_features) ||
			(uint64_t) c->variant_first + c->variant_count > h->n_variants)
			return false;
	}
	for (uint32_t i = 0; i < h->n_variants; i++)
		if (!str_ok(h, v->variants[i]))
			return false;
	return true;
}

/* Are the embedded rule blocks aligned, inside the block and valid
 * themselves? */
static bool
rules_ok(const cv_cfg_view *v)
{
	for (uint32_t i = 0; i < v->h->n_rules; i++)
	{
		const cv_cfg_rules *r = &v->rules[i];

		if (r->off % 8 != 0 || r->off > v->h->size || r->size > v->h->size - r->off ||
			!cv_rules_check((const char *) v->h + r->off, r->size))
			return false;
	}
	return true;
}

bool
cv_config_check(const void *blob, size_t size)
{
	const cv_cfg_header *h = blob;
	cv_cfg_view v;

	if (size < sizeof(*h) || ((uintptr_t) blob) % 8 != 0 ||
		h->magic != CV_CFG_MAGIC || h->size != size)
		return false;
	if (!section_ok(h, h->off_experiences, h->n_experiences, sizeof(cv_cfg_experience)) ||
		!section_ok(h, h->off_variations, h->n_variations, sizeof(cv_cfg_variation)) ||
		!section_ok(h, h->off_ranges, h->n_ranges, sizeof(cv_cfg_range)) ||
		!section_ok(h, h->off_locations, h->n_locations, sizeof(cv_cfg_location)) ||
		!section_ok(h, h->off_audiences, h->n_audiences, sizeof(cv_cfg_audience)) ||
		!section_ok(h, h->off_segments, h->n_segments, sizeof(cv_cfg_segment)) ||
		!section_ok(h, h->off_features, h->n_features, sizeof(cv_cfg_feature)) ||
		!section_ok(h, h->off_changes, h->n_changes, sizeof(cv_cfg_change)) ||
		!section_ok(h, h->off_variants, h->n_variants, sizeof(cv_cfg_str)) ||
		!section_ok(h, h->off_index, h->n_index, sizeof(uint32_t)) ||
		!section_ok(h, h->off_rules, h->n_rules, sizeof(cv_cfg_rules)) ||
		!section_ok(h, h->off_pool, h->pool_len, 1) ||
		h->text.off == CV_CFG_NONE || !str_ok(h, h->text) ||
		!list_ok(h, h->key_order, h->n_experiences, (const uint32_t *) ((const char *) blob + h->off_index)) ||
		!list_ok(h, h->feature_order, h->n_features, (const uint32_t *) ((const char *) blob + h->off_index)))
		return false;
	if (h->pool_len == 0 || ((const char *) blob)[h->off_pool + h->pool_len - 1] != '\0')
		return false;
	v = cv_cfg_view_of(blob);
	return experiences_ok(&v) && entities_ok(&v) && rules_ok(&v);
}

/* A string of the pool, empty when absent. */
static cv_text
text_of(const void *blob, cv_cfg_str s)
{
	cv_cfg_view v = cv_cfg_view_of(blob);
	cv_text		t = {"", 0};

	if (s.off != CV_CFG_NONE)
	{
		t.str = v.pool + s.off;
		t.len = s.len;
	}
	return t;
}

const char *
cv_config_json(const void *blob, size_t *len)
{
	cv_text		t = text_of(blob, ((const cv_cfg_header *) blob)->text);

	*len = t.len;
	return t.str;
}

cv_text
cv_config_variation_json(const void *blob, uint32_t variation, bool fresh,
						 bool *own_allocation)
{
	cv_cfg_view v = cv_cfg_view_of(blob);
	const cv_cfg_variation *x = &v.variations[variation];

	*own_allocation = (x->flags & CV_VAR_OWN_ALLOCATION) != 0;
	return text_of(blob, fresh ? x->json_fresh : x->json_stored);
}

cv_text
cv_config_feature_entry_json(const void *blob, uint32_t change, uint32_t casts)
{
	cv_cfg_view v = cv_cfg_view_of(blob);
	const cv_cfg_change *c = &v.changes[change];
	uint32_t	k = casts < c->variant_count ? casts : c->variant_count - 1;

	return text_of(blob, v.variants[c->variant_first + k]);
}

cv_text
cv_config_feature_disabled_json(const void *blob, uint32_t feature)
{
	return text_of(blob, cv_cfg_view_of(blob).features[feature].disabled_json);
}

cv_text
cv_config_feature_id_json(const void *blob, uint32_t feature)
{
	return text_of(blob, cv_cfg_view_of(blob).features[feature].id_json);
}

cv_text
cv_config_feature_name_json(const void *blob, uint32_t feature)
{
	return text_of(blob, cv_cfg_view_of(blob).features[feature].name_json);
}

uint32_t
cv_config_variation_count(const void *blob)
{
	return ((const cv_cfg_header *) blob)->n_variations;
}

uint32_t
cv_config_change_count(const void *blob)
{
	return ((const cv_cfg_header *) blob)->n_changes;
}

uint32_t
cv_config_feature_count(const void *blob)
{
	return ((const cv_cfg_header *) blob)->n_features;
}

uint32_t
cv_config_change_variants(const void *blob, uint32_t change)
{
	return cv_cfg_view_of(blob).changes[change].variant_count;
}

uint32_t
cv_config_find_feature(const void *blob, cv_text key)
{
	cv_cfg_view v = cv_cfg_view_of(blob);

	for (uint32_t i = 0; i < v.h->n_features; i++)
	{
		cv_cfg_str k = v.features[i].key;

		if (k.len == key.len && memcmp(v.pool + k.off, key.str, key.len) == 0)
			return i;
	}
	return CV_CONFIG_NONE;
}

const char *
cv_rule_error_text(cv_rule_result r)
{
	return r == CV_RULE_NO_DATA_FOUND ? "convert.com_no_data_found"
		: "convert.com_need_more_data";
}
