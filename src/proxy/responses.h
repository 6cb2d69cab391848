/* Building responses: JSON error bodies and the headers every route sends
 * (CORS, content type, caching). */
#ifndef CONVERT_PROXY_RESPONSES_H
#define CONVERT_PROXY_RESPONSES_H

#include <stddef.h>

#include "mhd.h"

/* {"code":nnn,"message":"..."} in malloc'd memory. */
char *json_error_body(int status, const char *message, size_t *len);

/* A JSON response (body copied) with CORS headers and Cache-Control. */
struct MHD_Response *json_response(const char *body, size_t len,
								   const char *cache_control);

/* An empty response with CORS headers (304, 204). */
struct MHD_Response *empty_response(void);

/* The headers that let browser SDKs call every route. */
void add_cors_headers(struct MHD_Response *r);

#endif
