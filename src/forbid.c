/* forbid: pairs a policy says must never be made. */
#include "forbid.h"

#include <stdlib.h>

struct corr_forbidden_pair {
	uint32_t orig, patched;
};

int corr_forbid(corr *c, uint32_t a, uint32_t b)
{
	corr_forbidden_pair *f = realloc(c->forbidden, (c->nforbidden + 1) * sizeof *f);
	if (!f)
		return -1;
	c->forbidden = f;
	f[c->nforbidden++] = (corr_forbidden_pair){ a, b };
	return 0;
}

/* A policy forbids a handful of pairs; a linear scan is the right tool. */
int corr_is_forbidden(const corr *c, uint32_t a, uint32_t b)
{
	for (size_t i = 0; i < c->nforbidden; i++)
		if (c->forbidden[i].orig == a && c->forbidden[i].patched == b)
			return 1;
	return 0;
}
