/* lcorr: the klp.correlator userdata, the policy's handle on the engine: its
 * lifecycle and the methods that set a correlation up (keys, exclusions,
 * FILE alignment, children, digests, explicit and forbidden pairs). */
#include "lcorr.h"

#include <elf.h>
#include <string.h>

#include "align.h"
#include "children.h"
#include "compare.h"
#include "digest.h"
#include "exclude.h"
#include "forbid.h"
#include "keys.h"
#include "line.h"
#include "pass.h"
#include "trace.h"

/* Returns the correlator at idx, raising an error when either ELF is closed. */
corr *klp_check_corr(lua_State *L, int idx)
{
	klp_correlator *kc = luaL_checkudata(L, idx, KLP_CORRELATOR_MT);
	if (!kc->c)
		luaL_argerror(L, idx, "correlator is closed");
	for (int s = 0; s < 2; s++) {
		lua_getiuservalue(L, idx, s + 1);
		klp_elf *e = lua_touserdata(L, -1);
		lua_pop(L, 1);
		if (!e || e->closed || e->k != kc->c->side[s].k)
			luaL_argerror(L, idx, "an ELF file of this correlator was closed");
	}
	return kc->c;
}

int klp_check_side(lua_State *L, int idx)
{
	static const char *const sides[] = { "orig", "patched", NULL };
	return luaL_checkoption(L, idx, NULL, sides);
}

uint32_t klp_check_index(lua_State *L, int idx, const corr *c, int side)
{
	lua_Integer i = luaL_checkinteger(L, idx);
	luaL_argcheck(L, i >= 0 && (lua_Unsigned)i < c->side[side].k->nsymbols, idx,
		      "symbol index out of range");
	return (uint32_t)i;
}

void klp_raise_nomem(lua_State *L)
{
	luaL_error(L, "klp: out of memory");
}

/* Reads t[field], nil or an array of strings, into a NULL-terminated vector
 * whose strings are copied into the same block: a userdata left on the stack,
 * so nothing a callback does to the table can free them under the engine. */
const char **klp_string_list(lua_State *L, int t, const char *field)
{
	lua_getfield(L, t, field);
	int lt = lua_absindex(L, -1);
	if (!lua_isnil(L, lt) && !lua_istable(L, lt))
		luaL_error(L, "'%s' must be a list of strings", field);
	size_t n = lua_istable(L, lt) ? lua_rawlen(L, lt) : 0, bytes = 0;
	for (size_t i = 0; i < n; i++) {
		lua_rawgeti(L, lt, (lua_Integer)i + 1);
		if (lua_type(L, -1) != LUA_TSTRING)
			luaL_error(L, "'%s' must be a list of strings", field);
		bytes += lua_rawlen(L, -1) + 1;
		lua_pop(L, 1);
	}
	const char **v = lua_newuserdatauv(L, (n + 1) * sizeof *v + bytes, 0);
	char *text = (char *)(v + n + 1);
	for (size_t i = 0; i < n; i++) {
		lua_rawgeti(L, lt, (lua_Integer)i + 1);
		size_t len;
		const char *str = lua_tolstring(L, -1, &len);
		memcpy(text, str, len + 1);
		v[i] = text;
		text += len + 1;
		lua_pop(L, 1);
	}
	v[n] = NULL;
	lua_remove(L, lt);
	return v;
}

void klp_set_int(lua_State *L, const char *f, lua_Integer v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, f);
}

/* klp.core.correlator(orig_elf, patched_elf) -> correlator */
static int klp_correlator_new(lua_State *L)
{
	kelf *a = klp_check_elf(L, 1), *b = klp_check_elf(L, 2);
	klp_correlator *kc = lua_newuserdatauv(L, sizeof *kc, 2);
	kc->c = NULL;
	luaL_setmetatable(L, KLP_CORRELATOR_MT);
	lua_pushvalue(L, 1);
	lua_setiuservalue(L, -2, 1);
	lua_pushvalue(L, 2);
	lua_setiuservalue(L, -2, 2);
	kc->c = corr_new(a, b);
	if (!kc->c)
		klp_raise_nomem(L);
	return 1;
}

static int klp_correlator_gc(lua_State *L)
{
	klp_correlator *kc = luaL_checkudata(L, 1, KLP_CORRELATOR_MT);
	corr_free(kc->c);
	kc->c = NULL;
	return 0;
}

