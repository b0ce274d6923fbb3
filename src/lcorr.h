/* lcorr: what the files binding klp.correlator share.  The userdata and its
 * lifecycle are in lcorr.c, with the methods that set a correlation up; the
 * pass-table reader in lpass.c, the queries in lquery.c and the JSON writer
 * in ljson.c.  They bind the engine and decide nothing. */
#ifndef KLP_LCORR_H
#define KLP_LCORR_H

#include "corr.h"
#include "lcore.h"

/* User values 1 and 2 hold the orig and patched klp.elf, keeping them alive. */
typedef struct klp_correlator {
	corr *c;
} klp_correlator;

/* Returns the correlator at idx, raising an error when either ELF is closed. */
corr *klp_check_corr(lua_State *L, int idx);

/* A side argument, "orig" (0) or "patched" (1). */
int klp_check_side(lua_State *L, int idx);

/* A symbol index argument, checked against that side's symbol table. */
uint32_t klp_check_index(lua_State *L, int idx, const corr *c, int side);

/* Raises "klp: out of memory". */
void klp_raise_nomem(lua_State *L);

/* Reads t[field], nil or an array of strings, into a NULL-terminated vector
 * whose strings are copied into the same block: a userdata left on the stack,
 * so nothing a callback does to the table can free them under the engine. */
const char **klp_string_list(lua_State *L, int t, const char *field);

/* Sets field f of the table on top of the stack to integer v. */
void klp_set_int(lua_State *L, const char *f, lua_Integer v);

/* The methods of each binding file, added to the correlator's __index. */
extern const luaL_Reg klp_correlator_pass_methods[];
extern const luaL_Reg klp_correlator_query_methods[];
extern const luaL_Reg klp_correlator_json_methods[];
extern const luaL_Reg klp_correlator_diff_methods[];

#endif
