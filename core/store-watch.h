/* store-watch.h - notices changes to a container path at once, with
 * inotify, for the dashboard and `hako ls --json --watch`.
 *
 * The watcher owns one inotify descriptor and the names of the containers
 * whose run directory it watches.  A caller polls hk_store_watch_fd(),
 * drains it with hk_store_watch_drain() when readable, builds its list
 * again (list.h) and hands that list back to hk_store_watch_update(),
 * which adds the watches the new containers need.  It does not say what
 * changed: the caller compares lists.  Without inotify (fd -1) the caller
 * keeps its timed refresh, which it needs anyway for usage figures
 * (memory, CPU) that change without any event.
 */
#ifndef HAKO_STORE_WATCH_H
#define HAKO_STORE_WATCH_H

#include <stdbool.h>

#include "error.h"
#include "list.h"
#include "store.h"

struct hk_store_watch;

/* Watches st's container path and run directory; st must outlive the
 * watcher.  NULL with *err when inotify cannot be had (no descriptors,
 * no inotify instances left). */
struct hk_store_watch *hk_store_watch_new(struct hk_store *st, struct hk_error **err);
void hk_store_watch_free(struct hk_store_watch *w);
void hk_store_watch_freep(struct hk_store_watch **w);
#define hk_autowatch __attribute__((cleanup(hk_store_watch_freep)))

/* The descriptor to poll for reading, -1 for a NULL watcher. */
int hk_store_watch_fd(const struct hk_store_watch *w);
/* Adds watches for the containers of l (the list just built); cheap when
 * nothing changed since the last call.  True when it watched a container
 * not watched before: what that container did between the list being
 * built and now was not seen, so a caller that must miss nothing builds
 * the list once more.  NULL w: nothing, false. */
bool hk_store_watch_update(struct hk_store_watch *w, const struct hk_list *l);
/* True when the watch sees every rewrite of the state file of each
 * container the last update's list had running (each one's run
 * directory is watched) and no event has come since that update: until
 * the next event, a running container's state changes only if its
 * monitor dies or stops (hk_list_row_update).  NULL w: false. */
bool hk_store_watch_sees_states(const struct hk_store_watch *w);
/* Reads every pending event; true when there was one (build the list
 * again, then call hk_store_watch_update). */
bool hk_store_watch_drain(struct hk_store_watch *w);

/* How long until the list should be built again with no event: 250 ms
 * while a row of l is BUSY (another program's create, clone or destroy
 * holds its lock, and a lock goes with a close, which no watch sees),
 * else idle_ms. */
int hk_store_watch_recheck_ms(const struct hk_list *l, int idle_ms);

#endif
