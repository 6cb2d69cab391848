/*
 * track_check.c — checks of a tracking payload's visitors array
 * (track_check.h).  The order of the checks is the order a client's
 * mistakes are reported in: the first problem in payload order wins.
 */
#include "track/track_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "json/error_text.h"

/* Where a check is, for messages: visitors[vi] or visitors[vi].events[ei]. */
typedef struct pos
{
	int			vi;
	int			ei;				/* -1 at visitor level */
	cv_track_error *err;
} pos;

/* Fail with status: the position, then the field path and problem. */
static bool
fail_status(const pos *p, int status, const char *hint, const char *fmt,...)
{
	va_list		ap;
	int			n;

	n = p->ei >= 0
		? snprintf(p->err->message, sizeof(p->err->message), "visitors[%d].events[%d]", p->vi, p->ei)
		: snprintf(p->err->message, sizeof(p->err->message), "visitors[%d]", p->vi);
	va_start(ap, fmt);
	vsnprintf(p->err->message + n, sizeof(p->err->message) - (size_t) n, fmt, ap);
	va_end(ap);
	cv_utf8_trim_end(p->err->message);
	p->err->status = status;
	p->err->hint = hint;
	return false;
}

#define fail(p, ...) fail_status((p), 400, NULL, __VA_ARGS__)

/* The JSON type of v, for messages. */
static const char *
type_name(const cv_jv *v)
{
	switch (v->kind)
	{
		case CV_JV_NULL:
			return "null";
		case CV_JV_BOOL:
			return "boolean";
		case CV_JV_NUMBER:
			return "number";
		case CV_JV_STRING:
			return "string";
		case CV_JV_ARRAY:
			return "array";
		default:
			return "object";
	}
}

/* "is missing" or "must be a string, got number" for a value of the wrong kind. */
static bool
fail_type(const pos *p, const char *field, const cv_jv *v, const char *expected)
{
	if (v->kind == CV_JV_UNDEFINED)
		return fail(p, "%s: is missing", field);
	return fail(p, "%s: must be %s %s, got %s", field,
				(expected[0] == 'a' || expected[0] == 'o') ? "an" : "a", expected, type_name(v));
}

/* Member key of an object value (CV_JV_UNDEFINED when absent). */
static cv_jv
member(const cv_track_json *json, const cv_jv *obj, const char *key)
{
	cv_jv		v;

	memset(&v, 0, sizeof(v));
	if (!json->ops->object_get(obj->node, key, strlen(key), &v))
		v.kind = CV_JV_UNDEFINED;
	return v;
}

/* Element i of arr, undefined when absent. */
static cv_jv
element(const cv_track_json *json, const cv_jv *arr, size_t i)
{
	cv_jv		v;

	memset(&v, 0, sizeof(v));
	if (!json->ops->array_get(arr->node, i, &v))
		v.kind = CV_JV_UNDEFINED;
	return v;
}

/* Is v the string s? */
static bool
is_text(const cv_jv *v, const char *s)
{
	return v->kind == CV_JV_STRING && v->len == strlen(s) && memcmp(v->str, s, v->len) == 0;
}

bool
cv_track_check_limits(const cv_jv *visitors, const cv_track_json *json,
					  long max_visitors, long max_events, cv_track_error *err)
{
	size_t		nvisitors = json->ops->count(visitors->node);
	size_t		nevents = 0;
	const char *hint = "Send the events in smaller batches.";

	err->status = 413;
	err->hint = hint;
	if (nvisitors > (size_t) max_visitors)
	{
		snprintf(err->message, sizeof(err->message),
				 "visitors: %zu visitors exceed the limit of %ld per batch", nvisitors, max_visitors);
		return false;
	}
	for (size_t i = 0; i < nvisitors; i++)
	{
		cv_jv		v = element(json, visitors, i);
		cv_jv		events;

		if (v.kind != CV_JV_OBJECT)
			continue;
		events = member(json, &v, "events");
		if (events.kind == CV_JV_ARRAY)
			nevents += json->ops->count(events.node);
	}
	if (nevents > (size_t) max_events)
	{
		snprintf(err->message, sizeof(err->message),
				 "visitors: %zu events exceed the limit of %ld per batch", nevents, max_events);
		return false;
	}
	return true;
}

bool
cv_track_check_visitor(const cv_jv *visitor, int vi, const cv_track_json *json,
					   cv_track_visitor *out, cv_track_error *err)
{
	pos			p = {vi, -1, err};

	if (visitor->kind != CV_JV_OBJECT)
		return fail(&p, ": must be an object, got %s", type_name(visitor));
	out->id = member(json, visitor, "visitorId");
	if (out->id.kind != CV_JV_STRING)
		return fail_type(&p, ".visitorId", &out->id, "string");
	if (out->id.len == 0)
		return fail(&p, ".visitorId: must not be empty");
	if (out->id.len > CV_TRACK_MAX_VISITOR_ID_BYTES)
		return fail(&p, ".visitorId: is longer than %d bytes", CV_TRACK_MAX_VISITOR_ID_BYTES);
	out->events = member(json, visitor, "events");
	if (out->events.kind != CV_JV_ARRAY)
		return fail_type(&p, ".events", &out->events, "array");
	out->segments = member(json, visitor, "segments");
	if (out->segments.kind != CV_JV_UNDEFINED && out->segments.kind != CV_JV_OBJECT)
		return fail(&p, ".segments: must be an object, got %s", type_name(&out->segments));
	return true;
}

