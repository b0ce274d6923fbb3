/* align: pairing the FILE symbols of both sides (see align.h).
 *
 * A vmlinux.o holds thousands of FILE symbols, many sharing a basename
 * (GCC and clang write core.c, not drivers/base/core.c).  Names found once
 * on each side pair by name; repeated names by the local keys their blocks
 * share; what is left by link order between paired anchors; and last, by
 * position, marked so.  Every step bounds its work. */
#include "align.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "group.h"
#include "index.h"

/* Pairs FILE symbols i and j and seeds the orig->patched file map. */
static void pair_files(corr *c, size_t i, size_t j, int positional)
{
	c->side[0].file_pair[i] = (int32_t)j;
	c->side[1].file_pair[j] = (int32_t)i;
	c->map_file[i + 1] = (uint32_t)j + 1;
	c->file_positional[i] = (uint8_t)positional;
}

/* A local key found in more files of one name than this tells them nothing. */
#define MAX_KEY_FILES 8
/* Index chain steps per local looked up, so that no input makes this quadratic. */
#define MAX_CHAIN_STEPS 256

typedef struct file_hit {
	uint32_t score, i, j;
} file_hit;

static int hit_by_pair(const void *x, const void *y)
{
	const file_hit *a = x, *b = y;
	if (a->i != b->i)
		return a->i < b->i ? -1 : 1;
	return a->j < b->j ? -1 : a->j > b->j;
}

