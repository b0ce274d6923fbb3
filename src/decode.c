/* decode: section bytes as instruction records, on Capstone 4 (decode.h).
 *
 * Capstone is given each instruction's address as the section's sh_addr plus
 * its offset (0 plus the offset in a relocatable object), so the targets it
 * computes are addresses; a target becomes a section offset by taking sh_addr
 * off again.  What Capstone 4 does not say, the ISA rules here do (and in
 * kinds.c, which s390 and ppc instructions branch): where s390's relative
 * fields sit (bytes 2-3, or 2-5 in the 6-byte RIL formats), and
 * how far to skip undecodable bytes (x86 one byte, s390 the length its
 * opcode's top bits give, the others one word). */
#include "decode.h"

#include <capstone/capstone.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"
#include "places.h"
#include "reloc.h"

struct klp_decoder {
	kelf *k;
	csh handle;
	cs_insn *insn;   /* Capstone's buffer, reused for every instruction */
	cs_arch arch;
	cs_mode mode;    /* the mode opened with (ARM: without Thumb) */
	int thumb;       /* the handle is in Thumb mode now */
	unsigned width;  /* fixed instruction width, 0 for x86 and s390 */
};

/* Capstone's architecture and mode for an ELF machine; 0 when it has none. */
static int arch_of(const kelf *k, cs_arch *arch, cs_mode *mode, unsigned *width)
{
	cs_mode endian = k->big_endian ? CS_MODE_BIG_ENDIAN : CS_MODE_LITTLE_ENDIAN;
	*width = 4;
	switch (k->machine) {
	case EM_X86_64:
		*arch = CS_ARCH_X86, *mode = CS_MODE_64, *width = 0;
		return 1;
	case EM_386:
		*arch = CS_ARCH_X86, *mode = CS_MODE_32, *width = 0;
		return 1;
	case EM_AARCH64:
		*arch = CS_ARCH_ARM64, *mode = endian;
		return 1;
	case EM_ARM:
		*arch = CS_ARCH_ARM, *mode = CS_MODE_ARM | endian;
		return 1;
	case EM_PPC64:
		*arch = CS_ARCH_PPC, *mode = CS_MODE_64 | endian;
		return 1;
	case EM_PPC:
		*arch = CS_ARCH_PPC, *mode = CS_MODE_32 | endian;
		return 1;
	case EM_S390:
		*arch = CS_ARCH_SYSZ, *mode = CS_MODE_BIG_ENDIAN, *width = 0;
		return 1;
	case EM_MIPS:
		*arch = CS_ARCH_MIPS, *mode = (k->elfclass == 64 ? CS_MODE_MIPS64 : CS_MODE_MIPS32) | endian;
		return 1;
	default:
		return 0;
	}
}

klp_decoder *klp_decoder_new(kelf *k, char *err, size_t errlen)
{
	cs_arch arch;
	cs_mode mode;
	unsigned width;
	if (!arch_of(k, &arch, &mode, &width)) {
		int major = 0, minor = 0;
		cs_version(&major, &minor);
		snprintf(err, errlen, "machine %s is not supported by the disassembler (Capstone %d.%d has no decoder for it)",
			 kelf_machine_name(k->machine), major, minor);
		return NULL;
	}
	klp_decoder *d = calloc(1, sizeof *d);
	if (!d) {
		snprintf(err, errlen, "out of memory for a disassembler");
		return NULL;
	}
	cs_err e = cs_open(arch, mode, &d->handle);
	if (e != CS_ERR_OK) {
		snprintf(err, errlen, "machine %s is not supported by the disassembler (Capstone: %s)",
			 kelf_machine_name(k->machine), cs_strerror(e));
		free(d);
		return NULL;
	}
	cs_option(d->handle, CS_OPT_DETAIL, CS_OPT_ON);
	d->insn = cs_malloc(d->handle);
	if (!d->insn) {
		snprintf(err, errlen, "out of memory for a disassembler");
		cs_close(&d->handle);
		free(d);
		return NULL;
	}
	d->k = k;
	d->arch = arch;
	d->mode = mode;
	d->width = width;
	return d;
}

void klp_decoder_free(klp_decoder *d)
{
	if (!d)
		return;
	cs_free(d->insn, 1);
	cs_close(&d->handle);
	free(d);
}

