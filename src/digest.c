/* digest: content digests of functions and data, blind to renaming.
 *
 * A symbol's digest covers its bytes and its relocations.  Each relocation
 * contributes its type, its place within the symbol, and the identity of its
 * target: the target's correlation key (so .llvm.<hash> churn and renumbered
 * statics change nothing) and addend; for a section symbol, the symbol that
 * covers the target offset and the offset within it, or the text of the
 * string when the section holds strings.  The bytes are hashed as they are:
 * at a RELA site they hold zeros or opcode bits, at a REL site the addend,
 * neither of which depends on where the target ended up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corr.h"
#include "hash.h"

/* Relocation types whose addend is taken from the end of a 4-byte field:
 * the target is 4 bytes past addend (x86 PC-relative references). */
static int pc_relative_fixup(unsigned machine, uint32_t type)
{
	if (machine == EM_X86_64)
		return type == R_X86_64_PC32 || type == R_X86_64_PLT32 || type == R_X86_64_GOTPCREL ||
		       type == R_X86_64_GOTPCRELX || type == R_X86_64_REX_GOTPCRELX || type == R_X86_64_PC64;
	if (machine == EM_386)
		return type == R_386_PC32 || type == R_386_PLT32;
	return 0;
}


/* The target offset base + addend (+ the PC-relative fix-up) in *off; false
 * when it does not fit in 64 bits (a corrupt addend). */
static int target_offset(uint64_t base, const kelf_reloc *r, unsigned machine, int64_t *off)
{
	int64_t fix = pc_relative_fixup(machine, r->type) ? 4 : 0;
	if (base > INT64_MAX || (r->addend > 0 && r->addend > INT64_MAX - fix - (int64_t)base))
		return 0;
	*off = (int64_t)base + r->addend + fix;
	return 1;
}

/* A symbol and what orders it within its section. */
typedef struct placed {
	uint64_t value;
	uint32_t unsized, index;
} placed;

