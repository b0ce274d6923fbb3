/* listref: a reference's identity and text (see listref.h). */
#include "listref.h"

#include <elf.h>
#include <stdio.h>
#include <string.h>

#include "hash.h"
#include "reloc.h"
#include "target.h"

/* ------------------------------------------------------------------ text */

/* Appends s (n bytes) to buf (cap bytes, *len used), truncating. */
void lr_put(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
	if (*len + 1 >= cap)
		return;
	if (n > cap - 1 - *len)
		n = cap - 1 - *len;
	memcpy(buf + *len, s, n);
	*len += n;
	buf[*len] = '\0';
}

void lr_puts(char *buf, size_t cap, size_t *len, const char *s)
{
	lr_put(buf, cap, len, s, strlen(s));
}

/* "+0x1c", "+0", "-0x4". */
static void lr_put_offset(char *buf, size_t cap, size_t *len, int64_t off)
{
	char num[32];
	if (off == 0)
		snprintf(num, sizeof num, "+0");
	else if (off > 0)
		snprintf(num, sizeof num, "+0x%llx", (unsigned long long)off);
	else
		snprintf(num, sizeof num, "-0x%llx", (unsigned long long)(0 - (uint64_t)off));
	lr_puts(buf, cap, len, num);
}

/* A printable copy of name (at most 96 bytes; control bytes as \ooo). */
void lr_put_name(char *buf, size_t cap, size_t *len, const char *name, size_t n)
{
	if (n > 96)
		n = 96;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];
		if (ch < 0x20 || ch == 0x7f) {
			char esc[8];
			snprintf(esc, sizeof esc, "\\%03o", ch);
			lr_puts(buf, cap, len, esc);
		} else {
			lr_put(buf, cap, len, (const char *)&ch, 1);
		}
	}
}

/* ------------------------------------------------------------------ identities */

/* A symbol of this side and an offset in it. */
static void lr_symbol(ctx *x, uint32_t s, int64_t inner, ref *r)
{
	const corr_sym *cs = &x->sd->syms[s];
	const kelf_symbol *sym = &x->k->symbols[s];
	uint64_t id;
	if (cs->twin != CORR_NONE) {
		id = klp_hash_mix(ID_PAIR, x->side == CORR_ORIG ? s : (uint32_t)cs->twin);
	} else {
		/* Unpaired: its key, and its FILE (a same-named static of another file is another target). */
		id = klp_hash_mix(ID_KEY, cs->key_hash);
		if (sym->file != KELF_NO_FILE)
			id = klp_hash_mix(id, x->k->symbols[x->k->files[sym->file]].hash);
	}
	r->ident = klp_hash_mix(id, (uint64_t)inner);
	size_t n = 0;
	r->text[0] = '\0';
	if (cs->key_len)
		lr_put_name(r->text, REF_TEXT, &n, cs->key, cs->key_len);
	else if (sym->shndx != 0 && sym->shndx < x->k->nsections)
		lr_puts(r->text, REF_TEXT, &n, x->k->sections[sym->shndx].name);
	else
		lr_puts(r->text, REF_TEXT, &n, "?");
	lr_put_offset(r->text, REF_TEXT, &n, inner);
}

/* A place inside the function itself (the text, its key and offset, is
 * used when the line's local reference is another one). */
static void lr_local(ctx *x, uint64_t off, ref *r)
{
	size_t n = 0;
	r->local = 1;
	r->local_offset = off;
	r->ident = ID_LOCAL;
	r->text[0] = '\0';
	lr_put_name(r->text, REF_TEXT, &n, x->out->key, x->out->key_len);
	lr_put_offset(r->text, REF_TEXT, &n, (int64_t)off);
}

