/* A config body ready to send: both representations (identity and gzip)
 * as reusable libmicrohttpd responses with their entity tags, so a cached
 * config costs no copying or compression per request. */
#ifndef CONVERT_PROXY_RENDERED_H
#define CONVERT_PROXY_RENDERED_H

#include <stdbool.h>
#include <stddef.h>

#include "mhd.h"

struct rendered
{
	struct MHD_Response *plain;
	struct MHD_Response *gz; /* NULL when gzip does not make it smaller */
	size_t plain_len, gz_len;
	char etag[48];
	char etag_gz[48];
	char cache_control[48];
};

struct rendered *rendered_create(const char *body, size_t len,
								 const char *cache_control);
void rendered_destroy(struct rendered *r);

/* Queue the representation the request asks for: 304 when If-None-Match
 * names either representation, else 200 with gzip when accepted.  *status
 * and *bytes say what was sent. */
enum MHD_Result rendered_send(struct MHD_Connection *c,
							  const struct rendered *r, bool want_gzip,
							  const char *if_none_match, unsigned *status,
							  size_t *bytes);

#endif
