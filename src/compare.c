/* compare: deciding changed pairs by their instructions (see compare.h).
 *
 * A function's code digest is its byte digest with one difference: a
 * PC-relative operand that no relocation explains (a call or jump inside a
 * shared .text) counts by what it reaches, the covering symbol's key and the
 * offset in it (or the offset in the function itself), not by its
 * displacement.  Every relocation counts exactly as in the byte digest, so
 * whatever the byte digest sees (other callees, other strings, other data)
 * the code digest sees too.  The line digest also leaves out the immediate
 * of each load into argument register 2 or 3 that the next call passes to a
 * line-taking callee (line.h): equal line digests mean only line numbers
 * differ. */
#include "compare.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "digest.h"
#include "hash.h"
#include "line.h"
#include "reloc.h"
#include "target.h"

/* The argument registers 2 and 3 of the machine's calling convention, as
 * Capstone writes them: where a line-taking callee gets its __LINE__. */
static const char *const *line_registers(unsigned machine)
{
	static const char *const x86_64[] = { "esi", "edx", "rsi", "rdx", NULL };
	static const char *const i386[] = { "edx", "ecx", NULL }; /* the kernel's regparm(3) */
	static const char *const aarch64[] = { "w1", "w2", "x1", "x2", NULL };
	static const char *const ppc[] = { "r4", "r5", "4", "5", NULL };
	static const char *const s390[] = { "%r3", "%r4", NULL };
	switch (machine) {
	case EM_X86_64: return x86_64;
	case EM_386: return i386;
	case EM_AARCH64: return aarch64;
	case EM_PPC64: case EM_PPC: return ppc;
	case EM_S390: return s390;
	default: return NULL;
	}
}

/* Whether insn loads an immediate into one of regs ("mov esi, 0x38b",
 * "li r4, 0x38b", "lghi %r3, 907"); *head_len is then the length of its
 * text before the immediate. */
static int loads_line_register(const klp_insn *insn, const char *const *regs, size_t *head_len)
{
	static const char *const movers[] = { "mov", "movz", "li", "lghi", "lhi", "lgfi", NULL };
	/* The decoder lists the operands a comparison sees through, registers not. */
	if (!regs || insn->noperands != 1 || insn->operands[0].kind != KLP_OP_IMM)
		return 0;
	const char *text = insn->text;
	size_t m = insn->mnemonic_len;
	int mover = 0;
	for (const char *const *p = movers; *p && !mover; p++)
		mover = strlen(*p) == m && strncmp(text, *p, m) == 0;
	const char *r = text + m + strspn(text + m, " \t");
	size_t rl = strcspn(r, ",");
	int reg = 0;
	for (const char *const *p = regs; *p && mover && !reg; p++)
		reg = strlen(*p) == rl && strncmp(r, *p, rl) == 0;
	if (!reg)
		return 0;
	*head_len = (size_t)(r + rl - text);
	return 1;
}

/* High halves awaiting their low half (adrp pages, ppc64 addis), per function. */
#define PENDING_PAGES 4

/* The code and line digests of one function being built. */
typedef struct coder {
	corr *c;
	int side;
	kelf *k;
	size_t sec;
	uint64_t start, size;       /* the function's section offset and size */
	const kelf_reloc *rel, *rel_end; /* its section's relocations not yet passed */
	const char *const *regs;    /* line_registers of the machine */
	uint64_t code, line;
	uint64_t pending;           /* line-load immediates since the last call, hashed */
	int npending;
	int by_address;             /* the side is read by address (digest.h) */
	int fixed_width;            /* a cleared field is the whole word (klp_decoder_fixed_width) */
	uint64_t sec_addr;          /* the section's address */
	uint64_t toc;               /* ppc64: the TOC pointer's value (corr_side.toc) */
	struct {
		uint64_t page;
		uint16_t reg;
		uint8_t used;       /* some low half completed it */
	} pages[PENDING_PAGES];     /* high halves whose register holds them still, oldest first */
	int npages;
} coder;

/* The symbol of the function's section covering offset to, or CORR_NONE;
 * the per-section index is built the first time a decoded target needs it
 * (relocations name most targets). */
