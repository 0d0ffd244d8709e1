/* term.h - the one module that owns the terminal while the dashboard
 * runs: curses setup and teardown, colours for each role from a theme,
 * the UTF-8/ASCII decision, key reading, and putting the terminal back on
 * a fatal signal. */
#ifndef HAKO_TERM_H
#define HAKO_TERM_H

#include <ncurses.h>
#include <stdbool.h>
#include <stddef.h>

#include "style.h"
#include "widget.h"

struct hk_term_opts {
	bool mouse; /* report clicks and the wheel (off: text selection works) */
};

/* Fails (false) when stdin/stdout is not a terminal, or the terminal is
 * one the dashboard cannot draw on (unknown to terminfo, or without cursor
 * addressing, like TERM=dumb); hk_term_error then says which and why. */
bool hk_term_init(const struct hk_term_opts *o);
const char *hk_term_error(void);
void hk_term_end(void);
/* Line drawing in ASCII: LANG/LC_* not UTF-8, TERM vt100/vt102/vt220/linux,
 * or HAKO_ASCII=1.  Decided from the environment (testable before init). */
bool hk_term_want_ascii(void);
bool hk_term_ascii(void);
/* NO_COLOR set (non-empty), or a terminal without colours. */
bool hk_term_mono(void);
/* Applies one style per role (HKW_ROLE_COUNT of them). */
void hk_term_set_styles(const struct hkw_style *styles);
/* Attribute per role, for the curses canvas. */
const int *hk_term_attrs(void);
/* The next key within timeout_ms (-1 = wait), ERR on timeout, or
 * HK_TERM_WAKE when one of fds[0..n) became readable first.  Enter is
 * '\n', Backspace KEY_BACKSPACE, whatever the terminal sends. */
#define HK_TERM_WAKE (KEY_MAX + 1)
int hk_term_key(int timeout_ms, const int *fds, size_t n);
/* Leaves curses for a program that needs the real terminal (console,
 * attach, $EDITOR), and comes back to the same screen. */
void hk_term_suspend(void);
void hk_term_resume(void);
/* Shows the frame: places or hides the cursor, then refresh(). */
void hk_term_present(int cur_y, int cur_x);

#endif
