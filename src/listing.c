/* listing: a function's instructions with their references resolved
 * (listing.h).
 *
 * A relocation's target is its symbol plus its addend, corrected for where
 * the CPU takes the PC from: x86 adds the distance from the field to the end
 * of the instruction (an instruction with an immediate after its
 * displacement has its field 4 + imm bytes before the end, so
 * corr_target_offset's fixed 4 is not enough to name the right symbol at a
 * boundary), s390 subtracts the field's distance from the start of the
 * instruction (its fields sit 2 bytes in).  ARM and MIPS objects keep their
 * addends in the instruction bits (SHT_REL), which this does not decode:
 * their references are the relocation's symbol alone. */
#include "listing.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "listref.h"
#include "reloc.h"
#include "target.h"

/* ------------------------------------------------------------------ lines */

/* The operand a relocation at offset at (from the instruction's start)
 * replaces, or -1. */
static int operand_of(const ctx *x, const klp_insn *in, uint64_t at, const int *bound)
{
	for (unsigned o = 0; o < in->noperands; o++) {
		const klp_operand *op = &in->operands[o];
		if (!bound[o] && op->field_size && op->field_offset == at && !(op->field_size == in->size && in->size > 1 &&
									      klp_decoder_fixed_width(x->d)))
			return (int)o;
	}
	/* A field that is the whole word, or not known: the reference, else
	 * the last immediate, else the displacement. */
	static const uint8_t order[] = { KLP_OP_TARGET, KLP_OP_PAGE, KLP_OP_ABS, KLP_OP_IMM, KLP_OP_DISP };
	for (size_t k = 0; k < sizeof order; k++)
		for (unsigned o = in->noperands; o-- > 0;) {
			const klp_operand *op = &in->operands[o];
			int covers = op->field_size == 0 ||
				     (at >= op->field_offset && at - op->field_offset < op->field_size);
			if (!bound[o] && op->kind == order[k] && covers)
				return (int)o;
		}
	return -1;
}

static int grow(ctx *x, size_t text_more)
{
	klp_listing *l = x->out;
	if (l->nlines == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		klp_line *more = realloc(l->lines, cap * sizeof *more);
		if (!more)
			return -1;
		l->lines = more;
		l->cap = cap;
	}
	if (l->textlen + text_more > l->textcap) {
		size_t cap = l->textcap ? 2 * l->textcap : 4096;
		while (cap < l->textlen + text_more)
			cap *= 2;
		if (cap > UINT32_MAX)
			return -1;
		char *more = realloc(l->text, cap);
		if (!more)
			return -1;
		l->text = more;
		l->textcap = cap;
	}
	return 0;
}

/* The :lo12: half of a pending adrp on register reg, as a target offset. */
static int take_page(ctx *x, uint16_t reg, int64_t lo, int64_t *target)
{
	for (size_t i = 0; i < x->npages; i++)
		if (x->pages[i].reg == reg && reg != 0) {
			*target = (int64_t)((uint64_t)x->pages[i].page + (uint64_t)lo);
			return 1;
		}
	return 0;
}

/* Drops the pending adrp pages set more than 8 lines ago. */
static void age_pages(ctx *x)
{
	size_t keep = 0;
	for (size_t i = 0; i < x->npages; i++)
		if (x->out->nlines - x->pages[i].line <= 8)
			x->pages[keep++] = x->pages[i];
	x->npages = keep;
}

