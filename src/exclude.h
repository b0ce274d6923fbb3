/* exclude: marking the symbols a policy never correlates, by kind, name
 * prefix or section. */
#ifndef KLP_EXCLUDE_H
#define KLP_EXCLUDE_H

#include <stdint.h>

#include "corr.h"

/* Symbols never correlated, by kind, name prefix or section. */
typedef struct corr_exclusion {
	unsigned types;                /* bit per STT_* value */
	int abs, undefined;
	const char *const *prefixes;   /* NULL-terminated */
	const char *const *sections;   /* exact section names, NULL-terminated */
	const char *const *section_prefixes;
	uint64_t section_flags;        /* any of these sh_flags */
} corr_exclusion;

/* Excludes every symbol of both sides that x matches; -1 when out of memory. */
int corr_exclude_matching(corr *c, const corr_exclusion *x);

#endif
