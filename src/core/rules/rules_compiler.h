/*
 * rules_compiler.h — state shared by the rule compiler's two halves
 * (rules_compile.c: the OR/AND/OR_WHEN tree and the final block;
 * rules_compile_element.c: one rule element and its value).  Internal.
 */
#ifndef CONVERT_RULES_COMPILER_H
#define CONVERT_RULES_COMPILER_H

#include <json-c/json.h>

#include "js/js_string.h"
#include "rules/rules.h"
#include "rules/rules_format.h"

typedef struct cv_vec
{
	void	   *data;
	size_t		len;			/* items */
	size_t		cap;
	size_t		item;			/* bytes per item */
} cv_vec;

typedef struct cv_compiler
{
	cv_rules_mode mode;
	cv_rules_error *err;
	cv_vec		and_blocks, orwhen_blocks, elems, isin;
	cv_buf		pool;
	cv_buf		scratch;
	uint32_t	n_regex;
	uint32_t	mx_elem;
	char		path[CV_RULES_PATH_MAX];
} cv_compiler;

/* Append a zeroed item; returns its index, or -1 when out of memory. */
long		cv_vec_push(cv_vec *v);

/* Record an error at the current path; returns code. */
cv_rules_errcode cv_compile_fail(cv_compiler *c, cv_rules_errcode code,
								 const char *hint, const char *fmt,...)
			__attribute__((format(printf, 4, 5)));

/* Append to the path; returns the previous length for cv_path_pop. */
size_t		cv_path_push(cv_compiler *c, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));
void		cv_path_pop(cv_compiler *c, size_t old);

/* "a string", "an object", ... for messages. */
const char *cv_json_type_phrase(struct json_object *o);

/* Copy a string into the pool (NUL-terminated there). */
bool		cv_pool_add(cv_compiler *c, const char *s, size_t len,
						cv_rules_str *out);

/* Compile OR_WHEN element `o` into elems[index]. */
cv_rules_errcode cv_compile_element(cv_compiler *c, struct json_object *o,
									uint32_t index);

#endif
