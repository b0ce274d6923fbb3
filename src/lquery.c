/* lquery: what a correlation holds, asked from Lua: twins, keys,
 * candidates, pairs, leftovers, the analysis, traces, statuses and changes. */
#include "lcorr.h"

#include <string.h>

#include "analyse.h"
#include "changes.h"
#include "group.h"
#include "keys.h"
#include "sympos.h"
#include "trace.h"

/* Pushes an array of the n symbol indices v. */
static void push_indices(lua_State *L, const uint32_t *v, size_t n)
{
	lua_createtable(L, (int)n, 0);
	for (size_t k = 0; k < n; k++) {
		lua_pushinteger(L, v[k]);
		lua_rawseti(L, -2, (lua_Integer)k + 1);
	}
}

/* corr:twin(side, i) -> index | nil */
static int klp_correlator_twin(lua_State *L)
{
	corr *c = klp_check_corr(L, 1);
	int s = klp_check_side(L, 2);
	int32_t t = c->side[s].syms[klp_check_index(L, 3, c, s)].twin;
	if (t == CORR_NONE)
		lua_pushnil(L);
	else
		lua_pushinteger(L, t);
	return 1;
}

/* corr:how(side, i) -> rule, evidence | nil (for a paired symbol) */
static int klp_correlator_how(lua_State *L)
{
	corr *c = klp_check_corr(L, 1);
	int s = klp_check_side(L, 2);
	const corr_sym *cs = &c->side[s].syms[klp_check_index(L, 3, c, s)];
	if (cs->twin == CORR_NONE)
		return 0;
	lua_pushstring(L, c->rules[cs->rule]);
	lua_pushstring(L, corr_evidence_name((corr_evidence)cs->evidence));
	return 2;
}

/* corr:key(side, i) -> key, base, tu | nil, numbered, excluded */
static int klp_correlator_key(lua_State *L)
{
	corr *c = klp_check_corr(L, 1);
	int s = klp_check_side(L, 2);
	uint32_t i = klp_check_index(L, 3, c, s);
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
	corr *c = klp_check_corr(L, 1);
	int s = klp_check_side(L, 2);
	lua_pushboolean(L, corr_eligible(c, s, klp_check_index(L, 3, c, s)));
	return 1;
}

/* corr:candidates(side, i) -> array of indices on the other side */
static int klp_correlator_candidates(lua_State *L)
{
	corr *c = klp_check_corr(L, 1);
	int s = klp_check_side(L, 2);
	uint32_t i = klp_check_index(L, 3, c, s);
	size_t n = corr_candidates(c, s, i, NULL, 0);
	uint32_t *v = lua_newuserdatauv(L, (n ? n : 1) * sizeof *v, 0);
	corr_candidates(c, s, i, v, n);
	push_indices(L, v, n);
	return 1;
}

/* Pushes {orig=, patched=, rule=, evidence=} for the pair of orig symbol a. */
static void push_pair(lua_State *L, const corr *c, uint32_t a)
{
	const corr_sym *cs = &c->side[0].syms[a];
	lua_createtable(L, 0, 4);
	klp_set_int(L, "orig", a);
	klp_set_int(L, "patched", cs->twin);
	lua_pushstring(L, c->rules[cs->rule]);
	lua_setfield(L, -2, "rule");
	lua_pushstring(L, corr_evidence_name((corr_evidence)cs->evidence));
	lua_setfield(L, -2, "evidence");
}

/* corr:pairs([notable_only]) -> array of pairs in orig symtab order; with
 * notable_only, just those whose names or bindings differ or that position
 * decided (corr_pair_notable). */
static int klp_correlator_pairs(lua_State *L)
{
	corr *c = klp_check_corr(L, 1);
	int notable = lua_toboolean(L, 2);
	lua_newtable(L);
	lua_Integer n = 0;
	for (uint32_t a = 1; a < c->side[0].k->nsymbols; a++) {
		if (c->side[0].syms[a].twin == CORR_NONE || (notable && !corr_pair_notable(c, a)))
			continue;
		push_pair(L, c, a);
		lua_rawseti(L, -2, ++n);
	}
	return 1;
}

/* corr:unpaired(side) -> array of eligible unpaired symbol indices */
static int klp_correlator_unpaired(lua_State *L)
{
	corr *c = klp_check_corr(L, 1);
	int s = klp_check_side(L, 2);
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
		klp_raise_nomem(L);
}