int klp_decoder_fixed_width(const klp_decoder *d)
{
	return d->width != 0;
}

/* ------------------------------------------------------------------ operands */

/* Appends an operand to the record (silently dropped past the array). */
static klp_operand *add_operand(klp_insn *r, klp_operand_kind kind, int64_t value)
{
	if (r->noperands >= KLP_INSN_OPERANDS)
		return NULL;
	klp_operand *op = &r->operands[r->noperands++];
	memset(op, 0, sizeof *op);
	op->kind = (uint8_t)kind;
	op->value = value;
	return op;
}

/* A branch target Capstone computed as an address, as a section offset. */
static int64_t section_offset(const klp_decoder *d, size_t sec, uint64_t address)
{
	return (int64_t)(address - d->k->sections[sec].addr);
}

static void x86_operands(const klp_decoder *d, size_t sec, const cs_insn *in, klp_insn *r)
{
	const cs_x86 *x = &in->detail->x86;
	const cs_x86_encoding *enc = &x->encoding;
	int relative = klp_in_group(in, X86_GRP_BRANCH_RELATIVE);
	int imm_field_used = 0;
	for (unsigned o = 0; o < x->op_count && o < 8; o++) {
		const cs_x86_op *op = &x->operands[o];
		klp_operand *out = NULL;
		if (op->type == X86_OP_IMM) {
			if (relative)
				out = add_operand(r, KLP_OP_TARGET, section_offset(d, sec, (uint64_t)op->imm));
			else
				out = add_operand(r, KLP_OP_IMM, op->imm);
			if (out && !imm_field_used && enc->imm_size) {
				out->field_offset = enc->imm_offset, out->field_size = enc->imm_size;
				imm_field_used = 1;
			}
		} else if (op->type == X86_OP_MEM) {
			const x86_op_mem *m = &op->mem;
			if (m->base == X86_REG_RIP || m->base == X86_REG_EIP) {
				uint64_t next = in->address + in->size;
				out = add_operand(r, KLP_OP_TARGET, section_offset(d, sec, next + (uint64_t)m->disp));
			} else if (m->base == X86_REG_INVALID && m->index == X86_REG_INVALID) {
				out = add_operand(r, KLP_OP_ABS, m->disp);
			} else {
				out = add_operand(r, KLP_OP_DISP, m->disp);
				if (out)
					out->reg = (uint16_t)m->base;
			}
			if (out)
				out->mem = 1;
			if (out && enc->disp_size)
				out->field_offset = enc->disp_offset, out->field_size = enc->disp_size;
		}
	}
}

/* The register an add or a load writes (its first operand, is_reg), 0 for
 * a store, which writes none. */
static uint16_t written(const cs_insn *in, int is_reg, unsigned reg)
{
	return is_reg && !klp_starts(in->mnemonic, "st") ? (uint16_t)reg : 0;
}

static void arm64_operands(const klp_decoder *d, size_t sec, const cs_insn *in, klp_insn *r)
{
	const cs_arm64 *a = &in->detail->arm64;
	unsigned n = a->op_count < 8 ? a->op_count : 8;
	int last_imm = -1, has_mem = 0;
	for (unsigned o = 0; o < n; o++) {
		if (a->operands[o].type == ARM64_OP_IMM)
			last_imm = (int)o;
		has_mem |= a->operands[o].type == ARM64_OP_MEM;
	}
	int relative = in->id == ARM64_INS_B || in->id == ARM64_INS_BL || in->id == ARM64_INS_CBZ ||
		       in->id == ARM64_INS_CBNZ || in->id == ARM64_INS_TBZ || in->id == ARM64_INS_TBNZ ||
		       in->id == ARM64_INS_ADR ||
		       ((in->id == ARM64_INS_LDR || in->id == ARM64_INS_LDRSW || in->id == ARM64_INS_PRFM) && !has_mem);
	for (unsigned o = 0; o < n; o++) {
		const cs_arm64_op *op = &a->operands[o];
		klp_operand *out = NULL;
		if (op->type == ARM64_OP_IMM) {
			if ((int)o == last_imm && in->id == ARM64_INS_ADRP) {
				out = add_operand(r, KLP_OP_PAGE, section_offset(d, sec, (uint64_t)op->imm));
				if (out && n > 0 && a->operands[0].type == ARM64_OP_REG)
					out->reg = (uint16_t)a->operands[0].reg;
			} else if ((int)o == last_imm && relative) {
				out = add_operand(r, KLP_OP_TARGET, section_offset(d, sec, (uint64_t)op->imm));
			} else {
				out = add_operand(r, KLP_OP_IMM, op->imm);
				/* add xD, xN, #imm: the :lo12: half of an adrp on xN */
				if (out && in->id == ARM64_INS_ADD && o == 2 && a->operands[1].type == ARM64_OP_REG)
					out->reg = (uint16_t)a->operands[1].reg, out->dest = written(in, a->operands[0].type == ARM64_OP_REG, a->operands[0].reg);
			}
		} else if (op->type == ARM64_OP_MEM) {
			out = add_operand(r, KLP_OP_DISP, op->mem.disp);
			if (out)
				out->reg = (uint16_t)op->mem.base, out->mem = 1,
				out->dest = written(in, a->operands[0].type == ARM64_OP_REG, a->operands[0].reg);
		}
		if (out)
			out->field_offset = 0, out->field_size = 4;
	}
}

