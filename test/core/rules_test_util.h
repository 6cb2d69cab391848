/*
 * rules_test_util.h — helpers shared by the rules unit tests: evaluate a
 * rule tree given as JSON text against properties given as JSON text.
 */
#ifndef CONVERT_TEST_RULES_UTIL_H
#define CONVERT_TEST_RULES_UTIL_H

#include "rules/rules.h"

/* Result of rules on props: 0 false, 1 true, 2/3 RuleError, -1 compile error. */
int			rules_eval_text(const char *rules, const char *props, cv_rules_mode mode);

/* One element {"rule_type":"generic_key_value","key":"v","value":VALUE,
 * "matching":{"match_type":MATCH,"negated":NEG}} against {"v": PROP}
 * (prop NULL: {} — the key is missing). */
int			element_eval(const char *match, const char *value, bool negated,
						 const char *prop);

/* Compile error of rules (strict): fills err, returns its code. */
cv_rules_errcode rules_compile_error(const char *rules, cv_rules_error *err);

#endif
