/* lcorr: the klp.correlator userdata, the policy's handle on the engine. */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "lcore.h"

/* User values 1 and 2 hold the orig and patched klp.elf, keeping them alive. */
typedef struct klp_correlator {
	corr *c;
} klp_correlator;

/* Returns the correlator at idx, raising an error when either ELF is closed. */
static corr *check_corr(lua_State *L, int idx)
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

static int check_side(lua_State *L, int idx)
{
	static const char *const sides[] = { "orig", "patched", NULL };
	return luaL_checkoption(L, idx, NULL, sides);
}

static uint32_t check_index(lua_State *L, int idx, const corr *c, int side)
{
	lua_Integer i = luaL_checkinteger(L, idx);
	luaL_argcheck(L, i >= 0 && (lua_Unsigned)i < c->side[side].k->nsymbols, idx,
		      "symbol index out of range");
	return (uint32_t)i;
}

static void raise_nomem(lua_State *L)
{
	luaL_error(L, "klp: out of memory");
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
		raise_nomem(L);
	return 1;
}

static int klp_correlator_gc(lua_State *L)
{
	klp_correlator *kc = luaL_checkudata(L, 1, KLP_CORRELATOR_MT);
	corr_free(kc->c);
	kc->c = NULL;
	return 0;
}

/* Reads t[field], nil or an array of strings, into a NULL-terminated vector
 * whose strings are copied into the same block: a userdata left on the stack,
 * so nothing a callback does to the table can free them under the engine. */
static const char **string_list(lua_State *L, int t, const char *field)
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
	corr *c = check_corr(L, 1);
	luaL_checktype(L, 2, LUA_TFUNCTION);
	luaL_checktype(L, 3, LUA_TTABLE);
	const char **contains = string_list(L, 3, "contains");
	const char **prefixes = string_list(L, 3, "prefixes");
	keyfn_call k = { L, 2, c };
	/* The memo is a userdata: a Lua error inside keyfn cannot leak it. */
	size_t slots = corr_key_memo_slots(c);
	uint32_t *memo = lua_newuserdatauv(L, slots * sizeof *memo, 0);
	int rc = corr_assign_keys(c, contains, prefixes, call_keyfn, &k, memo, slots);
	if (rc > 0)
		return lua_error(L);
	if (rc < 0)
		raise_nomem(L);
	return 0;
}

/* corr:exclude{types = {...}, abs = b, undefined = b, prefixes = {...},
 *              sections = {...}, section_prefixes = {...}, section_flags = n}
 * Marks matching symbols on both sides as never correlated. */
static int klp_correlator_exclude(lua_State *L)
{
	static const char *const types[] = { "notype", "object", "func", "section", "file", "common", "tls",
					     NULL };
	corr *c = check_corr(L, 1);
	luaL_checktype(L, 2, LUA_TTABLE);
	corr_exclusion x = { 0 };
	const char **tv = string_list(L, 2, "types");
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
	x.prefixes = string_list(L, 2, "prefixes");
	x.sections = string_list(L, 2, "sections");
	x.section_prefixes = string_list(L, 2, "section_prefixes");
	if (corr_exclude_matching(c, &x) != 0)
		raise_nomem(L);
	return 0;
}

/* corr:exclude_symbol(side, i) */
static int klp_correlator_exclude_symbol(lua_State *L)
{
	corr *c = check_corr(L, 1);
	int s = check_side(L, 2);
	uint32_t i = check_index(L, 3, c, s);
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
	corr *c = check_corr(L, 1);
	int in_order = luaL_checkoption(L, 2, "align", modes) == 1;
	char msg[512] = "";
	if (corr_align_files(c, in_order, msg, sizeof msg) != 0)
		raise_nomem(L);
	if (!msg[0])
		return 0;
	lua_pushstring(L, msg);
	return 1;
}

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

/* Reads t[field], a list of refinement names, into v; returns the count. */
static size_t check_refines(lua_State *L, int t, const char *field, corr_refine *v)
{
	lua_getfield(L, t, field);
	size_t n = 0;
	if (!lua_isnil(L, -1)) {
		luaL_checktype(L, -1, LUA_TTABLE);
		n = lua_rawlen(L, -1);
		if (n > CORR_MAX_REFINE)
			luaL_error(L, "pass field '%s': at most %d refinements", field, CORR_MAX_REFINE);
		for (size_t i = 0; i < n; i++) {
			lua_rawgeti(L, -1, (lua_Integer)i + 1);
			v[i] = (corr_refine)luaL_checkoption(L, -1, NULL, corr_refine_names);
			lua_pop(L, 1);
		}
	}
	lua_pop(L, 1);
	return n;
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
		raise_nomem(L);
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
}

