/*
 * rules_compile_element.c — one rule element: validation (the SDK's
 * isValidRule, made strict for type input) and the precomputation of
 * everything its comparator needs from the rule value.
 */
#include "rules/rules_compiler.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "json/error_text.h"
#include "js/js_regex.h"
#include "json/json_text.h"
#include "json/json_view_jsonc.h"
#include "rules/rules_catalog.h"

static const char element_hint[] =
"A rule is {\"rule_type\": ..., \"key\": ..., \"value\": ..., "
"\"matching\": {\"match_type\": ..., \"negated\": true|false}}.";

/* Record out of memory. */
static cv_rules_errcode
nomem(cv_compiler *c)
{
	return cv_compile_fail(c, CV_RULES_ERR_NOMEM, NULL, "out of memory");
}

/* An error at path + "." + member (member may be NULL). */
static cv_rules_errcode
fail_at(cv_compiler *c, const char *member, cv_rules_errcode code,
		const char *hint, const char *what, const char *arg)
{
	size_t		old = member ? cv_path_push(c, ".%s", member) : strlen(c->path);

	cv_compile_fail(c, code, hint, what, arg);
	cv_path_pop(c, old);
	return code;
}

/* Member `name` of object o: false when absent (JSON null is present). */
static bool
member(struct json_object *o, const char *name, struct json_object **out)
{
	return json_object_object_get_ex(o, name, out);
}

/* Is o of json-c type t? */
static bool
is_type(struct json_object *o, json_type t)
{
	return json_object_get_type(o) == t;
}

/* Refuse members other than the allowed ones. */
static cv_rules_errcode
check_members(cv_compiler *c, struct json_object *o, const char *const *allowed,
			  const char *member_name)
{
	json_object_object_foreach(o, key, val)
	{
		bool		ok = false;

		(void) val;
		for (int i = 0; allowed[i]; i++)
			ok = ok || strcmp(key, allowed[i]) == 0;
		if (!ok)
		{
			char		quote[CV_QUOTE_BUF];

			return fail_at(c, member_name, CV_RULES_ERR_UNKNOWN_MEMBER,
						   element_hint, "unknown member %s", cv_quote_cut(quote, key));
		}
	}
	return CV_RULES_OK;
}

/* Fail with "expected <expected>, found <its type>" at path_member. */
static cv_rules_errcode
expect(cv_compiler *c, const char *path_member, const char *expected,
	   struct json_object *found)
{
	char		what[64];

	snprintf(what, sizeof(what), "expected %s, found %%s", expected);
	return fail_at(c, path_member, CV_RULES_ERR_SHAPE, element_hint, what,
				   cv_json_type_phrase(found));
}

/*
 * Strict validation: every problem the SDK would silently turn into
 * `false` (and a few it would throw on) is an input error instead.
 */
static cv_rules_errcode
validate_strict(cv_compiler *c, struct json_object *o)
{
	static const char *const element_members[] =
	{"rule_type", "key", "value", "matching", NULL};
	static const char *const matching_members[] = {"match_type", "negated", NULL};
	struct json_object *rule_type, *key, *matching, *match_type, *negated, *value;
	bool		mutual_exclusion;
	int			match;
	char		quote[CV_QUOTE_BUF];

	if (!is_type(o, json_type_object))
		return expect(c, NULL, "a rule object", o);
	if (check_members(c, o, element_members, NULL))
		return c->err->code;
	if (!member(o, "rule_type", &rule_type))
		return fail_at(c, NULL, CV_RULES_ERR_SHAPE, element_hint,
					   "missing member \"%s\"", "rule_type");
	if (!is_type(rule_type, json_type_string))
		return expect(c, "rule_type", "a string", rule_type);
	if (!cv_rule_type_known(json_object_get_string(rule_type),
							(size_t) json_object_get_string_len(rule_type)))
		return fail_at(c, "rule_type", CV_RULES_ERR_RULE_TYPE, cv_rule_types_hint,
					   "unknown rule type %s",
					   cv_quote_cut(quote, json_object_get_string(rule_type)));
	mutual_exclusion = strcmp(json_object_get_string(rule_type),
							  CV_RULE_TYPE_MUTUAL_EXCLUSION) == 0;
	if (member(o, "key", &key) && !is_type(key, json_type_string))
		return expect(c, "key", "a string", key);
	if (!member(o, "matching", &matching))
		return fail_at(c, NULL, CV_RULES_ERR_SHAPE, element_hint,
					   "missing member \"%s\"", "matching");
	if (!is_type(matching, json_type_object))
		return expect(c, "matching", "an object", matching);
	if (check_members(c, matching, matching_members, "matching"))
		return c->err->code;
	if (!member(matching, "match_type", &match_type))
		return fail_at(c, "matching", CV_RULES_ERR_SHAPE, element_hint,
					   "missing member \"%s\"", "match_type");
	if (!is_type(match_type, json_type_string))
		return expect(c, "matching.match_type", "a string", match_type);
	match = cv_match_lookup(json_object_get_string(match_type),
							(size_t) json_object_get_string_len(match_type));
	if (match < 0)
		return fail_at(c, "matching.match_type", CV_RULES_ERR_MATCH_TYPE,
					   cv_match_types_hint, "unknown match type %s",
					   cv_quote_cut(quote, json_object_get_string(match_type)));
	if (!member(matching, "negated", &negated))
	{
		/* The mutual-exclusion rule reads a missing negated as false. */
		if (!mutual_exclusion)
			return fail_at(c, "matching", CV_RULES_ERR_SHAPE, element_hint,
						   "missing member \"%s\"", "negated");
	}
	else if (!is_type(negated, json_type_boolean))
		return expect(c, "matching.negated", "a boolean", negated);
	if (!member(o, "value", &value) && match != CV_MATCH_EXISTS &&
		match != CV_MATCH_DOES_NOT_EXIST)
		return fail_at(c, NULL, CV_RULES_ERR_SHAPE, element_hint,
					   "missing member \"value\" (match type \"%s\" compares with it)",
					   cv_match_names[match]);
	return CV_RULES_OK;
}