/* State of a Lua key function called from corr_assign_keys. */
typedef struct keyfn_call {
	lua_State *L;
	int fn;
	corr *c;
} keyfn_call;

/* Reads field `what` of the key table at the top of the stack: nil, false or
 * a string without NUL bytes.  On a bad value, pushes a message and
 * returns non-zero. */
static int key_field(lua_State *L, const char *what, const char *name, const char **str, size_t *len)
{
	*str = NULL;
	*len = 0;
	int t = lua_getfield(L, -1, what);
	const char *problem = NULL;
	if (t == LUA_TSTRING) {
		*str = lua_tolstring(L, -1, len);
		if (strlen(*str) != *len)
			problem = "string with a NUL byte";
	} else if (t != LUA_TNIL && !(t == LUA_TBOOLEAN && !lua_toboolean(L, -1))) {
		problem = luaL_typename(L, -1);
	}
	lua_pop(L, 1); /* the string stays alive in the table */
	if (problem)
		lua_pushfstring(L, "key function returned a %s as %s for '%s'", problem, what, name);
	return problem != NULL;
}

/* Calls the Lua key function for one name.  It returns nil (the name is its
 * own key) or a table {key =, base =, tu =, numbered =, excluded =}.  On a Lua
 * error leaves the message on the stack and returns 1 (raised once the engine
 * has cleaned up). */
static int call_keyfn(void *ud, const char *name, size_t len, unsigned stt, corr_keyresult *r)
{
	keyfn_call *k = ud;
	lua_State *L = k->L;
	lua_pushvalue(L, k->fn);
	lua_pushlstring(L, name, len);
	lua_pushstring(L, kelf_type_name(stt));
	if (lua_pcall(L, 2, 1, 0) != LUA_OK)
		return 1;
	memset(r, 0, sizeof *r);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return 0;
	}
	if (!lua_istable(L, -1)) {
		const char *what = luaL_typename(L, -1);
		lua_pop(L, 1);
		lua_pushfstring(L, "key function returned a %s for '%s' (a table {key =, base =, tu =, numbered =, "
				   "excluded =} or nil expected)", what, name);
		return 1;
	}
	if (key_field(L, "key", name, &r->key, &r->key_len) || key_field(L, "base", name, &r->base, &r->base_len) ||
	    key_field(L, "tu", name, &r->tu, &r->tu_len)) {
		lua_remove(L, -2); /* the message replaces the table */
		return 1;
	}
	lua_getfield(L, -1, "numbered");
	r->numbered = lua_toboolean(L, -1);
	lua_getfield(L, -2, "excluded");
	r->excluded = lua_toboolean(L, -1);
	lua_pop(L, 2);
	int rc = corr_own_key(k->c, r);
	lua_pop(L, 1);
	return rc;
}

/* corr:assign_keys(keyfn, {contains = {...}, prefixes = {...}})
 * Calls keyfn(name, type) once per distinct name and type that contains one of the strings
 * or starts with one of the prefixes; keyfn returns nil (unchanged) or
 * {key =, base =, tu =, numbered =, excluded =} (nil key/base: unchanged).
 * Other symbols keep their name as key. */
static int klp_correlator_assign_keys(lua_State *L)
{
	corr *c = klp_check_corr(L, 1);
	luaL_checktype(L, 2, LUA_TFUNCTION);
	luaL_checktype(L, 3, LUA_TTABLE);
	const char **contains = klp_string_list(L, 3, "contains");
	const char **prefixes = klp_string_list(L, 3, "prefixes");
	keyfn_call k = { L, 2, c };
	/* The memo is a userdata: a Lua error inside keyfn cannot leak it. */
	size_t slots = corr_key_memo_slots(c);
	uint32_t *memo = lua_newuserdatauv(L, slots * sizeof *memo, 0);
	int rc = corr_assign_keys(c, contains, prefixes, call_keyfn, &k, memo, slots);
	if (rc > 0)
		return lua_error(L);
	if (rc < 0)
		klp_raise_nomem(L);
	return 0;
}

/* corr:exclude{types = {...}, abs = b, undefined = b, prefixes = {...},
 *              sections = {...}, section_prefixes = {...}, section_flags = n}
 * Marks matching symbols on both sides as never correlated. */
