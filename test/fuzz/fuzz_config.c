/*
 * fuzz_config.c — libFuzzer target for the config compiler (the input of
 * convert.config) and the decisions run on what it compiles.
 *
 * Input: config JSON text, optionally followed by a NUL byte and a JSON
 * object of visitor properties.  A config that compiles must pass
 * cv_config_check, give back its JSON byte for byte, and run every
 * experience and feature for a visitor (in "production", storage and type
 * casting on) without a crash; the result texts of whatever is decided are
 * read in full.  A compile error must be a short, valid UTF-8 message.
 * Any crash, leak, sanitizer report or abort() is a finding.
 *
 * Built by test/fuzz/Makefile; the saved corpus (test/fuzz/corpus/config)
 * is replayed by the core unit tests (test/core/test_fuzz_corpus.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "config/config.h"
#include "fuzz_input.h"
#include "js/js_string.h"
#include "json/json_view_jsonc.h"

int			fuzz_config_input(const uint8_t *data, size_t size);

/* Touch every byte of a result text, so ASan sees a bad slice. */
static size_t
read_text(cv_text t)
{
	size_t		sum = 0;

	for (size_t i = 0; i < t.len; i++)
		sum += (unsigned char) t.str[i];
	return sum;
}

static void
decide(const void *blob, struct json_object *props)
{
	cv_config_runtime *rt = cv_config_runtime_new(blob);
	cv_decide_input in;
	const cv_decision *d;
	const cv_feature_entry *f;
	size_t		n;
	volatile size_t sum = 0;

	if (rt == NULL)
		return;					/* out of memory */
	memset(&in, 0, sizeof(in));
	in.visitor_id.str = "fuzz-visitor";
	in.visitor_id.len = 12;
	in.environment.str = "production";
	in.environment.len = 10;
	in.visitor_props = cv_jv_from_jsonc(props);
	in.visitor_ops = &cv_jsonc_ops;
	in.location_ops = &cv_jsonc_ops;
	in.enable_storage = true;
	in.type_casting = true;
	d = cv_run_experiences(rt, &in, &n);
	for (size_t i = 0; d != NULL && i < n; i++)
		if (d[i].outcome == CV_OUT_VARIATION)
		{
			bool		own;

			sum += read_text(cv_config_variation_json(blob, d[i].variation, true, &own));
		}
	f = cv_run_features(rt, &in, NULL, &n);
	for (size_t i = 0; f != NULL && i < n; i++)
		sum += f[i].kind == CV_FEATURE_ENABLED
			? read_text(cv_config_feature_entry_json(blob, f[i].index, f[i].casts))
			: f[i].kind == CV_FEATURE_DISABLED
			? read_text(cv_config_feature_disabled_json(blob, f[i].index)) : 0;
	(void) sum;
	cv_config_runtime_free(rt);
}

int
fuzz_config_input(const uint8_t *data, size_t size)
{
	const char *text = (const char *) data;
	size_t		config_len;
	struct json_object *props = fuzz_split_input(data, size, &config_len);
	void	   *blob;
	size_t		bsize,
				jlen;
	cv_config_error err;
	const char *json;

	if (props == NULL || !json_object_is_type(props, json_type_object))
	{
		json_object_put(props);
		props = json_object_new_object();
	}
	if (cv_config_compile(text, config_len, &blob, &bsize, &err) != CV_CONFIG_OK)
	{
		if (!cv_utf8_valid(err.message, strlen(err.message)) ||
			!cv_utf8_valid(err.path, strlen(err.path)))
			abort();			/* the server would refuse to print it */
		json_object_put(props);
		return 0;
	}
	if (!cv_config_check(blob, bsize))
		abort();
	json = cv_config_json(blob, &jlen);
	if (jlen != config_len || memcmp(json, text, jlen) != 0)
		abort();				/* convert.config's output is its input */
	decide(blob, props);
	free(blob);
	json_object_put(props);
	return 0;
}

FUZZ_ENTRY_POINT(fuzz_config_input)
