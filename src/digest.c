/* digest: content digests of functions and data, blind to renaming.
 *
 * A symbol's digest covers its bytes and its relocations.  Each relocation
 * contributes its type, its place within the symbol, and the identity of its
 * target: the target's correlation key (so .llvm.<hash> churn and renumbered
 * statics change nothing) and addend; for a section symbol, the symbol that
 * covers the target offset and the offset within it, or the text of the
 * string when the section holds strings.  The bytes are hashed as they are:
 * at a RELA site they hold zeros or opcode bits, at a REL site the addend,
 * neither of which depends on where the target ended up.
 *
 * A linked image without relocations is read by address instead: its
 * functions' digests are their decoded code digests (compare.h), whose
 * references count by what their addresses hold, and a data symbol's
 * aligned pointer-sized words that hold an address in the image count by
 * what they point at. */
#include "digest.h"

#include <stdio.h>
#include <string.h>

#include "compare.h"
#include "decode.h"
#include "hash.h"
#include "line.h"
#include "reloc.h"
#include "target.h"

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

/* The identity of the unlabelled bytes at offset off of data section sec:
 * the C string there (what code reading a constant there reads), or
 * false when no NUL ends one within 4 KB. */
static int text_identity(kelf *k, size_t sec, uint64_t off, uint64_t *id)
{
	const unsigned char *b = kelf_section_bytes(k, sec);
	uint64_t size = k->sections[sec].size;
	if (!b || off >= size)
		return 0;
	uint64_t n = size - off < 4096 ? size - off : 4096;
	const unsigned char *nul = memchr(b + off, '\0', n);
	if (!nul)
		return 0;
	*id = klp_hash_mix(0x747874u, klp_hash((const char *)b + off, (size_t)(nul - (b + off))));
	return 1;
}

uint64_t corr_address_identity(corr *c, int side, uint64_t addr)
{
	corr_side *sd = &c->side[side];
	kelf *k = sd->k;
	size_t sec = corr_section_at(sd, addr);
	if (!sec)
		return klp_hash_mix(0x6e756du, addr); /* outside the image: a number */
	uint64_t off = addr - k->sections[sec].addr, id;
	int32_t t = sd->section_start ? corr_covering(sd, sec, off) : CORR_NONE;
	if (t != CORR_NONE)
		return klp_hash_mix(sd->syms[t].key_hash, addr - k->symbols[t].value);
	if (!(k->sections[sec].flags & SHF_EXECINSTR) && text_identity(k, sec, off, &id))
		return id;
	return klp_hash_mix(section_identity(k, sec), off);
}

/* Of a data symbol of a side read by address, at address addr, whose size
 * bytes are in buf: clears every aligned pointer-sized word that holds an
 * address in the image, and mixes its place and what it points at into *h. */
static void pointer_words(corr *c, int side, uint64_t addr, unsigned char *buf, uint64_t size, uint64_t *h)
{
	const kelf *k = c->side[side].k;
	unsigned w = k->elfclass == 64 ? 8 : 4;
	for (uint64_t j = (w - addr % w) % w; j < size && size - j >= w; j += w) {
		uint64_t v = 0;
		for (unsigned b = 0; b < w; b++)
			v = v << 8 | buf[j + (k->big_endian ? b : w - 1 - b)];
		if (!corr_section_at(&c->side[side], v))
			continue;
		*h = klp_hash_mix(*h, klp_hash_mix(j, corr_address_identity(c, side, v)));
		memset(buf + j, 0, w);
	}
}

/* How many relocated slots a target is followed through (a .toc entry that
 * points at a string is one). */
#define MAX_SLOT_DEPTH 2

/* The identity of what relocation r points at, blind to where the linker
 * puts it: a named target's key and addend; through a section symbol, the
 * symbol covering the target and the offset in it; a string's text; an
 * uncovered slot that is itself relocated (ppc64 .toc, literal pools), what
 * the slot points at; in a linked image's data, the C string there; else
 * the section's name and the addend. */
