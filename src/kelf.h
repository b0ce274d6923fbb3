/* kelf: an ELF file loaded into compact, validated arrays.
 *
 * Everything klp reads from an ELF file passes through kelf_open, which checks
 * every offset, size, index and string before anything else looks at it.  Later
 * code may trust the arrays: names are NUL-terminated inside the string table,
 * section indices are in range or one of the KELF_SHN_* specials. */
#ifndef KLP_KELF_H
#define KLP_KELF_H

#include <stddef.h>
#include <stdint.h>
#include <elf.h>
#include <libelf.h>

/* Special section indices, remapped above any real index (real ones can be
 * >= SHN_LORESERVE in objects that use SHN_XINDEX). */
#define KELF_SHN_SPECIAL 0xffffff00u /* + (original st_shndx - SHN_LORESERVE) */
#define KELF_SHN_ABS (KELF_SHN_SPECIAL + 0xf1u)
#define KELF_SHN_COMMON (KELF_SHN_SPECIAL + 0xf2u)

#define KELF_NO_FILE (-1)

typedef struct kelf_section {
	const char *name; /* inside .shstrtab, "" when the section has none */
	uint64_t flags, addr, offset, size, entsize;
	uint32_t type, link, info;
} kelf_section;

typedef struct kelf_symbol {
	const char *name; /* inside the string table, NUL-terminated */
	uint64_t hash;    /* klp_hash of name */
	uint64_t value, size;
	uint32_t name_len;
	uint32_t shndx;   /* real index, 0 (undefined) or a KELF_SHN_* special */
	int32_t file;     /* index into kelf.files, or KELF_NO_FILE */
	uint8_t type, bind, visibility;
} kelf_symbol;

/* A relocation, with its addend made explicit (read from the section for
 * SHT_REL). */
typedef struct kelf_reloc {
	uint64_t offset;   /* within the section it applies to (in linked images too) */
	int64_t addend;
	uint32_t type;
	uint32_t sym;      /* symbol table index, checked */
} kelf_reloc;

typedef struct kelf {
	char *path;
	int fd;
	Elf *elf;
	int elfclass;      /* 32 or 64 */
	int big_endian;
	unsigned machine;  /* e_machine */
	unsigned etype;    /* e_type */
	size_t nsections;
	kelf_section *sections;
	size_t nsymbols;   /* including the null symbol at index 0 */
	kelf_symbol *symbols;
	size_t nfiles;
	uint32_t *files;   /* symbol index of each STT_FILE symbol, in symtab order */
	/* Loaded on demand by kelf_load_relocs (reloc.h): every relocation, grouped by the
	 * section it applies to (reloc_start[s] .. reloc_start[s + 1]), each group
	 * sorted by offset. */
	kelf_reloc *relocs;
	size_t nrelocs;
	size_t *reloc_start;
	const unsigned char **bytes;  /* per section, filled by kelf_section_bytes */
	long shared_text;  /* kelf_shared_text_functions, once known (-1 before) */
} kelf;

/* Opens and validates PATH.  On failure returns NULL and writes a one-line
 * message (without the path) into err. */
kelf *kelf_open(const char *path, char *err, size_t errlen);
void kelf_close(kelf *k);

/* Gives back the file descriptor; the loaded arrays stay usable. */
void kelf_release_file(kelf *k);

/* Where a symbol defined in a real section starts within it: st_value in a
 * relocatable object, st_value less the section's address in a linked image;
 * UINT64_MAX when it does not lie at or past the section's address. */
static inline uint64_t kelf_symbol_offset(const kelf *k, const kelf_symbol *s)
{
	if (s->shndx == 0 || s->shndx >= k->nsections)
		return UINT64_MAX;
	uint64_t base = k->etype == ET_REL ? 0 : k->sections[s->shndx].addr;
	return s->value >= base ? s->value - base : UINT64_MAX;
}

/* Name of the section a symbol is defined in, or NULL (undefined, ABS, ...). */
const char *kelf_symbol_section(const kelf *k, const kelf_symbol *s);

/* Functions sharing their section with a function at another address
 * (no -ffunction-sections); -1 when out of memory. */
long kelf_shared_text_functions(kelf *k);

const char *kelf_type_name(unsigned stt);
const char *kelf_bind_name(unsigned stb);
const char *kelf_visibility_name(unsigned stv);
const char *kelf_machine_name(unsigned em);
const char *kelf_etype_name(unsigned et);

#endif
