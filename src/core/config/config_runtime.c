/*
 * config_runtime.c — runtime creation, rule runtimes on demand, scratch
 * (config_runtime.h).
 */
#include <stdlib.h>
#include <string.h>

#include "config/config_runtime.h"

cv_config_runtime *
cv_config_runtime_new(const void *blob)
{
	cv_config_runtime *rt = calloc(1, sizeof(*rt));
	const cv_cfg_header *h = blob;

	if (rt == NULL)
		return NULL;
	rt->blob = blob;
	rt->v = cv_cfg_view_of(blob);
	rt->n_rules = h->n_rules;
	rt->rules = calloc(h->n_rules ? h->n_rules : 1, sizeof(cv_rules_runtime *));
	/* Each experience is written at most once per evaluation. */
	rt->overlay = calloc(h->n_experiences ? h->n_experiences : 1, sizeof(cv_overlay_entry));
	rt->decisions = calloc(h->n_experiences ? h->n_experiences : 1, sizeof(cv_decision));
	rt->change_counts = calloc(h->n_changes ? h->n_changes : 1, sizeof(uint32_t));
	if (rt->rules == NULL || rt->overlay == NULL || rt->decisions == NULL ||
		rt->change_counts == NULL)
	{
		cv_config_runtime_free(rt);
		return NULL;
	}
	return rt;
}

void
cv_config_runtime_free(cv_config_runtime *rt)
{
	if (rt == NULL)
		return;
	/* The block may already be freed (its memory context goes first). */
	if (rt->rules != NULL)
		for (uint32_t i = 0; i < rt->n_rules; i++)
			cv_rules_runtime_free(rt->rules[i]);
	free(rt->rules);
	free(rt->overlay);
	free(rt->decisions);
	free(rt->entries);
	free(rt->change_counts);
	free(rt);
}

bool
cv_config_runtime_failed(const cv_config_runtime *rt)
{
	return rt->failed;
}

void
cv_rt_begin(cv_config_runtime *rt)
{
	rt->n_overlay = 0;
	rt->n_decisions = 0;
	rt->n_entries = 0;
	rt->failed = false;
}

cv_rule_result
cv_rt_eval(cv_config_runtime *rt, uint32_t r, const cv_jv *props,
		   const cv_jv_ops *ops)
{
	if (rt->rules[r] == NULL)
	{
		cv_rules_error err;

		rt->rules[r] = cv_rules_runtime_new((const char *) rt->blob + rt->v.rules[r].off, &err);
		if (rt->rules[r] == NULL)
		{
			rt->failed = true;
			return CV_RULE_FALSE;
		}
	}
	return cv_rules_eval(rt->rules[r], props, ops);
}

/* Append a feature entry to the call's results, growing the list; false
 * when out of memory. */
bool
cv_rt_push_entry(cv_config_runtime *rt, cv_feature_entry e)
{
	if (rt->n_entries == rt->cap_entries)
	{
		size_t		cap = rt->cap_entries ? rt->cap_entries * 2 : 16;
		cv_feature_entry *grown = realloc(rt->entries, cap * sizeof(e));

		if (grown == NULL)
		{
			rt->failed = true;
			return false;
		}
		rt->entries = grown;
		rt->cap_entries = cap;
	}
	rt->entries[rt->n_entries++] = e;
	return true;
}
