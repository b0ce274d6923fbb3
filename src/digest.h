/* digest: content digests of functions and data, blind to renaming. */
#ifndef KLP_DIGEST_H
#define KLP_DIGEST_H

#include <stddef.h>

#include "corr.h"

/* Computes the content digests of both sides (relocatable objects only; a
 * linked image keeps none), children folded into their parents.  Returns 0,
 * or -1 with a one-line message. */
int corr_compute_digests(corr *c, char *err, size_t errlen);

#endif
