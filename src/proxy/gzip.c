/* gzip.c — gzip encoding of response bodies with zlib (gzip.h). */
#include "gzip.h"

#include <stdlib.h>
#include <zlib.h>

/* windowBits 15 + 16 asks zlib for a gzip header and trailer. */
#define GZIP_WINDOW_BITS (15 + 16)

char *
gzip_encode(const char *data, size_t len, size_t *out_len)
{
	z_stream z = {0};
	uLong cap;
	char *out;
	int rc;

	if (deflateInit2(&z, 6, Z_DEFLATED, GZIP_WINDOW_BITS, 8,
					 Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	cap = deflateBound(&z, (uLong) len);
	out = malloc(cap);
	if (out == NULL)
	{
		deflateEnd(&z);
		return NULL;
	}
	z.next_in = (Bytef *) data;
	z.avail_in = (uInt) len;
	z.next_out = (Bytef *) out;
	z.avail_out = (uInt) cap;
	rc = deflate(&z, Z_FINISH);
	*out_len = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END)
	{
		free(out);
		return NULL;
	}
	return out;
}
