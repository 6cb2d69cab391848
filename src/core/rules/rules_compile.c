/*
 * rules_compile.c — rule JSON -> the binary form of rules_format.h: the
 * OR / AND / OR_WHEN levels and the final block (elements are compiled
 * by rules_compile_element.c).
 */
#include "rules/rules_compiler.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/error_text.h"
#include "json/json_strict.h"

#define MAX_ITEMS 1000000		/* blocks or elements in one tree */

long
cv_vec_push(cv_vec *v)
{
	if (v->len >= MAX_ITEMS)
		return -1;
	if (v->len == v->cap)
	{
		size_t		cap = v->cap ? v->cap * 2 : 8;
		void	   *p = realloc(v->data, cap * v->item);

		if (p == NULL)
			return -1;
		v->data = p;
		v->cap = cap;
	}
	memset((char *) v->data + v->len * v->item, 0, v->item);
	return (long) v->len++;
}

cv_rules_errcode
cv_compile_fail(cv_compiler *c, cv_rules_errcode code, const char *hint,
				const char *fmt,...)
{
	va_list		ap;

	c->err->code = code;
	snprintf(c->err->path, sizeof(c->err->path), "%s", c->path);
	va_start(ap, fmt);
	vsnprintf(c->err->message, sizeof(c->err->message), fmt, ap);
	va_end(ap);
	cv_utf8_trim_end(c->err->path);
	cv_utf8_trim_end(c->err->message);
	c->err->hint = hint;
	return code;
}

size_t
cv_path_push(cv_compiler *c, const char *fmt,...)
{
	size_t		old = strlen(c->path);
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(c->path + old, sizeof(c->path) - old, fmt, ap);
	va_end(ap);
	return old;
}

void
cv_path_pop(cv_compiler *c, size_t old)
{
	c->path[old] = '\0';
}

const char *
cv_json_type_phrase(struct json_object *o)
{
	switch (json_object_get_type(o))
	{
		case json_type_null:
			return "null";
		case json_type_boolean:
			return "a boolean";
		case json_type_double:
		case json_type_int:
			return "a number";
		case json_type_string:
			return "a string";
		case json_type_array:
			return "an array";
		case json_type_object:
			return "an object";
	}
	return "something else";
}

bool
cv_pool_add(cv_compiler *c, const char *s, size_t len, cv_rules_str *out)
{
	if (c->pool.len + len + 1 > UINT32_MAX / 2)
		return false;
	out->off = (uint32_t) c->pool.len;
	out->len = (uint32_t) len;
	if (!cv_buf_append(&c->pool, s, len) || !cv_buf_reserve(&c->pool, 1))
		return false;
	c->pool.len++;				/* keep the NUL cv_buf_append wrote */
	return true;
}

/* Record out of memory. */
static cv_rules_errcode
nomem(cv_compiler *c)
{
	return cv_compile_fail(c, CV_RULES_ERR_NOMEM, NULL, "out of memory");
}

static const char tree_hint[] =
"Rules are {\"OR\": [{\"AND\": [{\"OR_WHEN\": [rule, ...]}, ...]}, ...]}.";

/*
 * The array member `name` of a level's object, or NULL when the level is
 * malformed (an error in strict mode; *rc says which).
 */
