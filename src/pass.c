/* pass: runs one correlation pass (see corr_pass in corr.h).
 *
 * Candidates are grouped by (string, type, FILE pair) with a hash table, so a
 * pass is linear in the number of unpaired symbols.  A group that is one-to-one
 * pairs at once; otherwise each refinement the pass names is tried in turn, and
 * a pair is made only where the evidence singles out one candidate on both
 * sides.  What is still tied may be paired by position when the counts agree. */
#include "pass.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "forbid.h"
#include "hash.h"
#include "layout.h"
#include "refine.h"
#include "table.h"
#include "trace.h"

/* Groups larger than this (orig x patched) are not compared pairwise: they
 * are split by their contents first (resolve_by_content). */
#define MAX_REFINE_WORK (1u << 24)

static int passes_filter(const corr *c, int side, uint32_t i, corr_filefilter f)
{
	int has_file = c->side[side].k->symbols[i].file != KELF_NO_FILE;
	return f == FF_ANY || (f == FF_WITH_FILE) == has_file;
}

/* Collects the unpaired eligible symbols of both sides that the pass's filters
 * admit, orig first, each side in symtab order. */
static corr_member *collect(corr *c, const corr_pass *p, size_t *n)
{
	size_t nopen[2];
	const uint32_t *open[2] = { corr_open_symbols(c, 0, &nopen[0]), corr_open_symbols(c, 1, &nopen[1]) };
	corr_member *m = malloc((nopen[0] + nopen[1] + 1) * sizeof *m);
	if (!open[0] || !open[1] || !m) {
		free(m);
		return NULL;
	}
	size_t k = 0;
	for (uint32_t s = 0; s < 2; s++)
		for (size_t j = 0; j < nopen[s]; j++)
			if (passes_filter(c, (int)s, open[s][j], p->filter[s]))
				m[k++] = (corr_member){ open[s][j], s };
	*n = k;
	return m;
}

static int guard_groups(const corr *c, corr_member *m, size_t *n, corr_filemode file);

/* A key hash looked up among members (the numbered guard's set). */
typedef struct key_probe {
	const corr *c;
	const corr_member *m;
	uint64_t hash;
} key_probe;

static int same_key_hash(const void *ctx, uint32_t entry)
{
	const key_probe *p = ctx;
	return p->c->side[p->m[entry].side].syms[p->m[entry].index].key_hash == p->hash;
}

/* Drops numbered symbols whose key group does not hold the same names, with
 * the same contents, on both sides.  Compilers number statics per translation
 * unit (GCC with one counter for all of them), so once anything in the group
 * moved, an equal number says nothing about identity; only an untouched group
 * may pair by name. */
static int apply_numbered_guard(const corr *c, corr_member *m, size_t *n, corr_filemode file)
{
	/* Only key groups holding a numbered symbol matter (their keys go in a
	 * small hash set): the guard costs what the renumberable symbols cost. */
	size_t nkeys = 0;
	for (size_t i = 0; i < *n; i++)
		nkeys += (c->side[m[i].side].syms[m[i].index].flags & CS_NUMBERED) != 0;
	if (nkeys == 0)
		return 0;
	klp_table set;
	if (klp_table_init(&set, nkeys) != 0)
		return -1;
	key_probe kp = { c, m, 0 };
	for (size_t i = 0; i < *n; i++) {
		const corr_sym *cs = &c->side[m[i].side].syms[m[i].index];
		if (!(cs->flags & CS_NUMBERED))
			continue;
		kp.hash = cs->key_hash;
		size_t j = klp_table_probe(&set, kp.hash, same_key_hash, &kp);
		if (!klp_table_found(&set, j))
			klp_table_put(&set, j, (uint32_t)i);
	}
	/* The guard works on a copy of those members; what it drops leaves the
	 * list in place, which keeps symtab order (positional passes need it). */
	corr_member *sub = malloc(*n * sizeof *sub);
	unsigned char *in = calloc(*n, 1);
	size_t nsub = 0;
	int rc = -1;
	if (!sub || !in)
		goto out;
	for (size_t i = 0; i < *n; i++) {
		kp.hash = c->side[m[i].side].syms[m[i].index].key_hash;
		if (klp_table_found(&set, klp_table_probe(&set, kp.hash, same_key_hash, &kp))) {
			in[i] = 1;
			sub[nsub++] = m[i];
		}
	}
	size_t kept = nsub;
	if (guard_groups(c, sub, &kept, file) != 0)
		goto out;
	/* sub[0..kept) are the survivors, in order: walk both lists together. */
	size_t k = 0, s2 = 0;
	for (size_t i = 0; i < *n; i++) {
		if (!in[i]) {
			m[k++] = m[i];
		} else if (s2 < kept && sub[s2].index == m[i].index && sub[s2].side == m[i].side) {
			m[k++] = m[i];
			s2++;
		}
	}
	*n = k;
	rc = 0;
out:
	klp_table_free(&set);
	free(sub);
	free(in);
	return rc;
}

