/* lelf: the klp.elf and klp.symbol userdata. */
#include <elf.h>
#include <stdio.h>
#include <string.h>

#include "lcore.h"

/* A klp.symbol: an index into its ELF (kept alive as user value 1). */
typedef struct klp_symbol {
	uint32_t index;
} klp_symbol;

kelf *klp_check_elf(lua_State *L, int idx)
{
	klp_elf *e = luaL_checkudata(L, idx, KLP_ELF_MT);
	if (!e->k || e->closed)
		luaL_argerror(L, idx, "ELF file is closed");
	return e->k;
}

kelf *klp_test_elf(lua_State *L, int idx)
{
	klp_elf *e = luaL_testudata(L, idx, KLP_ELF_MT);
	return e && !e->closed ? e->k : NULL;
}

/* klp.core.open(path) -> elf | nil, "path: problem" */
static int klp_elf_open(lua_State *L)
{
	size_t len;
	const char *path = luaL_checklstring(L, 1, &len);
	if (strlen(path) != len) {
		luaL_pushfail(L);
		lua_pushliteral(L, "path contains a NUL byte");
		return 2;
	}
	klp_elf *e = lua_newuserdatauv(L, sizeof *e, 0);
	e->k = NULL;
	e->closed = 0;
	luaL_setmetatable(L, KLP_ELF_MT);
	char err[512];
	e->k = kelf_open(path, err, sizeof err);
	if (!e->k) {
		luaL_pushfail(L);
		lua_pushfstring(L, "%s: %s", path, err);
		return 2;
	}
	return 1;
}

/* elf:close(), also __close: every later use fails; idempotent. */
static int klp_elf_close(lua_State *L)
{
	klp_elf *e = luaL_checkudata(L, 1, KLP_ELF_MT);
	if (e->k && !e->closed)
		kelf_release_file(e->k);
	e->closed = 1;
	return 0;
}

/* __gc: frees the arrays, which nothing can reach any more. */
static int klp_elf_gc(lua_State *L)
{
	klp_elf *e = luaL_checkudata(L, 1, KLP_ELF_MT);
	kelf_close(e->k);
	e->k = NULL;
	e->closed = 1;
	return 0;
}

static int klp_elf_tostring(lua_State *L)
{
	klp_elf *e = luaL_checkudata(L, 1, KLP_ELF_MT);
	if (e->k && !e->closed)
		lua_pushfstring(L, "klp.elf (%s)", e->k->path);
	else
		lua_pushliteral(L, "klp.elf (closed)");
	return 1;
}

/* elf:info() -> {path, class, machine, type, endian, symbols, sections, files,
 * shared_text_functions} */
static int klp_elf_info(lua_State *L)
{
	kelf *k = klp_check_elf(L, 1);
	lua_createtable(L, 0, 10);
	lua_pushstring(L, k->path);
	lua_setfield(L, -2, "path");
	lua_pushinteger(L, k->elfclass);
	lua_setfield(L, -2, "class");
	const char *m = kelf_machine_name(k->machine);
	if (m)
		lua_pushstring(L, m);
	else
		lua_pushfstring(L, "em%d", (int)k->machine);
	lua_setfield(L, -2, "machine");
	lua_pushinteger(L, k->machine);
	lua_setfield(L, -2, "e_machine");
	lua_pushstring(L, kelf_etype_name(k->etype));
	lua_setfield(L, -2, "type");
	lua_pushstring(L, k->big_endian ? "big" : "little");
	lua_setfield(L, -2, "endian");
	lua_pushinteger(L, (lua_Integer)k->nsymbols);
	lua_setfield(L, -2, "symbols");
	lua_pushinteger(L, (lua_Integer)k->nsections);
	lua_setfield(L, -2, "sections");
	lua_pushinteger(L, (lua_Integer)k->nfiles);
	lua_setfield(L, -2, "files");
	long shared = kelf_shared_text_functions(k);
	if (shared < 0)
		return luaL_error(L, "out of memory");
	lua_pushinteger(L, shared);
	lua_setfield(L, -2, "shared_text_functions");
	return 1;
}

/* #elf: the number of symbol table entries, the null symbol included. */
static int klp_elf_len(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)klp_check_elf(L, 1)->nsymbols);
	return 1;
}

/* Checks a symbol index argument against the ELF's symbol count. */
static uint32_t check_symbol_index(lua_State *L, int idx, const kelf *k)
{
	lua_Integer i = luaL_checkinteger(L, idx);
	luaL_argcheck(L, i >= 0 && (lua_Unsigned)i < k->nsymbols, idx, "symbol index out of range");
	return (uint32_t)i;
}

