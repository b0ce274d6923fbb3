/* index: a hash multimap from 64-bit hashes to entries 0..n-1 (symbol
 * indices, as a rule).  Entries are added in descending order and chained,
 * so walking a bucket visits them in ascending order: symtab order, which
 * callers that pick "the first" rely on.  Callers compare the full hash and
 * the string themselves. */
#ifndef KLP_INDEX_H
#define KLP_INDEX_H

#include <stddef.h>
#include <stdint.h>

#define KLP_INDEX_END UINT32_MAX

typedef struct klp_index {
	uint32_t *head; /* per bucket: its first entry, or KLP_INDEX_END */
	uint32_t *next; /* per entry: the next of its bucket, or KLP_INDEX_END */
	size_t mask;    /* buckets - 1 */
} klp_index;

/* An empty index for entries 0..n-1; -1 when out of memory. */
int klp_index_init(klp_index *ix, size_t n);
void klp_index_free(klp_index *ix);

/* Adds entry i under hash; entries must come in descending order. */
static inline void klp_index_add(klp_index *ix, uint32_t i, uint64_t hash)
{
	size_t b = (size_t)hash & ix->mask;
	ix->next[i] = ix->head[b];
	ix->head[b] = i;
}

static inline uint32_t klp_index_first(const klp_index *ix, uint64_t hash)
{
	return ix->head[hash & ix->mask];
}

static inline uint32_t klp_index_next(const klp_index *ix, uint32_t i)
{
	return ix->next[i];
}

#endif
