/* children: linking .cold/.part functions to the function they belong to
 * (see children.h). */
#include "children.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "table.h"

/* The length of key once a trailing ".kind" of one of kinds is cut, or 0. */
static size_t parent_key_len(const char *key, size_t len, const char *const *kinds)
{
	for (; *kinds; kinds++) {
		size_t n = strlen(*kinds);
		if (len > n + 1 && key[len - n - 1] == '.' && memcmp(key + len - n, *kinds, n) == 0)
			return len - n - 1;
	}
	return 0;
}

/* A child waiting for its parent: the key it wants, and the match so far. */
typedef struct wanted {
	uint64_t hash;
	uint32_t child, len;
	int32_t parent;
	int count;
} wanted;

/* A function offered as the parent of the children that want its key. */
typedef struct offer {
	const corr_side *sd;
	wanted *w;
	uint32_t parent;
	uint64_t hash;     /* its key's */
	const char *key;
	uint32_t key_len;
	int32_t file;
} offer;

/* Records the offered function as a parent of child `entry` when its key is
 * the one wanted and it shares the child's FILE; never stops the probe, so
 * every child of that key hash is offered it. */
static int take_parent(const void *ctx, uint32_t entry)
{
	const offer *o = ctx;
	wanted *x = &o->w[entry];
	if (x->hash != o->hash || x->len != o->key_len || o->parent == x->child)
		return 0;
	int32_t child_file = o->sd->k->symbols[x->child].file;
	if (memcmp(o->key, o->sd->syms[x->child].key, x->len) == 0 &&
	    (o->file == child_file || o->file == KELF_NO_FILE || child_file == KELF_NO_FILE)) {
		x->parent = (int32_t)o->parent;
		x->count++;
	}
	return 0;
}

/* Links the children of one side: collects them, then finds their parents in
 * one scan through a small hash table of the keys wanted. */
static int link_side(corr *c, int side, const char *const *kinds)
{
	corr_side *sd = &c->side[side];
	const kelf *k = sd->k;
	size_t n = 0, cap = 0;
	wanted *w = NULL;
	for (uint32_t i = 1; i < k->nsymbols; i++) {
		const corr_sym *cs = &sd->syms[i];
		if (k->symbols[i].type != STT_FUNC || !corr_eligible(c, side, i))
			continue;
		size_t plen = parent_key_len(cs->key, cs->key_len, kinds);
		if (!plen)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			wanted *more = realloc(w, cap * sizeof *w);
			if (!more) {
				free(w);
				return -1;
			}
			w = more;
		}
		w[n++] = (wanted){ klp_hash(cs->key, plen), i, (uint32_t)plen, CORR_NONE, 0 };
	}
	if (n == 0)
		return 0;
	klp_table table; /* the wanted entries by the hash of the key they want */
	if (klp_table_init(&table, n) != 0) {
		free(w);
		return -1;
	}
	for (size_t q = 0; q < n; q++)
		klp_table_put(&table, klp_table_probe(&table, w[q].hash, klp_table_no_match, NULL), (uint32_t)q);
	for (uint32_t j = 1; j < k->nsymbols; j++) {
		if (k->symbols[j].type != STT_FUNC)
			continue;
		const corr_sym *p = &sd->syms[j];
		offer o = { sd, w, j, p->key_hash, p->key, p->key_len, k->symbols[j].file };
		klp_table_probe(&table, p->key_hash, take_parent, &o);
	}
	for (size_t q = 0; q < n; q++)
		if (w[q].count == 1)
			sd->syms[w[q].child].parent = w[q].parent;
	klp_table_free(&table);
	free(w);
	return 0;
}

int corr_link_children(corr *c, const char *const *kinds)
{
	for (int side = 0; side < 2; side++)
		if (link_side(c, side, kinds) != 0)
			return -1;
	return 0;
}
