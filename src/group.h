/* group: grouping symbols of both sides by a string, type and FILE. */
#ifndef KLP_GROUP_H
#define KLP_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "corr.h"
#include "index.h"

/* A symbol of one side. */
typedef struct corr_member {
	uint32_t index;
	uint32_t side;
} corr_member;

/* The FILE a symbol belongs to, in a space shared by both sides: paired files
 * share the orig file's number, unpaired ones get numbers nobody else has,
 * and symbols without FILE get -1. */
int64_t corr_common_file(const corr *c, int side, uint32_t i);

/* Gives every member a group id (0..ngroups-1); members share one exactly when
 * their selected strings, types and (with FILE_SAME) FILEs are equal.
 * Returns the number of groups, or -1 when out of memory. */
long corr_group(const corr *c, const corr_member *m, size_t n, corr_indexsel sel, corr_filemode file,
		uint32_t *gid);

#endif