void klp_push_symbol(lua_State *L, int elf_idx, uint32_t i)
{
	elf_idx = lua_absindex(L, elf_idx);
	klp_symbol *s = lua_newuserdatauv(L, sizeof *s, 1);
	s->index = i;
	lua_pushvalue(L, elf_idx);
	lua_setiuservalue(L, -2, 1);
	luaL_setmetatable(L, KLP_SYMBOL_MT);
}

/* elf:symbol(i) -> symbol */
static int klp_elf_symbol(lua_State *L)
{
	uint32_t i = check_symbol_index(L, 2, klp_check_elf(L, 1));
	klp_push_symbol(L, 1, i);
	return 1;
}

/* Iterator step for elf:symbols(): upvalue 1 is the ELF, 2 the next index. */
static int symbols_step(lua_State *L)
{
	kelf *k = klp_test_elf(L, lua_upvalueindex(1));
	if (!k)
		return luaL_error(L, "ELF file is closed");
	lua_Integer i = lua_tointeger(L, lua_upvalueindex(2));
	if (i < 0 || (lua_Unsigned)i >= k->nsymbols)
		return 0;
	lua_pushinteger(L, i + 1);
	lua_replace(L, lua_upvalueindex(2));
	klp_push_symbol(L, lua_upvalueindex(1), (uint32_t)i);
	return 1;
}

/* elf:symbols() -> iterator over every symbol, null symbol (index 0) excluded */
static int klp_elf_symbols(lua_State *L)
{
	klp_check_elf(L, 1);
	lua_pushvalue(L, 1);
	lua_pushinteger(L, 1);
	lua_pushcclosure(L, symbols_step, 2);
	return 1;
}

/* elf:section(i) -> {index, name, type, flags, addr, offset, size, link, info, entsize} */
static int klp_elf_section(lua_State *L)
{
	kelf *k = klp_check_elf(L, 1);
	lua_Integer i = luaL_checkinteger(L, 2);
	luaL_argcheck(L, i >= 0 && (lua_Unsigned)i < k->nsections, 2, "section index out of range");
	const kelf_section *s = &k->sections[i];
	lua_createtable(L, 0, 10);
	lua_pushinteger(L, i);
	lua_setfield(L, -2, "index");
	lua_pushstring(L, s->name);
	lua_setfield(L, -2, "name");
	lua_pushinteger(L, s->type);
	lua_setfield(L, -2, "type");
	lua_pushinteger(L, (lua_Integer)s->flags);
	lua_setfield(L, -2, "flags");
	lua_pushinteger(L, (lua_Integer)s->addr);
	lua_setfield(L, -2, "addr");
	lua_pushinteger(L, (lua_Integer)s->offset);
	lua_setfield(L, -2, "offset");
	lua_pushinteger(L, (lua_Integer)s->size);
	lua_setfield(L, -2, "size");
	lua_pushinteger(L, s->link);
	lua_setfield(L, -2, "link");
	lua_pushinteger(L, s->info);
	lua_setfield(L, -2, "info");
	lua_pushinteger(L, (lua_Integer)s->entsize);
	lua_setfield(L, -2, "entsize");
	return 1;
}

