/* style.h - the value of a theme line: "FG, BG[, ATTR...]".
 * Colours: default, black, red, green, yellow, blue, magenta, cyan, white,
 * bright-NAME (the 8 bright colours, 8..15) or a number 0..255.  Attributes:
 * bold, dim, underline, reverse, standout, italic, normal. */
#ifndef HKW_STYLE_H
#define HKW_STYLE_H

#include <stdbool.h>
#include <stddef.h>

struct hkw_style {
	short fg, bg; /* -1 = the terminal's default */
	int attrs;    /* A_BOLD | ... */
};

/* false with a reason in why (n bytes) on a bad value. */
bool hkw_style_parse(const char *value, struct hkw_style *out, char *why, size_t n);

#endif
