/*
 * rules.h — Convert rule trees: compile once, evaluate many times.
 *
 * A rule tree is Convert's JSON  {"OR":[{"AND":[{"OR_WHEN":[element…]}]}]}
 * (docs/sdk-behaviour.md, "Rule trees").  The official SDK walks that JSON for every
 * visitor; here it is compiled once into a compact binary form and then
 * evaluated per row with no parsing and (for ASCII data) no allocation.
 *
 * How a caller uses it:
 *
 *   1. Compile the JSON text:
 *        cv_rules_error err;
 *        void *bin; size_t size;
 *        if (cv_rules_compile(json, len, CV_RULES_STRICT, &bin, &size, &err))
 *            ... report err.path / err.message / err.hint ...
 *      The result is one malloc'd block with no pointers inside (offsets
 *      only), so it can be stored verbatim, e.g. inside a varlena datum, and
 *      copied or moved freely.  It must stay 4-byte aligned.
 *      CV_RULES_STRICT rejects anything malformed with a JSON path (type
 *      input does this); CV_RULES_LENIENT accepts any JSON and compiles a
 *      malformed part to what the SDK makes of it (an invalid element or a
 *      malformed block is simply false), for rules embedded in a served
 *      config that must be evaluated exactly as the SDK would.
 *
 *   2. Make a runtime for it (compiles the regular expressions, owns the
 *      scratch buffers).  Keep it as long as the compiled block:
 *        cv_rules_runtime *rt = cv_rules_runtime_new(bin, &err);
 *
 *   3. Per row, describe the properties as a cv_jv (json_view.h) and call
 *        cv_rule_result r = cv_rules_eval(rt, &props, &ops);
 *      Result: CV_RULE_TRUE, CV_RULE_FALSE, or one of the SDK's RuleError
 *      values (need more data / no data found).  With plain JSON
 *      properties the SDK never produces a RuleError; the three-valued
 *      tree logic (including the SDK's "last block wins" quirks) is still
 *      implemented by cv_rules_walk, for callers that evaluate elements
 *      themselves (a provider that may not have the data yet).
 *
 *   4. cv_rules_runtime_free(rt); free(bin).
 *
 * A runtime is not thread-safe (its scratch buffers are reused per call);
 * use one per thread/backend.  The compiled block itself is read-only.
 */
#ifndef CONVERT_RULES_H
#define CONVERT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json/json_view.h"

typedef enum cv_rule_result
{
	CV_RULE_FALSE = 0,
	CV_RULE_TRUE = 1,
	CV_RULE_NEED_MORE_DATA = 2, /* RuleError "convert.com_need_more_data" */
	CV_RULE_NO_DATA_FOUND = 3	/* RuleError "convert.com_no_data_found" */
} cv_rule_result;

typedef enum cv_rules_mode
{
	CV_RULES_STRICT,
	CV_RULES_LENIENT
} cv_rules_mode;

typedef enum cv_rules_errcode
{
	CV_RULES_OK = 0,
	CV_RULES_ERR_SYNTAX,		/* not JSON, or junk after it */
	CV_RULES_ERR_SHAPE,			/* missing member, wrong JSON type */
	CV_RULES_ERR_UNKNOWN_MEMBER,
	CV_RULES_ERR_MATCH_TYPE,	/* unknown match_type */
	CV_RULES_ERR_RULE_TYPE,		/* unknown rule_type */
	CV_RULES_ERR_REGEX,			/* regexMatches pattern does not compile */
	CV_RULES_ERR_LIMIT,			/* too deep, too large, number out of range */
	CV_RULES_ERR_CORRUPT,		/* a binary block that is not compiled rules */
	CV_RULES_ERR_NOMEM
} cv_rules_errcode;

#define CV_RULES_PATH_MAX 160
#define CV_RULES_MESSAGE_MAX 256

typedef struct cv_rules_error
{
	cv_rules_errcode code;
	char		path[CV_RULES_PATH_MAX];	/* e.g. OR[0].AND[1].OR_WHEN[0].key;
											 * "" for the whole value */
	char		message[CV_RULES_MESSAGE_MAX];
	const char *hint;			/* static text, or NULL */
} cv_rules_error;

/* Compile JSON text (UTF-8, len bytes) into a malloc'd binary block. */
cv_rules_errcode cv_rules_compile(const char *json, size_t len,
								  cv_rules_mode mode, void **out,
								  size_t *out_size, cv_rules_error *err);

/*
 * Check that a block of `size` bytes is a compiled rule tree whose offsets
 * all stay inside it (for binary blocks read back from storage).
 */
bool		cv_rules_check(const void *bin, size_t size);

/*
 * Canonical JSON of a compiled tree, malloc'd and NUL-terminated: members
 * in the order rule_type, key, value, matching{match_type, negated}, no
 * white space, numbers as JavaScript prints them.  Compiling the output
 * of a strictly compiled tree again gives the same block (a leniently
 * compiled tree prints malformed parts as {} or empty groups, which
 * evaluate the same but do not pass strict input).  NULL when out of
 * memory.
 */
char	   *cv_rules_to_json(const void *bin, size_t *out_len);

/* Runtime: compiled regular expressions and scratch space. */
typedef struct cv_rules_runtime cv_rules_runtime;

cv_rules_runtime *cv_rules_runtime_new(const void *bin, cv_rules_error *err);
void		cv_rules_runtime_free(cv_rules_runtime *rt);

/* isRuleMatched(props, tree) with plain JSON properties. */
cv_rule_result cv_rules_eval(cv_rules_runtime *rt, const cv_jv *props,
							 const cv_jv_ops *ops);

/*
 * The tree logic alone, for callers with their own element evaluation:
 * `element` is called with the element's index (0-based, in document
 * order) and returns its result; cv_rules_walk combines them exactly as
 * the SDK's OR / AND / OR_WHEN levels do.
 */
typedef cv_rule_result (*cv_rules_element_fn) (void *ctx, uint32_t element);
cv_rule_result cv_rules_walk(const void *bin, cv_rules_element_fn element,
							 void *ctx);

/*
 * The first `bucketed_into_experience_key` element in document order (the
 * SDK's mutual-exclusion rule, docs/sdk-behaviour.md), for audience evaluation:
 * returns false when there is none; otherwise fills the experience key
 * (borrowed from `bin`, UTF-8) and its negation (a missing `negated` is
 * false).  The key is NULL when the element's value is not a string.
 */
bool		cv_rules_mutual_exclusion(const void *bin, const char **key,
									  size_t *key_len, bool *negated);

/* Number of elements, for sizing per-element caches. */
uint32_t	cv_rules_element_count(const void *bin);

#endif