static struct json_object *
level_array(cv_compiler *c, struct json_object *o, const char *name,
			cv_rules_errcode *rc)
{
	struct json_object *arr = NULL;

	*rc = CV_RULES_OK;
	if (json_object_get_type(o) != json_type_object)
	{
		if (c->mode == CV_RULES_STRICT)
			*rc = cv_compile_fail(c, CV_RULES_ERR_SHAPE, tree_hint,
								  "expected an object with an \"%s\" array, found %s",
								  name, cv_json_type_phrase(o));
		return NULL;
	}
	if (c->mode == CV_RULES_STRICT)
	{
		json_object_object_foreach(o, key, val)
		{
			(void) val;
			if (strcmp(key, name) != 0)
			{
				char		quote[CV_QUOTE_BUF];

				*rc = cv_compile_fail(c, CV_RULES_ERR_UNKNOWN_MEMBER, tree_hint,
									  "unknown member %s", cv_quote_cut(quote, key));
				return NULL;
			}
		}
	}
	if (!json_object_object_get_ex(o, name, &arr))
	{
		if (c->mode == CV_RULES_STRICT)
			*rc = cv_compile_fail(c, CV_RULES_ERR_SHAPE, tree_hint,
								  "missing member \"%s\"", name);
		return NULL;
	}
	if (json_object_get_type(arr) != json_type_array)
	{
		if (c->mode == CV_RULES_STRICT)
		{
			size_t		old = cv_path_push(c, "%s%s", c->path[0] ? "." : "", name);

			*rc = cv_compile_fail(c, CV_RULES_ERR_SHAPE, tree_hint,
								  "expected an array, found %s",
								  cv_json_type_phrase(arr));
			cv_path_pop(c, old);
		}
		return NULL;
	}
	return arr;
}

/*
 * Items of `arr` (the member named `name` of the current object): item i
 * is compiled by `item` into index first+i of `items`.  Children of one
 * block are contiguous because each vector holds a single level.
 */
typedef cv_rules_errcode (*item_fn) (cv_compiler *c, struct json_object *o,
									 uint32_t index);

/* Compile each element of arr with item, recording their range. */
static cv_rules_errcode
compile_items(cv_compiler *c, struct json_object *arr, const char *name,
			  cv_vec *items, item_fn item, cv_rules_block *range)
{
	size_t		n = json_object_array_length(arr);

	range->first = (uint32_t) items->len;
	range->count = (uint32_t) n;
	for (size_t i = 0; i < n; i++)
	{
		long		index = cv_vec_push(items);
		size_t		old;
		cv_rules_errcode rc;

		if (index < 0)
			return nomem(c);
		old = cv_path_push(c, "%s%s[%zu]", c->path[0] ? "." : "", name, i);
		rc = item(c, json_object_array_get_idx(arr, i), (uint32_t) index);
		cv_path_pop(c, old);
		if (rc != CV_RULES_OK)
			return rc;
	}
	return CV_RULES_OK;
}

/* A block: an object whose only member `name` is an array of items. */
static cv_rules_errcode
compile_block(cv_compiler *c, struct json_object *o, const char *name,
			  cv_vec *blocks, uint32_t index, cv_vec *items, item_fn item)
{
	cv_rules_errcode rc;
	struct json_object *arr = level_array(c, o, name, &rc);
	cv_rules_block range = {0, 0, 0};

	if (arr == NULL)
		range.malformed = 1;
	else
		rc = compile_items(c, arr, name, items, item, &range);
	((cv_rules_block *) blocks->data)[index] = range;
	return rc;
}

/* Compile one {"OR_WHEN": [...]} block. */
static cv_rules_errcode
compile_orwhen_block(cv_compiler *c, struct json_object *o, uint32_t index)
{
	return compile_block(c, o, "OR_WHEN", &c->orwhen_blocks, index,
						 &c->elems, cv_compile_element);
}

/* Compile one {"AND": [...]} block. */
static cv_rules_errcode
compile_and_block(cv_compiler *c, struct json_object *o, uint32_t index)
{
	return compile_block(c, o, "AND", &c->and_blocks, index,
						 &c->orwhen_blocks, compile_orwhen_block);
}

/* Parse the rule text: checked as strict JSON first, then read with json-c. */
static cv_rules_errcode
parse_json(cv_compiler *c, const char *json, size_t len,
		   struct json_object **root)
{
	char		msg[128];
	size_t		offset;
	char	   *copy = cv_json_strict_copy(json, len, &offset, msg, sizeof(msg));
	struct json_tokener *tok;
	bool		ok = false;