static int klp_correlator_exclude(lua_State *L)
{
	static const char *const types[] = { "notype", "object", "func", "section", "file", "common", "tls",
					     NULL };
	corr *c = klp_check_corr(L, 1);
	luaL_checktype(L, 2, LUA_TTABLE);
	corr_exclusion x = { 0 };
	const char **tv = klp_string_list(L, 2, "types");
	for (const char **t = tv; *t; t++) {
		int found = 0;
		for (int i = 0; types[i]; i++)
			if (strcmp(*t, types[i]) == 0) {
				x.types |= 1u << i;
				found = 1;
			}
		if (!found)
			luaL_error(L, "unknown symbol type '%s' in exclusion", *t);
	}
	lua_getfield(L, 2, "abs");
	x.abs = lua_toboolean(L, -1);
	lua_getfield(L, 2, "undefined");
	x.undefined = lua_toboolean(L, -1);
	lua_getfield(L, 2, "section_flags");
	x.section_flags = (uint64_t)luaL_optinteger(L, -1, 0);
	lua_pop(L, 3);
	x.prefixes = klp_string_list(L, 2, "prefixes");
	x.sections = klp_string_list(L, 2, "sections");
	x.section_prefixes = klp_string_list(L, 2, "section_prefixes");
	if (corr_exclude_matching(c, &x) != 0)
		klp_raise_nomem(L);
	return 0;
}

/* corr:exclude_symbol(side, i) */
static int klp_correlator_exclude_symbol(lua_State *L)
{
	corr *c = klp_check_corr(L, 1);
	int s = klp_check_side(L, 2);
	uint32_t i = klp_check_index(L, 3, c, s);
	luaL_argcheck(L, c->side[s].syms[i].twin == CORR_NONE, 3, "symbol is already paired");
	corr_exclude(c, s, i);
	return 0;
}

/* corr:align_files([mode]) -> nil | mismatch message
 * "align" (default): pair FILE symbols by name, tolerating added and removed
 * ones; "in-order": pair them in order and stop at the first mismatch. */
static int klp_correlator_align_files(lua_State *L)
{
	static const char *const modes[] = { "align", "in-order", NULL };
	corr *c = klp_check_corr(L, 1);
	int in_order = luaL_checkoption(L, 2, "align", modes) == 1;
	char msg[512] = "";
	if (corr_align_files(c, in_order, msg, sizeof msg) != 0)
		klp_raise_nomem(L);
	if (!msg[0])
		return 0;
	lua_pushstring(L, msg);
	return 1;
}

/* corr:set_tu_map(mode): "consistent" (default: a TU whose pairs disagree
 * gives no evidence) or "first" (the first pair of a TU fixes its map) */
static int klp_correlator_set_tu_map(lua_State *L)
{
	static const char *const modes[] = { "consistent", "first", NULL };
	corr *c = klp_check_corr(L, 1);
	c->tu_first_wins = luaL_checkoption(L, 2, NULL, modes) == 1;
	return 0;
}

/* corr:link_children({"cold", "part"}): .cold/.part functions belong to the
 * function of their key without that kind */
static int klp_correlator_link_children(lua_State *L)
{
	corr *c = klp_check_corr(L, 1);
	luaL_checktype(L, 2, LUA_TTABLE);
	lua_newtable(L);
	lua_pushvalue(L, 2);
	lua_setfield(L, -2, "kinds");
	const char **kinds = klp_string_list(L, lua_gettop(L), "kinds");
	if (corr_link_children(c, kinds) != 0)
		klp_raise_nomem(L);
	return 0;
}

/* corr:set_line_functions({name, ...}, "line"|"changed"|"same"): the callees
 * that take a line number, and what a pair differing only in those is */
static int klp_correlator_set_line_functions(lua_State *L)
{
	static const char *const modes[] = { "line", "changed", "same", NULL };
	corr *c = klp_check_corr(L, 1);
	luaL_checktype(L, 2, LUA_TTABLE);
	int mode = luaL_checkoption(L, 3, "line", modes);
	lua_newtable(L);
	lua_pushvalue(L, 2);
	lua_setfield(L, -2, "names");
	const char **names = klp_string_list(L, lua_gettop(L), "names");
	size_t n = 0;
	while (names[n])
		n++;
	if (corr_set_line_functions(c, names, n, (corr_line_mode)mode) != 0)
		klp_raise_nomem(L);
	return 0;
}

/* corr:compare_code() -> nil | why the code was compared byte by byte:
 * decides, by their instructions, the pairs whose digests differ */
