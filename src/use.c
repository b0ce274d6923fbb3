/* use: pairing statics by use, the way kpatch does.  When twin functions
 * reference same-keyed local statics in the same order, the i-th such static
 * of the orig function is the twin of the i-th of the patched one.  A static
 * pairs only when every function pair that votes for it agrees. */
#include "use.h"

#include <stdlib.h>

#include "group.h"
#include "pass.h"
#include "reloc.h"
#include "target.h"
#include "trace.h"

/* A static that a function references: (key hash, symbol), in first-use order. */
typedef struct use {
	uint64_t key;
	uint32_t sym;
} use;

typedef struct vote {
	uint32_t orig, patched;
} vote;

/* Whether symbol i of a side is a static still waiting for its twin. */
static int open_static(const corr *c, int side, int32_t i)
{
	if (i == CORR_NONE)
		return 0;
	const kelf_symbol *s = &c->side[side].k->symbols[i];
	return s->bind == STB_LOCAL && (s->type == STT_OBJECT || s->type == STT_FUNC) &&
	       c->side[side].syms[i].twin == CORR_NONE && corr_eligible(c, side, (uint32_t)i);
}

/* The distinct open statics function f references, in order of first use.
 * Relocations are sorted by offset: a binary search finds f's first one, so
 * a .text shared by thousands of functions costs no more than one each. */
static size_t uses_of(const corr *c, int side, uint32_t f, use *out, size_t max)
{
	const kelf *k = c->side[side].k;
	const kelf_symbol *s = &k->symbols[f];
	uint64_t at = kelf_symbol_offset(k, s);
	if (!k->reloc_start || at == UINT64_MAX)
		return 0;
	size_t end = k->reloc_start[s->shndx + 1], n = 0;
	for (size_t r = kelf_first_reloc(k, s->shndx, at); r < end && n < max; r++) {
		const kelf_reloc *rel = &k->relocs[r];
		if (rel->offset - at >= s->size)
			break;
		uint64_t inner;
		int32_t t = corr_reloc_target(c, side, rel, &inner);
		if (!open_static(c, side, t))
			continue;
		int seen = 0;
		for (size_t j = 0; j < n && !seen; j++)
			seen = out[j].sym == (uint32_t)t;
		if (!seen)
			out[n++] = (use){ c->side[side].syms[t].key_hash, (uint32_t)t };
	}
	return n;
}

/* Adds votes from one function pair: per key, the i-th static of a's uses
 * with the i-th of b's, where both have as many. */
static int vote_pair(const corr *c, const use *ua, size_t na, const use *ub, size_t nb, vote **v, size_t *nv,
		     size_t *cap)
{
	const kelf *ka = c->side[0].k, *kb = c->side[1].k;
	for (size_t i = 0; i < na; i++) {
		size_t rank = 0, count_a = 0, count_b = 0, pick = 0;
		for (size_t j = 0; j < na; j++)
			if (ua[j].key == ua[i].key) {
				if (j == i)
					rank = count_a;
				count_a++;
			}
		for (size_t j = 0; j < nb; j++)
			if (ub[j].key == ua[i].key) {
				if (count_b == rank)
					pick = j;
				count_b++;
			}
		if (count_a != count_b || count_b == 0 || !corr_file_compatible(c, 0, ua[i].sym, ub[pick].sym) ||
		    ka->symbols[ua[i].sym].type != kb->symbols[ub[pick].sym].type ||
		    !corr_select_equal(c, 0, ua[i].sym, 1, ub[pick].sym, SELECT_KEY))
			continue;
		if (*nv == *cap) {
			size_t ncap = *cap ? 2 * *cap : 64;
			vote *more = realloc(*v, ncap * sizeof *more);
			if (!more)
				return -1;
			*v = more;
			*cap = ncap;
		}
		(*v)[(*nv)++] = (vote){ ua[i].sym, ub[pick].sym };
	}
	return 0;
}

static int by_orig(const void *x, const void *y)
{
	const vote *a = x, *b = y;
	if (a->orig != b->orig)
		return a->orig < b->orig ? -1 : 1;
	return a->patched < b->patched ? -1 : a->patched > b->patched;
}

static int by_patched(const void *x, const void *y)
{
	const vote *a = x, *b = y;
	if (a->patched != b->patched)
		return a->patched < b->patched ? -1 : 1;
	return a->orig < b->orig ? -1 : a->orig > b->orig;
}

/* Marks (orig = UINT32_MAX) every vote whose static also got another twin. */
static void drop_disputed(vote *v, size_t n, int by_patched_side)
{
	for (size_t i = 0; i < n;) {
		size_t j = i;
		int disputed = 0;
		while (j < n && (by_patched_side ? v[j].patched == v[i].patched : v[j].orig == v[i].orig)) {
			disputed |= by_patched_side ? v[j].orig != v[i].orig : v[j].patched != v[i].patched;
			j++;
		}
		for (size_t k = i; disputed && k < j; k++)
			v[k].orig = UINT32_MAX;
		i = j;
	}
}

enum { MAX_USES = 256 };

long corr_pair_by_use(corr *c, uint16_t rule)
{
	const kelf *ka = c->side[0].k;
	if (!ka->reloc_start || !c->side[1].k->reloc_start)
		return 0;
	use *ua = malloc(MAX_USES * sizeof *ua), *ub = malloc(MAX_USES * sizeof *ub);
	vote *v = NULL;
	size_t nv = 0, cap = 0;
	long made = -1;
	if (!ua || !ub)
		goto out;
	for (uint32_t a = 1; a < ka->nsymbols; a++) {
		int32_t b = c->side[0].syms[a].twin;
		if (b == CORR_NONE || ka->symbols[a].type != STT_FUNC)
			continue;
		size_t na = uses_of(c, 0, a, ua, MAX_USES), nb = uses_of(c, 1, (uint32_t)b, ub, MAX_USES);
		if (na && nb && vote_pair(c, ua, na, ub, nb, &v, &nv, &cap) != 0)
			goto out;
	}
	made = 0;
	if (nv == 0)
		goto out;
	qsort(v, nv, sizeof *v, by_orig);
	drop_disputed(v, nv, 0);
	qsort(v, nv, sizeof *v, by_patched);
	drop_disputed(v, nv, 1);
	for (size_t i = 0; i < nv; i++) {
		if (v[i].orig == UINT32_MAX || corr_pair(c, v[i].orig, v[i].patched, rule, EV_USE) != 0)
			continue;
		made++;
		if (c->watching) {
			if (c->side[0].syms[v[i].orig].flags & CS_WATCHED)
				corr_trace(c, rule, 0, v[i].orig, OUT_PAIRED, &v[i].patched, 1);
			if (c->side[1].syms[v[i].patched].flags & CS_WATCHED)
				corr_trace(c, rule, 1, v[i].patched, OUT_PAIRED, &v[i].orig, 1);
		}
	}
out:
	free(ua);
	free(ub);
	free(v);
	return made;
}
