/* rendered.c — Rendered configs (rendered.h): both representations as
 * reusable responses, and sending them with 304 support. */
#include "rendered.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gzip.h"
#include "http_headers.h"
#include "responses.h"

/* Headers of every config answer: ETag, Cache-Control, Vary and CORS. */
static void
add_config_headers(struct MHD_Response *resp, const struct rendered *r,
				   const char *etag)
{
	MHD_add_response_header(resp, "ETag", etag);
	MHD_add_response_header(resp, "Cache-Control", r->cache_control);
	MHD_add_response_header(resp, "Vary", "Accept-Encoding");
	add_cors_headers(resp);
}

/* A config response with a copy of body. */
static struct MHD_Response *
body_response(const char *body, size_t len, const struct rendered *r,
			  const char *etag)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		len, (void *) body, MHD_RESPMEM_MUST_COPY);

	if (resp == NULL)
		return NULL;
	MHD_add_response_header(resp, "Content-Type", "application/json");
	add_config_headers(resp, r, etag);
	return resp;
}

/* Add the gzip representation, when it is smaller than the plain one. */
static void
add_gzip(struct rendered *r, const char *body, size_t len)
{
	size_t zlen;
	char *z = gzip_encode(body, len, &zlen);

	if (z != NULL && zlen < len)
	{
		r->gz = body_response(z, zlen, r, r->etag_gz);
		r->gz_len = zlen;
		if (r->gz != NULL)
			MHD_add_response_header(r->gz, "Content-Encoding", "gzip");
	}
	free(z);
}

/* A config ready to send: both representations and their entity tags; NULL
 * when out of memory. */
struct rendered *
rendered_create(const char *body, size_t len, const char *cache_control)
{
	struct rendered *r = calloc(1, sizeof *r);

	if (r == NULL)
		return NULL;
	snprintf(r->cache_control, sizeof r->cache_control, "%s", cache_control);
	etag_of(body, len, "", r->etag, sizeof r->etag);
	etag_of(body, len, "-gzip", r->etag_gz, sizeof r->etag_gz);
	r->plain = body_response(body, len, r, r->etag);
	r->plain_len = len;
	if (r->plain == NULL)
	{
		free(r);
		return NULL;
	}
	add_gzip(r, body, len);
	return r;
}

void
rendered_destroy(struct rendered *r)
{
	if (r == NULL)
		return;
	/* libmicrohttpd counts references: a response still being sent on some
	 * connection is freed when that send completes. */
	MHD_destroy_response(r->plain);
	if (r->gz != NULL)
		MHD_destroy_response(r->gz);
	free(r);
}

/* 304 with the config headers and no body. */
static enum MHD_Result
send_not_modified(struct MHD_Connection *c, const struct rendered *r,
				  const char *etag)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		0, (void *) "", MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (resp == NULL)
		return MHD_NO;
	add_config_headers(resp, r, etag);
	ret = MHD_queue_response(c, MHD_HTTP_NOT_MODIFIED, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result
rendered_send(struct MHD_Connection *c, const struct rendered *r,
			  bool want_gzip, const char *if_none_match, unsigned *status,
			  size_t *bytes)
{
	bool gz = want_gzip && r->gz != NULL;
	const char *etag = gz ? r->etag_gz : r->etag;

	if (if_none_match != NULL && (etag_matches(if_none_match, r->etag) ||
								  etag_matches(if_none_match, r->etag_gz)))
	{
		*status = MHD_HTTP_NOT_MODIFIED;
		*bytes = 0;
		return send_not_modified(c, r, etag);
	}
	*status = MHD_HTTP_OK;
	*bytes = gz ? r->gz_len : r->plain_len;
	return MHD_queue_response(c, MHD_HTTP_OK, gz ? r->gz : r->plain);
}
