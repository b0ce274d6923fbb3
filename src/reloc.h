/* reloc: what kelf loads on demand, checked as kelf_open checks the rest:
 * relocation sections and section bytes. */
#ifndef KLP_RELOC_H
#define KLP_RELOC_H

#include <stddef.h>

#include "kelf.h"

/* Loads and checks every relocation section (once); returns 0, or -1 with a
 * one-line message in err. */
int kelf_load_relocs(kelf *k, char *err, size_t errlen);

/* The bytes of section s (NULL for NOBITS or an empty section). */
const unsigned char *kelf_section_bytes(kelf *k, size_t s);

#endif
