/* index: hash multimap over one side's symbols (see index.h). */
#include "index.h"

#include <stdlib.h>
#include <string.h>

uint64_t corr_sel_hash(const corr *c, int side, uint32_t i, corr_indexsel sel)
{
	switch (sel) {
	case INDEX_NAME: return c->side[side].k->symbols[i].hash;
	case INDEX_KEY: return c->side[side].syms[i].key_hash;
	default: return c->side[side].syms[i].base_hash;
	}
}

/* The selected string of a symbol and its length. */
static const char *sel_string(const corr *c, int side, uint32_t i, corr_indexsel sel, uint32_t *len)
{
	const corr_sym *cs = &c->side[side].syms[i];
	switch (sel) {
	case INDEX_NAME:
		*len = c->side[side].k->symbols[i].name_len;
		return c->side[side].k->symbols[i].name;
	case INDEX_KEY:
		*len = cs->key_len;
		return cs->key;
	default:
		*len = cs->base_len;
		return cs->base;
	}
}

int corr_sel_equal(const corr *c, int sa, uint32_t a, int sb, uint32_t b, corr_indexsel sel)
{
	if (corr_sel_hash(c, sa, a, sel) != corr_sel_hash(c, sb, b, sel))
		return 0;
	uint32_t la, lb;
	const char *x = sel_string(c, sa, a, sel, &la);
	const char *y = sel_string(c, sb, b, sel, &lb);
	return la == lb && memcmp(x, y, la) == 0;
}

enum { ALL, LOCALS };

/* Builds the index over the symbols `which` selects. */
static int build(corr_index *ix, const corr *c, int side, corr_indexsel sel, int which)
{
	size_t n = c->side[side].k->nsymbols;
	size_t cap = 16;
	while (cap < 2 * n)
		cap <<= 1;
	ix->mask = cap - 1;
	ix->head = malloc(cap * sizeof *ix->head);
	ix->next = malloc((n ? n : 1) * sizeof *ix->next);
	if (!ix->head || !ix->next) {
		corr_index_free(ix);
		return -1;
	}
	memset(ix->head, 0xff, cap * sizeof *ix->head);
	for (size_t i = n; i-- > 1;) {
		ix->next[i] = CORR_INDEX_END;
		if (which == LOCALS && (!corr_eligible(c, side, (uint32_t)i) ||
					c->side[side].k->symbols[i].file == KELF_NO_FILE))
			continue;
		size_t b = corr_sel_hash(c, side, (uint32_t)i, sel) & ix->mask;
		ix->next[i] = ix->head[b];
		ix->head[b] = (uint32_t)i;
	}
	if (n)
		ix->next[0] = CORR_INDEX_END;
	return 0;
}

int corr_index_build_names(corr_index *ix, const corr *c, int side)
{
	return build(ix, c, side, INDEX_NAME, ALL);
}

int corr_index_build_locals(corr_index *ix, const corr *c, int side)
{
	return build(ix, c, side, INDEX_KEY, LOCALS);
}

void corr_index_free(corr_index *ix)
{
	free(ix->head);
	free(ix->next);
	ix->head = ix->next = NULL;
}
