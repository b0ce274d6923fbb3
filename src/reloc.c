/* reloc: relocation sections and section bytes, loaded on demand (kelf.h). */
#include <gelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reloc.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

const unsigned char *kelf_section_bytes(kelf *k, size_t s)
{
	if (s == 0 || s >= k->nsections || k->sections[s].type == SHT_NOBITS || k->sections[s].size == 0)
		return NULL;
	if (!k->bytes && !(k->bytes = calloc(k->nsections, sizeof *k->bytes)))
		return NULL;
	if (!k->bytes[s]) {
		Elf_Data *d = elf_rawdata(elf_getscn(k->elf, s), NULL);
		if (!d || d->d_size != k->sections[s].size)
			return NULL;
		k->bytes[s] = d->d_buf;
	}
	return k->bytes[s];
}

/* Whether section i holds relocations klp reads: REL or RELA against .symtab
 * (sh_link) for a real section (sh_info) that is loaded at run time; others
 * (dynamic relocations of a linked image, and those of debugging sections,
 * which no function or data symbol lives in: 13 million in a distribution
 * vmlinux) are left alone. */
static int is_reloc_section(const kelf *k, size_t i)
{
	const kelf_section *s = &k->sections[i];
	if (s->type != SHT_REL && s->type != SHT_RELA)
		return 0;
	return s->info != 0 && s->info < k->nsections && s->link < k->nsections &&
	       k->sections[s->link].type == SHT_SYMTAB && (k->sections[s->info].flags & SHF_ALLOC);
}

/* The implicit addend of an SHT_REL relocation: the 32-bit field it patches. */
static int64_t rel_addend(kelf *k, size_t target, uint64_t offset)
{
	const unsigned char *b = kelf_section_bytes(k, target);
	if (!b || offset > k->sections[target].size || k->sections[target].size - offset < 4)
		return 0;
	uint32_t v = k->big_endian ? (uint32_t)b[offset] << 24 | (uint32_t)b[offset + 1] << 16 |
					     (uint32_t)b[offset + 2] << 8 | b[offset + 3]
				   : (uint32_t)b[offset + 3] << 24 | (uint32_t)b[offset + 2] << 16 |
					     (uint32_t)b[offset + 1] << 8 | b[offset];
	return (int32_t)v;
}

static int by_section_offset(const void *x, const void *y)
{
	const kelf_reloc *a = x, *b = y;
	return a->offset < b->offset ? -1 : a->offset > b->offset;
}

/* Reads one relocation section into out (count entries at most); checks
 * indices and offsets.  R_*_NONE entries (type 0 on every machine), which
 * do nothing and whose offsets may be anything (a linked vmlinux blanks
 * those of its sorted exception table), are dropped; *kept is how many are
 * left. */
static int read_section(kelf *k, size_t i, kelf_reloc *out, size_t count, size_t *kept, char *err, size_t errlen)
{
	const kelf_section *s = &k->sections[i];
	size_t target = s->info;
	Elf_Data *d = elf_getdata(elf_getscn(k->elf, i), NULL);
	if (!d || d->d_size != s->size)
		return fail(err, errlen, "cannot read relocation section %zu: %s", i, elf_errmsg(-1));
	int rela = s->type == SHT_RELA;
	*kept = 0;
	for (size_t r = 0; r < count; r++) {
		GElf_Rela rel = { 0 };
		GElf_Rel plain;
		if (rela ? !gelf_getrela(d, (int)r, &rel) : !gelf_getrel(d, (int)r, &plain))
			return fail(err, errlen, "cannot read relocation %zu of section %zu: %s", r, i, elf_errmsg(-1));
		if (!rela) {
			rel.r_offset = plain.r_offset;
			rel.r_info = plain.r_info;
		}
		/* gelf hands out ELF32 r_info in the 64-bit layout too. */
		uint64_t sym = GELF_R_SYM(rel.r_info);
		uint32_t type = (uint32_t)GELF_R_TYPE(rel.r_info);
		if (type == 0)
			continue;
		if (sym >= k->nsymbols)
			return fail(err, errlen, "relocation %zu of section %zu: symbol index %llu out of range (%zu symbols)",
				    r, i, (unsigned long long)sym, k->nsymbols);
		/* A linked image's relocations (--emit-relocs) give addresses. */
		uint64_t base = k->etype == ET_REL ? 0 : k->sections[target].addr;
		if (rel.r_offset < base ||
		    (rel.r_offset - base >= k->sections[target].size && k->sections[target].type != SHT_NOBITS))
			return fail(err, errlen, "relocation %zu of section %zu: offset %llu outside section %zu (%llu bytes)",
				    r, i, (unsigned long long)rel.r_offset, target,
				    (unsigned long long)k->sections[target].size);
		uint64_t offset = rel.r_offset - base;
		out[(*kept)++] = (kelf_reloc){ .offset = offset, .type = type, .sym = (uint32_t)sym,
					       .addend = rela ? rel.r_addend : rel_addend(k, target, offset) };
	}
	return 0;
}

