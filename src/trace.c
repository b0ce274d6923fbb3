/* trace: what passes saw of watched symbols, for explaining a correlation. */
#include "trace.h"

#include <stdlib.h>
#include <string.h>

void corr_watch(corr *c, int side, uint32_t i)
{
	c->side[side].syms[i].flags |= CS_WATCHED;
	c->watching = 1;
}

void corr_trace(corr *c, uint16_t rule, int side, uint32_t i, corr_outcome out, const uint32_t *cand,
		size_t ncand)
{
	if (c->nevents == c->events_cap) {
		size_t cap = c->events_cap ? 2 * c->events_cap : 16;
		corr_event *e = realloc(c->events, cap * sizeof *e);
		if (!e)
			return;
		c->events = e;
		c->events_cap = cap;
	}
	size_t keep = ncand < CORR_TRACE_CAND ? ncand : CORR_TRACE_CAND;
	uint32_t *copy = keep ? malloc(keep * sizeof *copy) : NULL;
	if (keep && !copy)
		return;
	if (keep)
		memcpy(copy, cand, keep * sizeof *copy);
	const corr_sym *cs = &c->side[side].syms[i];
	c->events[c->nevents++] = (corr_event){ .rule = rule, .side = (uint8_t)side, .outcome = (uint8_t)out,
						.evidence = cs->evidence, .index = i, .twin = cs->twin,
						.ncand = (uint32_t)ncand, .cand = copy };
}

void corr_free_events(corr *c)
{
	for (size_t i = 0; i < c->nevents; i++)
		free(c->events[i].cand);
	free(c->events);
	c->events = NULL;
	c->nevents = c->events_cap = 0;
}