/* corr:ambiguities() -> array of {side=, index=, ncandidates=, candidates={...}}
 * (candidates lists at most 64 of them) */
static int klp_correlator_ambiguities(lua_State *L)
{
	corr *c = klp_check_corr(L, 1);
	analyse(L, c);
	lua_createtable(L, (int)c->namb, 0);
	for (size_t i = 0; i < c->namb; i++) {
		const corr_ambiguity *a = &c->amb[i];
		lua_createtable(L, 0, 3);
		lua_pushstring(L, a->side == 0 ? "orig" : "patched");
		lua_setfield(L, -2, "side");
		klp_set_int(L, "index", a->index);
		klp_set_int(L, "ncandidates", a->total);
		push_indices(L, a->cand, a->ncand);
		lua_setfield(L, -2, "candidates");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

/* corr:clone_changes() -> array of {orig=, patched=} */
static int klp_correlator_clone_changes(lua_State *L)
{
	corr *c = klp_check_corr(L, 1);
	analyse(L, c);
	lua_createtable(L, (int)c->nclones, 0);
	for (size_t i = 0; i < c->nclones; i++) {
		lua_createtable(L, 0, 2);
		klp_set_int(L, "orig", c->clones[i].orig);
		klp_set_int(L, "patched", c->clones[i].patched);
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
	corr *c = klp_check_corr(L, 1);
	const kelf *ka = c->side[0].k, *kb = c->side[1].k;
	lua_createtable(L, 0, 3);
	lua_newtable(L);
	lua_Integer n = 0;
	for (size_t f = 0; f < ka->nfiles; f++) {
		int32_t g = c->side[0].file_pair[f];
		if (g == CORR_NONE)
			continue;
		lua_createtable(L, 0, 3);
		klp_set_int(L, "orig", ka->files[f]);
		klp_set_int(L, "patched", kb->files[g]);
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
	corr *c = klp_check_corr(L, 1);
	corr_summary s;
	if (corr_summarise(c, &s) != 0)
		klp_raise_nomem(L);
	lua_createtable(L, 0, 9);
	klp_set_int(L, "positional_files", (lua_Integer)s.positional_files);
	klp_set_int(L, "pairs", (lua_Integer)s.pairs);
	klp_set_int(L, "orig_only", (lua_Integer)s.orig_only);
	klp_set_int(L, "patched_only", (lua_Integer)s.patched_only);
	klp_set_int(L, "ambiguous", (lua_Integer)s.ambiguous);
	klp_set_int(L, "excluded_orig", (lua_Integer)s.excluded_orig);
	klp_set_int(L, "excluded_patched", (lua_Integer)s.excluded_patched);
	klp_set_int(L, "positional", (lua_Integer)s.positional);
	klp_set_int(L, "clone_changes", (lua_Integer)s.clone_changes);
	return 1;
}

/* corr:trace() -> array of {rule=, side=, index=, outcome=, evidence=, twin=,
 * ncandidates=, candidates={...}} for watched symbols, in pass order */
static int klp_correlator_trace(lua_State *L)
{
	corr *c = klp_check_corr(L, 1);
	lua_createtable(L, (int)c->nevents, 0);
	for (size_t i = 0; i < c->nevents; i++) {
		const corr_event *e = &c->events[i];
		lua_createtable(L, 0, 8);
		lua_pushstring(L, c->rules[e->rule]);
		lua_setfield(L, -2, "rule");
		lua_pushstring(L, e->side ? "patched" : "orig");
		lua_setfield(L, -2, "side");
		klp_set_int(L, "index", e->index);
		lua_pushstring(L, corr_outcome_name((corr_outcome)e->outcome));
		lua_setfield(L, -2, "outcome");
		if (e->outcome == OUT_PAIRED) {
			lua_pushstring(L, corr_evidence_name((corr_evidence)e->evidence));
			lua_setfield(L, -2, "evidence");
			klp_set_int(L, "twin", e->twin);
		}
		klp_set_int(L, "ncandidates", e->ncand);
		push_indices(L, e->cand, e->ncand < CORR_TRACE_CAND ? e->ncand : CORR_TRACE_CAND);
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
	corr *c = klp_check_corr(L, 1);
	int s = klp_check_side(L, 2);
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

/* corr:same_named(side, i [, "address"]) -> rank, count among the defined
 * FUNC/OBJECT symbols of that name (rank in symtab or address order) */
static int klp_correlator_same_named(lua_State *L)
{
	corr *c = klp_check_corr(L, 1);
	int s = klp_check_side(L, 2);
	uint32_t i = klp_check_index(L, 3, c, s);
	static const char *const orders[] = { "symtab", "address", NULL };
	int by_address = luaL_checkoption(L, 4, "symtab", orders);
	uint32_t rank, count;
	if (corr_same_named(c, s, i, by_address, &rank, &count) != 0)
		klp_raise_nomem(L);
	lua_pushinteger(L, rank);
	lua_pushinteger(L, count);
	return 2;
}

/* corr:status(orig_index) -> "same" | "changed" | "unknown" */
static int klp_correlator_status(lua_State *L)
{
	corr *c = klp_check_corr(L, 1);
	lua_pushstring(L, corr_status_name(corr_pair_status(c, klp_check_index(L, 2, c, 0))));
	return 1;
}

/* corr:compared() -> true | false, "path: why its contents are not compared" */
static int klp_correlator_compared(lua_State *L)
{
	corr *c = klp_check_corr(L, 1);
	for (int s = 0; s < 2; s++)
		if (c->side[s].uncompared[0]) {
			lua_pushboolean(L, 0);
			lua_pushfstring(L, "%s: %s", c->side[s].k->path, c->side[s].uncompared);
			return 2;
		}
	lua_pushboolean(L, 1);
	return 1;
}

/* corr:read_by_address() -> {path...}: the sides, linked images without
 * relocations, whose references were read by address (digest.h) */
static int klp_correlator_read_by_address(lua_State *L)
{
	corr *c = klp_check_corr(L, 1);
	lua_newtable(L);
	for (int s = 0, n = 0; s < 2; s++)
		if (c->side[s].read_by_address && !c->side[s].uncompared[0]) {
			lua_pushstring(L, c->side[s].k->path);
			lua_rawseti(L, -2, ++n);
		}
	return 1;
}

/* corr:parent(side, i) -> index of the function a .cold/.part child belongs to */
static int klp_correlator_parent(lua_State *L)
{
	corr *c = klp_check_corr(L, 1);
	int s = klp_check_side(L, 2);
	int32_t p = c->side[s].syms[klp_check_index(L, 3, c, s)].parent;
	if (p == CORR_NONE)
		return 0;
	lua_pushinteger(L, p);
	return 1;
}

/* Pushes one change list: an array of {orig =, patched =}, a field absent
 * where the symbol is on one side only. */
static void push_changes(lua_State *L, const corr_change *list, size_t n)
{
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		lua_createtable(L, 0, 2);
		if (list[i].orig != CORR_NONE)
			klp_set_int(L, "orig", list[i].orig);
		if (list[i].patched != CORR_NONE)
			klp_set_int(L, "patched", list[i].patched);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

/* corr:changes() -> {changed_functions =, new_functions =, removed_functions =,
 * changed_data =}: arrays of {orig =, patched =} (corr_changes) */
static int klp_correlator_changes(lua_State *L)
{
	corr *c = klp_check_corr(L, 1);
	lua_createtable(L, 0, CH_COUNT);
	for (int k = 0; k < CH_COUNT; k++) {
		/* Room for every symbol of the side: one scan fills the list. */
		size_t max = c->side[k == CH_NEW_FUNCTIONS].k->nsymbols;
		corr_change *list = lua_newuserdatauv(L, (max ? max : 1) * sizeof *list, 0);
		size_t n = corr_changes(c, (corr_change_kind)k, list, max);
		push_changes(L, list, n);
		lua_setfield(L, -3, corr_change_kind_names[k]);
		lua_pop(L, 1);
	}
	return 1;
}

const luaL_Reg klp_correlator_query_methods[] = {
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
	{ "trace", klp_correlator_trace },
	{ "lookup", klp_correlator_lookup },
	{ "status", klp_correlator_status },
	{ "same_named", klp_correlator_same_named },
	{ "parent", klp_correlator_parent },
	{ "compared", klp_correlator_compared },
	{ "read_by_address", klp_correlator_read_by_address },
	{ "changes", klp_correlator_changes },
	{ NULL, NULL }
};
