/* use: pairing statics by use, the way kpatch does, and by the call graph.
 * When twin functions (or twin data: ops tables, jump tables) reference
 * same-keyed local statics in the same order, the i-th such static of the
 * orig one is the twin of the i-th of the patched one.  A static pairs only
 * when every pair that votes for it agrees. */
#include "use.h"

#include <stdint.h>
#include <stdlib.h>

#include "decode.h"
#include "group.h"
#include "pass.h"
#include "reloc.h"
#include "table.h"
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

/* The decoded references of a side's functions, kept across the runs of
 * the use pass (they do not change; only which targets are open does):
 * function i's are refs[start[i] - 1 ..][0 .. count[i]), start 0 for one
 * not decoded yet. */
struct corr_decoded_refs {
	klp_decoder *d;      /* NULL: the machine has none */
	uint32_t *functions; /* per section, the functions it holds */
	uint32_t *start, *count;
	ref *refs;
	size_t n, cap;
};

/* What one run of the use pass reads a side with: the decoder and the
 * functions per section (both from the correlator's cache), and per section
 * how many of its statics are still open and could pair (a call the
 * assembler resolved stays in its section: a section without them need not
 * be decoded), with where they start. */
typedef struct reader {
	klp_decoder *d;
	corr_decoded_refs *cache;
	uint32_t *functions;
	uint32_t *open;
	uint64_t *starts;  /* where those statics start, (section << 40 | offset) sorted */
	size_t nstarts;
} reader;

/* Whether a direct call or jump to place `to` of section sec may reach one
 * of the statics the reader waits for. */
static int awaited(const reader *rd, size_t sec, uint64_t to)
{
	uint64_t want = (uint64_t)sec << 40 | (to & ((1ull << 40) - 1));
	size_t lo = 0, hi = rd->nstarts;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (rd->starts[mid] < want)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < rd->nstarts && rd->starts[lo] == want;
}

/* A cheap look at a function's bytes before decoding them: whether any
 * x86 call/jmp/jcc rel32 or AArch64 b/bl word in them points at an awaited
 * static.  Bytes inside other instructions may match too, which only costs
 * a decoding; other machines are always decoded. */
static int may_call_awaited(kelf *k, const reader *rd, size_t sec, uint64_t at, uint64_t size)
{
	const unsigned char *b = kelf_section_bytes(k, sec);
	if (!b || at > k->sections[sec].size || size > k->sections[sec].size - at)
		return 0; /* not inside its section: nothing to read (klp_decode refuses it too) */
	b += at;
	if (k->machine == EM_X86_64 || k->machine == EM_386) {
		for (uint64_t i = 0; i + 5 <= size; i++) {
			int jcc = b[i] == 0x0f && i + 6 <= size && (b[i + 1] & 0xf0) == 0x80;
			if (b[i] != 0xe8 && b[i] != 0xe9 && !jcc)
				continue;
			const unsigned char *f = b + i + (jcc ? 2 : 1);
			int32_t rel = (int32_t)((uint32_t)f[0] | (uint32_t)f[1] << 8 | (uint32_t)f[2] << 16 | (uint32_t)f[3] << 24);
			int64_t to = (int64_t)(at + i + (jcc ? 6 : 5)) + rel;
			if (to >= 0 && awaited(rd, sec, (uint64_t)to))
				return 1;
		}
		return 0;
	}
	if (k->machine == EM_AARCH64) {
		for (uint64_t i = 0; i + 4 <= size; i += 4) {
			uint32_t w = (uint32_t)b[i] | (uint32_t)b[i + 1] << 8 | (uint32_t)b[i + 2] << 16 | (uint32_t)b[i + 3] << 24;
			if ((w & 0x7c000000u) != 0x14000000u)
				continue;
			int64_t imm = (int64_t)(w & 0x03ffffffu);
			if (imm & 0x02000000)
				imm -= 0x04000000;
			int64_t to = (int64_t)(at + i) + imm * 4;
			if (to >= 0 && awaited(rd, sec, (uint64_t)to))
				return 1;
		}
		return 0;
	}
	return 1;
}

static int by_place(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return a < b ? -1 : a > b;
}

/* Collects the targets of the decoded instructions of a function that no
 * relocation describes: calls and jumps inside a shared .text. */
typedef struct decoded_refs {
	const corr *c;
	int side;
	size_t sec;
	uint64_t start, size;
	const kelf_reloc *rel, *rel_end; /* the section's relocations not yet passed */
	corr_decoded_refs *cache;
	int nomem;
} decoded_refs;

