/*
 * murmurhash3.c — MurmurHash3_x86_32 (Austin Appleby's public-domain
 * algorithm) with a streaming interface.
 *
 * Blocks are assembled from bytes explicitly so the result does not depend
 * on the host's byte order or on the alignment of the input.
 */
#include "bucketing/murmurhash3.h"

#define MURMUR_C1 0xcc9e2d51u
#define MURMUR_C2 0x1b873593u

static inline uint32_t
rotl32(uint32_t x, int r)
{
	return (x << r) | (x >> (32 - r));
}

/* MurmurHash3's mixing of one 4-byte block before it enters the hash. */
static inline uint32_t
scramble_block(uint32_t k)
{
	k *= MURMUR_C1;
	k = rotl32(k, 15);
	return k * MURMUR_C2;
}

/* Fold one scrambled block into the running hash. */
static inline uint32_t
mix_block(uint32_t h, uint32_t k)
{
	h ^= scramble_block(k);
	h = rotl32(h, 13);
	return h * 5 + 0xe6546b64u;
}

/* Four bytes as a little-endian 32-bit word. */
static inline uint32_t
read_le32(const unsigned char *p)
{
	return (uint32_t) p[0] | (uint32_t) p[1] << 8 |
		(uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

void
cv_murmur3_init(cv_murmur3_state *st, uint32_t seed)
{
	st->h = seed;
	st->pending = 0;
	st->npending = 0;
	st->total = 0;
}

void
cv_murmur3_update(cv_murmur3_state *st, const void *data, size_t len)
{
	const unsigned char *p = data;
	uint32_t	h = st->h;

	st->total += len;

	/* Complete a block left unfinished by the previous part. */
	while (st->npending > 0 && len > 0)
	{
		st->pending |= (uint32_t) *p++ << (8 * st->npending);
		len--;
		if (++st->npending == 4)
		{
			h = mix_block(h, st->pending);
			st->pending = 0;
			st->npending = 0;
		}
	}

	for (; len >= 4; p += 4, len -= 4)
		h = mix_block(h, read_le32(p));

	for (size_t i = 0; i < len; i++)
		st->pending |= (uint32_t) p[i] << (8 * st->npending++);

	st->h = h;
}

uint32_t
cv_murmur3_final(const cv_murmur3_state *st)
{
	uint32_t	h = st->h;

	if (st->npending > 0)
		h ^= scramble_block(st->pending);

	/* The reference algorithm mixes in the length modulo 2^32. */
	h ^= (uint32_t) st->total;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

uint32_t
cv_murmur3_32(const void *data, size_t len, uint32_t seed)
{
	cv_murmur3_state st;

	cv_murmur3_init(&st, seed);
	cv_murmur3_update(&st, data, len);
	return cv_murmur3_final(&st);
}

uint32_t
cv_murmur3_32_pair(const void *a, size_t alen,
				   const void *b, size_t blen, uint32_t seed)
{
	cv_murmur3_state st;

	cv_murmur3_init(&st, seed);
	cv_murmur3_update(&st, a, alen);
	cv_murmur3_update(&st, b, blen);
	return cv_murmur3_final(&st);
}
