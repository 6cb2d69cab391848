/*
 * fuzz_track.c — libFuzzer target for the checks of a tracking payload
 * (src/core/track/track_check.c), the code convert_internal.track_parse runs on every
 * batch.
 *
 * Input: the JSON of a batch's visitors array, in valid UTF-8 (anything
 * else is skipped, as the server refuses it before these checks).  The checks run against a small fixed
 * project: experiences 1 and 2, variations 11 and 12 of 1 and 21 of 2,
 * goals 5 and 6, archived experience 9.  Every visitor and event is
 * checked until the first rejection, as the server does.  A rejection must
 * be 400 or 413 with a message that starts with "visitors", is valid
 * UTF-8 and fits its buffer (client text is quoted in bounded pieces); an
 * accepted event must name project ids, and its goalData items must be
 * items whose key is the one asked for.  Any crash, leak, sanitizer report
 * or abort() is a finding.
 *
 * Built by test/fuzz/Makefile; the saved corpus (test/fuzz/corpus/track)
 * is replayed by the core unit tests (test/core/test_fuzz_corpus.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "fuzz_input.h"
#include "js/js_string.h"
#include "json/json_view_jsonc.h"
#include "track/track_check.h"

int			fuzz_track_input(const uint8_t *data, size_t size);

/* The fixed project: (kind, id as sent, id, experience). */
static const struct
{
	cv_track_id_kind kind;
	const char *text;
	int64_t		id;
	int64_t		experience;
}			project_ids[] = {
	{CV_TRACK_EXPERIENCE, "1", 1, 0}, {CV_TRACK_EXPERIENCE, "2", 2, 0},
	{CV_TRACK_VARIATION, "11", 11, 1}, {CV_TRACK_VARIATION, "12", 12, 1},
	{CV_TRACK_VARIATION, "21", 21, 2}, {CV_TRACK_GOAL, "5", 5, 0},
	{CV_TRACK_GOAL, "6", 6, 0}, {CV_TRACK_ARCHIVED, "9", 9, 0},
};

static bool
find_id(void *ctx, cv_track_id_kind kind, const char *text, size_t len, int64_t *id,
		int64_t *experience)
{
	(void) ctx;
	for (size_t i = 0; i < sizeof(project_ids) / sizeof(project_ids[0]); i++)
		if (project_ids[i].kind == kind && strlen(project_ids[i].text) == len
			&& memcmp(project_ids[i].text, text, len) == 0)
		{
			*id = project_ids[i].id;
			*experience = project_ids[i].experience;
			return true;
		}
	return false;
}

static bool
jsonc_object_each(const void *node, bool (*each) (void *arg, const cv_jv *key, const cv_jv *value),
				  void *arg)
{
	json_object_object_foreach((struct json_object *) node, k, v)
	{
		cv_jv		key = cv_jv_string(k, strlen(k));
		cv_jv		value = cv_jv_from_jsonc(v);

		if (!each(arg, &key, &value))
			return false;
	}
	return true;
}

static const cv_track_json json = {&cv_jsonc_ops, jsonc_object_each};
static const cv_track_project project = {NULL, find_id};

/* A rejection as the server would send it. */
static void
check_error(const cv_track_error *err)
{
	size_t		len = strlen(err->message);

	if ((err->status != 400 && err->status != 413) || strncmp(err->message, "visitors", 8) != 0
		|| !cv_utf8_valid(err->message, len) || len >= CV_TRACK_MESSAGE_MAX - 1)
	{
		fprintf(stderr, "bad rejection %d: %s\n", err->status, err->message);
		abort();
	}
}

/* goalData item k of the event names key. */
static void
check_item(struct json_object *event, int k, const char *key)
{
	struct json_object *data,
			   *goal_data,
			   *name;

	if (k < 0)
		return;
	if (!json_object_object_get_ex(event, "data", &data)
		|| !json_object_object_get_ex(data, "goalData", &goal_data)
		|| !json_object_object_get_ex(json_object_array_get_idx(goal_data, (size_t) k), "key", &name)
		|| strcmp(json_object_get_string(name), key) != 0)
		abort();
}

static void
check_accepted(struct json_object *event, const cv_track_event *ev)
{
	int64_t		id,
				exp;
	char		text[24];

	if (ev->bucketing)
	{
		snprintf(text, sizeof(text), "%lld", (long long) ev->variation_id);
		if (!find_id(NULL, CV_TRACK_VARIATION, text, strlen(text), &id, &exp)
			|| exp != ev->experience_id)
			abort();
		return;
	}
	snprintf(text, sizeof(text), "%lld", (long long) ev->goal_id);
	if (!find_id(NULL, CV_TRACK_GOAL, text, strlen(text), &id, &exp))
		abort();
	check_item(event, ev->amount_item, "amount");
	check_item(event, ev->products_count_item, "productsCount");
	check_item(event, ev->transaction_id_item, "transactionId");
}

/* Every visitor and event until the first rejection. */
static void
check_batch(struct json_object *visitors)
{
	cv_jv		root = cv_jv_from_jsonc(visitors);
	cv_track_error err;

	if (!cv_track_check_limits(&root, &json, 10000, 10000, &err))
	{
		check_error(&err);
		return;
	}
	for (size_t vi = 0; vi < json_object_array_length(visitors); vi++)
	{
		struct json_object *v = json_object_array_get_idx(visitors, vi);
		cv_jv		visitor = cv_jv_from_jsonc(v);
		cv_track_visitor checked;

		if (!cv_track_check_visitor(&visitor, (int) vi, &json, &checked, &err))
		{
			check_error(&err);
			return;
		}
		for (size_t ei = 0; ei < cv_jsonc_ops.count(checked.events.node); ei++)
		{
			struct json_object *e = json_object_array_get_idx((struct json_object *) checked.events.node, ei);
			cv_jv		event = cv_jv_from_jsonc(e);
			cv_track_event ev;

			if (!cv_track_check_event(&event, (int) vi, (int) ei, &json, &project, &ev, &err))
			{
				check_error(&err);
				return;
			}
			check_accepted(e, &ev);
		}
	}
}

int
fuzz_track_input(const uint8_t *data, size_t size)
{
	size_t		head;
	struct json_object *tail = fuzz_split_input(data, size, &head);
	char	   *copy = malloc(head + 1);
	struct json_object *visitors;

	json_object_put(tail);		/* this target reads the head only */
	if (copy == NULL)
		return 0;
	memcpy(copy, data, head);
	copy[head] = '\0';
	/* The server's JSON is valid UTF-8 (PostgreSQL checks it on input). */
	visitors = cv_utf8_valid(copy, head) ? json_tokener_parse(copy) : NULL;
	free(copy);
	if (json_object_is_type(visitors, json_type_array))
		check_batch(visitors);
	json_object_put(visitors);
	return 0;
}

FUZZ_ENTRY_POINT(fuzz_track_input)
