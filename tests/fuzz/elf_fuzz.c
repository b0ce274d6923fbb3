/* elf_fuzz: libFuzzer target for klp's C core (tests/fuzz/README.md).
 *
 * Each input is an ELF file.  It is loaded with kelf_open (a failure must give
 * a one-line message); a file that loads has its arrays and relocations
 * checked, is loaded a second time, and the two copies are correlated four
 * times with the whole default-like pipeline in C (exclusions, keys, FILE
 * alignment in both modes, the exact / evidence / positional / objtool-like /
 * greedy passes, the analysis, candidates): twice against itself, twice with
 * the patched side's keys, TU units and exclusions perturbed.  Every broken
 * invariant abort()s, so libFuzzer records the input. */
#define _GNU_SOURCE /* memfd_create */
#include <elf.h>
#include <libelf.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "align.h"
#include "analyse.h"
#include "changes.h"
#include "children.h"
#include "compare.h"
#include "line.h"
#include "corr.h"
#include "decode.h"
#include "digest.h"
#include "exclude.h"
#include "fndiff.h"
#include "forbid.h"
#include "hash.h"
#include "kelf.h"
#include "keys.h"
#include "listing.h"
#include "reloc.h"
#include "pass.h"
#include "sympos.h"
#include "target.h"
#include "trace.h"
#include "use.h"

#define UNIT_CONFLICT UINT32_MAX /* pass.c's marker of a TU whose pairs disagree */

