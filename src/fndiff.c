/* fndiff: aligning two listings of a function (fndiff.h). */
#include "fndiff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One step of the edit script. */
enum { KEEP, DEL, INS };
typedef struct step {
	int32_t a, b; /* KEEP: both; DEL: a; INS: b */
	uint8_t kind;
} step;

typedef struct script {
	step *v;
	size_t n, cap;
} script;

static int push(script *s, uint8_t kind, int32_t a, int32_t b)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		step *more = realloc(s->v, cap * sizeof *more);
		if (!more)
			return -1;
		s->v = more;
		s->cap = cap;
	}
	s->v[s->n++] = (step){ a, b, kind };
	return 0;
}

static int same(const klp_listing *a, const klp_listing *b, size_t i, size_t j)
{
	return a->lines[i].ident == b->lines[j].ident;
}

/* Myers' shortest edit script of a[lo_a, hi_a) and b[lo_b, hi_b), appended
 * to s in order.  Returns 1 when it needs more than max edits (nothing is
 * appended), 0 done, -1 out of memory.  V of every round d is kept (d^2
 * entries in all) to walk the path back. */
static int myers(const klp_listing *A, const klp_listing *B, int32_t lo_a, int32_t hi_a, int32_t lo_b, int32_t hi_b,
		 int32_t max, script *s)
{
	int32_t n = hi_a - lo_a, m = hi_b - lo_b;
	int32_t limit = n + m < max ? n + m : max;
	int32_t *trace = NULL;
	size_t cap = 0;
	int32_t found = -1;
	for (int32_t d = 0; d <= limit && found < 0; d++) {
		size_t need = (size_t)(d + 1) * (size_t)(d + 1);
		if (need > cap) {
			size_t more_cap = cap ? 2 * cap : 1024;
			while (more_cap < need)
				more_cap *= 2;
			int32_t *more = realloc(trace, more_cap * sizeof *more);
			if (!more) {
				free(trace);
				return -1;
			}
			trace = more;
			cap = more_cap;
		}
		int32_t *v = trace + (size_t)d * (size_t)d;                /* v[k + d], k in [-d, d] */
		const int32_t *p = d ? trace + (size_t)(d - 1) * (size_t)(d - 1) : NULL; /* p[k + d - 1] */
		for (int32_t k = -d; k <= d; k += 2) {
			int32_t x;
			if (d == 0)
				x = 0;
			else if (k == -d || (k != d && p[k - 1 + d - 1] < p[k + 1 + d - 1]))
				x = p[k + 1 + d - 1];
			else
				x = p[k - 1 + d - 1] + 1;
			int32_t y = x - k;
			while (x < n && y < m && same(A, B, (size_t)(lo_a + x), (size_t)(lo_b + y)))
				x++, y++;
			v[k + d] = x;
			if (x >= n && y >= m) {
				found = d;
				break;
			}
		}
	}
	if (found < 0) {
		free(trace);
		return 1;
	}
	/* Walk back from (n, m), writing the steps backwards. */
	size_t first = s->n;
	int32_t x = n, y = m;
	for (int32_t d = found; d > 0; d--) {
		const int32_t *p = trace + (size_t)(d - 1) * (size_t)(d - 1);
		int32_t k = x - y;
		int down = k == -d || (k != d && p[k - 1 + d - 1] < p[k + 1 + d - 1]);
		int32_t pk = down ? k + 1 : k - 1;
		int32_t px = p[pk + d - 1], py = px - pk;
		int32_t mx = down ? px : px + 1;
		while (x > mx) {
			x--, y--;
			if (push(s, KEEP, lo_a + x, lo_b + y) != 0)
				goto nomem;
		}
		if (push(s, down ? INS : DEL, down ? -1 : lo_a + px, down ? lo_b + py : -1) != 0)
			goto nomem;
		x = px, y = py;
	}
	while (x > 0) {
		x--, y--;
		if (push(s, KEEP, lo_a + x, lo_b + y) != 0)
			goto nomem;
	}
	free(trace);
	for (size_t i = first, j = s->n; i + 1 < j; i++, j--) {
		step t = s->v[i];
		s->v[i] = s->v[j - 1];
		s->v[j - 1] = t;
	}
	return 0;
nomem:
	free(trace);
	return -1;
}

