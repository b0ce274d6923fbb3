/* corr: the correlation engine.
 *
 * A correlator pairs the symbols of an original (side 0) and a patched (side 1)
 * kelf.  It knows nothing of policy: the caller gives each symbol a key (from the
 * suffix rules), says which symbols are excluded, and runs passes, each described
 * by a corr_pass.  The engine groups candidates with hash tables, breaks ties only
 * with the evidence a pass names, and records which pass and evidence made every
 * pair. */
#ifndef KLP_CORR_H
#define KLP_CORR_H

#include <stddef.h>
#include <stdint.h>

#include <elf.h>

#include "evidence.h"
#include "kelf.h"

enum { CORR_ORIG = 0, CORR_PATCHED = 1 };

#define CORR_NONE (-1)

/* Per-symbol flags. */
enum {
	CS_EXCLUDED = 1u << 0,   /* never correlated */
	CS_NUMBERED = 1u << 1,   /* the key dropped a renumberable counter */
	CS_TU = 1u << 2,         /* carries a translation-unit suffix (.llvm.<hash>) */
	CS_WATCHED = 1u << 3,    /* passes record what they see of it (corr_watch) */
	CS_DIGEST = 1u << 4,     /* digest holds a content digest */
};

/* Which string a pass groups by. */
typedef enum corr_keysel { KEY_NAME, KEY_KEY } corr_keysel;

/* How a pass treats FILE ownership. */
typedef enum corr_filemode {
	FILE_SAME,        /* only within one (paired) FILE, or both without */
	FILE_COMPATIBLE,  /* twin FILEs, or at least one side without FILE */
	FILE_ANY,         /* ignore FILE symbols */
} corr_filemode;

/* A side filter: which of that side's symbols a pass considers. */
typedef enum corr_filefilter { FF_ANY, FF_WITH_FILE, FF_WITHOUT_FILE } corr_filefilter;

#define CORR_MAX_REFINE 8

typedef struct corr_pass {
	uint16_t rule;           /* index from corr_rule_id, recorded on each pair */
	corr_keysel key;
	corr_filemode file;
	int numbered_guard;      /* numbered symbols only where their key group is unchanged */
	corr_filefilter filter[2];
	size_t nrefine;
	corr_refine refine[CORR_MAX_REFINE];
	int cumulative;          /* each refinement adds to the ones before it */
	int greedy;              /* then pair each orig with its first candidate */
	int positional;          /* then break equal-count ties by position */
	size_t nposmatch;        /* positional candidates must agree on these */
	corr_refine posmatch[CORR_MAX_REFINE];
} corr_pass;

/* One observation of a watched symbol by a pass (for --why). */
typedef struct corr_event {
	uint16_t rule;
	uint8_t side, outcome, evidence;
	uint32_t index;
	int32_t twin;
	uint32_t ncand;     /* candidates the pass saw on the other side */
	uint32_t *cand;     /* up to CORR_TRACE_CAND of them */
} corr_event;

#define CORR_TRACE_CAND 32

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
	uint16_t rule;
	uint8_t evidence;
	uint8_t flags;
} corr_sym;

typedef struct corr_arena_block corr_arena_block;
typedef struct corr_forbidden_pair corr_forbidden_pair;

typedef struct corr_side {
	kelf *k;
	corr_sym *syms;
	struct corr_index *names; /* every symbol by name (corr_same_named), built on demand */
	uint32_t *by_section; /* named symbols sorted by (section, value), for targets */
	size_t *section_start;/* by_section range of each section */
	uint32_t *open;      /* unpaired eligible symbols (corr_open_symbols) */
	size_t nopen;
	int open_stale;      /* exclusions changed: rebuild the list */
	int32_t *file_pair;  /* per FILE symbol: index of its twin FILE, or CORR_NONE */
	uint32_t ntus;       /* distinct TU suffixes */
	char **tu_names;     /* TU suffix of each TU unit (index unit - nfiles - 1) */
	uint32_t *tu_slots;  /* hash table of tu_names indices + 1 */
	size_t tu_cap;       /* slots in tu_slots */
} corr_side;

/* A symbol left unpaired although the other side had candidates. */
typedef struct corr_ambiguity {
	int side;
	uint32_t index;
	uint32_t ncand;     /* listed in cand (at most 64) */
	uint32_t total;     /* candidates in all */
	uint32_t *cand;
} corr_ambiguity;

/* An unpaired orig symbol whose function reappears under another clone kind. */
typedef struct corr_clone_change {
	uint32_t orig, patched;
} corr_clone_change;

typedef struct corr {
	corr_side side[2];
	uint32_t *map_tu, *map_file;   /* orig unit -> patched unit learned from pairs */
	uint8_t *file_positional;      /* per orig FILE: its pair was decided by position */
	size_t nunits_orig;
	char **rules;
	size_t nrules;
	corr_arena_block *arena;
	corr_ambiguity *amb;
	size_t namb, amb_cap;
	corr_clone_change *clones;
	size_t nclones;
	int analysed;
	int tu_first_wins;            /* the first pair of a TU fixes its map (objtool) */
	corr_forbidden_pair *forbidden;  /* pairs never to make */
	size_t nforbidden;
	int watching;                 /* some symbol is watched */
	corr_event *events;
	size_t nevents, events_cap;
} corr;

corr *corr_new(kelf *orig, kelf *patched);
void corr_free(corr *c);

/* Interns a rule (pass) name; returns its id, or -1 when out of memory. */
int corr_rule_id(corr *c, const char *name);

/* What the suffix rules say of one name.  NULL key or base means "same as the
 * name" / "same as the key"; tu is the translation-unit suffix or NULL. */