/* The guard proper, over members whose key groups hold numbered symbols. */
static int guard_groups(const corr *c, corr_member *m, size_t *n, corr_filemode file)
{
	size_t cnt = *n ? *n : 1;
	uint32_t *by_key = malloc(cnt * sizeof *by_key), *by_name = malloc(cnt * sizeof *by_name);
	long *diff = calloc(cnt, sizeof *diff);
	int64_t *first = malloc(2 * cnt * sizeof *first);
	unsigned char *moved = calloc(cnt, 1);
	int rc = -1;
	if (!by_key || !by_name || !diff || !first || !moved || corr_group(c, m, *n, SELECT_KEY, file, by_key) < 0 ||
	    corr_group(c, m, *n, SELECT_NAME, file, by_name) < 0)
		goto out;
	for (size_t i = 0; i < 2 * cnt; i++)
		first[i] = -1;
	for (size_t i = 0; i < *n; i++) {
		diff[by_name[i]] += m[i].side == 0 ? 1 : -1;
		first[2 * by_name[i] + m[i].side] = (int64_t)m[i].index;
	}
	/* A name on both sides whose contents differ moved too: the same
	 * number may have passed to another variable (gcc's limit.0/limit.1
	 * trading owners when functions are reordered). */
	for (size_t i = 0; i < *n; i++) {
		int64_t a = first[2 * by_name[i]], b = first[2 * by_name[i] + 1];
		const corr_sym *sa = a >= 0 ? &c->side[0].syms[a] : NULL, *sb = b >= 0 ? &c->side[1].syms[b] : NULL;
		int differs = sa && sb && (sa->flags & CS_DIGEST) && (sb->flags & CS_DIGEST) && sa->digest != sb->digest;
		if (diff[by_name[i]] != 0 || differs)
			moved[by_key[i]] = 1;
	}
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
	free(first);
	free(moved);
	return rc;
}

/* Whether orig a and patched b match at refinement level `level` (-1: the
 * base constraint only). */
static int level_match(const corr *c, const corr_pass *p, long level, uint32_t a, uint32_t b)
{
	if (!corr_base_match(c, p, a, b))
		return 0;
	for (long r = p->cumulative ? 0 : level; r <= level; r++)
		if (r >= 0 && !corr_refine_holds(c, p->refine[r], 0, a, 1, b))
			return 0;
	return 1;
}

/* Keeps only the still-unpaired entries of a corr_member list. */
static size_t unpaired(const corr *c, int side, uint32_t *v, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (c->side[side].syms[v[i]].twin == CORR_NONE)
			v[k++] = v[i];
	return k;
}

/* Pairs, within one group, each orig and patched symbol that match at `level`
 * to each other and to nothing else in the group. */
static long pair_mutual(corr *c, const corr_pass *p, long level, corr_evidence ev, const uint32_t *a,
			size_t na, const uint32_t *b, size_t nb)
{
	long made = 0;
	for (size_t i = 0; i < na; i++) {
		size_t hits = 0, hit = 0;
		for (size_t j = 0; j < nb && hits < 2; j++)
			if (c->side[1].syms[b[j]].twin == CORR_NONE && level_match(c, p, level, a[i], b[j])) {
				hits++;
				hit = j;
			}
		if (hits != 1)
			continue;
		size_t back = 0;
		for (size_t k = 0; k < na && back < 2; k++)
			back += c->side[0].syms[a[k]].twin == CORR_NONE && level_match(c, p, level, a[k], b[hit]);
		if (back == 1 && corr_pair(c, a[i], b[hit], p->rule, ev) == 0)
			made++;
	}
	return made;
}