static uint64_t target_identity(corr *c, int side, const kelf_reloc *r, int depth)
{
	corr_side *sd = &c->side[side];
	kelf *k = sd->k;
	const kelf_symbol *t = &k->symbols[r->sym];
	int in_section = t->shndx != 0 && t->shndx < k->nsections;
	/* Into a string section, through the section or a label (gcc .LC0,
	 * clang .L.str): the string's text is the identity, wherever the
	 * linker merged it to. */
	if (in_section && (k->sections[t->shndx].flags & SHF_STRINGS)) {
		int64_t off;
		if (!corr_target_offset(t->type == STT_SECTION ? 0 : t->value, r, k->machine, &off))
			return (uint64_t)r->addend;
		return string_identity(k, t->shndx, off);
	}
	uint64_t text;
	int64_t off;
	/* A linked image merges strings into a .rodata of other constants;
	 * --emit-relocs keeps the compiler's labels of them (.LC0). */
	if (in_section && k->etype != ET_REL && t->type == STT_NOTYPE && t->size == 0 && t->name_len > 2 &&
	    memcmp(t->name, ".L", 2) == 0 && !(k->sections[t->shndx].flags & SHF_EXECINSTR) &&
	    corr_target_offset(t->value - k->sections[t->shndx].addr, r, k->machine, &off) && off >= 0 &&
	    text_identity(k, t->shndx, (uint64_t)off, &text))
		return text;
	if (t->type != STT_SECTION)
		return klp_hash_mix(sd->syms[r->sym].key_hash, (uint64_t)r->addend);
	if (!in_section)
		return (uint64_t)r->addend;
	uint64_t inner;
	int32_t s = corr_reloc_target(c, side, r, &inner);
	if (s != CORR_NONE)
		return klp_hash_mix(sd->syms[s].key_hash, inner);
	const kelf_reloc *slot = depth < MAX_SLOT_DEPTH && corr_target_offset(0, r, k->machine, &off) && off >= 0
		? corr_reloc_at(k, t->shndx, (uint64_t)off) : NULL;
	if (slot)
		return klp_hash_mix(klp_hash_mix(0x736c6f74u, slot->type), target_identity(c, side, slot, depth + 1));
	if (k->etype != ET_REL && !(k->sections[t->shndx].flags & SHF_EXECINSTR) &&
	    corr_target_offset(0, r, k->machine, &off) && off >= 0 && text_identity(k, t->shndx, (uint64_t)off, &text))
		return text;
	return klp_hash_mix(section_identity(k, t->shndx), (uint64_t)r->addend);
}

uint64_t corr_reloc_part(corr *c, int side, const kelf_reloc *r, uint64_t base)
{
	return klp_hash_mix(klp_hash_mix(r->offset - base, r->type), target_identity(c, side, r, 0));
}

int corr_mask_reloc(const kelf *k, const kelf_reloc *r, uint64_t at, uint64_t size, unsigned char *buf)
{
	unsigned n;
	uint32_t mask;
	if (!kelf_reloc_field(k, r->type, &n, &mask))
		return 0;
	uint64_t from = r->offset - at;
	if (from >= size || n > size - from)
		return 1; /* past the symbol: not its bytes */
	unsigned char *f = buf + from;
	if (mask == UINT32_MAX) {
		memset(f, 0, n);
		return 1;
	}
	uint32_t w = k->big_endian ? (uint32_t)f[0] << 24 | (uint32_t)f[1] << 16 | (uint32_t)f[2] << 8 | f[3]
				   : (uint32_t)f[3] << 24 | (uint32_t)f[2] << 16 | (uint32_t)f[1] << 8 | f[0];
	w &= ~mask;
	for (int i = 0; i < 4; i++)
		f[k->big_endian ? 3 - i : i] = (unsigned char)(w >> (8 * i));
	return 1;
}

/* The digest of one FUNC or OBJECT symbol's bytes and relocations (of a
 * ppc64 ELFv1 function, those of its code, not of its descriptor) into *h;
 * returns 0 when it has none (a linked image's relocation klp cannot mask).
 * scratch holds at least the symbol's size for a linked image, or whenever
 * line_mask clears the bits line_mask of the 32-bit word at line_at (the
 * symbol's own line number, line.h); dec is the side's decoder when it is
 * read by address. */
static int symbol_digest(corr *c, int side, uint32_t i, klp_decoder *dec, unsigned char *scratch, uint64_t line_at,
			 uint32_t line_mask, uint64_t *out)
{
	kelf *k = c->side[side].k;
	const kelf_symbol *s = &k->symbols[i];
	size_t shndx;
	uint64_t h = klp_hash_mix(s->type, s->size), at, line;
	corr_function_code(k, s, &shndx, &at); /* a ppc64 ELFv1 descriptor's code */
	const kelf_section *sec = &k->sections[shndx];
	if (at > sec->size || s->size > sec->size - at) {
		*out = klp_hash_mix(h, 0x6f6f72u); /* out of its section: size only */
		return 1;
	}
	if (dec && s->type == STT_FUNC && corr_code_digest(c, side, i, dec, out, &line))
		return 1;
	const unsigned char *b = kelf_section_bytes(k, shndx);
	const kelf_reloc *first = k->relocs + kelf_first_reloc(k, shndx, at), *end = k->relocs + k->reloc_start[shndx + 1];
	if (b && k->etype != ET_REL) {
		/* Relocated fields hold addresses here: hash them cleared. */
		memcpy(scratch, b + at, s->size);
		for (const kelf_reloc *r = first; r < end && r->offset < at + s->size; r++)
			if (!corr_mask_reloc(k, r, at, s->size, scratch))
				return 0;
		if (dec)
			pointer_words(c, side, sec->addr + at, scratch, s->size, &h);
		b = scratch;
	} else if (b && line_mask) {
		memcpy(scratch, b + at, s->size);
		b = scratch;
	} else if (b) {
		b += at;
	}
	if (b && line_mask && line_at <= s->size && s->size - line_at >= 4)
		for (int j = 0; j < 4; j++)
			scratch[line_at + (uint64_t)j] &= (unsigned char)~(line_mask >> (8 * (k->big_endian ? 3 - j : j)));
	if (b)
		h = klp_hash_mix(h, klp_hash((const char *)b, s->size));
	for (const kelf_reloc *r = first; r < end && r->offset < at + s->size; r++)
		h = klp_hash_mix(h, corr_reloc_part(c, side, r, at));
	*out = h;
	return 1;
}