static int add_decoded(void *ud, const klp_insn *insn)
{
	decoded_refs *w = ud;
	while (w->rel < w->rel_end && w->rel->offset < insn->offset)
		w->rel++;
	if (w->rel < w->rel_end && w->rel->offset < insn->offset + insn->size)
		return 0; /* the relocation names it */
	for (uint8_t i = 0; i < insn->noperands; i++) {
		const klp_operand *op = &insn->operands[i];
		if (op->kind != KLP_OP_TARGET || op->value < 0 ||
		    ((uint64_t)op->value >= w->start && (uint64_t)op->value < w->start + w->size))
			continue;
		int32_t t = corr_covering(&w->c->side[w->side], w->sec, (uint64_t)op->value);
		if (t == CORR_NONE)
			continue;
		corr_decoded_refs *dc = w->cache;
		if (dc->n == dc->cap) {
			size_t cap = dc->cap ? 2 * dc->cap : 1024;
			ref *more = realloc(dc->refs, cap * sizeof *more);
			if (!more) {
				w->nomem = 1;
				return 1;
			}
			dc->refs = more;
			dc->cap = cap;
		}
		dc->refs[dc->n++] = (ref){ insn->offset, t };
	}
	return 0;
}

/* The decoded references of function f (decoded on first need); NULL and
 * *n 0 when it has none; -1 in *n when out of memory. */
