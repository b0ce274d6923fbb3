/* exclude: marks the symbols a policy never correlates. */
#include <stdlib.h>
#include <string.h>

#include "corr.h"
#include "strutil.h"

/* Whether a section's name or flags put every symbol in it out of play. */
static int section_excluded(const kelf_section *sec, const corr_exclusion *x)
{
	if (sec->flags & x->section_flags)
		return 1;
	for (const char *const *n = x->sections; *n; n++)
		if (strcmp(sec->name, *n) == 0)
			return 1;
	return klp_has_prefix(sec->name, x->section_prefixes);
}

static int symbol_excluded(const kelf_symbol *s, const unsigned char *by_section, size_t nsections,
			   const corr_exclusion *x)
{
	if (s->type < 16 && (x->types >> s->type) & 1)
		return 1;
	if ((x->abs && s->shndx == KELF_SHN_ABS) || (x->undefined && s->shndx == 0))
		return 1;
	if (s->shndx < nsections && by_section[s->shndx])
		return 1;
	return klp_has_prefix(s->name, x->prefixes);
}

int corr_exclude_matching(corr *c, const corr_exclusion *x)
{
	for (int side = 0; side < 2; side++) {
		const kelf *k = c->side[side].k;
		unsigned char *by_section = malloc(k->nsections ? k->nsections : 1);
		if (!by_section)
			return -1;
		by_section[0] = 0;
		for (size_t i = 1; i < k->nsections; i++)
			by_section[i] = (unsigned char)section_excluded(&k->sections[i], x);
		for (uint32_t i = 1; i < k->nsymbols; i++)
			if (symbol_excluded(&k->symbols[i], by_section, k->nsections, x))
				corr_exclude(c, side, i);
		free(by_section);
	}
	return 0;
}
