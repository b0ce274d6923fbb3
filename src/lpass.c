/* lpass: reading a Lua pass table (README, "Passes") into a corr_pass, and
 * running it. */
#include "lcorr.h"

#include <string.h>

#include "pass.h"
#include "use.h"

static corr_filefilter check_filter(lua_State *L, int t, const char *side)
{
	static const char *const names[] = { "any", "yes", "no", NULL };
	lua_getfield(L, t, side);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return FF_ANY;
	}
	if (!lua_istable(L, -1))
		luaL_error(L, "pass field '%s' must be a table", side);
	lua_getfield(L, -1, "file");
	int f = luaL_checkoption(L, -1, "any", names);
	lua_pop(L, 2);
	return (corr_filefilter)f;
}

static int get_bool(lua_State *L, int t, const char *field)
{
	lua_getfield(L, t, field);
	int v = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return v;
}

/* Reads the list of refinement names on top of the stack (from pass field
 * `field`) into v; returns the count. */
static size_t refine_list(lua_State *L, const char *field, corr_refine *v)
{
	luaL_checktype(L, -1, LUA_TTABLE);
	size_t n = lua_rawlen(L, -1);
	if (n > CORR_MAX_REFINE)
		luaL_error(L, "pass field '%s': at most %d refinements", field, CORR_MAX_REFINE);
	for (size_t i = 0; i < n; i++) {
		lua_rawgeti(L, -1, (lua_Integer)i + 1);
		v[i] = (corr_refine)luaL_checkoption(L, -1, NULL, corr_refine_names);
		lua_pop(L, 1);
	}
	return n;
}

/* Reads t[field], a list of refinement names, into v; returns the count. */
static size_t check_refines(lua_State *L, int t, const char *field, corr_refine *v)
{
	lua_getfield(L, t, field);
	size_t n = lua_isnil(L, -1) ? 0 : refine_list(L, field, v);
	lua_pop(L, 1);
	return n;
}

/* Reads t.positional_within, a list of refinement lists (the classes
 * position decides within first, in turn), into p. */
static void check_within(lua_State *L, int t, corr_pass *p)
{
	lua_getfield(L, t, "positional_within");
	if (!lua_isnil(L, -1)) {
		luaL_checktype(L, -1, LUA_TTABLE);
		size_t n = lua_rawlen(L, -1);
		if (n > CORR_MAX_WITHIN)
			luaL_error(L, "pass field 'positional_within': at most %d classes", CORR_MAX_WITHIN);
		for (size_t w = 0; w < n; w++) {
			lua_rawgeti(L, -1, (lua_Integer)w + 1);
			p->within_len[w] = refine_list(L, "positional_within", p->within[w]);
			lua_pop(L, 1);
		}
		p->nwithin = n;
	}
	lua_pop(L, 1);
}

/* Reads a pass description table (see README, "Policies") into p. */
static void check_pass(lua_State *L, int t, corr *c, corr_pass *p)
{
	static const char *const keys[] = { "name", "key", NULL };
	static const char *const files[] = { "same", "compatible", "any", NULL };
	luaL_checktype(L, t, LUA_TTABLE);
	memset(p, 0, sizeof *p);
	lua_getfield(L, t, "rule");
	const char *rule = luaL_checkstring(L, -1);
	int id = corr_rule_id(c, rule);
	if (id < 0)
		klp_raise_nomem(L);
	p->rule = (uint16_t)id;
	lua_getfield(L, t, "key");
	p->key = (corr_keysel)luaL_checkoption(L, -1, "key", keys);
	lua_getfield(L, t, "file");
	p->file = (corr_filemode)luaL_checkoption(L, -1, "same", files);
	lua_pop(L, 3);
	p->numbered_guard = get_bool(L, t, "numbered_guard");
	p->cumulative = get_bool(L, t, "cumulative");
	p->greedy = get_bool(L, t, "greedy");
	p->positional = get_bool(L, t, "positional");
	p->filter[0] = check_filter(L, t, "orig");
	p->filter[1] = check_filter(L, t, "patched");
	p->nrefine = check_refines(L, t, "refine", p->refine);
	p->nposmatch = check_refines(L, t, "positional_match", p->posmatch);
	check_within(L, t, p);
}

/* corr:run(pass) -> number of pairs made; {rule = s, use = true} pairs
 * statics by use (corr_pair_by_use), any other table is a grouping pass. */
static int klp_correlator_run(lua_State *L)
{
	corr *c = klp_check_corr(L, 1);
	luaL_checktype(L, 2, LUA_TTABLE);
	if (!c->map_tu)
		luaL_error(L, "align_files must run before any pass");
	long made;
	if (get_bool(L, 2, "use")) {
		lua_getfield(L, 2, "rule");
		int id = corr_rule_id(c, luaL_checkstring(L, -1));
		lua_pop(L, 1);
		if (id < 0)
			klp_raise_nomem(L);
		made = corr_pair_by_use(c, (uint16_t)id);
	} else {
		corr_pass p;
		check_pass(L, 2, c, &p);
		made = corr_run_pass(c, &p);
	}
	if (made < 0)
		klp_raise_nomem(L);
	lua_pushinteger(L, made);
	return 1;
}

const luaL_Reg klp_correlator_pass_methods[] = {
	{ "run", klp_correlator_run },
	{ NULL, NULL }
};
