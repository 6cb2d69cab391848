/*
 * json_text.h — writing JSON text: string literals and the canonical
 * form of a json-c value (compact, members in document order, numbers as
 * JavaScript prints them, non-ASCII left as UTF-8 like JSON.stringify).
 */
#ifndef CONVERT_JSON_TEXT_H
#define CONVERT_JSON_TEXT_H

#include <json-c/json.h>

#include "js/js_string.h"

bool		cv_json_append_string(cv_buf *out, const char *s, size_t len);
bool		cv_jsonc_append_canonical(cv_buf *out, struct json_object *o);

#endif