/* A string literal at offset off of string section sec. */
static void lr_string(ctx *x, size_t sec, uint64_t off, ref *r)
{
	const unsigned char *b = kelf_section_bytes(x->k, sec);
	uint64_t size = x->k->sections[sec].size;
	size_t n = 0;
	if (!b || off >= size) {
		r->ident = klp_hash_mix(ID_STRING, off);
		snprintf(r->text, REF_TEXT, "%s", x->k->sections[sec].name);
		n = strlen(r->text);
		lr_put_offset(r->text, REF_TEXT, &n, (int64_t)off);
		return;
	}
	uint64_t start = off;
	while (start > 0 && b[start - 1] != '\0' && off - start < 4096)
		start--;
	const unsigned char *nul = memchr(b + off, '\0', size - off);
	uint64_t end = nul ? (uint64_t)(nul - b) : size;
	r->ident = klp_hash_mix(klp_hash_mix(ID_STRING, klp_hash((const char *)b + start, end - start)), off - start);
	lr_puts(r->text, REF_TEXT, &n, "\"");
	for (uint64_t i = start; i < end && n < 48; i++) {
		unsigned char ch = b[i];
		char esc[8];
		if (ch == '"' || ch == '\\')
			snprintf(esc, sizeof esc, "\\%c", ch);
		else if (ch == '\n')
			snprintf(esc, sizeof esc, "\\n");
		else if (ch == '\t')
			snprintf(esc, sizeof esc, "\\t");
		else if (ch < 0x20 || ch >= 0x7f)
			snprintf(esc, sizeof esc, "\\x%02x", ch);
		else
			esc[0] = (char)ch, esc[1] = '\0';
		lr_puts(r->text, REF_TEXT, &n, esc);
	}
	if (n >= 48 && end - start > 40)
		lr_puts(r->text, REF_TEXT, &n, "...");
	lr_puts(r->text, REF_TEXT, &n, "\"");
	if (off != start)
		lr_put_offset(r->text, REF_TEXT, &n, (int64_t)(off - start));
}


/* What offset off of section sec is.  through: the instruction reads the
 * word there, so a relocation at it says what the reference means. */
static void lr_place(ctx *x, size_t sec, int64_t off, int depth, int through, ref *r)
{
	kelf *k = x->k;
	size_t n = 0;
	if (sec == 0 || sec >= k->nsections) {
		r->ident = klp_hash_mix(ID_NUMBER, (uint64_t)off);
		snprintf(r->text, REF_TEXT, "0x%llx", (unsigned long long)off);
		return;
	}
	const kelf_section *s = &k->sections[sec];
	const kelf_reloc *word = depth == 0 && off >= 0 ? corr_reloc_at(k, sec, (uint64_t)off) : NULL;
	if (through && word) {
		ref inner = { 0 };
		lr_reloc(x, word, 0, depth + 1, &inner);
		/* A word holding a place in this function (a switch's jump table):
		 * that place moves with the code, so it is not part of the identity. */
		if (inner.local)
			inner.ident = ID_INSIDE;
		r->ident = klp_hash_mix(ID_WORD, inner.ident);
		n = 0;
		lr_puts(r->text, REF_TEXT, &n, "=");
		lr_puts(r->text, REF_TEXT, &n, inner.text);
		return;
	}
	if (sec == x->sec && off > (int64_t)x->start && (uint64_t)off < x->start + x->size) {
		lr_local(x, (uint64_t)off - x->start, r);
		return;
	}
	uint64_t base = k->etype == ET_REL ? 0 : s->addr;
	if (off >= 0 && x->sd->section_start) {
		int32_t cov = corr_covering(x->sd, sec, (uint64_t)off);
		if (cov != CORR_NONE) {
			lr_symbol(x, (uint32_t)cov, (int64_t)(base + (uint64_t)off - k->symbols[cov].value), r);
			return;
		}
	}
	/* A linked image merges strings into a .rodata of other constants. */
	if (((s->flags & SHF_STRINGS) || (k->etype != ET_REL && !(s->flags & SHF_EXECINSTR))) && off >= 0) {
		lr_string(x, sec, (uint64_t)off, r);
		return;
	}
	if (word) {
		lr_place(x, sec, off, depth, 1, r);
		return;
	}
	/* No symbol: the section's name without digits and the offset. */
	char plain[128];
	size_t m = 0;
	for (const char *p = s->name; *p && m < sizeof plain; p++)
		if (*p < '0' || *p > '9')
			plain[m++] = *p;
	r->ident = klp_hash_mix(klp_hash_mix(ID_SECTION, klp_hash(plain, m)), (uint64_t)off);
	lr_put_name(r->text, REF_TEXT, &n, s->name, strlen(s->name));
	lr_put_offset(r->text, REF_TEXT, &n, off);
}

/* A target the decoder computed: a section offset of the function's section,
 * which in a linked image may lie in another section. */
void lr_decoded(ctx *x, int64_t off, int through, ref *r)
{
	kelf *k = x->k;
	const kelf_section *s = &k->sections[x->sec];
	if (k->etype != ET_REL && (off < 0 || (uint64_t)off >= s->size)) {
		uint64_t addr = s->addr + (uint64_t)off;
		for (size_t i = 1; i < k->nsections; i++) {
			const kelf_section *t = &k->sections[i];
			if ((t->flags & SHF_ALLOC) && t->size && addr >= t->addr && addr - t->addr < t->size) {
				lr_place(x, i, (int64_t)(addr - t->addr), 0, through, r);
				return;
			}
		}
		r->ident = klp_hash_mix(ID_NUMBER, addr);
		snprintf(r->text, REF_TEXT, "0x%llx", (unsigned long long)addr);
		return;
	}
	lr_place(x, x->sec, off, 0, through, r);
}