static void arm_operands(const klp_decoder *d, size_t sec, const cs_insn *in, klp_insn *r, int thumb)
{
	const cs_arm *a = &in->detail->arm;
	unsigned n = a->op_count < 36 ? a->op_count : 36;
	int relative = in->id == ARM_INS_B || in->id == ARM_INS_BL || in->id == ARM_INS_BLX ||
		       in->id == ARM_INS_CBZ || in->id == ARM_INS_CBNZ;
	for (unsigned o = 0; o < n; o++) {
		const cs_arm_op *op = &a->operands[o];
		klp_operand *out = NULL;
		if (op->type == ARM_OP_IMM) {
			out = add_operand(r, relative ? KLP_OP_TARGET : KLP_OP_IMM,
					  relative ? section_offset(d, sec, (uint32_t)op->imm) : op->imm);
		} else if (op->type == ARM_OP_MEM && op->mem.base == ARM_REG_PC && op->mem.index == ARM_REG_INVALID) {
			/* A literal: the PC reads 8 (ARM) or 4 (Thumb, word-aligned) ahead. */
			uint64_t pc = thumb ? ((in->address + 4) & ~(uint64_t)3) : in->address + 8;
			out = add_operand(r, KLP_OP_TARGET, section_offset(d, sec, pc + (int64_t)op->mem.disp));
			if (out)
				out->mem = 1;
		} else if (op->type == ARM_OP_MEM) {
			out = add_operand(r, KLP_OP_DISP, op->mem.disp);
			if (out)
				out->reg = (uint16_t)op->mem.base, out->mem = 1;
		}
		if (out)
			out->field_offset = 0, out->field_size = (uint8_t)(in->size < 4 ? in->size : 4);
	}
}

