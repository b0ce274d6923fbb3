/* evidence: the words klp records about pairs, each listed once.
 *
 * Every list is an X-macro: X(ID, "name", ...).  The C enums, the names the
 * Lua side reads and writes (pass tables, reports, JSON) and the sentences of
 * --explain all come from these tables, so a new kind of evidence is one
 * line here. */
#ifndef KLP_EVIDENCE_H
#define KLP_EVIDENCE_H

/* What made a pair, beyond the pass that made it: X(ID, name, sentence).
 * A sentence may hold {orig_unit}, {patched_unit} (where each symbol's
 * translation unit is known from), {size} (the orig symbol's st_size) and
 * {rule} (the pass), which the report fills in. */
#define CORR_EVIDENCE(X)                                                                                       \
	X(UNIQUE, "unique", "the only candidate")                                                              \
	X(TU, "tu", "the TU map ({orig_unit} -> {patched_unit}) singled it out")                               \
	X(SIZE, "size", "the only candidate of size {size}")                                                   \
	X(BIND, "bind", "the only candidate of the same binding")                                              \
	X(SCOPE, "scope", "the only candidate of the same TU-localness")                                       \
	X(FILE, "file", "the only candidate in the same file")                                                 \
	X(LLVM, "llvm", "the only candidate of the same .llvm.-ness")                                          \
	X(DIGEST, "digest", "the only candidate with the same contents (bytes and relocation targets)")        \
	X(USE, "use", "the twins of the functions using it use it at the same place")                          \
	X(LAYOUT, "layout", "the only candidate between the twins of its neighbours in its section")          \
	X(POSITIONAL, "positional", "tie broken by position among equal counts")                               \
	X(IDENTICAL, "identical",                                                                              \
	  "tie broken by position among candidates identical in content and unused by any pair: "               \
	  "either choice gives the same code")                                                                 \
	X(FIRST, "first", "the first candidate in symtab order")                                               \
	X(EXPLICIT, "explicit", "paired explicitly ({rule})")

/* Evidence a pass may use to split a group that is not one-to-one:
 * X(ID, name).  Each singles out a pair as the evidence of the same ID. */
#define CORR_REFINEMENTS(X)                                                                                    \
	X(TU, "tu")         /* the TU map links them */                                                        \
	X(SIZE, "size")     /* equal non-zero st_size */                                                       \
	X(BIND, "bind")     /* equal binding */                                                                \
	X(SCOPE, "scope")   /* both TU-local (LOCAL or .llvm.) or both not */                                  \
	X(FILE, "file")     /* both .llvm., both without FILE, or twin FILEs */                                \
	X(LLVM, "llvm")     /* both .llvm. or both not */                                                      \
	X(DIGEST, "digest") /* equal content digest */                                                     \
	X(LAYOUT, "layout") /* the paired symbols around them are twins (layout.h) */

/* Why a watched symbol did or did not pair in one run of a pass (--why). */
#define CORR_OUTCOMES(X)                                                                                       \
	X(PAIRED, "paired")             /* paired by this pass */                                              \
	X(TIED, "tied")                 /* candidates, but nothing singled one out */                          \
	X(NO_CANDIDATE, "no candidate") /* nothing on the other side shared its group */                       \
	X(FILTERED, "filtered")         /* the pass does not consider symbols like it */                       \
	X(GUARDED, "guarded")           /* numbered, and its key group changed */

/* What a pair's contents say (changes.c). */
#define CORR_STATUSES(X)                                                                                       \
	X(SAME, "same")       /* equal digests, or both undefined */                                           \
	X(CHANGED, "changed") /* the digests differ */                                                         \
	X(UNKNOWN, "unknown") /* nothing to compare (a linked image, no digest) */                            \
	X(LINE, "line")       /* only the line numbers passed to line-taking callees differ */

#define CORR_ENUM_EV(id, name, sentence) EV_##id,
#define CORR_ENUM_REFINE(id, name) REFINE_##id,
#define CORR_ENUM_OUT(id, name) OUT_##id,
#define CORR_ENUM_ST(id, name) ST_##id,

typedef enum corr_evidence { CORR_EVIDENCE(CORR_ENUM_EV) EV_COUNT } corr_evidence;
typedef enum corr_refine { CORR_REFINEMENTS(CORR_ENUM_REFINE) REFINE_COUNT } corr_refine;
typedef enum corr_outcome { CORR_OUTCOMES(CORR_ENUM_OUT) OUT_COUNT } corr_outcome;
typedef enum corr_status { CORR_STATUSES(CORR_ENUM_ST) ST_COUNT } corr_status;

/* Names ("unknown" out of range) and the --explain sentence of evidence. */
const char *corr_evidence_name(corr_evidence ev);
const char *corr_evidence_sentence(corr_evidence ev);
const char *corr_outcome_name(corr_outcome out);
const char *corr_status_name(corr_status st);

/* The refinement names, NULL-terminated, in enum order. */
extern const char *const corr_refine_names[REFINE_COUNT + 1];

/* Whether evidence says position decided the pair (identical contents or not). */
static inline int corr_evidence_positional(corr_evidence ev)
{
	return ev == EV_POSITIONAL || ev == EV_IDENTICAL;
}

/* The evidence a refinement gives a pair it singles out. */
corr_evidence corr_refine_evidence(corr_refine r);

#endif
