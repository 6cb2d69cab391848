/* Building and queueing responses: JSON error bodies, the headers every
 * route sends (CORS, content type, caching), and the one place a response
 * is handed to libmicrohttpd and recorded for the access log.  The server
 * routes (server.c), the handlers answer (handlers.c); both queue here. */
#ifndef CONVERT_PROXY_RESPONSES_H
#define CONVERT_PROXY_RESPONSES_H

#include <stddef.h>

#include "mhd.h"
#include "request.h"

/* {"code":nnn,"message":"..."} in malloc'd memory. */
char *json_error_body(int status, const char *message, size_t *len);

/* A JSON response (body copied) with CORS headers and Cache-Control. */
struct MHD_Response *json_response(const char *body, size_t len,
								   const char *cache_control);

/* An empty response with CORS headers (304, 204). */
struct MHD_Response *empty_response(void);

/* The headers that let browser SDKs call every route. */
void add_cors_headers(struct MHD_Response *r);

/* Queue resp (adding Connection: close while draining), record status and
 * size for the access log, and release our reference. */
enum MHD_Result queue_response(struct server *srv, struct MHD_Connection *c,
							   struct request *rq, unsigned status,
							   struct MHD_Response *resp, size_t bytes);

/* Queue {"code":status,"message":message}. */
enum MHD_Result queue_error(struct server *srv, struct MHD_Connection *c,
							struct request *rq, unsigned status,
							const char *message);

#endif
