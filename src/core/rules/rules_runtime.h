/*
 * rules_runtime.h — the evaluator's runtime state and the comparator
 * entry point (internal to rules_eval.c and rules_compare.c).
 */
#ifndef CONVERT_RULES_RUNTIME_H
#define CONVERT_RULES_RUNTIME_H

#include "js/js_regex.h"
#include "js/js_string.h"
#include "rules/rules.h"
#include "rules/rules_format.h"

struct cv_rules_runtime
{
	const void *bin;
	cv_rules_view v;
	cv_regex  **regexes;		/* indexed by cv_rules_elem.regex */
	uint32_t	n_regex;
	cv_buf		str;			/* String(value) of the row's value */
	cv_buf		lower;			/* its toLowerCase() */
};

/*
 * The comparator of element e on the property value (CV_JV_UNDEFINED for
 * a missing key): CV_RULE_TRUE/FALSE with negation applied where the SDK
 * applies it.
 */
cv_rule_result cv_rules_compare(cv_rules_runtime *rt, const cv_rules_elem *e,
								const cv_jv *value, const cv_jv_ops *ops);

#endif
