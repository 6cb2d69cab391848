/*
 * config_builder.c — tables, pool, paths and assembly for the config
 * compiler (config_builder.h).
 */
#include "config/config_builder.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/error_text.h"
#include "json/json_view_jsonc.h"
#include "rules/rules.h"

const cv_cfg_str cfg_absent = {CV_CFG_NONE, 0};

/* An empty growing table of items of the given size. */
static void
table_init(cfg_table *t, size_t item)
{
	memset(t, 0, sizeof(*t));
	t->item = item;
}

void
cfg_builder_init(cfg_builder *b, cv_config_error *err)
{
	memset(b, 0, sizeof(*b));
	memset(err, 0, sizeof(*err));
	b->err = err;
	table_init(&b->experiences, sizeof(cv_cfg_experience));
	table_init(&b->variations, sizeof(cv_cfg_variation));
	table_init(&b->ranges, sizeof(cv_cfg_range));
	table_init(&b->locations, sizeof(cv_cfg_location));
	table_init(&b->audiences, sizeof(cv_cfg_audience));
	table_init(&b->segments, sizeof(cv_cfg_segment));
	table_init(&b->features, sizeof(cv_cfg_feature));
	table_init(&b->changes, sizeof(cv_cfg_change));
	table_init(&b->variants, sizeof(cv_cfg_str));
	table_init(&b->index, sizeof(uint32_t));
	table_init(&b->rules, sizeof(cv_cfg_rules));
}

void
cfg_builder_free(cfg_builder *b)
{
	cfg_table  *tables[] = {&b->experiences, &b->variations, &b->ranges,
		&b->locations, &b->audiences, &b->segments, &b->features, &b->changes,
	&b->variants, &b->index, &b->rules};

	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		free(tables[i]->data);
	cv_buf_free(&b->rule_blocks);
	cv_buf_free(&b->pool);
	cv_buf_free(&b->scratch);
}

/* Record out of memory (once) and return false. */
static bool
out_of_memory(cfg_builder *b)
{
	if (!b->failed)
	{
		b->failed = true;
		b->err->code = CV_CONFIG_ERR_NOMEM;
		snprintf(b->err->message, sizeof(b->err->message), "out of memory");
	}
	return false;
}

void *
cfg_push(cfg_builder *b, cfg_table *t)
{
	void	   *item;

	if (t->len == t->cap)
	{
		size_t		cap = t->cap ? t->cap * 2 : 16;
		char	   *data = realloc(t->data, cap * t->item);

		if (data == NULL)
		{
			out_of_memory(b);
			return NULL;
		}
		t->data = data;
		t->cap = cap;
	}
	item = t->data + t->len * t->item;
	memset(item, 0, t->item);
	t->len++;
	return item;
}

cv_cfg_str
cfg_str(cfg_builder *b, const char *s, size_t len)
{
	cv_cfg_str	r = {(uint32_t) b->pool.len, (uint32_t) len};

	if (b->pool.len + len + 1 > UINT32_MAX / 2)
	{
		cfg_fail(b, CV_CONFIG_ERR_LIMIT, NULL, NULL, "the config is too large");
		return cfg_absent;
	}
	if (!cv_buf_append(&b->pool, s, len) || !cv_buf_append(&b->pool, "", 1))
	{
		out_of_memory(b);
		return cfg_absent;
	}
	return r;
}

uint32_t
cfg_index_push(cfg_builder *b, uint32_t value)
{
	uint32_t   *slot = cfg_push(b, &b->index);

	if (slot == NULL)
		return 0;
	*slot = value;
	return (uint32_t) (b->index.len - 1);
}