static int by_value(const void *x, const void *y)
{
	const placed *a = x, *b = y;
	if (a->value != b->value)
		return a->value < b->value ? -1 : 1;
	if (a->unsized != b->unsized)
		return a->unsized < b->unsized ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

/* Indexes the named symbols of each real section by value: a counting sort
 * by section, then each section's symbols by value, sized ones first at one
 * address. */
static int index_sections(corr_side *sd)
{
	const kelf *k = sd->k;
	sd->by_section = malloc((k->nsymbols ? k->nsymbols : 1) * sizeof *sd->by_section);
	sd->section_start = calloc(k->nsections + 1, sizeof *sd->section_start);
	size_t *fill = calloc(k->nsections + 1, sizeof *fill);
	if (!sd->by_section || !sd->section_start || !fill) {
		free(fill);
		return -1;
	}
	for (uint32_t i = 1; i < k->nsymbols; i++) {
		const kelf_symbol *s = &k->symbols[i];
		if (s->shndx != 0 && s->shndx < k->nsections && s->type != STT_SECTION && s->type != STT_FILE &&
		    s->name_len > 0)
			sd->section_start[s->shndx + 1]++;
	}
	for (size_t s = 0; s < k->nsections; s++)
		sd->section_start[s + 1] += sd->section_start[s];
	for (uint32_t i = 1; i < k->nsymbols; i++) {
		const kelf_symbol *s = &k->symbols[i];
		if (s->shndx != 0 && s->shndx < k->nsections && s->type != STT_SECTION && s->type != STT_FILE &&
		    s->name_len > 0)
			sd->by_section[sd->section_start[s->shndx] + fill[s->shndx]++] = i;
	}
	free(fill);
	placed *tmp = NULL;
	size_t tmp_cap = 0;
	for (size_t sec = 1; sec < k->nsections; sec++) {
		uint32_t *v = sd->by_section + sd->section_start[sec];
		size_t n = sd->section_start[sec + 1] - sd->section_start[sec];
		if (n < 2)
			continue;
		if (n > tmp_cap) {
			placed *more = realloc(tmp, n * sizeof *tmp);
			if (!more) {
				free(tmp);
				return -1;
			}
			tmp = more;
			tmp_cap = n;
		}
		for (size_t j = 0; j < n; j++)
			tmp[j] = (placed){ k->symbols[v[j]].value, k->symbols[v[j]].size == 0, v[j] };
		qsort(tmp, n, sizeof *tmp, by_value);
		for (size_t j = 0; j < n; j++)
			v[j] = tmp[j].index;
	}
	free(tmp);
	return 0;
}

/* The symbol of section sec covering offset off, or CORR_NONE. */
static int32_t covering(const corr_side *sd, size_t sec, uint64_t off)
{
	const kelf *k = sd->k;
	size_t lo = sd->section_start[sec], hi = sd->section_start[sec + 1];
	/* Last symbol with value <= off. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (k->symbols[sd->by_section[mid]].value <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* A few symbols back at most: nested ones (__pfx_ before its function,
	 * aliases) sit close together. */
	for (size_t j = lo, seen = 0; j-- > sd->section_start[sec] && seen < 8; seen++) {
		const kelf_symbol *s = &k->symbols[sd->by_section[j]];
		if (s->value + s->size > off || (s->size == 0 && s->value == off))
			return (int32_t)sd->by_section[j];
	}
	return CORR_NONE;
}

int32_t corr_reloc_target(const corr *c, int side, const kelf_reloc *r, uint64_t *inner)
{
	const corr_side *sd = &c->side[side];
	const kelf_symbol *t = &sd->k->symbols[r->sym];
	*inner = 0;
	if (t->type != STT_SECTION)
		return (int32_t)r->sym;
	if (t->shndx == 0 || t->shndx >= sd->k->nsections || !sd->section_start)
		return CORR_NONE; /* the index is built before any digest needs it */
	int64_t off;
	if (!target_offset(0, r, sd->k->machine, &off) || off < 0)
		return CORR_NONE;
	int32_t s = covering(sd, t->shndx, (uint64_t)off);
	if (s != CORR_NONE)
		*inner = (uint64_t)off - sd->k->symbols[s].value;
	return s;
}

/* Identity of a string: its text and the offset of the target within it. */
static uint64_t string_identity(kelf *k, size_t sec, int64_t off)
{
	const unsigned char *b = kelf_section_bytes(k, sec);
	uint64_t size = k->sections[sec].size;
	if (!b || off < 0 || (uint64_t)off >= size)
		return klp_hash_mix(0x5354u, (uint64_t)off);
	uint64_t start = (uint64_t)off;
	while (start > 0 && b[start - 1] != '\0')
		start--;
	const unsigned char *nul = memchr(b + off, '\0', size - (uint64_t)off);
	uint64_t end = nul ? (uint64_t)(nul - b) : size;
	return klp_hash_mix(klp_hash((const char *)b + start, end - start), (uint64_t)off - start);
}

/* A section's name without digits: the identity of an uncovered target. */
static uint64_t section_identity(const kelf *k, size_t sec)
{
	char buf[256];
	size_t n = 0;
	for (const char *p = k->sections[sec].name; *p && n < sizeof buf; p++)
		if (*p < '0' || *p > '9')
			buf[n++] = *p;
	return klp_hash(buf, n);
}

/* What one relocation contributes to the digest of the symbol at base. */
static uint64_t reloc_part(corr *c, int side, const kelf_reloc *r, uint64_t base)
{
	corr_side *sd = &c->side[side];
	kelf *k = sd->k;
	const kelf_symbol *t = &k->symbols[r->sym];
	uint64_t h = klp_hash_mix(r->offset - base, r->type);
	int in_section = t->shndx != 0 && t->shndx < k->nsections;
	/* Into a string section, through the section or a label (gcc .LC0,
	 * clang .L.str): the string's text is the identity, wherever the
	 * linker merged it to. */
	if (in_section && (k->sections[t->shndx].flags & SHF_STRINGS)) {
		int64_t off;
		if (!target_offset(t->type == STT_SECTION ? 0 : t->value, r, k->machine, &off))
			return klp_hash_mix(h, (uint64_t)r->addend);
		return klp_hash_mix(h, string_identity(k, t->shndx, off));
	}
	if (t->type != STT_SECTION) {
		const corr_sym *ct = &sd->syms[r->sym];
		return klp_hash_mix(klp_hash_mix(h, ct->key_hash), (uint64_t)r->addend);
	}
	if (!in_section)
		return klp_hash_mix(h, (uint64_t)r->addend);
	uint64_t inner;
	int32_t s = corr_reloc_target(c, side, r, &inner);
	if (s == CORR_NONE)
		return klp_hash_mix(klp_hash_mix(h, section_identity(k, t->shndx)), (uint64_t)r->addend);
	return klp_hash_mix(klp_hash_mix(h, sd->syms[s].key_hash), inner);
}

/* The digest of one FUNC or OBJECT symbol's bytes and relocations. */
static uint64_t symbol_digest(corr *c, int side, uint32_t i)
{
	kelf *k = c->side[side].k;
	const kelf_symbol *s = &k->symbols[i];
	const kelf_section *sec = &k->sections[s->shndx];
	uint64_t h = klp_hash_mix(s->type, s->size);
	if (s->value > sec->size || s->size > sec->size - s->value)
		return klp_hash_mix(h, 0x6f6f72u); /* out of its section: size only */
	const unsigned char *b = kelf_section_bytes(k, s->shndx);
	if (b)
		h = klp_hash_mix(h, klp_hash((const char *)b + s->value, s->size));
	const kelf_reloc *r = k->relocs + k->reloc_start[s->shndx], *end = k->relocs + k->reloc_start[s->shndx + 1];
	/* First relocation at or past the symbol. */
	size_t lo = 0, hi = (size_t)(end - r);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r[mid].offset < s->value)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (r += lo; r < end && r->offset < s->value + s->size; r++)
		h = klp_hash_mix(h, reloc_part(c, side, r, s->value));
	return h;
}

