/*
 * config_decide.c — runExperience / runExperiences on a compiled config,
 * step by step as docs/sdk-behaviour.md ("runExperience step by step")
 * describes the SDK.
 */
#include <math.h>
#include <string.h>

#include "bucketing/bucketing.h"
#include "config/config_runtime.h"
#include "js/js_value.h"

typedef struct stored_value
{
	bool		truthy;
	cv_text		id;
} stored_value;

/* Does a text equal the len bytes at s? */
static bool
text_eq(cv_text a, const char *s, size_t len)
{
	return a.len == len && memcmp(a.str, s, len) == 0;
}

/* A string of the pool as a text. */
static cv_text
pool_text(const cv_cfg_view *v, cv_cfg_str s)
{
	cv_text		t = {v->pool + s.off, s.len};

	return t;
}

/* The visitor's stored bucketing[String(experience.id)], this call's first. */
static stored_value
stored_for(const cv_config_runtime *rt, const cv_decide_input *in, uint32_t exp)
{
	cv_text		id = pool_text(&rt->v, rt->v.experiences[exp].id);
	stored_value r = {false, {"", 0}};

	for (size_t i = 0; i < rt->n_overlay; i++)
		if (rt->overlay[i].experience == exp)
		{
			r.truthy = true;
			r.id = rt->overlay[i].variation_id;
			return r;
		}
	for (size_t i = 0; i < in->n_stored; i++)
		if (text_eq(in->stored[i].experience_id, id.str, id.len))
		{
			r.truthy = in->stored[i].truthy;
			r.id = in->stored[i].variation_id;
			return r;
		}
	return r;
}

/* Remember a decision made in this call, as the SDK's store would
 * (enableStorage). */
static void
remember(cv_config_runtime *rt, uint32_t exp, cv_text variation_id)
{
	size_t		i;

	for (i = 0; i < rt->n_overlay && rt->overlay[i].experience != exp; i++)
		;
	rt->overlay[i].experience = exp;
	rt->overlay[i].variation_id = variation_id;
	if (i == rt->n_overlay)
		rt->n_overlay++;
}

/* retrieveVariation: the first variation whose id is the string `id`. */
static uint32_t
variation_by_id(const cv_cfg_view *v, uint32_t exp, cv_text id)
{
	const cv_cfg_experience *e = &v->experiences[exp];

	for (uint32_t i = 0; i < e->var_count; i++)
	{
		const cv_cfg_variation *x = &v->variations[e->var_first + i];

		if ((x->flags & CV_VAR_ID_STRING) && x->id.len == id.len &&
			memcmp(v->pool + x->id.off, id.str, id.len) == 0)
			return e->var_first + i;
	}
	return CV_CFG_NONE;
}

/* Is r a RuleError? */
static bool
is_error(cv_rule_result r)
{
	return r == CV_RULE_NEED_MORE_DATA || r == CV_RULE_NO_DATA_FOUND;
}

/* Steps 9: locations (any of them), else site_area, else unrestricted. */
static cv_rule_result
location_check(cv_config_runtime *rt, const cv_decide_input *in,
			   const cv_cfg_experience *e)
{
	bool		matched = false;
	cv_rule_result first_error = CV_RULE_FALSE;

	if (in->ignore_location)
		return CV_RULE_TRUE;
	if (!in->has_location)
		return CV_RULE_FALSE;
	if (e->flags & CV_EXP_LOC_LIST)
	{
		for (uint32_t i = 0; i < e->locations.count; i++)
		{
			uint32_t	rules = rt->v.locations[rt->v.index[e->locations.first + i]].rules;
			cv_rule_result r;

			if (rules == CV_CFG_NONE)
				continue;
			r = cv_rt_eval(rt, rules, &in->location_props, in->location_ops);
			if (r == CV_RULE_TRUE)
				matched = true;
			else if (is_error(r) && first_error == CV_RULE_FALSE)
				first_error = r;
		}
		return first_error != CV_RULE_FALSE ? first_error
			: (matched ? CV_RULE_TRUE : CV_RULE_FALSE);
	}
	if (e->site_area != CV_CFG_NONE)
		return cv_rt_eval(rt, e->site_area, &in->location_props, in->location_ops);
	return CV_RULE_TRUE;
}

/* The mutual-exclusion audience: decided by the stored bucketing alone. */
static cv_rule_result
exclusion_audience(const cv_config_runtime *rt, const cv_decide_input *in,
				   const cv_cfg_audience *a)
{
	bool		raw = a->mx_target != CV_CFG_NONE &&
		stored_for(rt, in, a->mx_target).truthy;

	return ((a->flags & CV_AUD_MX_NEGATED) ? !raw : raw) ? CV_RULE_TRUE : CV_RULE_FALSE;
}

