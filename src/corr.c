/* corr: correlator state, keys, exclusions and FILE alignment (see corr.h).
 * The pass engine lives in pass.c, the final analysis in analyse.c. */
#include "corr.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "index.h"
#include "strutil.h"

/* Strings the correlator owns (keys, bases) live in blocks that never move. */
struct corr_arena_block {
	corr_arena_block *next;
	size_t used, cap;
	char data[];
};

/* Copies a string into the arena; returns NULL when out of memory. */
static const char *arena_copy(corr *c, const char *s, size_t len)
{
	corr_arena_block *b = c->arena;
	if (!b || b->cap - b->used < len + 1) {
		size_t cap = len + 1 > 65536 ? len + 1 : 65536;
		b = malloc(sizeof *b + cap);
		if (!b)
			return NULL;
		b->next = c->arena;
		b->used = 0;
		b->cap = cap;
		c->arena = b;
	}
	char *out = b->data + b->used;
	memcpy(out, s, len);
	out[len] = '\0';
	b->used += len + 1;
	return out;
}

/* Initialises one side: every key and base starts as the symbol's name. */
static int side_init(corr_side *sd, kelf *k)
{
	sd->k = k;
	sd->syms = calloc(k->nsymbols ? k->nsymbols : 1, sizeof *sd->syms);
	sd->file_pair = malloc((k->nfiles ? k->nfiles : 1) * sizeof *sd->file_pair);
	if (!sd->syms || !sd->file_pair)
		return -1;
	for (size_t i = 0; i < k->nfiles; i++)
		sd->file_pair[i] = CORR_NONE;
	for (size_t i = 0; i < k->nsymbols; i++) {
		const kelf_symbol *s = &k->symbols[i];
		corr_sym *cs = &sd->syms[i];
		cs->key = cs->base = s->name;
		cs->key_len = cs->base_len = s->name_len;
		cs->key_hash = cs->base_hash = s->hash;
		cs->twin = CORR_NONE;
		cs->parent = CORR_NONE;
		cs->unit = s->file == KELF_NO_FILE ? 0 : (uint32_t)s->file + 1;
	}
	return 0;
}

corr *corr_new(kelf *orig, kelf *patched)
{
	corr *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	if (side_init(&c->side[0], orig) != 0 || side_init(&c->side[1], patched) != 0) {
		corr_free(c);
		return NULL;
	}
	return c;
}

void corr_free(corr *c)
{
	if (!c)
		return;
	corr_clear_analysis(c);
	for (int s = 0; s < 2; s++) {
		free(c->side[s].syms);
		free(c->side[s].file_pair);
		free(c->side[s].tu_names);
		free(c->side[s].tu_slots);
		free(c->side[s].open);
		if (c->side[s].names)
			corr_index_free(c->side[s].names);
		free(c->side[s].names);
		free(c->side[s].by_section);
		free(c->side[s].section_start);
	}
	free(c->map_tu);
	free(c->map_file);
	free(c->file_positional);
	free(c->forbidden);
	corr_free_events(c);
	for (size_t i = 0; i < c->nrules; i++)
		free(c->rules[i]);
	free(c->rules);
	while (c->arena) {
		corr_arena_block *next = c->arena->next;
		free(c->arena);
		c->arena = next;
	}
	free(c);
}

int corr_rule_id(corr *c, const char *name)
{
	for (size_t i = 0; i < c->nrules; i++)
		if (strcmp(c->rules[i], name) == 0)
			return (int)i;
	if (c->nrules >= UINT16_MAX)
		return -1;
	char **r = realloc(c->rules, (c->nrules + 1) * sizeof *r);
	if (!r)
		return -1;
	c->rules = r;
	r[c->nrules] = strdup(name);
	if (!r[c->nrules])
		return -1;
	return (int)c->nrules++;
}

/* Returns the TU unit of a suffix on one side, interning it on first sight in
 * an open-addressing table (a vmlinux.o has thousands of ThinLTO modules). */
static int tu_unit(corr *c, corr_side *sd, const char *tu, size_t len, uint32_t *unit)
{
	if (2 * (sd->ntus + 1) > sd->tu_cap) {
		size_t cap = sd->tu_cap ? 2 * sd->tu_cap : 256;
		char **names = realloc(sd->tu_names, cap / 2 * sizeof *names);
		uint32_t *slots = calloc(cap, sizeof *slots);
		if (!names || !slots) {
			free(slots);
			if (names)
				sd->tu_names = names;
			return -1;
		}
		sd->tu_names = names;
		for (uint32_t i = 0; i < sd->ntus; i++) {
			size_t j = klp_hash(names[i], strlen(names[i])) & (cap - 1);
			while (slots[j])
				j = (j + 1) & (cap - 1);
			slots[j] = i + 1;
		}
		free(sd->tu_slots);
		sd->tu_slots = slots;
		sd->tu_cap = cap;
	}
	size_t j = klp_hash(tu, len) & (sd->tu_cap - 1);
	for (; sd->tu_slots[j]; j = (j + 1) & (sd->tu_cap - 1)) {
		const char *name = sd->tu_names[sd->tu_slots[j] - 1];
		if (strncmp(name, tu, len) == 0 && name[len] == '\0') {
			*unit = (uint32_t)sd->k->nfiles + sd->tu_slots[j];
			return 0;
		}
	}
	const char *copy = arena_copy(c, tu, len);
	if (!copy)
		return -1;
	sd->tu_names[sd->ntus++] = (char *)copy;
	sd->tu_slots[j] = sd->ntus;
	*unit = (uint32_t)sd->k->nfiles + sd->ntus;
	return 0;
}

