/* digest: content digests of functions and data, blind to renaming. */
#ifndef KLP_DIGEST_H
#define KLP_DIGEST_H

#include <stddef.h>

#include "corr.h"

/* Computes the content digests of both sides, children folded into their
 * parents: of a relocatable object, and of a linked image that kept its
 * relocations (--emit-relocs), their relocated fields cleared; a side that
 * cannot be compared gets none and says why in its `uncompared`.  Returns 0,
 * or -1 with a one-line message. */
int corr_compute_digests(corr *c, char *err, size_t errlen);

#endif