/* Pairs each orig symbol with the first patched candidate in symtab order. */
static long pair_greedy(corr *c, const corr_pass *p, const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
	long made = 0;
	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++)
			if (c->side[1].syms[b[j]].twin == CORR_NONE && corr_base_match(c, p, a[i], b[j])) {
				made += corr_pair(c, a[i], b[j], p->rule, EV_FIRST) == 0;
				break;
			}
	return made;
}

/* Whether y (either side) is a positional candidate relative to the orig
 * symbol s: same FILE scope, the pass's posmatch, and within the class of s
 * that `within` names (digest: its contents; layout: its gap). */
static int positional_peer(const corr *c, const corr_pass *p, uint32_t s, int side, uint32_t y,
			   const corr_refine *within, size_t nwithin)
{
	if (side == 1 && !corr_base_match(c, p, s, y))
		return 0;
	for (size_t r = 0; r < nwithin; r++) {
		/* A class is one gap on both sides, not just a neighbour in common. */
		int holds = within[r] == REFINE_LAYOUT ? corr_layout_same_gap(c, 0, s, side, y)
						       : corr_refine_holds(c, within[r], 0, s, side, y);
		if (!holds)
			return 0;
	}
	if (side == 0 && p->file == FILE_COMPATIBLE) {
		int32_t f = c->side[0].k->symbols[s].file, g = c->side[0].k->symbols[y].file;
		if (f != KELF_NO_FILE && g != KELF_NO_FILE && f != g)
			return 0;
	}
	for (size_t r = 0; r < p->nposmatch; r++)
		if (!corr_refine_holds(c, p->posmatch[r], 0, s, side, y))
			return 0;
	return 1;
}

/* Whether a class holds only candidates of one content. */
static int within_content(const corr_refine *within, size_t nwithin)
{
	for (size_t r = 0; r < nwithin; r++)
		if (within[r] == REFINE_DIGEST)
			return 1;
	return 0;
}

/* Breaks ties by position: orig s pairs with the patched candidate at s's
 * rank among its orig candidates, when both candidate lists are as long;
 * with `within`, among the candidates of its class only.  Among candidates
 * of one content that no paired symbol uses, the pair is `identical`:
 * either choice gives the same code and the same references. */
static long pair_positional(corr *c, const corr_pass *p, const uint32_t *a, size_t na, const uint32_t *b,
			    size_t nb, const corr_refine *within, size_t nwithin)
{
	long made = 0;
	int content = within_content(within, nwithin);
	for (size_t i = 0; i < na; i++) {
		uint32_t s = a[i];
		if (c->side[0].syms[s].twin != CORR_NONE)
			continue;
		size_t rank = 0, norig = 0, npatched = 0, pick = 0;
		int used = 0;
		for (size_t k = 0; k < na; k++) {
			if (c->side[0].syms[a[k]].twin != CORR_NONE || !positional_peer(c, p, s, 0, a[k], within, nwithin))
				continue;
			if (a[k] == s)
				rank = norig;
			norig++;
			used |= c->side[0].syms[a[k]].flags & CS_VOTED;
		}
		for (size_t j = 0; j < nb; j++) {
			if (c->side[1].syms[b[j]].twin != CORR_NONE || !positional_peer(c, p, s, 1, b[j], within, nwithin))
				continue;
			if (npatched == rank)
				pick = j;
			npatched++;
			used |= c->side[1].syms[b[j]].flags & CS_VOTED;
		}
		corr_evidence ev = content && !used ? EV_IDENTICAL : EV_POSITIONAL;
		if (norig == npatched && norig > 0 && corr_pair(c, s, b[pick], p->rule, ev) == 0)
			made++;
	}
	return made;
}

static long resolve_group(corr *c, const corr_pass *p, uint32_t *a, size_t na, uint32_t *b, size_t nb,
			  corr_evidence base_ev);

/* Whether the pass refines by r. */
static int refines_by(const corr_pass *p, corr_refine r)
{
	for (size_t i = 0; i < p->nrefine; i++)
		if (p->refine[i] == r)
			return 1;
	return 0;
}

/* A member of an oversized group, with the class of its contents. */
typedef struct classed {
	uint64_t key;
	uint32_t index;
	uint32_t side;
} classed;

static int by_class(const void *x, const void *y)
{
	const classed *u = x, *v = y;
	if (u->key != v->key)
		return u->key < v->key ? -1 : 1;
	if (u->side != v->side)
		return u->side < v->side ? -1 : 1;
	return u->index < v->index ? -1 : u->index > v->index; /* symtab order within a side */
}