static int klp_correlator_compare_code(lua_State *L)
{
	corr *c = klp_check_corr(L, 1);
	char why[320];
	if (corr_compare_code(c, why, sizeof why) != 0)
		klp_raise_nomem(L);
	if (!why[0])
		return 0;
	lua_pushstring(L, why);
	return 1;
}

/* corr:compute_digests() -> true | nil, "path: problem" */
static int klp_correlator_compute_digests(lua_State *L)
{
	corr *c = klp_check_corr(L, 1);
	char err[512];
	if (corr_compute_digests(c, err, sizeof err) != 0) {
		luaL_pushfail(L);
		lua_pushstring(L, err);
		return 2;
	}
	lua_pushboolean(L, 1);
	return 1;
}

/* corr:forbid(orig_index, patched_index): never make that pair */
static int klp_correlator_forbid(lua_State *L)
{
	corr *c = klp_check_corr(L, 1);
	if (corr_forbid(c, klp_check_index(L, 2, c, 0), klp_check_index(L, 3, c, 1)) != 0)
		klp_raise_nomem(L);
	return 0;
}

/* corr:watch(side, i): passes record what they see of this symbol */
static int klp_correlator_watch(lua_State *L)
{
	corr *c = klp_check_corr(L, 1);
	int s = klp_check_side(L, 2);
	corr_watch(c, s, klp_check_index(L, 3, c, s));
	return 0;
}

/* corr:pair(orig_index, patched_index, rule) -> true | nil, reason */
static int klp_correlator_pair(lua_State *L)
{
	corr *c = klp_check_corr(L, 1);
	uint32_t a = klp_check_index(L, 2, c, 0), b = klp_check_index(L, 3, c, 1);
	int id = corr_rule_id(c, luaL_checkstring(L, 4));
	if (id < 0)
		klp_raise_nomem(L);
	if (corr_pair(c, a, b, (uint16_t)id, EV_EXPLICIT) != 0) {
		luaL_pushfail(L);
		lua_pushliteral(L, "a symbol is excluded, a FILE or SECTION symbol, or already paired");
		return 2;
	}
	lua_pushboolean(L, 1);
	return 1;
}

/* corr:elf(side) -> the klp.elf of that side */
static int klp_correlator_elf(lua_State *L)
{
	klp_check_corr(L, 1);
	lua_getiuservalue(L, 1, klp_check_side(L, 2) + 1);
	return 1;
}

/* Pushes klp.core.evidence: {{name =, sentence =}, ...} in evidence.h order. */
static void push_evidence(lua_State *L)
{
	lua_createtable(L, EV_COUNT, 0);
	for (int ev = 0; ev < EV_COUNT; ev++) {
		lua_createtable(L, 0, 2);
		lua_pushstring(L, corr_evidence_name((corr_evidence)ev));
		lua_setfield(L, -2, "name");
		lua_pushstring(L, corr_evidence_sentence((corr_evidence)ev));
		lua_setfield(L, -2, "sentence");
		lua_rawseti(L, -2, ev + 1);
	}
}

void klp_open_correlator(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "assign_keys", klp_correlator_assign_keys },
		{ "exclude", klp_correlator_exclude },
		{ "exclude_symbol", klp_correlator_exclude_symbol },
		{ "align_files", klp_correlator_align_files },
		{ "pair", klp_correlator_pair },
		{ "elf", klp_correlator_elf },
		{ "forbid", klp_correlator_forbid },
		{ "watch", klp_correlator_watch },
		{ "set_tu_map", klp_correlator_set_tu_map },
		{ "link_children", klp_correlator_link_children },
		{ "compute_digests", klp_correlator_compute_digests },
		{ "set_line_functions", klp_correlator_set_line_functions },
		{ "compare_code", klp_correlator_compare_code },
		{ NULL, NULL }
	};
	luaL_newmetatable(L, KLP_CORRELATOR_MT);
	lua_pushcfunction(L, klp_correlator_gc);
	lua_setfield(L, -2, "__gc");
	luaL_newlib(L, methods);
	luaL_setfuncs(L, klp_correlator_pass_methods, 0);
	luaL_setfuncs(L, klp_correlator_query_methods, 0);
	luaL_setfuncs(L, klp_correlator_json_methods, 0);
	luaL_setfuncs(L, klp_correlator_diff_methods, 0);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
	lua_pushcfunction(L, klp_correlator_new);
	lua_setfield(L, -2, "correlator");
	push_evidence(L);
	lua_setfield(L, -2, "evidence");
}