static int on_insn(void *ud, const klp_insn *in)
{
	ctx *x = ud;
	kelf *k = x->k;
	ref refs[MAX_REFS];
	size_t nrefs = 0;
	int bound[KLP_INSN_OPERANDS] = { 0 };
	unsigned char masked[16];
	size_t nbytes = in->size < sizeof masked ? in->size : sizeof masked;
	memcpy(masked, in->bytes, nbytes);

	/* Relocations inside the instruction first. */
	while (x->rel < x->rel_end && x->rel->offset < in->offset)
		x->rel++;
	for (const kelf_reloc *rel = x->rel; rel < x->rel_end && rel->offset < in->offset + in->size; rel++) {
		uint64_t at = rel->offset - in->offset;
		if (rel->sym == 0)
			continue; /* an annotation (ppc64 R_PPC64_ENTRY, *_NONE): no target */
		int o = operand_of(x, in, at, bound);
		int pc = lr_pc_relative(k->machine, rel->type);
		int64_t adjust = pc == 1 ? (int64_t)(in->size - at) : pc == 2 ? -(int64_t)at : 0;
		if (nrefs < MAX_REFS) {
			ref *r = &refs[nrefs++];
			memset(r, 0, sizeof *r);
			r->op = o;
			lr_reloc(x, rel, adjust, 0, r);
			lr_decorate(k->machine, rel->type, r);
		}
		if (o >= 0)
			bound[o] = 1;
		for (uint64_t b = at; b < at + 4 && b < nbytes; b++)
			masked[b] = 0;
	}
	/* Then what the decoder resolved. */
	age_pages(x);
	for (unsigned o = 0; o < in->noperands && nrefs < MAX_REFS; o++) {
		const klp_operand *op = &in->operands[o];
		int64_t target;
		if (bound[o])
			continue;
		ref *r = &refs[nrefs];
		memset(r, 0, sizeof *r);
		r->op = (int)o;
		if (op->kind == KLP_OP_TARGET) {
			lr_decoded(x, op->value, op->mem, r);
		} else if (op->kind == KLP_OP_PAGE) {
			while (x->paired_next < x->npaired && x->paired[x->paired_next].offset < in->offset)
				x->paired_next++;
			int known = x->paired_next < x->npaired && x->paired[x->paired_next].offset == in->offset;
			/* adrp names the target its :lo12: half completes, as with a relocation. */
			lr_decoded(x, known ? x->paired[x->paired_next].target : op->value, 0, r);
			if (x->npages < PAGES)
				x->pages[x->npages++] = (page){ op->value, x->out->nlines, op->reg };
		} else if (op->kind == KLP_OP_ABS && k->etype != ET_REL) {
			lr_decoded(x, (int64_t)((uint64_t)op->value - k->sections[x->sec].addr), 1, r);
		} else if ((op->kind == KLP_OP_IMM || op->kind == KLP_OP_DISP) && take_page(x, op->reg, op->value, &target)) {
			lr_decoded(x, target, 0, r);
			if (!r->local) {
				char buf[REF_TEXT];
				size_t n = 0;
				lr_puts(buf, sizeof buf, &n, ":lo12:");
				lr_puts(buf, sizeof buf, &n, r->text);
				memcpy(r->text, buf, n + 1);
			}
		} else if ((op->kind == KLP_OP_IMM || op->kind == KLP_OP_DISP) && x->sd->read_by_address &&
			   x->sd->by_address && corr_section_at(x->sd, (uint64_t)op->value)) {
			/* Read by address, a number that lies in the image is a reference (digest.h). */
			lr_decoded(x, (int64_t)((uint64_t)op->value - k->sections[x->sec].addr), 0, r);
		} else {
			continue;
		}
		bound[o] = 1;
		nrefs++;
	}
	/* Field bytes of every reference are masked. */
	for (unsigned o = 0; o < in->noperands; o++) {
		const klp_operand *op = &in->operands[o];
		if (bound[o] && op->field_size)
			for (size_t b = op->field_offset; b < (size_t)op->field_offset + op->field_size && b < nbytes; b++)
				masked[b] = 0;
	}

	/* Text: each reference in its operand's place (in text order), the rest appended. */
	char disp[512], shape[512];
	size_t dn = 0, sn = 0, at = 0;
	disp[0] = shape[0] = '\0';
	int order[MAX_REFS];
	size_t norder = 0;
	for (size_t i = 0; i < nrefs; i++)
		if (refs[i].op >= 0 && in->operands[refs[i].op].text_how != KLP_TEXT_NONE) {
			size_t j = norder++;
			while (j > 0 && in->operands[refs[order[j - 1]].op].text_start > in->operands[refs[i].op].text_start) {
				order[j] = order[j - 1];
				j--;
			}
			order[j] = (int)i;
		}
	int local_seen = 0;
	uint64_t ident_refs = 0;
	int placed[MAX_REFS] = { 0 };
	const char *text = in->text;
	size_t tlen = strlen(text);
	for (size_t p = 0; p <= norder; p++) {
		size_t upto = tlen;
		const klp_operand *op = NULL;
		if (p < norder) {
			op = &in->operands[refs[order[p]].op];
			if (op->text_start < at || (size_t)op->text_start + op->text_len > tlen)
				continue; /* overlaps the one before: appended instead */
			upto = op->text_start;
		}
		lr_put(disp, sizeof disp, &dn, text + at, upto - at);
		lr_put(shape, sizeof shape, &sn, text + at, upto - at);
		if (!op)
			break;
		ref *r = &refs[order[p]];
		placed[order[p]] = 1;
		const char *lead = op->text_how == KLP_TEXT_PLUS ? " + " : op->text_how == KLP_TEXT_COMMA ? ", " : "";
		lr_puts(disp, sizeof disp, &dn, lead);
		lr_puts(shape, sizeof shape, &sn, lead);
		if (r->local && !local_seen) {
			char mark = KLP_LOCAL_MARK;
			lr_put(disp, sizeof disp, &dn, &mark, 1);
		} else {
			lr_puts(disp, sizeof disp, &dn, r->text);
		}
		lr_put(shape, sizeof shape, &sn, "\002", 1);
		if (r->local)
			local_seen = 1;
		at = (size_t)op->text_start + op->text_len;
	}
	for (size_t i = 0; i < nrefs; i++) {
		ref *r = &refs[i];
		if (!placed[i]) {
			lr_puts(disp, sizeof disp, &dn, " <");
			if (r->local && !local_seen) {
				char mark = KLP_LOCAL_MARK;
				lr_put(disp, sizeof disp, &dn, &mark, 1);
			} else {
				lr_puts(disp, sizeof disp, &dn, r->text);
			}
			lr_puts(disp, sizeof disp, &dn, ">");
			lr_puts(shape, sizeof shape, &sn, " <\002>");
			if (r->local)
				local_seen = 1;
		}
	}

	if (grow(x, dn + 1) != 0) {
		x->nomem = 1;
		return 1;
	}
	klp_listing *l = x->out;
	klp_line *line = &l->lines[l->nlines];
	memset(line, 0, sizeof *line);
	line->offset = in->offset - x->start;
	line->size = in->size;
	line->kind = in->kind;
	line->local = KLP_LOCAL_NONE;
	line->text = (uint32_t)l->textlen;
	memcpy(l->text + l->textlen, disp, dn + 1);
	l->textlen += dn + 1;
	/* The first local reference is the line's; a second one is an offset. */
	int first_local = 1;
	for (size_t i = 0; i < nrefs; i++) {
		ref *r = &refs[i];
		if (r->local && first_local) {
			first_local = 0;
			line->local = 0; /* resolved to a line once all are decoded */
			line->local_offset = r->local_offset;
			ident_refs = klp_hash_mix(ident_refs, ID_LOCAL);
		} else if (r->local) {
			ident_refs = klp_hash_mix(ident_refs, klp_hash_mix(ID_INSIDE, r->local_offset));
		} else {
			ident_refs = klp_hash_mix(ident_refs, r->ident);
		}
	}
	line->mnemonic = klp_hash(in->text, in->mnemonic_len);
	line->shape = klp_hash_mix(klp_hash_mix(klp_hash(shape, sn), klp_hash((const char *)masked, nbytes)), in->kind);
	line->ident = klp_hash_mix(line->shape, ident_refs);
	/* Padding: a nop is a nop whatever its length (alignment inside a
	 * function changes with every change of code before it). */
	if (in->mnemonic_len == 3 && memcmp(in->text, "nop", 3) == 0)
		line->shape = line->ident = klp_hash("nop", 3);
	l->nlines++;
	return 0;
}

