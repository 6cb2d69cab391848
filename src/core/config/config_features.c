/*
 * config_features.c — runFeatures / runFeature's evaluation on a compiled
 * config (docs/sdk-behaviour.md, "Features").
 *
 * Every selected experience is evaluated as runExperience would (so a
 * stored decision made earlier in the call counts), then the
 * fullStackFeature changes of the chosen variations become enabled
 * entries.  The SDK casts variables in the config object itself, so an
 * entry shows its change cast as many times as the change was used in the
 * call; the texts for each count were computed by the compiler.
 */
#include <string.h>

#include "config/config_runtime.h"

/* Is the experience one of the experienceKeys run_feature was given? */
static bool
key_listed(const cv_decide_input *in, const cv_cfg_view *v, const cv_cfg_experience *e)
{
	if (!(e->flags & CV_EXP_KEY_STRING))
		return false;
	for (size_t i = 0; i < in->n_experience_keys; i++)
		if (in->experience_keys[i].len == e->key.len &&
			memcmp(in->experience_keys[i].str, v->pool + e->key.off, e->key.len) == 0)
			return true;
	return false;
}

/* Does the change's declared feature have exactly this (string) key? */
static bool
change_for_feature(const cv_cfg_view *v, const cv_cfg_change *c, const cv_text *feature)
{
	const cv_cfg_feature *f;

	if (c->declared == CV_CFG_NONE)
		return false;
	f = &v->features[c->declared];
	return (f->flags & CV_FEAT_KEY_STRING) && f->key.len == feature->len &&
		memcmp(v->pool + f->key.off, feature->str, feature->len) == 0;
}

/* The enabled entries of the decided variations' feature changes,
 * optionally of one feature. */
static bool
enabled_entries(cv_config_runtime *rt, const cv_decide_input *in,
				const cv_text *feature)
{
	const cv_cfg_view *v = &rt->v;

	memset(rt->change_counts, 0, sizeof(uint32_t) * (v->h->n_changes ? v->h->n_changes : 1));
	for (size_t i = 0; i < rt->n_decisions; i++)
	{
		const cv_cfg_variation *x = &v->variations[rt->decisions[i].variation];

		for (uint32_t c = x->change_first; c < x->change_first + x->change_count; c++)
		{
			cv_feature_entry e = {CV_FEATURE_ENABLED, c, 0, CV_RULE_FALSE};

			if (feature != NULL && !change_for_feature(v, &v->changes[c], feature))
				continue;
			if (!cv_rt_push_entry(rt, e))
				return false;
			rt->change_counts[c]++;
		}
	}
	for (size_t i = 0; i < rt->n_entries; i++)
		rt->entries[i].casts = in->type_casting ? rt->change_counts[rt->entries[i].index] : 0;
	return true;
}

/* Declared features not enabled (compared by strict id equality). */
static bool
disabled_entries(cv_config_runtime *rt)
{
	const cv_cfg_view *v = &rt->v;
	size_t		n_enabled = rt->n_entries;

	for (uint32_t k = 0; k < v->h->feature_order.count; k++)
	{
		uint32_t	f = v->index[v->h->feature_order.first + k];
		const cv_cfg_feature *feat = &v->features[f];
		bool		enabled = false;
		cv_feature_entry e = {CV_FEATURE_DISABLED, f, 0, CV_RULE_FALSE};

		for (size_t i = 0; i < n_enabled && (feat->flags & CV_FEAT_ID_STRING) && !enabled; i++)
		{
			cv_cfg_str id = v->changes[rt->entries[i].index].feature_id;

			enabled = id.len == feat->id.len &&
				memcmp(v->pool + id.off, v->pool + feat->id.off, id.len) == 0;
		}
		if (!enabled && !cv_rt_push_entry(rt, e))
			return false;
	}
	return true;
}

const cv_feature_entry *
cv_run_features(cv_config_runtime *rt, const cv_decide_input *given,
				const cv_text *feature, size_t *n)
{
	cv_decide_input in = *given;
	bool		filtered = feature != NULL && in.n_experience_keys > 0;
	bool		errors = false;

	/* runFeature(s) do not forward these attributes (docs/sdk-behaviour.md). */
	in.force_variation.len = 0;
	in.ignore_location = false;
	in.enable_storage = true;
	cv_rt_begin(rt);
	for (uint32_t i = 0; i < rt->v.h->n_experiences; i++)
	{
		const cv_cfg_experience *e = &rt->v.experiences[i];
		cv_decision d;

		if (filtered && !key_listed(&in, &rt->v, e))
			continue;
		d = cv_rt_evaluate(rt, &in, e->lookup);
		if (d.outcome == CV_OUT_RULE_ERROR)
		{
			cv_feature_entry err = {CV_FEATURE_RULE_ERROR, 0, 0, d.error};

			if (!errors)
				rt->n_entries = 0;
			errors = true;
			cv_rt_push_entry(rt, err);
		}
		else if (d.outcome == CV_OUT_VARIATION)
			rt->decisions[rt->n_decisions++] = d;
	}
	if (!errors && enabled_entries(rt, &in, feature) && feature == NULL)
		disabled_entries(rt);
	*n = rt->n_entries;
	return rt->entries;
}