int kelf_load_relocs(kelf *k, char *err, size_t errlen)
{
	if (k->reloc_start)
		return 0;
	size_t total = 0;
	size_t *count = calloc(k->nsections + 1, sizeof *count);
	if (!count)
		return fail(err, errlen, "out of memory for relocations");
	for (size_t i = 1; i < k->nsections; i++) {
		if (!is_reloc_section(k, i))
			continue;
		if ((k->sections[i].flags | k->sections[k->sections[i].info].flags) & SHF_COMPRESSED) {
			free(count);
			return fail(err, errlen, "relocation section %zu or the section it applies to is compressed "
				    "(SHF_COMPRESSED), which klp does not read", i);
		}
		size_t ent = k->sections[i].type == SHT_RELA ? (k->elfclass == 64 ? sizeof(Elf64_Rela) : sizeof(Elf32_Rela))
							     : (k->elfclass == 64 ? sizeof(Elf64_Rel) : sizeof(Elf32_Rel));
		if (k->sections[i].entsize != ent || k->sections[i].size % ent != 0) {
			free(count);
			return fail(err, errlen, "relocation section %zu: entry size %llu, expected %zu", i,
				    (unsigned long long)k->sections[i].entsize, ent);
		}
		count[k->sections[i].info] += k->sections[i].size / ent;
		total += k->sections[i].size / ent;
	}
	k->relocs = malloc((total ? total : 1) * sizeof *k->relocs);
	k->reloc_start = calloc(k->nsections + 1, sizeof *k->reloc_start);
	size_t *fill = calloc(k->nsections + 1, sizeof *fill);
	int rc = -1;
	if (!k->relocs || !k->reloc_start || !fill) {
		fail(err, errlen, "out of memory for %zu relocations", total);
		goto out;
	}
	for (size_t s = 0; s < k->nsections; s++)
		k->reloc_start[s + 1] = k->reloc_start[s] + count[s];
	for (size_t i = 1; i < k->nsections; i++) {
		if (!is_reloc_section(k, i))
			continue;
		size_t target = k->sections[i].info, n = k->sections[i].size / k->sections[i].entsize, kept = 0;
		if (read_section(k, i, k->relocs + k->reloc_start[target] + fill[target], n, &kept, err, errlen) != 0)
			goto out;
		fill[target] += kept;
	}
	/* Close the gaps the dropped entries left: each section's block moves
	 * down to follow the one before it. */
	size_t at = 0;
	for (size_t s = 0; s < k->nsections; s++) {
		memmove(k->relocs + at, k->relocs + k->reloc_start[s], fill[s] * sizeof *k->relocs);
		k->reloc_start[s] = at;
		count[s] = fill[s];
		at += fill[s];
	}
	k->reloc_start[k->nsections] = at;
	total = at;
	for (size_t s = 0; s < k->nsections; s++) {
		kelf_reloc *r = k->relocs + k->reloc_start[s];
		size_t n = count[s], sorted = 1;
		for (size_t j = 1; j < n && sorted; j++)
			sorted = r[j - 1].offset <= r[j].offset;
		if (!sorted)
			qsort(r, n, sizeof *r, by_section_offset);
	}
	k->nrelocs = total;
	rc = 0;
out:
	if (rc != 0) {
		free(k->relocs);
		free(k->reloc_start);
		k->relocs = NULL;
		k->reloc_start = NULL;
	}
	free(count);
	free(fill);
	return rc;
}

