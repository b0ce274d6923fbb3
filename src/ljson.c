/* ljson: the big lists of the JSON report (pairs, leftovers), written in C
 * because full-kernel objects have 10^5 - 10^6 pairs.  The only C that knows
 * the JSON layout (README, "JSON output"). */
#include "lcorr.h"

#include <string.h>

#include "changes.h"
#include "keys.h"

/* Bytes that need an escape in a JSON string: control bytes, DEL, " and \\. */
static unsigned char json_escapes[256];
static int json_escapes_ready;

static void json_init(void)
{
	for (int ch = 0; ch < 256; ch++)
		json_escapes[ch] = ch < 0x20 || ch == 0x7f || ch == '"' || ch == '\\';
	json_escapes_ready = 1;
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
	if (!json_escapes_ready)
		json_init();
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
	corr *c = klp_check_corr(L, 1);
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
	corr *c = klp_check_corr(L, 1);
	int s = klp_check_side(L, 2);
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

const luaL_Reg klp_correlator_json_methods[] = {
	{ "json_pairs", klp_correlator_json_pairs },
	{ "json_unpaired", klp_correlator_json_unpaired },
	{ NULL, NULL }
};
