/* table: the one open-addressing hash table of klp.
 *
 * Every set, map and interning table klp keeps is this one: slots holding an
 * entry number + 1 (0 is an empty slot), a power-of-two capacity at least
 * twice the entries, linear probing.  The caller keeps the entries and their
 * hashes and says what "equal" means through the visitor it probes with, so
 * a fix or a speed-up of the probe loop lands here once.  (index.h is the
 * other structure: a chained multimap that keeps symtab order.) */
#ifndef KLP_TABLE_H
#define KLP_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct klp_table {
	uint32_t *slot; /* entry + 1, or 0 for an empty slot */
	size_t mask;    /* capacity - 1 */
	size_t count;   /* entries stored */
	int owned;      /* slot was allocated by klp_table_init */
} klp_table;

/* Called for each entry on a probe sequence; non-zero stops the probe there. */
typedef int (*klp_table_visit)(const void *ctx, uint32_t entry);

/* The capacity for n entries: a power of two, at least 16 and at least 2n. */
static inline size_t klp_table_capacity(size_t n)
{
	size_t cap = 16;
	while (cap < 2 * n)
		cap <<= 1;
	return cap;
}

/* Uses zeroed storage of the caller (a Lua userdata, so that an error cannot
 * leak it) of klp_table_capacity(n) slots. */
static inline void klp_table_attach(klp_table *t, uint32_t *slots, size_t capacity)
{
	t->slot = slots;
	t->mask = capacity - 1;
	t->count = 0;
	t->owned = 0;
}

/* An empty table for n entries; -1 when out of memory. */
static inline int klp_table_init(klp_table *t, size_t n)
{
	size_t cap = klp_table_capacity(n);
	uint32_t *slots = calloc(cap, sizeof *slots);
	if (!slots)
		return -1;
	klp_table_attach(t, slots, cap);
	t->owned = 1;
	return 0;
}

static inline void klp_table_free(klp_table *t)
{
	if (t->owned)
		free(t->slot);
	t->slot = NULL;
	t->mask = t->count = 0;
}

/* Walks hash's probe sequence calling visit(ctx, entry) for each entry, until
 * visit returns non-zero (the slot of that entry is returned) or an empty
 * slot ends the sequence (that slot is returned: where an entry of this hash
 * goes).  A visitor that never stops it visits every entry of the hash. */
static inline size_t klp_table_probe(const klp_table *t, uint64_t hash, klp_table_visit visit, const void *ctx)
{
	size_t j = (size_t)hash & t->mask;
	while (t->slot[j] && !visit(ctx, t->slot[j] - 1))
		j = (j + 1) & t->mask;
	return j;
}

/* Whether the slot a probe returned holds an entry (the visitor stopped). */
static inline int klp_table_found(const klp_table *t, size_t j)
{
	return t->slot[j] != 0;
}

static inline uint32_t klp_table_entry(const klp_table *t, size_t j)
{
	return t->slot[j] - 1;
}

/* Stores entry in the empty slot j that a probe returned. */
static inline void klp_table_put(klp_table *t, size_t j, uint32_t entry)
{
	t->slot[j] = entry + 1;
	t->count++;
}

/* A visitor that never stops a probe: inserts go to the end of the sequence. */
static inline int klp_table_no_match(const void *ctx, uint32_t entry)
{
	(void)ctx;
	(void)entry;
	return 0;
}

/* Whether one more entry would fill the table past half. */
static inline int klp_table_full(const klp_table *t)
{
	return 2 * (t->count + 1) > t->mask + 1;
}

/* Doubles an owned table, placing each entry again by hash_of(ctx, entry);
 * -1 when out of memory (the table is unchanged). */
static inline int klp_table_grow(klp_table *t, uint64_t (*hash_of)(const void *ctx, uint32_t entry), const void *ctx)
{
	klp_table bigger;
	if (klp_table_init(&bigger, t->mask + 1) != 0)
		return -1;
	for (size_t j = 0; j <= t->mask; j++)
		if (t->slot[j]) {
			uint32_t e = t->slot[j] - 1;
			klp_table_put(&bigger, klp_table_probe(&bigger, hash_of(ctx, e), klp_table_no_match, NULL), e);
		}
	klp_table_free(t);
	*t = bigger;
	return 0;
}

#endif
