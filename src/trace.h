/* trace: what passes saw of watched symbols, for explaining a correlation. */
#ifndef KLP_TRACE_H
#define KLP_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "corr.h"

#define CORR_TRACE_CAND 32

/* One observation of a watched symbol by a pass (for --why). */
struct corr_event {
	uint16_t rule;
	uint8_t side, outcome, evidence;
	uint32_t index;
	int32_t twin;
	uint32_t ncand;     /* candidates the pass saw on the other side */
	uint32_t *cand;     /* up to CORR_TRACE_CAND of them */
};

/* Marks a symbol so that passes record what they see of it (c->events). */
void corr_watch(corr *c, int side, uint32_t i);

/* Records an event for a watched symbol (what a pass saw of it); drops it
 * when out of memory, which only shortens an explanation. */
void corr_trace(corr *c, uint16_t rule, int side, uint32_t i, corr_outcome out, const uint32_t *cand,
		size_t ncand);
void corr_free_events(corr *c);

#endif
