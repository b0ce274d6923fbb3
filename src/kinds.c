/* kinds: what an instruction does to control flow, from what Capstone 4
 * says of it and, where it says little (s390, ppc), from its mnemonic. */
#include "kinds.h"

#include <string.h>

int klp_in_group(const cs_insn *in, uint8_t group)
{
	const cs_detail *dt = in->detail;
	for (unsigned g = 0; g < dt->groups_count && g < sizeof dt->groups; g++)
		if (dt->groups[g] == group)
			return 1;
	return 0;
}

int klp_starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int klp_ends(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* ppc branch mnemonics: b, a condition, ctr/lr/tar, l (link), a (absolute),
 * then an optional +/- hint.  Returns the kind, or KLP_INSN_OTHER when the
 * mnemonic is not a branch (bpermd, brinc, ...). */
klp_insn_kind klp_ppc_kind(const char *m)
{
	static const char *const conds[] = { "dnzt", "dnzf", "dzt", "dzf", "dnz", "dz", "eq", "ne", "lt", "le",
					     "gt", "ge", "so", "ns", "un", "nu", "nl", "ng", "t", "f", "c", NULL };
	if (m[0] != 'b')
		return KLP_INSN_OTHER;
	const char *p = m + 1;
	for (int i = 0; conds[i]; i++)
		if (klp_starts(p, conds[i])) {
			p += strlen(conds[i]);
			break;
		}
	int to_lr = 0;
	if (klp_starts(p, "ctr"))
		p += 3;
	else if (klp_starts(p, "lr"))
		p += 2, to_lr = 1;
	else if (klp_starts(p, "tar"))
		p += 3;
	int link = *p == 'l';
	p += link;
	p += *p == 'a';
	p += *p == '+' || *p == '-';
	if (*p)
		return KLP_INSN_OTHER;
	return link ? KLP_INSN_CALL : to_lr ? KLP_INSN_RETURN : KLP_INSN_JUMP;
}

/* s390 compare-and-branch-relative: c[l][g](r|i)j<cond>. */
static int s390_compare_branch(const char *m)
{
	if (*m++ != 'c')
		return 0;
	m += *m == 'l';
	m += *m == 'g';
	if (*m != 'r' && *m != 'i')
		return 0;
	return m[1] == 'j';
}

/* Whether an s390 mnemonic has a PC-relative operand (its last immediate). */
int klp_s390_relative(const char *m)
{
	if (m[0] == 'j' || klp_starts(m, "bras") || klp_starts(m, "brc") || klp_starts(m, "brx") || s390_compare_branch(m))
		return 1;
	return klp_ends(m, "rl") && strcmp(m, "srl") != 0; /* larl, lrl, lgrl, strl, exrl, pfdrl, crl, ... */
}

static klp_insn_kind s390_kind(const cs_insn *in)
{
	const char *m = in->mnemonic;
	if (klp_starts(m, "bras") || klp_starts(m, "bas"))
		return KLP_INSN_CALL;
	if (strcmp(m, "br") == 0 && strcmp(in->op_str, "%r14") == 0)
		return KLP_INSN_RETURN;
	if (m[0] == 'j' || klp_starts(m, "br") || klp_starts(m, "bc") || strcmp(m, "b") == 0 || s390_compare_branch(m))
		return KLP_INSN_JUMP;
	return KLP_INSN_OTHER;
}

static klp_insn_kind arm_kind(const cs_insn *in)
{
	const cs_arm *a = &in->detail->arm;
	switch (in->id) {
	case ARM_INS_BL:
	case ARM_INS_BLX:
		return KLP_INSN_CALL;
	case ARM_INS_BX:
		return a->op_count == 1 && a->operands[0].type == ARM_OP_REG && a->operands[0].reg == ARM_REG_LR
			       ? KLP_INSN_RETURN
			       : KLP_INSN_JUMP;
	case ARM_INS_POP:
	case ARM_INS_LDM:
		for (unsigned o = 0; o < a->op_count && o < 36; o++)
			if (a->operands[o].type == ARM_OP_REG && a->operands[o].reg == ARM_REG_PC)
				return KLP_INSN_RETURN;
		return KLP_INSN_OTHER;
	case ARM_INS_B:
	case ARM_INS_CBZ:
	case ARM_INS_CBNZ:
	case ARM_INS_TBB:
	case ARM_INS_TBH:
		return KLP_INSN_JUMP;
	default:
		return KLP_INSN_OTHER;
	}
}

static klp_insn_kind mips_kind(const cs_insn *in)
{
	const cs_mips *m = &in->detail->mips;
	switch (in->id) {
	case MIPS_INS_JAL:
	case MIPS_INS_JALR:
	case MIPS_INS_JALRS:
	case MIPS_INS_JALS:
	case MIPS_INS_JALX:
	case MIPS_INS_JIALC:
	case MIPS_INS_JALRC:
	case MIPS_INS_BAL:
	case MIPS_INS_BALC:
	case MIPS_INS_BGEZAL:
	case MIPS_INS_BLTZAL:
		return KLP_INSN_CALL;
	case MIPS_INS_JR:
	case MIPS_INS_JRC:
		return m->op_count == 1 && m->operands[0].type == MIPS_OP_REG && m->operands[0].reg == MIPS_REG_RA
			       ? KLP_INSN_RETURN
			       : KLP_INSN_JUMP;
	default:
		break;
	}
	if (klp_in_group(in, CS_GRP_CALL))
		return KLP_INSN_CALL;
	return klp_in_group(in, CS_GRP_JUMP) ? KLP_INSN_JUMP : KLP_INSN_OTHER;
}

klp_insn_kind klp_kind_of(cs_arch arch, const cs_insn *in)
{
	switch (arch) {
	case CS_ARCH_PPC:
		return klp_ppc_kind(in->mnemonic);
	case CS_ARCH_SYSZ:
		return s390_kind(in);
	case CS_ARCH_ARM:
		return arm_kind(in);
	case CS_ARCH_MIPS:
		return mips_kind(in);
	case CS_ARCH_ARM64:
		if (in->id == ARM64_INS_BL || in->id == ARM64_INS_BLR)
			return KLP_INSN_CALL;
		break;
	default:
		break;
	}
	if (klp_in_group(in, CS_GRP_CALL))
		return KLP_INSN_CALL;
	if (klp_in_group(in, CS_GRP_RET) || klp_in_group(in, CS_GRP_IRET))
		return KLP_INSN_RETURN;
	return klp_in_group(in, CS_GRP_JUMP) ? KLP_INSN_JUMP : KLP_INSN_OTHER;
}
