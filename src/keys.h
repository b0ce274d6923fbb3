/* keys: the correlation key of every symbol, and the translation units the
 * keys name.  The suffix rules (Lua) say what a name means; this stores it,
 * once per distinct name, in strings the correlator owns. */
#ifndef KLP_KEYS_H
#define KLP_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "corr.h"

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
 * strings do not outlive it); -1 when out of memory. */
int corr_own_key(corr *c, corr_keyresult *r);

/* Keys every eligible symbol whose name contains one of `contains` or starts
 * with one of `prefixes` (NULL-terminated lists), calling fn once per distinct
 * name and type; other symbols keep their name as key.  memo is
 * scratch space of corr_key_memo_slots() entries, owned by the caller.
 * Returns 0, -1 when out of memory, or fn's non-zero result. */
int corr_assign_keys(corr *c, const char *const *contains, const char *const *prefixes, corr_keyfn fn,
		     void *ud, uint32_t *memo, size_t memo_slots);

/* The number of memo slots corr_assign_keys needs (a power of two). */
size_t corr_key_memo_slots(const corr *c);

/* The TU suffix of a symbol, or NULL. */
const char *corr_tu_name(const corr *c, int side, uint32_t i);

/* Frees the strings and TU tables of a correlator (corr_free calls it). */
void corr_free_keys(corr *c);

#endif
