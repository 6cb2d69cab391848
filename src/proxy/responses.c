/* responses.c — Building and queueing responses (responses.h). */
#include "responses.h"

#include <json.h>
#include <stdlib.h>
#include <string.h>

char *
json_error_body(int status, const char *message, size_t *len)
{
	json_object *o = json_object_new_object();
	const char *text;
	char *copy;

	json_object_object_add(o, "code", json_object_new_int(status));
	json_object_object_add(o, "message", json_object_new_string(message));
	text = json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	copy = strdup(text);
	json_object_put(o);
	*len = copy ? strlen(copy) : 0;
	return copy;
}

void
add_cors_headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
	MHD_add_response_header(r, "Access-Control-Expose-Headers", "ETag");
}

struct MHD_Response *
json_response(const char *body, size_t len, const char *cache_control)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, (void *) body, MHD_RESPMEM_MUST_COPY);

	if (r == NULL)
		return NULL;
	MHD_add_response_header(r, "Content-Type", "application/json");
	MHD_add_response_header(r, "Cache-Control", cache_control);
	add_cors_headers(r);
	return r;
}

struct MHD_Response *
empty_response(void)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		0, (void *) "", MHD_RESPMEM_PERSISTENT);

	if (r != NULL)
		add_cors_headers(r);
	return r;
}

enum MHD_Result
queue_response(struct server *srv, struct MHD_Connection *c,
			   struct request *rq, unsigned status, struct MHD_Response *resp,
			   size_t bytes)
{
	enum MHD_Result ret;

	if (resp == NULL)
		return MHD_NO;
	if (atomic_load(&srv->draining))
		MHD_add_response_header(resp, "Connection", "close");
	rq->status = status;
	rq->bytes = bytes;
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result
queue_error(struct server *srv, struct MHD_Connection *c, struct request *rq,
			unsigned status, const char *message)
{
	size_t len;
	char *body = json_error_body((int) status, message, &len);
	struct MHD_Response *r;

	if (body == NULL)
		return MHD_NO;
	r = json_response(body, len, "no-store");
	free(body);
	return queue_response(srv, c, rq, status, r, len);
}
