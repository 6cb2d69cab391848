/*
 * json_view.h — a tiny read-only view of a JSON value, for evaluators.
 *
 * The rule evaluator (and the config decisions built on it) reads visitor
 * properties without knowing where they live: a jsonb datum in src/pg, a
 * json-c tree in the unit tests and the fuzzer.  A cv_jv holds a scalar
 * directly (strings are borrowed, not copied, and need not be
 * NUL-terminated) or, for an array or object, an opaque `node` that the
 * caller's cv_jv_ops know how to read.  Nothing is allocated per lookup,
 * so filling a view is cheap enough to do per row.
 */
#ifndef CONVERT_JSON_VIEW_H
#define CONVERT_JSON_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum cv_jv_kind
{
	CV_JV_UNDEFINED,			/* absent (a missing key) */
	CV_JV_NULL,
	CV_JV_BOOL,
	CV_JV_NUMBER,				/* IEEE double, rounded as JSON.parse rounds */
	CV_JV_STRING,				/* valid UTF-8 */
	CV_JV_ARRAY,
	CV_JV_OBJECT
} cv_jv_kind;

typedef struct cv_jv
{
	cv_jv_kind	kind;
	bool		boolean;
	double		number;
	const char *str;
	size_t		len;
	const void *node;			/* array/object: the ops' own handle */
} cv_jv;

typedef struct cv_jv_ops
{
	/* Number of elements (array) or members (object). */
	size_t		(*count) (const void *node);
	/* Element i of an array (i < count); false if out of range. */
	bool		(*array_get) (const void *node, size_t i, cv_jv *out);
	/* Member `key` (UTF-8, len bytes) of an object; false if absent. */
	bool		(*object_get) (const void *node, const char *key, size_t len,
							   cv_jv *out);
} cv_jv_ops;

/* Convenience constructors for scalars. */
static inline cv_jv
cv_jv_string(const char *s, size_t len)
{
	cv_jv		v = {CV_JV_STRING, false, 0, s, len, NULL};

	return v;
}

static inline cv_jv
cv_jv_number(double x)
{
	cv_jv		v = {CV_JV_NUMBER, false, x, NULL, 0, NULL};

	return v;
}

#endif
