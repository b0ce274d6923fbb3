/* lnames: finding symbols of a klp.elf by name, in one pass over the symtab
 * instead of one Lua call per symbol. */
#include <string.h>

#include "lcore.h"
#include "table.h"

/* A symbol's name looked up among the names asked for. */
typedef struct name_probe {
	lua_State *L;
	int names;               /* stack index of the array of names */
	const kelf_symbol *sym;
} name_probe;

/* Whether names[entry + 1] is the symbol's name. */
static int asked_for(const void *ctx, uint32_t entry)
{
	const name_probe *p = ctx;
	lua_rawgeti(p->L, p->names, (lua_Integer)entry + 1);
	size_t len;
	const char *s = lua_tolstring(p->L, -1, &len);
	int same = len == p->sym->name_len && memcmp(s, p->sym->name, len) == 0;
	lua_pop(p->L, 1);
	return same;
}

/* elf:named(names) -> {name = {index, ...}, ...}: every symbol whose name is
 * one of the strings of the array names, in symtab order; names no symbol has
 * are absent. */
int klp_elf_named(lua_State *L)
{
	kelf *k = klp_check_elf(L, 1);
	luaL_checktype(L, 2, LUA_TTABLE);
	lua_Integer n = (lua_Integer)lua_rawlen(L, 2);
	for (lua_Integer j = 1; j <= n; j++) {
		if (lua_rawgeti(L, 2, j) != LUA_TSTRING)
			return luaL_argerror(L, 2, "array of strings expected");
		lua_pop(L, 1);
	}
	/* The table's slots are a userdata: an error cannot leak them. */
	size_t cap = klp_table_capacity((size_t)n);
	uint32_t *slots = lua_newuserdatauv(L, cap * sizeof *slots, 0);
	memset(slots, 0, cap * sizeof *slots);
	klp_table t;
	klp_table_attach(&t, slots, cap);
	for (lua_Integer j = 1; j <= n; j++) {
		lua_rawgeti(L, 2, j);
		size_t len;
		const char *s = lua_tolstring(L, -1, &len);
		klp_table_put(&t, klp_table_probe(&t, klp_hash(s, len), klp_table_no_match, NULL), (uint32_t)(j - 1));
		lua_pop(L, 1);
	}
	lua_newtable(L);
	int out = lua_gettop(L);
	name_probe p = { L, 2, NULL };
	for (size_t i = 1; i < k->nsymbols; i++) {
		const kelf_symbol *sym = &k->symbols[i];
		p.sym = sym;
		if (!klp_table_found(&t, klp_table_probe(&t, sym->hash, asked_for, &p)))
			continue;
		lua_pushlstring(L, sym->name, sym->name_len);
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