size_t kelf_first_reloc(const kelf *k, size_t sec, uint64_t off)
{
	size_t lo = k->reloc_start[sec], hi = k->reloc_start[sec + 1];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (k->relocs[mid].offset < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

#ifndef R_PPC64_ENTRY
#define R_PPC64_ENTRY 118
#endif

/* A field of whole bytes. */
static int bytes(unsigned n, unsigned *size, uint32_t *mask)
{
	*size = n;
	*mask = UINT32_MAX;
	return 1;
}

/* Bits of a 4-byte instruction word. */
static int bits(uint32_t m, unsigned *size, uint32_t *mask)
{
	*size = 4;
	*mask = m;
	return 1;
}

static int x86_64_field(uint32_t type, unsigned *size, uint32_t *mask)
{
	switch (type) {
	case R_X86_64_64: case R_X86_64_PC64: case R_X86_64_GOTOFF64: case R_X86_64_GOTPC64:
	case R_X86_64_DTPOFF64: case R_X86_64_TPOFF64: case R_X86_64_SIZE64:
		return bytes(8, size, mask);
	case R_X86_64_32: case R_X86_64_32S: case R_X86_64_PC32: case R_X86_64_PLT32: case R_X86_64_GOTPCREL:
	case R_X86_64_GOTPCRELX: case R_X86_64_REX_GOTPCRELX: case R_X86_64_GOTPC32: case R_X86_64_GOT32:
	case R_X86_64_TPOFF32: case R_X86_64_GOTTPOFF: case R_X86_64_TLSGD: case R_X86_64_TLSLD:
	case R_X86_64_DTPOFF32: case R_X86_64_SIZE32:
		return bytes(4, size, mask);
	case R_X86_64_16: case R_X86_64_PC16:
		return bytes(2, size, mask);
	case R_X86_64_8: case R_X86_64_PC8:
		return bytes(1, size, mask);
	default:
		return 0;
	}
}

static int i386_field(uint32_t type, unsigned *size, uint32_t *mask)
{
	switch (type) {
	case R_386_32: case R_386_PC32: case R_386_PLT32: case R_386_GOTPC: case R_386_GOTOFF: case R_386_GOT32:
	case R_386_GOT32X: case R_386_TLS_LE: case R_386_TLS_IE: case R_386_TLS_GD: case R_386_TLS_LDM:
	case R_386_TLS_LDO_32:
		return bytes(4, size, mask);
	case R_386_16: case R_386_PC16:
		return bytes(2, size, mask);
	case R_386_8: case R_386_PC8:
		return bytes(1, size, mask);
	default:
		return 0;
	}
}

static int aarch64_field(uint32_t type, unsigned *size, uint32_t *mask)
{
	switch (type) {
	case R_AARCH64_ABS64: case R_AARCH64_PREL64:
		return bytes(8, size, mask);
	case R_AARCH64_ABS32: case R_AARCH64_PREL32:
		return bytes(4, size, mask);
	case R_AARCH64_ABS16: case R_AARCH64_PREL16:
		return bytes(2, size, mask);
	case R_AARCH64_CALL26: case R_AARCH64_JUMP26:
		return bits(0x03ffffffu, size, mask);
	case R_AARCH64_CONDBR19: case R_AARCH64_LD_PREL_LO19:
		return bits(0x00ffffe0u, size, mask);
	case R_AARCH64_TSTBR14:
		return bits(0x0007ffe0u, size, mask);
	case R_AARCH64_ADR_PREL_LO21: case R_AARCH64_ADR_PREL_PG_HI21: case R_AARCH64_ADR_PREL_PG_HI21_NC:
	case R_AARCH64_ADR_GOT_PAGE: case R_AARCH64_TLSIE_ADR_GOTTPREL_PAGE21: case R_AARCH64_TLSDESC_ADR_PAGE21:
		return bits(0x60ffffe0u, size, mask);
	case R_AARCH64_ADD_ABS_LO12_NC: case R_AARCH64_LDST8_ABS_LO12_NC: case R_AARCH64_LDST16_ABS_LO12_NC:
	case R_AARCH64_LDST32_ABS_LO12_NC: case R_AARCH64_LDST64_ABS_LO12_NC: case R_AARCH64_LDST128_ABS_LO12_NC:
	case R_AARCH64_LD64_GOT_LO12_NC: case R_AARCH64_TLSIE_LD64_GOTTPREL_LO12_NC:
	case R_AARCH64_TLSLE_ADD_TPREL_LO12_NC: case R_AARCH64_TLSLE_ADD_TPREL_HI12:
		return bits(0x003ffc00u, size, mask);
	case R_AARCH64_MOVW_UABS_G0: case R_AARCH64_MOVW_UABS_G0_NC: case R_AARCH64_MOVW_UABS_G1:
	case R_AARCH64_MOVW_UABS_G1_NC: case R_AARCH64_MOVW_UABS_G2: case R_AARCH64_MOVW_UABS_G2_NC:
	case R_AARCH64_MOVW_UABS_G3:
		return bits(0x001fffe0u, size, mask);
	default:
		return 0;
	}
}

static int ppc64_field(uint32_t type, unsigned *size, uint32_t *mask)
{
	switch (type) {
	case R_PPC64_ADDR64: case R_PPC64_REL64: case R_PPC64_TOC: case R_PPC64_UADDR64:
		return bytes(8, size, mask);
	case R_PPC64_ADDR32: case R_PPC64_REL32: case R_PPC64_UADDR32:
		return bytes(4, size, mask);
	case R_PPC64_REL24:
		return bits(0x03fffffcu, size, mask);
	case R_PPC64_REL14:
		return bits(0x0000fffcu, size, mask);
	case R_PPC64_ADDR16_LO: case R_PPC64_ADDR16_HI: case R_PPC64_ADDR16_HA: case R_PPC64_ADDR16_LO_DS:
	case R_PPC64_TOC16: case R_PPC64_TOC16_LO: case R_PPC64_TOC16_HI: case R_PPC64_TOC16_HA:
	case R_PPC64_TOC16_DS: case R_PPC64_TOC16_LO_DS: case R_PPC64_REL16: case R_PPC64_REL16_LO:
	case R_PPC64_REL16_HI: case R_PPC64_REL16_HA:
		return bytes(2, size, mask);
	case R_PPC64_ENTRY: /* the linker may rewrite the TOC set-up pair */
		return bytes(8, size, mask);
	default:
		return 0;
	}
}

static int s390_field(uint32_t type, unsigned *size, uint32_t *mask)
{
	switch (type) {
	case R_390_64: case R_390_PC64: case R_390_GOT64: case R_390_PLT64:
		return bytes(8, size, mask);
	case R_390_32: case R_390_PC32: case R_390_PC32DBL: case R_390_PLT32DBL: case R_390_GOTENT:
	case R_390_GOTPCDBL: case R_390_GOT32: case R_390_PLT32:
		return bytes(4, size, mask);
	case R_390_16: case R_390_PC16: case R_390_PC16DBL: case R_390_PLT16DBL:
		return bytes(2, size, mask);
	default:
		return 0;
	}
}

int kelf_knows_reloc_fields(const kelf *k)
{
	return k->machine == EM_X86_64 || k->machine == EM_386 || k->machine == EM_AARCH64 ||
	       k->machine == EM_PPC64 || k->machine == EM_S390;
}

int kelf_reloc_field(const kelf *k, uint32_t type, unsigned *size, uint32_t *mask)
{
	switch (k->machine) {
	case EM_X86_64: return x86_64_field(type, size, mask);
	case EM_386: return i386_field(type, size, mask);
	case EM_AARCH64: return aarch64_field(type, size, mask);
	case EM_PPC64: return ppc64_field(type, size, mask);
	case EM_S390: return s390_field(type, size, mask);
	default: return 0;
	}
}