/* Flags and match type as the SDK's isValidRule and comparator lookup see them. */
static void
classify(struct json_object *o, cv_rules_elem *e)
{
	struct json_object *matching, *match_type, *negated, *key, *value;
	int			match = -1;

	e->match = CV_MATCH_UNKNOWN;
	if (!is_type(o, json_type_object))
		return;
	if (member(o, "key", &key) && is_type(key, json_type_string))
		e->flags |= CV_EL_HAS_KEY;
	if (member(o, "value", &value))
		e->flags |= CV_EL_HAS_VALUE;
	if (!member(o, "matching", &matching) || !is_type(matching, json_type_object) ||
		!member(matching, "match_type", &match_type) ||
		!is_type(match_type, json_type_string))
		return;
	match = cv_match_lookup(json_object_get_string(match_type),
							(size_t) json_object_get_string_len(match_type));
	if (match >= 0)
		e->match = (uint8_t) match;
	if (member(matching, "negated", &negated) && is_type(negated, json_type_boolean))
	{
		e->flags |= CV_EL_HAS_NEGATED;
		if (json_object_get_boolean(negated))
			e->flags |= CV_EL_NEGATED;
		if ((e->flags & CV_EL_HAS_VALUE) || match == CV_MATCH_EXISTS ||
			match == CV_MATCH_DOES_NOT_EXIST)
			e->flags |= CV_EL_VALID;
	}
}

/* String(value), its lower-cased form, the number less/lessEqual use. */
static cv_rules_errcode
precompute_value(cv_compiler *c, struct json_object *value, cv_rules_elem *e)
{
	cv_jv		v = cv_jv_from_jsonc(value);
	double		num = 0;
	size_t		str_len;

	e->vkind = (uint8_t) v.kind;
	e->vbool = v.boolean;
	if (v.kind == CV_JV_NUMBER)
	{
		num = v.number;
		if (isfinite(num))
			e->flags |= CV_EL_VALUE_NUMERIC;
	}
	else if (v.kind == CV_JV_STRING && cv_sdk_string_is_numeric(v.str, v.len))
	{
		num = cv_sdk_string_to_number(v.str, v.len);
		e->flags |= CV_EL_VALUE_NUMERIC;
	}
	memcpy(e->vnum, &num, sizeof(num));

	/* String(value) first, then its lower case from the pool's copy. */
	c->scratch.len = 0;
	if (!cv_js_append_string_of(&c->scratch, &v, &cv_jsonc_ops) ||
		!cv_pool_add(c, c->scratch.data, c->scratch.len, &e->value_str))
		return nomem(c);
	str_len = c->scratch.len;
	c->scratch.len = 0;
	if (!cv_js_append_lower(&c->scratch, c->pool.data + e->value_str.off, str_len) ||
		!cv_pool_add(c, c->scratch.data, c->scratch.len, &e->value_lower))
		return nomem(c);
	if (cv_js_is_blank(c->pool.data + e->value_lower.off, e->value_lower.len))
		e->flags |= CV_EL_CONTAINS_ALL;
	return CV_RULES_OK;
}

/* One lower-cased isIn entry. */
static bool
add_isin_entry(cv_compiler *c, const char *s, size_t len)
{
	long		index = cv_vec_push(&c->isin);

	c->scratch.len = 0;
	return index >= 0 && cv_js_append_lower(&c->scratch, s, len) &&
		cv_pool_add(c, c->scratch.data, c->scratch.len,
					(cv_rules_str *) c->isin.data + index);
}

