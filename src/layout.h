/* layout: where each symbol sits among the paired symbols of its section.
 *
 * Without FILE symbols a translation unit is still visible: its functions
 * are contiguous in .text, its data in .data, .rodata and .bss, in the same
 * order in both builds.  The nearest paired symbols before and after an
 * unpaired one (its anchors) say which part of the section it belongs to. */
#ifndef KLP_LAYOUT_H
#define KLP_LAYOUT_H

#include <stdint.h>

#include "corr.h"

/* Finds every symbol's anchors from the current pairs; -1 when out of memory. */
int corr_layout_update(corr *c);

/* Whether orig x and patched y sit next to twin anchors: the paired symbol
 * just before x is the twin of the one just before y, or the one just after. */
int corr_layout_agrees(const corr *c, uint32_t x, uint32_t y);

/* Whether x (of side sx) and y (of side sy) sit in the same gap between
 * anchors: both anchors correspond, a section's start or end counting as
 * one, in sections of the same name that hold at least one anchor. */
int corr_layout_same_gap(const corr *c, int sx, uint32_t x, int sy, uint32_t y);

#endif
