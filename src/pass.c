/* pass: runs one correlation pass (see corr_pass in corr.h).
 *
 * Candidates are grouped by (string, type, FILE pair) with a hash table, so a
 * pass is linear in the number of unpaired symbols.  A group that is one-to-one
 * pairs at once; otherwise each refinement the pass names is tried in turn, and
 * a pair is made only where the evidence singles out one candidate on both
 * sides.  What is still tied may be paired by position when the counts agree. */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "corr.h"
#include "hash.h"
#include "index.h"

#define UNIT_CONFLICT UINT32_MAX
/* Groups larger than this (orig x patched) are not refined pairwise. */
#define MAX_REFINE_WORK (1u << 20)

typedef struct member {
	uint32_t index;
	uint32_t side;
} member;

/* The FILE a symbol belongs to, in a space shared by both sides: paired files
 * share the orig file's number, unpaired ones get numbers nobody else has. */
static int64_t common_file(const corr *c, int side, uint32_t i)
{
	int32_t f = c->side[side].k->symbols[i].file;
	if (f == KELF_NO_FILE)
		return -1;
	if (side == 0)
		return f;
	int32_t twin = c->side[1].file_pair[f];
	return twin != CORR_NONE ? twin : (int64_t)c->side[0].k->nfiles + f;
}

static uint64_t group_hash(const corr *c, const member *m, corr_indexsel sel, int same_file)
{
	const kelf_symbol *s = &c->side[m->side].k->symbols[m->index];
	uint64_t h = klp_hash_mix(corr_sel_hash(c, (int)m->side, m->index, sel), s->type);
	return same_file ? klp_hash_mix(h, (uint64_t)common_file(c, (int)m->side, m->index)) : h;
}

static int group_equal(const corr *c, const member *a, const member *b, corr_indexsel sel, int same_file)
{
	if (c->side[a->side].k->symbols[a->index].type != c->side[b->side].k->symbols[b->index].type)
		return 0;
	if (same_file && common_file(c, (int)a->side, a->index) != common_file(c, (int)b->side, b->index))
		return 0;
	return corr_sel_equal(c, (int)a->side, a->index, (int)b->side, b->index, sel);
}

/* Gives every member a group id (0..ngroups-1); members share one exactly when
 * their selected strings, types and (if same_file) FILEs are equal. */
