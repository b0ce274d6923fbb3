/* line: the line-taking callees of a policy (see line.h).  A policy names a
 * few dozen of them; a scan over their hashes is all a lookup needs. */
#include "line.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"

int corr_set_line_functions(corr *c, const char *const *names, size_t n, corr_line_mode mode)
{
	size_t bytes = 0;
	for (size_t i = 0; i < n; i++)
		bytes += strlen(names[i]) + 1;
	char **v = malloc((n ? n : 1) * sizeof *v + bytes);
	uint64_t *h = malloc((n ? n : 1) * sizeof *h);
	if (!v || !h) {
		free(v);
		free(h);
		return -1;
	}
	char *text = (char *)(v + (n ? n : 1));
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]);
		memcpy(text, names[i], len + 1);
		v[i] = text;
		h[i] = klp_hash(text, len);
		text += len + 1;
	}
	corr_free_line_functions(c);
	c->line_fns = v;
	c->line_hashes = h;
	c->nline_fns = n;
	c->line_mode = (int)mode;
	return 0;
}

int corr_is_line_function(const corr *c, const char *key, size_t len)
{
	uint64_t h = klp_hash(key, len);
	for (size_t i = 0; i < c->nline_fns; i++)
		if (c->line_hashes[i] == h && strncmp(c->line_fns[i], key, len) == 0 && c->line_fns[i][len] == '\0')
			return 1;
	return 0;
}

int corr_line_field(const kelf *k, const kelf_symbol *s, uint64_t *at, uint32_t *mask)
{
	if (s->type != STT_OBJECT || s->shndx == 0 || s->shndx >= k->nsections ||
	    strcmp(k->sections[s->shndx].name, "__dyndbg") != 0)
		return 0;
	*at = 4 * (uint64_t)(k->elfclass == 64 ? 8 : 4);
	/* Bit-fields fill a word from its low bits, or on big-endian ABIs its high ones. */
	*mask = k->big_endian ? 0xffffc000u : 0x0003ffffu;
	return s->size >= *at + 4;
}

void corr_free_line_functions(corr *c)
{
	free(c->line_fns);
	free(c->line_hashes);
	c->line_fns = NULL;
	c->line_hashes = NULL;
	c->nline_fns = 0;
}
