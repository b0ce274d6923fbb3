/* kinds: what an instruction does to control flow (decode.h's
 * klp_insn_kind), per ISA, and the mnemonic rules decode.c shares. */
#ifndef KLP_KINDS_H
#define KLP_KINDS_H

#include <capstone/capstone.h>

#include "decode.h"

/* The kind of a decoded instruction of architecture arch (with detail). */
klp_insn_kind klp_kind_of(cs_arch arch, const cs_insn *in);

/* ppc branch mnemonics: the kind, KLP_INSN_OTHER when m is not a branch. */
klp_insn_kind klp_ppc_kind(const char *m);

/* Whether an s390 mnemonic has a PC-relative operand (its last immediate). */
int klp_s390_relative(const char *m);

/* Whether Capstone puts in in group (CS_GRP_*, X86_GRP_*). */
int klp_in_group(const cs_insn *in, uint8_t group);

/* Whether s starts (ends) with prefix (suffix). */
int klp_starts(const char *s, const char *prefix);
int klp_ends(const char *s, const char *suffix);

#endif
