/* digest: content digests of functions and data, blind to renaming. */
#ifndef KLP_DIGEST_H
#define KLP_DIGEST_H

#include <stddef.h>

#include "corr.h"

/* Computes the content digests of both sides, children folded into their
 * parents: of a relocatable object; of a linked image that kept its
 * relocations (--emit-relocs), their relocated fields cleared; of one
 * without them, read by address (corr_address_identity); a side that
 * cannot be compared gets none and says why in its `uncompared`.  Returns 0,
 * or -1 with a one-line message. */
int corr_compute_digests(corr *c, char *err, size_t errlen);

/* The digest of data symbol i of a side without its own line number (a
 * __dyndbg descriptor's, line.h), as corr_compute_digests computes its own
 * otherwise; 0 when it has none, or the side is not compared through
 * relocations. */
int corr_line_free_digest(corr *c, int side, uint32_t i, uint64_t *out);

/* What relocation r of side contributes to the digest of a symbol at
 * section offset base: its place, its type and the identity of what it
 * points at (a target's key, the symbol covering it, a string's text, what a
 * relocated slot points at), blind to where the linker puts it. */
uint64_t corr_reloc_part(corr *c, int side, const kelf_reloc *r, uint64_t base);

/* What address addr of a side read by address (a linked image without
 * relocations) holds, blind to where the linker put it: the key of the
 * symbol covering it and the offset in it, else in data the C string
 * there, else the place in its section; a number outside the image is
 * itself. */
uint64_t corr_address_identity(corr *c, int side, uint64_t addr);

/* Clears in buf (the size bytes of a linked image at section offset at) the
 * bits relocation r wrote, which hold a resolved address there; returns 0
 * for a relocation whose field klp does not know. */
int corr_mask_reloc(const kelf *k, const kelf_reloc *r, uint64_t at, uint64_t size, unsigned char *buf);

#endif