static void ppc_operands(const klp_decoder *d, size_t sec, const cs_insn *in, klp_insn *r)
{
	const cs_ppc *p = &in->detail->ppc;
	unsigned n = p->op_count < 8 ? p->op_count : 8;
	int last_imm = -1;
	for (unsigned o = 0; o < n; o++)
		if (p->operands[o].type == PPC_OP_IMM)
			last_imm = (int)o;
	int branch = klp_ppc_kind(in->mnemonic) != KLP_INSN_OTHER;
	/* addis/addi rD, rS, imm: from the TOC pointer when rS is r2. */
	int adds = (in->id == PPC_INS_ADDIS || in->id == PPC_INS_ADDI) && n == 3 && p->operands[0].type == PPC_OP_REG &&
		   p->operands[1].type == PPC_OP_REG;
	for (unsigned o = 0; o < n; o++) {
		const cs_ppc_op *op = &p->operands[o];
		klp_operand *out = NULL;
		if (op->type == PPC_OP_IMM && branch && (int)o == last_imm) {
			out = add_operand(r, KLP_OP_TARGET, section_offset(d, sec, (uint64_t)op->imm));
		} else if (op->type == PPC_OP_IMM && adds && o == 2 && p->operands[0].reg != PPC_REG_R2) {
			int high = in->id == PPC_INS_ADDIS, from_toc = p->operands[1].reg == PPC_REG_R2;
			/* Capstone 4 gives the 16-bit immediate unsigned. */
			out = add_operand(r, KLP_OP_IMM, (int16_t)(uint16_t)op->imm);
			if (out) {
				out->toc = (uint8_t)(from_toc ? 1 + high : 0);
				out->reg = (uint16_t)p->operands[high && from_toc ? 0 : 1].reg;
				out->dest = (uint16_t)p->operands[0].reg;
			}
		} else if (op->type == PPC_OP_IMM) {
			out = add_operand(r, KLP_OP_IMM, op->imm);
			/* lis/addis/addi r2: a function's entry setting up the TOC pointer */
			if (out && (in->id == PPC_INS_LIS || in->id == PPC_INS_ADDIS || in->id == PPC_INS_ADDI) &&
			    p->operands[0].type == PPC_OP_REG && p->operands[0].reg == PPC_REG_R2)
				out->toc = 3;
		} else if (op->type == PPC_OP_MEM && (out = add_operand(r, KLP_OP_DISP, op->mem.disp))) {
			out->reg = (uint16_t)op->mem.base, out->mem = 1;
			out->dest = written(in, n > 0 && p->operands[0].type == PPC_OP_REG, p->operands[0].reg);
			out->toc = op->mem.base == PPC_REG_R2;
		}
		if (out)
			out->field_offset = 0, out->field_size = 4;
	}
}

static void s390_operands(const klp_decoder *d, size_t sec, const cs_insn *in, klp_insn *r)
{
	const cs_sysz *s = &in->detail->sysz;
	unsigned n = s->op_count < 6 ? s->op_count : 6;
	int last_imm = -1;
	for (unsigned o = 0; o < n; o++)
		if (s->operands[o].type == SYSZ_OP_IMM)
			last_imm = (int)o;
	int relative = klp_s390_relative(in->mnemonic);
	/* RIL formats (6 bytes: larl, brasl, brcl/jg*, the *rl loads and
	 * stores) hold a 32-bit field at bytes 2-5; RI, RIE and RSI formats a
	 * 16-bit one at bytes 2-3. */
	const char *m = in->mnemonic;
	int ril = in->size == 6 && (m[0] == 'j' || klp_starts(m, "brasl") || klp_starts(m, "brcl") || klp_ends(m, "rl"));
	for (unsigned o = 0; o < n; o++) {
		const cs_sysz_op *op = &s->operands[o];
		klp_operand *out = NULL;
		if (op->type == SYSZ_OP_IMM && relative && (int)o == last_imm) {
			out = add_operand(r, KLP_OP_TARGET, section_offset(d, sec, (uint64_t)op->imm));
			if (out && in->size >= 4)
				out->field_offset = 2, out->field_size = ril ? 4 : 2;
		} else if (op->type == SYSZ_OP_IMM) {
			add_operand(r, KLP_OP_IMM, op->imm);
		} else if (op->type == SYSZ_OP_MEM && (out = add_operand(r, KLP_OP_DISP, op->mem.disp))) {
			out->reg = op->mem.base, out->mem = 1;
		}
	}
}

static void mips_operands(const klp_decoder *d, size_t sec, const cs_insn *in, klp_insn *r, klp_insn_kind kind)
{
	const cs_mips *m = &in->detail->mips;
	unsigned n = m->op_count < 10 ? m->op_count : 10;
	int branch = kind == KLP_INSN_JUMP || kind == KLP_INSN_CALL;
	for (unsigned o = 0; o < n; o++) {
		const cs_mips_op *op = &m->operands[o];
		klp_operand *out = NULL;
		if (op->type == MIPS_OP_IMM)
			out = add_operand(r, branch ? KLP_OP_TARGET : KLP_OP_IMM,
					  branch ? section_offset(d, sec, (uint64_t)op->imm) : op->imm);
		else if (op->type == MIPS_OP_MEM && (out = add_operand(r, KLP_OP_DISP, op->mem.disp)))
			out->reg = (uint16_t)op->mem.base, out->mem = 1;
		if (out)
			out->field_offset = 0, out->field_size = 4;
	}
}

/* ------------------------------------------------------------------ decoding */

