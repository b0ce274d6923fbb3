/* hash: the one string hash klp uses for every index (names, keys, units). */
#ifndef KLP_HASH_H
#define KLP_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A 64-bit hash reading eight bytes at a time; not cryptographic, only well
 * mixed, so that open-addressing tables keyed by its low bits stay short. */
static inline uint64_t klp_hash(const char *s, size_t len)
{
	const uint64_t k = 0x9e3779b97f4a7c15ull;
	uint64_t h = 0x243f6a8885a308d3ull ^ (len * k);
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		h = (h ^ w) * k;
		h ^= h >> 31;
	}
	uint64_t tail = 0;
	for (size_t j = 0; i + j < len; j++)
		tail |= (uint64_t)(unsigned char)s[i + j] << (8 * j);
	h = (h ^ tail) * k;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return h;
}

/* Combines a value into a running hash (used for composite grouping keys). */
static inline uint64_t klp_hash_mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 33);
}

#endif
