/* sympos: where a symbol stands among those of its name, the position a
 * live patch names it by (old_sympos). */
#include "sympos.h"

#include <stdlib.h>
#include <string.h>

#include "index.h"

/* Indexes every symbol of one side by name, excluded ones too. */
static int index_names(corr_side *sd)
{
	klp_index *ix = calloc(1, sizeof *ix);
	if (!ix || klp_index_init(ix, sd->k->nsymbols) != 0) {
		free(ix);
		return -1;
	}
	for (size_t i = sd->k->nsymbols; i-- > 1;)
		klp_index_add(ix, (uint32_t)i, sd->k->symbols[i].hash);
	sd->names = ix;
	return 0;
}

/* Whether a symbol is what kallsyms lists for a live patch: defined, FUNC or OBJECT. */
static int kallsyms_like(const kelf_symbol *s)
{
	return s->shndx != 0 && (s->type == STT_FUNC || s->type == STT_OBJECT);
}

int corr_same_named(corr *c, int side, uint32_t i, int by_address, uint32_t *rank, uint32_t *count)
{
	corr_side *sd = &c->side[side];
	if (!sd->names && index_names(sd) != 0)
		return -1;
	const kelf_symbol *me = &sd->k->symbols[i];
	*rank = 1;
	*count = 0;
	for (uint32_t j = klp_index_first(sd->names, me->hash); j != KLP_INDEX_END; j = klp_index_next(sd->names, j)) {
		const kelf_symbol *s = &sd->k->symbols[j];
		if (s->hash != me->hash || s->name_len != me->name_len || memcmp(s->name, me->name, me->name_len) != 0 ||
		    !kallsyms_like(s))
			continue;
		(*count)++;
		if (j != i && (by_address ? s->value < me->value || (s->value == me->value && j < i) : j < i))
			(*rank)++;
	}
	return 0;
}

