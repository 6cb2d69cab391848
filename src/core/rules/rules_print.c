/*
 * rules_print.c — reading a compiled block back: bounds check, canonical
 * JSON, and the small accessors of rules.h.
 */
#include "rules/rules.h"

#include <stdlib.h>
#include <string.h>

#include "json/json_text.h"
#include "rules/rules_format.h"

/* Is s inside the pool? */
static bool
str_ok(const cv_rules_str *s, uint32_t pool_len)
{
	/* The string and its terminating NUL lie inside the pool. */
	if (pool_len == 0)
		return s->off == 0 && s->len == 0;
	return (uint64_t) s->off + s->len < pool_len;
}

/* Are n blocks' child ranges inside n_children? */
static bool
blocks_ok(const cv_rules_block *b, uint32_t n, uint32_t n_children)
{
	for (uint32_t i = 0; i < n; i++)
		if (b[i].first > n_children || b[i].count > n_children - b[i].first)
			return false;
	return true;
}

/* Are every element's strings and ranges inside the block? */
static bool
elems_ok(const cv_rules_view *v)
{
	uint32_t	pool = v->h->pool_len;

	for (uint32_t i = 0; i < v->h->n_elem; i++)
	{
		const cv_rules_elem *e = &v->elems[i];

		if ((e->match >= CV_MATCH_COUNT && e->match != CV_MATCH_UNKNOWN) ||
			e->vkind > CV_JV_OBJECT ||
			e->isin_first > v->h->n_isin ||
			e->isin_count > v->h->n_isin - e->isin_first ||
			(e->regex != CV_RULES_NONE && e->regex >= v->h->n_regex) ||
			!str_ok(&e->rule_type, pool) || !str_ok(&e->match_name, pool) ||
			!str_ok(&e->key, pool) || !str_ok(&e->value_json, pool) ||
			!str_ok(&e->value_str, pool) || !str_ok(&e->value_lower, pool))
			return false;
	}
	return true;
}

bool
cv_rules_check(const void *bin, size_t size)
{
	const cv_rules_header *h = (const cv_rules_header *) bin;
	cv_rules_view v;

	if (size < sizeof(cv_rules_header) || ((uintptr_t) bin & 3) != 0 ||
		h->magic != CV_RULES_MAGIC || h->size != size ||
		h->n_and > size || h->n_orwhen > size || h->n_elem > size ||
		h->n_isin > size || h->pool_len > size ||
		cv_rules_layout_size(h->n_and, h->n_orwhen, h->n_elem, h->n_isin,
							 h->pool_len) != size)
		return false;
	v = cv_rules_view_of(bin);
	if (h->pool_len > 0 && v.pool[h->pool_len - 1] != '\0')
		return false;
	if (h->mx_elem != CV_RULES_NONE && h->mx_elem >= h->n_elem)
		return false;
	for (uint32_t i = 0; i < h->n_isin; i++)
		if (!str_ok(&v.isin[i], h->pool_len))
			return false;
	return blocks_ok(v.and_blocks, h->n_and, h->n_orwhen) &&
		blocks_ok(v.orwhen_blocks, h->n_orwhen, h->n_elem) &&
		elems_ok(&v);
}

/* Append a pool string as a JSON string. */
static bool
append_pool_string(cv_buf *out, const cv_rules_view *v, const cv_rules_str *s)
{
	return cv_json_append_string(out, v->pool + s->off, s->len);
}

/* Print an element canonically: rule_type, key, value, matching. */
static bool
append_element(cv_buf *out, const cv_rules_view *v, const cv_rules_elem *e)
{
	if (e->flags & CV_EL_MALFORMED)
		return cv_buf_append(out, "{}", 2);
	if (!cv_buf_append(out, "{\"rule_type\":", 13) ||
		!append_pool_string(out, v, &e->rule_type))
		return false;
	if ((e->flags & CV_EL_HAS_KEY) &&
		(!cv_buf_append(out, ",\"key\":", 7) || !append_pool_string(out, v, &e->key)))
		return false;
	if ((e->flags & CV_EL_HAS_VALUE) &&
		(!cv_buf_append(out, ",\"value\":", 9) ||
		 !cv_buf_append(out, v->pool + e->value_json.off, e->value_json.len)))
		return false;
	if (!cv_buf_append(out, ",\"matching\":{\"match_type\":", 26) ||
		!append_pool_string(out, v, &e->match_name))
		return false;
	if (e->flags & CV_EL_HAS_NEGATED)
	{
		const char *neg = (e->flags & CV_EL_NEGATED) ? ",\"negated\":true"
			: ",\"negated\":false";

		if (!cv_buf_append(out, neg, strlen(neg)))
			return false;
	}
	return cv_buf_append(out, "}}", 2);
}

/* {"NAME":[child, ...]} for each block of a level. */
static bool
append_blocks(cv_buf *out, const cv_rules_view *v, const cv_rules_block *b,
			  uint32_t first, uint32_t count, int level)
{
	static const char *const open[] = {"{\"AND\":[", "{\"OR_WHEN\":["};

	for (uint32_t i = first; i < first + count; i++)
	{
		if (i > first && !cv_buf_append(out, ",", 1))
			return false;
		if (!cv_buf_append(out, open[level], strlen(open[level])))
			return false;
		for (uint32_t j = b[i].first; j < b[i].first + b[i].count; j++)
		{
			bool		ok;

			if (j > b[i].first && !cv_buf_append(out, ",", 1))
				return false;
			ok = level == 0
				? append_blocks(out, v, v->orwhen_blocks, j, 1, 1)
				: append_element(out, v, &v->elems[j]);
			if (!ok)
				return false;
		}
		if (!cv_buf_append(out, "]}", 2))
			return false;
	}
	return true;
}

char *
cv_rules_to_json(const void *bin, size_t *out_len)
{
	cv_rules_view v = cv_rules_view_of(bin);
	cv_buf		out = {0};

	if (!cv_buf_append(&out, "{\"OR\":[", 7) ||
		!append_blocks(&out, &v, v.and_blocks, 0, v.h->n_and, 0) ||
		!cv_buf_append(&out, "]}", 2))
	{
		cv_buf_free(&out);
		return NULL;
	}
	if (out_len)
		*out_len = out.len;
	return out.data;
}

uint32_t
cv_rules_element_count(const void *bin)
{
	return ((const cv_rules_header *) bin)->n_elem;
}

bool
cv_rules_mutual_exclusion(const void *bin, const char **key, size_t *key_len,
						  bool *negated)
{
	cv_rules_view v = cv_rules_view_of(bin);
	const cv_rules_elem *e;

	if (v.h->mx_elem == CV_RULES_NONE)
		return false;
	e = &v.elems[v.h->mx_elem];
	*negated = (e->flags & CV_EL_NEGATED) != 0;
	if ((e->flags & CV_EL_HAS_VALUE) && e->vkind == CV_JV_STRING)
	{
		*key = v.pool + e->value_str.off;
		*key_len = e->value_str.len;
	}
	else
	{
		*key = NULL;
		*key_len = 0;
	}
	return true;
}
