/* gzip encoding of response bodies (zlib). */
#ifndef CONVERT_PROXY_GZIP_H
#define CONVERT_PROXY_GZIP_H

#include <stddef.h>

/* The gzip stream of data in malloc'd memory, or NULL on failure. */
char *gzip_encode(const char *data, size_t len, size_t *out_len);

#endif
