/*
 * feature_cast.h — the SDK's castType(value, type) for feature variables
 * (docs/sdk-behaviour.md, "Variable casting"), on json-c values.
 *
 * The served config fixes every variable's value and declared type, so
 * the config compiler casts once and stores the results; nothing is cast
 * per row.
 */
#ifndef CONVERT_FEATURE_CAST_H
#define CONVERT_FEATURE_CAST_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * castType(value, type): "boolean", "integer", "float", "string", "json";
 * any other type leaves the value unchanged.  Returns a new reference
 * (json-c's NULL is JSON null); *ok is false only when out of memory.
 */
struct json_object *cv_feature_cast(struct json_object *value,
									const char *type, size_t type_len,
									bool *ok);

#endif