/* corr:run(pass) -> number of pairs made; {rule = s, use = true} pairs
 * statics by use (corr_pair_by_use), any other table is a grouping pass. */
static int klp_correlator_run(lua_State *L)
{
	corr *c = check_corr(L, 1);
	luaL_checktype(L, 2, LUA_TTABLE);
	if (!c->map_tu)
		luaL_error(L, "align_files must run before any pass");
	long made;
	if (get_bool(L, 2, "use")) {
		lua_getfield(L, 2, "rule");
		int id = corr_rule_id(c, luaL_checkstring(L, -1));
		lua_pop(L, 1);
		if (id < 0)
			raise_nomem(L);
		made = corr_pair_by_use(c, (uint16_t)id);
	} else {
		corr_pass p;
		check_pass(L, 2, c, &p);
		made = corr_run_pass(c, &p);
	}
	if (made < 0)
		raise_nomem(L);
	lua_pushinteger(L, made);
	return 1;
}

/* corr:pair(orig_index, patched_index, rule) -> true | nil, reason */
static int klp_correlator_pair(lua_State *L)
{
	corr *c = check_corr(L, 1);
	uint32_t a = check_index(L, 2, c, 0), b = check_index(L, 3, c, 1);
	int id = corr_rule_id(c, luaL_checkstring(L, 4));
	if (id < 0)
		raise_nomem(L);
	if (corr_pair(c, a, b, (uint16_t)id, EV_EXPLICIT) != 0) {
		luaL_pushfail(L);
		lua_pushliteral(L, "a symbol is excluded, a FILE or SECTION symbol, or already paired");
		return 2;
	}
	lua_pushboolean(L, 1);
	return 1;
}

/* corr:twin(side, i) -> index | nil */
static int klp_correlator_twin(lua_State *L)
{
	corr *c = check_corr(L, 1);
	int s = check_side(L, 2);
	int32_t t = c->side[s].syms[check_index(L, 3, c, s)].twin;
	if (t == CORR_NONE)
		lua_pushnil(L);
	else
		lua_pushinteger(L, t);
	return 1;
}

/* corr:how(side, i) -> rule, evidence | nil (for a paired symbol) */
static int klp_correlator_how(lua_State *L)
{
	corr *c = check_corr(L, 1);
	int s = check_side(L, 2);
	const corr_sym *cs = &c->side[s].syms[check_index(L, 3, c, s)];
	if (cs->twin == CORR_NONE)
		return 0;
	lua_pushstring(L, c->rules[cs->rule]);
	lua_pushstring(L, corr_evidence_name((corr_evidence)cs->evidence));
	return 2;
}

/* corr:key(side, i) -> key, base, tu | nil, numbered, excluded */
static int klp_correlator_key(lua_State *L)
{
	corr *c = check_corr(L, 1);
	int s = check_side(L, 2);
	uint32_t i = check_index(L, 3, c, s);
	const corr_side *sd = &c->side[s];
	const corr_sym *cs = &sd->syms[i];
	lua_pushlstring(L, cs->key, cs->key_len);
	lua_pushlstring(L, cs->base, cs->base_len);
	const char *tu = corr_tu_name(c, s, i);
	if (tu)
		lua_pushstring(L, tu);
	else
		lua_pushnil(L);
	lua_pushboolean(L, cs->flags & CS_NUMBERED);
	lua_pushboolean(L, cs->flags & CS_EXCLUDED);
	return 5;
}

/* corr:eligible(side, i) -> whether the symbol takes part in correlation
 * (not the null symbol, not excluded, not a FILE or SECTION symbol) */
static int klp_correlator_eligible(lua_State *L)
{
	corr *c = check_corr(L, 1);
	int s = check_side(L, 2);
	lua_pushboolean(L, corr_eligible(c, s, check_index(L, 3, c, s)));
	return 1;
}

