/* keys: per-symbol keys and TU units (see keys.h). */
#include "keys.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "strutil.h"

/* Strings the correlator owns (keys, bases, TU names) live in blocks that
 * never move. */
struct corr_arena_block {
	corr_arena_block *next;
	size_t used, cap;
	char data[];
};

/* Copies a string into the arena; returns NULL when out of memory. */
static const char *arena_copy(corr *c, const char *s, size_t len)
{
	corr_arena_block *b = c->arena;
	if (!b || b->cap - b->used < len + 1) {
		size_t cap = len + 1 > 65536 ? len + 1 : 65536;
		b = malloc(sizeof *b + cap);
		if (!b)
			return NULL;
		b->next = c->arena;
		b->used = 0;
		b->cap = cap;
		c->arena = b;
	}
	char *out = b->data + b->used;
	memcpy(out, s, len);
	out[len] = '\0';
	b->used += len + 1;
	return out;
}

void corr_free_keys(corr *c)
{
	for (int s = 0; s < 2; s++) {
		free(c->side[s].tu_names);
		c->side[s].tu_names = NULL;
		klp_table_free(&c->side[s].tus);
	}
	while (c->arena) {
		corr_arena_block *next = c->arena->next;
		free(c->arena);
		c->arena = next;
	}
}

/* A TU suffix looked up in one side's table. */
typedef struct tu_probe {
	const corr_side *sd;
	const char *tu;
	size_t len;
} tu_probe;

static int same_tu(const void *ctx, uint32_t entry)
{
	const tu_probe *p = ctx;
	const char *name = p->sd->tu_names[entry];
	return strncmp(name, p->tu, p->len) == 0 && name[p->len] == '\0';
}

static uint64_t tu_hash(const void *ctx, uint32_t entry)
{
	const char *name = ((const corr_side *)ctx)->tu_names[entry];
	return klp_hash(name, strlen(name));
}

/* Returns the TU unit of a suffix on one side, interning it on first sight
 * (a vmlinux.o has thousands of ThinLTO modules). */
static int tu_unit(corr *c, corr_side *sd, const char *tu, size_t len, uint32_t *unit)
{
	if (!sd->tus.slot || klp_table_full(&sd->tus)) {
		size_t cap = sd->tus.slot ? 2 * (sd->tus.mask + 1) : 256;
		char **names = realloc(sd->tu_names, cap / 2 * sizeof *names);
		if (!names)
			return -1;
		sd->tu_names = names;
		if (!sd->tus.slot ? klp_table_init(&sd->tus, cap / 2) != 0 : klp_table_grow(&sd->tus, tu_hash, sd) != 0)
			return -1;
	}
	tu_probe p = { sd, tu, len };
	size_t j = klp_table_probe(&sd->tus, klp_hash(tu, len), same_tu, &p);
	if (klp_table_found(&sd->tus, j)) {
		*unit = (uint32_t)sd->k->nfiles + klp_table_entry(&sd->tus, j) + 1;
		return 0;
	}
	const char *copy = arena_copy(c, tu, len);
	if (!copy)
		return -1;
	sd->tu_names[sd->ntus] = (char *)copy;
	klp_table_put(&sd->tus, j, sd->ntus++);
	*unit = (uint32_t)sd->k->nfiles + sd->ntus;
	return 0;
}

const char *corr_tu_name(const corr *c, int side, uint32_t i)
{
	const corr_side *sd = &c->side[side];
	const corr_sym *cs = &sd->syms[i];
	return (cs->flags & CS_TU) ? sd->tu_names[cs->unit - sd->k->nfiles - 1] : NULL;
}

