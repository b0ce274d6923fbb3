/* group: grouping the symbols of both sides by one of their strings, their
 * type and (optionally) their FILE. */
#ifndef KLP_GROUP_H
#define KLP_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "corr.h"

/* Which per-symbol string to group or look up by. */
typedef enum corr_select { SELECT_NAME, SELECT_KEY, SELECT_BASE } corr_select;

/* How grouping treats FILE ownership. */
typedef enum corr_filemode {
	FILE_SAME,        /* only within one (paired) FILE, or both without */
	FILE_COMPATIBLE,  /* twin FILEs, or at least one side without FILE */
	FILE_ANY,         /* ignore FILE symbols */
} corr_filemode;

/* A symbol of one side. */
typedef struct corr_member {
	uint32_t index;
	uint32_t side;
} corr_member;

/* The selected string of symbol i of a side, its length in *len. */
const char *corr_select_string(const corr *c, int side, uint32_t i, corr_select sel, uint32_t *len);

/* The hash of symbol i's selected string. */
uint64_t corr_select_hash(const corr *c, int side, uint32_t i, corr_select sel);

/* True when symbol a of side sa and b of side sb have equal selected strings. */
int corr_select_equal(const corr *c, int sa, uint32_t a, int sb, uint32_t b, corr_select sel);

/* The FILE a symbol belongs to, in a space shared by both sides: paired files
 * share the orig file's number, unpaired ones get numbers nobody else has,
 * and symbols without FILE get -1. */
int64_t corr_common_file(const corr *c, int side, uint32_t i);

/* Gives every member a group id (0..ngroups-1); members share one exactly when
 * their selected strings, types and (with FILE_SAME) FILEs are equal.
 * Returns the number of groups, or -1 when out of memory. */
long corr_group(const corr *c, const corr_member *m, size_t n, corr_select sel, corr_filemode file,
		uint32_t *gid);

#endif