/* Step 10: audiences, permanent ones skipped for a stored decision. */
static cv_rule_result
audience_check(cv_config_runtime *rt, const cv_decide_input *in,
			   const cv_cfg_experience *e, bool is_bucketed)
{
	uint32_t	checked = 0;
	uint32_t	matched = 0;
	cv_rule_result first_error = CV_RULE_FALSE;

	if (!(e->flags & CV_EXP_AUD_LIST))
		return CV_RULE_TRUE;
	for (uint32_t i = 0; i < e->audiences.count; i++)
	{
		const cv_cfg_audience *a = &rt->v.audiences[rt->v.index[e->audiences.first + i]];
		cv_rule_result r;

		if (is_bucketed && (a->flags & CV_AUD_PERMANENT))
			continue;
		checked++;
		if (a->rules == CV_CFG_NONE)
			continue;
		r = (a->flags & CV_AUD_MX) ? exclusion_audience(rt, in, a)
			: cv_rt_eval(rt, a->rules, &in->visitor_props, in->visitor_ops);
		if (r == CV_RULE_TRUE)
			matched++;
		else if (is_error(r) && first_error == CV_RULE_FALSE)
			first_error = r;
	}
	if (checked == 0)
		return CV_RULE_TRUE;
	if (first_error != CV_RULE_FALSE)
		return first_error;
	if (e->flags & CV_EXP_AUD_ALL)
		return matched == checked ? CV_RULE_TRUE : CV_RULE_FALSE;
	return matched > 0 ? CV_RULE_TRUE : CV_RULE_FALSE;
}

/* SameValueZero of a stored custom segment and a segment's id. */
static bool
same_segment(const cv_jv *x, const cv_cfg_view *v, const cv_cfg_segment *s)
{
	if ((uint32_t) x->kind != s->kind)
		return false;
	switch (x->kind)
	{
		case CV_JV_STRING:
			return x->len == s->str.len && memcmp(x->str, v->pool + s->str.off, x->len) == 0;
		case CV_JV_NUMBER:
			return x->number == s->number || (isnan(x->number) && isnan(s->number));
		case CV_JV_BOOL:
			return x->boolean == (s->number != 0);
		case CV_JV_NULL:
			return true;
		default:
			return false;
	}
}

/* Does `part` (not empty) occur in `text`? */
static bool
text_contains(cv_text text, cv_text part)
{
	const char *p = text.str;
	const char *end = text.str + text.len;

	if (part.len == 0)
		return true;
	while (part.len <= (size_t) (end - p))
	{
		const char *hit = memchr(p, part.str[0], (size_t) (end - p) - part.len + 1);

		if (hit == NULL)
			return false;
		if (memcmp(hit, part.str, part.len) == 0)
			return true;
		p = hit + 1;
	}
	return false;
}

/* customSegments.includes(id) of a string: String(id) occurs in it. */
static bool
segment_in_text(cv_text text, const cv_cfg_view *v, const cv_cfg_segment *s)
{
	char		buf[CV_JS_NUMBER_BUFSIZE];
	cv_text		id;

	switch (s->kind)
	{
		case CV_JV_STRING:
			id = pool_text(v, s->str);
			break;
		case CV_JV_NUMBER:
			id.str = buf;
			id.len = cv_js_number_to_string(s->number, buf);
			break;
		case CV_JV_BOOL:
			id.str = s->number != 0 ? "true" : "false";
			id.len = strlen(id.str);
			break;
		default:
			return false;		/* a null id is never truthy */
	}
	return text_contains(text, id);
}

/* Step 11: segments listed among the audiences need a stored custom segment. */
static bool
segment_check(const cv_config_runtime *rt, const cv_decide_input *in,
			  const cv_cfg_experience *e)
{
	if (e->segments.count == 0)
		return true;
	for (uint32_t i = 0; i < e->segments.count; i++)
	{
		const cv_cfg_segment *s = &rt->v.segments[rt->v.index[e->segments.first + i]];

		if (!s->truthy)
			continue;
		if (in->custom_segments_text.str != NULL &&
			segment_in_text(in->custom_segments_text, &rt->v, s))
			return true;
		for (size_t j = 0; j < in->n_custom_segments; j++)
			if (same_segment(&in->custom_segments[j], &rt->v, s))
				return true;
	}
	return false;
}

/* A decision with outcome o and nothing else. */
static cv_decision
outcome(cv_outcome o)
{
	cv_decision d;

	memset(&d, 0, sizeof(d));
	d.outcome = o;
	return d;
}

/* The decision for a variation (none: the SDK's null), with its bucket when
 * hashed. */
static cv_decision
variation_outcome(uint32_t exp, uint32_t var, bool has_allocation, int32_t allocation)
{
	cv_decision d = outcome(var == CV_CFG_NONE ? CV_OUT_NULL : CV_OUT_VARIATION);

	d.experience = exp;
	d.variation = var;
	d.has_allocation = has_allocation;
	d.allocation = allocation;
	return d;
}

