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

#include "kelf.h"

enum { CORR_ORIG = 0, CORR_PATCHED = 1 };

#define CORR_NONE (-1)

/* Per-symbol flags. */
enum {
	CS_EXCLUDED = 1u << 0,   /* never correlated */
	CS_NUMBERED = 1u << 1,   /* the key dropped a renumberable counter */
	CS_TU = 1u << 2,         /* carries a translation-unit suffix (.llvm.<hash>) */
};

/* What made a pair, beyond the pass that made it. */
typedef enum corr_evidence {
	EV_UNIQUE,      /* the only candidate on both sides */
	EV_TU,          /* the translation-unit map singled it out */
	EV_SIZE,        /* equal size singled it out */
	EV_BIND,        /* equal binding singled it out */
	EV_POSITIONAL,  /* tie broken by position among equal counts */
	EV_EXPLICIT,    /* paired by a caller (policy or custom pass) */
	EV_COUNT
} corr_evidence;

/* Evidence a pass may use to split a group that is not one-to-one. */
typedef enum corr_refine { REFINE_TU, REFINE_SIZE, REFINE_BIND } corr_refine;

/* Which string a pass groups by. */
typedef enum corr_keysel { KEY_NAME, KEY_KEY } corr_keysel;

/* A side filter: which of that side's symbols a pass considers. */
typedef enum corr_filefilter { FF_ANY, FF_WITH_FILE, FF_WITHOUT_FILE } corr_filefilter;

typedef struct corr_pass {
	uint16_t rule;           /* index from corr_rule_id, recorded on each pair */
	corr_keysel key;
	int same_file;           /* group only within the same (paired) FILE, or both without */
	int numbered_guard;      /* numbered symbols only where their key group is unchanged */
	corr_filefilter filter[2];
	size_t nrefine;
	corr_refine refine[4];
	int positional;          /* break remaining equal-count ties by position */
} corr_pass;

/* Per-symbol correlation state. */
typedef struct corr_sym {
	const char *key, *base;
	uint64_t key_hash, base_hash;
	uint32_t key_len, base_len;
	uint32_t unit;     /* 0 none; 1..nfiles file units; above: TU suffix units */
	int32_t twin;      /* index on the other side, or CORR_NONE */
	uint16_t rule;
	uint8_t evidence;
	uint8_t flags;
} corr_sym;

typedef struct corr_arena_block corr_arena_block;

typedef struct corr_side {
	kelf *k;
	corr_sym *syms;
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
	uint32_t ncand;
	uint32_t *cand;
} corr_ambiguity;

/* An unpaired orig symbol whose function reappears under another clone kind. */
typedef struct corr_clone_change {
	uint32_t orig, patched;
} corr_clone_change;

typedef struct corr {
	corr_side side[2];
	uint32_t *map_tu, *map_file;   /* orig unit -> patched unit learned from pairs */
	size_t nunits_orig;
	char **rules;
	size_t nrules;
	corr_arena_block *arena;
	corr_ambiguity *amb;
	size_t namb, amb_cap;
	corr_clone_change *clones;
	size_t nclones;
	int analysed;
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

/* Computes the key result of a name; returns 0, or non-zero to stop. */
typedef int (*corr_keyfn)(void *ud, const char *name, size_t len, corr_keyresult *out);

/* Copies a key result's strings into the correlator (for a keyfn whose
 * strings do not outlive it). */
int corr_own_key(corr *c, corr_keyresult *r);

/* Keys every eligible symbol whose name contains one of `contains` or starts
 * with one of `prefixes` (NULL-terminated lists), calling fn once per distinct
 * name; other symbols keep their name as key.  Returns 0, -1 when out of
 * memory, or fn's non-zero result. */
int corr_assign_keys(corr *c, const char *const *contains, const char *const *prefixes, corr_keyfn fn,
		     void *ud);

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

/* Pairs FILE symbols (equal names in order; otherwise by shared local keys)
 * and seeds the unit maps.  Call after keys are set. */
int corr_align_files(corr *c);

/* Runs one pass; returns the number of pairs it made, or -1 on ENOMEM. */
long corr_run_pass(corr *c, const corr_pass *p);

/* Pairs two symbols; returns 0, or -1 when either is excluded or paired. */
int corr_pair(corr *c, uint32_t orig, uint32_t patched, uint16_t rule, corr_evidence ev);

/* True when a symbol of side s may take part in correlation at all. */
int corr_eligible(const corr *c, int side, uint32_t i);

/* Forgets the last analysis. */
void corr_clear_analysis(corr *c);

/* Fills c->amb and c->clones from what is still unpaired; -1 on ENOMEM. */
int corr_analyse(corr *c);

/* Candidates for symbol i of side s on the other side: unpaired, eligible, same
 * key and type, and compatible FILE.  Writes up to max indices; returns the count. */
size_t corr_candidates(const corr *c, int side, uint32_t i, uint32_t *out, size_t max);

const char *corr_evidence_name(corr_evidence ev);

#endif
