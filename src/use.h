/* use: pairing statics by use, the way kpatch does. */
#ifndef KLP_USE_H
#define KLP_USE_H

#include <stdint.h>

#include "corr.h"

/* Pairs unpaired local statics by use: where the twins of a function pair
 * reference same-keyed statics in the same order; returns pairs made or -1. */
long corr_pair_by_use(corr *c, uint16_t rule);

/* Frees what the use pass keeps between its runs (corr_free calls it). */
void corr_free_uses(corr *c);

#endif
