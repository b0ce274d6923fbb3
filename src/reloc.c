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
 * (sh_link) for a real section (sh_info); others (dynamic relocations of a
 * linked image) are left alone. */
static int is_reloc_section(const kelf *k, size_t i)
{
	const kelf_section *s = &k->sections[i];
	if (s->type != SHT_REL && s->type != SHT_RELA)
		return 0;
	return s->info != 0 && s->info < k->nsections && s->link < k->nsections &&
	       k->sections[s->link].type == SHT_SYMTAB;
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

/* Reads one relocation section into out (count entries); checks indices and offsets. */
static int read_section(kelf *k, size_t i, kelf_reloc *out, size_t count, char *err, size_t errlen)
{
	const kelf_section *s = &k->sections[i];
	size_t target = s->info;
	Elf_Data *d = elf_getdata(elf_getscn(k->elf, i), NULL);
	if (!d || d->d_size != s->size)
		return fail(err, errlen, "cannot read relocation section %zu: %s", i, elf_errmsg(-1));
	int rela = s->type == SHT_RELA;
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
		if (sym >= k->nsymbols)
			return fail(err, errlen, "relocation %zu of section %zu: symbol index %llu out of range (%zu symbols)",
				    r, i, (unsigned long long)sym, k->nsymbols);
		if (rel.r_offset >= k->sections[target].size && k->sections[target].type != SHT_NOBITS)
			return fail(err, errlen, "relocation %zu of section %zu: offset %llu outside section %zu (%llu bytes)",
				    r, i, (unsigned long long)rel.r_offset, target,
				    (unsigned long long)k->sections[target].size);
		out[r] = (kelf_reloc){ .offset = rel.r_offset, .type = type, .sym = (uint32_t)sym,
				       .addend = rela ? rel.r_addend : rel_addend(k, target, rel.r_offset) };
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
		size_t target = k->sections[i].info, n = k->sections[i].size / k->sections[i].entsize;
		if (read_section(k, i, k->relocs + k->reloc_start[target] + fill[target], n, err, errlen) != 0)
			goto out;
		fill[target] += n;
	}
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
