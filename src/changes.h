/* changes: what a live patch must replace.  A pair's status from its
 * digests, the change lists (functions changed, new, removed; data changed),
 * and which pairs are worth a reader's eye. */
#ifndef KLP_CHANGES_H
#define KLP_CHANGES_H

#include <stddef.h>
#include <stdint.h>

#include "corr.h"

/* The change lists, X(ID, name): in the order reports list them. */
#define CORR_CHANGE_KINDS(X)                                                                                   \
	X(CHANGED_FUNCTIONS, "changed_functions") /* paired functions whose contents differ */                 \
	X(LINE_FUNCTIONS, "line_functions")       /* paired functions whose only change is line numbers */     \
	X(NEW_FUNCTIONS, "new_functions")         /* functions only in patched */                              \
	X(REMOVED_FUNCTIONS, "removed_functions") /* functions only in orig */                                 \
	X(CHANGED_DATA, "changed_data")           /* paired data whose contents differ */                      \
	X(LINE_DATA, "line_data")                 /* paired data whose only change is their line number */

#define CORR_ENUM_CH(id, name) CH_##id,
typedef enum corr_change_kind { CORR_CHANGE_KINDS(CORR_ENUM_CH) CH_COUNT } corr_change_kind;

extern const char *const corr_change_kind_names[CH_COUNT];

/* One entry of a change list: orig and patched symbol, CORR_NONE where the
 * symbol is on one side only. */
typedef struct corr_change {
	int32_t orig, patched;
} corr_change;

/* A pair's status, from its orig symbol. */
corr_status corr_pair_status(const corr *c, uint32_t orig);

/* Whether the pair of orig symbol a is worth a reader's eye: the names or
 * bindings differ, or position decided it. */
int corr_pair_notable(const corr *c, uint32_t a);

/* Change list kind, each entry in symtab order, .cold/.part children folded
 * into their parents: writes up to max entries into out and returns how
 * many there are in all. */
size_t corr_changes(const corr *c, corr_change_kind kind, corr_change *out, size_t max);

#endif