/* The size of the largest symbol whose bytes (its code, for a ppc64 ELFv1
 * function) fit in their section: what symbol_digest copies at most. */
static uint64_t largest_symbol(kelf *k)
{
	uint64_t largest = 0;
	for (uint32_t i = 1; i < k->nsymbols; i++) {
		const kelf_symbol *s = &k->symbols[i];
		size_t sec;
		uint64_t at;
		if (s->size <= largest || s->shndx == 0 || s->shndx >= k->nsections)
			continue;
		corr_function_code(k, s, &sec, &at);
		if (s->size <= k->sections[sec].size)
			largest = s->size;
	}
	return largest;
}

/* Whether the digests of a side can tell a changed symbol from a moved one:
 * a relocatable object, a linked image that kept its relocations
 * (--emit-relocs) on a machine whose relocated fields klp knows, or one
 * without relocations on a machine the decoder knows, which is then read by
 * address (sd->read_by_address, *dec its decoder); else *why says what is
 * missing. */
static int comparable(corr_side *sd, klp_decoder **dec, char *why, size_t len)
{
	kelf *k = sd->k;
	if (k->etype == ET_REL)
		return 1;
	for (size_t s = 1; s < k->nsections; s++)
		if (k->reloc_start[s + 1] > k->reloc_start[s] && (k->sections[s].flags & SHF_ALLOC)) {
			if (kelf_knows_reloc_fields(k))
				return 1;
			snprintf(why, len, "klp does not know which bits relocations write in linked images of %s",
				 kelf_machine_name(k->machine));
			return 0;
		}
	char err[160];
	*dec = klp_decoder_new(k, err, sizeof err);
	if (!*dec) {
		snprintf(why, len, "a linked image without its relocations, and %s: link it with --emit-relocs (as "
			 "distribution vmlinux images are) to compare its code", err);
		return 0;
	}
	sd->read_by_address = 1;
	return 1;
}

int corr_line_free_digest(corr *c, int side, uint32_t i, uint64_t *out)
{
	kelf *k = c->side[side].k;
	const kelf_symbol *s = &k->symbols[i];
	uint64_t at;
	uint32_t mask;
	if (c->side[side].uncompared[0] || c->side[side].read_by_address || !corr_line_field(k, s, &at, &mask))
		return 0;
	unsigned char *scratch = malloc(s->size);
	int ok = scratch && symbol_digest(c, side, i, NULL, scratch, at, mask, out);
	free(scratch);
	return ok;
}

int corr_compute_digests(corr *c, char *err, size_t errlen)
{
	for (int side = 0; side < 2; side++) {
		corr_side *sd = &c->side[side];
		kelf *k = sd->k;
		char why[256];
		sd->uncompared[0] = '\0';
		if (kelf_load_relocs(k, why, sizeof why) != 0) {
			if (k->etype == ET_REL) {
				snprintf(err, errlen, "%s: %s", k->path, why);
				return -1;
			}
			/* A linked image still correlates by name; only its code is not compared. */
			snprintf(sd->uncompared, sizeof sd->uncompared, "its relocations cannot be read: %s", why);
			continue;
		}
		klp_decoder *dec = NULL;
		sd->read_by_address = 0;
		if (!comparable(sd, &dec, sd->uncompared, sizeof sd->uncompared))
			continue;
		/* Targets through section symbols, and addresses, need the per-section index. */
		int through_sections = dec != NULL;
		for (size_t r = 0; r < k->nrelocs && !through_sections; r++)
			through_sections = k->symbols[k->relocs[r].sym].type == STT_SECTION;
		uint64_t largest = k->etype == ET_REL ? 0 : largest_symbol(k);
		unsigned char *scratch = malloc(largest ? largest : 1);
		if (!scratch || (through_sections && !sd->by_section && corr_index_sections(sd) != 0) ||
		    (dec && !sd->by_address && corr_index_addresses(sd) != 0)) {
			free(scratch);
			klp_decoder_free(dec);
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
			if (symbol_digest(c, side, i, dec, scratch, 0, 0, &cs->own)) {
				cs->digest = cs->own;
				cs->flags |= CS_DIGEST;
			}
		}
		free(scratch);
		klp_decoder_free(dec);
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
