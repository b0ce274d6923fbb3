/* places: finding operand values in Capstone's text (see places.h). */
#include "places.h"

#include <stddef.h>
#include <string.h>

static int is_word_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
	       ch == '%' || ch == '$' || ch == '.';
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Whether a printed number means v (Capstone prints some values sign- or
 * zero-extended to the operand's width). */
static int same_value(uint64_t printed, int negative, int64_t v)
{
	uint64_t p = negative ? (uint64_t)0 - printed : printed;
	if (p == (uint64_t)v)
		return 1;
	for (unsigned w = 8; w <= 32; w *= 2) {
		uint64_t mask = ((uint64_t)1 << w) - 1;
		if (!negative && printed <= mask && (printed & mask) == ((uint64_t)v & mask))
			return 1;
	}
	return 0;
}

/* The last number token in text[from, to) meaning v: [#][-](0x<hex>|<dec>),
 * not part of a word.  Sets *start and *len; 0 when there is none. */
static int find_number(const char *text, size_t from, size_t to, int64_t v, size_t *start, size_t *len)
{
	int found = 0;
	for (size_t i = from; i < to;) {
		size_t s = i, p = i;
		if (text[p] == '#')
			p++;
		int neg = p < to && text[p] == '-';
		p += neg;
		if (p >= to || text[p] < '0' || text[p] > '9' || (s > 0 && is_word_char(text[s - 1])) ||
		    (text[s] == '-' && s > 0 && text[s - 1] == '#')) {
			i++;
			continue;
		}
		uint64_t val = 0;
		int overflow = 0;
		if (text[p] == '0' && p + 1 < to && text[p + 1] == 'x' && p + 2 < to && hexval(text[p + 2]) >= 0) {
			for (p += 2; p < to && hexval(text[p]) >= 0; p++) {
				overflow |= val >> 60 != 0;
				val = val << 4 | (uint64_t)hexval(text[p]);
			}
		} else {
			for (; p < to && text[p] >= '0' && text[p] <= '9'; p++) {
				overflow |= val > UINT64_MAX / 10;
				val = val * 10 + (uint64_t)(text[p] - '0');
			}
		}
		if (p < to && is_word_char(text[p])) {
			i = p;
			while (i < to && is_word_char(text[i]))
				i++;
			continue;
		}
		if (!overflow && same_value(val, neg, v)) {
			*start = s;
			*len = p - s;
			found = 1;
		}
		i = p;
	}
	return found;
}

/* x86 memory operand text, in the last '[' ... ']' of text[from, to): after
 * "rip" for a RIP-relative target (its printed displacement is not the
 * target); the displacement term (" + 0x10", " - 8") of a DISP, or the place
 * before ']' where one goes; the number of an absolute "[0x1234]". */
static void x86_memory_text(const char *text, size_t from, size_t to, klp_operand *op)
{
	size_t open = to, close = to;
	for (size_t i = to; i-- > from;)
		if (text[i] == ']' && close == to)
			close = i;
		else if (text[i] == '[' && close != to) {
			open = i;
			break;
		}
	if (open == to || close == to || close > 255)
		return;
	if (op->kind == KLP_OP_TARGET) {
		size_t rip = 0;
		for (size_t i = open + 1; i + 3 <= close; i++)
			if (memcmp(text + i, "rip", 3) == 0 || memcmp(text + i, "eip", 3) == 0)
				rip = i + 3;
		if (rip) {
			op->text_how = KLP_TEXT_PLUS;
			op->text_start = (uint8_t)rip;
			op->text_len = (uint8_t)(close - rip);
		}
		return;
	}
	size_t start, len;
	int64_t v = op->kind == KLP_OP_DISP && op->value < 0 ? -op->value : op->value;
	if (find_number(text, open + 1, close, v, &start, &len) && start + len == close) {
		if (start == open + 1 && op->kind == KLP_OP_ABS) {
			op->text_how = KLP_TEXT_REPLACE;
			op->text_start = (uint8_t)start;
			op->text_len = (uint8_t)len;
			return;
		}
		if (start >= open + 4 && (text[start - 2] == '+' || text[start - 2] == '-') && text[start - 1] == ' ') {
			op->text_how = KLP_TEXT_PLUS;
			op->text_start = (uint8_t)(start - 3);
			op->text_len = (uint8_t)(close - (start - 3));
			return;
		}
	}
	if (op->kind == KLP_OP_DISP) {
		op->text_how = KLP_TEXT_PLUS;
		op->text_start = (uint8_t)close;
		op->text_len = 0;
	}
}

/* Memory operand text of the other ISAs: "[xN, #0x10]" / "0x10(r1)" hold the
 * displacement as a number; "[xN]" / "(r1)" / "($s1)" get one inserted. */
static void bracket_text(const char *text, size_t from, size_t to, klp_operand *op)
{
	size_t start, len;
	if (find_number(text, from, to, op->value, &start, &len)) {
		op->text_how = KLP_TEXT_REPLACE;
		op->text_start = (uint8_t)start;
		op->text_len = (uint8_t)len;
		return;
	}
	for (size_t i = to; i-- > from;) {
		if (text[i] == ']') {
			op->text_how = KLP_TEXT_COMMA;
			op->text_start = (uint8_t)i;
			return;
		}
		if (text[i] == '(') {
			op->text_how = KLP_TEXT_BEFORE;
			op->text_start = (uint8_t)i;
			return;
		}
	}
}

void klp_locate_places(klp_insn *r, int x86, uint64_t section_address)
{
	size_t limit = strlen(r->text);
	if (limit > 255)
		limit = 255;
	size_t from = r->mnemonic_len;
	for (unsigned o = r->noperands; o-- > 0;) {
		klp_operand *op = &r->operands[o];
		size_t start, len;
		if (op->mem && x86) {
			x86_memory_text(r->text, from, limit, op);
		} else if (op->mem && op->kind == KLP_OP_DISP) {
			bracket_text(r->text, from, limit, op);
		} else if (!op->mem) {
			/* Targets are printed as addresses, immediates as values. */
			int64_t printed = op->value;
			if (op->kind == KLP_OP_TARGET || op->kind == KLP_OP_PAGE)
				printed = (int64_t)((uint64_t)op->value + section_address);
			if (find_number(r->text, from, limit, printed, &start, &len)) {
				op->text_how = KLP_TEXT_REPLACE;
				op->text_start = (uint8_t)start;
				op->text_len = (uint8_t)len;
			}
		}
		if (op->text_how != KLP_TEXT_NONE && op->text_start < limit)
			limit = op->text_start;
	}
}
