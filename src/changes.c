/* changes: pair statuses and change lists (see changes.h). */
#include "changes.h"

#include <string.h>

#include "line.h"

#define CH_NAME(id, name) name,
const char *const corr_change_kind_names[CH_COUNT] = { CORR_CHANGE_KINDS(CH_NAME) };

corr_status corr_pair_status(const corr *c, uint32_t orig)
{
	const corr_sym *a = &c->side[0].syms[orig];
	if (a->twin == CORR_NONE)
		return ST_UNKNOWN;
	const corr_sym *b = &c->side[1].syms[a->twin];
	const kelf_symbol *sa = &c->side[0].k->symbols[orig], *sb = &c->side[1].k->symbols[a->twin];
	if (sa->shndx == 0 && sb->shndx == 0)
		return ST_SAME; /* both undefined: a name, nothing to compare */
	if (!(a->flags & CS_DIGEST) || !(b->flags & CS_DIGEST))
		return ST_UNKNOWN;
	if (a->digest == b->digest || (a->flags & CS_CODE_SAME))
		return ST_SAME;
	if (a->flags & CS_CODE_LINE)
		return c->line_mode == LINE_AS_SAME ? ST_SAME : c->line_mode == LINE_AS_CHANGED ? ST_CHANGED : ST_LINE;
	return ST_CHANGED;
}

int corr_pair_notable(const corr *c, uint32_t a)
{
	const corr_sym *cs = &c->side[0].syms[a];
	const kelf_symbol *sa = &c->side[0].k->symbols[a], *sb = &c->side[1].k->symbols[cs->twin];
	return corr_evidence_positional((corr_evidence)cs->evidence) || sa->bind != sb->bind || sa->name_len != sb->name_len ||
	       memcmp(sa->name, sb->name, sa->name_len) != 0;
}

/* Whether symbol i of a side is a function or data a live patch deals with:
 * defined, eligible, FUNC or OBJECT, not a .cold/.part child. */
static int patchable(const corr *c, int side, uint32_t i, unsigned type)
{
	const kelf_symbol *s = &c->side[side].k->symbols[i];
	return s->type == type && s->shndx != 0 && corr_eligible(c, side, i) &&
	       c->side[side].syms[i].parent == CORR_NONE;
}

/* Whether symbol i of side belongs in change list kind. */
static int belongs(const corr *c, corr_change_kind kind, int side, uint32_t i)
{
	switch (kind) {
	case CH_CHANGED_FUNCTIONS:
		return side == 0 && patchable(c, 0, i, STT_FUNC) && corr_pair_status(c, i) == ST_CHANGED;
	case CH_LINE_FUNCTIONS:
		return side == 0 && patchable(c, 0, i, STT_FUNC) && corr_pair_status(c, i) == ST_LINE;
	case CH_CHANGED_DATA:
		return side == 0 && patchable(c, 0, i, STT_OBJECT) && corr_pair_status(c, i) == ST_CHANGED;
	case CH_LINE_DATA:
		return side == 0 && patchable(c, 0, i, STT_OBJECT) && corr_pair_status(c, i) == ST_LINE;
	case CH_NEW_FUNCTIONS:
		return side == 1 && patchable(c, 1, i, STT_FUNC) && c->side[1].syms[i].twin == CORR_NONE;
	default:
		return side == 0 && patchable(c, 0, i, STT_FUNC) && c->side[0].syms[i].twin == CORR_NONE;
	}
}

size_t corr_changes(const corr *c, corr_change_kind kind, corr_change *out, size_t max)
{
	int side = kind == CH_NEW_FUNCTIONS;
	const corr_side *sd = &c->side[side];
	size_t n = 0;
	for (uint32_t i = 1; i < sd->k->nsymbols; i++) {
		if (!belongs(c, kind, side, i))
			continue;
		int32_t twin = sd->syms[i].twin;
		if (n < max)
			out[n] = side ? (corr_change){ twin, (int32_t)i } : (corr_change){ (int32_t)i, twin };
		n++;
	}
	return n;
}
