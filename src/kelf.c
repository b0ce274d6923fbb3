/* kelf: loading and validating an ELF file (see kelf.h). */
#include "kelf.h"

#include <errno.h>
#include <fcntl.h>
#include <ar.h>
#include <gelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"

/* Loader state: the file being built plus what validation needs. */
typedef struct loader {
	kelf *k;
	uint64_t file_size;
	size_t shstrndx;
	char *err;
	size_t errlen;
} loader;

static int fail(loader *ld, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ld->err, ld->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* True when [off, off+size) lies inside the file, without overflow. */
static int within_file(const loader *ld, uint64_t off, uint64_t size)
{
	return off <= ld->file_size && size <= ld->file_size - off;
}

/* Checks the identification bytes and the header fields libelf trusts. */
static int check_header(loader *ld)
{
	kelf *k = ld->k;
	size_t idlen = 0;
	const char *ident = elf_getident(k->elf, &idlen);
	if (!ident || idlen < EI_NIDENT)
		return fail(ld, "truncated ELF identification");
	if (ident[EI_CLASS] != ELFCLASS32 && ident[EI_CLASS] != ELFCLASS64)
		return fail(ld, "unknown ELF class %d", ident[EI_CLASS]);
	if (ident[EI_DATA] != ELFDATA2LSB && ident[EI_DATA] != ELFDATA2MSB)
		return fail(ld, "unknown ELF byte order %d", ident[EI_DATA]);
	k->elfclass = ident[EI_CLASS] == ELFCLASS64 ? 64 : 32;
	k->big_endian = ident[EI_DATA] == ELFDATA2MSB;
	GElf_Ehdr eh;
	if (!gelf_getehdr(k->elf, &eh))
		return fail(ld, "corrupt ELF header: %s", elf_errmsg(-1));
	k->machine = eh.e_machine;
	k->etype = eh.e_type;
	if (eh.e_type != ET_REL && eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		return fail(ld, "unsupported ELF type %u (want relocatable, executable or shared object)",
			    (unsigned)eh.e_type);
	if (eh.e_shoff == 0)
		return fail(ld, "no section header table");
	uint64_t shentsize = k->elfclass == 64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	if (eh.e_shentsize != shentsize)
		return fail(ld, "section header entry size %u, expected %llu", (unsigned)eh.e_shentsize,
			    (unsigned long long)shentsize);
	if (!within_file(ld, eh.e_shoff, shentsize))
		return fail(ld, "section header table at offset %llu is past the end of the file",
			    (unsigned long long)eh.e_shoff);
	if (eh.e_shnum > (ld->file_size - eh.e_shoff) / shentsize)
		return fail(ld, "section header table (%u entries at offset %llu) extends past the end of the file",
			    (unsigned)eh.e_shnum, (unsigned long long)eh.e_shoff);
	size_t n = 0;
	if (elf_getshdrnum(k->elf, &n) != 0)
		return fail(ld, "corrupt section count: %s", elf_errmsg(-1));
	if (n == 0 || (eh.e_shnum != 0 && n != eh.e_shnum))
		return fail(ld, "corrupt section header table (%zu sections read, header says %u)", n,
			    (unsigned)eh.e_shnum);
	if (n > (ld->file_size - eh.e_shoff) / shentsize)
		return fail(ld, "section header table (%zu entries at offset %llu) is past the end of the file",
			    n, (unsigned long long)eh.e_shoff);
	if (elf_getshdrstrndx(k->elf, &ld->shstrndx) != 0)
		return fail(ld, "corrupt section name table index: %s", elf_errmsg(-1));
	if (ld->shstrndx >= n && ld->shstrndx != SHN_UNDEF)
		return fail(ld, "section name table index %zu out of range (%zu sections)", ld->shstrndx, n);
	k->nsections = n;
	return 0;
}

/* The raw bytes of a section whose bounds were already checked, or NULL. */
static const char *section_bytes(loader *ld, size_t index, size_t *size)
{
	Elf_Scn *scn = elf_getscn(ld->k->elf, index);
	Elf_Data *d = scn ? elf_rawdata(scn, NULL) : NULL;
	if (!d || d->d_size != ld->k->sections[index].size)
		return NULL;
	*size = d->d_size;
	return d->d_buf;
}

/* Validates a string table section and returns its bytes (last byte NUL). */
static const char *string_table(loader *ld, size_t index, const char *what, size_t *size)
{
	const kelf_section *sec = &ld->k->sections[index];
	if (sec->type != SHT_STRTAB) {
		fail(ld, "%s (section %zu) is not a string table", what, index);
		return NULL;
	}
	if (sec->flags & SHF_COMPRESSED) {
		fail(ld, "%s (section %zu) is compressed (SHF_COMPRESSED), which klp does not read", what, index);
		return NULL;
	}
	const char *bytes = section_bytes(ld, index, size);
	if (!bytes) {
		fail(ld, "cannot read %s (section %zu): %s", what, index, elf_errmsg(-1));
		return NULL;
	}
	if (*size == 0 || bytes[*size - 1] != '\0') {
		fail(ld, "%s (section %zu) is not NUL-terminated", what, index);
		return NULL;
	}
	return bytes;
}

/* Reads every section header and checks its bounds. */
static int read_headers(loader *ld, uint32_t *name_off)
{
	kelf *k = ld->k;
	for (size_t i = 0; i < k->nsections; i++) {
		GElf_Shdr sh;
		Elf_Scn *scn = elf_getscn(k->elf, i);
		if (!scn || !gelf_getshdr(scn, &sh))
			return fail(ld, "cannot read section header %zu: %s", i, elf_errmsg(-1));
		name_off[i] = sh.sh_name;
		kelf_section *s = &k->sections[i];
		s->type = sh.sh_type;
		s->flags = sh.sh_flags;
		s->addr = sh.sh_addr;
		s->offset = sh.sh_offset;
		s->size = sh.sh_size;
		s->entsize = sh.sh_entsize;
		s->link = sh.sh_link;
		s->info = sh.sh_info;
		s->name = "";
		if (i != 0 && sh.sh_type != SHT_NOBITS && !within_file(ld, sh.sh_offset, sh.sh_size))
			return fail(ld, "section %zu (offset %llu, size %llu) extends past the end of the file",
				    i, (unsigned long long)sh.sh_offset, (unsigned long long)sh.sh_size);
	}
	return 0;
}

/* Gives every section its name, once the section name table is checked. */
static int name_sections(loader *ld, const uint32_t *name_off)
{
	kelf *k = ld->k;
	if (ld->shstrndx == SHN_UNDEF)
		return 0;
	size_t size;
	const char *names = string_table(ld, ld->shstrndx, "section name table", &size);
	if (!names)
		return -1;
	for (size_t i = 0; i < k->nsections; i++) {
		if (name_off[i] >= size)
			return fail(ld, "section %zu: name offset %u past the section name table (%zu bytes)",
				    i, (unsigned)name_off[i], size);
		k->sections[i].name = names + name_off[i];
	}
	return 0;
}

/* Reads every section header and checks its bounds and name. */
static int load_sections(loader *ld)
{
	kelf *k = ld->k;
	k->sections = calloc(k->nsections ? k->nsections : 1, sizeof *k->sections);
	if (!k->sections)
		return fail(ld, "out of memory for %zu sections", k->nsections);
	/* sh_name offsets wait here until the name table itself is checked. */
	uint32_t *name_off = malloc((k->nsections ? k->nsections : 1) * sizeof *name_off);
	if (!name_off)
		return fail(ld, "out of memory for %zu sections", k->nsections);
	int rc = read_headers(ld, name_off);
	if (rc == 0)
		rc = name_sections(ld, name_off);
	free(name_off);
	return rc;
}

/* Finds the one SHT_SYMTAB section; returns 0 when the file has none. */
static size_t find_symtab(loader *ld)
{
	for (size_t i = 1; i < ld->k->nsections; i++)
		if (ld->k->sections[i].type == SHT_SYMTAB)
			return i;
	return 0;
}

/* Returns the extended section index table for symtab, or NULL with *n = 0. */
static const Elf32_Word *find_shndx_table(loader *ld, size_t symtab, size_t *n)
{
	*n = 0;
	for (size_t i = 1; i < ld->k->nsections; i++) {
		const kelf_section *s = &ld->k->sections[i];
		if (s->type != SHT_SYMTAB_SHNDX || s->link != symtab)
			continue;
		Elf_Data *d = elf_getdata(elf_getscn(ld->k->elf, i), NULL);
		if (!d || d->d_size != s->size)
			return NULL;
		*n = d->d_size / sizeof(Elf32_Word);
		return d->d_buf;
	}
	return NULL;
}

/* Maps a raw st_shndx (already resolved through SHN_XINDEX) to kelf's form. */
static int resolve_shndx(loader *ld, size_t sym, uint32_t raw, int extended, uint32_t *out)
{
	if (!extended && raw >= SHN_LORESERVE) {
		*out = KELF_SHN_SPECIAL + (raw - SHN_LORESERVE);
		return 0;
	}
	if (raw >= ld->k->nsections)
		return fail(ld, "symbol %zu: section index %u out of range (%zu sections)", sym, (unsigned)raw,
			    ld->k->nsections);
	*out = raw;
	return 0;
}

/* Copies one symbol into the compact array, checking its name and section. */
static int load_symbol(loader *ld, size_t i, const GElf_Sym *sym, const char *strs, size_t strsize,
		       const Elf32_Word *xtab, size_t nx)
{
	kelf_symbol *s = &ld->k->symbols[i];
	if (sym->st_name >= strsize)
		return fail(ld, "symbol %zu: name offset %u past the string table (%zu bytes)", i,
			    (unsigned)sym->st_name, strsize);
	s->name = strs + sym->st_name;
	size_t len = strlen(s->name);
	s->name_len = (uint32_t)len;
	s->hash = klp_hash(s->name, len);
	s->value = sym->st_value;
	s->size = sym->st_size;
	s->type = GELF_ST_TYPE(sym->st_info);
	s->bind = GELF_ST_BIND(sym->st_info);
	s->visibility = GELF_ST_VISIBILITY(sym->st_other);
	s->file = KELF_NO_FILE;
	uint32_t raw = sym->st_shndx;
	int extended = raw == SHN_XINDEX;
	if (extended) {
		if (!xtab)
			return fail(ld, "symbol %zu uses SHN_XINDEX but there is no .symtab_shndx section", i);
		if (i >= nx)
			return fail(ld, "symbol %zu has no entry in .symtab_shndx (%zu entries)", i, nx);
		raw = xtab[i];
	}
	return resolve_shndx(ld, i, raw, extended, &s->shndx);
}

/* Ties every local symbol to the STT_FILE symbol before it (its translation unit). */
static int assign_files(loader *ld)
{
	kelf *k = ld->k;
	size_t nfiles = 0;
	for (size_t i = 1; i < k->nsymbols; i++)
		nfiles += k->symbols[i].type == STT_FILE;
	k->files = malloc((nfiles ? nfiles : 1) * sizeof *k->files);
	if (!k->files)
		return fail(ld, "out of memory for %zu FILE symbols", nfiles);
	int32_t current = KELF_NO_FILE;
	for (size_t i = 1; i < k->nsymbols; i++) {
		kelf_symbol *s = &k->symbols[i];
		if (s->type == STT_FILE) {
			current = (int32_t)k->nfiles;
			k->files[k->nfiles++] = (uint32_t)i;
		} else if (s->bind == STB_LOCAL && s->type != STT_SECTION) {
			s->file = current;
		}
	}
	return 0;
}

/* Reads .symtab and its string table into the compact symbol array. */
static int load_symbols(loader *ld)
{
	kelf *k = ld->k;
	size_t symtab = find_symtab(ld);
	if (symtab == 0) {
		/* An object with nothing in it (an empty translation unit) simply
		 * has no symbols; one with contents but no table was stripped. */
		for (size_t i = 1; i < k->nsections; i++)
			if ((k->sections[i].flags & SHF_ALLOC) && k->sections[i].size > 0)
				return fail(ld, "no symbol table (.symtab); stripped files cannot be correlated");
		k->nsymbols = 0;
		k->symbols = calloc(1, sizeof *k->symbols);
		if (!k->symbols)
			return fail(ld, "out of memory");
		return assign_files(ld);
	}
	const kelf_section *sec = &k->sections[symtab];
	if (sec->flags & SHF_COMPRESSED)
		return fail(ld, "symbol table (section %zu) is compressed (SHF_COMPRESSED), which klp does not read",
			    symtab);
	size_t entsize = k->elfclass == 64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
	if (sec->entsize != entsize)
		return fail(ld, "symbol table entry size %llu, expected %zu", (unsigned long long)sec->entsize,
			    entsize);
	if (sec->size % entsize != 0)
		return fail(ld, "symbol table size %llu is not a multiple of its entry size %zu",
			    (unsigned long long)sec->size, entsize);
	if (sec->link == 0 || sec->link >= k->nsections)
		return fail(ld, "symbol table's string table index %u out of range", (unsigned)sec->link);
	if (sec->size / entsize > INT32_MAX)
		return fail(ld, "symbol table of %llu entries is larger than klp handles",
			    (unsigned long long)(sec->size / entsize));
	size_t strsize;
	const char *strs = string_table(ld, sec->link, "symbol string table", &strsize);
	if (!strs)
		return -1;
	Elf_Data *d = elf_getdata(elf_getscn(k->elf, symtab), NULL);
	if (!d || d->d_size != sec->size || d->d_type != ELF_T_SYM)
		return fail(ld, "cannot read the symbol table: %s", elf_errmsg(-1));
	size_t nx;
	const Elf32_Word *xtab = find_shndx_table(ld, symtab, &nx);
	k->nsymbols = sec->size / entsize;
	k->symbols = calloc(k->nsymbols ? k->nsymbols : 1, sizeof *k->symbols);
	if (!k->symbols)
		return fail(ld, "out of memory for %zu symbols", k->nsymbols);
	/* libelf hands out the table translated to this host's layout: read the
	 * native structs (a gelf_getsym call per symbol costs more than the rest). */
	for (size_t i = 0; i < k->nsymbols; i++) {
		GElf_Sym sym;
		if (k->elfclass == 64) {
			sym = ((const Elf64_Sym *)d->d_buf)[i];
		} else {
			const Elf32_Sym *s32 = &((const Elf32_Sym *)d->d_buf)[i];
			sym = (GElf_Sym){ .st_name = s32->st_name, .st_info = s32->st_info, .st_other = s32->st_other,
					  .st_shndx = s32->st_shndx, .st_value = s32->st_value, .st_size = s32->st_size };
		}
		if (load_symbol(ld, i, &sym, strs, strsize, xtab, nx) != 0)
			return -1;
	}
	return assign_files(ld);
}

/* Reads the identification bytes before libelf does, so that a short or
 * foreign file gets a precise message. */
static int check_ident(loader *ld)
{
	unsigned char id[EI_NIDENT] = { 0 };
	ssize_t got = pread(ld->k->fd, id, sizeof id, 0);
	if (got < 0)
		return fail(ld, "%s", strerror(errno));
	if (got >= SARMAG && memcmp(id, ARMAG, SARMAG) == 0)
		return fail(ld, "is an archive; give klp the object files inside it");
	if (got < SELFMAG || memcmp(id, ELFMAG, SELFMAG) != 0)
		return fail(ld, "not an ELF file");
	if (got <= EI_CLASS || (id[EI_CLASS] != ELFCLASS32 && id[EI_CLASS] != ELFCLASS64))
		return fail(ld, "truncated ELF header or unknown ELF class");
	uint64_t ehsize = id[EI_CLASS] == ELFCLASS64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	if (ld->file_size < ehsize)
		return fail(ld, "truncated ELF header (%llu of %llu bytes)", (unsigned long long)ld->file_size,
			    (unsigned long long)ehsize);
	return 0;
}

/* Opens the file, refusing what is not a readable regular file. */
static int open_file(loader *ld, const char *path)
{
	struct stat st;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return fail(ld, "%s", strerror(errno));
	ld->k->fd = fd;
	if (fstat(fd, &st) != 0)
		return fail(ld, "%s", strerror(errno));
	if (S_ISDIR(st.st_mode))
		return fail(ld, "is a directory, not an ELF file");
	if (!S_ISREG(st.st_mode))
		return fail(ld, "not a regular file");
	if (st.st_size == 0)
		return fail(ld, "empty file, not an ELF file");
	ld->file_size = (uint64_t)st.st_size;
	if (check_ident(ld) != 0)
		return -1;
	ld->k->elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!ld->k->elf)
		return fail(ld, "cannot read: %s", elf_errmsg(-1));
	if (elf_kind(ld->k->elf) != ELF_K_ELF)
		return fail(ld, "not an ELF file");
	return 0;
}

kelf *kelf_open(const char *path, char *err, size_t errlen)
{
	kelf *k = calloc(1, sizeof *k);
	if (!k) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	k->fd = -1;
	k->shared_text = -1;
	loader ld = { .k = k, .err = err, .errlen = errlen };
	k->path = strdup(path);
	if (!k->path) {
		fail(&ld, "out of memory");
		kelf_close(k);
		return NULL;
	}
	if (open_file(&ld, path) != 0 || check_header(&ld) != 0 || load_sections(&ld) != 0 ||
	    load_symbols(&ld) != 0) {
		kelf_close(k);
		return NULL;
	}
	return k;
}

void kelf_release_file(kelf *k)
{
	if (k->elf)
		elf_cntl(k->elf, ELF_C_FDDONE);
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
	k->shared_text = -1;
}

void kelf_close(kelf *k)
{
	if (!k)
		return;
	if (k->elf)
		elf_end(k->elf);
	if (k->fd >= 0)
		close(k->fd);
	free(k->sections);
	free(k->symbols);
	free(k->files);
	free(k->relocs);
	free(k->reloc_start);
	free(k->bytes);
	free(k->path);
	free(k);
}

const char *kelf_symbol_section(const kelf *k, const kelf_symbol *s)
{
	if (s->shndx == 0 || s->shndx >= k->nsections)
		return NULL;
	return k->sections[s->shndx].name;
}

const char *kelf_type_name(unsigned stt)
{
	switch (stt) {
	case STT_NOTYPE: return "notype";
	case STT_OBJECT: return "object";
	case STT_FUNC: return "func";
	case STT_SECTION: return "section";
	case STT_FILE: return "file";
	case STT_COMMON: return "common";
	case STT_TLS: return "tls";
	default: return "other";
	}
}

const char *kelf_bind_name(unsigned stb)
{
	switch (stb) {
	case STB_LOCAL: return "local";
	case STB_GLOBAL: return "global";
	case STB_WEAK: return "weak";
	default: return "other";
	}
}

const char *kelf_visibility_name(unsigned stv)
{
	switch (stv) {
	case STV_DEFAULT: return "default";
	case STV_INTERNAL: return "internal";
	case STV_HIDDEN: return "hidden";
	default: return "protected";
	}
}

const char *kelf_machine_name(unsigned em)
{
	switch (em) {
	case EM_386: return "i386";
	case EM_X86_64: return "x86_64";
	case EM_AARCH64: return "aarch64";
	case EM_ARM: return "arm";
	case EM_PPC: return "ppc";
	case EM_PPC64: return "ppc64";
	case EM_S390: return "s390";
	case EM_RISCV: return "riscv";
	case EM_LOONGARCH: return "loongarch";
	case EM_MIPS: return "mips";
	case EM_SPARCV9: return "sparcv9";
	default: return NULL;
	}
}

const char *kelf_etype_name(unsigned et)
{
	switch (et) {
	case ET_REL: return "rel";
	case ET_EXEC: return "exec";
	case ET_DYN: return "dyn";
	default: return "other";
	}
}

/* Counts the functions that share their section with a function at another
 * address; -1 when out of memory. */
static long count_shared_text(const kelf *k)
{
	if (k->nsections == 0)
		return 0;
	uint64_t *first = calloc(k->nsections, sizeof *first);
	unsigned char *state = calloc(k->nsections, 1); /* 0 none, 1 one address, 2 more */
	if (!first || !state) {
		free(first);
		free(state);
		return -1;
	}
	for (int pass = 0; pass < 2; pass++) {
		long shared = 0;
		for (size_t i = 1; i < k->nsymbols; i++) {
			const kelf_symbol *s = &k->symbols[i];
			if (s->type != STT_FUNC || s->shndx == 0 || s->shndx >= k->nsections)
				continue;
			unsigned char *st = &state[s->shndx];
			if (pass == 1) {
				shared += *st == 2;
			} else if (*st == 0) {
				*st = 1;
				first[s->shndx] = s->value;
			} else if (first[s->shndx] != s->value) {
				*st = 2;
			}
		}
		if (pass == 1) {
			free(first);
			free(state);
			return shared;
		}
	}
	return 0;
}

/* The number of functions that share their section with a function at
 * another address (an object built without -ffunction-sections), counted
 * once; -1 when out of memory.  Calls between such functions are resolved by
 * the assembler, without relocations. */
long kelf_shared_text_functions(kelf *k)
{
	if (k->shared_text < 0)
		k->shared_text = count_shared_text(k);
	return k->shared_text;
}
