/* lcore: what the Lua-facing files of klp.core share.  Every Lua-facing C
 * function is named klp_<object>_<method>; each file registers its own. */
#ifndef KLP_LCORE_H
#define KLP_LCORE_H

#include <lauxlib.h>
#include <lua.h>

#include "corr.h"
#include "kelf.h"

#define KLP_ELF_MT "klp.elf"
#define KLP_SYMBOL_MT "klp.symbol"
#define KLP_CORRELATOR_MT "klp.correlator"

/* The userdata behind a klp.elf handle; k is NULL once closed. */
typedef struct klp_elf {
	kelf *k;
} klp_elf;

/* Returns the open kelf at idx, raising a Lua error when it is closed. */
kelf *klp_check_elf(lua_State *L, int idx);

/* Pushes a klp.symbol for symbol i of the klp.elf at elf_idx. */
void klp_push_symbol(lua_State *L, int elf_idx, uint32_t i);

/* Registration of each part of the module into the table on top of the stack. */
void klp_open_elf(lua_State *L);
void klp_open_correlator(lua_State *L);
void klp_open_util(lua_State *L);

#endif
