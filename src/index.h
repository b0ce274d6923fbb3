/* index: a hash multimap from a key hash to the symbols of one side.
 * Chains keep symtab order, so walking a bucket visits symbols in ascending
 * index order; callers compare the full hash and string themselves. */
#ifndef KLP_INDEX_H
#define KLP_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "corr.h"

#define CORR_INDEX_END UINT32_MAX

/* Which per-symbol string an index is keyed by. */
typedef enum corr_indexsel { INDEX_NAME, INDEX_KEY, INDEX_BASE } corr_indexsel;

typedef struct corr_index {
	uint32_t *head, *next;
	size_t mask;
} corr_index;

/* Indexes every symbol of one side by name, excluded ones too; returns -1
 * when out of memory. */
int corr_index_build_names(corr_index *ix, const corr *c, int side);

/* Indexes the eligible symbols of one side that belong to a FILE, by key. */
int corr_index_build_locals(corr_index *ix, const corr *c, int side);
void corr_index_free(corr_index *ix);

static inline uint32_t corr_index_first(const corr_index *ix, uint64_t hash)
{
	return ix->head[hash & ix->mask];
}

static inline uint32_t corr_index_next(const corr_index *ix, uint32_t i)
{
	return ix->next[i];
}

/* The hash of symbol i's string selected by sel. */
uint64_t corr_sel_hash(const corr *c, int side, uint32_t i, corr_indexsel sel);

/* True when symbol a of side sa and b of side sb have equal selected strings. */
int corr_sel_equal(const corr *c, int sa, uint32_t a, int sb, uint32_t b, corr_indexsel sel);

#endif