/* The TU suffix of a symbol, or NULL. */
const char *corr_tu_name(const corr *c, int side, uint32_t i)
{
	const corr_side *sd = &c->side[side];
	const corr_sym *cs = &sd->syms[i];
	return (cs->flags & CS_TU) ? sd->tu_names[cs->unit - sd->k->nfiles - 1] : NULL;
}

/* Gives symbol i the key result r (strings already owned by the arena). */
static int apply_key(corr *c, int side, uint32_t i, const corr_keyresult *r)
{
	corr_side *sd = &c->side[side];
	corr_sym *cs = &sd->syms[i];
	if (r->key) {
		cs->key = r->key;
		cs->key_len = (uint32_t)r->key_len;
		cs->key_hash = klp_hash(r->key, r->key_len);
	}
	if (r->base) {
		cs->base = r->base;
		cs->base_len = (uint32_t)r->base_len;
		cs->base_hash = klp_hash(r->base, r->base_len);
	} else {
		cs->base = cs->key;
		cs->base_len = cs->key_len;
		cs->base_hash = cs->key_hash;
	}
	if (r->tu) {
		if (tu_unit(c, sd, r->tu, r->tu_len, &cs->unit) != 0)
			return -1;
		cs->flags |= CS_TU;
	}
	if (r->numbered)
		cs->flags |= CS_NUMBERED;
	if (r->excluded) {
		cs->flags |= CS_EXCLUDED;
		sd->open_stale = 1;
	}
	return 0;
}

/* The key result already given to symbol i (to reuse it for the same name). */
static corr_keyresult key_of(const corr *c, int side, uint32_t i)
{
	const kelf_symbol *s = &c->side[side].k->symbols[i];
	const corr_sym *cs = &c->side[side].syms[i];
	corr_keyresult r = { 0 };
	if (cs->key != s->name) {
		r.key = cs->key;
		r.key_len = cs->key_len;
	}
	if (cs->base != cs->key) {
		r.base = cs->base;
		r.base_len = cs->base_len;
	}
	r.tu = corr_tu_name(c, side, i);
	r.tu_len = r.tu ? strlen(r.tu) : 0;
	r.numbered = (cs->flags & CS_NUMBERED) != 0;
	r.excluded = (cs->flags & CS_EXCLUDED) != 0;
	return r;
}

int corr_own_key(corr *c, corr_keyresult *r)
{
	if (r->key && !(r->key = arena_copy(c, r->key, r->key_len)))
		return -1;
	if (r->base && !(r->base = arena_copy(c, r->base, r->base_len)))
		return -1;
	if (r->tu && !(r->tu = arena_copy(c, r->tu, r->tu_len)))
		return -1;
	return 0;
}

size_t corr_key_memo_slots(const corr *c)
{
	size_t total = c->side[0].k->nsymbols + c->side[1].k->nsymbols, cap = 16;
	while (cap < 2 * total)
		cap <<= 1;
	return cap;
}

int corr_assign_keys(corr *c, const char *const *contains, const char *const *prefixes, corr_keyfn fn,
		     void *ud, uint32_t *memo, size_t cap)
{
	/* Memo: (name, type) -> first symbol (side in the top bit) that was keyed. */
	memset(memo, 0xff, cap * sizeof *memo);
	c->analysed = 0;
	int rc = 0;
	for (int s = 0; s < 2 && rc == 0; s++) {
		const kelf *k = c->side[s].k;
		for (uint32_t i = 1; i < k->nsymbols && rc == 0; i++) {
			const kelf_symbol *sym = &k->symbols[i];
			if (!corr_eligible(c, s, i) ||
			    (!klp_contains_any(sym->name, contains) && !klp_has_prefix(sym->name, prefixes)))
				continue;
			size_t j = sym->hash & (cap - 1);
			for (; memo[j] != UINT32_MAX; j = (j + 1) & (cap - 1)) {
				int ms = (int)(memo[j] >> 31);
				const kelf_symbol *m = &c->side[ms].k->symbols[memo[j] & 0x7fffffffu];
				if (m->hash == sym->hash && m->type == sym->type && m->name_len == sym->name_len &&
				    memcmp(m->name, sym->name, sym->name_len) == 0)
					break;
			}
			corr_keyresult r;
			if (memo[j] != UINT32_MAX) {
				r = key_of(c, (int)(memo[j] >> 31), memo[j] & 0x7fffffffu);
			} else {
				if ((rc = fn(ud, sym->name, sym->name_len, sym->type, &r)) != 0)
					break;
				memo[j] = ((uint32_t)s << 31) | i;
			}
			rc = apply_key(c, s, i, &r);
		}
	}
	return rc;
}

