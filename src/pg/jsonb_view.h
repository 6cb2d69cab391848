/*
 * jsonb_view.h — the core's read-only JSON view (json_view.h) over a
 * jsonb value, with no conversion to text: strings are borrowed from the
 * jsonb (converted only when the database is not UTF-8), and only the
 * members a caller looks up are read at all (numbers are rounded to
 * doubles then).
 */
#ifndef CONVERT_PG_JSONB_VIEW_H
#define CONVERT_PG_JSONB_VIEW_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "json/json_view.h"

extern const cv_jv_ops jsonb_view_ops;

/* A JSON number as JSON.parse reads it (out of range: ±Infinity). */
extern double numeric_to_js_double(Numeric n);

/* View of a whole jsonb datum (scalars included). */
extern cv_jv jsonb_view_root(Jsonb *jb);

#endif