/* Bytes to skip over an undecodable instruction. */
static size_t bad_length(const klp_decoder *d, const unsigned char *code, size_t left, int thumb)
{
	size_t n = d->width ? (thumb ? 2 : d->width) : 1;
	if (d->arch == CS_ARCH_SYSZ)
		n = code[0] < 0x40 ? 2 : code[0] < 0xc0 ? 4 : 6; /* the opcode's top two bits */
	return n < left ? n : left;
}

static void fill(const klp_decoder *d, size_t sec, const cs_insn *in, klp_insn *r, int thumb, int places)
{
	r->kind = (uint8_t)klp_kind_of(d->arch, in);
	size_t mlen = strnlen(in->mnemonic, sizeof in->mnemonic);
	size_t olen = strnlen(in->op_str, sizeof in->op_str);
	if (mlen > 40)
		mlen = 40;
	if (olen > KLP_INSN_TEXT - 50)
		olen = KLP_INSN_TEXT - 50;
	memcpy(r->text, in->mnemonic, mlen);
	size_t n = mlen;
	if (olen) {
		do
			r->text[n++] = ' ';
		while (n < 8);
		memcpy(r->text + n, in->op_str, olen);
		n += olen;
	}
	r->text[n] = '\0';
	r->mnemonic_len = (uint8_t)mlen;
	switch (d->arch) {
	case CS_ARCH_X86:
		x86_operands(d, sec, in, r);
		break;
	case CS_ARCH_ARM64:
		arm64_operands(d, sec, in, r);
		break;
	case CS_ARCH_ARM:
		arm_operands(d, sec, in, r, thumb);
		break;
	case CS_ARCH_PPC:
		ppc_operands(d, sec, in, r);
		break;
	case CS_ARCH_SYSZ:
		s390_operands(d, sec, in, r);
		break;
	case CS_ARCH_MIPS:
		mips_operands(d, sec, in, r, (klp_insn_kind)r->kind);
		break;
	default:
		break;
	}
	/* Fields must lie inside the instruction. */
	for (unsigned o = 0; o < r->noperands; o++) {
		klp_operand *op = &r->operands[o];
		if (op->field_size == 0 || op->field_offset >= r->size || op->field_size > r->size - op->field_offset)
			op->field_offset = op->field_size = 0;
	}
	if (places)
		klp_locate_places(r, d->arch == CS_ARCH_X86, d->k->sections[sec].addr);
}

int klp_decode(klp_decoder *d, size_t sec, uint64_t base, uint64_t size, unsigned flags, klp_insn_fn fn, void *ud)
{
	kelf *k = d->k;
	if (sec == 0 || sec >= k->nsections)
		return -1;
	const kelf_section *s = &k->sections[sec];
	if (base > s->size || size > s->size - base)
		return -1;
	if (size == 0)
		return 0;
	const unsigned char *bytes = kelf_section_bytes(k, sec);
	if (!bytes)
		return -1;
	int thumb = d->arch == CS_ARCH_ARM && (flags & KLP_DECODE_THUMB);
	if (d->arch == CS_ARCH_ARM && thumb != d->thumb) {
		cs_option(d->handle, CS_OPT_MODE, thumb ? (d->mode | CS_MODE_THUMB) : d->mode);
		d->thumb = thumb;
	}
	const uint8_t *code = bytes + base;
	size_t left = (size_t)size;
	uint64_t address = s->addr + base;
	klp_insn r;
	while (left > 0) {
		uint64_t offset = base + (size - left);
		memset(&r, 0, offsetof(klp_insn, text));
		r.offset = offset;
		r.bytes = code;
		const uint8_t *at = code;
		if (cs_disasm_iter(d->handle, &code, &left, &address, d->insn) && d->insn->size > 0 &&
		    (size_t)(code - at) == d->insn->size) {
			r.size = d->insn->size;
			fill(d, sec, d->insn, &r, thumb, !(flags & KLP_DECODE_NO_PLACES));
		} else {
			size_t n = bad_length(d, at, left, thumb);
			code = at + n;
			left -= n;
			address = s->addr + offset + n;
			r.size = (uint16_t)n;
			r.kind = KLP_INSN_BAD;
			memcpy(r.text, "(bad)", 6);
			r.mnemonic_len = 5;
		}
		int rc = fn(ud, &r);
		if (rc)
			return rc;
	}
	return 0;
}