/* Points every local reference at the line it reaches. */
static void resolve_locals(klp_listing *l)
{
	for (size_t i = 0; i < l->nlines; i++) {
		klp_line *line = &l->lines[i];
		if (line->local == KLP_LOCAL_NONE)
			continue;
		size_t lo = 0, hi = l->nlines;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (l->lines[mid].offset < line->local_offset)
				lo = mid + 1;
			else
				hi = mid;
		}
		line->local = lo < l->nlines && l->lines[lo].offset == line->local_offset && lo <= INT32_MAX
				      ? (int32_t)lo
				      : KLP_LOCAL_INSIDE;
	}
}

/* First pass over AArch64 code without relocations: which adrp each
 * add/ldr/str on its register completes (the nearest one, 8 instructions
 * back at most). */
typedef struct pending_page {
	int64_t page;
	size_t n;       /* the adrp's instruction count */
	size_t paired;  /* its entry in ctx.paired */
	uint16_t reg;
} pending_page;

typedef struct page_pass {
	ctx *x;
	pending_page pending[PAGES];
	size_t npending, n;
} page_pass;

static int find_pages(void *ud, const klp_insn *in)
{
	page_pass *pp = ud;
	ctx *x = pp->x;
	size_t keep = 0;
	for (size_t i = 0; i < pp->npending; i++)
		if (pp->n - pp->pending[i].n <= 8)
			pp->pending[keep++] = pp->pending[i];
	pp->npending = keep;
	for (unsigned o = 0; o < in->noperands; o++) {
		const klp_operand *op = &in->operands[o];
		if (op->kind == KLP_OP_PAGE && pp->npending < PAGES) {
			if (x->npaired == x->paired_cap) {
				size_t cap = x->paired_cap ? 2 * x->paired_cap : 16;
				paired_page *more = realloc(x->paired, cap * sizeof *more);
				if (!more)
					return x->nomem = 1;
				x->paired = more;
				x->paired_cap = cap;
			}
			/* Until a :lo12: half completes it, the target is the page. */
			x->paired[x->npaired] = (paired_page){ in->offset, op->value };
			pp->pending[pp->npending++] = (pending_page){ op->value, pp->n, x->npaired++, op->reg };
		} else if ((op->kind == KLP_OP_IMM || op->kind == KLP_OP_DISP) && op->reg) {
			for (size_t i = pp->npending; i-- > 0;)
				if (pp->pending[i].reg == op->reg) {
					x->paired[pp->pending[i].paired].target =
						(int64_t)((uint64_t)pp->pending[i].page + (uint64_t)op->value);
					for (size_t j = i; j + 1 < pp->npending; j++)
						pp->pending[j] = pp->pending[j + 1];
					pp->npending--;
					break;
				}
		}
	}
	pp->n++;
	return 0;
}

