/* analyse: what stays unpaired after the passes: ambiguities (unpaired symbols
 * that still have candidates) and clone changes (foo -> foo.isra.0). */
#include <stdlib.h>
#include <string.h>

#include "corr.h"
#include "index.h"

/* Whether j (other side) is an open candidate for i under selector sel. */
static int open_candidate(const corr *c, int side, uint32_t i, uint32_t j, corr_indexsel sel)
{
	if (c->nforbidden && corr_is_forbidden(c, side ? j : i, side ? i : j))
		return 0;
	return c->side[!side].syms[j].twin == CORR_NONE && corr_eligible(c, !side, j) &&
	       c->side[side].k->symbols[i].type == c->side[!side].k->symbols[j].type &&
	       corr_file_compatible(c, side, i, j) && corr_sel_equal(c, side, i, !side, j, sel);
}

size_t corr_candidates(const corr *c, int side, uint32_t i, uint32_t *out, size_t max)
{
	size_t n = 0;
	for (uint32_t j = 1; j < c->side[!side].k->nsymbols; j++)
		if (open_candidate(c, side, i, j, INDEX_KEY)) {
			if (n < max)
				out[n] = j;
			n++;
		}
	return n;
}

/* Candidates of i found through an index of the other side. */
static size_t indexed_candidates(const corr *c, const corr_index *other, int side, uint32_t i,
				 corr_indexsel sel, uint32_t *out, size_t max)
{
	size_t n = 0;
	for (uint32_t j = corr_index_first(other, corr_sel_hash(c, side, i, sel)); j != CORR_INDEX_END;
	     j = corr_index_next(other, j))
		if (open_candidate(c, side, i, j, sel)) {
			if (n < max)
				out[n] = j;
			n++;
		}
	return n;
}

/* Records every unpaired symbol of one side that still has candidates. */
static int find_ambiguities(corr *c, int side, const corr_index *other, uint32_t *buf, size_t max)
{
	for (uint32_t i = 1; i < c->side[side].k->nsymbols; i++) {
		if (c->side[side].syms[i].twin != CORR_NONE || !corr_eligible(c, side, i))
			continue;
		size_t n = indexed_candidates(c, other, side, i, INDEX_KEY, buf, max);
		if (n == 0)
			continue;
		if (n > max)
			n = max;
		corr_ambiguity *amb = c->amb;
		if (c->namb == c->amb_cap) {
			size_t cap = c->amb_cap ? 2 * c->amb_cap : 16;
			if (!(amb = realloc(c->amb, cap * sizeof *amb)))
				return -1;
			c->amb = amb;
			c->amb_cap = cap;
		}
		amb[c->namb].side = side;
		amb[c->namb].index = i;
		amb[c->namb].ncand = (uint32_t)n;
		amb[c->namb].cand = malloc(n * sizeof *buf);
		if (!amb[c->namb].cand)
			return -1;
		memcpy(amb[c->namb].cand, buf, n * sizeof *buf);
		c->namb++;
	}
	return 0;
}

/* Records orig symbols whose only same-base counterpart is an unpaired patched
 * symbol of another key (a clone kind appeared, vanished or changed). */
static int find_clone_changes(corr *c, const corr_index *pbase, const corr_index *obase)
{
	for (uint32_t a = 1; a < c->side[0].k->nsymbols; a++) {
		if (c->side[0].syms[a].twin != CORR_NONE || !corr_eligible(c, 0, a))
			continue;
		uint32_t b, back[2];
		if (indexed_candidates(c, pbase, 0, a, INDEX_BASE, &b, 1) != 1 ||
		    indexed_candidates(c, obase, 1, b, INDEX_BASE, back, 2) != 1 ||
		    corr_sel_equal(c, 0, a, 1, b, INDEX_KEY))
			continue;
		corr_clone_change *cc = realloc(c->clones, (c->nclones + 1) * sizeof *cc);
		if (!cc)
			return -1;
		c->clones = cc;
		cc[c->nclones++] = (corr_clone_change){ a, b };
	}
	return 0;
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
	enum { MAX_CAND = 64 };
	uint32_t buf[MAX_CAND];
	corr_index key[2] = { { 0 } }, base[2] = { { 0 } };
	int rc = -1;
	for (int s = 0; s < 2; s++)
		if (corr_index_build(&key[s], c, s, INDEX_KEY) != 0 ||
		    corr_index_build(&base[s], c, s, INDEX_BASE) != 0)
			goto out;
	if (find_ambiguities(c, 0, &key[1], buf, MAX_CAND) != 0 ||
	    find_ambiguities(c, 1, &key[0], buf, MAX_CAND) != 0 ||
	    find_clone_changes(c, &base[1], &base[0]) != 0)
		goto out;
	c->analysed = 1;
	rc = 0;
out:
	for (int s = 0; s < 2; s++) {
		corr_index_free(&key[s]);
		corr_index_free(&base[s]);
	}
	return rc;
}
