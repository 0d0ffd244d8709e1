/* remote-watch.h - the reader of a remote's `hako ls --json --watch`
 * stream (tui/ls-watch.c writes it): its hello line, its snapshot and its
 * changes, kept as a table of rows for that host.
 *
 * The reader does no I/O: the caller reads the stream's descriptor
 * (non-blocking, in its own event loop) and feeds whatever bytes came,
 * in pieces of any size; whole lines are applied as they complete.  So
 * one loop can poll many hosts' streams (the dashboard) or read one to
 * its snapshot (`hako ls web1:`):
 *
 *     w = hk_rwatch_new("web1");
 *     on POLLIN: n = read(fd, buf, sizeof buf); hk_rwatch_feed(w, buf, n, &err)
 *     if (hk_rwatch_ready(w)) show hk_rwatch_list(w)
 *     hk_rwatch_take_changes(w, &names): what to redraw since last time
 *     on EOF before ready: hk_rwatch_explain_end(w, status, stderr, ...)
 *
 * Everything is checked as hostile input (json.h's limits, lines of at
 * most HK_RWATCH_LINE_MAX bytes, names spelt as container names, every
 * field of its type); a protocol other than HK_WATCH_PROTOCOL is refused
 * with both versions named.  After an error the stream is to be dropped.
 */
#ifndef HAKO_REMOTE_WATCH_H
#define HAKO_REMOTE_WATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "json.h"
#include "list.h"

/* The version of the stream (the hello line's "protocol").  It changes
 * when a reader of the old one would misread the stream (a field's
 * meaning or type changes, a line type it must understand is added); new
 * fields and new line types a reader may skip do not change it. */
#define HK_WATCH_PROTOCOL  1
#define HK_RWATCH_LINE_MAX (8u << 20)

struct hk_rwatch;

struct hk_rwatch *hk_rwatch_new(const char *remote);
void hk_rwatch_free(struct hk_rwatch *w);

/* Takes the next n bytes of the stream; -1 with *err (naming the remote)
 * when a line is not what the protocol allows. */
int hk_rwatch_feed(struct hk_rwatch *w, const char *buf, size_t n, struct hk_error **err);
/* The snapshot has come: the table is whole. */
bool hk_rwatch_ready(const struct hk_rwatch *w);
/* The hello line's fields (NULL before it came). */
const char *hk_rwatch_version(const struct hk_rwatch *w);
const char *hk_rwatch_host(const struct hk_rwatch *w);
const char *hk_rwatch_path(const struct hk_rwatch *w);
/* How many heartbeat lines came (a stream started with --heartbeat). */
unsigned long hk_rwatch_beats(const struct hk_rwatch *w);
/* The rows, sorted by name. */
const struct hk_list *hk_rwatch_list(const struct hk_rwatch *w);
/* Moves the rows out into *out (the reader's table is then empty), for
 * a caller done with the stream. */
void hk_rwatch_steal_list(struct hk_rwatch *w, struct hk_list *out);
/* Moves the names of the rows changed or removed since the last call
 * into names (a snapshot counts as every row); returns how many. */
size_t hk_rwatch_take_changes(struct hk_rwatch *w, struct hk_strv *names);

/* Why a stream ended before its snapshot: the remote hako is too old for
 * --watch (its `hako --version` output in version_text, NULL when not
 * asked yet: *need_version is then set and the caller asks), or another
 * failure; sets *err. */
int hk_rwatch_explain_end(const struct hk_rwatch *w, int status, const char *err_text,
			  const char *version_text, bool *need_version, struct hk_error **err);

/* One row of `hako ls --json` (an object) into row: every known field
 * checked for its type, the name spelt as a container name (or
 * PARENT/NAME, nested). */
int hk_list_row_from_json(const struct hk_json *o, struct hk_list_row *row, struct hk_error **err);

#endif