/* Best score first; among equals, the pair closest in position. */
static int hit_by_score(const void *x, const void *y)
{
	const file_hit *a = x, *b = y;
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	uint32_t da = a->i > a->j ? a->i - a->j : a->j - a->i, db = b->i > b->j ? b->i - b->j : b->j - b->i;
	if (da != db)
		return da < db ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

/* Collects (weight, i, j) for every local of orig file fa[i] whose key a local
 * of patched file fb[j] shares (weight 2 when their sizes agree too); jpos
 * maps a patched file to its j, or -1. */
static int collect_hits(const corr *c, const klp_index *pidx, const int32_t *jpos, const uint32_t *fa,
			size_t na, file_hit **out, size_t *nout)
{
	const kelf *ka = c->side[0].k, *kb = c->side[1].k;
	size_t n = 0, cap = 64;
	file_hit *hits = malloc(cap * sizeof *hits);
	if (!hits)
		return -1;
	for (size_t i = 0; i < na; i++) {
		size_t end = fa[i] + 1 < ka->nfiles ? ka->files[fa[i] + 1] : ka->nsymbols;
		for (size_t a = ka->files[fa[i]] + 1; a < end; a++) {
			/* The globals after the last FILE symbol belong to no file. */
			if (ka->symbols[a].file != (int32_t)fa[i] || !corr_eligible(c, 0, (uint32_t)a))
				continue;
			uint32_t js[MAX_KEY_FILES + 1], weight[MAX_KEY_FILES + 1];
			size_t nj = 0, steps = 0;
			uint32_t b = klp_index_first(pidx, c->side[0].syms[a].key_hash);
			for (; b != KLP_INDEX_END && nj <= MAX_KEY_FILES && steps < MAX_CHAIN_STEPS;
			     b = klp_index_next(pidx, b), steps++) {
				int32_t g = kb->symbols[b].file;
				if (g == KELF_NO_FILE || jpos[g] < 0 || !corr_select_equal(c, 0, (uint32_t)a, 1, b, SELECT_KEY))
					continue;
				/* A shared key counts once per file; with equal sizes, twice. */
				uint32_t w = kb->symbols[b].size == ka->symbols[a].size ? 2 : 1;
				size_t k = 0;
				while (k < nj && js[k] != (uint32_t)jpos[g])
					k++;
				if (k == nj) {
					js[nj] = (uint32_t)jpos[g];
					weight[nj++] = w;
				} else if (w > weight[k]) {
					weight[k] = w;
				}
			}
			if (nj > MAX_KEY_FILES || steps >= MAX_CHAIN_STEPS)
				continue;
			for (size_t k = 0; k < nj; k++) {
				if (n == cap) {
					file_hit *more = realloc(hits, 2 * cap * sizeof *hits);
					if (!more) {
						free(hits);
						return -1;
					}
					hits = more;
					cap *= 2;
				}
				hits[n++] = (file_hit){ weight[k], (uint32_t)i, js[k] };
			}
		}
	}
	*out = hits;
	*nout = n;
	return 0;
}

/* Whether an unassigned entry after the one at k scores the same and shares
 * its orig or patched file: then position, not evidence, chose between them. */
static int tied(const corr *c, const file_hit *h, size_t n, size_t k, const uint32_t *fa, const uint32_t *fb)
{
	for (size_t m = k + 1; m < n && m < k + 64 && h[m].score == h[k].score; m++)
		if ((h[m].i == h[k].i && c->side[1].file_pair[fb[h[m].j]] == CORR_NONE) ||
		    (h[m].j == h[k].j && c->side[0].file_pair[fa[h[m].i]] == CORR_NONE))
			return 1;
	return 0;
}

/* Indexes by key the eligible patched symbols that belong to a FILE. */
static int index_patched_locals(klp_index *ix, const corr *c)
{
	const kelf *k = c->side[1].k;
	if (klp_index_init(ix, k->nsymbols) != 0)
		return -1;
	for (size_t i = k->nsymbols; i-- > 1;)
		if (corr_eligible(c, 1, (uint32_t)i) && k->symbols[i].file != KELF_NO_FILE)
			klp_index_add(ix, (uint32_t)i, c->side[1].syms[i].key_hash);
	return 0;
}

/* Pairs the FILE symbols of one name that occurs na times in orig and nb in
 * patched.  Once on each side: by name.  Otherwise by the local keys their
 * blocks share, best first (ties broken by position are marked so); the rest
 * is left to link order (align_gaps) and the last resort (align_leftovers). */
static int align_name(corr *c, klp_index *pidx, int32_t *jpos, const uint32_t *fa, size_t na,
		      const uint32_t *fb, size_t nb)
{
	if (na == 1 && nb == 1) {
		pair_files(c, fa[0], fb[0], 0);
		return 0;
	}
	if (na == 0 || nb == 0)
		return 0;
	/* The key index of the patched side, built for the first repeated name. */
	if (!pidx->head && index_patched_locals(pidx, c) != 0)
		return -1;
	for (size_t j = 0; j < nb; j++)
		jpos[fb[j]] = (int32_t)j;
	file_hit *h = NULL;
	size_t n = 0;
	int rc = collect_hits(c, pidx, jpos, fa, na, &h, &n);
	for (size_t j = 0; j < nb; j++)
		jpos[fb[j]] = -1;
	if (rc != 0)
		return -1;
	/* Sum equal (i, j) hits into scores. */
	qsort(h, n, sizeof *h, hit_by_pair);
	size_t m = 0;
	for (size_t k = 0; k < n; k++) {
		if (m > 0 && h[m - 1].i == h[k].i && h[m - 1].j == h[k].j)
			h[m - 1].score += h[k].score;
		else
			h[m++] = h[k];
	}
	qsort(h, m, sizeof *h, hit_by_score);
	/* Once position broke a tie at some score, what else pairs at that score
	 * follows from that choice: it is positional too. */
	uint32_t tie_score = 0;
	for (size_t k = 0; k < m; k++) {
		uint32_t a = fa[h[k].i], b = fb[h[k].j];
		if (c->side[0].file_pair[a] != CORR_NONE || c->side[1].file_pair[b] != CORR_NONE)
			continue;
		if (tied(c, h, m, k, fa, fb))
			tie_score = h[k].score;
		pair_files(c, a, b, tie_score == h[k].score);
	}
	free(h);
	return 0;
}

/* Last resort for one name: what is still unpaired pairs in order, marked
 * positional, where as many are left on both sides. */
static void align_leftovers(corr *c, const uint32_t *fa, size_t na, const uint32_t *fb, size_t nb)
{
	size_t left_a = 0, left_b = 0;
	for (size_t i = 0; i < na; i++)
		left_a += c->side[0].file_pair[fa[i]] == CORR_NONE;
	for (size_t j = 0; j < nb; j++)
		left_b += c->side[1].file_pair[fb[j]] == CORR_NONE;
	if (left_a != left_b)
		return;
	for (size_t i = 0, j = 0; i < na; i++) {
		if (c->side[0].file_pair[fa[i]] != CORR_NONE)
			continue;
		while (c->side[1].file_pair[fb[j]] != CORR_NONE)
			j++;
		pair_files(c, fa[i], fb[j++], 1);
	}
}

/* Gaps longer than this are left to the last resort (bounds the work). */
#define MAX_GAP 1024

static const char *file_name_of(const kelf *k, size_t f)
{
	return k->symbols[k->files[f]].name;
}

/* Pairs the unpaired files of one gap: orig [a0, a1) against patched
 * [b0, b1).  A name found once on each side of the gap is its own twin; a
 * name found equally often pairs in order, marked positional. */
static void align_gap(corr *c, size_t a0, size_t a1, size_t b0, size_t b1)
{
	const kelf *ka = c->side[0].k, *kb = c->side[1].k;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = a0; i < a1; i++) {
			if (c->side[0].file_pair[i] != CORR_NONE)
				continue;
			const char *name = file_name_of(ka, i);
			size_t na = 0, nb = 0, first = 0;
			for (size_t k = a0; k < a1; k++)
				na += c->side[0].file_pair[k] == CORR_NONE && strcmp(file_name_of(ka, k), name) == 0;
			for (size_t k = b0; k < b1; k++)
				if (c->side[1].file_pair[k] == CORR_NONE && strcmp(file_name_of(kb, k), name) == 0)
					first = nb++ ? first : k;
			if (na == nb && (na == 1 || pass == 1))
				pair_files(c, i, first, na != 1);
		}
}

