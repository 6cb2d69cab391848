/*
 * rules_compare.c — the SDK's Comparisons class (docs/sdk-behaviour.md,
 * "Comparators") on a
 * property value and a compiled rule element.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE				/* memmem */
#endif

#include "rules/rules_runtime.h"

#include <math.h>
#include <string.h>

#include "js/js_value.h"

/* r, inverted when the element is negated. */
static cv_rule_result
negate(bool r, const cv_rules_elem *e)
{
	if (e->flags & CV_EL_NEGATED)
		r = !r;
	return r ? CV_RULE_TRUE : CV_RULE_FALSE;
}

/* The bytes of a pool string. */
static const char *
pool_str(const cv_rules_runtime *rt, const cv_rules_str *s)
{
	return rt->v.pool + s->off;
}

/* rt->str = String(value); rt->lower = its lower case (when asked). */
static bool
string_forms(cv_rules_runtime *rt, const cv_jv *value, const cv_jv_ops *ops,
			 bool lower)
{
	rt->str.len = 0;
	rt->lower.len = 0;
	if (!cv_js_append_string_of(&rt->str, value, ops) || !cv_buf_reserve(&rt->str, 0))
		return false;
	if (lower && (!cv_js_append_lower(&rt->lower, rt->str.data, rt->str.len) ||
				  !cv_buf_reserve(&rt->lower, 0)))
		return false;
	return true;
}

/* Array.prototype.indexOf(ruleValue) !== -1: strict equality. */
static bool
array_has_strictly_equal(const cv_rules_runtime *rt, const cv_rules_elem *e,
						 const cv_jv *arr, const cv_jv_ops *ops)
{
	size_t		n = ops->count(arr->node);

	for (size_t i = 0; i < n; i++)
	{
		cv_jv		el;

		if (!ops->array_get(arr->node, i, &el) || el.kind != e->vkind)
			continue;
		switch (el.kind)
		{
			case CV_JV_NULL:
				return true;
			case CV_JV_BOOL:
				if (el.boolean == (e->vbool != 0))
					return true;
				break;
			case CV_JV_NUMBER:
				if (el.number == cv_rules_elem_num(e))
					return true;
				break;
			case CV_JV_STRING:
				if (el.len == e->value_str.len &&
					memcmp(el.str, pool_str(rt, &e->value_str), el.len) == 0)
					return true;
				break;
			default:
				break;			/* distinct objects are never === */
		}
	}
	return false;
}

/* equals / matches / equalsNumber on value (docs/sdk-behaviour.md,
 * "Comparators"). */
static cv_rule_result
compare_equals(cv_rules_runtime *rt, const cv_rules_elem *e, const cv_jv *value,
			   const cv_jv_ops *ops)
{
	if (value->kind == CV_JV_ARRAY)
		return negate(array_has_strictly_equal(rt, e, value, ops), e);
	if (value->kind == CV_JV_OBJECT && ops->count(value->node) > 0)
	{
		cv_jv		member;

		return negate(ops->object_get(value->node, pool_str(rt, &e->value_str),
									  e->value_str.len, &member), e);
	}
	if (!string_forms(rt, value, ops, true))
		return CV_RULE_FALSE;
	return negate(rt->lower.len == e->value_lower.len &&
				  memcmp(rt->lower.data, pool_str(rt, &e->value_lower),
						 rt->lower.len) == 0, e);
}

/* typeof after the SDK's numeric coercion, as a small code. */
typedef enum js_type
{
	JS_NUMBER, JS_STRING, JS_BOOLEAN, JS_OBJECT
} js_type;

/* A property value's JavaScript type after isNumeric/toNumber, the number
 * in num. */
static js_type
value_type(const cv_jv *v, double *num)
{
	switch (v->kind)
	{
		case CV_JV_NUMBER:
			*num = v->number;
			return JS_NUMBER;
		case CV_JV_STRING:
			if (cv_sdk_string_is_numeric(v->str, v->len))
			{
				*num = cv_sdk_string_to_number(v->str, v->len);
				return JS_NUMBER;
			}
			return JS_STRING;
		case CV_JV_BOOL:
			*num = v->boolean ? 1 : 0;
			return JS_BOOLEAN;
		default:
			return JS_OBJECT;
	}
}

/* The rule value's JavaScript type after isNumeric/toNumber, the number in
 * num. */
static js_type
rule_value_type(const cv_rules_elem *e, double *num)
{
	if (e->flags & CV_EL_VALUE_NUMERIC)
	{
		*num = cv_rules_elem_num(e);
		return JS_NUMBER;
	}
	switch (e->vkind)
	{
		case CV_JV_NUMBER:
			*num = cv_rules_elem_num(e);
			return JS_NUMBER;
		case CV_JV_STRING:
			return JS_STRING;
		case CV_JV_BOOL:
			*num = e->vbool ? 1 : 0;
			return JS_BOOLEAN;
		default:
			return JS_OBJECT;
	}
}

/* -1, 0 or 1 for a < b, a == b, a > b; 2 when either is NaN. */
static int
order_numbers(double a, double b)
{
	if (isnan(a) || isnan(b))
		return 2;				/* unordered: < and <= are false */
	return a < b ? -1 : a > b ? 1 : 0;
}

/*
 * Abstract relational comparison of two "object" values (null, arrays,
 * objects): arrays/objects become their String(); two strings compare as
 * strings, anything else as numbers (null is 0).
 */
