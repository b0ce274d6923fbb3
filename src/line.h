/* line: which callees take their caller's __LINE__ as an immediate argument
 * (a policy's list), and what a difference only in those immediates makes
 * of a pair. */
#ifndef KLP_LINE_H
#define KLP_LINE_H

#include <stddef.h>
#include <stdint.h>

#include "corr.h"

/* What a pair whose code differs only in line numbers is. */
typedef enum corr_line_mode {
	LINE_AS_LINE,    /* status line, listed apart (default) */
	LINE_AS_CHANGED, /* changed, like any other difference (strict, objtool) */
	LINE_AS_SAME,    /* same (kpatch) */
} corr_line_mode;

/* Sets the line-taking callees (n names, copied) and the mode; -1 when out
 * of memory (the old list stays). */
int corr_set_line_functions(corr *c, const char *const *names, size_t n, corr_line_mode mode);

/* Whether a callee of this key (len bytes) takes a line number. */
int corr_is_line_function(const corr *c, const char *key, size_t len);

/* Where a data symbol holds a line number of its own, as the 32-bit word at
 * *at (from the symbol's start) whose bits *mask are the line: a dynamic
 * debug descriptor in __dyndbg (struct _ddebug: four pointers, then
 * lineno:18).  0 for any other symbol. */
int corr_line_field(const kelf *k, const kelf_symbol *s, uint64_t *at, uint32_t *mask);

/* Frees the list (corr_free calls it). */
void corr_free_line_functions(corr *c);

#endif