/* Pairs what link order settles.  Paired FILE symbols are anchors; between
 * two anchors whose twins keep their order, the unpaired files of both sides
 * face each other (as in a patience diff). */
static void align_gaps(corr *c)
{
	const kelf *ka = c->side[0].k, *kb = c->side[1].k;
	size_t i = 0, after = 0; /* after: first patched index past the last anchor */
	while (i < ka->nfiles) {
		if (c->side[0].file_pair[i] != CORR_NONE) {
			after = (size_t)c->side[0].file_pair[i] + 1;
			i++;
			continue;
		}
		size_t next = i;
		while (next < ka->nfiles && c->side[0].file_pair[next] == CORR_NONE)
			next++;
		size_t until = next < ka->nfiles ? (size_t)c->side[0].file_pair[next] : kb->nfiles;
		if (after <= until && next - i <= MAX_GAP && until - after <= MAX_GAP)
			align_gap(c, i, next, after, until);
		i = next;
	}
}

/* A FILE symbol of either side, for sorting both lists by name. */
typedef struct file_ref {
	const char *name;
	uint32_t side, pos;
} file_ref;

static int file_ref_cmp(const void *x, const void *y)
{
	const file_ref *a = x, *b = y;
	int d = strcmp(a->name, b->name);
	if (d)
		return d;
	if (a->side != b->side)
		return a->side < b->side ? -1 : 1;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* The FILE symbols named like refs[i], from i on in the sorted refs: their
 * orig positions then their patched ones go into pos (*na and *nb of them). */
static void name_group(const file_ref *refs, size_t n, size_t i, uint32_t *pos, size_t *na, size_t *nb)
{
	size_t j = i;
	*na = 0;
	while (j < n && strcmp(refs[j].name, refs[i].name) == 0) {
		pos[j - i] = refs[j].pos;
		*na += refs[j].side == 0;
		j++;
	}
	*nb = j - i - *na;
}

/* Groups the FILE symbols of both sides by name and aligns each name. */
static int align_by_name(corr *c)
{
	const kelf *k[2] = { c->side[0].k, c->side[1].k };
	size_t n = k[0]->nfiles + k[1]->nfiles;
	file_ref *refs = malloc((n ? n : 1) * sizeof *refs);
	uint32_t *pos = malloc((n ? n : 1) * sizeof *pos);
	int32_t *jpos = malloc((k[1]->nfiles ? k[1]->nfiles : 1) * sizeof *jpos);
	klp_index pidx = { 0 };
	int rc = -1;
	if (!refs || !pos || !jpos)
		goto out;
	for (size_t j = 0; j < k[1]->nfiles; j++)
		jpos[j] = -1;
	size_t m = 0;
	for (uint32_t s = 0; s < 2; s++)
		for (uint32_t i = 0; i < k[s]->nfiles; i++)
			refs[m++] = (file_ref){ k[s]->symbols[k[s]->files[i]].name, s, i };
	qsort(refs, n, sizeof *refs, file_ref_cmp);
	size_t na, nb;
	for (size_t i = 0; i < n; i += na + nb) {
		name_group(refs, n, i, pos, &na, &nb);
		if (align_name(c, &pidx, jpos, pos, na, pos + na, nb) != 0)
			goto out;
	}
	align_gaps(c);
	for (size_t i = 0; i < n; i += na + nb) {
		name_group(refs, n, i, pos, &na, &nb);
		align_leftovers(c, pos, na, pos + na, nb);
	}
	rc = 0;
out:
	klp_index_free(&pidx);
	free(refs);
	free(pos);
	free(jpos);
	return rc;
}

/* Pairs FILE symbols in order while their names agree (objtool's way). */
static void align_in_order(corr *c, char *msg, size_t msglen)
{
	const kelf *ka = c->side[0].k, *kb = c->side[1].k;
	size_t n = ka->nfiles > kb->nfiles ? ka->nfiles : kb->nfiles;
	for (size_t i = 0; i < n; i++) {
		const char *a = i < ka->nfiles ? ka->symbols[ka->files[i]].name : NULL;
		const char *b = i < kb->nfiles ? kb->symbols[kb->files[i]].name : NULL;
		if (!a || !b || strcmp(a, b) != 0) {
			snprintf(msg, msglen, "FILE symbol mismatch: %s != %s", a ? a : "NULL", b ? b : "NULL");
			/* One line, whatever bytes the names hold. */
			for (char *p = msg; *p; p++)
				if ((unsigned char)*p < 0x20 || *p == 0x7f)
					*p = '?';
			return;
		}
		pair_files(c, i, i, 0);
	}
}

int corr_align_files(corr *c, int in_order, char *msg, size_t msglen)
{
	if (msglen)
		msg[0] = '\0';
	const kelf *ka = c->side[0].k, *kb = c->side[1].k;
	c->nunits_orig = ka->nfiles + 1 + c->side[0].ntus;
	free(c->map_tu);
	free(c->map_file);
	c->map_tu = calloc(c->nunits_orig, sizeof *c->map_tu);
	c->map_file = calloc(c->nunits_orig, sizeof *c->map_file);
	free(c->file_positional);
	c->file_positional = calloc(ka->nfiles ? ka->nfiles : 1, 1);
	c->analysed = 0;
	if (!c->map_tu || !c->map_file || !c->file_positional)
		return -1;
	for (size_t i = 0; i < ka->nfiles; i++)
		c->side[0].file_pair[i] = CORR_NONE;
	for (size_t j = 0; j < kb->nfiles; j++)
		c->side[1].file_pair[j] = CORR_NONE;
	if (in_order) {
		align_in_order(c, msg, msglen);
		return 0;
	}
	return align_by_name(c);
}