/* elf:files() -> array of FILE symbol indices in symtab order */
static int klp_elf_files(lua_State *L)
{
	kelf *k = klp_check_elf(L, 1);
	lua_createtable(L, (int)k->nfiles, 0);
	for (size_t i = 0; i < k->nfiles; i++) {
		lua_pushinteger(L, k->files[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

/* The symbol userdata at idx and its (open) ELF; pushes nothing. */
static const kelf_symbol *check_symbol(lua_State *L, int idx, kelf **kout, uint32_t *iout)
{
	klp_symbol *s = luaL_checkudata(L, idx, KLP_SYMBOL_MT);
	lua_getiuservalue(L, idx, 1);
	klp_elf *e = lua_touserdata(L, -1);
	lua_pop(L, 1);
	if (!e || !e->k || e->closed)
		luaL_argerror(L, idx, "the symbol's ELF file is closed");
	*kout = e->k;
	*iout = s->index;
	return &e->k->symbols[s->index];
}

/* Pushes field `f` of a symbol; returns 0 when the field does not exist. */
static int push_symbol_field(lua_State *L, kelf *k, uint32_t i, const kelf_symbol *s, const char *f)
{
	if (strcmp(f, "name") == 0)
		lua_pushlstring(L, s->name, s->name_len);
	else if (strcmp(f, "index") == 0)
		lua_pushinteger(L, i);
	else if (strcmp(f, "type") == 0)
		lua_pushstring(L, kelf_type_name(s->type));
	else if (strcmp(f, "bind") == 0)
		lua_pushstring(L, kelf_bind_name(s->bind));
	else if (strcmp(f, "visibility") == 0)
		lua_pushstring(L, kelf_visibility_name(s->visibility));
	else if (strcmp(f, "value") == 0)
		lua_pushinteger(L, (lua_Integer)s->value);
	else if (strcmp(f, "size") == 0)
		lua_pushinteger(L, (lua_Integer)s->size);
	else if (strcmp(f, "shndx") == 0)
		lua_pushinteger(L, s->shndx);
	else if (strcmp(f, "section") == 0) {
		const char *sec = kelf_symbol_section(k, s);
		if (sec)
			lua_pushstring(L, sec);
		else
			lua_pushnil(L);
	} else if (strcmp(f, "defined") == 0)
		lua_pushboolean(L, s->shndx != 0);
	else if (strcmp(f, "file") == 0) {
		if (s->file == KELF_NO_FILE)
			lua_pushnil(L);
		else
			lua_pushstring(L, k->symbols[k->files[s->file]].name);
	} else if (strcmp(f, "file_index") == 0) {
		if (s->file == KELF_NO_FILE)
			lua_pushnil(L);
		else
			lua_pushinteger(L, k->files[s->file]);
	} else
		return 0;
	return 1;
}

/* symbol.field: name, index, type, bind, visibility, value, size, shndx,
 * section, defined, file, file_index; symbol:elf() returns its ELF. */
static int klp_symbol_index(lua_State *L)
{
	kelf *k;
	uint32_t i;
	const kelf_symbol *s = check_symbol(L, 1, &k, &i);
	const char *f = luaL_checkstring(L, 2);
	if (strcmp(f, "elf") == 0) {
		lua_getiuservalue(L, 1, 1);
		return 1;
	}
	if (!push_symbol_field(L, k, i, s, f))
		lua_pushnil(L);
	return 1;
}

static int klp_symbol_tostring(lua_State *L)
{
	kelf *k;
	uint32_t i;
	const kelf_symbol *s = check_symbol(L, 1, &k, &i);
	lua_pushfstring(L, "klp.symbol %d %s (%s %s)", (int)i, s->name, kelf_bind_name(s->bind),
			kelf_type_name(s->type));
	return 1;
}

/* Two symbol handles are equal when they name the same entry of the same ELF. */
static int klp_symbol_eq(lua_State *L)
{
	klp_symbol *a = luaL_testudata(L, 1, KLP_SYMBOL_MT), *b = luaL_testudata(L, 2, KLP_SYMBOL_MT);
	if (!a || !b) {
		lua_pushboolean(L, 0);
		return 1;
	}
	lua_getiuservalue(L, 1, 1);
	lua_getiuservalue(L, 2, 1);
	lua_pushboolean(L, a->index == b->index && lua_rawequal(L, -1, -2));
	return 1;
}

void klp_open_elf(lua_State *L)
{
	static const luaL_Reg elf_methods[] = {
		{ "close", klp_elf_close }, { "info", klp_elf_info }, { "symbol", klp_elf_symbol },
		{ "symbols", klp_elf_symbols }, { "section", klp_elf_section }, { "files", klp_elf_files },
		{ "named", klp_elf_named }, { "names_containing", klp_elf_names_containing }, { NULL, NULL }
	};
	static const luaL_Reg elf_meta[] = {
		{ "__gc", klp_elf_gc }, { "__close", klp_elf_close }, { "__tostring", klp_elf_tostring },
		{ "__len", klp_elf_len }, { NULL, NULL }
	};
	static const luaL_Reg symbol_meta[] = {
		{ "__index", klp_symbol_index }, { "__tostring", klp_symbol_tostring }, { "__eq", klp_symbol_eq },
		{ NULL, NULL }
	};
	luaL_newmetatable(L, KLP_ELF_MT);
	luaL_setfuncs(L, elf_meta, 0);
	luaL_newlib(L, elf_methods);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
	luaL_newmetatable(L, KLP_SYMBOL_MT);
	luaL_setfuncs(L, symbol_meta, 0);
	lua_pop(L, 1);
	lua_pushcfunction(L, klp_elf_open);
	lua_setfield(L, -2, "open");
}