static int32_t covering(coder *w, uint64_t to)
{
	corr_side *sd = &w->c->side[w->side];
	if (!sd->section_start && corr_index_sections(sd) != 0)
		return CORR_NONE; /* out of memory: the target counts by its place, conservatively */
	if (w->by_address) {
		size_t sec = corr_section_at(sd, w->sec_addr + to);
		return sec ? corr_covering(sd, sec, w->sec_addr + to - w->k->sections[sec].addr) : CORR_NONE;
	}
	return corr_covering(sd, w->sec, to);
}

/* The key of what a call instruction reaches, through its relocation or its
 * decoded target; NULL when nothing names it. */
static const corr_sym *callee(coder *w, const klp_insn *insn, const kelf_reloc *first, const kelf_reloc *end)
{
	const corr_side *sd = &w->c->side[w->side];
	if (first < end) {
		uint64_t inner;
		int32_t t = corr_reloc_target(w->c, w->side, first, &inner);
		return t == CORR_NONE ? NULL : &sd->syms[t];
	}
	for (uint8_t i = 0; i < insn->noperands; i++)
		if (insn->operands[i].kind == KLP_OP_TARGET && insn->operands[i].value >= 0) {
			int32_t t = covering(w, (uint64_t)insn->operands[i].value);
			return t == CORR_NONE ? NULL : &sd->syms[t];
		}
	return NULL;
}

/* What section offset to of the function's section is, no relocation
 * saying it: a place in the function itself, else what it holds. */
static uint64_t place_identity(coder *w, uint64_t to)
{
	if (to >= w->start && to - w->start < w->size)
		return klp_hash_mix(0x6c6f63u, to - w->start);
	if (w->by_address)
		return corr_address_identity(w->c, w->side, w->sec_addr + to);
	int32_t t = covering(w, to);
	if (t != CORR_NONE)
		return klp_hash_mix(w->c->side[w->side].syms[t].key_hash,
				    to - kelf_symbol_offset(w->k, &w->k->symbols[t]));
	return klp_hash_mix(0x6e6f6eu, to);
}

/* The hash of an instruction's text without its numbers (0x1c, #-8, 907,
 * with the sign, '#' or comma before each; register names keep their
 * digits): what is left of an instruction whose address fields are cleared,
 * registers and all.  last: only its last number, the one a fixed-width
 * ISA's cleared whole word encodes beside others (tbz w0, #3, target). */
static uint64_t text_without_numbers(const char *text, int last)
{
	char out[KLP_INSN_TEXT];
	size_t n = 0, final = SIZE_MAX;
	for (size_t i = 0; text[i]; i++)
		if (isdigit((unsigned char)text[i]) && (i == 0 || !(isalnum((unsigned char)text[i - 1]) || text[i - 1] == '_')))
			final = i;
	for (size_t i = 0; text[i] && n < sizeof out;) {
		if (isdigit((unsigned char)text[i]) && (i == 0 || !(isalnum((unsigned char)text[i - 1]) || text[i - 1] == '_')) &&
		    (!last || i == final)) {
			while (n > 0 && strchr(" +-#,", out[n - 1]))
				n--;
			if (text[i] == '0' && text[i + 1] == 'x')
				i += 2;
			while (isxdigit((unsigned char)text[i]))
				i++;
			continue;
		}
		out[n++] = text[i++];
	}
	return klp_hash(out, n);
}

/* Clears the bytes of op's field in bytes (n of the instruction's). */
static void clear_field(const klp_operand *op, unsigned char *bytes, size_t n)
{
	if (op->field_offset < n)
		memset(bytes + op->field_offset, 0,
		       n - op->field_offset < op->field_size ? n - op->field_offset : op->field_size);
}

/* Drops page i; one no low half completed counts by what it holds. */
static void flush_page(coder *w, int i)
{
	if (!w->pages[i].used) {
		uint64_t id = klp_hash_mix(0x70676eu, corr_address_identity(w->c, w->side, w->pages[i].page));
		w->code = klp_hash_mix(w->code, id);
		w->line = klp_hash_mix(w->line, id);
	}
	memmove(&w->pages[i], &w->pages[i + 1], (size_t)(w->npages - i - 1) * sizeof w->pages[0]);
	w->npages--;
}

/* In a side read by address: the address a non-branch operand holds, the
 * :lo12: half of a pending adrp page on its register or a number that lies
 * in the image; false for any other value. */