/* The length of key once a trailing ".kind" of one of kinds is cut, or 0. */
static size_t parent_key_len(const char *key, size_t len, const char *const *kinds)
{
	for (; *kinds; kinds++) {
		size_t n = strlen(*kinds);
		if (len > n + 1 && key[len - n - 1] == '.' && memcmp(key + len - n, *kinds, n) == 0)
			return len - n - 1;
	}
	return 0;
}

/* A child waiting for its parent: the key it wants, and the match so far. */
typedef struct wanted {
	uint64_t hash;
	uint32_t child, len;
	int32_t parent;
	int count;
} wanted;

/* Links the children of one side: collects them, then finds their parents in
 * one scan through a small hash table of the keys wanted. */
static int link_side(corr *c, int side, const char *const *kinds)
{
	corr_side *sd = &c->side[side];
	const kelf *k = sd->k;
	size_t n = 0, cap = 0;
	wanted *w = NULL;
	for (uint32_t i = 1; i < k->nsymbols; i++) {
		const corr_sym *cs = &sd->syms[i];
		if (k->symbols[i].type != STT_FUNC || !corr_eligible(c, side, i))
			continue;
		size_t plen = parent_key_len(cs->key, cs->key_len, kinds);
		if (!plen)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			wanted *more = realloc(w, cap * sizeof *w);
			if (!more) {
				free(w);
				return -1;
			}
			w = more;
		}
		w[n++] = (wanted){ klp_hash(cs->key, plen), i, (uint32_t)plen, CORR_NONE, 0 };
	}
	if (n == 0)
		return 0;
	size_t slots = 16;
	while (slots < 2 * n)
		slots <<= 1;
	uint32_t *table = calloc(slots, sizeof *table); /* wanted index + 1, chained by probing */
	if (!table) {
		free(w);
		return -1;
	}
	for (size_t q = 0; q < n; q++) {
		size_t h = w[q].hash & (slots - 1);
		while (table[h])
			h = (h + 1) & (slots - 1);
		table[h] = (uint32_t)q + 1;
	}
	for (uint32_t j = 1; j < k->nsymbols; j++) {
		const corr_sym *p = &sd->syms[j];
		if (k->symbols[j].type != STT_FUNC)
			continue;
		for (size_t h = p->key_hash & (slots - 1); table[h]; h = (h + 1) & (slots - 1)) {
			wanted *x = &w[table[h] - 1];
			const kelf_symbol *child = &k->symbols[x->child];
			if (x->hash == p->key_hash && p->key_len == x->len && j != x->child &&
			    memcmp(p->key, sd->syms[x->child].key, x->len) == 0 &&
			    (k->symbols[j].file == child->file || k->symbols[j].file == KELF_NO_FILE ||
			     child->file == KELF_NO_FILE)) {
				x->parent = (int32_t)j;
				x->count++;
			}
		}
	}
	for (size_t q = 0; q < n; q++)
		if (w[q].count == 1)
			sd->syms[w[q].child].parent = w[q].parent;
	free(table);
	free(w);
	return 0;
}

