/* use: pairing statics by use, the way kpatch does.  When twin functions
 * reference same-keyed local statics in the same order, the i-th such static
 * of the orig function is the twin of the i-th of the patched one.  A static
 * pairs only when every function pair that votes for it agrees. */
#include "use.h"

#include <stdlib.h>

#include "decode.h"
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

/* A reference of a function: where it is and what it reaches. */
typedef struct ref {
	uint64_t offset;
	int32_t target;
} ref;

/* What a use pass reads a side with: its decoder (NULL when the machine
 * has none) and, per section, how many functions it holds and how many of
 * its statics are still open (a call the assembler resolved stays in its
 * section: a section without open statics need not be decoded). */
typedef struct reader {
	klp_decoder *d;
	uint32_t *functions;
	uint32_t *open;
} reader;

/* Collects the targets of the decoded instructions of a function that no
 * relocation describes: calls and jumps inside a shared .text. */
typedef struct decoded_refs {
	const corr *c;
	int side;
	size_t sec;
	uint64_t start, size;
	ref *out;
	size_t n, max;
} decoded_refs;

static int add_decoded(void *ud, const klp_insn *insn)
{
	decoded_refs *w = ud;
	const kelf *k = w->c->side[w->side].k;
	size_t r = kelf_first_reloc(k, w->sec, insn->offset);
	if (r < k->reloc_start[w->sec + 1] && k->relocs[r].offset < insn->offset + insn->size)
		return 0; /* the relocation names it */
	for (uint8_t i = 0; i < insn->noperands && w->n < w->max; i++) {
		const klp_operand *op = &insn->operands[i];
		if (op->kind != KLP_OP_TARGET || op->value < 0 ||
		    ((uint64_t)op->value >= w->start && (uint64_t)op->value < w->start + w->size))
			continue;
		int32_t t = corr_covering(&w->c->side[w->side], w->sec, (uint64_t)op->value);
		if (t != CORR_NONE)
			w->out[w->n++] = (ref){ insn->offset, t };
	}
	return w->n >= w->max;
}

/* The distinct open statics function f references, in order of first use:
 * through its relocations, and where it shares its section with other
 * functions, through the calls the assembler resolved (decoded).
 * Relocations are sorted by offset: a binary search finds f's first one, so
 * a .text shared by thousands of functions costs no more than one each. */
static size_t uses_of(const corr *c, int side, const reader *rd, uint32_t f, use *out, size_t max, ref *scratch)
{
	const kelf *k = c->side[side].k;
	const kelf_symbol *s = &k->symbols[f];
	uint64_t at = kelf_symbol_offset(k, s);
	if (!k->reloc_start || at == UINT64_MAX)
		return 0;
	size_t end = k->reloc_start[s->shndx + 1], nrel = 0;
	for (size_t r = kelf_first_reloc(k, s->shndx, at); r < end && nrel < max; r++) {
		const kelf_reloc *rel = &k->relocs[r];
		if (rel->offset - at >= s->size)
			break;
		uint64_t inner;
		int32_t t = corr_reloc_target(c, side, rel, &inner);
		if (open_static(c, side, t))
			scratch[nrel++] = (ref){ rel->offset, t };
	}
	decoded_refs dr = { c, side, s->shndx, at, s->size, scratch + nrel, 0, max };
	if (nrel < max && rd->d && rd->functions[s->shndx] > 1 && rd->open[s->shndx] > 0 && c->side[side].section_start)
		klp_decode(rd->d, s->shndx, at, s->size, 0, add_decoded, &dr);
	/* Both lists are in offset order: merge them. */
	size_t n = 0;
	for (size_t i = 0, j = 0; (i < nrel || j < dr.n) && n < max;) {
		const ref *next = j == dr.n || (i < nrel && scratch[i].offset <= dr.out[j].offset) ? &scratch[i++]
												      : &dr.out[j++];
		int32_t t = next->target;
		if (!open_static(c, side, t))
			continue;
		int seen = 0;
		for (size_t m = 0; m < n && !seen; m++)
			seen = out[m].sym == (uint32_t)t;
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

/* Sets up the reader of a side: a decoder where the machine has one and a
 * section holding several functions still has open statics.  Walks the
 * open symbols and those sections only, not the whole table.  -1 when out
 * of memory. */
static int reader_init(corr *c, int side, reader *rd)
{
	kelf *k = c->side[side].k;
	rd->d = NULL;
	rd->functions = calloc(k->nsections + 1, sizeof *rd->functions);
	rd->open = calloc(k->nsections + 1, sizeof *rd->open);
	size_t nopen;
	const uint32_t *open = corr_open_symbols(c, side, &nopen);
	if (!rd->functions || !rd->open || !open)
		return -1;
	int any = 0;
	for (size_t j = 0; j < nopen; j++)
		if (open_static(c, side, (int32_t)open[j]) && k->symbols[open[j]].shndx < k->nsections) {
			rd->open[k->symbols[open[j]].shndx]++;
			any = 1;
		}
	if (!any)
		return 0;
	char err[256];
	rd->d = klp_decoder_new(k, err, sizeof err); /* none: relocations only, as before */
	if (!rd->d)
		return 0;
	if (!c->side[side].section_start && corr_index_sections(&c->side[side]) != 0)
		return -1;
	const corr_side *sd = &c->side[side];
	for (size_t sec = 1; sec < k->nsections; sec++)
		for (size_t j = sd->section_start[sec]; rd->open[sec] && j < sd->section_start[sec + 1]; j++)
			rd->functions[sec] += k->symbols[sd->by_section[j]].type == STT_FUNC;
	return 0;
}

static void reader_free(reader *rd)
{
	klp_decoder_free(rd->d);
	free(rd->functions);
	free(rd->open);
}

long corr_pair_by_use(corr *c, uint16_t rule)
{
	const kelf *ka = c->side[0].k;
	if (!ka->reloc_start || !c->side[1].k->reloc_start)
		return 0;
	use *ua = malloc(MAX_USES * sizeof *ua), *ub = malloc(MAX_USES * sizeof *ub);
	ref *scratch = malloc(2 * MAX_USES * sizeof *scratch);
	reader rd[2] = { { NULL, NULL, NULL }, { NULL, NULL, NULL } };
	vote *v = NULL;
	size_t nv = 0, cap = 0;
	long made = -1;
	if (!ua || !ub || !scratch || reader_init(c, 0, &rd[0]) != 0 || reader_init(c, 1, &rd[1]) != 0)
		goto out;
	for (uint32_t a = 1; a < ka->nsymbols; a++) {
		int32_t b = c->side[0].syms[a].twin;
		if (b == CORR_NONE || ka->symbols[a].type != STT_FUNC)
			continue;
		size_t na = uses_of(c, 0, &rd[0], a, ua, MAX_USES, scratch);
		size_t nb = uses_of(c, 1, &rd[1], (uint32_t)b, ub, MAX_USES, scratch);
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
	reader_free(&rd[0]);
	reader_free(&rd[1]);
	free(scratch);
	free(ua);
	free(ub);
	free(v);
	return made;
}
