/* layout: each symbol's anchors, the paired symbols around it in its
 * section (see layout.h). */
#include "layout.h"

#include <stdlib.h>
#include <string.h>

#include "target.h"

/* Fills prev/next anchors of one side: walks each section in address order
 * (target.h's by-section index) forward, then backward. */
static int update_side(corr_side *sd)
{
	const kelf *k = sd->k;
	if (!sd->by_section && corr_index_sections(sd) != 0)
		return -1;
	size_t n = k->nsymbols ? k->nsymbols : 1;
	if (!sd->prev_anchor) {
		sd->prev_anchor = malloc(n * sizeof *sd->prev_anchor);
		sd->next_anchor = malloc(n * sizeof *sd->next_anchor);
		if (!sd->prev_anchor || !sd->next_anchor)
			return -1;
		/* Symbols outside every section (undefined, absolute) have none. */
		memset(sd->prev_anchor, 0xff, n * sizeof *sd->prev_anchor);
		memset(sd->next_anchor, 0xff, n * sizeof *sd->next_anchor);
	}
	for (size_t sec = 0; sec < k->nsections; sec++) {
		const uint32_t *v = sd->by_section + sd->section_start[sec];
		size_t m = sd->section_start[sec + 1] - sd->section_start[sec];
		int32_t last = CORR_NONE;
		for (size_t j = 0; j < m; j++) {
			sd->prev_anchor[v[j]] = last;
			if (sd->syms[v[j]].twin != CORR_NONE)
				last = (int32_t)v[j];
		}
		last = CORR_NONE;
		for (size_t j = m; j-- > 0;) {
			sd->next_anchor[v[j]] = last;
			if (sd->syms[v[j]].twin != CORR_NONE)
				last = (int32_t)v[j];
		}
	}
	return 0;
}

int corr_layout_update(corr *c)
{
	return update_side(&c->side[0]) != 0 || update_side(&c->side[1]) != 0 ? -1 : 0;
}

/* An anchor as the orig symbol it stands for: itself on the orig side, its
 * twin on the patched side. */
static int32_t as_orig(const corr *c, int side, int32_t anchor)
{
	return anchor == CORR_NONE || side == 0 ? anchor : c->side[1].syms[anchor].twin;
}

int corr_layout_agrees(const corr *c, uint32_t x, uint32_t y)
{
	const corr_side *a = &c->side[0], *b = &c->side[1];
	if (!a->prev_anchor || !b->prev_anchor)
		return 0;
	int32_t px = a->prev_anchor[x], nx = a->next_anchor[x];
	return (px != CORR_NONE && px == as_orig(c, 1, b->prev_anchor[y])) ||
	       (nx != CORR_NONE && nx == as_orig(c, 1, b->next_anchor[y]));
}

int corr_layout_same_gap(const corr *c, int sx, uint32_t x, int sy, uint32_t y)
{
	const corr_side *a = &c->side[sx], *b = &c->side[sy];
	if (!a->prev_anchor || !b->prev_anchor)
		return 0;
	const kelf_symbol *s = &a->k->symbols[x], *t = &b->k->symbols[y];
	if (s->shndx >= a->k->nsections || t->shndx >= b->k->nsections ||
	    strcmp(a->k->sections[s->shndx].name, b->k->sections[t->shndx].name) != 0)
		return 0;
	int32_t px = as_orig(c, sx, a->prev_anchor[x]), nx = as_orig(c, sx, a->next_anchor[x]);
	/* A section without a paired symbol says nothing (with -fdata-sections
	 * its name is its symbol's, number included). */
	return (px != CORR_NONE || nx != CORR_NONE) && px == as_orig(c, sy, b->prev_anchor[y]) &&
	       nx == as_orig(c, sy, b->next_anchor[y]);
}