	if (copy == NULL)
	{
		if (offset == (size_t) -1)
			return nomem(c);
		return cv_compile_fail(c, CV_RULES_ERR_SYNTAX, NULL,
							   "not valid JSON: %s at character %zu", msg, offset + 1);
	}
	tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH * 2);
	if (tok != NULL)
	{
		*root = json_tokener_parse_ex(tok, copy, (int) strlen(copy) + 1);
		/* json_strict accepted it, so json-c can only fail for memory. */
		ok = json_tokener_get_error(tok) == json_tokener_success;
		json_tokener_free(tok);
	}
	free(copy);
	return ok ? CV_RULES_OK : nomem(c);
}

/* Compile the top {"OR": [...]}. */
static cv_rules_errcode
compile_top(cv_compiler *c, struct json_object *root)
{
	cv_rules_errcode rc;
	struct json_object *arr = level_array(c, root, "OR", &rc);
	cv_rules_block range;

	if (arr == NULL)
		return rc;
	return compile_items(c, arr, "OR", &c->and_blocks, compile_and_block, &range);
}

/* Lay the compiled tables out in one block: header, blocks, elements, pool. */
static cv_rules_errcode
assemble(cv_compiler *c, void **out, size_t *out_size)
{
	cv_rules_header h;
	size_t		size;
	char	   *bin;
	char	   *p;

	memset(&h, 0, sizeof(h));
	h.magic = CV_RULES_MAGIC;
	h.n_and = (uint32_t) c->and_blocks.len;
	h.n_orwhen = (uint32_t) c->orwhen_blocks.len;
	h.n_elem = (uint32_t) c->elems.len;
	h.n_isin = (uint32_t) c->isin.len;
	h.n_regex = c->n_regex;
	h.pool_len = (uint32_t) c->pool.len;
	h.mx_elem = c->mx_elem;
	size = cv_rules_layout_size(h.n_and, h.n_orwhen, h.n_elem,
								h.n_isin, h.pool_len);
	if (size > UINT32_MAX / 2)
		return cv_compile_fail(c, CV_RULES_ERR_LIMIT, NULL, "rules too large");
	h.size = (uint32_t) size;
	bin = calloc(1, size);
	if (bin == NULL)
		return nomem(c);
	p = bin;
#define PUT(src, bytes) do { size_t n_ = (bytes); if (n_ > 0) memcpy(p, (src), n_); p += n_; } while (0)
	PUT(&h, sizeof(h));
	PUT(c->and_blocks.data, c->and_blocks.len * sizeof(cv_rules_block));
	PUT(c->orwhen_blocks.data, c->orwhen_blocks.len * sizeof(cv_rules_block));
	PUT(c->elems.data, c->elems.len * sizeof(cv_rules_elem));
	PUT(c->isin.data, c->isin.len * sizeof(cv_rules_str));
	PUT(c->pool.data, c->pool.len);
#undef PUT
	*out = bin;
	*out_size = size;
	return CV_RULES_OK;
}

cv_rules_errcode
cv_rules_compile(const char *json, size_t len, cv_rules_mode mode,
				 void **out, size_t *out_size, cv_rules_error *err)
{
	cv_compiler c;
	struct json_object *root = NULL;
	cv_rules_errcode rc;

	memset(&c, 0, sizeof(c));
	memset(err, 0, sizeof(*err));
	c.mode = mode;
	c.err = err;
	c.mx_elem = CV_RULES_NONE;
	c.and_blocks.item = c.orwhen_blocks.item = sizeof(cv_rules_block);
	c.elems.item = sizeof(cv_rules_elem);
	c.isin.item = sizeof(cv_rules_str);
	*out = NULL;
	*out_size = 0;

	rc = parse_json(&c, json, len, &root);
	if (rc == CV_RULES_OK)
		rc = compile_top(&c, root);
	if (rc == CV_RULES_OK)
		rc = assemble(&c, out, out_size);
	json_object_put(root);
	free(c.and_blocks.data);
	free(c.orwhen_blocks.data);
	free(c.elems.data);
	free(c.isin.data);
	cv_buf_free(&c.pool);
	cv_buf_free(&c.scratch);
	return rc;
}
