/* reloc: what kelf loads on demand, checked as kelf_open checks the rest:
 * relocation sections and section bytes. */
#ifndef KLP_RELOC_H
#define KLP_RELOC_H

#include <stddef.h>
#include <stdint.h>

#include "kelf.h"

/* Loads and checks every relocation section (once), offsets made relative
 * to the section they apply to (a linked image's give addresses); returns 0,
 * or -1 with a one-line message in err. */
int kelf_load_relocs(kelf *k, char *err, size_t errlen);

/* The index in k->relocs of the first relocation of section sec at or past
 * offset off (reloc_start[sec + 1] when there is none); relocations must be
 * loaded and sec < nsections. */
size_t kelf_first_reloc(const kelf *k, size_t sec, uint64_t off);

/* The bytes of section s (NULL for NOBITS or an empty section). */
const unsigned char *kelf_section_bytes(kelf *k, size_t s);

/* The bits of a linked image that a relocation of this type wrote: *size
 * bytes at its offset, of which (for a 4-byte instruction word, read in the
 * file's byte order) the bits of *mask, all ones for whole bytes.  Returns 0
 * for a type or machine klp does not know. */
int kelf_reloc_field(const kelf *k, uint32_t type, unsigned *size, uint32_t *mask);

/* Whether kelf_reloc_field knows the relocations of this machine at all. */
int kelf_knows_reloc_fields(const kelf *k);

#endif
