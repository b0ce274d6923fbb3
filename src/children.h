/* children: .cold and .part functions belong to their parent function, so a
 * change in one is a change of it. */
#ifndef KLP_CHILDREN_H
#define KLP_CHILDREN_H

#include "corr.h"

/* Links, on both sides, every function whose key ends in ".KIND" for one of
 * kinds (NULL-terminated: "cold", "part") to the one function of the key
 * without it in the same FILE.  Returns -1 when out of memory. */
int corr_link_children(corr *c, const char *const *kinds);

#endif
