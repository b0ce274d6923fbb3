/* index: the chained multimap of index.h. */
#include "index.h"

#include <stdlib.h>
#include <string.h>

#include "table.h"

int klp_index_init(klp_index *ix, size_t n)
{
	size_t cap = klp_table_capacity(n);
	ix->mask = cap - 1;
	ix->head = malloc(cap * sizeof *ix->head);
	ix->next = malloc((n ? n : 1) * sizeof *ix->next);
	if (!ix->head || !ix->next) {
		klp_index_free(ix);
		return -1;
	}
	memset(ix->head, 0xff, cap * sizeof *ix->head);
	memset(ix->next, 0xff, (n ? n : 1) * sizeof *ix->next);
	return 0;
}

void klp_index_free(klp_index *ix)
{
	free(ix->head);
	free(ix->next);
	ix->head = ix->next = NULL;
}
