/* refine: whether a piece of evidence holds between two symbols (see
 * refine.h). */
#include "refine.h"

#include <elf.h>

#include "forbid.h"
#include "layout.h"

/* Whether a symbol is TU-local: LOCAL, or a promoted static (.llvm.). */
static int tu_local(const corr *c, int side, uint32_t i)
{
	return c->side[side].k->symbols[i].bind == STB_LOCAL || (c->side[side].syms[i].flags & CS_TU);
}

int corr_refine_holds(const corr *c, corr_refine r, int sx, uint32_t x, int sy, uint32_t y)
{
	const kelf_symbol *a = &c->side[sx].k->symbols[x], *b = &c->side[sy].k->symbols[y];
	const corr_sym *ca = &c->side[sx].syms[x], *cb = &c->side[sy].syms[y];
	switch (r) {
	case REFINE_SIZE:
		return a->size != 0 && a->size == b->size;
	case REFINE_BIND:
		return a->bind == b->bind;
	case REFINE_SCOPE:
		return tu_local(c, sx, x) == tu_local(c, sy, y);
	case REFINE_LLVM:
		return (ca->flags & CS_TU) == (cb->flags & CS_TU);
	case REFINE_FILE:
		if ((ca->flags & CS_TU) && (cb->flags & CS_TU))
			return 1;
		if ((a->file == KELF_NO_FILE) != (b->file == KELF_NO_FILE))
			return 0;
		if (a->file == KELF_NO_FILE)
			return 1;
		return sx == sy ? a->file == b->file : corr_file_compatible(c, sx, x, y);
	case REFINE_DIGEST:
		return (ca->flags & CS_DIGEST) && (cb->flags & CS_DIGEST) && ca->digest == cb->digest;
	case REFINE_LAYOUT:
		return sx == sy ? corr_layout_same_gap(c, sx, x, sy, y) : corr_layout_agrees(c, x, y);
	case REFINE_TU: {
		if (sx == sy || sx != 0)
			return 0;
		uint32_t ua = ca->unit, ub = cb->unit;
		if (ua == 0 || ub == 0 || !c->map_tu || ua >= c->nunits_orig)
			return 0;
		int b_is_tu = ub > c->side[1].k->nfiles;
		uint32_t want = b_is_tu ? c->map_tu[ua] : c->map_file[ua];
		return want != 0 && want != CORR_UNIT_CONFLICT && want == ub;
	}
	default:
		return 0;
	}
}

int corr_base_match(const corr *c, const corr_pass *p, uint32_t a, uint32_t b)
{
	if (p->file == FILE_COMPATIBLE && !corr_file_compatible(c, 0, a, b))
		return 0;
	return !c->nforbidden || !corr_is_forbidden(c, a, b);
}