static int operand_address(coder *w, const klp_operand *op, uint64_t *addr)
{
	if (op->kind != KLP_OP_IMM && op->kind != KLP_OP_DISP && op->kind != KLP_OP_ABS)
		return 0;
	/* A page stays while its register holds it (adrp x1; add x20, x1, #lo;
	 * ldr x0, [x1, #lo]); add x1, x1, #lo leaves the whole address there,
	 * a load into x1 what it points at. */
	for (int i = w->npages; op->reg && op->kind != KLP_OP_ABS && i-- > 0;)
		if (w->pages[i].reg == op->reg) {
			*addr = w->pages[i].page + (uint64_t)op->value;
			w->pages[i].used = 1;
			if (op->dest == op->reg && op->kind == KLP_OP_IMM)
				w->pages[i].page = *addr;
			else if (op->dest == op->reg)
				flush_page(w, i);
			return 1;
		}
	*addr = (uint64_t)op->value;
	return corr_section_at(&w->c->side[w->side], *addr) != 0;
}

/* A high half (AArch64 adrp's page, ppc64 addis from the TOC pointer)
 * written to register reg, awaiting its low half; its register is mixed
 * into *h. */
static void push_page(coder *w, uint64_t page, uint16_t reg, uint64_t *h)
{
	for (int p = 0; p < w->npages; p++)
		if (w->pages[p].reg == reg)
			flush_page(w, p--);
	if (w->npages == PENDING_PAGES)
		flush_page(w, 0);
	w->pages[w->npages].page = page;
	w->pages[w->npages].used = 0;
	w->pages[w->npages++].reg = reg;
	*h = klp_hash_mix(*h, klp_hash_mix(0x70676eu, reg));
}

/* The operands of an instruction no relocation describes: each reference
 * counts by what it reaches (in a side read by address, also immediates and
 * displacements holding an address in the image), its field cleared in
 * bytes; mixed into *h.  Returns whether a field was cleared. */
static int references(coder *w, const klp_insn *insn, unsigned char *bytes, size_t n, uint64_t *h)
{
	int cleared = 0;
	for (uint8_t i = 0; i < insn->noperands; i++) {
		const klp_operand *op = &insn->operands[i];
		uint64_t addr;
		if (op->field_size == 0)
			continue;
		if (op->kind == KLP_OP_TARGET) {
			*h = klp_hash_mix(*h, op->value < 0 && !w->by_address ? klp_hash_mix(0x6e6f6eu, (uint64_t)op->value)
									  : place_identity(w, (uint64_t)op->value));
		} else if (op->kind == KLP_OP_PAGE && w->by_address) {
			push_page(w, w->sec_addr + (uint64_t)op->value, op->reg, h);
		} else if (op->toc == 2 && w->by_address && w->toc) {
			push_page(w, w->toc + ((uint64_t)op->value << 16), op->reg, h);
		} else if (op->toc == 3 && w->by_address) {
			*h = klp_hash_mix(*h, 0x746f63u); /* r2 gets the TOC pointer, wherever it is */
		} else if (op->toc == 1 && w->by_address && w->toc) {
			*h = klp_hash_mix(*h, place_identity(w, w->toc + (uint64_t)op->value - w->sec_addr));
		} else if (w->by_address && operand_address(w, op, &addr)) {
			*h = klp_hash_mix(*h, place_identity(w, addr - w->sec_addr));
		} else {
			continue;
		}
		clear_field(op, bytes, n);
		cleared = 1;
	}
	return cleared;
}

