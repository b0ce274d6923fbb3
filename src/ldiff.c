/* ldiff: disassembly from Lua, as correlator methods: corr:diff (two
 * functions' listings aligned, decode.h / listing.h / fndiff.h) and
 * corr:decode (a range of instruction records).  One decoder per ELF,
 * cached while the ELF lives; the engine decides, this only binds. */
#include "lcorr.h"

#include <stdio.h>
#include <string.h>

#include "decode.h"
#include "fndiff.h"
#include "listing.h"

#define KLP_DECODER_MT "klp.decoder"
#define KLP_DECODERS "klp.decoders" /* registry: klp.elf -> klp.decoder, weak keys */
#define KLP_DIFF_JOB_MT "klp.diff_job"

typedef struct decoder_box {
	klp_decoder *d;
} decoder_box;

static int decoder_gc(lua_State *L)
{
	decoder_box *box = luaL_checkudata(L, 1, KLP_DECODER_MT);
	klp_decoder_free(box->d);
	box->d = NULL;
	return 0;
}

/* The decoder of side `side` of the correlator at cidx, made on first use;
 * NULL with a message "path: reason" pushed when the machine has none. */
static klp_decoder *decoder_for(lua_State *L, int cidx, corr *c, int side)
{
	if (luaL_getsubtable(L, LUA_REGISTRYINDEX, KLP_DECODERS) == 0) {
		lua_createtable(L, 0, 1);
		lua_pushliteral(L, "k");
		lua_setfield(L, -2, "__mode");
		lua_setmetatable(L, -2);
	}
	lua_getiuservalue(L, cidx, side + 1);
	lua_pushvalue(L, -1);
	lua_rawget(L, -3);
	decoder_box *box = luaL_testudata(L, -1, KLP_DECODER_MT);
	if (box && box->d) {
		lua_pop(L, 3); /* the cache keeps it while the ELF lives */
		return box->d;
	}
	lua_pop(L, 1);
	char err[300];
	kelf *k = c->side[side].k;
	klp_decoder *d = klp_decoder_new(k, err, sizeof err);
	if (!d) {
		lua_pop(L, 2);
		lua_pushfstring(L, "%s: %s", k->path, err);
		return NULL;
	}
	box = lua_newuserdatauv(L, sizeof *box, 0);
	box->d = d;
	if (luaL_newmetatable(L, KLP_DECODER_MT)) {
		lua_pushcfunction(L, decoder_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_setmetatable(L, -2);
	lua_rawset(L, -3); /* cache[elf] = box */
	lua_pop(L, 1);
	return d;
}

/* What corr:diff allocates, freed by __gc should a Lua error cut it short. */
typedef struct diff_job {
	klp_listing l[2];
	klp_diff d;
} diff_job;

static int diff_job_gc(lua_State *L)
{
	diff_job *j = luaL_checkudata(L, 1, KLP_DIFF_JOB_MT);
	klp_listing_free(&j->l[0]);
	klp_listing_free(&j->l[1]);
	klp_diff_free(&j->d);
	return 0;
}

/* Sets field f of the table on top to the offset of line i of l, or leaves it unset. */
static void set_offset(lua_State *L, const char *f, const klp_listing *l, int32_t i)
{
	if (i >= 0 && (size_t)i < l->nlines)
		klp_set_int(L, f, (lua_Integer)l->lines[i].offset);
}

/* Pushes {instructions =, bytes =, section =} of a listing of k. */
static void push_side(lua_State *L, const klp_listing *l, const kelf *k)
{
	lua_createtable(L, 0, 3);
	klp_set_int(L, "instructions", (lua_Integer)l->nlines);
	klp_set_int(L, "bytes", (lua_Integer)l->bytes);
	lua_pushstring(L, l->section < k->nsections ? k->sections[l->section].name : "");
	lua_setfield(L, -2, "section");
}

/* corr:diff(orig_index | nil, patched_index | nil)
 * -> {rows = {{op =, orig_offset =, patched_offset =, text =, patched_text =, why =, label =}, ...},
 *     changed = n, truncated = b, orig = {instructions =, bytes =, section =} | nil, patched = ... | nil}
 *  | nil, "path: problem" (a machine without a disassembler, bytes outside the section)
 * A side given nil is an empty listing (a function on one side only). */
static int klp_correlator_diff(lua_State *L)
{
	corr *c = klp_check_corr(L, 1);
	int have[2] = { !lua_isnoneornil(L, 2), !lua_isnoneornil(L, 3) };
	uint32_t index[2] = { have[0] ? klp_check_index(L, 2, c, 0) : 0, have[1] ? klp_check_index(L, 3, c, 1) : 0 };
	diff_job *job = lua_newuserdatauv(L, sizeof *job, 0);
	memset(job, 0, sizeof *job);
	if (luaL_newmetatable(L, KLP_DIFF_JOB_MT)) {
		lua_pushcfunction(L, diff_job_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_setmetatable(L, -2);
	for (int s = 0; s < 2; s++) {
		if (!have[s])
			continue;
		klp_decoder *d = decoder_for(L, 1, c, s);
		if (!d) {
			klp_listing_free(&job->l[0]);
			luaL_pushfail(L);
			lua_insert(L, -2);
			return 2;
		}
		char err[500];
		if (klp_listing_build(c, s, index[s], d, &job->l[s], err, sizeof err) != 0) {
			klp_listing_free(&job->l[0]);
			luaL_pushfail(L);
			lua_pushfstring(L, "%s: %s", c->side[s].k->path, err);
			return 2;
		}
	}
	if (klp_diff_listings(&job->l[0], &job->l[1], &job->d) != 0)
		klp_raise_nomem(L);
	const klp_diff *d = &job->d;
	lua_createtable(L, 0, 5);
	lua_createtable(L, (int)(d->nrows < INT32_MAX ? d->nrows : INT32_MAX), 0);
	char text[600], other[600];
	for (size_t r = 0; r < d->nrows; r++) {
		const klp_diff_row *row = &d->rows[r];
		int side = row->op == '+';
		int32_t mine = row->line[side];
		lua_createtable(L, 0, 7);
		char op[2] = { row->op, '\0' };
		lua_pushstring(L, op);
		lua_setfield(L, -2, "op");
		if (row->op == ' ') {
			set_offset(L, "orig_offset", &job->l[0], row->line[0]);
			set_offset(L, "patched_offset", &job->l[1], row->line[1]);
		} else {
			set_offset(L, side ? "patched_offset" : "orig_offset", &job->l[side], mine);
			set_offset(L, side ? "orig_offset" : "patched_offset", &job->l[!side], row->pair);
			lua_pushstring(L, klp_diff_why_name((klp_diff_why)row->why));
			lua_setfield(L, -2, "why");
		}
		size_t n = klp_diff_line_text(d, side, &job->l[side], (size_t)mine, text, sizeof text);
		lua_pushlstring(L, text, n);
		lua_setfield(L, -2, "text");
		if (row->op == ' ') {
			size_t m = klp_diff_line_text(d, 1, &job->l[1], (size_t)row->line[1], other, sizeof other);
			if (m != n || memcmp(text, other, n) != 0) {
				lua_pushlstring(L, other, m);
				lua_setfield(L, -2, "patched_text");
			}
		}
		if (row->label) {
			lua_pushfstring(L, ".L%d", (int)row->label);
			lua_setfield(L, -2, "label");
		}
		lua_rawseti(L, -2, (lua_Integer)r + 1);
	}
	lua_setfield(L, -2, "rows");
	klp_set_int(L, "changed", (lua_Integer)d->changed);
	lua_pushboolean(L, d->truncated);
	lua_setfield(L, -2, "truncated");
	for (int s = 0; s < 2; s++)
		if (have[s]) {
			push_side(L, &job->l[s], c->side[s].k);
			lua_setfield(L, -2, s ? "patched" : "orig");
		}
	klp_listing_free(&job->l[0]);
	klp_listing_free(&job->l[1]);
	klp_diff_free(&job->d);
	return 1;
}

/* State of corr:decode's callback: the result array on top of the stack. */
typedef struct decode_call {
	lua_State *L;
	lua_Integer n;
} decode_call;

static const char *const kind_names[] = { "other", "call", "jump", "return", "bad" };
static const char *const operand_names[] = { "target", "page", "abs", "disp", "imm" };

static int push_insn(void *ud, const klp_insn *in)
{
	decode_call *dc = ud;
	lua_State *L = dc->L;
	lua_createtable(L, 0, 5);
	klp_set_int(L, "offset", (lua_Integer)in->offset);
	klp_set_int(L, "size", in->size);
	lua_pushstring(L, in->kind < 5 ? kind_names[in->kind] : "?");
	lua_setfield(L, -2, "kind");
	lua_pushstring(L, in->text);
	lua_setfield(L, -2, "text");
	lua_createtable(L, in->noperands, 0);
	for (unsigned o = 0; o < in->noperands && o < KLP_INSN_OPERANDS; o++) {
		const klp_operand *op = &in->operands[o];
		lua_createtable(L, 0, 5);
		lua_pushstring(L, op->kind < 5 ? operand_names[op->kind] : "?");
		lua_setfield(L, -2, "kind");
		klp_set_int(L, "value", (lua_Integer)op->value);
		if (op->field_size) {
			klp_set_int(L, "field_offset", op->field_offset);
			klp_set_int(L, "field_size", op->field_size);
		}
		lua_pushboolean(L, op->mem);
		lua_setfield(L, -2, "memory");
		lua_rawseti(L, -2, (lua_Integer)o + 1);
	}
	lua_setfield(L, -2, "operands");
	lua_rawseti(L, -2, ++dc->n);
	return 0;
}

/* corr:decode(side, section, offset, size [, thumb])
 * -> {{offset =, size =, kind =, text =, operands = {{kind =, value =, field_offset =, field_size =,
 *      memory =}, ...}}, ...} | nil, "path: problem"
 * kind: other call jump return bad; operand kind: target (a section offset)
 * page (adrp's page, a section offset) abs (an address) disp imm. */
static int klp_correlator_decode(lua_State *L)
{
	corr *c = klp_check_corr(L, 1);
	int s = klp_check_side(L, 2);
	lua_Integer sec = luaL_checkinteger(L, 3), off = luaL_checkinteger(L, 4), size = luaL_checkinteger(L, 5);
	int thumb = lua_toboolean(L, 6);
	kelf *k = c->side[s].k;
	luaL_argcheck(L, sec > 0 && (lua_Unsigned)sec < k->nsections, 3, "section index out of range");
	luaL_argcheck(L, off >= 0 && size >= 0, 4, "negative offset or size");
	klp_decoder *d = decoder_for(L, 1, c, s);
	if (!d) {
		luaL_pushfail(L);
		lua_insert(L, -2);
		return 2;
	}
	lua_newtable(L);
	decode_call dc = { L, 0 };
	if (klp_decode(d, (size_t)sec, (uint64_t)off, (uint64_t)size, thumb ? KLP_DECODE_THUMB : 0, push_insn, &dc) !=
	    0) {
		luaL_pushfail(L);
		lua_pushfstring(L, "%s: bytes %I+%I are not inside section %I, or it has none", k->path, off, size, sec);
		return 2;
	}
	return 1;
}

const luaL_Reg klp_correlator_diff_methods[] = {
	{ "diff", klp_correlator_diff },
	{ "decode", klp_correlator_decode },
	{ NULL, NULL },
};
