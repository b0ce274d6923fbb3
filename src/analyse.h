/* analyse: what stays unpaired after the passes (ambiguities, clone-kind
 * changes), a symbol's candidates, and the counts of a result. */
#ifndef KLP_ANALYSE_H
#define KLP_ANALYSE_H

#include <stddef.h>
#include <stdint.h>

#include "corr.h"

/* A symbol left unpaired although the other side had candidates. */
struct corr_ambiguity {
	int side;
	uint32_t index;
	uint32_t ncand;     /* listed in cand (at most 64) */
	uint32_t total;     /* candidates in all */
	uint32_t *cand;
};

/* An unpaired orig symbol whose function reappears under another clone kind. */
struct corr_clone_change {
	uint32_t orig, patched;
};

/* Fills c->amb and c->clones from what is still unpaired (unless they are
 * current); -1 on ENOMEM. */
int corr_analyse(corr *c);

/* Forgets the last analysis. */
void corr_clear_analysis(corr *c);

/* Candidates for symbol i of side s on the other side: unpaired, eligible, same
 * key and type, and compatible FILE.  Writes up to max indices; returns the count. */
size_t corr_candidates(const corr *c, int side, uint32_t i, uint32_t *out, size_t max);

/* The counts of a result (README, JSON "summary"). */
typedef struct corr_summary {
	size_t pairs, orig_only, patched_only, ambiguous, excluded_orig, excluded_patched;
	size_t positional, positional_files, clone_changes;
} corr_summary;

/* Counts the current result (analysing it first); -1 on ENOMEM. */
int corr_summarise(corr *c, corr_summary *out);

#endif
