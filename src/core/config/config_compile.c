/*
 * config_compile.c — served config JSON -> compiled block (config.h).
 *
 * The walk mirrors what the SDK reads (data-model.md): top-level entity
 * lists, then each experience with its variations.  Values the SDK only
 * coerces are coerced here the same way; values that would make the SDK
 * throw, or that are not what the config schema says at all (a variation
 * that is not an object, an id that is an object, ...), are rejected
 * with the JSON path, so a bad snapshot fails once, at input.
 */
#include "config/config.h"

#include <stdlib.h>
#include <string.h>

#include "bucketing/bucketing.h"
#include "config/config_builder.h"
#include "config/config_compile_parts.h"
#include "json/json_strict.h"
#include "json/json_view_jsonc.h"

/* A top-level list: absent or falsy means empty; else an array. */
static bool
top_list(cfg_builder *b, struct json_object *root, const char *name,
		 struct json_object **out)
{
	struct json_object *o;
	bool		present = cfg_member(root, name, &o);

	*out = NULL;
	if (!cfg_truthy(present, o))
		return true;
	if (!cfg_is_array(o))
		return cfg_fail(b, CV_CONFIG_ERR_SHAPE, name, NULL,
						"must be an array, not %s", cfg_type_phrase(o));
	*out = o;
	return true;
}

/* Every element of a top-level entity list must be an object. */
static bool
objects_only(cfg_builder *b, struct json_object *list, const char *name)
{
	size_t		n = list ? json_object_array_length(list) : 0;

	for (size_t i = 0; i < n; i++)
	{
		struct json_object *e = json_object_array_get_idx(list, i);

		if (!cfg_is_object(e))
		{
			size_t		old = cfg_path_push(b, "%s[%zu]", name, i);

			cfg_fail(b, CV_CONFIG_ERR_SHAPE, NULL, NULL,
					 "must be an object, not %s", cfg_type_phrase(e));
			cfg_path_pop(b, old);
			return false;
		}
	}
	return true;
}

/* The SDK's isValidConfigData: an account id and a project id, no error. */
static bool
check_identity(cfg_builder *b, struct json_object *root)
{
	struct json_object *o;
	struct json_object *project;
	bool		present;

	if (cfg_member_truthy(root, "error", &o))
		return cfg_fail(b, CV_CONFIG_ERR_INVALID, "error", NULL,
						"the config is an error document");
	if (!cfg_member_truthy(root, "account_id", &o))
		return cfg_fail(b, CV_CONFIG_ERR_INVALID, "account_id",
						"A served config names its account and project.",
						"is missing or empty");
	present = cfg_member(root, "project", &project);
	if (!cfg_truthy(present, project) || !cfg_is_object(project))
		return cfg_fail(b, CV_CONFIG_ERR_SHAPE, "project", NULL,
						"must be an object with an id");
	if (!cfg_member_truthy(project, "id", &o))
		return cfg_fail(b, CV_CONFIG_ERR_INVALID, "project.id",
						"A served config names its account and project.",
						"is missing or empty");
	return true;
}

/* Compile a whole config document, which must be an object. */
static bool
compile_root(cfg_builder *b, struct json_object *root, cfg_lists *lists)
{
	if (!cfg_is_object(root))
		return cfg_fail(b, CV_CONFIG_ERR_SHAPE, NULL,
						"Pass the JSON the config endpoint serves (for an SDK options document, its \"data\" member).",
						"the config must be a JSON object, not %s", cfg_type_phrase(root));
	if (!check_identity(b, root) ||
		!top_list(b, root, "experiences", &lists->experiences) ||
		!top_list(b, root, "locations", &lists->locations) ||
		!top_list(b, root, "audiences", &lists->audiences) ||
		!top_list(b, root, "segments", &lists->segments) ||
		!top_list(b, root, "features", &lists->features) ||
		!top_list(b, root, "archived_experiences", &lists->archived) ||
		!objects_only(b, lists->experiences, "experiences") ||
		!objects_only(b, lists->locations, "locations") ||
		!objects_only(b, lists->audiences, "audiences") ||
		!objects_only(b, lists->segments, "segments") ||
		!objects_only(b, lists->features, "features"))
		return false;

	/* Keys first: exclusion rules in audiences name experiences by key. */
	return cfg_compile_experience_keys(b, lists) &&
		cfg_compile_locations(b, lists) &&
		cfg_compile_audiences(b, lists) &&
		cfg_compile_segments(b, lists) &&
		cfg_compile_features(b, lists) &&
		cfg_compile_experiences(b, lists);
}

cv_config_errcode
cv_config_compile(const char *json, size_t len, void **out, size_t *out_size,
				  cv_config_error *err)
{
	cfg_builder b;
	cfg_lists	lists;
	struct json_object *root = NULL;
	char		msg[128];
	size_t		offset = 0;
	char	   *copy;

	*out = NULL;
	*out_size = 0;
	cfg_builder_init(&b, err);
	memset(&lists, 0, sizeof(lists));
	copy = cv_json_strict_copy(json, len, &offset, msg, sizeof(msg));
	if (copy == NULL)
	{
		if (offset == (size_t) -1)
			cfg_fail(&b, CV_CONFIG_ERR_NOMEM, NULL, NULL, "out of memory");
		else
			cfg_fail(&b, CV_CONFIG_ERR_SYNTAX, NULL, NULL,
					 "invalid JSON at byte %zu: %s", offset, msg);
	}
	else
	{
		root = json_tokener_parse(copy);
		free(copy);
		b.text = cfg_str(&b, json, len);
		if (!b.failed && compile_root(&b, root, &lists))
			cfg_assemble(&b, out, out_size);
	}
	json_object_put(root);
	cfg_builder_free(&b);
	return b.failed ? err->code : CV_CONFIG_OK;
}
