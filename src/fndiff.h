/* fndiff: two listings of one function (listing.h), aligned line by line.
 *
 * Lines are aligned by their identities with Myers' shortest edit script
 * (bounded: past KLP_DIFF_MAX_EDITS edits the unaligned middle is shown as
 * one replacement).  Then each block of removed and added lines pairs what it
 * can: the same shape first (only a reference changed: "target"), then the
 * same mnemonic ("bytes": the instruction itself differs), then by position
 * where as many lines went as came ("bytes"); what is left was removed or
 * added.  A line both sides keep but
 * whose local branch reaches lines that are not each other's twins becomes a
 * changed pair too ("target").  Lines a local reference reaches get labels,
 * .L1, .L2, ... in the order of the rows, the same on both sides where they
 * are aligned. */
#ifndef KLP_FNDIFF_H
#define KLP_FNDIFF_H

#include <stddef.h>
#include <stdint.h>

#include "listing.h"

#define KLP_DIFF_MAX_EDITS 2000

typedef enum klp_diff_why {
	KLP_WHY_SAME,    /* context */
	KLP_WHY_TARGET,  /* the same instruction, another target */
	KLP_WHY_BYTES,   /* the instruction differs (opcode, registers, immediates, encoding) */
	KLP_WHY_REMOVED, /* only in orig */
	KLP_WHY_ADDED,   /* only in patched */
} klp_diff_why;

typedef struct klp_diff_row {
	int32_t line[2]; /* the orig and patched line of the row; -1 where it has none (a ' ' row has both, a '-'
			  * row line[0], a '+' row line[1]) */
	int32_t pair;    /* a '-' or '+' row's counterpart line on the other side, or -1 */
	uint32_t label;  /* n of the row's label .Ln, 0 when no local reference reaches it */
	char op;         /* ' ', '-' or '+' */
	uint8_t why;     /* klp_diff_why */
} klp_diff_row;

typedef struct klp_diff {
	klp_diff_row *rows;
	size_t nrows;
	size_t changed;      /* rows that are not context */
	int truncated;       /* the edit script passed KLP_DIFF_MAX_EDITS */
	uint32_t *labels[2]; /* per side and line: the label of the line (0 none) */
} klp_diff;

/* Aligns a (orig) and b (patched); either may be empty.  Returns 0, or -1
 * when out of memory (*out is then empty). */
int klp_diff_listings(const klp_listing *a, const klp_listing *b, klp_diff *out);

void klp_diff_free(klp_diff *d);

/* The display text of line i of side (0 orig, 1 patched) of d, whose listing
 * is l: its local reference written as the label of the line it reaches, or
 * as the function's key and offset.  Returns the length written into buf
 * (truncated to cap - 1, NUL-terminated). */
size_t klp_diff_line_text(const klp_diff *d, int side, const klp_listing *l, size_t i, char *buf, size_t cap);

/* "same", "target", "bytes", "removed", "added". */
const char *klp_diff_why_name(klp_diff_why why);

#endif