/* Whether a relocation type takes the PC from the end of an x86 instruction
 * (1) or the start of an s390 one (2). */
int lr_pc_relative(unsigned machine, uint32_t type)
{
	if (machine == EM_X86_64)
		return type == R_X86_64_PC32 || type == R_X86_64_PLT32 || type == R_X86_64_GOTPCREL ||
		       type == R_X86_64_GOTPCRELX || type == R_X86_64_REX_GOTPCRELX || type == R_X86_64_PC16 ||
		       type == R_X86_64_PC8 || type == R_X86_64_PC64 || type == R_X86_64_GOTPC32;
	if (machine == EM_386)
		return type == R_386_PC32 || type == R_386_PLT32 || type == R_386_PC16 || type == R_386_PC8;
	if (machine == EM_S390)
		return 2 * (type == R_390_PC32 || type == R_390_PLT32 || type == R_390_PC16 || type == R_390_PC16DBL ||
			    type == R_390_PLT16DBL || type == R_390_PC32DBL || type == R_390_PLT32DBL ||
			    type == R_390_GOTPCDBL || type == R_390_PC64 || type == R_390_PLT64 || type == R_390_GOTENT);
	return 0;
}

/* What a relocation points at; adjust is added to its addend (the PC fix-up). */
void lr_reloc(ctx *x, const kelf_reloc *rel, int64_t adjust, int depth, ref *r)
{
	kelf *k = x->k;
	const kelf_symbol *t = &k->symbols[rel->sym];
	int64_t inner;
	if (x->addends_unknown && depth == 0)
		inner = 0;
	else if (__builtin_add_overflow(rel->addend, adjust, &inner)) {
		r->ident = klp_hash_mix(ID_NUMBER, (uint64_t)rel->addend);
		snprintf(r->text, REF_TEXT, "?");
		return;
	}
	int in_section = t->shndx != 0 && t->shndx < k->nsections;
	if (t->type == STT_SECTION) {
		if (in_section)
			lr_place(x, t->shndx, inner, depth, 0, r);
		else
			lr_symbol(x, rel->sym, inner, r);
		return;
	}
	if (in_section) {
		uint64_t base = k->etype == ET_REL ? 0 : k->sections[t->shndx].addr;
		int64_t pos = (int64_t)(t->value - base + (uint64_t)inner);
		if (t->shndx == x->sec && pos > (int64_t)x->start && (uint64_t)pos < x->start + x->size) {
			lr_local(x, (uint64_t)pos - x->start, r);
			return;
		}
		if ((k->sections[t->shndx].flags & SHF_STRINGS) && pos >= 0) {
			lr_string(x, t->shndx, (uint64_t)pos, r);
			return;
		}
	}
	lr_symbol(x, rel->sym, inner, r);
}

/* How a relocation type decorates its target: AArch64 :lo12:, ppc @ha/@l. */
void lr_decorate(unsigned machine, uint32_t type, ref *r)
{
	char buf[REF_TEXT];
	size_t n = 0;
	if (r->local)
		return;
	if (machine == EM_AARCH64 && (type == R_AARCH64_ADD_ABS_LO12_NC || type == R_AARCH64_LDST8_ABS_LO12_NC ||
				      type == R_AARCH64_LDST16_ABS_LO12_NC || type == R_AARCH64_LDST32_ABS_LO12_NC ||
				      type == R_AARCH64_LDST64_ABS_LO12_NC || type == R_AARCH64_LDST128_ABS_LO12_NC)) {
		lr_puts(buf, sizeof buf, &n, ":lo12:");
		lr_puts(buf, sizeof buf, &n, r->text);
		memcpy(r->text, buf, n + 1);
	} else if (machine == EM_PPC64 || machine == EM_PPC) {
		const char *suffix = type == R_PPC64_TOC16_HA || type == R_PPC_ADDR16_HA ? "@ha"
				     : type == R_PPC64_TOC16_LO || type == R_PPC64_TOC16_LO_DS || type == R_PPC_ADDR16_LO
					     ? "@l"
					     : NULL;
		if (suffix) {
			n = strlen(r->text);
			lr_puts(r->text, REF_TEXT, &n, suffix);
		}
	}
}
