/* progress-bar.h - the one-line progress bar of the CLI (downloads of
 * `hako create`, the copy of `hako clone`): drawn on standard error, and
 * only when that is a terminal; block characters on a UTF-8 terminal,
 * `=` and `>` where hk_term_want_ascii says so (LANG=C, TERM=vt100). */
#ifndef HAKO_TUI_PROGRESS_BAR_H
#define HAKO_TUI_PROGRESS_BAR_H

#include <stdbool.h>
#include <stdint.h>

#include "progress.h"

struct hk_bar {
	bool ascii;
	bool open; /* a line is drawn and not yet ended */
};

/* A core progress callback drawing on stderr when it is a terminal and
 * quiet is false; else one whose fn is NULL (nothing drawn).  bar holds
 * the drawing state and must outlive the callback's use. */
struct hk_progress hk_bar_progress(struct hk_bar *bar, bool quiet);
/* Ends a line the bar left open (before an error is printed under it). */
void hk_bar_end(struct hk_bar *bar);

#endif