/* Resolves a group too large to compare pairwise class by class of its
 * contents (ev DIGEST: equal digests; SIZE: equal sizes), each class as a
 * group of its own where the base constraint alone singles a pair out as ev;
 * then what is left, by size after digests, or as a whole once small
 * enough.  Sorting keeps it O(n log n), so no group its contents separate
 * stays tied for its size. */
static long resolve_by_content(corr *c, const corr_pass *p, const uint32_t *a, size_t na, const uint32_t *b,
			       size_t nb, corr_evidence ev)
{
	size_t n = na + nb;
	classed *v = malloc(n * sizeof *v);
	uint32_t *sub = malloc(n * sizeof *sub), *left = malloc(n * sizeof *left);
	long made = 0;
	if (!v || !sub || !left)
		goto out;
	for (size_t i = 0; i < n; i++) {
		int side = i >= na;
		uint32_t s = side ? b[i - na] : a[i];
		const corr_sym *cs = &c->side[side].syms[s];
		uint64_t size = c->side[side].k->symbols[s].size;
		v[i] = (classed){ ev == EV_DIGEST && (cs->flags & CS_DIGEST) ? cs->digest : klp_hash_mix(0x73697aU, size),
				  s, (uint32_t)side };
	}
	qsort(v, n, sizeof *v, by_class);
	for (size_t from = 0, to; from < n; from = to) {
		size_t ka = 0, kb = 0;
		for (to = from; to < n && v[to].key == v[from].key; to++)
			;
		for (size_t i = from; i < to; i++)
			if (v[i].side == 0)
				sub[ka++] = v[i].index;
		for (size_t i = from; i < to; i++)
			if (v[i].side == 1)
				sub[ka + kb++] = v[i].index;
		if (ka && kb && (uint64_t)ka * kb <= MAX_REFINE_WORK)
			made += resolve_group(c, p, sub, ka, sub + ka, kb, ev);
	}
	memcpy(left, a, na * sizeof *a);
	memcpy(left + na, b, nb * sizeof *b);
	size_t la = unpaired(c, 0, left, na), lb = unpaired(c, 1, left + na, nb);
	memmove(left + la, left + na, lb * sizeof *left);
	if (la && lb && (uint64_t)la * lb <= MAX_REFINE_WORK)
		made += resolve_group(c, p, left, la, left + la, lb, EV_UNIQUE);
	else if (la && lb && ev == EV_DIGEST && refines_by(p, REFINE_SIZE))
		made += resolve_by_content(c, p, left, la, left + la, lb, EV_SIZE);
out:
	free(v);
	free(sub);
	free(left);
	return made;
}

/* Resolves a group that is not one-to-one: the base constraint alone (a
 * pair it singles out has evidence base_ev), each refinement, then greedy
 * or positional pairing as the pass says.  A group too large to compare
 * pairwise goes by its contents, where the pass refines by them. */
static long resolve_group(corr *c, const corr_pass *p, uint32_t *a, size_t na, uint32_t *b, size_t nb,
			  corr_evidence base_ev)
{
	if (na == 0 || nb == 0)
		return 0;
	if ((uint64_t)na * nb > MAX_REFINE_WORK) {
		if (base_ev != EV_DIGEST && refines_by(p, REFINE_DIGEST))
			return resolve_by_content(c, p, a, na, b, nb, EV_DIGEST);
		if (base_ev != EV_SIZE && refines_by(p, REFINE_SIZE))
			return resolve_by_content(c, p, a, na, b, nb, EV_SIZE);
		return 0;
	}
	long made = pair_mutual(c, p, -1, base_ev, a, na, b, nb);
	for (size_t r = 0; r < p->nrefine; r++)
		made += pair_mutual(c, p, (long)r, corr_refine_evidence(p->refine[r]), a, na, b, nb);
	if (p->greedy)
		made += pair_greedy(c, p, a, na, b, nb);
	/* Position decides within the pass's classes first (the default: equal
	 * contents in one gap, equal contents, one gap), then among all. */
	for (size_t w = 0; p->positional && w <= p->nwithin; w++) {
		size_t nw = w < p->nwithin ? p->within_len[w] : 0;
		made += pair_positional(c, p, a, unpaired(c, 0, a, na), b, unpaired(c, 1, b, nb),
					w < p->nwithin ? p->within[w] : NULL, nw);
	}
	return made;
}

