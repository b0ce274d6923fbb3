/* compare: what two functions' code says when their digests differ.
 * Decoded instruction by instruction (listing.h, fndiff.h), a pair whose
 * only differences are targets that moved (calls inside a shared .text,
 * which carry no relocation) is the same code; one whose only differences
 * are the line numbers it passes to line-taking callees (line.h) changed
 * its lines only; anything else changed.  Only pairs whose digests differ
 * are decoded. */
#ifndef KLP_COMPARE_H
#define KLP_COMPARE_H

#include <stddef.h>
#include <stdint.h>

#include "corr.h"

/* Decides the code of every paired function whose digest differs (flags
 * CS_CODE_SAME, CS_CODE_LINE of its orig symbol), and which paired data
 * differ only in their own line number (__dyndbg descriptors: CS_CODE_LINE).  Needs pairs, digests and
 * the line functions.  When a side's machine has no decoder (Capstone 4
 * lacks RISC-V and LoongArch), nothing is decided and why says so; else why
 * is "".  Returns 0, or -1 when out of memory. */
int corr_compare_code(corr *c, char *why, size_t whylen);

struct klp_decoder;

/* The code and line digests of function i of a side, decoded with d (a
 * decoder of that side): 0 when it cannot be decoded. */
int corr_code_digest(corr *c, int side, uint32_t i, struct klp_decoder *d, uint64_t *code, uint64_t *line);

#endif