uint32_t
cfg_rules(cfg_builder *b, struct json_object *tree)
{
	const char *text = json_object_to_json_string_ext(tree,
													  JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	void	   *bin = NULL;
	size_t		size = 0;
	cv_rules_error rerr;
	cv_cfg_rules *entry;
	size_t		pad;

	if (text == NULL)
		return out_of_memory(b), CV_CFG_NONE;
	if (cv_rules_compile(text, strlen(text), CV_RULES_LENIENT, &bin, &size, &rerr) != CV_RULES_OK)
	{
		if (rerr.code == CV_RULES_ERR_NOMEM)
			return out_of_memory(b), CV_CFG_NONE;
		cfg_fail(b, CV_CONFIG_ERR_RULES, rerr.path[0] ? rerr.path : NULL, rerr.hint,
				 "%s", rerr.message);
		return CV_CFG_NONE;
	}
	pad = (8 - b->rule_blocks.len % 8) % 8;
	entry = cfg_push(b, &b->rules);
	if (entry == NULL || !cv_buf_append(&b->rule_blocks, "\0\0\0\0\0\0\0", pad) ||
		!cv_buf_append(&b->rule_blocks, bin, size))
	{
		free(bin);
		return out_of_memory(b), CV_CFG_NONE;
	}
	entry->off = (uint32_t) (b->rule_blocks.len - size);	/* rebased at assembly */
	entry->size = (uint32_t) size;
	free(bin);
	return (uint32_t) (b->rules.len - 1);
}

/* dst = path [+ "." ] + member, truncated to the buffer. */
static void
append_path(char *dst, size_t size, const char *path, const char *member)
{
	size_t		n = strlen(path);

	if (n >= size)
		n = size - 1;
	memcpy(dst, path, n);
	if (member != NULL && n > 0 && member[0] != '[' && n + 1 < size)
		dst[n++] = '.';
	for (size_t i = 0; member != NULL && member[i] != '\0' && n + 1 < size; i++)
		dst[n++] = member[i];
	dst[n] = '\0';
}

bool
cfg_fail(cfg_builder *b, cv_config_errcode code, const char *member,
		 const char *hint, const char *fmt,...)
{
	va_list		ap;

	if (b->failed)
		return false;
	b->failed = true;
	b->err->code = code;
	b->err->hint = hint;
	append_path(b->err->path, sizeof(b->err->path), b->path, member);
	va_start(ap, fmt);
	vsnprintf(b->err->message, sizeof(b->err->message), fmt, ap);
	va_end(ap);
	cv_utf8_trim_end(b->err->path);
	cv_utf8_trim_end(b->err->message);
	return false;
}

size_t
cfg_path_push(cfg_builder *b, const char *fmt,...)
{
	size_t		old = strlen(b->path);
	char		piece[96];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(piece, sizeof(piece), fmt, ap);
	va_end(ap);
	if (old > 0 && piece[0] != '[' && old + 1 < sizeof(b->path))
	{
		b->path[old] = '.';
		append_path(b->path + old + 1, sizeof(b->path) - old - 1, "", piece);
	}
	else if (old < sizeof(b->path))
		append_path(b->path + old, sizeof(b->path) - old, "", piece);
	return old;
}

void
cfg_path_pop(cfg_builder *b, size_t old)
{
	b->path[old] = '\0';
}

/* n rounded up to a multiple of 8. */
static size_t
align8(size_t n)
{
	return (n + 7) & ~(size_t) 7;
}

bool
cfg_assemble(cfg_builder *b, void **out, size_t *out_size)
{
	cv_cfg_header h;
	cfg_table  *tables[] = {&b->experiences, &b->variations, &b->ranges,
		&b->locations, &b->audiences, &b->segments, &b->features, &b->changes,
	&b->variants, &b->index, &b->rules};
	uint32_t   *slots[][2] = {
		{&h.n_experiences, &h.off_experiences}, {&h.n_variations, &h.off_variations},
		{&h.n_ranges, &h.off_ranges}, {&h.n_locations, &h.off_locations},
		{&h.n_audiences, &h.off_audiences}, {&h.n_segments, &h.off_segments},
		{&h.n_features, &h.off_features}, {&h.n_changes, &h.off_changes},
		{&h.n_variants, &h.off_variants}, {&h.n_index, &h.off_index},
	{&h.n_rules, &h.off_rules}};
	size_t		pos = align8(sizeof(h));
	size_t		rules_base;
	char	   *blob;

	memset(&h, 0, sizeof(h));
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
	{
		*slots[i][0] = (uint32_t) tables[i]->len;
		*slots[i][1] = (uint32_t) pos;
		pos = align8(pos + tables[i]->len * tables[i]->item);
	}
	rules_base = pos;
	pos = align8(pos + b->rule_blocks.len);
	h.off_pool = (uint32_t) pos;
	h.pool_len = (uint32_t) b->pool.len;
	pos = align8(pos + b->pool.len);
	if (pos > UINT32_MAX / 2)
		return cfg_fail(b, CV_CONFIG_ERR_LIMIT, NULL, NULL, "the config is too large");
	blob = calloc(1, pos);
	if (blob == NULL)
		return out_of_memory(b);
	h.magic = CV_CFG_MAGIC;
	h.size = (uint32_t) pos;
	h.key_order = b->key_order;
	h.feature_order = b->feature_order;
	h.text = b->text;
	for (size_t i = 0; i < b->rules.len; i++)
		CFG_AT(&b->rules, cv_cfg_rules, i)->off += (uint32_t) rules_base;
	memcpy(blob, &h, sizeof(h));
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		if (tables[i]->len > 0)
			memcpy(blob + *slots[i][1], tables[i]->data, tables[i]->len * tables[i]->item);
	if (b->rule_blocks.len > 0)
		memcpy(blob + rules_base, b->rule_blocks.data, b->rule_blocks.len);
	if (b->pool.len > 0)
		memcpy(blob + h.off_pool, b->pool.data, b->pool.len);
	*out = blob;
	*out_size = pos;
	return true;
}

/* ---- JSON helpers ---- */

bool
cfg_member(struct json_object *obj, const char *name, struct json_object **out)
{
	*out = NULL;
	return obj != NULL && json_object_get_type(obj) == json_type_object &&
		json_object_object_get_ex(obj, name, out);
}

/* JavaScript truthiness of a member; an absent one is false. */
bool
cfg_truthy(bool present, struct json_object *o)
{
	cv_jv		v;

	if (!present || o == NULL)
		return false;
	v = cv_jv_from_jsonc(o);
	switch (v.kind)
	{
		case CV_JV_BOOL:
			return v.boolean;
		case CV_JV_NUMBER:
			return v.number != 0 && v.number == v.number;
		case CV_JV_STRING:
			return v.len > 0;
		default:
			return true;
	}
}

bool
cfg_member_truthy(struct json_object *obj, const char *name, struct json_object **out)
{
	bool		present = cfg_member(obj, name, out);

	return cfg_truthy(present, *out);
}

cv_cfg_str
cfg_js_string(cfg_builder *b, bool present, struct json_object *o)
{
	cv_jv		v;

	if (!present)
		return cfg_str(b, "undefined", 9);
	v = cv_jv_from_jsonc(o);
	b->scratch.len = 0;
	if (!cv_js_append_string_of(&b->scratch, &v, &cv_jsonc_ops))
	{
		out_of_memory(b);
		return cfg_absent;
	}
	return cfg_str(b, b->scratch.data ? b->scratch.data : "", b->scratch.len);
}

bool
cfg_strict_equal(struct json_object *a, struct json_object *b)
{
	json_type	ta = a == NULL ? json_type_null : json_object_get_type(a);
	json_type	tb = b == NULL ? json_type_null : json_object_get_type(b);
	bool		na = ta == json_type_int || ta == json_type_double;
	bool		nb = tb == json_type_int || tb == json_type_double;

	if (na || nb)
		return na && nb && cv_jsonc_number(a) == cv_jsonc_number(b);
	if (ta != tb)
		return false;
	switch (ta)
	{
		case json_type_null:
			return true;
		case json_type_boolean:
			return json_object_get_boolean(a) == json_object_get_boolean(b);
		case json_type_string:
			return json_object_get_string_len(a) == json_object_get_string_len(b) &&
				memcmp(json_object_get_string(a), json_object_get_string(b),
					   (size_t) json_object_get_string_len(a)) == 0;
		default:
			return false;
	}
}

/* The JSON type of o as error messages name it. */
const char *
cfg_type_phrase(struct json_object *o)
{
	switch (o == NULL ? json_type_null : json_object_get_type(o))
	{
		case json_type_null:
			return "null";
		case json_type_boolean:
			return "a boolean";
		case json_type_int:
		case json_type_double:
			return "a number";
		case json_type_string:
			return "a string";
		case json_type_array:
			return "an array";
		default:
			return "an object";
	}
}

bool
cfg_is_object(struct json_object *o)
{
	return o != NULL && json_object_get_type(o) == json_type_object;
}

bool
cfg_is_array(struct json_object *o)
{
	return o != NULL && json_object_get_type(o) == json_type_array;
}