void klp_listing_free(klp_listing *l)
{
	free(l->lines);
	free(l->text);
	memset(l, 0, sizeof *l);
}

int klp_listing_build(corr *c, int side, uint32_t sym, klp_decoder *d, klp_listing *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	corr_side *sd = &c->side[side];
	kelf *k = sd->k;
	if (sym == 0 || sym >= k->nsymbols) {
		snprintf(err, errlen, "symbol index %u out of range", sym);
		return -1;
	}
	const kelf_symbol *s = &k->symbols[sym];
	/* Names go into one-line messages: control bytes as \ooo. */
	char name[400], secname[400];
	size_t n = 0;
	name[0] = secname[0] = '\0';
	lr_put_name(name, sizeof name, &n, s->name, s->name_len);
	n = 0;
	if (s->shndx < k->nsections)
		lr_put_name(secname, sizeof secname, &n, k->sections[s->shndx].name, strlen(k->sections[s->shndx].name));
	if (s->shndx == 0 || s->shndx >= k->nsections) {
		snprintf(err, errlen, "%s is not defined in a section", name);
		return -1;
	}
	char why[400];
	if (kelf_load_relocs(k, why, sizeof why) != 0) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	if (!sd->by_section && corr_index_sections(sd) != 0) {
		snprintf(err, errlen, "out of memory for the symbol index");
		return -1;
	}
	size_t shndx = s->shndx;
	uint64_t start;
	if (corr_is_descriptor(k, s)) {
		if (!corr_opd_entry(k, s, &shndx, &start)) {
			snprintf(err, errlen, "the function descriptor of %s in .opd names no code", name);
			return -1;
		}
	} else {
		uint64_t value = k->machine == EM_ARM ? s->value & ~(uint64_t)1 : s->value;
		uint64_t base = k->etype == ET_REL ? 0 : k->sections[shndx].addr;
		if (value < base) {
			start = UINT64_MAX;
		} else {
			start = value - base;
		}
	}
	const kelf_section *sec = &k->sections[shndx];
	n = 0;
	lr_put_name(secname, sizeof secname, &n, sec->name, strlen(sec->name));
	if (start > sec->size || s->size > sec->size - start) {
		snprintf(err, errlen, "the bytes of %s (%llu at 0x%llx) are outside its section %s", name,
			 (unsigned long long)s->size, (unsigned long long)s->value, secname);
		return -1;
	}
	const corr_sym *cs = &sd->syms[sym];
	ctx x = { .c = c, .side = side, .sd = sd, .k = k, .d = d, .fn = sym, .sec = shndx, .start = start,
		  .size = s->size, .out = out };
	int rel = 0;
	for (size_t i = 1; i < k->nsections && !rel; i++)
		rel = k->sections[i].type == SHT_REL && k->sections[i].info == shndx;
	x.addends_unknown = rel && (k->machine == EM_ARM || k->machine == EM_MIPS);
	x.rel = k->relocs + k->reloc_start[shndx];
	x.rel_end = k->relocs + k->reloc_start[shndx + 1];
	out->key = cs->key;
	out->key_len = cs->key_len;
	out->bytes = s->size;
	out->section = shndx;
	unsigned flags = k->machine == EM_ARM && (s->value & 1) ? KLP_DECODE_THUMB : 0;
	int rc = 0;
	if (k->machine == EM_AARCH64 && x.rel == x.rel_end) {
		page_pass pp = { .x = &x };
		rc = klp_decode(d, shndx, start, s->size, 0, find_pages, &pp);
	}
	if (rc == 0)
		rc = klp_decode(d, shndx, start, s->size, flags, on_insn, &x);
	free(x.paired);
	if (rc != 0) {
		if (x.nomem)
			snprintf(err, errlen, "out of memory listing %s", name);
		else
			snprintf(err, errlen, "%s has no bytes to disassemble (section %s)", name, secname);
		klp_listing_free(out);
		return -1;
	}
	resolve_locals(out);
	return 0;
}
