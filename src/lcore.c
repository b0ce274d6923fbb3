/* lcore: luaopen_klp_core, the one entry point of the C module. */
#include <libelf.h>

#include "lcore.h"

#ifndef KLP_VERSION
#define KLP_VERSION "0.1.0"
#endif

int luaopen_klp_core(lua_State *L);

__attribute__((visibility("default"))) int luaopen_klp_core(lua_State *L)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return luaL_error(L, "klp: libelf is out of date: %s", elf_errmsg(-1));
	lua_newtable(L);
	klp_open_elf(L);
	klp_open_correlator(L);
	klp_open_util(L);
	klp_open_work(L);
	lua_pushliteral(L, KLP_VERSION);
	lua_setfield(L, -2, "version");
	return 1;
}