/* Adds one instruction to the digests. */
static int add_insn(void *ud, const klp_insn *insn)
{
	coder *w = ud;
	uint64_t at = insn->offset, end = at + insn->size;
	while (w->rel < w->rel_end && w->rel->offset < at)
		w->rel++;
	const kelf_reloc *first = w->rel, *last = first;
	while (last < w->rel_end && last->offset < end)
		last++;
	unsigned char bytes[32];
	size_t n = insn->size < sizeof bytes ? insn->size : sizeof bytes;
	memcpy(bytes, insn->bytes, n);
	uint64_t h = klp_hash_mix(insn->kind, insn->size);
	/* No relocation: references count by what they reach; a cleared
	 * whole word (fixed-width ISAs) keeps its registers through the text. */
	if (first == last && references(w, insn, bytes, n, &h))
		h = klp_hash_mix(h, text_without_numbers(insn->text, w->fixed_width));
	for (const kelf_reloc *r = first; r < last; r++) {
		/* In a linked image the field holds an address: cleared, as in the byte digest. */
		if (w->k->etype != ET_REL)
			corr_mask_reloc(w->k, r, at, n, bytes);
		/* x86 counts a PC-relative target from the end of the instruction,
		 * which an immediate after the field moves past the 4 the byte
		 * digest assumes (movl $1, b(%rip)): decoded, it is exact. */
		kelf_reloc exact = *r;
		if (corr_pc_relative(w->k->machine, r->type) && end - r->offset > 4 && r->addend < INT64_MAX - 32)
			exact.addend += (int64_t)(end - r->offset) - 4;
		h = klp_hash_mix(h, corr_reloc_part(w->c, w->side, &exact, w->start));
	}
	size_t head;
	if (first == last && loads_line_register(insn, w->regs, &head)) {
		/* Its immediate is a line number if the next call takes one. */
		w->code = klp_hash_mix(w->code, klp_hash_mix(h, klp_hash((const char *)bytes, n)));
		w->pending = klp_hash_mix(w->pending, klp_hash_mix(h, klp_hash((const char *)bytes, n)));
		w->line = klp_hash_mix(w->line, klp_hash_mix(h, klp_hash(insn->text, head)));
		w->npending++;
		return 0;
	}
	h = klp_hash_mix(h, klp_hash((const char *)bytes, n));
	w->code = klp_hash_mix(w->code, h);
	if (insn->kind == KLP_INSN_CALL || insn->kind == KLP_INSN_JUMP) {
		const corr_sym *to = callee(w, insn, first, last);
		if (w->npending && !(to && corr_is_line_function(w->c, to->key, to->key_len)))
			w->line = klp_hash_mix(w->line, w->pending); /* real immediates after all */
		w->pending = 0;
		w->npending = 0;
	}
	w->line = klp_hash_mix(w->line, h);
	return 0;
}

int corr_code_digest(corr *c, int side, uint32_t i, klp_decoder *d, uint64_t *code, uint64_t *line)
{
	kelf *k = c->side[side].k;
	const kelf_symbol *s = &k->symbols[i];
	if (!k->reloc_start || s->shndx == 0 || s->shndx >= k->nsections)
		return 0;
	size_t sec;
	uint64_t at;
	corr_function_code(k, s, &sec, &at); /* a ppc64 ELFv1 descriptor's code */
	if (at == UINT64_MAX)
		return 0;
	size_t first = kelf_first_reloc(k, sec, at);
	coder w = { c, side, k, sec, at, s->size, k->relocs + first, k->relocs + k->reloc_start[sec + 1],
		    line_registers(k->machine), klp_hash_mix(s->type, s->size), klp_hash_mix(s->type, s->size), 0, 0,
		    c->side[side].read_by_address, klp_decoder_fixed_width(d), k->etype == ET_REL ? 0 : k->sections[sec].addr,
		    c->side[side].toc,
		    { { 0, 0, 0 } }, 0 };
	if (klp_decode(d, sec, at, s->size, KLP_DECODE_NO_PLACES, add_insn, &w) != 0)
		return 0;
	while (w.npages)
		flush_page(&w, 0);
	if (w.npending)
		w.line = klp_hash_mix(w.line, w.pending);
	*code = w.code;
	*line = w.line;
	return 1;
}

/* Per-side code and line digests, computed on first need. */
typedef struct memo {
	uint64_t *code, *line;
	unsigned char *state; /* 0 not yet, 1 known, 2 undecodable */
} memo;

static int memo_get(corr *c, memo *m, int side, uint32_t i, klp_decoder *d, uint64_t *code, uint64_t *line)
{
	if (m[side].state[i] == 0)
		m[side].state[i] = corr_code_digest(c, side, i, d, &m[side].code[i], &m[side].line[i]) ? 1 : 2;
	*code = m[side].code[i];
	*line = m[side].line[i];
	return m[side].state[i] == 1;
}

/* The code and line digests of a function with its .cold/.part children
 * folded in (as corr_compute_digests folds them); first[]/next[] list the
 * children of each function of the side. */
