/* console.h - joining a terminal to a container's console (or ttyN)
 * through its monitor, and reading the console's ring buffer.
 *
 * The user's terminal is never handed to the container: bytes are proxied
 * between the given descriptors and the monitor, which owns the ptys.  The
 * terminal is put in raw mode while joined and restored after; window size
 * changes follow (SIGWINCH); the escape char then 'q' detaches.  Neither
 * side ever waits on the other: what the container does not read is held
 * (in the monitor, then here, each bounded), and only this terminal's
 * input waits when both are full. */
#ifndef HAKO_CONSOLE_H
#define HAKO_CONSOLE_H

#include <stdbool.h>

#include "error.h"
#include "pty.h"
#include "store.h"

struct hk_console_opts {
	int escape;	/* default HK_ESCAPE_DEFAULT (Ctrl-a) */
	unsigned tty;	/* 0 = the console */
	bool replay;	/* show the buffered output first */
	bool filter;	/* remove escape sequences that make the terminal answer,
			 * write the clipboard or retitle it (sanitize.h) */
	int in_fd;	/* default 0 (when both are 0, stdin/stdout) */
	int out_fd;	/* default 1 */
	bool no_escape; /* every byte typed goes through: no detach (hako execute) */
};

/* What a viewer typed that the monitor has not taken yet, at most: past
 * it this terminal is not read until the container reads again. */
#define HK_CONSOLE_TYPED_MAX (1024 * 1024)

/* The defaults: Ctrl-a, the console, replay and filter as hako.conf's
 * [console] section says (replay on, filter off when it says nothing). */
void hk_console_opts_init(struct hk_console_opts *o, const struct hk_store *st);

/* Runs until detach or until the container stops; *exit_status (may be
 * NULL) gets init's exit code when it stopped, else 0. */
int hk_console_run(const struct hk_store *st, const char *name, const struct hk_console_opts *o,
		   int *exit_status, struct hk_error **err);

/* The proxy of hk_console_run over a view already open (hako execute's,
 * made by the monitor before the container's first byte): in raw mode
 * while in (-1: nothing is read here) is a terminal, the window size of
 * in, else of out, sent through ctl (-1: not followed).  Returns 1 on
 * detach, 0 when the monitor closed the view, -1 on error. */
int hk_console_proxy(int view, int ctl, int in, int out, const struct hk_console_opts *o,
		     struct hk_error **err);

/* The whole console ring buffer (up to 128 KiB) into out. */
int hk_console_log(const struct hk_store *st, const char *name, struct hk_buf *out,
		   struct hk_error **err);

#endif
