/* group: grouping symbols of both sides by a string, type and FILE (group.h). */
#include "group.h"

#include <stdlib.h>

#include "hash.h"

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

static uint64_t group_hash(const corr *c, const corr_member *m, corr_indexsel sel, corr_filemode file)
{
	const kelf_symbol *s = &c->side[m->side].k->symbols[m->index];
	uint64_t h = klp_hash_mix(corr_sel_hash(c, (int)m->side, m->index, sel), s->type);
	return file == FILE_SAME ? klp_hash_mix(h, (uint64_t)corr_common_file(c, (int)m->side, m->index)) : h;
}

static int group_equal(const corr *c, const corr_member *a, const corr_member *b, corr_indexsel sel,
		       corr_filemode file)
{
	if (c->side[a->side].k->symbols[a->index].type != c->side[b->side].k->symbols[b->index].type)
		return 0;
	if (file == FILE_SAME &&
	    corr_common_file(c, (int)a->side, a->index) != corr_common_file(c, (int)b->side, b->index))
		return 0;
	return corr_sel_equal(c, (int)a->side, a->index, (int)b->side, b->index, sel);
}

long corr_group(const corr *c, const corr_member *m, size_t n, corr_indexsel sel, corr_filemode file,
		uint32_t *gid)
{
	size_t cap = 16;
	while (cap < 2 * n)
		cap <<= 1;
	uint32_t *slot = calloc(cap, sizeof *slot);
	if (!slot)
		return -1;
	long ngroups = 0;
	for (size_t i = 0; i < n; i++) {
		size_t s = group_hash(c, &m[i], sel, file) & (cap - 1);
		while (slot[s] && !group_equal(c, &m[slot[s] - 1], &m[i], sel, file))
			s = (s + 1) & (cap - 1);
		if (!slot[s]) {
			slot[s] = (uint32_t)i + 1;
			gid[i] = (uint32_t)ngroups++;
		} else {
			gid[i] = gid[slot[s] - 1];
		}
	}
	free(slot);
	return ngroups;
}