/* corr:candidates(side, i) -> array of indices on the other side */
static int klp_correlator_candidates(lua_State *L)
{
	corr *c = check_corr(L, 1);
	int s = check_side(L, 2);
	uint32_t i = check_index(L, 3, c, s);
	size_t n = corr_candidates(c, s, i, NULL, 0);
	uint32_t *v = lua_newuserdatauv(L, (n ? n : 1) * sizeof *v, 0);
	corr_candidates(c, s, i, v, n);
	lua_createtable(L, (int)n, 0);
	for (size_t k = 0; k < n; k++) {
		lua_pushinteger(L, v[k]);
		lua_rawseti(L, -2, (lua_Integer)k + 1);
	}
	return 1;
}

static void set_int(lua_State *L, const char *f, lua_Integer v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, f);
}

/* Pushes {orig=, patched=, rule=, evidence=} for the pair of orig symbol a. */
static void push_pair(lua_State *L, const corr *c, uint32_t a)
{
	const corr_sym *cs = &c->side[0].syms[a];
	lua_createtable(L, 0, 4);
	set_int(L, "orig", a);
	set_int(L, "patched", cs->twin);
	lua_pushstring(L, c->rules[cs->rule]);
	lua_setfield(L, -2, "rule");
	lua_pushstring(L, corr_evidence_name((corr_evidence)cs->evidence));
	lua_setfield(L, -2, "evidence");
}

/* corr:pairs([notable_only]) -> array of pairs in orig symtab order; with
 * notable_only, just those whose names or bindings differ or that position decided. */
static int klp_correlator_pairs(lua_State *L)
{
	corr *c = check_corr(L, 1);
	int notable = lua_toboolean(L, 2);
	const kelf *ka = c->side[0].k, *kb = c->side[1].k;
	lua_newtable(L);
	lua_Integer n = 0;
	for (uint32_t a = 1; a < ka->nsymbols; a++) {
		const corr_sym *cs = &c->side[0].syms[a];
		if (cs->twin == CORR_NONE)
			continue;
		const kelf_symbol *sa = &ka->symbols[a], *sb = &kb->symbols[cs->twin];
		if (notable && cs->evidence != EV_POSITIONAL && sa->bind == sb->bind &&
		    sa->name_len == sb->name_len && memcmp(sa->name, sb->name, sa->name_len) == 0)
			continue;
		push_pair(L, c, a);
		lua_rawseti(L, -2, ++n);
	}
	return 1;
}

/* corr:unpaired(side) -> array of eligible unpaired symbol indices */
static int klp_correlator_unpaired(lua_State *L)
{
	corr *c = check_corr(L, 1);
	int s = check_side(L, 2);
	lua_newtable(L);
	lua_Integer n = 0;
	for (uint32_t i = 1; i < c->side[s].k->nsymbols; i++)
		if (c->side[s].syms[i].twin == CORR_NONE && corr_eligible(c, s, i)) {
			lua_pushinteger(L, i);
			lua_rawseti(L, -2, ++n);
		}
	return 1;
}

static void analyse(lua_State *L, corr *c)
{
	if (corr_analyse(c) != 0)
		raise_nomem(L);
}

/* corr:ambiguities() -> array of {side=, index=, ncandidates=, candidates={...}}
 * (candidates lists at most 64 of them) */