/* The whole edit script: common ends kept, Myers on the middle, or the
 * middle as one replacement when it is too long. */
static int edit_script(const klp_listing *a, const klp_listing *b, script *s, int *truncated)
{
	int32_t na = (int32_t)a->nlines, nb = (int32_t)b->nlines;
	int32_t pre = 0, suf = 0;
	while (pre < na && pre < nb && same(a, b, (size_t)pre, (size_t)pre))
		pre++;
	while (suf < na - pre && suf < nb - pre && same(a, b, (size_t)(na - 1 - suf), (size_t)(nb - 1 - suf)))
		suf++;
	for (int32_t i = 0; i < pre; i++)
		if (push(s, KEEP, i, i) != 0)
			return -1;
	int32_t ha = na - suf, hb = nb - suf;
	int rc = pre < ha && pre < hb ? myers(a, b, pre, ha, pre, hb, KLP_DIFF_MAX_EDITS, s) : 1;
	if (rc < 0)
		return -1;
	if (rc > 0) {
		*truncated = pre < ha && pre < hb;
		for (int32_t i = pre; i < ha; i++)
			if (push(s, DEL, i, -1) != 0)
				return -1;
		for (int32_t j = pre; j < hb; j++)
			if (push(s, INS, -1, j) != 0)
				return -1;
	}
	for (int32_t i = 0; i < suf; i++)
		if (push(s, KEEP, ha + i, hb + i) != 0)
			return -1;
	return 0;
}

/* Whether two lines may pair in a pass. */
typedef int (*match_fn)(const klp_line *x, const klp_line *y);

static int same_shape(const klp_line *x, const klp_line *y)
{
	return x->shape == y->shape;
}

static int same_mnemonic(const klp_line *x, const klp_line *y)
{
	return x->mnemonic == y->mnemonic;
}

static int any_line(const klp_line *x, const klp_line *y)
{
	(void)x, (void)y;
	return 1;
}

/* A block of changes: orig lines [i0, i1) removed, patched [j0, j1) added. */
typedef struct block {
	int32_t i0, i1, j0, j1;
} block;

/* Pairs, between the pairs already made, the unpaired removed and added
 * lines of a block for which match holds, in order and never crossing (each
 * removed line looks at most 64 added lines ahead). */
static void pair_block(const klp_listing *a, const klp_listing *b, block k, int32_t *map_a, int32_t *map_b,
		       uint8_t *why_a, match_fn match, uint8_t why)
{
	int32_t j = k.j0;
	for (int32_t i = k.i0; i < k.i1; i++) {
		if (map_a[i] >= 0) {
			j = map_a[i] + 1;
			continue;
		}
		for (int32_t t = j; t < k.j1 && t - j < 64; t++) {
			if (map_b[t] >= 0)
				break; /* a later removed line's partner: pairing past it would cross */
			if (match(&a->lines[i], &b->lines[t])) {
				map_a[i] = t;
				map_b[t] = i;
				why_a[i] = why;
				j = t + 1;
				break;
			}
		}
	}
}

/* Whether the local references of kept lines i (orig) and j (patched)
 * reach each other's twins. */
static int locals_agree(const klp_listing *a, const klp_listing *b, size_t i, size_t j, const int32_t *map_a)
{
	const klp_line *x = &a->lines[i], *y = &b->lines[j];
	if (x->local == KLP_LOCAL_NONE && y->local == KLP_LOCAL_NONE)
		return 1;
	if (x->local == KLP_LOCAL_INSIDE || y->local == KLP_LOCAL_INSIDE)
		return x->local == y->local && x->local_offset == y->local_offset;
	if (x->local < 0 || y->local < 0)
		return 0;
	return map_a[x->local] == y->local;
}

