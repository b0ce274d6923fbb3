/* lnames: finding symbols of a klp.elf by name, in one pass over the symtab
 * instead of one Lua call per symbol. */
#include <string.h>

#include "lcore.h"

/* elf:named(names) -> {name = {index, ...}, ...}: every symbol whose name is
 * one of the strings of the array names, in symtab order; names no symbol has
 * are absent. */
int klp_elf_named(lua_State *L)
{
	kelf *k = klp_check_elf(L, 1);
	luaL_checktype(L, 2, LUA_TTABLE);
	lua_Integer n = (lua_Integer)lua_rawlen(L, 2);
	size_t size = 2;
	while ((lua_Integer)size < 2 * n)
		size *= 2;
	/* slot -> 1-based position in names, 0 when empty */
	lua_Integer *slot = lua_newuserdatauv(L, size * sizeof *slot, 0);
	memset(slot, 0, size * sizeof *slot);
	for (lua_Integer j = 1; j <= n; j++) {
		if (lua_rawgeti(L, 2, j) != LUA_TSTRING)
			return luaL_argerror(L, 2, "array of strings expected");
		size_t len;
		const char *s = lua_tolstring(L, -1, &len);
		lua_pop(L, 1);
		size_t h = (size_t)klp_hash(s, len) & (size - 1);
		while (slot[h] != 0)
			h = (h + 1) & (size - 1);
		slot[h] = j;
	}
	lua_newtable(L);
	int out = lua_gettop(L);
	for (size_t i = 1; i < k->nsymbols; i++) {
		const kelf_symbol *sym = &k->symbols[i];
		for (size_t h = (size_t)sym->hash & (size - 1); slot[h] != 0; h = (h + 1) & (size - 1)) {
			lua_rawgeti(L, 2, slot[h]);
			size_t len;
			const char *s = lua_tolstring(L, -1, &len);
			if (len != sym->name_len || memcmp(s, sym->name, len) != 0) {
				lua_pop(L, 1);
				continue;
			}
			if (lua_rawget(L, out) != LUA_TTABLE) { /* first symbol of that name */
				lua_pop(L, 1);
				lua_newtable(L);
				lua_pushlstring(L, sym->name, sym->name_len);
				lua_pushvalue(L, -2);
				lua_rawset(L, out);
			}
			lua_pushinteger(L, (lua_Integer)i);
			lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
			lua_pop(L, 1);
			break;
		}
	}
	return 1;
}

/* elf:names_containing(text) -> {index, ...}: every symbol whose name
 * contains text, in symtab order. */
int klp_elf_names_containing(lua_State *L)
{
	kelf *k = klp_check_elf(L, 1);
	size_t len;
	const char *text = luaL_checklstring(L, 2, &len);
	luaL_argcheck(L, len > 0 && strlen(text) == len, 2, "a non-empty string without NUL bytes expected");
	lua_newtable(L);
	lua_Integer n = 0;
	for (size_t i = 1; i < k->nsymbols; i++) {
		const kelf_symbol *sym = &k->symbols[i];
		if (sym->name_len >= len && strstr(sym->name, text)) {
			lua_pushinteger(L, (lua_Integer)i);
			lua_rawseti(L, -2, ++n);
		}
	}
	return 1;
}
