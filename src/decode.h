/* decode: machine code of a kelf section as compact instruction records, on
 * Capstone 4.
 *
 * One decoder per ELF (a Capstone handle for its machine, class and byte
 * order, with detail on), reused for every range.  A record gives the
 * instruction's place and size, what kind of control transfer it is, its
 * text, and the operands a comparison must see through: every PC-relative or
 * absolute reference resolved to an offset in the section, every memory
 * displacement and immediate, each with the bytes of the instruction that
 * encode it where the ISA lets that be known and the place its value is
 * printed in the text.  Bytes Capstone cannot decode become "(bad)" records
 * and decoding goes on at the next boundary the ISA gives.  Every length and
 * index is checked: the bytes may be hostile. */
#ifndef KLP_DECODE_H
#define KLP_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "kelf.h"

typedef struct klp_decoder klp_decoder;

/* What an instruction does to control flow. */
typedef enum klp_insn_kind {
	KLP_INSN_OTHER,
	KLP_INSN_CALL,
	KLP_INSN_JUMP,   /* conditional or not, direct or not */
	KLP_INSN_RETURN,
	KLP_INSN_BAD,    /* bytes Capstone could not decode */
} klp_insn_kind;

/* What an operand's value is. */
typedef enum klp_operand_kind {
	KLP_OP_TARGET, /* a PC-relative reference: value is the target's offset in the section (it may fall
			* outside it: another section of a linked image) */
	KLP_OP_PAGE,   /* AArch64 adrp: value is the section offset of the 4 KB page the target is in; the
			* :lo12: part comes from a later add/ldr/str on register reg */
	KLP_OP_ABS,    /* an absolute address (x86 [disp32] without registers): value is the address */
	KLP_OP_DISP,   /* a memory displacement from register reg (not the PC) */
	KLP_OP_IMM,    /* an immediate */
} klp_operand_kind;

/* How the text shows an operand's value: text_start/text_len is replaced by
 * the reference ("replace"), or the reference is inserted at text_start (text_len
 * 0) as " + X" (x86 memory without a displacement), ", X" (AArch64/ARM [reg])
 * or "X" (MIPS/ppc "(reg)" without a displacement); "none": not found. */
typedef enum klp_text_how {
	KLP_TEXT_NONE,
	KLP_TEXT_REPLACE,
	KLP_TEXT_PLUS,
	KLP_TEXT_COMMA,
	KLP_TEXT_BEFORE,
} klp_text_how;

typedef struct klp_operand {
	int64_t value;        /* see klp_operand_kind */
	uint8_t kind;         /* klp_operand_kind */
	uint8_t field_offset; /* the instruction bytes encoding the value: x86 from Capstone's encoding, */
	uint8_t field_size;   /* s390 by format, fixed-width ISAs the whole word; size 0: not known */
	uint8_t text_how;     /* klp_text_how */
	uint8_t text_start;   /* within klp_insn.text */
	uint8_t text_len;
	uint8_t mem;          /* a memory operand: DISP, ABS, or a TARGET reached through the PC (x86
			       * RIP-relative, ARM literal); 0 for immediates and branch targets */
	uint16_t reg;         /* PAGE: the register written; DISP: the base register; an IMM that may
			       * complete a page (AArch64 add, ppc addi): its source register; else 0
			       * (Capstone register ids of the machine) */
	uint16_t dest;        /* AArch64 and ppc, an IMM of add/addi or a load's DISP: the register the
			       * instruction writes (which then holds the address, or what it points
			       * at); else 0 */
	uint8_t toc;          /* ppc64, an IMM or DISP from the TOC pointer r2: 1 the whole offset,
			       * 2 the high half (addis: value << 16 is the offset's, reg the register
			       * written, which a later addi or load completes); 3 an immediate setting
			       * r2 itself (lis/addis/addi r2: the TOC pointer's set-up); else 0 */
} klp_operand;

#define KLP_INSN_OPERANDS 6
#define KLP_INSN_TEXT 200

typedef struct klp_insn {
	uint64_t offset;     /* in the section */
	uint16_t size;       /* bytes; > 0 */
	uint8_t kind;        /* klp_insn_kind */
	uint8_t noperands;   /* operands[0 .. noperands), in the order Capstone lists them */
	uint8_t mnemonic_len;/* text[0 .. mnemonic_len) is the mnemonic */
	klp_operand operands[KLP_INSN_OPERANDS];
	const unsigned char *bytes; /* the instruction's size bytes, inside the section */
	char text[KLP_INSN_TEXT];   /* mnemonic and operands ("(bad)" for KLP_INSN_BAD), NUL-terminated */
} klp_insn;

/* Called once per instruction, in address order; a non-zero return stops
 * decoding and is returned by klp_decode. */
typedef int (*klp_insn_fn)(void *ud, const klp_insn *insn);

/* klp_decode flags. */
enum {
	KLP_DECODE_THUMB = 1u << 0,   /* ARM: Thumb code (a function symbol with bit 0 set) */
	KLP_DECODE_NO_PLACES = 1u << 1, /* leave text_how, text_start and text_len unset (a comparison that
					 * does not display them saves finding them in the text) */
};

/* A decoder for k's machine, class and byte order: x86_64, i386, AArch64,
 * ARM, ppc64/ppc64le (and 32-bit ppc), s390x, MIPS.  NULL for any other
 * machine (RISC-V, LoongArch, ... which Capstone 4 lacks) or when Capstone
 * fails, with a one-line reason in err.  k must outlive the decoder. */
klp_decoder *klp_decoder_new(kelf *k, char *err, size_t errlen);
void klp_decoder_free(klp_decoder *d);

/* Whether the machine has fixed-width instructions whose operand fields are
 * the whole word (AArch64, ARM, ppc, MIPS). */
int klp_decoder_fixed_width(const klp_decoder *d);

/* Decodes the size bytes at offset base of section sec, calling fn per
 * instruction.  Returns 0, fn's non-zero result, or -1 when the range is not
 * inside the section or the section has no bytes (NOBITS, unreadable). */
int klp_decode(klp_decoder *d, size_t sec, uint64_t base, uint64_t size, unsigned flags, klp_insn_fn fn,
	       void *ud);

#endif
