/*
 * murmurhash3.h — MurmurHash3 x86 32-bit, as the official Convert SDK uses it.
 *
 * The SDK hashes the UTF-8 bytes of (experience id ++ visitor id).  The
 * streaming form lets callers hash the two parts without building the
 * concatenated string, which keeps per-row backfills allocation free.
 */
#ifndef CONVERT_MURMURHASH3_H
#define CONVERT_MURMURHASH3_H

#include <stddef.h>
#include <stdint.h>

typedef struct cv_murmur3_state
{
	uint32_t	h;
	uint32_t	pending;		/* bytes of an unfinished block, little-endian */
	unsigned	npending;		/* how many bytes of pending are filled (0..3) */
	size_t		total;			/* bytes consumed so far */
} cv_murmur3_state;

void		cv_murmur3_init(cv_murmur3_state *st, uint32_t seed);
void		cv_murmur3_update(cv_murmur3_state *st, const void *data, size_t len);
uint32_t	cv_murmur3_final(const cv_murmur3_state *st);

/* One-shot hash of a single buffer. */
uint32_t	cv_murmur3_32(const void *data, size_t len, uint32_t seed);

/* One-shot hash of two buffers as if concatenated (a first, then b). */
uint32_t	cv_murmur3_32_pair(const void *a, size_t alen,
							   const void *b, size_t blen, uint32_t seed);

#endif