static const ref *decoded_of(const corr *c, int side, const reader *rd, uint32_t f, long *n)
{
	kelf *k = c->side[side].k;
	const kelf_symbol *s = &k->symbols[f];
	corr_decoded_refs *dc = rd->cache;
	*n = 0;
	if (!rd->d || !dc || rd->functions[s->shndx] < 2 || rd->open[s->shndx] == 0)
		return NULL;
	if (dc->start[f] == 0) {
		uint64_t at = kelf_symbol_offset(k, s);
		if (!may_call_awaited(k, rd, s->shndx, at, s->size)) {
			/* None now, none later: the awaited statics only get fewer. */
			dc->start[f] = (uint32_t)dc->n + 1;
			dc->count[f] = 0;
			return NULL;
		}
		/* Decoded targets are found in the per-section index, built on
		 * the first decoding (a prefilter spares most). */
		if (!c->side[side].section_start && corr_index_sections((corr_side *)&c->side[side]) != 0) {
			*n = -1;
			return NULL;
		}
		size_t first = kelf_first_reloc(k, s->shndx, at);
		decoded_refs dr = { c, side, s->shndx, at, s->size, k->relocs + first, k->relocs + k->reloc_start[s->shndx + 1],
				    dc, 0 };
		size_t from = dc->n;
		klp_decode(rd->d, s->shndx, at, s->size, KLP_DECODE_NO_PLACES, add_decoded, &dr);
		if (dr.nomem) {
			dc->n = from;
			*n = -1;
			return NULL;
		}
		dc->start[f] = (uint32_t)from + 1;
		dc->count[f] = (uint32_t)(dc->n - from);
	}
	*n = dc->count[f];
	return *n ? dc->refs + dc->start[f] - 1 : NULL;
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
	long ndec = 0;
	const ref *dec = s->type == STT_FUNC ? decoded_of(c, side, rd, f, &ndec) : NULL;
	if (ndec < 0)
		return SIZE_MAX;
	/* Both lists are in offset order: merge them. */
	size_t n = 0, nd = (size_t)ndec;
	for (size_t i = 0, j = 0; (i < nrel || j < nd) && n < max;) {
		const ref *next = j == nd || (i < nrel && scratch[i].offset <= dec[j].offset) ? &scratch[i++] : &dec[j++];
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

/* Makes the decoded-reference cache of a side, once per correlator: its
 * decoder (none: relocations only, as without decoding) and how many
 * functions each section holds.  -1 when out of memory. */
static int decoded_init(corr *c, int side)
{
	kelf *k = c->side[side].k;
	corr_decoded_refs *dc = calloc(1, sizeof *dc);
	if (!dc)
		return -1;
	c->decoded[side] = dc; /* corr_free_uses frees what follows, whatever fails */
	size_t n = k->nsymbols ? k->nsymbols : 1;
	dc->start = calloc(n, sizeof *dc->start);
	dc->count = calloc(n, sizeof *dc->count);
	dc->functions = calloc(k->nsections + 1, sizeof *dc->functions);
	if (!dc->start || !dc->count || !dc->functions)
		return -1;
	for (uint32_t i = 1; i < k->nsymbols; i++)
		if (k->symbols[i].type == STT_FUNC && k->symbols[i].shndx < k->nsections)
			dc->functions[k->symbols[i].shndx]++;
	char err[256];
	dc->d = klp_decoder_new(k, err, sizeof err);
	return 0;
}

/* A key hash looked up among the open statics of one side. */
typedef struct key_probe {
	const corr *c;
	int side;
	const uint32_t *open;
	uint64_t hash;
} key_probe;

static int same_key_hash(const void *ctx, uint32_t entry)
{
	const key_probe *p = ctx;
	return p->c->side[p->side].syms[p->open[entry]].key_hash == p->hash;
}

/* Sets up the reader of a side: a decoder where the machine has one and a
 * section holding several functions still has open statics that could pair
 * (the other side has an open static of their key: others gain nothing
 * from a vote, and decoding costs).  Walks the open symbols and those
 * sections only, not the whole table.  -1 when out of memory. */
static int reader_init(corr *c, int side, reader *rd)
{
	kelf *k = c->side[side].k;
	rd->d = NULL;
	rd->cache = NULL;
	rd->starts = NULL;
	rd->nstarts = 0;
	rd->functions = NULL;
	rd->open = calloc(k->nsections + 1, sizeof *rd->open);
	size_t nopen;
	const uint32_t *open = corr_open_symbols(c, side, &nopen);
	if (!rd->open || !open)
		return -1;
	size_t nother;
	const uint32_t *other = corr_open_symbols(c, !side, &nother);
	klp_table keys;
	if (!other || klp_table_init(&keys, nother) != 0)
		return -1;
	key_probe kp = { c, !side, other, 0 };
	for (size_t j = 0; j < nother; j++)
		if (open_static(c, !side, (int32_t)other[j])) {
			kp.hash = c->side[!side].syms[other[j]].key_hash;
			size_t slot = klp_table_probe(&keys, kp.hash, same_key_hash, &kp);
			if (!klp_table_found(&keys, slot))
				klp_table_put(&keys, slot, (uint32_t)j);
		}
	rd->starts = malloc((nopen ? nopen : 1) * sizeof *rd->starts);
	if (!rd->starts) {
		klp_table_free(&keys);
		return -1;
	}
	for (size_t j = 0; j < nopen; j++) {
		const kelf_symbol *s = &k->symbols[open[j]];
		kp.hash = c->side[side].syms[open[j]].key_hash;
		uint64_t at = kelf_symbol_offset(k, s);
		if (open_static(c, side, (int32_t)open[j]) && at != UINT64_MAX &&
		    klp_table_found(&keys, klp_table_probe(&keys, kp.hash, same_key_hash, &kp))) {
			rd->open[s->shndx]++;
			rd->starts[rd->nstarts++] = (uint64_t)s->shndx << 40 | (at & ((1ull << 40) - 1));
		}
	}
	klp_table_free(&keys);
	if (rd->nstarts == 0)
		return 0;
	qsort(rd->starts, rd->nstarts, sizeof *rd->starts, by_place);
	if (!c->decoded[side] && decoded_init(c, side) != 0)
		return -1;
	rd->cache = c->decoded[side];
	rd->d = rd->cache->d;
	rd->functions = rd->cache->functions;
	return 0;
}

void corr_free_uses(corr *c)
{
	for (int s = 0; s < 2; s++) {
		corr_decoded_refs *dc = c->decoded[s];
		if (!dc)
			continue;
		klp_decoder_free(dc->d);
		free(dc->functions);
		free(dc->start);
		free(dc->count);
		free(dc->refs);
		free(dc);
		c->decoded[s] = NULL;
	}
}

static void reader_free(reader *rd)
{
	free(rd->open);
	free(rd->starts);
}

long corr_pair_by_use(corr *c, uint16_t rule)
{
	const kelf *ka = c->side[0].k;
	if (!ka->reloc_start || !c->side[1].k->reloc_start)
		return 0;
	use *ua = malloc(MAX_USES * sizeof *ua), *ub = malloc(MAX_USES * sizeof *ub);
	ref *scratch = malloc(2 * MAX_USES * sizeof *scratch);
	reader rd[2] = { { NULL, NULL, NULL, NULL, NULL, 0 }, { NULL, NULL, NULL, NULL, NULL, 0 } };
	vote *v = NULL;
	size_t nv = 0, cap = 0;
	long made = -1;
	if (!ua || !ub || !scratch || reader_init(c, 0, &rd[0]) != 0 || reader_init(c, 1, &rd[1]) != 0)
		goto out;
	for (uint32_t a = 1; a < ka->nsymbols; a++) {
		int32_t b = c->side[0].syms[a].twin;
		if (b == CORR_NONE || (ka->symbols[a].type != STT_FUNC && ka->symbols[a].type != STT_OBJECT))
			continue;
		size_t na = uses_of(c, 0, &rd[0], a, ua, MAX_USES, scratch);
		size_t nb = uses_of(c, 1, &rd[1], (uint32_t)b, ub, MAX_USES, scratch);
		if (na == SIZE_MAX || nb == SIZE_MAX)
			goto out;
		if (na && nb && vote_pair(c, ua, na, ub, nb, &v, &nv, &cap) != 0)
			goto out;
	}
	made = 0;
	if (nv == 0)
		goto out;
	for (size_t i = 0; i < nv; i++) {
		c->side[0].syms[v[i].orig].flags |= CS_VOTED;
		c->side[1].syms[v[i].patched].flags |= CS_VOTED;
	}
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