/* Gives symbol i the key result r (strings already owned by the arena). */
static int apply_key(corr *c, int side, uint32_t i, const corr_keyresult *r)
{
	corr_side *sd = &c->side[side];
	corr_sym *cs = &sd->syms[i];
	if (r->key) {
		cs->key = r->key;
		cs->key_len = (uint32_t)r->key_len;
		cs->key_hash = klp_hash(r->key, r->key_len);
	}
	if (r->base) {
		cs->base = r->base;
		cs->base_len = (uint32_t)r->base_len;
		cs->base_hash = klp_hash(r->base, r->base_len);
	} else {
		cs->base = cs->key;
		cs->base_len = cs->key_len;
		cs->base_hash = cs->key_hash;
	}
	if (r->tu) {
		if (tu_unit(c, sd, r->tu, r->tu_len, &cs->unit) != 0)
			return -1;
		cs->flags |= CS_TU;
	}
	if (r->numbered)
		cs->flags |= CS_NUMBERED;
	if (r->excluded) {
		cs->flags |= CS_EXCLUDED;
		sd->open_stale = 1;
	}
	return 0;
}

/* The key result already given to symbol i (to reuse it for the same name). */
static corr_keyresult key_of(const corr *c, int side, uint32_t i)
{
	const kelf_symbol *s = &c->side[side].k->symbols[i];
	const corr_sym *cs = &c->side[side].syms[i];
	corr_keyresult r = { 0 };
	if (cs->key != s->name) {
		r.key = cs->key;
		r.key_len = cs->key_len;
	}
	if (cs->base != cs->key) {
		r.base = cs->base;
		r.base_len = cs->base_len;
	}
	r.tu = corr_tu_name(c, side, i);
	r.tu_len = r.tu ? strlen(r.tu) : 0;
	r.numbered = (cs->flags & CS_NUMBERED) != 0;
	r.excluded = (cs->flags & CS_EXCLUDED) != 0;
	return r;
}

int corr_own_key(corr *c, corr_keyresult *r)
{
	if (r->key && !(r->key = arena_copy(c, r->key, r->key_len)))
		return -1;
	if (r->base && !(r->base = arena_copy(c, r->base, r->base_len)))
		return -1;
	if (r->tu && !(r->tu = arena_copy(c, r->tu, r->tu_len)))
		return -1;
	return 0;
}

size_t corr_key_memo_slots(const corr *c)
{
	return klp_table_capacity(c->side[0].k->nsymbols + c->side[1].k->nsymbols);
}

/* Memo entries: symbol index << 1 | side, of the first symbol of each
 * (name, type) that was keyed. */
typedef struct memo_probe {
	const corr *c;
	const kelf_symbol *sym;
} memo_probe;

static int same_name_and_type(const void *ctx, uint32_t entry)
{
	const memo_probe *p = ctx;
	const kelf_symbol *m = &p->c->side[entry & 1].k->symbols[entry >> 1], *sym = p->sym;
	return m->hash == sym->hash && m->type == sym->type && m->name_len == sym->name_len &&
	       memcmp(m->name, sym->name, sym->name_len) == 0;
}

int corr_assign_keys(corr *c, const char *const *contains, const char *const *prefixes, corr_keyfn fn,
		     void *ud, uint32_t *memo, size_t cap)
{
	klp_table t;
	memset(memo, 0, cap * sizeof *memo);
	klp_table_attach(&t, memo, cap);
	c->analysed = 0;
	int rc = 0;
	for (int s = 0; s < 2 && rc == 0; s++) {
		const kelf *k = c->side[s].k;
		for (uint32_t i = 1; i < k->nsymbols && rc == 0; i++) {
			const kelf_symbol *sym = &k->symbols[i];
			if (!corr_eligible(c, s, i) ||
			    (!klp_contains_any(sym->name, contains) && !klp_has_prefix(sym->name, prefixes)))
				continue;
			memo_probe p = { c, sym };
			size_t j = klp_table_probe(&t, sym->hash, same_name_and_type, &p);
			corr_keyresult r;
			if (klp_table_found(&t, j)) {
				uint32_t e = klp_table_entry(&t, j);
				r = key_of(c, (int)(e & 1), e >> 1);
			} else {
				if ((rc = fn(ud, sym->name, sym->name_len, sym->type, &r)) != 0)
					break;
				klp_table_put(&t, j, i << 1 | (uint32_t)s);
			}
			rc = apply_key(c, s, i, &r);
		}
	}
	return rc;
}