typedef struct corr_keyresult {
	const char *key, *base, *tu;
	size_t key_len, base_len, tu_len;
	int numbered, excluded;
} corr_keyresult;

/* Computes the key result of a name for a symbol of type stt; returns 0, or
 * non-zero to stop. */
typedef int (*corr_keyfn)(void *ud, const char *name, size_t len, unsigned stt, corr_keyresult *out);

/* Copies a key result's strings into the correlator (for a keyfn whose
 * strings do not outlive it). */
int corr_own_key(corr *c, corr_keyresult *r);

/* Keys every eligible symbol whose name contains one of `contains` or starts
 * with one of `prefixes` (NULL-terminated lists), calling fn once per distinct
 * name and type; other symbols keep their name as key.  memo is scratch space
 * of corr_key_memo_slots() entries, owned by the caller.  Returns 0, -1 when
 * out of memory, or fn's non-zero result. */
int corr_assign_keys(corr *c, const char *const *contains, const char *const *prefixes, corr_keyfn fn,
		     void *ud, uint32_t *memo, size_t memo_slots);

/* The number of memo slots corr_assign_keys needs (a power of two). */
size_t corr_key_memo_slots(const corr *c);

/* The TU suffix of a symbol, or NULL. */
const char *corr_tu_name(const corr *c, int side, uint32_t i);

/* Marks a symbol excluded (never correlated). */
void corr_exclude(corr *c, int side, uint32_t i);

/* Symbols never correlated, by kind, name prefix or section. */
typedef struct corr_exclusion {
	unsigned types;                /* bit per STT_* value */
	int abs, undefined;
	const char *const *prefixes;   /* NULL-terminated */
	const char *const *sections;   /* exact section names, NULL-terminated */
	const char *const *section_prefixes;
	uint64_t section_flags;        /* any of these sh_flags */
} corr_exclusion;

/* Excludes every symbol of both sides that x matches; -1 when out of memory. */
int corr_exclude_matching(corr *c, const corr_exclusion *x);

/* Pairs FILE symbols and seeds the unit maps; call after keys are set.  By
 * default, a name found once on each side pairs by name; repeated names (GCC
 * and clang write basenames: core.c, main.c) pair by the local keys their
 * blocks share, then by position between equal counts, marked in
 * file_positional.  With in_order, FILE symbols pair in order only while
 * names agree; the first mismatch is described in msg (left empty otherwise).
 * Returns -1 when out of memory. */
int corr_align_files(corr *c, int in_order, char *msg, size_t msglen);

/* Runs one pass; returns the number of pairs it made, or -1 on ENOMEM. */
long corr_run_pass(corr *c, const corr_pass *p);

/* Never pair orig symbol a with patched symbol b; -1 when out of memory. */
int corr_forbid(corr *c, uint32_t a, uint32_t b);
int corr_is_forbidden(const corr *c, uint32_t a, uint32_t b);

/* Marks a symbol so that passes record what they see of it (c->events). */
void corr_watch(corr *c, int side, uint32_t i);

/* Records an event for a watched symbol (what a pass saw of it); drops it
 * when out of memory, which only shortens an explanation. */
void corr_trace(corr *c, uint16_t rule, int side, uint32_t i, corr_outcome out, const uint32_t *cand,
		size_t ncand);
void corr_free_events(corr *c);

/* Whether orig/patched symbols i (of side) and j (other side) may share a
 * translation unit: twin FILEs, or at least one without FILE. */
int corr_file_compatible(const corr *c, int side, uint32_t i, uint32_t j);

/* Pairs two symbols; returns 0, or -1 when either is excluded or paired, or
 * the pair is forbidden. */
int corr_pair(corr *c, uint32_t orig, uint32_t patched, uint16_t rule, corr_evidence ev);

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

/* Forgets the last analysis. */
void corr_clear_analysis(corr *c);

/* Fills c->amb and c->clones from what is still unpaired; -1 on ENOMEM. */
int corr_analyse(corr *c);

/* Candidates for symbol i of side s on the other side: unpaired, eligible, same
 * key and type, and compatible FILE.  Writes up to max indices; returns the count. */
size_t corr_candidates(const corr *c, int side, uint32_t i, uint32_t *out, size_t max);

/* Links, on both sides, every function whose key ends in ".KIND" for one of
 * kinds (NULL-terminated: "cold", "part") to the one function of the key
 * without it in the same FILE.  Returns -1 when out of memory. */
int corr_link_children(corr *c, const char *const *kinds);

/* Computes the content digests of both sides (relocatable objects only; a
 * linked image keeps none).  Returns 0, or -1 with a one-line message. */
int corr_compute_digests(corr *c, char *err, size_t errlen);

/* Where a relocation of side `side` points: the symbol it names, or for a
 * section symbol the symbol covering the target (with *inner the offset in
 * it); CORR_NONE when nothing covers it. */
int32_t corr_reloc_target(const corr *c, int side, const kelf_reloc *r, uint64_t *inner);

/* Pairs unpaired local statics by use: where the twins of a function pair
 * reference same-keyed statics in the same order; returns pairs made or -1. */
long corr_pair_by_use(corr *c, uint16_t rule);

/* Where symbol i stands among the defined FUNC and OBJECT symbols of its
 * side with the same name: *rank (1-based) in symtab order, or in address
 * order with by_address (the kernel's kallsyms order in a linked image), and
 * *count of them.  Returns -1 when out of memory. */
int corr_same_named(corr *c, int side, uint32_t i, int by_address, uint32_t *rank, uint32_t *count);

/* A pair's status. */
corr_status corr_pair_status(const corr *c, uint32_t orig);

#endif
