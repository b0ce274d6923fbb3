/* forbid: pairs a policy says must never be made. */
#ifndef KLP_FORBID_H
#define KLP_FORBID_H

#include <stdint.h>

#include "corr.h"

/* Never pair orig symbol a with patched symbol b; -1 when out of memory. */
int corr_forbid(corr *c, uint32_t a, uint32_t b);
int corr_is_forbidden(const corr *c, uint32_t a, uint32_t b);

#endif
