/* corr: the correlator's state, its lifetime and the rules every part
 * applies (see corr.h). */
#include "corr.h"

#include <stdlib.h>
#include <string.h>

#include "analyse.h"
#include "index.h"
#include "keys.h"
#include "line.h"
#include "trace.h"
#include "use.h"

/* Initialises one side: every key and base starts as the symbol's name. */
static int side_init(corr_side *sd, kelf *k)
{
	sd->k = k;
	sd->syms = calloc(k->nsymbols ? k->nsymbols : 1, sizeof *sd->syms);
	sd->file_pair = malloc((k->nfiles ? k->nfiles : 1) * sizeof *sd->file_pair);
	if (!sd->syms || !sd->file_pair)
		return -1;
	for (size_t i = 0; i < k->nfiles; i++)
		sd->file_pair[i] = CORR_NONE;
	for (size_t i = 0; i < k->nsymbols; i++) {
		const kelf_symbol *s = &k->symbols[i];
		corr_sym *cs = &sd->syms[i];
		cs->key = cs->base = s->name;
		cs->key_len = cs->base_len = s->name_len;
		cs->key_hash = cs->base_hash = s->hash;
		cs->twin = CORR_NONE;
		cs->parent = CORR_NONE;
		cs->unit = s->file == KELF_NO_FILE ? 0 : (uint32_t)s->file + 1;
	}
	return 0;
}

corr *corr_new(kelf *orig, kelf *patched)
{
	corr *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	if (side_init(&c->side[0], orig) != 0 || side_init(&c->side[1], patched) != 0) {
		corr_free(c);
		return NULL;
	}
	return c;
}

void corr_free(corr *c)
{
	if (!c)
		return;
	corr_clear_analysis(c);
	for (int s = 0; s < 2; s++) {
		free(c->side[s].syms);
		free(c->side[s].file_pair);
		free(c->side[s].open);
		if (c->side[s].names)
			klp_index_free(c->side[s].names);
		free(c->side[s].names);
		free(c->side[s].by_section);
		free(c->side[s].section_start);
		free(c->side[s].by_address);
		free(c->side[s].prev_anchor);
		free(c->side[s].next_anchor);
	}
	free(c->map_tu);
	free(c->map_file);
	free(c->file_positional);
	free(c->forbidden);
	corr_free_events(c);
	for (size_t i = 0; i < c->nrules; i++)
		free(c->rules[i]);
	free(c->rules);
	corr_free_keys(c);
	corr_free_line_functions(c);
	corr_free_uses(c);
	free(c);
}

int corr_rule_id(corr *c, const char *name)
{
	for (size_t i = 0; i < c->nrules; i++)
		if (strcmp(c->rules[i], name) == 0)
			return (int)i;
	if (c->nrules >= UINT16_MAX)
		return -1;
	char **r = realloc(c->rules, (c->nrules + 1) * sizeof *r);
	if (!r)
		return -1;
	c->rules = r;
	r[c->nrules] = strdup(name);
	if (!r[c->nrules])
		return -1;
	return (int)c->nrules++;
}

void corr_exclude(corr *c, int side, uint32_t i)
{
	if (c->side[side].syms[i].twin != CORR_NONE)
		return; /* a pair stands; exclusions come before passes */
	c->side[side].syms[i].flags |= CS_EXCLUDED;
	c->side[side].open_stale = 1;
	c->analysed = 0;
}

int corr_file_compatible(const corr *c, int side, uint32_t i, uint32_t j)
{
	int32_t f = c->side[side].k->symbols[i].file;
	int32_t g = c->side[!side].k->symbols[j].file;
	if (f == KELF_NO_FILE || g == KELF_NO_FILE)
		return 1;
	return c->side[side].file_pair[f] == g;
}

const uint32_t *corr_open_symbols(corr *c, int side, size_t *n)
{
	corr_side *sd = &c->side[side];
	if (!sd->open || sd->open_stale) {
		free(sd->open);
		sd->open = malloc((sd->k->nsymbols ? sd->k->nsymbols : 1) * sizeof *sd->open);
		if (!sd->open)
			return NULL;
		sd->nopen = 0;
		for (uint32_t i = 1; i < sd->k->nsymbols; i++)
			if (sd->syms[i].twin == CORR_NONE && corr_eligible(c, side, i))
				sd->open[sd->nopen++] = i;
		sd->open_stale = 0;
	} else {
		size_t k = 0;
		for (size_t j = 0; j < sd->nopen; j++)
			if (sd->syms[sd->open[j]].twin == CORR_NONE)
				sd->open[k++] = sd->open[j];
		sd->nopen = k;
	}
	*n = sd->nopen;
	return sd->open;
}

