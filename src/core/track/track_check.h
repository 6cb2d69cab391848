/*
 * track_check.h — the checks of a tracking payload's visitors array
 * (docs/tracking.md, "Payload accepted"), over the core's read-only
 * JSON view, so that the server (src/pg/track_payload.c, on jsonb) and the
 * fuzzer (test/fuzz/fuzz_track.c, on json-c) run the very same code.
 *
 * Each check fills a cv_track_error with the HTTP-shaped status and the
 * message the client sees, JSON path first:
 *   visitors[3].events[0].eventType: unknown event type "bucketin"
 * Nothing is allocated: a caller may abandon a walk at any point.
 */
#ifndef CONVERT_TRACK_CHECK_H
#define CONVERT_TRACK_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json/json_view.h"

/*
 * Longest string transaction id, in bytes: a key of a btree index, whose
 * entries must stay well under PostgreSQL's limit.
 */
#define CV_TRACK_MAX_ID_BYTES 1024

/*
 * Longest visitor id, in bytes.  Every stored event and its indexes repeat
 * the visitor id, so its length bounds how much a batch of small events
 * can grow the database: 256 bytes keep that under about 7 times the
 * payload (a 1,024-byte id made it 21 times).  SDK-made ids, UUIDs and hex
 * digests are far shorter.
 */
#define CV_TRACK_MAX_VISITOR_ID_BYTES 256

#define CV_TRACK_MESSAGE_MAX 2048

typedef struct cv_track_error
{
	int			status;			/* 400 malformed, 413 over a limit */
	char		message[CV_TRACK_MESSAGE_MAX];
	const char *hint;			/* static text or NULL */
} cv_track_error;

/* How the checks read JSON: the view, plus a walk over an object's members. */
typedef struct cv_track_json
{
	const cv_jv_ops *ops;

	/*
	 * Call each(arg, key, value) for the members of an object node in the
	 * container's own order, stopping when it returns false; returns
	 * whether every call returned true.
	 */
	bool		(*object_each) (const void *node,
								bool (*each) (void *arg, const cv_jv *key, const cv_jv *value),
								void *arg);
} cv_track_json;

typedef enum cv_track_id_kind
{
	CV_TRACK_EXPERIENCE, CV_TRACK_VARIATION, CV_TRACK_GOAL, CV_TRACK_ARCHIVED
} cv_track_id_kind;

/* The project the batch is for: which ids it has. */
typedef struct cv_track_project
{
	void	   *ctx;

	/*
	 * Whether text (UTF-8, len bytes, as sent) names an id of that kind in
	 * the project; then *id is the id and, for a variation, *experience its
	 * experience.
	 */
	bool		(*find) (void *ctx, cv_track_id_kind kind, const char *text, size_t len,
						 int64_t *id, int64_t *experience);
} cv_track_project;

/* A checked visitor entry. */
typedef struct cv_track_visitor
{
	cv_jv		id;				/* a non-empty string */
	cv_jv		events;			/* an array */
	cv_jv		segments;		/* an object, or CV_JV_UNDEFINED */
} cv_track_visitor;

/* A checked event. */
typedef struct cv_track_event
{
	bool		bucketing;		/* else a conversion */
	int64_t		experience_id;	/* bucketing */
	int64_t		variation_id;
	int64_t		goal_id;		/* conversion */
	bool		has_goal_data;
	bool		has_bucketing_data;
	/* goalData items of the first non-null amount, productsCount, transactionId; -1 none */
	int			amount_item;
	int			products_count_item;
	int			transaction_id_item;
} cv_track_event;

/* The batch's size: PT413 beyond max_visitors visitors or max_events events. */
bool		cv_track_check_limits(const cv_jv *visitors, const cv_track_json *json,
								  long max_visitors, long max_events, cv_track_error *err);

/* Visitor vi of the array. */
bool		cv_track_check_visitor(const cv_jv *visitor, int vi, const cv_track_json *json,
								   cv_track_visitor *out, cv_track_error *err);

/* Event ei of visitor vi, checked against the project. */
bool		cv_track_check_event(const cv_jv *event, int vi, int ei, const cv_track_json *json,
								 const cv_track_project *project, cv_track_event *out,
								 cv_track_error *err);

#endif
