/* listing: one function's instructions as lines two builds can compare.
 *
 * Each instruction is decoded (decode.h) and every reference it makes is
 * resolved to what it points at: a relocation inside the instruction first
 * (its symbol, or for a section symbol the symbol covering the target), else
 * the target the decoder computed, looked up among the symbols of its
 * section.  A reference is written as the target's correlation key and the
 * offset in it (`helper+0`, `table+0xc`), a string literal for a target in a
 * string section, `=X` for a word holding X's address (a ppc .toc entry, an
 * ARM literal), the section and offset when no symbol covers it; never as
 * the address or displacement, which move when code moves.  A reference
 * into the function itself is local: the line it reaches, compared after the
 * two listings are aligned (fndiff.h).  Where no relocation says it, an
 * AArch64 adrp names the target its :lo12: half (a later add/ldr/str on the
 * same register) completes.  A ppc64 ELFv1 function is listed from the code
 * its .opd descriptor points at.
 *
 * Each line carries two hashes: its shape (the instruction with its
 * references left out: text, and the bytes outside the references' fields)
 * and its identity (the shape and what every non-local reference points
 * at: the pair a target symbol belongs to, or its key and FILE when it is
 * unpaired), comparable across the two sides of a correlator.  Nops compare
 * equal whatever their length: they are padding. */
#ifndef KLP_LISTING_H
#define KLP_LISTING_H

#include <stddef.h>
#include <stdint.h>

#include "corr.h"
#include "decode.h"

/* A local reference is written into a line's text as this byte; the
 * renderer puts the label of the line it reaches in its place. */
#define KLP_LOCAL_MARK '\001'

enum {
	KLP_LOCAL_NONE = -1,   /* no reference into the function itself */
	KLP_LOCAL_INSIDE = -2, /* one into the middle of an instruction: written as the function's key+offset */
};

typedef struct klp_line {
	uint64_t offset;       /* from the function's start */
	uint64_t shape, ident; /* see above */
	uint64_t mnemonic;     /* hash of the mnemonic alone (pairs changed lines that kept their opcode) */
	uint64_t local_offset; /* the local reference's offset from the function's start */
	uint32_t text;         /* the display text, at listing->text + text, NUL-terminated */
	int32_t local;         /* the line the local reference reaches, or KLP_LOCAL_* */
	uint16_t size;
	uint8_t kind;          /* klp_insn_kind */
} klp_line;

typedef struct klp_listing {
	klp_line *lines;
	size_t nlines, cap;
	char *text;            /* every line's text */
	size_t textlen, textcap;
	const char *key;       /* the function's key (for KLP_LOCAL_INSIDE references) */
	size_t key_len;
	uint64_t bytes;        /* the function's size */
	size_t section;        /* the section its code is in (ppc64 ELFv1: not the .opd of its symbol) */
} klp_listing;

/* Lists function sym of side `side` of c with d (a decoder of that side's
 * ELF).  Returns 0, or -1 with a one-line message in err (bytes outside the
 * section, no bytes, out of memory); *out is then empty.  The correlator
 * must have keys and pairs (the listing reads them); relocations and the
 * per-section symbol index are loaded if they are not. */
int klp_listing_build(corr *c, int side, uint32_t sym, klp_decoder *d, klp_listing *out, char *err, size_t errlen);

void klp_listing_free(klp_listing *l);

#endif
