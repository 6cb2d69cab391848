/*
 * rules_eval.c — the runtime (compiled regular expressions, scratch
 * buffers) and the SDK's isRuleMatched on plain JSON properties
 * (docs/sdk-behaviour.md, "Tree walk" and "Element checks").
 */
#include "rules/rules_runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "js/js_value.h"

cv_rules_runtime *
cv_rules_runtime_new(const void *bin, cv_rules_error *err)
{
	cv_rules_runtime *rt = calloc(1, sizeof(*rt));

	memset(err, 0, sizeof(*err));
	if (rt == NULL)
		goto nomem;
	rt->bin = bin;
	rt->v = cv_rules_view_of(bin);
	rt->n_regex = rt->v.h->n_regex;
	if (rt->n_regex > 0 &&
		(rt->regexes = calloc(rt->n_regex, sizeof(cv_regex *))) == NULL)
		goto nomem;
	for (uint32_t i = 0; i < rt->v.h->n_elem; i++)
	{
		const cv_rules_elem *e = &rt->v.elems[i];
		cv_rules_str s = e->value_str;

		if (e->regex == CV_RULES_NONE)
			continue;
		if (rt->regexes[e->regex] != NULL)
		{
			/* Two elements claim one regex: not a block we compiled. */
			err->code = CV_RULES_ERR_CORRUPT;
			snprintf(err->message, sizeof(err->message), "corrupted rules");
			cv_rules_runtime_free(rt);
			return NULL;
		}
		rt->regexes[e->regex] = cv_regex_compile(rt->v.pool + s.off, s.len,
												 err->message, sizeof(err->message));
		if (rt->regexes[e->regex] == NULL)
		{
			err->code = CV_RULES_ERR_REGEX;
			cv_rules_runtime_free(rt);
			return NULL;
		}
	}
	return rt;
nomem:
	free(rt);
	err->code = CV_RULES_ERR_NOMEM;
	snprintf(err->message, sizeof(err->message), "out of memory");
	return NULL;
}

void
cv_rules_runtime_free(cv_rules_runtime *rt)
{
	if (rt == NULL)
		return;
	for (uint32_t i = 0; i < rt->n_regex && rt->regexes; i++)
		cv_regex_free(rt->regexes[i]);
	free(rt->regexes);
	cv_buf_free(&rt->str);
	cv_buf_free(&rt->lower);
	free(rt);
}

/* OR_WHEN: first true wins; otherwise the last element's result. */
static cv_rule_result
walk_orwhen(const cv_rules_view *v, uint32_t block, cv_rules_element_fn element,
			void *ctx)
{
	const cv_rules_block *b = &v->orwhen_blocks[block];
	cv_rule_result r = CV_RULE_FALSE;

	for (uint32_t i = b->first; i < b->first + b->count; i++)
	{
		r = element(ctx, i);
		if (r == CV_RULE_TRUE)
			return r;
	}
	return r;
}

/* AND: the first result that is not true decides. */
static cv_rule_result
walk_and(const cv_rules_view *v, uint32_t block, cv_rules_element_fn element,
		 void *ctx)
{
	const cv_rules_block *b = &v->and_blocks[block];

	if (b->count == 0)
		return CV_RULE_FALSE;
	for (uint32_t i = b->first; i < b->first + b->count; i++)
	{
		cv_rule_result r = walk_orwhen(v, i, element, ctx);

		if (r != CV_RULE_TRUE)
			return r;
	}
	return CV_RULE_TRUE;
}

cv_rule_result
cv_rules_walk(const void *bin, cv_rules_element_fn element, void *ctx)
{
	cv_rules_view v = cv_rules_view_of(bin);
	cv_rule_result r = CV_RULE_FALSE;

	/* OR: first true wins; an error survives only from the last block. */
	for (uint32_t i = 0; i < v.h->n_and; i++)
	{
		r = walk_and(&v, i, element, ctx);
		if (r == CV_RULE_TRUE)
			return r;
	}
	return r;
}

typedef struct eval_ctx
{
	cv_rules_runtime *rt;
	const cv_jv *props;
	const cv_jv_ops *ops;
	bool		has_keys;
	bool		provider;		/* {"name":"RuleData",...}: "Element checks" */
} eval_ctx;

/* props[key] as the SDK's key loop finds it (arrays have keys "0", "1", ...). */
static bool
lookup(const eval_ctx *cx, const cv_rules_elem *e, cv_jv *out)
{
	const char *key = cx->rt->v.pool + e->key.off;
	uint32_t	index;

	if (!cx->has_keys || !(e->flags & CV_EL_HAS_KEY))
		return false;
	if (cx->props->kind == CV_JV_OBJECT)
		return cx->ops->object_get(cx->props->node, key, e->key.len, out);
	return cv_js_array_index(key, e->key.len, &index) &&
		cx->ops->array_get(cx->props->node, index, out);
}

/* Evaluate element index against the properties (docs/sdk-behaviour.md,
 * "Element checks"). */
static cv_rule_result
eval_element(void *arg, uint32_t index)
{
	eval_ctx   *cx = arg;
	const cv_rules_elem *e = &cx->rt->v.elems[index];
	cv_jv		value;
	bool		existence;

	if (!(e->flags & CV_EL_VALID) || e->match == CV_MATCH_UNKNOWN)
		return CV_RULE_FALSE;
	existence = e->match == CV_MATCH_EXISTS || e->match == CV_MATCH_DOES_NOT_EXIST;
	if (!cx->provider && lookup(cx, e, &value))
		return cv_rules_compare(cx->rt, e, &value, cx->ops);
	if (!existence)
		return CV_RULE_FALSE;	/* missing key: no negation */
	memset(&value, 0, sizeof(value));
	value.kind = CV_JV_UNDEFINED;
	return cv_rules_compare(cx->rt, e, &value, cx->ops);
}

/* Does the property bag name itself RuleData (the SDK's provider quirk)? */
static bool
is_rule_data_provider(const cv_jv *props, const cv_jv_ops *ops)
{
	cv_jv		name;

	return props->kind == CV_JV_OBJECT &&
		ops->object_get(props->node, "name", 4, &name) &&
		name.kind == CV_JV_STRING && name.len == 8 &&
		memcmp(name.str, "RuleData", 8) == 0;
}

cv_rule_result
cv_rules_eval(cv_rules_runtime *rt, const cv_jv *props, const cv_jv_ops *ops)
{
	eval_ctx	cx;

	/* Data that is not an object (or array) makes every element false. */
	if (props->kind != CV_JV_OBJECT && props->kind != CV_JV_ARRAY)
		return CV_RULE_FALSE;
	cx.rt = rt;
	cx.props = props;
	cx.ops = ops;
	cx.has_keys = ops->count(props->node) > 0;
	cx.provider = cx.has_keys && is_rule_data_provider(props, ops);
	return cv_rules_walk(rt->bin, eval_element, &cx);
}
