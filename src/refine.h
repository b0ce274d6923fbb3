/* refine: the relations between two symbols that passes pair by: each
 * refinement (evidence.h) and the base constraint every pair of a pass meets. */
#ifndef KLP_REFINE_H
#define KLP_REFINE_H

#include <stdint.h>

#include "corr.h"
#include "pass.h"

/* Whether refinement r holds between symbol x of side sx and y of side sy.
 * Sides may be equal (positional passes compare orig symbols too); layout
 * then means the same gap, across sides a neighbour in common. */
int corr_refine_holds(const corr *c, corr_refine r, int sx, uint32_t x, int sy, uint32_t y);

/* Whether orig a and patched b meet a pass's FILE mode and are not forbidden. */
int corr_base_match(const corr *c, const corr_pass *p, uint32_t a, uint32_t b);

#endif