static int add_row(klp_diff *d, size_t *cap, char op, int32_t la, int32_t lb, int32_t pair, uint8_t why)
{
	if (d->nrows == *cap) {
		size_t c = *cap ? 2 * *cap : 256;
		klp_diff_row *more = realloc(d->rows, c * sizeof *more);
		if (!more)
			return -1;
		d->rows = more;
		*cap = c;
	}
	d->rows[d->nrows++] = (klp_diff_row){ { la, lb }, pair, 0, op, why };
	if (op != ' ')
		d->changed++;
	return 0;
}

void klp_diff_free(klp_diff *d)
{
	free(d->rows);
	free(d->labels[0]);
	free(d->labels[1]);
	memset(d, 0, sizeof *d);
}

int klp_diff_listings(const klp_listing *a, const klp_listing *b, klp_diff *out)
{
	memset(out, 0, sizeof *out);
	if (a->nlines > INT32_MAX / 2 || b->nlines > INT32_MAX / 2)
		return -1;
	script s = { 0 };
	size_t na = a->nlines, nb = b->nlines, cap = 0;
	int32_t *map_a = malloc((na + 1) * sizeof *map_a), *map_b = malloc((nb + 1) * sizeof *map_b);
	uint8_t *why_a = calloc(na + 1, 1);
	int32_t *unit_a = calloc(na + 1, sizeof *unit_a), *unit_b = calloc(nb + 1, sizeof *unit_b);
	uint32_t *label_of_unit = NULL;
	int rc = -1;
	out->labels[0] = calloc(na + 1, sizeof *out->labels[0]);
	out->labels[1] = calloc(nb + 1, sizeof *out->labels[1]);
	if (!map_a || !map_b || !why_a || !unit_a || !unit_b || !out->labels[0] || !out->labels[1] ||
	    edit_script(a, b, &s, &out->truncated) != 0)
		goto out;
	for (size_t i = 0; i < na; i++)
		map_a[i] = -1;
	for (size_t j = 0; j < nb; j++)
		map_b[j] = -1;
	for (size_t t = 0; t < s.n; t++)
		if (s.v[t].kind == KEEP)
			map_a[s.v[t].a] = s.v[t].b, map_b[s.v[t].b] = s.v[t].a;
	/* Blocks of changes: pair what can be paired; then the rows, and the
	 * unit (first row) of every line. */
	for (int pass = 0; pass < 2; pass++) {
		int32_t ca = 0, cb = 0;
		for (size_t t = 0; t < s.n;) {
			if (s.v[t].kind == KEEP) {
				int32_t i = ca++, j = cb++;
				if (pass == 1) {
					unit_a[i] = unit_b[j] = (int32_t)out->nrows;
					if (locals_agree(a, b, (size_t)i, (size_t)j, map_a)) {
						if (add_row(out, &cap, ' ', i, j, -1, KLP_WHY_SAME) != 0)
							goto out;
					} else if (add_row(out, &cap, '-', i, -1, j, KLP_WHY_TARGET) != 0 ||
						   add_row(out, &cap, '+', -1, j, i, KLP_WHY_TARGET) != 0) {
						goto out;
					}
				}
				t++;
				continue;
			}
			block k = { ca, ca, cb, cb };
			for (; t < s.n && s.v[t].kind != KEEP; t++)
				if (s.v[t].kind == DEL)
					k.i1++;
				else
					k.j1++;
			ca = k.i1, cb = k.j1;
			if (pass == 0) {
				pair_block(a, b, k, map_a, map_b, why_a, same_shape, KLP_WHY_TARGET);
				pair_block(a, b, k, map_a, map_b, why_a, same_mnemonic, KLP_WHY_BYTES);
				/* By position only where as many lines went as came. */
				if (k.i1 - k.i0 == k.j1 - k.j0)
					pair_block(a, b, k, map_a, map_b, why_a, any_line, KLP_WHY_BYTES);
				continue;
			}
			int32_t i = k.i0, j = k.j0;
			while (i < k.i1 || j < k.j1) {
				if (i < k.i1 && map_a[i] < 0) {
					unit_a[i] = (int32_t)out->nrows;
					if (add_row(out, &cap, '-', i++, -1, -1, KLP_WHY_REMOVED) != 0)
						goto out;
				} else if (j < k.j1 && map_b[j] < 0) {
					unit_b[j] = (int32_t)out->nrows;
					if (add_row(out, &cap, '+', -1, j++, -1, KLP_WHY_ADDED) != 0)
						goto out;
				} else if (i < k.i1 && j < k.j1) {
					/* Both paired, hence with each other: pairs never cross. */
					unit_a[i] = unit_b[j] = (int32_t)out->nrows;
					if (add_row(out, &cap, '-', i, -1, j, why_a[i]) != 0 ||
					    add_row(out, &cap, '+', -1, j, i, why_a[i]) != 0)
						goto out;
					i++, j++;
				} else {
					break; /* a paired line whose partner is not in the block: cannot happen */
				}
			}
		}
	}
	/* Labels: units a local reference reaches, numbered in row order. */
	label_of_unit = calloc(out->nrows + 1, sizeof *label_of_unit);
	if (!label_of_unit)
		goto out;
	for (int side = 0; side < 2; side++) {
		const klp_listing *l = side ? b : a;
		const int32_t *unit = side ? unit_b : unit_a;
		for (size_t i = 0; i < l->nlines; i++)
			if (l->lines[i].local >= 0 && (size_t)l->lines[i].local < l->nlines)
				label_of_unit[unit[l->lines[i].local]] = 1;
	}
	uint32_t next = 0;
	for (size_t r = 0; r < out->nrows; r++)
		if (label_of_unit[r])
			label_of_unit[r] = ++next;
	for (size_t i = 0; i < na; i++)
		out->labels[0][i] = label_of_unit[unit_a[i]];
	for (size_t j = 0; j < nb; j++)
		out->labels[1][j] = label_of_unit[unit_b[j]];
	for (size_t r = 0; r < out->nrows; r++) {
		klp_diff_row *row = &out->rows[r];
		row->label = row->line[0] >= 0 ? out->labels[0][row->line[0]] : out->labels[1][row->line[1]];
	}
	rc = 0;
out:
	free(label_of_unit);
	free(s.v);
	free(map_a);
	free(map_b);
	free(why_a);
	free(unit_a);
	free(unit_b);
	if (rc != 0)
		klp_diff_free(out);
	return rc;
}

