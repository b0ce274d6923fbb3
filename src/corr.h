/* corr: the correlator's state.
 *
 * A correlator pairs the symbols of an original (side 0) and a patched (side 1)
 * kelf.  It knows nothing of policy: the caller gives each symbol a key
 * (keys.h), says which symbols are excluded (exclude.h), aligns the FILE
 * symbols (align.h) and runs passes (pass.h); what is left is analysed
 * (analyse.h) and classified (changes.h).  This header holds the state they
 * share and the few rules every one of them applies. */
#ifndef KLP_CORR_H
#define KLP_CORR_H

#include <stddef.h>
#include <stdint.h>

#include <elf.h>

#include "evidence.h"
#include "kelf.h"
#include "table.h"

enum { CORR_ORIG = 0, CORR_PATCHED = 1 };

#define CORR_NONE (-1)

/* A map_tu/map_file entry whose pairs disagree (corr.map_tu). */
#define CORR_UNIT_CONFLICT UINT32_MAX

/* Per-symbol flags. */
enum {
	CS_EXCLUDED = 1u << 0,   /* never correlated */
	CS_NUMBERED = 1u << 1,   /* the key dropped a renumberable counter */
	CS_TU = 1u << 2,         /* carries a translation-unit suffix (.llvm.<hash>) */
	CS_WATCHED = 1u << 3,    /* passes record what they see of it (trace.h) */
	CS_DIGEST = 1u << 4,     /* digest holds a content digest */
	CS_CODE_SAME = 1u << 5,  /* digests differ, but decoded, the code is the same (compare.h) */
	CS_CODE_LINE = 1u << 6,  /* digests differ only in line numbers (compare.h) */
	CS_VOTED = 1u << 7,      /* a vote of the use pass named it, agreed or disputed (use.c) */
};

/* Per-symbol correlation state. */
typedef struct corr_sym {
	const char *key, *base;
	uint64_t key_hash, base_hash;
	uint64_t own;      /* content digest of its own bytes (CS_DIGEST) */
	uint64_t digest;   /* own, with its .cold/.part children folded in */
	int32_t parent;    /* the function this .cold/.part child belongs to, or CORR_NONE */
	uint32_t key_len, base_len;
	uint32_t unit;     /* 0 none; 1..nfiles file units; above: TU suffix units */
	int32_t twin;      /* index on the other side, or CORR_NONE */
	uint16_t rule;     /* the pass that paired it (corr->rules) */
	uint8_t evidence;  /* a corr_evidence */
	uint8_t flags;     /* CS_* */
} corr_sym;

struct klp_index;
typedef struct corr_arena_block corr_arena_block;
typedef struct corr_forbidden_pair corr_forbidden_pair;
typedef struct corr_ambiguity corr_ambiguity;
typedef struct corr_clone_change corr_clone_change;
typedef struct corr_event corr_event;
typedef struct corr_decoded_refs corr_decoded_refs;

typedef struct corr_side {
	kelf *k;
	corr_sym *syms;
	struct klp_index *names; /* every symbol by name (sympos.h), built on demand */
	uint32_t *by_section; /* named symbols sorted by (section, value), for targets */
	size_t *section_start;/* by_section range of each section */
	int32_t *prev_anchor, *next_anchor; /* per symbol, the paired symbols around it (layout.h) */
	uint32_t *by_address; /* a linked image's loaded sections sorted by address (corr_section_at) */
	size_t naddressed;
	uint64_t toc;         /* ppc64 linked image: the TOC pointer (r2) its code uses, or 0 */
	int read_by_address;  /* a linked image without relocations: references are read by address (digest.c) */
	uint32_t *open;      /* unpaired eligible symbols (corr_open_symbols) */
	size_t nopen;
	int open_stale;      /* exclusions changed: rebuild the list */
	int32_t *file_pair;  /* per FILE symbol: index of its twin FILE, or CORR_NONE */
	uint32_t ntus;       /* distinct TU suffixes */
	char **tu_names;     /* TU suffix of each TU unit (index unit - nfiles - 1) */
	klp_table tus;       /* tu_names indices by name (keys.c) */
	char uncompared[320]; /* why its contents have no digests (digest.c), or "" */
} corr_side;

typedef struct corr {
	corr_side side[2];
	uint32_t *map_tu, *map_file;   /* orig unit -> patched unit learned from pairs */
	uint8_t *file_positional;      /* per orig FILE: its pair was decided by position */
	size_t nunits_orig;
	char **rules;                  /* pass names, by rule id */
	size_t nrules;
	corr_arena_block *arena;       /* strings the correlator owns (keys.c) */
	corr_ambiguity *amb;           /* the last analysis (analyse.h) */
	size_t namb, amb_cap;
	corr_clone_change *clones;
	size_t nclones;
	int analysed;                  /* amb and clones describe the current pairs */
	int tu_first_wins;             /* the first pair of a TU fixes its map (objtool) */
	corr_forbidden_pair *forbidden;  /* pairs never to make (forbid.h) */
	size_t nforbidden;
	char **line_fns;               /* the policy's line-taking callees (line.h) */
	uint64_t *line_hashes;         /* klp_hash of each */
	size_t nline_fns;
	int line_mode;                 /* a corr_line_mode */
	corr_decoded_refs *decoded[2]; /* per side, the decoded calls the use pass found (use.c) */
	int watching;                  /* some symbol is watched (trace.h) */
	corr_event *events;
	size_t nevents, events_cap;
} corr;

corr *corr_new(kelf *orig, kelf *patched);
void corr_free(corr *c);

/* Interns a rule (pass) name; returns its id, or -1 when out of memory. */
int corr_rule_id(corr *c, const char *name);

/* Marks a symbol excluded (never correlated); a paired symbol stays paired. */
void corr_exclude(corr *c, int side, uint32_t i);

/* True when a symbol of side s may take part in correlation at all. */
static inline int corr_eligible(const corr *c, int side, uint32_t i)
{
	const kelf_symbol *s = &c->side[side].k->symbols[i];
	return i != 0 && !(c->side[side].syms[i].flags & CS_EXCLUDED) && s->type != STT_FILE &&
	       s->type != STT_SECTION;
}

/* The still-unpaired eligible symbols of one side, in symtab order, as a
 * list that shrinks as pairs are made (passes walk it, not every symbol).
 * Returns NULL when out of memory; *n is its length. */
const uint32_t *corr_open_symbols(corr *c, int side, size_t *n);

/* Whether orig/patched symbols i (of side) and j (other side) may share a
 * translation unit: twin FILEs, or at least one without FILE. */
int corr_file_compatible(const corr *c, int side, uint32_t i, uint32_t j);

#endif
