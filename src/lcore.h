/* lcore: what the Lua-facing files of klp.core share.  Every Lua-facing C
 * function is named klp_<object>_<method>; each file registers its own. */
#ifndef KLP_LCORE_H
#define KLP_LCORE_H

#include <lauxlib.h>
#include <lua.h>

#include "hash.h"
#include "kelf.h"

#define KLP_ELF_MT "klp.elf"
#define KLP_SYMBOL_MT "klp.symbol"
#define KLP_CORRELATOR_MT "klp.correlator"

/* The userdata behind a klp.elf handle.  close() only marks it closed (and
 * gives back the file descriptor): the arrays stay until __gc, so a C function
 * that a Lua callback interrupts never finds them freed under its feet. */
typedef struct klp_elf {
	kelf *k;
	int closed;
} klp_elf;

/* Returns the open kelf at idx, raising a Lua error when it is closed. */
kelf *klp_check_elf(lua_State *L, int idx);

/* The kelf of the klp.elf at idx, or NULL when it is not one or is closed. */
kelf *klp_test_elf(lua_State *L, int idx);

/* Pushes a klp.symbol for symbol i of the klp.elf at elf_idx. */
void klp_push_symbol(lua_State *L, int elf_idx, uint32_t i);

/* elf:named(names) and elf:names_containing(text) (lnames.c). */
int klp_elf_named(lua_State *L);
int klp_elf_names_containing(lua_State *L);

/* Registration of each part of the module into the table on top of the stack. */
void klp_open_elf(lua_State *L);
void klp_open_correlator(lua_State *L);
void klp_open_util(lua_State *L);
void klp_open_work(lua_State *L);

#endif
