/* pass: one correlation pass, described by data (a Lua pass table read by
 * lpass.c), and the making of a pair. */
#ifndef KLP_PASS_H
#define KLP_PASS_H

#include <stddef.h>
#include <stdint.h>

#include "corr.h"
#include "group.h"

/* Which string a pass groups by. */
typedef enum corr_keysel { KEY_NAME, KEY_KEY } corr_keysel;

/* A side filter: which of that side's symbols a pass considers. */
typedef enum corr_filefilter { FF_ANY, FF_WITH_FILE, FF_WITHOUT_FILE } corr_filefilter;

#define CORR_MAX_REFINE 8
#define CORR_MAX_WITHIN 4

typedef struct corr_pass {
	uint16_t rule;           /* index from corr_rule_id, recorded on each pair */
	corr_keysel key;
	corr_filemode file;
	int numbered_guard;      /* numbered symbols only where their key group is unchanged */
	corr_filefilter filter[2];
	size_t nrefine;
	corr_refine refine[CORR_MAX_REFINE];
	int cumulative;          /* each refinement adds to the ones before it */
	int greedy;              /* then pair each orig with its first candidate */
	int positional;          /* then break equal-count ties by position */
	size_t nposmatch;        /* positional candidates must agree on these */
	corr_refine posmatch[CORR_MAX_REFINE];
	size_t nwithin;          /* position decides first within these classes, in turn */
	size_t within_len[CORR_MAX_WITHIN];
	corr_refine within[CORR_MAX_WITHIN][CORR_MAX_REFINE];
} corr_pass;

/* Runs one pass; returns the number of pairs it made, or -1 on ENOMEM. */
long corr_run_pass(corr *c, const corr_pass *p);

/* Pairs two symbols; returns 0, or -1 when either is excluded or paired, or
 * the pair is forbidden. */
int corr_pair(corr *c, uint32_t orig, uint32_t patched, uint16_t rule, corr_evidence ev);

#endif
