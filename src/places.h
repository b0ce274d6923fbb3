/* places: where in an instruction's text Capstone printed each operand's
 * value, so that a listing can write what the operand reaches in its place
 * (decode.h's text_how, text_start, text_len). */
#ifndef KLP_PLACES_H
#define KLP_PLACES_H

#include <stdint.h>

#include "decode.h"

/* Finds where each operand of r is printed in r->text, last operand first,
 * each within the text before the next operand's span; x86 prints memory
 * operands its own way; a target is printed as section_address + value. */
void klp_locate_places(klp_insn *r, int x86, uint64_t section_address);

#endif
