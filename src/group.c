/* group: grouping symbols by a string, type and FILE (see group.h). */
#include "group.h"

#include <string.h>

#include "hash.h"
#include "table.h"

const char *corr_select_string(const corr *c, int side, uint32_t i, corr_select sel, uint32_t *len)
{
	const corr_sym *cs = &c->side[side].syms[i];
	switch (sel) {
	case SELECT_NAME:
		*len = c->side[side].k->symbols[i].name_len;
		return c->side[side].k->symbols[i].name;
	case SELECT_KEY:
		*len = cs->key_len;
		return cs->key;
	default:
		*len = cs->base_len;
		return cs->base;
	}
}

uint64_t corr_select_hash(const corr *c, int side, uint32_t i, corr_select sel)
{
	switch (sel) {
	case SELECT_NAME: return c->side[side].k->symbols[i].hash;
	case SELECT_KEY: return c->side[side].syms[i].key_hash;
	default: return c->side[side].syms[i].base_hash;
	}
}

int corr_select_equal(const corr *c, int sa, uint32_t a, int sb, uint32_t b, corr_select sel)
{
	if (corr_select_hash(c, sa, a, sel) != corr_select_hash(c, sb, b, sel))
		return 0;
	uint32_t la, lb;
	const char *x = corr_select_string(c, sa, a, sel, &la);
	const char *y = corr_select_string(c, sb, b, sel, &lb);
	return la == lb && memcmp(x, y, la) == 0;
}

int64_t corr_common_file(const corr *c, int side, uint32_t i)
{
	int32_t f = c->side[side].k->symbols[i].file;
	if (f == KELF_NO_FILE)
		return -1;
	if (side == 0)
		return f;
	int32_t twin = c->side[1].file_pair[f];
	return twin != CORR_NONE ? twin : (int64_t)c->side[0].k->nfiles + f;
}

/* What a grouping probe compares a member with. */
typedef struct grouping {
	const corr *c;
	const corr_member *m;
	const corr_member *x;
	corr_select sel;
	corr_filemode file;
} grouping;

static uint64_t group_hash(const corr *c, const corr_member *m, corr_select sel, corr_filemode file)
{
	const kelf_symbol *s = &c->side[m->side].k->symbols[m->index];
	uint64_t h = klp_hash_mix(corr_select_hash(c, (int)m->side, m->index, sel), s->type);
	return file == FILE_SAME ? klp_hash_mix(h, (uint64_t)corr_common_file(c, (int)m->side, m->index)) : h;
}

/* Whether member `entry` falls in the group of the member being placed. */
static int same_group(const void *ctx, uint32_t entry)
{
	const grouping *g = ctx;
	const corr_member *a = &g->m[entry], *b = g->x;
	const corr *c = g->c;
	if (c->side[a->side].k->symbols[a->index].type != c->side[b->side].k->symbols[b->index].type)
		return 0;
	if (g->file == FILE_SAME &&
	    corr_common_file(c, (int)a->side, a->index) != corr_common_file(c, (int)b->side, b->index))
		return 0;
	return corr_select_equal(c, (int)a->side, a->index, (int)b->side, b->index, g->sel);
}

long corr_group(const corr *c, const corr_member *m, size_t n, corr_select sel, corr_filemode file,
		uint32_t *gid)
{
	klp_table t;
	if (klp_table_init(&t, n) != 0)
		return -1;
	grouping g = { c, m, NULL, sel, file };
	long ngroups = 0;
	for (size_t i = 0; i < n; i++) {
		g.x = &m[i];
		size_t s = klp_table_probe(&t, group_hash(c, &m[i], sel, file), same_group, &g);
		if (klp_table_found(&t, s)) {
			gid[i] = gid[klp_table_entry(&t, s)];
		} else {
			klp_table_put(&t, s, (uint32_t)i);
			gid[i] = (uint32_t)ngroups++;
		}
	}
	klp_table_free(&t);
	return ngroups;
}