static long group_members(const corr *c, const member *m, size_t n, corr_indexsel sel, int same_file,
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
		size_t s = group_hash(c, &m[i], sel, same_file) & (cap - 1);
		while (slot[s] && !group_equal(c, &m[slot[s] - 1], &m[i], sel, same_file))
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

static int passes_filter(const corr *c, int side, uint32_t i, corr_filefilter f)
{
	int has_file = c->side[side].k->symbols[i].file != KELF_NO_FILE;
	return f == FF_ANY || (f == FF_WITH_FILE) == has_file;
}

/* Collects the unpaired eligible symbols of both sides that the pass's filters
 * admit, orig first, each side in symtab order. */
static member *collect(const corr *c, const corr_pass *p, size_t *n)
{
	size_t total = c->side[0].k->nsymbols + c->side[1].k->nsymbols;
	member *m = malloc((total ? total : 1) * sizeof *m);
	if (!m)
		return NULL;
	size_t k = 0;
	for (uint32_t s = 0; s < 2; s++)
		for (uint32_t i = 1; i < c->side[s].k->nsymbols; i++)
			if (c->side[s].syms[i].twin == CORR_NONE && corr_eligible(c, (int)s, i) &&
			    passes_filter(c, (int)s, i, p->filter[s]))
				m[k++] = (member){ i, s };
	*n = k;
	return m;
}

/* Drops numbered symbols whose key group does not hold the same names on both
 * sides.  Compilers number statics per translation unit (GCC with one counter
 * for all of them), so once anything in the group moved, an equal number says
 * nothing about identity; only an untouched group may pair by name. */
static int apply_numbered_guard(const corr *c, member *m, size_t *n)
{
	size_t cnt = *n ? *n : 1;
	uint32_t *by_key = malloc(cnt * sizeof *by_key), *by_name = malloc(cnt * sizeof *by_name);
	long *diff = calloc(cnt, sizeof *diff);
	unsigned char *moved = calloc(cnt, 1);
	int rc = -1;
	if (!by_key || !by_name || !diff || !moved || group_members(c, m, *n, INDEX_KEY, 1, by_key) < 0 ||
	    group_members(c, m, *n, INDEX_NAME, 1, by_name) < 0)
		goto out;
	for (size_t i = 0; i < *n; i++)
		diff[by_name[i]] += m[i].side == 0 ? 1 : -1;
	for (size_t i = 0; i < *n; i++)
		if (diff[by_name[i]] != 0)
			moved[by_key[i]] = 1;
	size_t k = 0;
	for (size_t i = 0; i < *n; i++)
		if (!(c->side[m[i].side].syms[m[i].index].flags & CS_NUMBERED) || !moved[by_key[i]])
			m[k++] = m[i];
	*n = k;
	rc = 0;
out:
	free(by_key);
	free(by_name);
	free(diff);
	free(moved);
	return rc;
}

/* Whether refinement r links orig symbol a with patched symbol b. */
static int refine_match(const corr *c, corr_refine r, uint32_t a, uint32_t b)
{
	const kelf_symbol *sa = &c->side[0].k->symbols[a], *sb = &c->side[1].k->symbols[b];
	switch (r) {
	case REFINE_SIZE:
		return sa->size != 0 && sa->size == sb->size;
	case REFINE_BIND:
		return sa->bind == sb->bind;
	case REFINE_TU: {
		uint32_t ua = c->side[0].syms[a].unit, ub = c->side[1].syms[b].unit;
		if (ua == 0 || ub == 0 || !c->map_tu || ua >= c->nunits_orig)
			return 0;
		int b_is_tu = ub > c->side[1].k->nfiles;
		uint32_t want = b_is_tu ? c->map_tu[ua] : c->map_file[ua];
		return want != 0 && want != UNIT_CONFLICT && want == ub;
	}
	}
	return 0;
}

static corr_evidence refine_evidence(corr_refine r)
{
	switch (r) {
	case REFINE_TU: return EV_TU;
	case REFINE_SIZE: return EV_SIZE;
	default: return EV_BIND;
	}
}

/* Keeps only the still-unpaired entries of a member list. */
static size_t unpaired(const corr *c, int side, uint32_t *v, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (c->side[side].syms[v[i]].twin == CORR_NONE)
			v[k++] = v[i];
	return k;
}

/* Pairs, within one group, each orig and patched symbol that refinement r links
 * to each other and to nothing else in the group. */
static long refine_group(corr *c, const corr_pass *p, corr_refine r, const uint32_t *a, size_t na,
			 const uint32_t *b, size_t nb)
{
	long made = 0;
	for (size_t i = 0; i < na; i++) {
		size_t hits = 0, hit = 0;
		for (size_t j = 0; j < nb && hits < 2; j++)
			if (refine_match(c, r, a[i], b[j])) {
				hits++;
				hit = j;
			}
		if (hits != 1)
			continue;
		size_t back = 0;
		for (size_t k = 0; k < na && back < 2; k++)
			back += refine_match(c, r, a[k], b[hit]);
		if (back == 1 && corr_pair(c, a[i], b[hit], p->rule, refine_evidence(r)) == 0)
			made++;
	}
	return made;
}

/* Resolves a group that is not one-to-one: evidence, then position. */
static long resolve_group(corr *c, const corr_pass *p, uint32_t *a, size_t na, uint32_t *b, size_t nb)
{
	if (na == 0 || nb == 0)
		return 0;
	long made = 0;
	for (size_t r = 0; r < p->nrefine; r++) {
		if ((uint64_t)na * nb > MAX_REFINE_WORK)
			break;
		made += refine_group(c, p, p->refine[r], a, na, b, nb);
		na = unpaired(c, 0, a, na);
		nb = unpaired(c, 1, b, nb);
	}
	if (p->positional && na == nb)
		for (size_t i = 0; i < na; i++)
			made += corr_pair(c, a[i], b[i], p->rule, EV_POSITIONAL) == 0;
	return made;
}

long corr_run_pass(corr *c, const corr_pass *p)
{
	size_t n;
	member *m = collect(c, p, &n);
	uint32_t *gid = NULL, *start = NULL, *order = NULL;
	long made = -1;
	if (!m || (p->numbered_guard && apply_numbered_guard(c, m, &n) != 0))
		goto out;
	gid = malloc((n ? n : 1) * sizeof *gid);
	if (!gid)
		goto out;
	corr_indexsel sel = p->key == KEY_NAME ? INDEX_NAME : INDEX_KEY;
	long ng = group_members(c, m, n, sel, p->same_file, gid);
	if (ng < 0)
		goto out;
	/* Counting sort by (group, side); members were collected side by side in
	 * symtab order, so each group's orig and patched runs stay in that order. */
	size_t nslots = 2 * (size_t)ng;
	start = calloc(nslots + 1, sizeof *start);
	order = malloc((n ? n : 1) * sizeof *order);
	if (!start || !order)
		goto out;
	for (size_t i = 0; i < n; i++)
		start[2 * gid[i] + m[i].side + 1]++;
	for (size_t s = 0; s < nslots; s++)
		start[s + 1] += start[s];
	for (size_t i = 0; i < n; i++)
		order[start[2 * gid[i] + m[i].side]++] = m[i].index;
	/* One-to-one groups first: their pairs teach the unit maps the evidence
	 * that the other groups' refinements then use. */
	made = 0;
	for (size_t g = 0, base = 0; g < (size_t)ng; g++) {
		size_t na = start[2 * g] - base, end = start[2 * g + 1];
		if (na == 1 && end - base == 2)
			made += corr_pair(c, order[base], order[base + 1], p->rule, EV_UNIQUE) == 0;
		base = end;
	}
	for (size_t g = 0, base = 0; g < (size_t)ng; g++) {
		size_t na = start[2 * g] - base, end = start[2 * g + 1];
		if (!(na == 1 && end - base == 2))
			made += resolve_group(c, p, order + base, na, order + base + na, end - base - na);
		base = end;
	}
out:
	free(m);
	free(gid);
	free(start);
	free(order);
	return made;
}

/* Records what a new pair says about translation units: the orig unit of one
 * side corresponds to the patched unit of the other. */
static void learn_units(corr *c, uint32_t a, uint32_t b)
{
	uint32_t ua = c->side[0].syms[a].unit, ub = c->side[1].syms[b].unit;
	if (ua == 0 || ub == 0 || ua >= c->nunits_orig)
		return;
	int b_is_tu = ub > c->side[1].k->nfiles;
	int a_is_file = ua <= c->side[0].k->nfiles;
	if (!b_is_tu && a_is_file)
		return; /* file to file: fixed by FILE alignment */
	uint32_t *slot = b_is_tu ? &c->map_tu[ua] : &c->map_file[ua];
	if (*slot == 0)
		*slot = ub;
	else if (*slot != ub)
		*slot = UNIT_CONFLICT;
}

int corr_pair(corr *c, uint32_t a, uint32_t b, uint16_t rule, corr_evidence ev)
{
	corr_sym *sa = &c->side[0].syms[a], *sb = &c->side[1].syms[b];
	if (sa->twin != CORR_NONE || sb->twin != CORR_NONE || !corr_eligible(c, 0, a) ||
	    !corr_eligible(c, 1, b))
		return -1;
	sa->twin = (int32_t)b;
	sb->twin = (int32_t)a;
	sa->rule = sb->rule = rule;
	sa->evidence = sb->evidence = (uint8_t)ev;
	if (c->map_tu)
		learn_units(c, a, b);
	c->analysed = 0;
	return 0;
}

const char *corr_evidence_name(corr_evidence ev)
{
	static const char *const names[EV_COUNT] = { "unique", "tu", "size", "bind", "positional",
						     "explicit" };
	return ev < EV_COUNT ? names[ev] : "unknown";
}
