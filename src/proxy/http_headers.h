/* Reading request headers that need parsing: Accept-Encoding and
 * If-None-Match; and computing entity tags. */
#ifndef CONVERT_PROXY_HTTP_HEADERS_H
#define CONVERT_PROXY_HTTP_HEADERS_H

#include <stdbool.h>
#include <stddef.h>

/* True when the Accept-Encoding value allows gzip (gzip or *, q > 0). */
bool accepts_gzip(const char *accept_encoding);

/* True when If-None-Match lists etag ("*" matches anything; weak tags
 * compare by their opaque part, as RFC 9110 says for If-None-Match). */
bool etag_matches(const char *if_none_match, const char *etag);

/* A strong entity tag ("\"<hex>\"") for body, with suffix appended inside
 * the quotes (for the gzip representation).  dst needs 48 bytes. */
void etag_of(const char *body, size_t len, const char *suffix, char *dst,
			 size_t dstlen);

#endif