void corr_exclude(corr *c, int side, uint32_t i)
{
	if (c->side[side].syms[i].twin != CORR_NONE)
		return; /* a pair stands; exclusions come before passes */
	c->side[side].syms[i].flags |= CS_EXCLUDED;
	c->side[side].open_stale = 1;
	c->analysed = 0;
}

int corr_file_compatible(const corr *c, int side, uint32_t i, uint32_t j)
{
	int32_t f = c->side[side].k->symbols[i].file;
	int32_t g = c->side[!side].k->symbols[j].file;
	if (f == KELF_NO_FILE || g == KELF_NO_FILE)
		return 1;
	return c->side[side].file_pair[f] == g;
}

/* Whether a symbol is what kallsyms lists for a live patch: defined, FUNC or OBJECT. */
static int kallsyms_like(const kelf_symbol *s)
{
	return s->shndx != 0 && (s->type == STT_FUNC || s->type == STT_OBJECT);
}

int corr_same_named(corr *c, int side, uint32_t i, int by_address, uint32_t *rank, uint32_t *count)
{
	corr_side *sd = &c->side[side];
	if (!sd->names) {
		sd->names = calloc(1, sizeof *sd->names);
		if (!sd->names || corr_index_build_names(sd->names, c, side) != 0) {
			free(sd->names);
			sd->names = NULL;
			return -1;
		}
	}
	const kelf_symbol *me = &sd->k->symbols[i];
	*rank = 1;
	*count = 0;
	for (uint32_t j = corr_index_first(sd->names, me->hash); j != CORR_INDEX_END; j = corr_index_next(sd->names, j)) {
		const kelf_symbol *s = &sd->k->symbols[j];
		if (s->hash != me->hash || s->name_len != me->name_len || memcmp(s->name, me->name, me->name_len) != 0 ||
		    !kallsyms_like(s))
			continue;
		(*count)++;
		if (j != i && (by_address ? s->value < me->value || (s->value == me->value && j < i) : j < i))
			(*rank)++;
	}
	return 0;
}

const uint32_t *corr_open_symbols(corr *c, int side, size_t *n)
{
	corr_side *sd = &c->side[side];
	if (!sd->open || sd->open_stale) {
		free(sd->open);
		sd->open = malloc((sd->k->nsymbols ? sd->k->nsymbols : 1) * sizeof *sd->open);
		if (!sd->open)
			return NULL;
		sd->nopen = 0;
		for (uint32_t i = 1; i < sd->k->nsymbols; i++)
			if (sd->syms[i].twin == CORR_NONE && corr_eligible(c, side, i))
				sd->open[sd->nopen++] = i;
		sd->open_stale = 0;
	} else {
		size_t k = 0;
		for (size_t j = 0; j < sd->nopen; j++)
			if (sd->syms[sd->open[j]].twin == CORR_NONE)
				sd->open[k++] = sd->open[j];
		sd->nopen = k;
	}
	*n = sd->nopen;
	return sd->open;
}

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
static int collect_hits(const corr *c, const corr_index *pidx, const int32_t *jpos, const uint32_t *fa,
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
			uint32_t b = corr_index_first(pidx, c->side[0].syms[a].key_hash);
			for (; b != CORR_INDEX_END && nj <= MAX_KEY_FILES && steps < MAX_CHAIN_STEPS;
			     b = corr_index_next(pidx, b), steps++) {
				int32_t g = kb->symbols[b].file;
				if (g == KELF_NO_FILE || jpos[g] < 0 || !corr_sel_equal(c, 0, (uint32_t)a, 1, b, INDEX_KEY))
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

/* Pairs the FILE symbols of one name that occurs na times in orig and nb in
 * patched.  Once on each side: by name.  Otherwise by the local keys their
 * blocks share, best first (ties broken by position are marked so); the rest
 * is left to link order (align_gaps) and the last resort (align_leftovers). */
static int align_name(corr *c, corr_index *pidx, int32_t *jpos, const uint32_t *fa, size_t na,
		      const uint32_t *fb, size_t nb)
{
	if (na == 1 && nb == 1) {
		pair_files(c, fa[0], fb[0], 0);
		return 0;
	}
	if (na == 0 || nb == 0)
		return 0;
	/* The key index of the patched side, built for the first repeated name. */
	if (!pidx->head && corr_index_build_locals(pidx, c, 1) != 0)
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
	corr_index pidx = { 0 };
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
	corr_index_free(&pidx);
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
