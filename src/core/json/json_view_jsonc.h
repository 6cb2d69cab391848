/*
 * json_view_jsonc.h — cv_jv views of json-c values (unit tests, fuzzer,
 * and the compiler's own precomputation of rule values).
 */
#ifndef CONVERT_JSON_VIEW_JSONC_H
#define CONVERT_JSON_VIEW_JSONC_H

#include <json-c/json.h>

#include "json/json_view.h"

extern const cv_jv_ops cv_jsonc_ops;

/* View of o (NULL gives undefined); borrows o's memory. */
cv_jv		cv_jv_from_jsonc(struct json_object *o);

/* A json-c number as JSON.parse rounds it (see json_strict.h). */
double		cv_jsonc_number(struct json_object *o);

#endif
