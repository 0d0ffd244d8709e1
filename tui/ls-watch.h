/* ls-watch.h - `hako ls --json --watch`: the containers of a path as a
 * stream of JSON lines, for a reader on another host (the dashboard's
 * remotes, over ssh) or a script.  tui/ls-watch.c has the protocol. */
#ifndef HAKO_LS_WATCH_H
#define HAKO_LS_WATCH_H

#include <stdbool.h>

#include "list.h"
#include "remote-watch.h"
#include "store.h"
#include "util.h"

/* The version in the hello line (core/remote-watch.h says when it
 * changes); the reader there refuses another, naming both. */
#define HK_LS_WATCH_PROTOCOL HK_WATCH_PROTOCOL

/* One container as `hako ls --json` shows it, on one line (cmd-ls.c). */
void hk_ls_row_json(struct hk_buf *b, const struct hk_list_row *r);

struct hk_ls_watch_opts {
	struct hk_list_filter filter;
	bool nested;
	unsigned interval_s;  /* usage figures are looked at this often */
	unsigned heartbeat_s; /* a heartbeat line after this long without one; 0: none */
};

/* Streams until stdout closes or a SIGTERM, SIGINT or SIGHUP comes (0),
 * or the container path cannot be read (1, after printing why). */
int hk_ls_watch(struct hk_store *st, const struct hk_ls_watch_opts *o);

#endif
