/*
 * test_rules_util.c — helpers for the rules unit tests (see
 * rules_test_util.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "check.h"
#include "json/json_view_jsonc.h"
#include "rules_test_util.h"

int
rules_eval_text(const char *rules, const char *props, cv_rules_mode mode)
{
	void	   *bin;
	size_t		size;
	cv_rules_error err;
	cv_rules_runtime *rt;
	struct json_object *p;
	cv_jv		view;
	int			result;

	if (cv_rules_compile(rules, strlen(rules), mode, &bin, &size, &err) != CV_RULES_OK)
		return -1;
	rt = cv_rules_runtime_new(bin, &err);
	if (rt == NULL)
	{
		free(bin);
		return -1;
	}
	p = json_tokener_parse(props);
	view = cv_jv_from_jsonc(p);
	result = (int) cv_rules_eval(rt, &view, &cv_jsonc_ops);
	json_object_put(p);
	cv_rules_runtime_free(rt);
	free(bin);
	return result;
}

int
element_eval(const char *match, const char *value, bool negated, const char *prop)
{
	char		rules[2048];
	char		props[1024];

	if (value != NULL)
		snprintf(rules, sizeof(rules),
				 "{\"OR\":[{\"AND\":[{\"OR_WHEN\":[{\"rule_type\":\"generic_key_value\","
				 "\"key\":\"v\",\"value\":%s,\"matching\":{\"match_type\":\"%s\","
				 "\"negated\":%s}}]}]}]}", value, match, negated ? "true" : "false");
	else
		snprintf(rules, sizeof(rules),
				 "{\"OR\":[{\"AND\":[{\"OR_WHEN\":[{\"rule_type\":\"cookie\","
				 "\"key\":\"v\",\"matching\":{\"match_type\":\"%s\","
				 "\"negated\":%s}}]}]}]}", match, negated ? "true" : "false");
	if (prop != NULL)
		snprintf(props, sizeof(props), "{\"v\":%s}", prop);
	else
		snprintf(props, sizeof(props), "{\"other\":1}");
	return rules_eval_text(rules, props, CV_RULES_STRICT);
}

cv_rules_errcode
rules_compile_error(const char *rules, cv_rules_error *err)
{
	void	   *bin = NULL;
	size_t		size;
	cv_rules_errcode rc = cv_rules_compile(rules, strlen(rules), CV_RULES_STRICT,
										   &bin, &size, err);

	free(bin);
	return rc;
}