/* Records, for each watched corr_member of a group, what the pass saw and did. */
static void trace_group(corr *c, const corr_pass *p, const uint32_t *a, size_t na, const uint32_t *b,
			size_t nb)
{
	for (int side = 0; side < 2; side++) {
		const uint32_t *mine = side ? b : a, *theirs = side ? a : b;
		size_t nmine = side ? nb : na, ntheirs = side ? na : nb;
		for (size_t i = 0; i < nmine; i++) {
			const corr_sym *cs = &c->side[side].syms[mine[i]];
			if (!(cs->flags & CS_WATCHED))
				continue;
			corr_outcome out = cs->twin != CORR_NONE ? OUT_PAIRED : ntheirs ? OUT_TIED : OUT_NO_CANDIDATE;
			corr_trace(c, p->rule, side, mine[i], out, theirs, ntheirs);
		}
	}
}

/* Records watched symbols a pass did not consider (filtered or guarded). */
static void trace_left_out(corr *c, const corr_pass *p, const corr_member *m, size_t n, corr_outcome out)
{
	for (int s = 0; s < 2; s++)
		for (uint32_t i = 1; i < c->side[s].k->nsymbols; i++) {
			const corr_sym *cs = &c->side[s].syms[i];
			if (!(cs->flags & CS_WATCHED) || cs->twin != CORR_NONE || !corr_eligible(c, s, i))
				continue;
			int found = 0;
			for (size_t k = 0; k < n && !found; k++)
				found = m[k].side == (uint32_t)s && m[k].index == i;
			if (!found)
				corr_trace(c, p->rule, s, i, out, NULL, 0);
		}
}

/* Whether the pass refines, matches or ranks by layout. */
static int uses_layout(const corr_pass *p)
{
	int any = refines_by(p, REFINE_LAYOUT);
	for (size_t r = 0; r < p->nposmatch; r++)
		any |= p->posmatch[r] == REFINE_LAYOUT;
	for (size_t w = 0; w < p->nwithin; w++)
		for (size_t r = 0; r < p->within_len[w]; r++)
			any |= p->within[w][r] == REFINE_LAYOUT;
	return any;
}

long corr_run_pass(corr *c, const corr_pass *p)
{
	size_t n;
	corr_member *m = collect(c, p, &n);
	uint32_t *gid = NULL, *start = NULL, *order = NULL;
	long made = -1;
	if (!m)
		goto out;
	if (uses_layout(p) && corr_layout_update(c) != 0)
		goto out;
	if (c->watching)
		trace_left_out(c, p, m, n, OUT_FILTERED);
	if (p->numbered_guard) {
		if (apply_numbered_guard(c, m, &n, p->file) != 0)
			goto out;
		if (c->watching)
			trace_left_out(c, p, m, n, OUT_GUARDED);
	}
	gid = malloc((n ? n : 1) * sizeof *gid);
	if (!gid)
		goto out;
	corr_select sel = p->key == KEY_NAME ? SELECT_NAME : SELECT_KEY;
	long ng = corr_group(c, m, n, sel, p->file, gid);
	if (ng < 0)
		goto out;
	/* Counting sort by (group, side); corr_members were collected side by side in
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
		if (na == 1 && end - base == 2 && corr_base_match(c, p, order[base], order[base + 1]))
			made += corr_pair(c, order[base], order[base + 1], p->rule, EV_UNIQUE) == 0;
		base = end;
	}
	for (size_t g = 0, base = 0; g < (size_t)ng; g++) {
		size_t na = start[2 * g] - base, end = start[2 * g + 1];
		made += resolve_group(c, p, order + base, na, order + base + na, end - base - na, EV_UNIQUE);
		if (c->watching)
			trace_group(c, p, order + base, na, order + base + na, end - base - na);
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
	else if (*slot != ub && !c->tu_first_wins)
		*slot = CORR_UNIT_CONFLICT;
}

int corr_pair(corr *c, uint32_t a, uint32_t b, uint16_t rule, corr_evidence ev)
{
	corr_sym *sa = &c->side[0].syms[a], *sb = &c->side[1].syms[b];
	if (sa->twin != CORR_NONE || sb->twin != CORR_NONE || !corr_eligible(c, 0, a) ||
	    !corr_eligible(c, 1, b) || (c->nforbidden && corr_is_forbidden(c, a, b)))
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
