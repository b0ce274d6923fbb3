/* sympos: a symbol's position among the symbols of its name. */
#ifndef KLP_SYMPOS_H
#define KLP_SYMPOS_H

#include <stdint.h>

#include "corr.h"

/* Where symbol i stands among the defined FUNC and OBJECT symbols of its
 * side with the same name: *rank (1-based) in symtab order, or in address
 * order with by_address (the kernel's kallsyms order in a linked image), and
 * *count of them.  Returns -1 when out of memory. */
int corr_same_named(corr *c, int side, uint32_t i, int by_address, uint32_t *rank, uint32_t *count);

#endif