/* The decision ("Stored and forced decisions"): forced, stored, or hashed. */
static cv_decision
decide(cv_config_runtime *rt, const cv_decide_input *in, uint32_t exp)
{
	const cv_cfg_experience *e = &rt->v.experiences[exp];
	uint32_t	forced = in->force_variation.len > 0
		? variation_by_id(&rt->v, exp, in->force_variation) : CV_CFG_NONE;
	stored_value stored = stored_for(rt, in, exp);
	int32_t		value;
	long		chosen = -1;
	cv_text		id;

	if (stored.truthy &&
		(forced == CV_CFG_NONE || text_eq(in->force_variation, stored.id.str, stored.id.len)))
	{
		uint32_t	var = variation_by_id(&rt->v, exp, stored.id);

		if (var != CV_CFG_NONE)
			return variation_outcome(exp, var, false, 0);
	}
	value = cv_bucket_value(rt->v.pool + e->id.off, e->id.len, in->visitor_id.str,
							in->visitor_id.len, CV_DEFAULT_HASH_SEED, CV_DEFAULT_MAX_TRAFFIC);
	for (uint32_t i = 0; i < e->range_count && chosen < 0; i++)
	{
		const cv_cfg_range *r = &rt->v.ranges[e->range_first + i];

		/* NaN bounds (a poisoned packed walk) never match, as in the SDK. */
		if (r->lo <= value && value < r->hi)
			chosen = (long) i;
	}
	if (forced == CV_CFG_NONE && chosen < 0)
		return outcome(CV_OUT_NOT_DECIDED);
	if (forced != CV_CFG_NONE)
		id = in->force_variation;
	else
		id = pool_text(&rt->v, rt->v.ranges[e->range_first + chosen].key);
	if (in->enable_storage)
		remember(rt, exp, id);
	if (forced != CV_CFG_NONE)
		return variation_outcome(exp, forced, chosen >= 0, value);
	{
		uint32_t	local = rt->v.ranges[e->range_first + chosen].variation;

		return variation_outcome(exp, local == CV_CFG_NONE ? CV_CFG_NONE : e->var_first + local,
								 true, value);
	}
}

cv_decision
cv_rt_evaluate(cv_config_runtime *rt, const cv_decide_input *in, uint32_t exp)
{
	const cv_cfg_experience *e = &rt->v.experiences[exp];
	stored_value stored;
	bool		is_bucketed;
	cv_rule_result r;
	bool		segments;

	if (e->flags & CV_EXP_ARCHIVED)
		return outcome(CV_OUT_NULL);
	if ((e->flags & CV_EXP_ENV_SET) &&
		(!(e->flags & CV_EXP_ENV_STRING) ||
		 !text_eq(in->environment, rt->v.pool + e->environment.off, e->environment.len)))
		return outcome(CV_OUT_NULL);
	stored = stored_for(rt, in, exp);
	is_bucketed = stored.truthy && variation_by_id(&rt->v, exp, stored.id) != CV_CFG_NONE;

	r = location_check(rt, in, e);
	if (is_error(r))
	{
		cv_decision d = outcome(CV_OUT_RULE_ERROR);

		d.error = r;
		return d;
	}
	if (r != CV_RULE_TRUE)
		return outcome(CV_OUT_NULL);
	r = audience_check(rt, in, e, is_bucketed);
	if (is_error(r))
	{
		cv_decision d = outcome(CV_OUT_RULE_ERROR);

		d.error = r;
		return d;
	}
	segments = segment_check(rt, in, e);
	if (r != CV_RULE_TRUE || !segments || !(e->flags & CV_EXP_HAS_VARIATIONS) ||
		!(e->flags & CV_EXP_ID_TRUTHY))
		return outcome(CV_OUT_NULL);
	return decide(rt, in, exp);
}

/* The first experience whose String(key) is `key` (binary search). */
static uint32_t
experience_by_key(const cv_cfg_view *v, cv_text key)
{
	uint32_t	lo = 0;
	uint32_t	hi = v->h->key_order.count;

	while (lo < hi)
	{
		uint32_t	mid = lo + (hi - lo) / 2;
		uint32_t	exp = v->index[v->h->key_order.first + mid];
		cv_cfg_str	k = v->experiences[exp].key;
		size_t		n = k.len < key.len ? k.len : key.len;
		int			c = memcmp(v->pool + k.off, key.str, n);

		if (c == 0)
			c = k.len < key.len ? -1 : (k.len > key.len);
		if (c == 0)
			return exp;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return CV_CFG_NONE;
}

cv_decision
cv_run_experience(cv_config_runtime *rt, const cv_decide_input *in, cv_text key)
{
	uint32_t	exp;

	cv_rt_begin(rt);
	exp = experience_by_key(&rt->v, key);
	if (exp == CV_CFG_NONE)
		return outcome(CV_OUT_NULL);
	return cv_rt_evaluate(rt, in, exp);
}

const cv_decision *
cv_run_experiences(cv_config_runtime *rt, const cv_decide_input *in, size_t *n)
{
	cv_rt_begin(rt);
	for (uint32_t i = 0; i < rt->v.h->n_experiences; i++)
	{
		cv_decision d = cv_rt_evaluate(rt, in, rt->v.experiences[i].lookup);

		if (d.outcome == CV_OUT_VARIATION)
			rt->decisions[rt->n_decisions++] = d;
	}
	*n = rt->n_decisions;
	return rt->decisions;
}
