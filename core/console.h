/* console.h - joining a terminal to a container's console (or ttyN)
 * through its monitor, and reading the console's ring buffer.
 *
 * The user's terminal is never handed to the container: bytes are proxied
 * between the given descriptors and the monitor, which owns the ptys.  The
 * terminal is put in raw mode while joined and restored after; window size
 * changes follow (SIGWINCH); the escape char then 'q' detaches. */
#ifndef HAKO_CONSOLE_H
#define HAKO_CONSOLE_H

#include <stdbool.h>

#include "error.h"
#include "pty.h"
#include "store.h"

struct hk_console_opts {
	int escape;   /* default HK_ESCAPE_DEFAULT (Ctrl-a) */
	unsigned tty; /* 0 = the console */
	bool replay;  /* show the buffered output first */
	int in_fd;    /* default 0 (when both are 0, stdin/stdout) */
	int out_fd;   /* default 1 */
};

/* Runs until detach or until the container stops; *exit_status (may be
 * NULL) gets init's exit code when it stopped, else 0. */
int hk_console_run(const struct hk_store *st, const char *name, const struct hk_console_opts *o,
		   int *exit_status, struct hk_error **err);

/* The whole console ring buffer (up to 128 KiB) into out. */
int hk_console_log(const struct hk_store *st, const char *name, struct hk_buf *out,
		   struct hk_error **err);

#endif