/*
 * An experience/variation pair of the project, named by the fields
 * field_exp and field_var in messages; an archived experience passes
 * (without ids) when allow_archived.
 */
static bool
check_variation(const pos *p, const cv_track_project *project, const cv_jv *exp,
				const cv_jv *var, const char *field_exp, const char *field_var,
				bool allow_archived, int64_t *exp_id, int64_t *var_id)
{
	char		qexp[CV_QUOTE_JSON_BUF],
				qvar[CV_QUOTE_JSON_BUF];
	int64_t		unused,
				var_exp;

	if (!project->find(project->ctx, CV_TRACK_EXPERIENCE, exp->str, exp->len, exp_id, &unused))
	{
		if (allow_archived &&
			project->find(project->ctx, CV_TRACK_ARCHIVED, exp->str, exp->len, exp_id, &unused))
			return true;
		return fail(p, "%s: unknown experience %s", field_exp, cv_quote_json(qexp, exp->str, exp->len));
	}
	if (!project->find(project->ctx, CV_TRACK_VARIATION, var->str, var->len, var_id, &var_exp)
		|| var_exp != *exp_id)
		return fail(p, "%s: variation %s is not a variation of experience %s", field_var,
					cv_quote_json(qvar, var->str, var->len), cv_quote_json(qexp, exp->str, exp->len));
	return true;
}

/* Check a bucketing event: experience and variation ids of the project. */
static bool
check_bucketing(const pos *p, const cv_track_json *json, const cv_track_project *project,
				const cv_jv *data, cv_track_event *out)
{
	cv_jv		exp = member(json, data, "experienceId");
	cv_jv		var = member(json, data, "variationId");

	if (exp.kind != CV_JV_STRING)
		return fail_type(p, ".data.experienceId", &exp, "string");
	if (var.kind != CV_JV_STRING)
		return fail_type(p, ".data.variationId", &var, "string");
	return check_variation(p, project, &exp, &var, ".data.experienceId", ".data.variationId",
						   false, &out->experience_id, &out->variation_id);
}

/* customDimension1 ... customDimension5 */
static bool
is_custom_dimension(const cv_jv *key)
{
	return key->len == 16 && memcmp(key->str, "customDimension", 15) == 0
		&& key->str[15] >= '1' && key->str[15] <= '5';
}

/* One {key, value} item of goalData: the schema's keys carry typed values. */
static bool
check_goal_item(const pos *p, const cv_track_json *json, int k, const cv_jv *item)
{
	cv_jv		key,
				value;

	if (item->kind != CV_JV_OBJECT)
		return fail(p, ".data.goalData[%d]: must be an object, got %s", k, type_name(item));
	key = member(json, item, "key");
	if (key.kind == CV_JV_UNDEFINED)
		return fail(p, ".data.goalData[%d].key: is missing", k);
	if (key.kind != CV_JV_STRING)
		return fail(p, ".data.goalData[%d].key: must be a string, got %s", k, type_name(&key));
	value = member(json, item, "value");
	if (value.kind == CV_JV_UNDEFINED)
		return fail(p, ".data.goalData[%d].value: is missing", k);
	if (value.kind == CV_JV_NULL)	/* the SDK serialises NaN as null */
		return true;
	if ((is_text(&key, "amount") || is_text(&key, "productsCount")) && value.kind != CV_JV_NUMBER)
		return fail(p, ".data.goalData[%d].value: %s must be a number, got %s",
					k, is_text(&key, "amount") ? "amount" : "productsCount", type_name(&value));
	if (is_text(&key, "transactionId") && value.kind != CV_JV_STRING && value.kind != CV_JV_NUMBER)
		return fail(p, ".data.goalData[%d].value: transactionId must be a string or a number, got %s",
					k, type_name(&value));
	if (is_text(&key, "transactionId") && value.kind == CV_JV_STRING
		&& value.len > CV_TRACK_MAX_ID_BYTES)
		return fail(p, ".data.goalData[%d].value: transactionId is longer than %d bytes",
					k, CV_TRACK_MAX_ID_BYTES);
	if (is_custom_dimension(&key) && value.kind != CV_JV_STRING && value.kind != CV_JV_NUMBER)
	{
		bool		ok = value.kind == CV_JV_ARRAY;
		size_t		n = ok ? json->ops->count(value.node) : 0;

		for (size_t i = 0; ok && i < n; i++)
			ok = element(json, &value, i).kind == CV_JV_STRING;
		if (!ok)
			return fail(p, ".data.goalData[%d].value: %.16s must be a string, a number or an array of strings, got %s",
						k, key.str, type_name(&value));
	}
	return true;
}

