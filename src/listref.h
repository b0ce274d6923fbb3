/* listref: what a listing's references are: how a reference of an
 * instruction becomes the identity two builds compare and the text a
 * reader sees (listing.c's own types, shared with listref.c only). */
#ifndef KLP_LISTREF_H
#define KLP_LISTREF_H

#include <stddef.h>
#include <stdint.h>

#include "listing.h"

/* Tags of the identity kinds, so that no two kinds collide. */
enum { ID_PAIR = 0x1001, ID_KEY, ID_STRING, ID_SECTION, ID_WORD, ID_NUMBER, ID_LOCAL, ID_INSIDE };

#define REF_TEXT 160
#define MAX_REFS 8
#define PAGES 4

/* One resolved reference of an instruction. */
typedef struct ref {
	uint64_t ident;
	uint64_t local_offset; /* local: from the function's start */
	int local;             /* a reference into the function itself */
	int op;                /* the operand whose text it replaces, -1: appended to the text */
	char text[REF_TEXT];
} ref;

/* An AArch64 adrp waiting for the :lo12: half of its target. */
typedef struct page {
	int64_t page;  /* section offset of the page */
	size_t line;   /* the adrp's line */
	uint16_t reg;
} page;

typedef struct ctx {
	corr *c;
	int side;
	corr_side *sd;
	kelf *k;
	klp_decoder *d;
	uint32_t fn;
	size_t sec;
	uint64_t start, size;     /* the function's section offset and size */
	int addends_unknown;      /* ARM/MIPS SHT_REL: addends are instruction bits */
	const kelf_reloc *rel, *rel_end; /* the section's relocations not yet passed */
	klp_listing *out;
	int nomem;
	page pages[PAGES];
	size_t npages;
	struct paired_page *paired; /* adrp offsets and the targets their :lo12: halves complete */
	size_t npaired, paired_cap, paired_next;
} ctx;

/* An adrp whose target a later add/ldr/str completes (found by a first pass
 * over a function without relocations). */
typedef struct paired_page {
	uint64_t offset; /* the adrp's section offset */
	int64_t target;
} paired_page;

/* Appends s (n bytes) to buf (cap bytes, *len used), truncating. */
void lr_put(char *buf, size_t cap, size_t *len, const char *s, size_t n);

/* Appends the NUL-terminated s. */
void lr_puts(char *buf, size_t cap, size_t *len, const char *s);

/* A printable copy of name (at most 96 bytes; control bytes as \ooo). */
void lr_put_name(char *buf, size_t cap, size_t *len, const char *name, size_t n);

/* A target the decoder computed: a section offset of the function's section,
 * which in a linked image may lie in another section. */
void lr_decoded(ctx *x, int64_t off, int through, ref *r);

/* Whether a relocation type takes the PC from the end of an x86 instruction
 * (1) or the start of an s390 one (2). */
int lr_pc_relative(unsigned machine, uint32_t type);

/* What a relocation points at; adjust is added to its addend (the PC fix-up). */
void lr_reloc(ctx *x, const kelf_reloc *rel, int64_t adjust, int depth, ref *r);

/* How a relocation type decorates its target: AArch64 :lo12:, ppc @ha/@l. */
void lr_decorate(unsigned machine, uint32_t type, ref *r);

#endif
