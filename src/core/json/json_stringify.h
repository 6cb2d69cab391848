/*
 * json_stringify.h — JSON text of a json-c value as JavaScript's
 * JSON.stringify writes the value JSON.parse made of it.
 *
 * Numbers are printed by Number::toString (50.0 becomes 50, a long
 * integer becomes its rounded double), NaN and infinities become null:
 * result objects then carry exactly the values the SDK returns.
 */
#ifndef CONVERT_JSON_STRINGIFY_H
#define CONVERT_JSON_STRINGIFY_H

#include <json-c/json.h>
#include <stdbool.h>

#include "js/js_string.h"

/* Append the JSON text of o (NULL is JSON null); false when out of memory. */
bool		cv_json_stringify(cv_buf *out, struct json_object *o);

/* Append s (UTF-8, len bytes) as a JSON string literal. */
bool		cv_json_quote(cv_buf *out, const char *s, size_t len);

#endif