/* The item of the first non-null value given for key in a checked goalData, or -1. */
static int
goal_item(const cv_track_json *json, const cv_jv *goal_data, const char *key)
{
	size_t		n = json->ops->count(goal_data->node);

	for (size_t i = 0; i < n; i++)
	{
		cv_jv		item = element(json, goal_data, i);
		cv_jv		k = member(json, &item, "key");
		cv_jv		v = member(json, &item, "value");

		if (is_text(&k, key) && v.kind != CV_JV_NULL)
			return (int) i;
	}
	return -1;
}

/* What a walk over bucketingData needs. */
typedef struct bucketing_walk
{
	const pos  *p;
	const cv_track_project *project;
} bucketing_walk;

/* One experienceId: variationId member of bucketingData. */
static bool
check_bucketing_member(void *arg, const cv_jv *key, const cv_jv *value)
{
	bucketing_walk *w = arg;
	char		quoted[CV_QUOTE_JSON_BUF];
	char		path[CV_QUOTE_JSON_BUF + 32];
	int64_t		e,
				v;

	snprintf(path, sizeof(path), ".data.bucketingData[%s]", cv_quote_json(quoted, key->str, key->len));
	if (value->kind != CV_JV_STRING)
		return fail(w->p, "%s: must be %s %s, got %s", path, "a", "string", type_name(value));
	return check_variation(w->p, w->project, key, value, path, path, true, &e, &v);
}

/* Check a conversion event: goal, goalData and bucketingData. */
static bool
check_conversion(const pos *p, const cv_track_json *json, const cv_track_project *project,
				 const cv_jv *data, cv_track_event *out)
{
	cv_jv		goal = member(json, data, "goalId");
	cv_jv		goal_data = member(json, data, "goalData");
	cv_jv		bucketing = member(json, data, "bucketingData");
	char		quoted[CV_QUOTE_JSON_BUF];
	int64_t		unused;

	if (goal.kind != CV_JV_STRING)
		return fail_type(p, ".data.goalId", &goal, "string");
	if (!project->find(project->ctx, CV_TRACK_GOAL, goal.str, goal.len, &out->goal_id, &unused))
		return fail(p, ".data.goalId: unknown goal %s", cv_quote_json(quoted, goal.str, goal.len));
	out->has_goal_data = goal_data.kind != CV_JV_UNDEFINED;
	if (out->has_goal_data)
	{
		size_t		n;

		if (goal_data.kind != CV_JV_ARRAY)
			return fail(p, ".data.goalData: must be an array, got %s", type_name(&goal_data));
		n = json->ops->count(goal_data.node);
		for (size_t k = 0; k < n; k++)
		{
			cv_jv		item = element(json, &goal_data, k);

			if (!check_goal_item(p, json, (int) k, &item))
				return false;
		}
		out->amount_item = goal_item(json, &goal_data, "amount");
		out->products_count_item = goal_item(json, &goal_data, "productsCount");
		out->transaction_id_item = goal_item(json, &goal_data, "transactionId");
	}
	out->has_bucketing_data = bucketing.kind != CV_JV_UNDEFINED;
	if (out->has_bucketing_data)
	{
		bucketing_walk w = {p, project};

		if (bucketing.kind != CV_JV_OBJECT)
			return fail(p, ".data.bucketingData: must be an object, got %s", type_name(&bucketing));
		if (!json->object_each(bucketing.node, check_bucketing_member, &w))
			return false;
	}
	return true;
}

bool
cv_track_check_event(const cv_jv *event, int vi, int ei, const cv_track_json *json,
					 const cv_track_project *project, cv_track_event *out, cv_track_error *err)
{
	pos			p = {vi, ei, err};
	cv_jv		type,
				data;
	char		quoted[CV_QUOTE_JSON_BUF];

	memset(out, 0, sizeof(*out));
	out->amount_item = out->products_count_item = out->transaction_id_item = -1;
	if (event->kind != CV_JV_OBJECT)
		return fail(&p, ": must be an object, got %s", type_name(event));
	type = member(json, event, "eventType");
	if (type.kind != CV_JV_STRING)
		return fail_type(&p, ".eventType", &type, "string");
	data = member(json, event, "data");
	out->bucketing = is_text(&type, "bucketing");
	if (!out->bucketing && !is_text(&type, "conversion"))
		return fail_status(&p, 400, "Event types are \"bucketing\" and \"conversion\".",
						   ".eventType: unknown event type %s",
						   cv_quote_json(quoted, type.str, type.len));
	if (data.kind != CV_JV_OBJECT)
		return fail_type(&p, ".data", &data, "object");
	return out->bucketing ? check_bucketing(&p, json, project, &data, out)
		: check_conversion(&p, json, project, &data, out);
}