int corr_link_children(corr *c, const char *const *kinds)
{
	for (int side = 0; side < 2; side++)
		if (link_side(c, side, kinds) != 0)
			return -1;
	return 0;
}

int corr_compute_digests(corr *c, char *err, size_t errlen)
{
	for (int side = 0; side < 2; side++) {
		corr_side *sd = &c->side[side];
		kelf *k = sd->k;
		if (k->etype != ET_REL)
			continue;
		char why[400];
		if (kelf_load_relocs(k, why, sizeof why) != 0) {
			snprintf(err, errlen, "%s: %s", k->path, why);
			return -1;
		}
		/* Targets through section symbols need the per-section index. */
		int through_sections = 0;
		for (size_t r = 0; r < k->nrelocs && !through_sections; r++)
			through_sections = k->symbols[k->relocs[r].sym].type == STT_SECTION;
		if (through_sections && !sd->by_section && index_sections(sd) != 0) {
			snprintf(err, errlen, "out of memory for digests");
			return -1;
		}
		for (uint32_t i = 1; i < k->nsymbols; i++) {
			const kelf_symbol *s = &k->symbols[i];
			corr_sym *cs = &sd->syms[i];
			/* Excluded symbols never pair: they need no digest (targets are
			 * identified by key, not by digest). */
			if ((s->type != STT_FUNC && s->type != STT_OBJECT) || s->shndx == 0 || s->shndx >= k->nsections ||
			    !corr_eligible(c, side, i))
				continue;
			cs->own = cs->digest = symbol_digest(c, side, i);
			cs->flags |= CS_DIGEST;
		}
		/* Children fold into their parents: a changed .cold part changes f. */
		for (uint32_t i = 1; i < k->nsymbols; i++) {
			const corr_sym *cs = &sd->syms[i];
			if (cs->parent != CORR_NONE && (cs->flags & CS_DIGEST))
				sd->syms[cs->parent].digest += klp_hash_mix(cs->own, 0x636869u);
		}
	}
	c->analysed = 0;
	return 0;
}

corr_status corr_pair_status(const corr *c, uint32_t orig)
{
	const corr_sym *a = &c->side[0].syms[orig];
	if (a->twin == CORR_NONE)
		return ST_UNKNOWN;
	const corr_sym *b = &c->side[1].syms[a->twin];
	const kelf_symbol *sa = &c->side[0].k->symbols[orig], *sb = &c->side[1].k->symbols[a->twin];
	if (sa->shndx == 0 && sb->shndx == 0)
		return ST_SAME; /* both undefined: a name, nothing to compare */
	if (!(a->flags & CS_DIGEST) || !(b->flags & CS_DIGEST))
		return ST_UNKNOWN;
	return a->digest == b->digest ? ST_SAME : ST_CHANGED;
}
