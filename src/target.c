/* target: where a reference points, as a symbol and an offset in it (see
 * target.h). */
#include "target.h"

#include <stdlib.h>
#include <string.h>

#include "reloc.h"

int corr_pc_relative(unsigned machine, uint32_t type)
{
	if (machine == EM_X86_64)
		return type == R_X86_64_PC32 || type == R_X86_64_PLT32 || type == R_X86_64_GOTPCREL ||
		       type == R_X86_64_GOTPCRELX || type == R_X86_64_REX_GOTPCRELX || type == R_X86_64_PC64;
	if (machine == EM_386)
		return type == R_386_PC32 || type == R_386_PLT32;
	return 0;
}


int corr_target_offset(uint64_t base, const kelf_reloc *r, unsigned machine, int64_t *off)
{
	int64_t fix = corr_pc_relative(machine, r->type) ? 4 : 0;
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

/* Whether a symbol can be a target: named, in a real section (at or past
 * its address, in a linked image), not a FILE or section symbol, and not a
 * mapping symbol ($x, $d.1: ARM, AArch64 and RISC-V mark where code and
 * data start with them, the same on both sides, naming neither). */
static int placeable(const kelf *k, const kelf_symbol *s)
{
	return kelf_symbol_offset(k, s) != UINT64_MAX && s->type != STT_SECTION && s->type != STT_FILE &&
	       s->name_len > 0 && !(s->size == 0 && s->type == STT_NOTYPE && s->name[0] == '$');
}

int corr_index_sections(corr_side *sd)
{
	const kelf *k = sd->k;
	sd->by_section = malloc((k->nsymbols ? k->nsymbols : 1) * sizeof *sd->by_section);
	sd->section_start = calloc(k->nsections + 1, sizeof *sd->section_start);
	size_t *fill = calloc(k->nsections + 1, sizeof *fill);
	if (!sd->by_section || !sd->section_start || !fill) {
		free(fill);
		return -1;
	}
	for (uint32_t i = 1; i < k->nsymbols; i++)
		if (placeable(k, &k->symbols[i]))
			sd->section_start[k->symbols[i].shndx + 1]++;
	for (size_t s = 0; s < k->nsections; s++)
		sd->section_start[s + 1] += sd->section_start[s];
	for (uint32_t i = 1; i < k->nsymbols; i++) {
		uint32_t sec = k->symbols[i].shndx;
		if (placeable(k, &k->symbols[i]))
			sd->by_section[sd->section_start[sec] + fill[sec]++] = i;
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

int32_t corr_covering(const corr_side *sd, size_t sec, uint64_t off)
{
	const kelf *k = sd->k;
	/* Symbol values are addresses in a linked image. */
	uint64_t base = k->etype == ET_REL ? 0 : k->sections[sec].addr;
	if (off > UINT64_MAX - base)
		return CORR_NONE;
	off += base;
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
	 * aliases) sit close together.  A sized symbol covering off wins over
	 * one of size 0 at off: ARM, AArch64 and RISC-V put a size-0 mapping
	 * symbol ($x, $d) at the start of every section, which names no code. */
	int32_t unsized = CORR_NONE;
	for (size_t j = lo, seen = 0; j-- > sd->section_start[sec] && seen < 8; seen++) {
		const kelf_symbol *s = &k->symbols[sd->by_section[j]];
		if (s->size != 0 && s->value + s->size > off)
			return (int32_t)sd->by_section[j];
		if (s->size == 0 && s->value == off && unsized == CORR_NONE)
			unsized = (int32_t)sd->by_section[j];
	}
	return unsized;
}

/* A loaded section and its address, for sorting. */
typedef struct addressed {
	uint64_t addr;
	uint32_t sec;
} addressed;

static int by_address(const void *x, const void *y)
{
	const addressed *a = x, *b = y;
	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

int corr_index_addresses(corr_side *sd)
{
	const kelf *k = sd->k;
	size_t n = k->nsections ? k->nsections : 1;
	addressed *tmp = malloc(n * sizeof *tmp);
	sd->by_address = malloc(n * sizeof *sd->by_address);
	if (!tmp || !sd->by_address) {
		free(tmp);
		return -1;
	}
	sd->naddressed = 0;
	for (size_t s = 1; s < k->nsections; s++) {
		const kelf_section *sec = &k->sections[s];
		if ((sec->flags & SHF_ALLOC) && sec->size && sec->addr && sec->addr <= UINT64_MAX - sec->size)
			tmp[sd->naddressed++] = (addressed){ sec->addr, (uint32_t)s };
	}
	qsort(tmp, sd->naddressed, sizeof *tmp, by_address);
	for (size_t i = 0; i < sd->naddressed; i++)
		sd->by_address[i] = tmp[i].sec;
	free(tmp);
	/* ppc64 code reaches data from r2, which holds .TOC. (.got + 0x8000). */
	sd->toc = 0;
	for (uint32_t i = 1; k->machine == EM_PPC64 && i < k->nsymbols && !sd->toc; i++)
		if (k->symbols[i].name_len == 5 && memcmp(k->symbols[i].name, ".TOC.", 5) == 0)
			sd->toc = k->symbols[i].value;
	for (size_t s = 1; k->machine == EM_PPC64 && s < k->nsections && !sd->toc; s++)
		if (strcmp(k->sections[s].name, ".got") == 0)
			sd->toc = k->sections[s].addr + 0x8000;
	return 0;
}

size_t corr_section_at(const corr_side *sd, uint64_t addr)
{
	const kelf_section *secs = sd->k->sections;
	size_t lo = 0, hi = sd->naddressed;
	/* The last section starting at or below addr (sections do not overlap;
	 * when corrupt ones do, any one of them is an answer). */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (secs[sd->by_address[mid]].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return 0;
	/* One past a section's end is its too: __stop_X, _etext, __end_* */
	const kelf_section *s = &secs[sd->by_address[lo - 1]];
	return addr - s->addr <= s->size ? sd->by_address[lo - 1] : 0;
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
	if (!corr_target_offset(0, r, sd->k->machine, &off) || off < 0)
		return CORR_NONE;
	int32_t s = corr_covering(sd, t->shndx, (uint64_t)off);
	if (s != CORR_NONE)
		*inner = (uint64_t)off - kelf_symbol_offset(sd->k, &sd->k->symbols[s]);
	return s;
}

const kelf_reloc *corr_reloc_at(const kelf *k, size_t sec, uint64_t off)
{
	if (!k->reloc_start || sec >= k->nsections)
		return NULL;
	size_t r = kelf_first_reloc(k, sec, off);
	return r < k->reloc_start[sec + 1] && k->relocs[r].offset == off ? &k->relocs[r] : NULL;
}

int corr_is_descriptor(const kelf *k, const kelf_symbol *s)
{
	return k->machine == EM_PPC64 && s->shndx != 0 && s->shndx < k->nsections &&
	       strcmp(k->sections[s->shndx].name, ".opd") == 0;
}

int corr_opd_entry(kelf *k, const kelf_symbol *s, size_t *sec, uint64_t *start)
{
	if (!corr_is_descriptor(k, s))
		return 0;
	const kelf_section *opd = &k->sections[s->shndx];
	uint64_t at = s->value - (k->etype == ET_REL ? 0 : opd->addr);
	if (at > opd->size || opd->size - at < 8)
		return 0;
	const kelf_reloc *r = corr_reloc_at(k, s->shndx, at);
	if (r) {
		const kelf_symbol *t = &k->symbols[r->sym];
		if (t->shndx == 0 || t->shndx >= k->nsections)
			return 0;
		/* Values are section offsets in an object (0 for a section symbol),
		 * addresses in a linked image. */
		*sec = t->shndx;
		*start = t->value + (uint64_t)r->addend - (k->etype == ET_REL ? 0 : k->sections[t->shndx].addr);
		return 1;
	}
	const unsigned char *b = kelf_section_bytes(k, s->shndx);
	if (!b || k->etype == ET_REL)
		return 0;
	uint64_t addr = 0;
	for (int i = 0; i < 8; i++)
		addr = addr << 8 | b[at + (size_t)(k->big_endian ? i : 7 - i)];
	for (size_t i = 1; i < k->nsections; i++) {
		const kelf_section *t = &k->sections[i];
		if ((t->flags & SHF_EXECINSTR) && addr >= t->addr && addr - t->addr < t->size) {
			*sec = i;
			*start = addr - t->addr;
			return 1;
		}
	}
	return 0;
}

/* Both toolchains give an ELFv1 function symbol the size of its code, not
 * of its 24-byte descriptor: clang writes ".size foo, .Lfunc_end0-.Lfunc_begin0",
 * gcc ".size foo,.-.L.foo", both spans of the code the descriptor points at. */
void corr_function_code(kelf *k, const kelf_symbol *s, size_t *sec, uint64_t *start)
{
	size_t cs;
	uint64_t at;
	if (s->type == STT_FUNC && corr_opd_entry(k, s, &cs, &at) && at <= k->sections[cs].size &&
	    s->size <= k->sections[cs].size - at) {
		*sec = cs;
		*start = at;
		return;
	}
	*sec = s->shndx;
	*start = kelf_symbol_offset(k, s);
}