static int
order_objects(cv_rules_runtime *rt, const cv_jv *value, const cv_jv_ops *ops,
			  const cv_rules_elem *e)
{
	bool		value_is_null = value->kind == CV_JV_NULL;
	bool		rule_is_null = e->vkind == CV_JV_NULL;
	double		a, b;

	if (!value_is_null && !string_forms(rt, value, ops, false))
		return 2;
	if (!value_is_null && !rule_is_null)
		return cv_js_string_compare(rt->str.data, rt->str.len,
									pool_str(rt, &e->value_str), e->value_str.len);
	a = value_is_null ? 0 : cv_js_string_to_number(rt->str.data, rt->str.len);
	b = rule_is_null ? 0 : cv_js_string_to_number(pool_str(rt, &e->value_str),
												  e->value_str.len);
	return order_numbers(a, b);
}

/* less / lessEqual: a type mismatch is false whatever negated says. */
static cv_rule_result
compare_less(cv_rules_runtime *rt, const cv_rules_elem *e, const cv_jv *value,
			 const cv_jv_ops *ops, bool or_equal)
{
	double		a = 0, b = 0;
	js_type		ta = value_type(value, &a);
	js_type		tb = rule_value_type(e, &b);
	int			order;

	if (ta != tb)
		return CV_RULE_FALSE;	/* no negation: see "Comparators" */
	switch (ta)
	{
		case JS_STRING:
			order = cv_js_string_compare(value->str, value->len,
										 pool_str(rt, &e->value_str), e->value_str.len);
			break;
		case JS_OBJECT:
			order = order_objects(rt, value, ops, e);
			break;
		default:
			order = order_numbers(a, b);
	}
	return negate(or_equal ? (order == -1 || order == 0) : order == -1, e);
}

/* Does s start with prefix? */
static bool
has_prefix(const char *s, size_t len, const char *prefix, size_t plen)
{
	return plen <= len && memcmp(s, prefix, plen) == 0;
}

/* isIn: is one |-separated piece of the value's string one of the rule's
 * entries? */
static bool
is_in(cv_rules_runtime *rt, const cv_rules_elem *e)
{
	const char *s = rt->str.data;
	size_t		start = 0;

	for (size_t i = 0; i <= rt->str.len; i++)
	{
		if (i < rt->str.len && s[i] != '|')
			continue;
		for (uint32_t k = 0; k < e->isin_count; k++)
		{
			const cv_rules_str *entry = &rt->v.isin[e->isin_first + k];

			if (entry->len == i - start &&
				memcmp(s + start, pool_str(rt, entry), entry->len) == 0)
				return true;
		}
		start = i + 1;
	}
	return false;
}

/* contains / startsWith / endsWith / regexMatches on L(S(value)). */
static cv_rule_result
compare_text(cv_rules_runtime *rt, const cv_rules_elem *e, const cv_jv *value,
			 const cv_jv_ops *ops)
{
	const char *t = pool_str(rt, &e->value_lower);
	size_t		tlen = e->value_lower.len;
	int			found;

	if (!string_forms(rt, value, ops, true))
		return CV_RULE_FALSE;
	switch (e->match)
	{
		case CV_MATCH_CONTAINS:
			if (e->flags & CV_EL_CONTAINS_ALL)
				return negate(true, e);
			return negate(tlen <= rt->lower.len &&
						  memmem(rt->lower.data, rt->lower.len, t, tlen) != NULL, e);
		case CV_MATCH_STARTS_WITH:
			return negate(has_prefix(rt->lower.data, rt->lower.len, t, tlen), e);
		case CV_MATCH_ENDS_WITH:
			return negate(tlen <= rt->lower.len &&
						  memcmp(rt->lower.data + rt->lower.len - tlen, t, tlen) == 0, e);
		default:
			if (e->regex == CV_RULES_NONE)
				return CV_RULE_FALSE;	/* the SDK's RegExp threw */
			found = cv_regex_search(rt->regexes[e->regex], rt->lower.data, rt->lower.len);
			if (found < 0)
				return CV_RULE_FALSE;	/* gave up: as if it threw */
			return negate(found == 1, e);
	}
}

/* exists: not undefined, null or the empty string. */
static bool
exists(const cv_jv *value)
{
	return value->kind != CV_JV_UNDEFINED && value->kind != CV_JV_NULL &&
		!(value->kind == CV_JV_STRING && value->len == 0);
}

cv_rule_result
cv_rules_compare(cv_rules_runtime *rt, const cv_rules_elem *e,
				 const cv_jv *value, const cv_jv_ops *ops)
{
	switch (e->match)
	{
		case CV_MATCH_EQUALS:
		case CV_MATCH_MATCHES:
		case CV_MATCH_EQUALS_NUMBER:
			return compare_equals(rt, e, value, ops);
		case CV_MATCH_LESS:
			return compare_less(rt, e, value, ops, false);
		case CV_MATCH_LESS_EQUAL:
			return compare_less(rt, e, value, ops, true);
		case CV_MATCH_IS_IN:
			if (!string_forms(rt, value, ops, false))
				return CV_RULE_FALSE;
			return negate(is_in(rt, e), e);
		case CV_MATCH_EXISTS:
			return negate(exists(value), e);
		case CV_MATCH_NOT_EXISTS:
		case CV_MATCH_DOES_NOT_EXIST:
			return negate(!exists(value), e);
		case CV_MATCH_CONTAINS:
		case CV_MATCH_STARTS_WITH:
		case CV_MATCH_ENDS_WITH:
		case CV_MATCH_REGEX_MATCHES:
			return compare_text(rt, e, value, ops);
		default:
			return CV_RULE_FALSE;
	}
}
