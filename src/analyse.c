/* analyse: what stays unpaired after the passes: ambiguities (unpaired symbols
 * that still have candidates) and clone changes (foo -> foo.isra.0).
 *
 * Both are counts over groups of unpaired symbols with the same string (key,
 * or base for clone changes) and type: a symbol's candidates are the other
 * side's members of its group in its own FILE or without FILE (all of them
 * when it has no FILE itself).  Sorting each group by FILE makes those counts
 * linear, whatever the size of a group. */
#include "analyse.h"

#include <stdlib.h>
#include <string.h>

#include "forbid.h"
#include "group.h"

#define MAX_CAND 64

/* An unpaired symbol, placed by group, FILE and side. */
typedef struct slot {
	uint32_t gid;
	uint32_t side;
	int64_t file;
	uint32_t index;
	uint32_t count;   /* candidates on the other side */
} slot;

static int slot_cmp(const void *x, const void *y)
{
	const slot *a = x, *b = y;
	if (a->gid != b->gid)
		return a->gid < b->gid ? -1 : 1;
	if (a->file != b->file)
		return a->file < b->file ? -1 : 1;
	if (a->side != b->side)
		return a->side < b->side ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

/* The unpaired symbols grouped by sel and sorted; NULL when out of memory. */
static slot *unpaired_slots(const corr *c, corr_select sel, size_t *n)
{
	size_t total = c->side[0].k->nsymbols + c->side[1].k->nsymbols;
	corr_member *m = malloc((total ? total : 1) * sizeof *m);
	uint32_t *gid = malloc((total ? total : 1) * sizeof *gid);
	slot *v = malloc((total ? total : 1) * sizeof *v);
	size_t k = 0;
	if (!m || !gid || !v)
		goto fail;
	for (uint32_t s = 0; s < 2; s++)
		for (uint32_t i = 1; i < c->side[s].k->nsymbols; i++)
			if (c->side[s].syms[i].twin == CORR_NONE && corr_eligible(c, (int)s, i))
				m[k++] = (corr_member){ i, s };
	if (corr_group(c, m, k, sel, FILE_ANY, gid) < 0)
		goto fail;
	for (size_t i = 0; i < k; i++)
		v[i] = (slot){ gid[i], m[i].side, corr_common_file(c, (int)m[i].side, m[i].index), m[i].index, 0 };
	qsort(v, k, sizeof *v, slot_cmp);
	free(m);
	free(gid);
	*n = k;
	return v;
fail:
	free(m);
	free(gid);
	free(v);
	return NULL;
}

/* Counts, for every slot of the group [g, e), its candidates on the other
 * side: its FILE's run plus the no-FILE run, or the whole group. */
static void count_group(slot *v, size_t g, size_t e)
{
	size_t total[2] = { 0, 0 }, nofile[2] = { 0, 0 };
	for (size_t i = g; i < e; i++) {
		total[v[i].side]++;
		nofile[v[i].side] += v[i].file == -1;
	}
	for (size_t r = g; r < e;) {
		size_t q = r, in[2] = { 0, 0 };
		while (q < e && v[q].file == v[r].file)
			in[v[q++].side]++;
		for (size_t i = r; i < q; i++) {
			uint32_t o = !v[i].side;
			v[i].count = (uint32_t)(v[i].file == -1 ? total[o] : in[o] + nofile[o]);
		}
		r = q;
	}
}

/* Lists up to max candidates of slot x (group [g, e)) into out. */
static size_t list_candidates(const slot *v, size_t g, size_t e, const slot *x, uint32_t *out, size_t max)
{
	size_t n = 0;
	for (size_t i = g; i < e && n < max; i++)
		if (v[i].side != x->side && (x->file == -1 || v[i].file == -1 || v[i].file == x->file))
			out[n++] = v[i].index;
	return n;
}

/* The number of forbidden pairs among a slot's listed candidates. */
static uint32_t forbidden_among(const corr *c, const slot *x, const uint32_t *cand, size_t n)
{
	uint32_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += corr_is_forbidden(c, x->side ? cand[i] : x->index, x->side ? x->index : cand[i]);
	return k;
}

/* Records a slot with candidates as an ambiguity. */
static int add_ambiguity(corr *c, const slot *v, size_t g, size_t e, const slot *x)
{
	uint32_t buf[MAX_CAND];
	size_t n = list_candidates(v, g, e, x, buf, MAX_CAND);
	uint32_t total = x->count;
	if (c->nforbidden) {
		/* Rare: forbidden pairs are few; drop them from the listed ones. */
		uint32_t f = forbidden_among(c, x, buf, n);
		total -= f;
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (!corr_is_forbidden(c, x->side ? buf[i] : x->index, x->side ? x->index : buf[i]))
				buf[k++] = buf[i];
		n = k;
	}
	if (total == 0)
		return 0;
	if (c->namb == c->amb_cap) {
		size_t cap = c->amb_cap ? 2 * c->amb_cap : 16;
		corr_ambiguity *amb = realloc(c->amb, cap * sizeof *amb);
		if (!amb)
			return -1;
		c->amb = amb;
		c->amb_cap = cap;
	}
	uint32_t *cand = malloc((n ? n : 1) * sizeof *cand);
	if (!cand)
		return -1;
	memcpy(cand, buf, n * sizeof *cand);
	c->amb[c->namb++] = (corr_ambiguity){ (int)x->side, x->index, (uint32_t)n, total, cand };
	return 0;
}

/* Records every unpaired symbol that still has candidates, orig then patched,
 * each in symtab order. */
static int find_ambiguities(corr *c)
{
	size_t n;
	slot *v = unpaired_slots(c, SELECT_KEY, &n);
	if (!v)
		return -1;
	for (size_t g = 0; g < n;) {
		size_t e = g;
		while (e < n && v[e].gid == v[g].gid)
			e++;
		count_group(v, g, e);
		for (size_t i = g; i < e; i++)
			if (v[i].count > 0 && add_ambiguity(c, v, g, e, &v[i]) != 0) {
				free(v);
				return -1;
			}
		g = e;
	}
	free(v);
	return 0;
}

static int amb_cmp(const void *x, const void *y)
{
	const corr_ambiguity *a = x, *b = y;
	if (a->side != b->side)
		return a->side < b->side ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

/* Records orig symbols whose only same-base counterpart is an unpaired patched
 * symbol of another key, itself with no other counterpart (a clone kind
 * appeared, vanished or changed). */
static int find_clone_changes(corr *c)
{
	size_t n;
	slot *v = unpaired_slots(c, SELECT_BASE, &n);
	if (!v)
		return -1;
	int rc = 0;
	for (size_t g = 0; g < n && rc == 0;) {
		size_t e = g;
		while (e < n && v[e].gid == v[g].gid)
			e++;
		count_group(v, g, e);
		for (size_t i = g; i < e && rc == 0; i++) {
			uint32_t b;
			if (v[i].side != 0 || v[i].count != 1 || list_candidates(v, g, e, &v[i], &b, 1) != 1)
				continue;
			size_t j = g;
			while (v[j].side != 1 || v[j].index != b)
				j++;
			if (v[j].count != 1 || corr_select_equal(c, 0, v[i].index, 1, b, SELECT_KEY))
				continue;
			corr_clone_change *cc = realloc(c->clones, (c->nclones + 1) * sizeof *cc);
			if (!cc) {
				rc = -1;
				break;
			}
			c->clones = cc;
			cc[c->nclones++] = (corr_clone_change){ v[i].index, b };
		}
		g = e;
	}
	free(v);
	return rc;
}

static int clone_cmp(const void *x, const void *y)
{
	const corr_clone_change *a = x, *b = y;
	return a->orig < b->orig ? -1 : a->orig > b->orig;
}

void corr_clear_analysis(corr *c)
{
	for (size_t i = 0; i < c->namb; i++)
		free(c->amb[i].cand);
	free(c->amb);
	free(c->clones);
	c->amb = NULL;
	c->clones = NULL;
	c->namb = c->nclones = c->amb_cap = 0;
	c->analysed = 0;
}

int corr_analyse(corr *c)
{
	if (c->analysed)
		return 0;
	corr_clear_analysis(c);
	if (find_ambiguities(c) != 0 || find_clone_changes(c) != 0) {
		corr_clear_analysis(c);
		return -1;
	}
	if (c->namb)
		qsort(c->amb, c->namb, sizeof *c->amb, amb_cmp);
	if (c->nclones)
		qsort(c->clones, c->nclones, sizeof *c->clones, clone_cmp);
	c->analysed = 1;
	return 0;
}

size_t corr_candidates(const corr *c, int side, uint32_t i, uint32_t *out, size_t max)
{
	size_t n = 0;
	for (uint32_t j = 1; j < c->side[!side].k->nsymbols; j++) {
		if (c->side[!side].syms[j].twin != CORR_NONE || !corr_eligible(c, !side, j) ||
		    c->side[side].k->symbols[i].type != c->side[!side].k->symbols[j].type ||
		    !corr_file_compatible(c, side, i, j) || !corr_select_equal(c, side, i, !side, j, SELECT_KEY) ||
		    (c->nforbidden && corr_is_forbidden(c, side ? j : i, side ? i : j)))
			continue;
		if (n < max)
			out[n] = j;
		n++;
	}
	return n;
}

int corr_summarise(corr *c, corr_summary *out)
{
	if (corr_analyse(c) != 0)
		return -1;
	memset(out, 0, sizeof *out);
	for (int s = 0; s < 2; s++)
		for (uint32_t i = 1; i < c->side[s].k->nsymbols; i++) {
			const corr_sym *cs = &c->side[s].syms[i];
			if (!corr_eligible(c, s, i)) {
				if (s == 0)
					out->excluded_orig++;
				else
					out->excluded_patched++;
			} else if (cs->twin == CORR_NONE) {
				if (s == 0)
					out->orig_only++;
				else
					out->patched_only++;
			} else if (s == 0) {
				out->pairs++;
				out->positional += corr_evidence_positional((corr_evidence)cs->evidence);
			}
		}
	for (size_t f = 0; c->file_positional && f < c->side[0].k->nfiles; f++)
		out->positional_files += c->file_positional[f] && c->side[0].file_pair[f] != CORR_NONE;
	out->ambiguous = c->namb;
	out->clone_changes = c->nclones;
	return 0;
}
