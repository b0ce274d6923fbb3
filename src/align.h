/* align: pairing the FILE symbols of both sides, which scopes every local. */
#ifndef KLP_ALIGN_H
#define KLP_ALIGN_H

#include <stddef.h>

#include "corr.h"

/* Pairs FILE symbols and seeds the unit maps; call after keys are set.  By
 * default, a name found once on each side pairs by name; repeated names (GCC
 * and clang write basenames: core.c, main.c) pair by the local keys their
 * blocks share, then by position between equal counts, marked in
 * file_positional.  With in_order, FILE symbols pair in order only while
 * names agree; the first mismatch is described in msg (left empty otherwise).
 * Returns -1 when out of memory. */
int corr_align_files(corr *c, int in_order, char *msg, size_t msglen);

#endif
