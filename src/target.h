/* target: where a reference points.  A relocation names a symbol, or a
 * section symbol and an offset; through a section symbol, the target is the
 * symbol covering that offset, found in a per-section index by address. */
#ifndef KLP_TARGET_H
#define KLP_TARGET_H

#include <stdint.h>

#include "corr.h"

/* Whether relocations of this type are x86 PC-relative references, whose
 * addend counts from the end of the instruction: 4 bytes past the field
 * unless an immediate follows it (which only decoding tells). */
int corr_pc_relative(unsigned machine, uint32_t type);

/* The target offset base + addend (+ the PC-relative fix-up of the machine)
 * in *off; false when it does not fit in 64 bits (a corrupt addend). */
int corr_target_offset(uint64_t base, const kelf_reloc *r, unsigned machine, int64_t *off);

/* Indexes the named symbols of each real section of a side by value
 * (sd->by_section, sd->section_start): sized ones first at one address.
 * -1 when out of memory. */
int corr_index_sections(corr_side *sd);

/* The symbol of section sec covering offset off, or CORR_NONE (needs the
 * section index). */
int32_t corr_covering(const corr_side *sd, size_t sec, uint64_t off);

/* Indexes a linked image's loaded sections by address (sd->by_address):
 * those of size > 0 at a non-zero address (a per-CPU section linked at 0
 * would claim every small number), and finds a ppc64 image's TOC pointer
 * (sd->toc).  -1 when out of memory. */
int corr_index_addresses(corr_side *sd);

/* The indexed section holding address addr, or ending there (__stop_X),
 * or 0 (needs that index). */
size_t corr_section_at(const corr_side *sd, uint64_t addr);

/* Where a relocation of side `side` points: the symbol it names, or for a
 * section symbol the symbol covering the target (with *inner the offset in
 * it); CORR_NONE when nothing covers it. */
int32_t corr_reloc_target(const corr *c, int side, const kelf_reloc *r, uint64_t *inner);

/* The relocation of section sec at exactly offset off (a relocated slot:
 * a .toc entry, a literal pool word), or NULL; relocations must be loaded. */
const kelf_reloc *corr_reloc_at(const kelf *k, size_t sec, uint64_t off);

/* Whether symbol s names a ppc64 ELFv1 function descriptor: it is in .opd. */
int corr_is_descriptor(const kelf *k, const kelf_symbol *s);

/* ppc64 ELFv1: a function symbol names its descriptor in .opd, whose first
 * doubleword holds the code's address (a relocation in an object or an
 * image linked with --emit-relocs, else the address itself).  Sets *sec and
 * *start (a section offset, not range-checked) to the code; 0 when s is no
 * descriptor or its code cannot be read.  Relocations must be loaded. */
int corr_opd_entry(kelf *k, const kelf_symbol *s, size_t *sec, uint64_t *start);

/* Where the code of symbol s (defined in a real section) is: for an ELFv1
 * function, the code its descriptor points at when its size fits there,
 * else its own section and kelf_symbol_offset.  Relocations must be loaded. */
void corr_function_code(kelf *k, const kelf_symbol *s, size_t *sec, uint64_t *start);

#endif