static int folded(corr *c, memo *m, int side, uint32_t i, klp_decoder *d, const uint32_t *first,
		  const uint32_t *next, uint64_t *code, uint64_t *line)
{
	if (!memo_get(c, m, side, i, d, code, line))
		return 0;
	for (uint32_t ch = first[i]; ch; ch = next[ch]) {
		uint64_t cc, cl;
		if (!memo_get(c, m, side, ch, d, &cc, &cl))
			return 0;
		*code += klp_hash_mix(cc, 0x636869u);
		*line += klp_hash_mix(cl, 0x636869u);
	}
	return 1;
}

/* Marks data pair a, b (of differing digests) as differing only in its own
 * line number (a __dyndbg descriptor's), as code is. */
static void line_only_data(corr *c, uint32_t a, uint32_t b)
{
	uint64_t la, lb;
	if (corr_line_free_digest(c, 0, a, &la) && corr_line_free_digest(c, 1, b, &lb) && la == lb)
		c->side[0].syms[a].flags |= CS_CODE_LINE;
}

int corr_compare_code(corr *c, char *why, size_t whylen)
{
	why[0] = '\0';
	klp_decoder *dec[2] = { NULL, NULL };
	for (int s = 0; s < 2; s++)
		if (c->side[s].uncompared[0])
			return 0; /* no digests: nothing to refine */
	for (int s = 0; s < 2; s++) {
		char err[256];
		dec[s] = klp_decoder_new(c->side[s].k, err, sizeof err);
		if (!dec[s]) {
			snprintf(why, whylen, "%s", err);
			klp_decoder_free(dec[0]);
			return 0;
		}
	}
	memo m[2];
	uint32_t *first[2], *next[2];
	int nomem = 0;
	for (int s = 0; s < 2; s++) {
		size_t n = c->side[s].k->nsymbols ? c->side[s].k->nsymbols : 1;
		m[s].code = malloc(n * sizeof *m[s].code);
		m[s].line = malloc(n * sizeof *m[s].line);
		m[s].state = calloc(n, 1);
		first[s] = calloc(n, sizeof *first[s]);
		next[s] = calloc(n, sizeof *next[s]);
		nomem |= !m[s].code || !m[s].line || !m[s].state || !first[s] || !next[s];
		for (uint32_t i = (uint32_t)n; !nomem && i-- > 1;) {
			int32_t p = c->side[s].syms[i].parent;
			if (p != CORR_NONE) {
				next[s][i] = first[s][p];
				first[s][p] = i;
			}
		}
	}
	for (uint32_t a = 1; !nomem && a < c->side[0].k->nsymbols; a++) {
		corr_sym *sa = &c->side[0].syms[a];
		sa->flags &= (uint8_t)~(CS_CODE_SAME | CS_CODE_LINE);
		if (sa->twin == CORR_NONE || !(sa->flags & CS_DIGEST))
			continue;
		uint32_t b = (uint32_t)sa->twin;
		const corr_sym *sb = &c->side[1].syms[b];
		/* Code digests cover the size: functions of other sizes differ
		 * however they decode, and are not decoded. */
		if (!(sb->flags & CS_DIGEST) || sa->digest == sb->digest ||
		    c->side[0].k->symbols[a].size != c->side[1].k->symbols[b].size)
			continue;
		if (c->side[0].k->symbols[a].type == STT_OBJECT) {
			line_only_data(c, a, b);
			continue;
		}
		if (c->side[0].k->symbols[a].type != STT_FUNC)
			continue;
		uint64_t ca, la, cb, lb;
		if (!folded(c, m, 0, a, dec[0], first[0], next[0], &ca, &la) ||
		    !folded(c, m, 1, b, dec[1], first[1], next[1], &cb, &lb))
			continue;
		if (ca == cb)
			sa->flags |= CS_CODE_SAME;
		else if (la == lb)
			sa->flags |= CS_CODE_LINE;
	}
	for (int s = 0; s < 2; s++) {
		free(m[s].code);
		free(m[s].line);
		free(m[s].state);
		free(first[s]);
		free(next[s]);
	}
	klp_decoder_free(dec[0]);
	klp_decoder_free(dec[1]);
	c->analysed = 0;
	return nomem ? -1 : 0;
}
