/* exclude: marks the symbols a policy never correlates. */
#include "exclude.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "strutil.h"

/* Whether a section's name or flags put every symbol in it out of play;
 * hashes holds klp_hash of each exact name in x->sections. */
static int section_excluded(const kelf_section *sec, const corr_exclusion *x, const uint64_t *hashes)
{
	if (sec->flags & x->section_flags)
		return 1;
	uint64_t h = klp_hash(sec->name, strlen(sec->name));
	for (size_t i = 0; x->sections[i]; i++)
		if (hashes[i] == h && strcmp(sec->name, x->sections[i]) == 0)
			return 1;
	return klp_has_prefix(sec->name, x->section_prefixes);
}

static int symbol_excluded(const kelf_symbol *s, const unsigned char *by_section, size_t nsections,
			   const corr_exclusion *x, const unsigned char *first)
{
	if (s->type < 16 && (x->types >> s->type) & 1)
		return 1;
	if ((x->abs && s->shndx == KELF_SHN_ABS) || (x->undefined && s->shndx == 0))
		return 1;
	if (s->shndx < nsections && by_section[s->shndx])
		return 1;
	return first[(unsigned char)s->name[0]] && klp_has_prefix(s->name, x->prefixes);
}

int corr_exclude_matching(corr *c, const corr_exclusion *x)
{
	size_t nnames = 0;
	while (x->sections[nnames])
		nnames++;
	uint64_t *hashes = malloc((nnames ? nnames : 1) * sizeof *hashes);
	if (!hashes)
		return -1;
	for (size_t i = 0; i < nnames; i++)
		hashes[i] = klp_hash(x->sections[i], strlen(x->sections[i]));
	/* The first bytes of the prefixes: most names start with none of them. */
	unsigned char first[256] = { 0 };
	for (const char *const *p = x->prefixes; *p; p++)
		first[(unsigned char)(*p)[0]] = 1;
	for (int side = 0; side < 2; side++) {
		const kelf *k = c->side[side].k;
		unsigned char *by_section = malloc(k->nsections ? k->nsections : 1);
		if (!by_section) {
			free(hashes);
			return -1;
		}
		by_section[0] = 0;
		for (size_t i = 1; i < k->nsections; i++)
			by_section[i] = (unsigned char)section_excluded(&k->sections[i], x, hashes);
		for (uint32_t i = 1; i < k->nsymbols; i++)
			if (symbol_excluded(&k->symbols[i], by_section, k->nsections, x, first))
				corr_exclude(c, side, i);
		free(by_section);
	}
	free(hashes);
	return 0;
}