size_t klp_diff_line_text(const klp_diff *d, int side, const klp_listing *l, size_t i, char *buf, size_t cap)
{
	size_t n = 0;
	if (cap == 0)
		return 0;
	buf[0] = '\0';
	if (i >= l->nlines)
		return 0;
	const klp_line *line = &l->lines[i];
	for (const char *p = l->text + line->text; *p && n + 1 < cap; p++) {
		if (*p != KLP_LOCAL_MARK) {
			buf[n++] = *p;
			continue;
		}
		char sub[160];
		if (line->local >= 0 && (size_t)line->local < l->nlines && d->labels[side] && d->labels[side][line->local])
			snprintf(sub, sizeof sub, ".L%u", (unsigned)d->labels[side][line->local]);
		else
			snprintf(sub, sizeof sub, "%.*s+0x%llx", (int)(l->key_len > 96 ? 96 : l->key_len), l->key,
				 (unsigned long long)line->local_offset);
		for (const char *q = sub; *q && n + 1 < cap; q++)
			buf[n++] = *q;
	}
	buf[n] = '\0';
	return n;
}

const char *klp_diff_why_name(klp_diff_why why)
{
	static const char *const names[] = { "same", "target", "bytes", "removed", "added" };
	return (unsigned)why < sizeof names / sizeof *names ? names[why] : "?";
}