/* isIn's list: the string split on "|", or the array's String()s. */
static cv_rules_errcode
precompute_isin(cv_compiler *c, struct json_object *value, cv_rules_elem *e)
{
	e->isin_first = (uint32_t) c->isin.len;
	if (is_type(value, json_type_string))
	{
		const char *s = json_object_get_string(value);
		size_t		len = (size_t) json_object_get_string_len(value);
		size_t		start = 0;

		for (size_t i = 0; i <= len; i++)
			if (i == len || s[i] == '|')
			{
				if (!add_isin_entry(c, s + start, i - start))
					return nomem(c);
				start = i + 1;
			}
	}
	else if (is_type(value, json_type_array))
	{
		cv_buf		str = {0};

		for (size_t i = 0; i < json_object_array_length(value); i++)
		{
			struct json_object *item = json_object_array_get_idx(value, i);
			cv_jv		v = cv_jv_from_jsonc(item);
			bool		ok;

			str.len = 0;
			ok = cv_js_append_string_of(&str, &v, &cv_jsonc_ops) &&
				add_isin_entry(c, str.data, str.len);
			if (!ok)
			{
				cv_buf_free(&str);
				return nomem(c);
			}
		}
		cv_buf_free(&str);
	}
	e->isin_count = (uint32_t) (c->isin.len - e->isin_first);
	return CV_RULES_OK;
}

/* regexMatches: the pattern must compile, or the element is always false. */
static cv_rules_errcode
check_regex(cv_compiler *c, cv_rules_elem *e)
{
	char		msg[128];
	cv_regex   *re = cv_regex_compile(c->pool.data + e->value_str.off,
									  e->value_str.len, msg, sizeof(msg));

	if (re != NULL)
	{
		cv_regex_free(re);
		e->regex = c->n_regex++;
		return CV_RULES_OK;
	}
	if (c->mode == CV_RULES_STRICT)
		return fail_at(c, "value", CV_RULES_ERR_REGEX,
					   "The value of a regexMatches rule is a JavaScript regular expression.",
					   "invalid regular expression: %s", msg);
	return CV_RULES_OK;
}

/* Keep an element's rule type, key and match type in the pool. */
static cv_rules_errcode
store_texts(cv_compiler *c, struct json_object *o, cv_rules_elem *e)
{
	struct json_object *m, *matching;

	if (member(o, "rule_type", &m) && is_type(m, json_type_string) &&
		!cv_pool_add(c, json_object_get_string(m),
					 (size_t) json_object_get_string_len(m), &e->rule_type))
		return nomem(c);
	if ((e->flags & CV_EL_HAS_KEY) && member(o, "key", &m) &&
		!cv_pool_add(c, json_object_get_string(m),
					 (size_t) json_object_get_string_len(m), &e->key))
		return nomem(c);
	if (member(o, "matching", &matching) && is_type(matching, json_type_object) &&
		member(matching, "match_type", &m) && is_type(m, json_type_string) &&
		!cv_pool_add(c, json_object_get_string(m),
					 (size_t) json_object_get_string_len(m), &e->match_name))
		return nomem(c);
	return CV_RULES_OK;
}

/* Keep an element's value as canonical JSON and precompute what its match
 * type needs. */
static cv_rules_errcode
compile_value(cv_compiler *c, struct json_object *value, cv_rules_elem *e)
{
	cv_buf		json = {0};
	cv_rules_errcode rc;

	/* Canonical JSON text of the value, for printing. */
	if (!cv_jsonc_append_canonical(&json, value) ||
		!cv_pool_add(c, json.data, json.len, &e->value_json))
	{
		cv_buf_free(&json);
		return nomem(c);
	}
	cv_buf_free(&json);
	if ((rc = precompute_value(c, value, e)) != CV_RULES_OK)
		return rc;
	if (e->match == CV_MATCH_IS_IN && (rc = precompute_isin(c, value, e)) != CV_RULES_OK)
		return rc;
	if (e->match == CV_MATCH_REGEX_MATCHES)
		return check_regex(c, e);
	return CV_RULES_OK;
}

cv_rules_errcode
cv_compile_element(cv_compiler *c, struct json_object *o, uint32_t index)
{
	cv_rules_elem e;
	struct json_object *value = NULL;
	struct json_object *rule_type;
	cv_rules_errcode rc;

	memset(&e, 0, sizeof(e));
	e.regex = CV_RULES_NONE;
	if (c->mode == CV_RULES_STRICT && (rc = validate_strict(c, o)) != CV_RULES_OK)
		return rc;
	classify(o, &e);
	if (is_type(o, json_type_object) && member(o, "rule_type", &rule_type) &&
		is_type(rule_type, json_type_string) && c->mx_elem == CV_RULES_NONE &&
		strcmp(json_object_get_string(rule_type), CV_RULE_TYPE_MUTUAL_EXCLUSION) == 0)
		c->mx_elem = index;
	if (c->mode == CV_RULES_LENIENT && validate_strict(c, o) != CV_RULES_OK)
	{
		/* Printed as {}: what the SDK makes of it is false, or the SDK's
		 * own checks decide (kept in flags). */
		e.flags |= CV_EL_MALFORMED;
		memset(c->err, 0, sizeof(*c->err));
	}
	if ((rc = store_texts(c, o, &e)) != CV_RULES_OK)
		return rc;
	if ((e.flags & CV_EL_HAS_VALUE) && member(o, "value", &value) &&
		(rc = compile_value(c, value, &e)) != CV_RULES_OK)
		return rc;
	((cv_rules_elem *) c->elems.data)[index] = e;
	return CV_RULES_OK;
}