/* Reports a broken invariant and aborts (libFuzzer saves the input). */
#define CHECK(cond)                                                                                     \
	do {                                                                                            \
		if (!(cond)) {                                                                          \
			fprintf(stderr, "elf_fuzz: invariant failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                        \
		}                                                                                       \
	} while (0)

/* ------------------------------------------------------------------ input file */

static int input_fd = -1, copy_fd = -1;
static int verbose; /* ELF_FUZZ_VERBOSE set: one line per correlation */
static char input_path[64], copy_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	verbose = getenv("ELF_FUZZ_VERBOSE") != NULL;
	if (elf_version(EV_CURRENT) == EV_NONE) {
		fprintf(stderr, "elf_fuzz: libelf is too old\n");
		abort();
	}
	input_fd = memfd_create("klp-elf-fuzz", MFD_CLOEXEC);
	copy_fd = memfd_create("klp-elf-fuzz-copy", MFD_CLOEXEC);
	if (input_fd < 0 || copy_fd < 0) {
		perror("elf_fuzz: memfd_create");
		abort();
	}
	snprintf(input_path, sizeof input_path, "/proc/self/fd/%d", input_fd);
	snprintf(copy_path, sizeof copy_path, "/proc/self/fd/%d", copy_fd);
	return 0;
}

/* Replaces a memfd's contents. */
static void write_file(int fd, const uint8_t *data, size_t size)
{
	CHECK(ftruncate(fd, 0) == 0);
	size_t done = 0;
	while (done < size) {
		ssize_t n = pwrite(fd, data + done, size - done, (off_t)done);
		CHECK(n > 0);
		done += (size_t)n;
	}
}

/* A failure message: non-empty, one line. */
static void check_message(const char *err, size_t errlen)
{
	CHECK(memchr(err, '\0', errlen) != NULL);
	CHECK(err[0] != '\0');
	if (strchr(err, '\n')) {
		fprintf(stderr, "elf_fuzz: multi-line error message: %s\n", err);
		abort();
	}
}

/* ------------------------------------------------------------------ kelf checks */

/* What kelf.h promises later code may trust. */
static void check_kelf(const kelf *k)
{
	CHECK(k->elfclass == 32 || k->elfclass == 64);
	CHECK(k->nsections > 0 && k->sections);
	CHECK(k->symbols != NULL);
	for (size_t i = 0; i < k->nsections; i++)
		CHECK(k->sections[i].name != NULL && strlen(k->sections[i].name) + 1 > 0);
	for (size_t i = 0; i < k->nsymbols; i++) {
		const kelf_symbol *s = &k->symbols[i];
		CHECK(s->name != NULL);
		CHECK(strlen(s->name) == s->name_len);
		CHECK(s->hash == klp_hash(s->name, s->name_len));
		CHECK(s->type < 16 && s->bind < 16 && s->visibility < 4);
		CHECK(s->shndx < k->nsections || s->shndx >= KELF_SHN_SPECIAL);
		CHECK(s->file == KELF_NO_FILE || (s->file >= 0 && (size_t)s->file < k->nfiles));
		if (s->file != KELF_NO_FILE)
			CHECK(k->files[s->file] < i && s->bind == STB_LOCAL);
		const char *sec = kelf_symbol_section(k, s);
		if (sec)
			(void)strlen(sec);
		(void)kelf_type_name(s->type);
		(void)kelf_bind_name(s->bind);
		(void)kelf_visibility_name(s->visibility);
	}
	for (size_t f = 0; f < k->nfiles; f++) {
		CHECK(k->files[f] > 0 && k->files[f] < k->nsymbols);
		CHECK(k->symbols[k->files[f]].type == STT_FILE);
		if (f > 0)
			CHECK(k->files[f - 1] < k->files[f]);
	}
	(void)kelf_machine_name(k->machine);
	(void)kelf_etype_name(k->etype);
}

/* Loads the relocations and checks them, and reads every section's bytes. */
static void check_relocs(kelf *k)
{
	for (size_t s = 0; s < k->nsections; s++) {
		const unsigned char *b = kelf_section_bytes(k, s);
		if (b) {
			volatile unsigned char x = b[0];
			x = b[k->sections[s].size - 1];
			(void)x;
		}
	}
	char err[256];
	memset(err, 'x', sizeof err);
	if (kelf_load_relocs(k, err, sizeof err) != 0) {
		check_message(err, sizeof err);
		CHECK(k->relocs == NULL && k->reloc_start == NULL);
		return;
	}
	CHECK(k->reloc_start != NULL);
	CHECK(k->reloc_start[0] == 0 && k->reloc_start[k->nsections] == k->nrelocs);
	for (size_t s = 0; s < k->nsections; s++) {
		CHECK(k->reloc_start[s] <= k->reloc_start[s + 1]);
		for (size_t r = k->reloc_start[s]; r < k->reloc_start[s + 1]; r++) {
			const kelf_reloc *rel = &k->relocs[r];
			CHECK(rel->sym < k->nsymbols);
			CHECK(k->sections[s].type == SHT_NOBITS || rel->offset < k->sections[s].size);
			if (r > k->reloc_start[s])
				CHECK(k->relocs[r - 1].offset <= rel->offset);
		}
	}
	/* A second call keeps what the first loaded. */
	kelf_reloc *before = k->relocs;
	CHECK(kelf_load_relocs(k, err, sizeof err) == 0 && k->relocs == before);
}

/* ------------------------------------------------------------------ decoding */

/* Where the records of one decoded range must be. */
typedef struct decode_check {
	uint64_t next, end;
	size_t n;
} decode_check;

/* One record: at the next offset, inside the range, its fields inside the
 * instruction and its text spans inside the NUL-terminated text. */
static int check_insn(void *ud, const klp_insn *in)
{
	decode_check *dc = ud;
	CHECK(in->offset == dc->next);
	CHECK(in->size > 0 && in->size <= dc->end - in->offset);
	CHECK(in->kind <= KLP_INSN_BAD && in->noperands <= KLP_INSN_OPERANDS);
	size_t tl = strnlen(in->text, KLP_INSN_TEXT);
	CHECK(tl < KLP_INSN_TEXT && in->mnemonic_len <= tl);
	CHECK(in->kind != KLP_INSN_BAD || strcmp(in->text, "(bad)") == 0);
	for (unsigned o = 0; o < in->noperands; o++) {
		const klp_operand *op = &in->operands[o];
		CHECK(op->kind <= KLP_OP_IMM && op->text_how <= KLP_TEXT_BEFORE);
		CHECK(op->field_size == 0 || (size_t)op->field_offset + op->field_size <= in->size);
		if (op->text_how != KLP_TEXT_NONE)
			CHECK((size_t)op->text_start + op->text_len <= tl);
	}
	volatile unsigned char last = in->bytes[in->size - 1];
	(void)last;
	dc->next += in->size;
	dc->n++;
	return 0;
}

/* The section offset of a symbol's bytes, as the listing computes it. */
static int symbol_range(const kelf *k, const kelf_symbol *s, uint64_t *start)
{
	if (s->shndx == 0 || s->shndx >= k->nsections)
		return 0;
	const kelf_section *sec = &k->sections[s->shndx];
	uint64_t value = k->machine == EM_ARM ? s->value & ~(uint64_t)1 : s->value;
	uint64_t base = k->etype == ET_REL ? 0 : sec->addr;
	if (value < base || value - base > sec->size || s->size > sec->size - (value - base))
		return 0;
	*start = value - base;
	return 1;
}

/* Decodes every FUNC symbol's bytes (4 MB at most per input); a machine
 * Capstone 4 lacks gives a one-line reason instead. */
static void check_decoder(kelf *k)
{
	char err[300];
	memset(err, 'x', sizeof err);
	klp_decoder *d = klp_decoder_new(k, err, sizeof err);
	if (!d) {
		check_message(err, sizeof err);
		return;
	}
	uint64_t budget = 4u << 20;
	for (uint32_t i = 1; i < k->nsymbols && budget; i++) {
		const kelf_symbol *s = &k->symbols[i];
		uint64_t start;
		if (s->type != STT_FUNC)
			continue;
		int inside = symbol_range(k, s, &start);
		uint64_t size = s->size < budget ? s->size : budget;
		decode_check dc = { start, start + size, 0 };
		unsigned flags = k->machine == EM_ARM && (s->value & 1) ? KLP_DECODE_THUMB : 0;
		int rc = inside ? klp_decode(d, s->shndx, start, size, flags, check_insn, &dc)
				: klp_decode(d, s->shndx < k->nsections ? s->shndx : 0, s->value, s->size, 0, check_insn, &dc);
		if (inside && rc == 0) {
			CHECK(dc.next == dc.end);
			budget -= size;
		} else {
			CHECK(rc == -1 && dc.n == 0);
		}
	}
	klp_decoder_free(d);
}

/* A diff's rows hold every line of both listings once, in order; a context
 * row's labels agree; the counts and reasons add up. */
static void check_diff(const klp_listing *a, const klp_listing *b, const klp_diff *df)
{
	size_t next[2] = { 0, 0 }, changed = 0;
	for (size_t r = 0; r < df->nrows; r++) {
		const klp_diff_row *row = &df->rows[r];
		CHECK(row->op == ' ' || row->op == '-' || row->op == '+');
		for (int s = 0; s < 2; s++) {
			int has = row->op == ' ' || (row->op == '-') == (s == 0);
			if (has)
				CHECK(row->line[s] >= 0 && (size_t)row->line[s] == next[s]++);
			else
				CHECK(row->line[s] == -1);
		}
		if (row->op == ' ') {
			CHECK(row->why == KLP_WHY_SAME && row->pair == -1);
			CHECK(df->labels[0][row->line[0]] == df->labels[1][row->line[1]]);
		} else {
			changed++;
			const klp_listing *other = row->op == '-' ? b : a;
			CHECK(row->pair >= -1 && (row->pair < 0 || (size_t)row->pair < other->nlines));
			CHECK(row->pair < 0 ? row->why == (row->op == '-' ? KLP_WHY_REMOVED : KLP_WHY_ADDED)
					    : row->why == KLP_WHY_TARGET || row->why == KLP_WHY_BYTES);
		}
		char text[600];
		int side = row->op == '+';
		size_t n = klp_diff_line_text(df, side, side ? b : a, (size_t)row->line[side], text, sizeof text);
		CHECK(n < sizeof text && strlen(text) == n);
		(void)klp_diff_why_name((klp_diff_why)row->why);
	}
	CHECK(next[0] == a->nlines && next[1] == b->nlines && changed == df->changed);
}

/* A listing's lines: in offset order inside the function, texts inside the
 * text block, local references in range. */
static void check_listing(const klp_listing *l)
{
	for (size_t i = 0; i < l->nlines; i++) {
		const klp_line *line = &l->lines[i];
		CHECK(line->size > 0 && line->offset < l->bytes && line->size <= l->bytes - line->offset);
		if (i > 0)
			CHECK(line->offset == l->lines[i - 1].offset + l->lines[i - 1].size);
		CHECK(line->text < l->textlen && memchr(l->text + line->text, '\0', l->textlen - line->text));
		CHECK(line->local == KLP_LOCAL_NONE || line->local == KLP_LOCAL_INSIDE ||
		      (line->local >= 0 && (size_t)line->local < l->nlines));
	}
}

/* Lists and diffs the function pairs (1 MB of code at most).  Against
 * itself, where every symbol is its own twin, no instruction differs. */
static void check_diffs(corr *c, int self)
{
	char err[500];
	klp_decoder *d[2];
	for (int s = 0; s < 2; s++) {
		memset(err, 'x', sizeof err);
		d[s] = klp_decoder_new(c->side[s].k, err, sizeof err);
		if (!d[s])
			check_message(err, sizeof err);
	}
	const kelf *a = c->side[0].k;
	int identity = self;
	for (uint32_t i = 1; i < a->nsymbols && identity; i++)
		identity = c->side[0].syms[i].twin == CORR_NONE || c->side[0].syms[i].twin == (int32_t)i;
	uint64_t budget = 1u << 20;
	for (uint32_t i = 1; i < a->nsymbols && budget && d[0] && d[1]; i++) {
		int32_t t = c->side[0].syms[i].twin;
		if (a->symbols[i].type != STT_FUNC || t == CORR_NONE)
			continue;
		klp_listing l[2];
		int rc[2];
		for (int s = 0; s < 2; s++) {
			memset(err, 'x', sizeof err);
			rc[s] = klp_listing_build(c, s, s ? (uint32_t)t : i, d[s], &l[s], err, sizeof err);
			if (rc[s] != 0) {
				check_message(err, sizeof err);
				CHECK(l[s].nlines == 0 && l[s].lines == NULL);
			} else {
				check_listing(&l[s]);
			}
			uint64_t used = l[s].bytes < budget ? l[s].bytes : budget;
			budget -= used;
		}
		if (rc[0] == 0 && rc[1] == 0) {
			klp_diff df;
			CHECK(klp_diff_listings(&l[0], &l[1], &df) == 0);
			check_diff(&l[0], &l[1], &df);
			if (identity && t == (int32_t)i && df.changed != 0) {
				fprintf(stderr, "elf_fuzz: '%s' differs from itself in %zu rows\n", a->symbols[i].name, df.changed);
				abort();
			}
			klp_diff_free(&df);
		}
		klp_listing_free(&l[0]);
		klp_listing_free(&l[1]);
	}
	klp_decoder_free(d[0]);
	klp_decoder_free(d[1]);
}

/* Loads a changed copy of the input, the "patched" side of the third
 * correlation: in the string table, some counters renumbered (foo.5 ->
 * foo.6), some FILE names and other names altered in their last byte (NUL
 * bytes stay where they are); in the symbol table, some FUNC and OBJECT
 * types swapped, sizes changed and bindings flipped; in code and data, some
 * bytes flipped (contents, hence digests, change).  NULL when the file image
 * is not at hand or the copy does not load (the tables may overlap the
 * headers). */
static kelf *load_mutated(const kelf *a, const uint8_t *data, size_t size, uint64_t seed)
{
	size_t rawsize = 0;
	const char *raw = elf_rawfile(a->elf, &rawsize);
	if (!raw || rawsize != size)
		return NULL;
	uint8_t *copy = malloc(size ? size : 1);
	CHECK(copy != NULL);
	memcpy(copy, data, size);
	for (uint32_t i = 1; i < a->nsymbols; i++) {
		const kelf_symbol *s = &a->symbols[i];
		if (s->name_len == 0 || s->name < raw || s->name >= raw + size)
			continue;
		size_t last = (size_t)(s->name - raw) + s->name_len - 1;
		if (last >= size)
			continue;
		uint64_t h = klp_hash_mix(seed ^ 0x2545f4914f6cdd1dull, s->hash) ^ i;
		uint8_t ch = copy[last];
		if (s->type == STT_FILE) {
			if (h % 4 == 0)
				ch = ch == 'x' ? 'y' : 'x';
		} else if (ch >= '0' && ch <= '9') {
			if (h % 3 == 0)
				ch = (uint8_t)('0' + (ch - '0' + 1 + (h >> 8) % 2) % 10);
		} else if (h % 17 == 0) {
			ch = ch == 'z' ? 'y' : 'z';
		}
		copy[last] = ch;
	}
	/* The symbol table entries (st_info and st_size sit at the same offsets
	 * in either byte order). */
	size_t entsize = a->elfclass == 64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
	size_t info_at = a->elfclass == 64 ? offsetof(Elf64_Sym, st_info) : offsetof(Elf32_Sym, st_info);
	size_t size_at = a->elfclass == 64 ? offsetof(Elf64_Sym, st_size) : offsetof(Elf32_Sym, st_size);
	for (size_t sec = 1; sec < a->nsections; sec++) {
		const kelf_section *sh = &a->sections[sec];
		if (sh->type != SHT_SYMTAB || sh->offset > size || sh->size > size - sh->offset)
			continue;
		for (size_t i = 1; i < sh->size / entsize; i++) {
			uint8_t *e = copy + sh->offset + i * entsize;
			uint64_t h = klp_hash_mix(seed ^ 0x9e3779b97f4a7c15ull, i);
			unsigned type = e[info_at] & 0xf, bind = e[info_at] >> 4;
			if (h % 11 == 0 && (type == STT_FUNC || type == STT_OBJECT))
				type = type == STT_FUNC ? STT_OBJECT : STT_FUNC;
			if ((h >> 8) % 13 == 0 && (bind == STB_LOCAL || bind == STB_GLOBAL) && type != STT_FILE &&
			    type != STT_SECTION)
				bind = bind == STB_LOCAL ? STB_GLOBAL : STB_LOCAL;
			e[info_at] = (uint8_t)(bind << 4 | type);
			if ((h >> 16) % 7 == 0)
				e[size_at + (h >> 24) % 2] ^= 0x08;
		}
		break; /* kelf reads the first SHT_SYMTAB */
	}
	/* Code and data bytes. */
	for (size_t sec = 1; sec < a->nsections; sec++) {
		const kelf_section *sh = &a->sections[sec];
		uint64_t h = klp_hash_mix(seed ^ 0xc2b2ae3d27d4eb4full, sec);
		if (sh->type != SHT_PROGBITS || !(sh->flags & (SHF_EXECINSTR | SHF_WRITE)) || sh->size == 0 ||
		    sh->offset > size || sh->size > size - sh->offset || h % 3 != 0)
			continue;
		copy[sh->offset + (h >> 8) % sh->size] ^= 0x40;
	}
	write_file(copy_fd, copy, size);
	free(copy);
	char err[256];
	memset(err, 'x', sizeof err);
	kelf *m = kelf_open(copy_path, err, sizeof err);
	if (!m)
		check_message(err, sizeof err);
	return m;
}

/* ------------------------------------------------------------------ key function */

typedef struct keyctx {
	corr *c;
	char buf[4096], base[4096];
} keyctx;

static int is_digits(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int is_clone_kind(const char *s, size_t n)
{
	static const char *const kinds[] = { "isra", "constprop", "part", "cold", "lto_priv", "localalias", NULL };
	for (size_t i = 0; kinds[i]; i++)
		if (strlen(kinds[i]) == n && memcmp(kinds[i], s, n) == 0)
			return 1;
	return 0;
}

/* A cheap imitation of the default suffix rules: .llvm.<hash> is cut off and
 * becomes the TU; .<digits> counters are dropped (numbered); clone kinds stay
 * in the key, and the base is the key up to the first clone kind;
 * __UNIQUE_ID_ names lose trailing digits and underscores; __initcall__ names
 * are excluded. */
static int fuzz_key(void *ud, const char *name, size_t len, unsigned stt, corr_keyresult *r)
{
	keyctx *kc = ud;
	(void)stt;
	memset(r, 0, sizeof *r);
	if (len >= 12 && memcmp(name, "__initcall__", 12) == 0) {
		r->excluded = 1;
		return 0;
	}
	size_t cut = len;
	const char *llvm = strstr(name, ".llvm.");
	if (llvm) {
		cut = (size_t)(llvm - name);
		r->tu = llvm + 6;
		r->tu_len = len - cut - 6;
	}
	if (cut >= sizeof kc->buf)
		cut = sizeof kc->buf - 1;
	size_t klen = 0, blen = SIZE_MAX;
	/* The first component (up to the first '.' after position 0). */
	size_t i = 0;
	while (i < cut && (i == 0 || name[i] != '.'))
		i++;
	memcpy(kc->buf, name, i);
	klen = i;
	if (klen >= 12 && memcmp(name, "__UNIQUE_ID_", 12) == 0) {
		size_t e = klen;
		while (e > 12 && ((name[e - 1] >= '0' && name[e - 1] <= '9') || name[e - 1] == '_'))
			e--;
		if (e != klen)
			r->numbered = 1;
		klen = e;
	}
	while (i < cut) {
		size_t j = i + 1;
		while (j < cut && name[j] != '.')
			j++;
		const char *comp = name + i + 1;
		size_t n = j - i - 1;
		if (is_digits(comp, n)) {
			r->numbered = 1;
		} else {
			if (is_clone_kind(comp, n) && blen == SIZE_MAX)
				blen = klen;
			memcpy(kc->buf + klen, name + i, j - i);
			klen += j - i;
		}
		i = j;
	}
	if (klen != len) {
		r->key = kc->buf;
		r->key_len = klen;
	}
	if (blen != SIZE_MAX) {
		memcpy(kc->base, kc->buf, blen);
		r->base = kc->base;
		r->base_len = blen;
		if (!r->key) {
			r->key = name;
			r->key_len = len;
		}
	}
	return corr_own_key(kc->c, r);
}

/* ------------------------------------------------------------------ the pipeline */

/* A pass shape and whether it may pair by position or greedily. */
typedef struct pass_def {
	const char *rule;
	corr_pass p;
} pass_def;

enum {
	P_EXACT,
	P_SUFFIX,
	P_PROMOTION,
	P_DEMOTION,
	P_POSITIONAL,
	P_OBJTOOL,
	P_BIND,
	P_GREEDY,
	P_USE, /* corr_pair_by_use, not a corr_pass */
	NPASSES
};

static void make_passes(pass_def *d)
{
	memset(d, 0, NPASSES * sizeof *d);
	d[P_EXACT] = (pass_def){ "exact", { .key = KEY_NAME, .file = FILE_SAME, .numbered_guard = 1, .nrefine = 2,
					    .refine = { REFINE_DIGEST, REFINE_SIZE } } };
	d[P_SUFFIX] = (pass_def){ "suffix", { .key = KEY_KEY, .file = FILE_SAME, .nrefine = 3,
					      .refine = { REFINE_TU, REFINE_DIGEST, REFINE_SIZE } } };
	d[P_PROMOTION] = (pass_def){ "promotion", { .key = KEY_KEY, .file = FILE_COMPATIBLE,
						    .filter = { FF_WITH_FILE, FF_WITHOUT_FILE }, .nrefine = 3,
						    .refine = { REFINE_TU, REFINE_DIGEST, REFINE_SIZE } } };
	d[P_DEMOTION] = (pass_def){ "demotion", { .key = KEY_KEY, .file = FILE_COMPATIBLE,
						  .filter = { FF_WITHOUT_FILE, FF_WITH_FILE }, .nrefine = 3,
						  .refine = { REFINE_TU, REFINE_DIGEST, REFINE_SIZE } } };
	d[P_POSITIONAL] = (pass_def){ "positional", { .key = KEY_KEY, .file = FILE_SAME, .nrefine = 3,
						      .refine = { REFINE_TU, REFINE_DIGEST, REFINE_SIZE }, .positional = 1,
						      .nposmatch = 1, .posmatch = { REFINE_SCOPE } } };
	d[P_OBJTOOL] = (pass_def){ "objtool", { .key = KEY_KEY, .file = FILE_COMPATIBLE, .nrefine = 3,
						.refine = { REFINE_SCOPE, REFINE_FILE, REFINE_LLVM }, .cumulative = 1,
						.positional = 1, .nposmatch = 2,
						.posmatch = { REFINE_LLVM, REFINE_FILE } } };
	d[P_BIND] = (pass_def){ "bind", { .key = KEY_NAME, .file = FILE_COMPATIBLE, .nrefine = 4,
					  .refine = { REFINE_BIND, REFINE_TU, REFINE_SIZE, REFINE_SCOPE } } };
	d[P_GREEDY] = (pass_def){ "greedy", { .key = KEY_KEY, .file = FILE_ANY, .greedy = 1 } };
	d[P_USE] = (pass_def){ "use", { 0 } };
}

static long run(corr *c, pass_def *d)
{
	long made = corr_run_pass(c, &d->p);
	CHECK(made >= 0);
	return made;
}

/* The evidence passes, until they pair nothing more. */
static void run_evidence(corr *c, pass_def *d)
{
	for (int round = 0;; round++) {
		CHECK(round < 100000);
		long use = corr_pair_by_use(c, d[P_USE].p.rule);
		CHECK(use >= 0);
		long made = run(c, &d[P_SUFFIX]) + use + run(c, &d[P_PROMOTION]) + run(c, &d[P_DEMOTION]);
		if (made == 0)
			break;
	}
}

static int sym_cmp_ctx_side;
static const corr *sym_cmp_ctx;

/* (name, type, file) order of symbol indices of one side. */
static int by_name_type_file(const void *x, const void *y)
{
	const kelf *k = sym_cmp_ctx->side[sym_cmp_ctx_side].k;
	const kelf_symbol *a = &k->symbols[*(const uint32_t *)x], *b = &k->symbols[*(const uint32_t *)y];
	int d = strcmp(a->name, b->name);
	if (d)
		return d;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	return a->file < b->file ? -1 : a->file > b->file;
}

/* Against itself, an eligible symbol whose (name, type, FILE) no other
 * eligible symbol shares is alone in its exact-pass group: it pairs with
 * itself. */
static void check_self_unique(corr *c)
{
	const kelf *k = c->side[0].k;
	uint32_t *v = malloc((k->nsymbols + 1) * sizeof *v);
	CHECK(v != NULL);
	size_t n = 0;
	for (uint32_t i = 1; i < k->nsymbols; i++)
		if (corr_eligible(c, 0, i))
			v[n++] = i;
	sym_cmp_ctx = c;
	sym_cmp_ctx_side = 0;
	qsort(v, n, sizeof *v, by_name_type_file);
	for (size_t i = 0; i < n; i++) {
		int alone = (i == 0 || by_name_type_file(&v[i - 1], &v[i]) != 0) &&
			    (i + 1 == n || by_name_type_file(&v[i], &v[i + 1]) != 0);
		if (alone && c->side[0].syms[v[i]].twin != (int32_t)v[i]) {
			fprintf(stderr, "elf_fuzz: unique symbol %u '%s' paired with %d\n", v[i],
				k->symbols[v[i]].name, c->side[0].syms[v[i]].twin);
			abort();
		}
	}
	free(v);
}

/* Invariants of any correlation state. */
static void check_pairs(corr *c, const uint16_t *rules, int self)
{
	for (int s = 0; s < 2; s++) {
		const kelf *k = c->side[s].k, *o = c->side[!s].k;
		for (uint32_t i = 0; i < k->nsymbols; i++) {
			const corr_sym *cs = &c->side[s].syms[i];
			CHECK(cs->key_hash == klp_hash(cs->key, cs->key_len));
			CHECK(cs->base_hash == klp_hash(cs->base, cs->base_len));
			CHECK(strlen(cs->key) == cs->key_len && strlen(cs->base) == cs->base_len);
			if (cs->flags & CS_TU)
				CHECK(cs->unit > k->nfiles && cs->unit - k->nfiles <= c->side[s].ntus &&
				      corr_tu_name(c, s, i) != NULL);
			if (cs->twin == CORR_NONE)
				continue;
			/* Mutual, in range, both eligible. */
			CHECK(cs->twin >= 0 && (size_t)cs->twin < o->nsymbols);
			uint32_t t = (uint32_t)cs->twin;
			const corr_sym *ts = &c->side[!s].syms[t];
			CHECK(ts->twin == (int32_t)i);
			CHECK(corr_eligible(c, s, i) && corr_eligible(c, !s, t));
			CHECK(i != 0 && t != 0);
			CHECK(!(cs->flags & CS_EXCLUDED));
			CHECK(k->symbols[i].type != STT_FILE && k->symbols[i].type != STT_SECTION);
			CHECK(cs->rule == ts->rule && cs->evidence == ts->evidence && cs->evidence < EV_COUNT);
			/* Every pass groups by type and by name or key. */
			const kelf_symbol *a = &k->symbols[i], *b = &o->symbols[t];
			if (a->type != b->type) {
				fprintf(stderr, "elf_fuzz: side %d: %u '%s' (%s) paired with %u '%s' (%s) by %s, %s\n", s, i,
					a->name, kelf_type_name(a->type), t, b->name, kelf_type_name(b->type),
					c->rules[cs->rule], corr_evidence_name((corr_evidence)cs->evidence));
				abort();
			}
			CHECK((a->name_len == b->name_len && memcmp(a->name, b->name, a->name_len) == 0) ||
			      (cs->key_len == ts->key_len && memcmp(cs->key, ts->key, cs->key_len) == 0));
			/* Only the FILE_ANY pass pairs across FILEs. */
			if (cs->rule != rules[P_GREEDY])
				CHECK(corr_file_compatible(c, s, i, t));
			if (cs->evidence == EV_FIRST)
				CHECK(cs->rule == rules[P_GREEDY]);
			if (cs->evidence == EV_POSITIONAL)
				CHECK(cs->rule == rules[P_POSITIONAL] || cs->rule == rules[P_OBJTOOL]);
			if (s == 0 && c->nforbidden)
				CHECK(!corr_is_forbidden(c, i, t));
			if (cs->evidence == EV_USE)
				CHECK(cs->rule == rules[P_USE] && a->bind == STB_LOCAL && b->bind == STB_LOCAL);
			if (cs->evidence == EV_DIGEST)
				CHECK((cs->flags & CS_DIGEST) && (ts->flags & CS_DIGEST) && cs->digest == ts->digest);
			if (s == 0) {
				corr_status st = corr_pair_status(c, i);
				CHECK(st == ST_SAME || st == ST_CHANGED || st == ST_UNKNOWN || st == ST_LINE);
				(void)corr_status_name(st);
				/* The same bytes, keys and children: the same digest. */
				if (self && t == i)
					CHECK(st != ST_CHANGED);
			}
		}
		/* The open list is exactly the unpaired eligible symbols, in order. */
		size_t nopen;
		const uint32_t *open = corr_open_symbols(c, s, &nopen);
		CHECK(open != NULL);
		size_t j = 0;
		for (uint32_t i = 1; i < k->nsymbols; i++)
			if (c->side[s].syms[i].twin == CORR_NONE && corr_eligible(c, s, i)) {
				CHECK(j < nopen && open[j] == i);
				j++;
			}
		CHECK(j == nopen);
	}
	/* FILE pairs are mutual; against itself FILE alignment is the identity. */
	for (int s = 0; s < 2; s++)
		for (size_t f = 0; f < c->side[s].k->nfiles; f++) {
			int32_t g = c->side[s].file_pair[f];
			if (self && g != (int32_t)f) {
				const kelf *k = c->side[s].k;
				fprintf(stderr, "elf_fuzz: side %d FILE %zu paired with %d against itself\n", s, f, g);
				for (size_t x = 0; x < k->nfiles; x++)
					fprintf(stderr, "  FILE %zu: symbol %u '%s' -> %d%s\n", x, k->files[x],
						k->symbols[k->files[x]].name, c->side[s].file_pair[x],
						s == 0 && c->file_positional[x] ? " (positional)" : "");
				abort();
			}
			if (g == CORR_NONE)
				continue;
			CHECK(g >= 0 && (size_t)g < c->side[!s].k->nfiles && c->side[!s].file_pair[g] == (int32_t)f);
		}
	/* Unit maps point at patched units. */
	uint32_t nunits_b = (uint32_t)c->side[1].k->nfiles + c->side[1].ntus;
	for (size_t u = 0; u < c->nunits_orig; u++) {
		uint32_t m = c->map_tu[u], f = c->map_file[u];
		CHECK(m == 0 || m == UNIT_CONFLICT || (m > c->side[1].k->nfiles && m <= nunits_b));
		CHECK(f == 0 || f == UNIT_CONFLICT || (f >= 1 && f <= c->side[1].k->nfiles));
	}
}

/* .cold/.part children: a FUNC whose key is its parent's plus ".cold" or
 * ".part", in the same FILE (or one of them without). */
static void check_children(corr *c)
{
	for (int s = 0; s < 2; s++) {
		const kelf *k = c->side[s].k;
		for (uint32_t i = 1; i < k->nsymbols; i++) {
			const corr_sym *cs = &c->side[s].syms[i];
			if (cs->parent == CORR_NONE)
				continue;
			CHECK(cs->parent > 0 && (size_t)cs->parent < k->nsymbols && (uint32_t)cs->parent != i);
			const kelf_symbol *ch = &k->symbols[i], *pa = &k->symbols[cs->parent];
			const corr_sym *ps = &c->side[s].syms[cs->parent];
			CHECK(ch->type == STT_FUNC && pa->type == STT_FUNC && corr_eligible(c, s, i));
			CHECK(ch->file == pa->file || ch->file == KELF_NO_FILE || pa->file == KELF_NO_FILE);
			CHECK(cs->key_len > ps->key_len + 1 && memcmp(cs->key, ps->key, ps->key_len) == 0 &&
			      cs->key[ps->key_len] == '.');
			const char *kind = cs->key + ps->key_len + 1;
			CHECK(strcmp(kind, "cold") == 0 || strcmp(kind, "part") == 0);
		}
	}
}

/* Digests: only on the FUNC and OBJECT symbols defined in a real section of
 * a side that is compared (a relocatable object, a linked image with its
 * relocations or read by address); every relocation target resolves to a
 * symbol of the right section covering the offset. */
static void check_digests(corr *c)
{
	for (int s = 0; s < 2; s++) {
		const kelf *k = c->side[s].k;
		for (uint32_t i = 1; i < k->nsymbols; i++) {
			const kelf_symbol *sym = &k->symbols[i];
			if (c->side[s].syms[i].flags & CS_DIGEST)
				CHECK(c->side[s].uncompared[0] == '\0' && (sym->type == STT_FUNC || sym->type == STT_OBJECT) &&
				      sym->shndx != 0 && sym->shndx < k->nsections);
			if (i < 16) {
				uint32_t rank = 0, count = 0;
				CHECK(corr_same_named(c, s, i, (int)(i & 1), &rank, &count) == 0);
				int listed = sym->shndx != 0 && (sym->type == STT_FUNC || sym->type == STT_OBJECT);
				CHECK(rank >= 1 && (listed ? rank <= count : rank <= count + 1));
			}
		}
		if (k->etype != ET_REL)
			continue;
		CHECK(k->reloc_start != NULL);
		for (size_t r = 0; r < k->nrelocs; r++) {
			const kelf_reloc *rel = &k->relocs[r];
			uint64_t inner = UINT64_MAX;
			int32_t t = corr_reloc_target(c, s, rel, &inner);
			const kelf_symbol *named = &k->symbols[rel->sym];
			if (named->type != STT_SECTION) {
				CHECK(t == (int32_t)rel->sym && inner == 0);
				continue;
			}
			if (t == CORR_NONE)
				continue;
			CHECK(t > 0 && (size_t)t < k->nsymbols);
			const kelf_symbol *ts = &k->symbols[t];
			CHECK(ts->shndx == named->shndx && ts->type != STT_SECTION && ts->type != STT_FILE);
			CHECK(inner < ts->size || inner == 0);
		}
	}
}

/* The analysis agrees with corr_candidates and lists valid symbols. */
static void check_analysis(corr *c)
{
	CHECK(corr_analyse(c) == 0);
	CHECK(c->analysed);
	/* A second call reuses the first. */
	corr_ambiguity *amb = c->amb;
	CHECK(corr_analyse(c) == 0 && c->amb == amb);
	uint32_t cand[64];
	for (size_t a = 0; a < c->namb; a++) {
		const corr_ambiguity *x = &c->amb[a];
		CHECK(x->side == 0 || x->side == 1);
		const kelf *k = c->side[x->side].k, *o = c->side[!x->side].k;
		CHECK(x->index < k->nsymbols && corr_eligible(c, x->side, x->index));
		CHECK(c->side[x->side].syms[x->index].twin == CORR_NONE);
		CHECK(x->ncand <= x->total && x->ncand <= 64 && x->total > 0);
		if (a > 0)
			CHECK(c->amb[a - 1].side < x->side ||
			      (c->amb[a - 1].side == x->side && c->amb[a - 1].index < x->index));
		for (uint32_t j = 0; j < x->ncand; j++) {
			uint32_t b = x->cand[j];
			CHECK(b < o->nsymbols && corr_eligible(c, !x->side, b));
			CHECK(c->side[!x->side].syms[b].twin == CORR_NONE);
			CHECK(k->symbols[x->index].type == o->symbols[b].type);
			CHECK(corr_file_compatible(c, x->side, x->index, b));
		}
		/* The same candidates as corr_candidates counts (bounded work). */
		if (a < 64) {
			size_t n = corr_candidates(c, x->side, x->index, cand, 64);
			if (n != x->total) {
				fprintf(stderr, "elf_fuzz: ambiguity %d:%u total %u, corr_candidates %zu\n", x->side,
					x->index, x->total, n);
				abort();
			}
			CHECK(corr_candidates(c, x->side, x->index, NULL, 0) == n);
		}
	}
	for (size_t i = 0; i < c->nclones; i++) {
		const corr_clone_change *cc = &c->clones[i];
		CHECK(cc->orig < c->side[0].k->nsymbols && cc->patched < c->side[1].k->nsymbols);
		CHECK(corr_eligible(c, 0, cc->orig) && corr_eligible(c, 1, cc->patched));
		CHECK(c->side[0].syms[cc->orig].twin == CORR_NONE && c->side[1].syms[cc->patched].twin == CORR_NONE);
		const corr_sym *a = &c->side[0].syms[cc->orig], *b = &c->side[1].syms[cc->patched];
		CHECK(a->base_len == b->base_len && memcmp(a->base, b->base, a->base_len) == 0);
		CHECK(!(a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0));
		if (i > 0)
			CHECK(c->clones[i - 1].orig <= cc->orig);
	}
	/* Every unpaired symbol with candidates is listed as ambiguous (the
	 * first 64 of each side: corr_candidates is linear). */
	for (int s = 0; s < 2; s++) {
		size_t checked = 0;
		for (uint32_t i = 1; i < c->side[s].k->nsymbols && checked < 64; i++) {
			if (c->side[s].syms[i].twin != CORR_NONE || !corr_eligible(c, s, i))
				continue;
			checked++;
			size_t n = corr_candidates(c, s, i, cand, 64);
			for (size_t j = 0; j < n && j < 64; j++)
				CHECK(c->side[!s].syms[cand[j]].twin == CORR_NONE && corr_eligible(c, !s, cand[j]));
			int listed = 0;
			for (size_t a = 0; a < c->namb && !listed; a++)
				listed = c->amb[a].side == s && c->amb[a].index == i;
			if (listed != (n > 0)) {
				fprintf(stderr, "elf_fuzz: %d:%u '%s' has %zu candidates but listed=%d\n", s, i,
					c->side[s].k->symbols[i].name, n, listed);
				abort();
			}
		}
	}
}

/* Perturbs the patched side's keys, TU units and exclusions (before FILE
 * alignment): renamed keys, swapped keys, gained or lost TU suffixes,
 * numbering flags, exclusions. */
static void perturb(corr *c, uint64_t seed)
{
	corr_side *sd = &c->side[1];
	const kelf *k = sd->k;
	uint32_t tu_unit = 0, prev = 0; /* some symbol's TU unit, before any change */
	for (uint32_t i = 1; i < k->nsymbols && !tu_unit; i++)
		if (sd->syms[i].flags & CS_TU)
			tu_unit = sd->syms[i].unit;
	for (uint32_t i = 1; i < k->nsymbols; i++) {
		if (!corr_eligible(c, 1, i))
			continue;
		corr_sym *cs = &sd->syms[i];
		uint64_t h = klp_hash_mix(seed, k->symbols[i].hash) ^ i;
		switch (h % 11) {
		case 0: { /* the key gains a suffix: foo -> foo.p<n> */
			char buf[64];
			int n = snprintf(buf, sizeof buf, ".p%u", (unsigned)((h >> 8) % 3));
			char *key = malloc(cs->key_len + (size_t)n + 1);
			CHECK(key != NULL);
			memcpy(key, cs->key, cs->key_len);
			memcpy(key + cs->key_len, buf, (size_t)n + 1);
			corr_keyresult r = { .key = key, .key_len = cs->key_len + (size_t)n };
			CHECK(corr_own_key(c, &r) == 0);
			free(key);
			int same_base = cs->base == cs->key;
			cs->key = r.key;
			cs->key_len = (uint32_t)r.key_len;
			cs->key_hash = klp_hash(cs->key, cs->key_len);
			if (same_base && (h >> 12) % 2) {
				cs->base = cs->key;
				cs->base_len = cs->key_len;
				cs->base_hash = cs->key_hash;
			}
			break;
		}
		case 1: /* swap keys with the previous eligible symbol */
			if (prev) {
				corr_sym *ps = &sd->syms[prev];
				const char *key = cs->key;
				uint32_t len = cs->key_len;
				uint64_t hash = cs->key_hash;
				cs->key = ps->key, cs->key_len = ps->key_len, cs->key_hash = ps->key_hash;
				ps->key = key, ps->key_len = len, ps->key_hash = hash;
			}
			break;
		case 2: /* gains another symbol's TU suffix */
			if (tu_unit) {
				cs->unit = tu_unit;
				cs->flags |= CS_TU;
			}
			break;
		case 3: /* loses its TU suffix */
			if (cs->flags & CS_TU) {
				cs->flags &= (uint8_t)~CS_TU;
				cs->unit = k->symbols[i].file == KELF_NO_FILE ? 0 : (uint32_t)k->symbols[i].file + 1;
			}
			break;
		case 4:
			cs->flags ^= CS_NUMBERED;
			break;
		case 5:
			if ((h >> 16) % 3 == 0)
				corr_exclude(c, 1, i);
			break;
		default:
			break;
		}
		prev = i;
	}
}

/* How the patched side relates to the original one. */
enum { SELF, PERTURBED_KEYS, MUTATED_NAMES };

static void correlate(kelf *a, kelf *b, int in_order, int mode, uint64_t seed)
{
	int self = mode == SELF;
	corr *c = corr_new(a, b);
	CHECK(c != NULL);
	static const char *const prefixes[] = { "__pfx_", ".L", "$", NULL };
	static const char *const sections[] = { "__jump_table", ".modinfo", NULL };
	static const char *const section_prefixes[] = { ".discard.", ".rodata.cst", NULL };
	corr_exclusion x = { .types = 1u << STT_SECTION | 1u << STT_FILE, .abs = 1, .prefixes = prefixes,
			     .sections = sections, .section_prefixes = section_prefixes,
			     .section_flags = SHF_STRINGS };
	CHECK(corr_exclude_matching(c, &x) == 0);

	keyctx *kc = malloc(sizeof *kc);
	CHECK(kc != NULL);
	kc->c = c;
	static const char *const contains[] = { ".", NULL };
	static const char *const key_prefixes[] = { "__UNIQUE_ID_", "__initcall__", NULL };
	size_t slots = corr_key_memo_slots(c);
	CHECK(slots >= 16 && (slots & (slots - 1)) == 0);
	uint32_t *memo = malloc(slots * sizeof *memo);
	CHECK(memo != NULL);
	CHECK(corr_assign_keys(c, contains, key_prefixes, fuzz_key, kc, memo, slots) == 0);
	free(memo);
	free(kc);

	if (mode == PERTURBED_KEYS)
		perturb(c, seed);
	c->tu_first_wins = in_order;

	char msg[512];
	memset(msg, 'x', sizeof msg);
	CHECK(corr_align_files(c, in_order, msg, sizeof msg) == 0);
	/* The message quotes FILE names as they are: it may hold any byte but NUL. */
	CHECK(memchr(msg, '\0', sizeof msg) != NULL);
	CHECK(!msg[0] || (in_order && strncmp(msg, "FILE symbol mismatch: ", 22) == 0));
	if (self)
		CHECK(msg[0] == '\0');

	static const char *const kinds[] = { "cold", "part", NULL };
	CHECK(corr_link_children(c, kinds) == 0);
	check_children(c);
	char err[512];
	memset(err, 'x', sizeof err);
	if (corr_compute_digests(c, err, sizeof err) != 0) {
		/* klp stops here (a policy error); the harness goes on: the
		 * engine must cope without digests (linked images have none). */
		check_message(err, sizeof err);
		if (verbose)
			fprintf(stderr, "elf_fuzz: mode %d: no digests: %s\n", mode, err);
	} else {
		check_digests(c);
	}

	pass_def d[NPASSES];
	make_passes(d);
	uint16_t rules0[NPASSES] = { 0 };
	check_pairs(c, rules0, self); /* FILE alignment, before any pass */
	uint16_t rules[NPASSES];
	for (int p = 0; p < NPASSES; p++) {
		int id = corr_rule_id(c, d[p].rule);
		CHECK(id >= 0 && corr_rule_id(c, d[p].rule) == id);
		d[p].p.rule = rules[p] = (uint16_t)id;
	}

	if (!self) {
		/* A few forbidden pairs and watched symbols, as a policy's `never`
		 * and --why have (both are linear scans per symbol). */
		size_t watched = 0, forbidden = 0;
		for (uint32_t i = 1; i < a->nsymbols && i < b->nsymbols; i++) {
			uint64_t h = klp_hash_mix(seed ^ 0x5bd1e995u, i);
			if (h % 13 == 0 && forbidden < 3) {
				CHECK(corr_forbid(c, i, i) == 0);
				forbidden++;
			}
			if (h % 7 == 0 && watched < 8) {
				corr_watch(c, (int)(h >> 8) & 1, i);
				watched++;
			}
		}
	}

	run(c, &d[P_EXACT]);
	check_pairs(c, rules, self);
	if (self)
		check_self_unique(c);
	run_evidence(c, d);
	run(c, &d[P_POSITIONAL]);
	run_evidence(c, d);
	check_pairs(c, rules, self);
	check_analysis(c);
	run(c, &d[P_BIND]);
	run(c, &d[P_OBJTOOL]);
	check_pairs(c, rules, self);
	check_analysis(c);
	run(c, &d[P_GREEDY]);
	/* The pairs whose digests differ, decided by their instructions. */
	static const char *const line_fns[] = { "__might_sleep", "printk", "f" };
	CHECK(corr_set_line_functions(c, line_fns, 3, (corr_line_mode)(seed % 3)) == 0);
	char why[320];
	memset(why, 'x', sizeof why);
	CHECK(corr_compare_code(c, why, sizeof why) == 0);
	if (why[0])
		check_message(why, sizeof why);
	check_pairs(c, rules, self);
	if (self)
		check_self_unique(c);
	check_analysis(c);
	if (!in_order)
		check_diffs(c, self);

	if (verbose) {
		size_t paired = 0;
		for (uint32_t i = 1; i < a->nsymbols; i++)
			paired += c->side[0].syms[i].twin != CORR_NONE;
		fprintf(stderr, "elf_fuzz: mode %d%s: %zu/%zu symbols paired, %zu ambiguous, %zu clone changes, %zu events%s%s\n",
			mode, in_order ? " in-order" : "", paired, a->nsymbols, c->namb, c->nclones, c->nevents,
			msg[0] ? ", " : "", msg);
	}

	/* The explicit pair primitive refuses excluded, FILE, SECTION and paired symbols. */
	for (uint32_t i = 1; i < a->nsymbols && i < b->nsymbols && i < 64; i++) {
		int expect_ok = corr_eligible(c, 0, i) && corr_eligible(c, 1, i) &&
				c->side[0].syms[i].twin == CORR_NONE && c->side[1].syms[i].twin == CORR_NONE &&
				!(c->nforbidden && corr_is_forbidden(c, i, i));
		int rc = corr_pair(c, i, i, rules[P_EXACT], EV_EXPLICIT);
		CHECK((rc == 0) == expect_ok);
	}
	/* Pairs made by hand no longer respect the pass invariants: only the
	 * structural ones are checked from here. */
	CHECK(corr_analyse(c) == 0);

	for (size_t e = 0; e < c->nevents; e++) {
		const corr_event *ev = &c->events[e];
		CHECK(ev->side <= 1 && ev->outcome < OUT_COUNT && ev->rule < c->nrules);
		CHECK(ev->index < c->side[ev->side].k->nsymbols);
		for (uint32_t j = 0; j < ev->ncand && j < CORR_TRACE_CAND; j++)
			CHECK(ev->cand[j] < c->side[!ev->side].k->nsymbols);
	}
	corr_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (input_fd < 0)
		LLVMFuzzerInitialize(NULL, NULL);
	write_file(input_fd, data, size);
	char err[256];
	memset(err, 'x', sizeof err);
	kelf *a = kelf_open(input_path, err, sizeof err);
	if (!a) {
		check_message(err, sizeof err);
		if (verbose)
			fprintf(stderr, "elf_fuzz: not loaded: %s\n", err);
		return 0;
	}
	check_kelf(a);
	kelf *b = kelf_open(input_path, err, sizeof err);
	CHECK(b != NULL); /* the same bytes load twice */
	CHECK(b->nsymbols == a->nsymbols && b->nsections == a->nsections && b->nfiles == a->nfiles);
	kelf_release_file(b); /* the arrays stay usable without the descriptor */
	check_relocs(a);
	check_decoder(a);

	uint64_t seed = klp_hash((const char *)data, size);
	correlate(a, b, 0, SELF, seed);
	correlate(a, b, 1, SELF, seed);
	correlate(a, b, 0, PERTURBED_KEYS, seed);
	correlate(a, b, 1, PERTURBED_KEYS, seed ^ 0x9e3779b97f4a7c15ull);
	kelf *m = load_mutated(a, data, size, seed);
	if (m) {
		check_kelf(m);
		correlate(a, m, 0, MUTATED_NAMES, seed);
		correlate(a, m, 1, MUTATED_NAMES, seed);
		kelf_close(m);
	}
	kelf_close(a);
	kelf_close(b);
	return 0;
}
