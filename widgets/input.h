/* input.h - a one-line text field: the editing model (bytes, a cursor on
 * code point boundaries) apart from any drawing, so it can be tested. */
#ifndef HKW_INPUT_H
#define HKW_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "widget.h"

#define HKW_INPUT_MAX 255

struct hkw_input {
	char buf[HKW_INPUT_MAX + 1];
	size_t len, cur; /* bytes */
};

void hkw_input_set(struct hkw_input *in, const char *text);
/* Printable bytes (UTF-8 included) insert; Left/Right/Home/End/C-a/C-e
 * move; Backspace, Delete, C-u (to start), C-k (to end), C-w (word)
 * delete.  true when the key was used. */
bool hkw_input_key(struct hkw_input *in, int key);
/* Draws the field w columns wide, scrolled so the cursor shows; places
 * the canvas cursor when focused. */
void hkw_input_draw(const struct hkw_input *in, struct hkw_canvas *c, int y, int x, int w,
		    bool focused);

#endif