static int klp_correlator_ambiguities(lua_State *L)
{
	corr *c = check_corr(L, 1);
	analyse(L, c);
	lua_createtable(L, (int)c->namb, 0);
	for (size_t i = 0; i < c->namb; i++) {
		const corr_ambiguity *a = &c->amb[i];
		lua_createtable(L, 0, 3);
		lua_pushstring(L, a->side == 0 ? "orig" : "patched");
		lua_setfield(L, -2, "side");
		set_int(L, "index", a->index);
		set_int(L, "ncandidates", a->total);
		lua_createtable(L, (int)a->ncand, 0);
		for (uint32_t k = 0; k < a->ncand; k++) {
			lua_pushinteger(L, a->cand[k]);
			lua_rawseti(L, -2, (lua_Integer)k + 1);
		}
		lua_setfield(L, -2, "candidates");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

/* corr:clone_changes() -> array of {orig=, patched=} */
static int klp_correlator_clone_changes(lua_State *L)
{
	corr *c = check_corr(L, 1);
	analyse(L, c);
	lua_createtable(L, (int)c->nclones, 0);
	for (size_t i = 0; i < c->nclones; i++) {
		lua_createtable(L, 0, 2);
		set_int(L, "orig", c->clones[i].orig);
		set_int(L, "patched", c->clones[i].patched);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

/* Pushes an array of the FILE symbol indices of one side whose file has no twin. */
static void push_lone_files(lua_State *L, const corr *c, int s)
{
	const kelf *k = c->side[s].k;
	lua_newtable(L);
	lua_Integer n = 0;
	for (size_t f = 0; f < k->nfiles; f++)
		if (c->side[s].file_pair[f] == CORR_NONE) {
			lua_pushinteger(L, k->files[f]);
			lua_rawseti(L, -2, ++n);
		}
}

/* corr:files() -> {pairs = {{orig=, patched=, positional=}...}, orig_only = {...},
 * patched_only = {...}} (FILE symbol indices; positional: position decided) */
static int klp_correlator_files(lua_State *L)
{
	corr *c = check_corr(L, 1);
	const kelf *ka = c->side[0].k, *kb = c->side[1].k;
	lua_createtable(L, 0, 3);
	lua_newtable(L);
	lua_Integer n = 0;
	for (size_t f = 0; f < ka->nfiles; f++) {
		int32_t g = c->side[0].file_pair[f];
		if (g == CORR_NONE)
			continue;
		lua_createtable(L, 0, 3);
		set_int(L, "orig", ka->files[f]);
		set_int(L, "patched", kb->files[g]);
		lua_pushboolean(L, c->file_positional && c->file_positional[f]);
		lua_setfield(L, -2, "positional");
		lua_rawseti(L, -2, ++n);
	}
	lua_setfield(L, -2, "pairs");
	push_lone_files(L, c, 0);
	lua_setfield(L, -2, "orig_only");
	push_lone_files(L, c, 1);
	lua_setfield(L, -2, "patched_only");
	return 1;
}

/* corr:summary() -> counts (see README, JSON "summary") */
static int klp_correlator_summary(lua_State *L)
{
	corr *c = check_corr(L, 1);
	analyse(L, c);
	lua_Integer pairs = 0, only[2] = { 0, 0 }, excluded[2] = { 0, 0 }, positional = 0;
	for (int s = 0; s < 2; s++)
		for (uint32_t i = 1; i < c->side[s].k->nsymbols; i++) {
			const corr_sym *cs = &c->side[s].syms[i];
			if (!corr_eligible(c, s, i))
				excluded[s]++;
			else if (cs->twin == CORR_NONE)
				only[s]++;
			else if (s == 0) {
				pairs++;
				positional += cs->evidence == EV_POSITIONAL;
			}
		}
	lua_Integer positional_files = 0;
	for (size_t f = 0; c->file_positional && f < c->side[0].k->nfiles; f++)
		positional_files += c->file_positional[f] && c->side[0].file_pair[f] != CORR_NONE;
	lua_createtable(L, 0, 9);
	set_int(L, "positional_files", positional_files);
	set_int(L, "pairs", pairs);
	set_int(L, "orig_only", only[0]);
	set_int(L, "patched_only", only[1]);
	set_int(L, "ambiguous", (lua_Integer)c->namb);
	set_int(L, "excluded_orig", excluded[0]);
	set_int(L, "excluded_patched", excluded[1]);
	set_int(L, "positional", positional);
	set_int(L, "clone_changes", (lua_Integer)c->nclones);
	return 1;
}

/* JSON text is staged here and handed to the Lua buffer in large blocks:
 * appending field by field to a luaL_Buffer costs more than writing it. */
typedef struct jw {
	luaL_Buffer *b;
	size_t n;
	char buf[8192];
} jw;

static void jw_flush(jw *w)
{
	luaL_addlstring(w->b, w->buf, w->n);
	w->n = 0;
}

/* Pushes a writer; the luaL_Buffer it feeds must be set up after it, so that
 * the buffer's own stack slot stays on top (luaL_Buffer requires that). */
static jw *jw_new(lua_State *L)
{
	jw *w = lua_newuserdatauv(L, sizeof *w, 0);
	w->b = NULL;
	w->n = 0;
	return w;
}

/* Flushes w, pushes the text and drops the writer below it. */
static void jw_end(lua_State *L, jw *w)
{
	jw_flush(w);
	luaL_pushresult(w->b);
	lua_remove(L, -2);
}

static void jw_put(jw *w, const char *s, size_t len)
{
	if (len > sizeof w->buf - w->n) {
		jw_flush(w);
		if (len > sizeof w->buf) {
			luaL_addlstring(w->b, s, len);
			return;
		}
	}
	memcpy(w->buf + w->n, s, len);
	w->n += len;
}

static void jw_lit(jw *w, const char *s)
{
	jw_put(w, s, strlen(s));
}

/* Bytes that need an escape in a JSON string: control bytes, DEL, " and \\. */
static unsigned char json_escapes[256];

static void json_init(void)
{
	for (int ch = 0; ch < 256; ch++)
		json_escapes[ch] = ch < 0x20 || ch == 0x7f || ch == '"' || ch == '\\';
}

/* Writes s as a JSON string literal (control bytes escaped; other bytes as
 * is).  Runs that need no escape, whole names as a rule, go in one copy. */
static void json_string(jw *w, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	jw_put(w, "\"", 1);
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (!json_escapes[ch])
			continue;
		jw_put(w, s + run, i - run);
		run = i + 1;
		if (ch == '"' || ch == '\\') {
			char esc[2] = { '\\', (char)ch };
			jw_put(w, esc, 2);
		} else {
			char esc[6] = { '\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15] };
			jw_put(w, esc, 6);
		}
	}
	jw_put(w, s + run, len - run);
	jw_put(w, "\"", 1);
}

/* Writes prefix (such as ,"patched":) and then v, a symbol index. */
static void json_int(jw *w, const char *prefix, size_t plen, uint64_t v)
{
	char digits[24];
	size_t n = 0;
	do {
		digits[sizeof digits - ++n] = (char)('0' + v % 10);
		v /= 10;
	} while (v && n < sizeof digits);
	jw_put(w, prefix, plen);
	jw_put(w, digits + sizeof digits - n, n);
}

#define JSON_INT(w, literal, v) json_int(w, literal, sizeof literal - 1, (uint64_t)(v))

static void json_field_string(jw *w, const char *field, const char *s, size_t len)
{
	jw_put(w, ",\"", 2);
	jw_lit(w, field);
	jw_put(w, "\":", 2);
	json_string(w, s, len);
}

/* Writes ,"field":"s" or ,"field":null. */
static void json_field_optional(jw *w, const char *field, const char *s)
{
	if (s) {
		json_field_string(w, field, s, strlen(s));
	} else {
		jw_put(w, ",\"", 2);
		jw_lit(w, field);
		jw_put(w, "\":null", 6);
	}
}

/* The FILE name of a symbol, or NULL. */
static const char *file_name(const kelf *k, uint32_t i)
{
	int32_t f = k->symbols[i].file;
	return f == KELF_NO_FILE ? NULL : k->symbols[k->files[f]].name;
}

/* Writes the "explain" object of the pair of orig symbol a. */
static void json_explain(jw *w, const corr *c, uint32_t a)
{
	uint32_t p = (uint32_t)c->side[0].syms[a].twin;
	const corr_sym *sa = &c->side[0].syms[a], *sb = &c->side[1].syms[p];
	jw_lit(w, ",\"explain\":{\"key\":");
	json_string(w, sa->key, sa->key_len);
	json_field_string(w, "patched_key", sb->key, sb->key_len);
	json_field_optional(w, "file", file_name(c->side[0].k, a));
	json_field_optional(w, "patched_file", file_name(c->side[1].k, p));
	json_field_optional(w, "tu", corr_tu_name(c, 0, a));
	json_field_optional(w, "patched_tu", corr_tu_name(c, 1, p));
	jw_put(w, "}", 1);
}

/* corr:json_pairs([explain]) -> the JSON array text of every pair (format
 * version 1), with an "explain" object per pair when asked; rendered here
 * because full-kernel objects have 10^5 - 10^6 pairs. */
static int klp_correlator_json_pairs(lua_State *L)
{
	corr *c = check_corr(L, 1);
	int explain = lua_toboolean(L, 2);
	const kelf *ka = c->side[0].k, *kb = c->side[1].k;
	/* Sized for the whole array up front (names plus ~120 bytes of fields a
	 * pair): no regrowth, no copies. */
	size_t size = 16;
	for (uint32_t a = 1; a < ka->nsymbols; a++) {
		int32_t t = c->side[0].syms[a].twin;
		if (t != CORR_NONE)
			size += ka->symbols[a].name_len + kb->symbols[t].name_len + (explain ? 240 : 120);
	}
	jw *w = jw_new(L);
	luaL_Buffer b;
	luaL_buffinitsize(L, &b, size);
	w->b = &b;
	jw_put(w, "[", 1);
	int first = 1;
	for (uint32_t a = 1; a < ka->nsymbols; a++) {
		const corr_sym *cs = &c->side[0].syms[a];
		if (cs->twin == CORR_NONE)
			continue;
		const kelf_symbol *sa = &ka->symbols[a], *sb = &kb->symbols[cs->twin];
		jw_lit(w, first ? "\n{" : ",\n{");
		first = 0;
		JSON_INT(w, "\"orig\":", a);
		JSON_INT(w, ",\"patched\":", cs->twin);
		json_field_string(w, "orig_name", sa->name, sa->name_len);
		json_field_string(w, "patched_name", sb->name, sb->name_len);
		const char *rule = c->rules[cs->rule];
		json_field_string(w, "rule", rule, strlen(rule));
		const char *ev = corr_evidence_name((corr_evidence)cs->evidence);
		json_field_string(w, "evidence", ev, strlen(ev));
		const char *st = corr_status_name(corr_pair_status(c, a));
		json_field_string(w, "status", st, strlen(st));
		if (explain)
			json_explain(w, c, a);
		jw_put(w, "}", 1);
	}
	jw_lit(w, first ? "]" : "\n]");
	jw_end(L, w);
	return 1;
}

/* corr:json_unpaired(side) -> the JSON array text of that side's leftovers */
static int klp_correlator_json_unpaired(lua_State *L)
{
	corr *c = check_corr(L, 1);
	int s = check_side(L, 2);
	const kelf *k = c->side[s].k;
	jw *w = jw_new(L);
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	w->b = &b;
	jw_put(w, "[", 1);
	int first = 1;
	for (uint32_t i = 1; i < k->nsymbols; i++) {
		if (c->side[s].syms[i].twin != CORR_NONE || !corr_eligible(c, s, i))
			continue;
		const kelf_symbol *sym = &k->symbols[i];
		jw_lit(w, first ? "\n{" : ",\n{");
		first = 0;
		JSON_INT(w, "\"index\":", i);
		json_field_string(w, "name", sym->name, sym->name_len);
		const char *t = kelf_type_name(sym->type), *bind = kelf_bind_name(sym->bind);
		json_field_string(w, "type", t, strlen(t));
		json_field_string(w, "bind", bind, strlen(bind));
		jw_put(w, "}", 1);
	}
	jw_lit(w, first ? "]" : "\n]");
	jw_end(L, w);
	return 1;
}

/* corr:forbid(orig_index, patched_index): never make that pair */
static int klp_correlator_forbid(lua_State *L)
{
	corr *c = check_corr(L, 1);
	if (corr_forbid(c, check_index(L, 2, c, 0), check_index(L, 3, c, 1)) != 0)
		raise_nomem(L);
	return 0;
}

/* corr:watch(side, i): passes record what they see of this symbol */
static int klp_correlator_watch(lua_State *L)
{
	corr *c = check_corr(L, 1);
	int s = check_side(L, 2);
	corr_watch(c, s, check_index(L, 3, c, s));
	return 0;
}

/* corr:trace() -> array of {rule=, side=, index=, outcome=, evidence=, twin=,
 * ncandidates=, candidates={...}} for watched symbols, in pass order */
static int klp_correlator_trace(lua_State *L)
{
	corr *c = check_corr(L, 1);
	lua_createtable(L, (int)c->nevents, 0);
	for (size_t i = 0; i < c->nevents; i++) {
		const corr_event *e = &c->events[i];
		lua_createtable(L, 0, 8);
		lua_pushstring(L, c->rules[e->rule]);
		lua_setfield(L, -2, "rule");
		lua_pushstring(L, e->side ? "patched" : "orig");
		lua_setfield(L, -2, "side");
		set_int(L, "index", e->index);
		lua_pushstring(L, corr_outcome_name((corr_outcome)e->outcome));
		lua_setfield(L, -2, "outcome");
		if (e->outcome == OUT_PAIRED) {
			lua_pushstring(L, corr_evidence_name((corr_evidence)e->evidence));
			lua_setfield(L, -2, "evidence");
			set_int(L, "twin", e->twin);
		}
		set_int(L, "ncandidates", e->ncand);
		uint32_t keep = e->ncand < CORR_TRACE_CAND ? e->ncand : CORR_TRACE_CAND;
		lua_createtable(L, (int)keep, 0);
		for (uint32_t k = 0; k < keep; k++) {
			lua_pushinteger(L, e->cand[k]);
			lua_rawseti(L, -2, (lua_Integer)k + 1);
		}
		lua_setfield(L, -2, "candidates");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

/* corr:lookup(side, string [, "name"|"key"|"base"]) -> array of symbol indices
 * whose name (default), key or base is that string, in symtab order */
static int klp_correlator_lookup(lua_State *L)
{
	static const char *const sels[] = { "name", "key", "base", NULL };
	corr *c = check_corr(L, 1);
	int s = check_side(L, 2);
	size_t len;
	const char *want = luaL_checklstring(L, 3, &len);
	int sel = luaL_checkoption(L, 4, "name", sels);
	lua_newtable(L);
	lua_Integer n = 0;
	for (uint32_t i = 1; i < c->side[s].k->nsymbols; i++) {
		const corr_sym *cs = &c->side[s].syms[i];
		const kelf_symbol *sym = &c->side[s].k->symbols[i];
		const char *str = sel == 0 ? sym->name : sel == 1 ? cs->key : cs->base;
		uint32_t slen = sel == 0 ? sym->name_len : sel == 1 ? cs->key_len : cs->base_len;
		if (slen == len && memcmp(str, want, len) == 0) {
			lua_pushinteger(L, i);
			lua_rawseti(L, -2, ++n);
		}
	}
	return 1;
}

/* corr:set_tu_map(mode): "consistent" (default: a TU whose pairs disagree
 * gives no evidence) or "first" (the first pair of a TU fixes its map) */
static int klp_correlator_set_tu_map(lua_State *L)
{
	static const char *const modes[] = { "consistent", "first", NULL };
	corr *c = check_corr(L, 1);
	c->tu_first_wins = luaL_checkoption(L, 2, NULL, modes) == 1;
	return 0;
}

/* corr:link_children({"cold", "part"}): .cold/.part functions belong to the
 * function of their key without that kind */
static int klp_correlator_link_children(lua_State *L)
{
	corr *c = check_corr(L, 1);
	luaL_checktype(L, 2, LUA_TTABLE);
	lua_newtable(L);
	lua_pushvalue(L, 2);
	lua_setfield(L, -2, "kinds");
	const char **kinds = string_list(L, lua_gettop(L), "kinds");
	if (corr_link_children(c, kinds) != 0)
		raise_nomem(L);
	return 0;
}

/* corr:compute_digests() -> true | nil, "path: problem" */
static int klp_correlator_compute_digests(lua_State *L)
{
	corr *c = check_corr(L, 1);
	char err[512];
	if (corr_compute_digests(c, err, sizeof err) != 0) {
		luaL_pushfail(L);
		lua_pushstring(L, err);
		return 2;
	}
	lua_pushboolean(L, 1);
	return 1;
}

/* corr:same_named(side, i [, "address"]) -> rank, count among the defined
 * FUNC/OBJECT symbols of that name (rank in symtab or address order) */
static int klp_correlator_same_named(lua_State *L)
{
	corr *c = check_corr(L, 1);
	int s = check_side(L, 2);
	uint32_t i = check_index(L, 3, c, s);
	static const char *const orders[] = { "symtab", "address", NULL };
	int by_address = luaL_checkoption(L, 4, "symtab", orders);
	uint32_t rank, count;
	if (corr_same_named(c, s, i, by_address, &rank, &count) != 0)
		raise_nomem(L);
	lua_pushinteger(L, rank);
	lua_pushinteger(L, count);
	return 2;
}

/* corr:status(orig_index) -> "same" | "changed" | "unknown" */
static int klp_correlator_status(lua_State *L)
{
	corr *c = check_corr(L, 1);
	lua_pushstring(L, corr_status_name(corr_pair_status(c, check_index(L, 2, c, 0))));
	return 1;
}

/* corr:parent(side, i) -> index of the function a .cold/.part child belongs to */
static int klp_correlator_parent(lua_State *L)
{
	corr *c = check_corr(L, 1);
	int s = check_side(L, 2);
	int32_t p = c->side[s].syms[check_index(L, 3, c, s)].parent;
	if (p == CORR_NONE)
		return 0;
	lua_pushinteger(L, p);
	return 1;
}

/* Appends {orig=, patched=} to the array at the top of the stack. */
static void push_change(lua_State *L, lua_Integer *n, int64_t orig, int64_t patched)
{
	lua_createtable(L, 0, 2);
	if (orig >= 0)
		set_int(L, "orig", orig);
	if (patched >= 0)
		set_int(L, "patched", patched);
	lua_rawseti(L, -2, ++*n);
}

/* Whether symbol i of a side is a function or data a live patch deals with:
 * defined, eligible, FUNC or OBJECT, not a .cold/.part child. */
static int patchable(const corr *c, int side, uint32_t i, unsigned type)
{
	const kelf_symbol *s = &c->side[side].k->symbols[i];
	return s->type == type && s->shndx != 0 && corr_eligible(c, side, i) &&
	       c->side[side].syms[i].parent == CORR_NONE;
}

/* corr:changes() -> {changed_functions, new_functions, removed_functions,
 * changed_data}: arrays of {orig=, patched=} (children folded into parents) */
static int klp_correlator_changes(lua_State *L)
{
	corr *c = check_corr(L, 1);
	lua_createtable(L, 0, 4);
	lua_Integer n = 0;
	lua_newtable(L);
	for (uint32_t a = 1; a < c->side[0].k->nsymbols; a++)
		if (patchable(c, 0, a, STT_FUNC) && corr_pair_status(c, a) == ST_CHANGED)
			push_change(L, &n, a, c->side[0].syms[a].twin);
	lua_setfield(L, -2, "changed_functions");
	n = 0;
	lua_newtable(L);
	for (uint32_t a = 1; a < c->side[0].k->nsymbols; a++)
		if (patchable(c, 0, a, STT_OBJECT) && corr_pair_status(c, a) == ST_CHANGED)
			push_change(L, &n, a, c->side[0].syms[a].twin);
	lua_setfield(L, -2, "changed_data");
	n = 0;
	lua_newtable(L);
	for (uint32_t b = 1; b < c->side[1].k->nsymbols; b++)
		if (patchable(c, 1, b, STT_FUNC) && c->side[1].syms[b].twin == CORR_NONE)
			push_change(L, &n, -1, b);
	lua_setfield(L, -2, "new_functions");
	n = 0;
	lua_newtable(L);
	for (uint32_t a = 1; a < c->side[0].k->nsymbols; a++)
		if (patchable(c, 0, a, STT_FUNC) && c->side[0].syms[a].twin == CORR_NONE)
			push_change(L, &n, a, -1);
	lua_setfield(L, -2, "removed_functions");
	return 1;
}

/* corr:elf(side) -> the klp.elf of that side */
static int klp_correlator_elf(lua_State *L)
{
	check_corr(L, 1);
	lua_getiuservalue(L, 1, check_side(L, 2) + 1);
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
		{ "run", klp_correlator_run },
		{ "pair", klp_correlator_pair },
		{ "twin", klp_correlator_twin },
		{ "how", klp_correlator_how },
		{ "key", klp_correlator_key },
		{ "eligible", klp_correlator_eligible },
		{ "candidates", klp_correlator_candidates },
		{ "pairs", klp_correlator_pairs },
		{ "unpaired", klp_correlator_unpaired },
		{ "ambiguities", klp_correlator_ambiguities },
		{ "clone_changes", klp_correlator_clone_changes },
		{ "files", klp_correlator_files },
		{ "summary", klp_correlator_summary },
		{ "json_pairs", klp_correlator_json_pairs },
		{ "json_unpaired", klp_correlator_json_unpaired },
		{ "elf", klp_correlator_elf },
		{ "forbid", klp_correlator_forbid },
		{ "watch", klp_correlator_watch },
		{ "trace", klp_correlator_trace },
		{ "lookup", klp_correlator_lookup },
		{ "set_tu_map", klp_correlator_set_tu_map },
		{ "link_children", klp_correlator_link_children },
		{ "compute_digests", klp_correlator_compute_digests },
		{ "status", klp_correlator_status },
		{ "same_named", klp_correlator_same_named },
		{ "parent", klp_correlator_parent },
		{ "changes", klp_correlator_changes },
		{ NULL, NULL }
	};
	json_init();
	luaL_newmetatable(L, KLP_CORRELATOR_MT);
	lua_pushcfunction(L, klp_correlator_gc);
	lua_setfield(L, -2, "__gc");
	luaL_newlib(L, methods);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
	lua_pushcfunction(L, klp_correlator_new);
	lua_setfield(L, -2, "correlator");
	push_evidence(L);
	lua_setfield(L, -2, "evidence");
}
