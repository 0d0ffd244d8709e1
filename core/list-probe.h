/* list-probe.h - what one listing learns once for all its rows, instead
 * of once per container: which containers have a run directory (one
 * getdents of the store's run directory; a container without one holds no
 * lock and has no state file, so it is STOPPED as far as this hako knows)
 * and which abstract socket names are bound (one read of /proc/net/unix;
 * LXC, or another hako, runs a container only where its command socket's
 * name is bound).  At 1,000 containers that is 6,000 system calls fewer
 * per listing, and the dashboard lists every refresh.
 *
 * Either half may be unknown (no /proc, an unreadable run directory, a
 * container path /proc/net/unix cannot show unambiguously): the rows then
 * probe each container as before.  A snapshot, like any listing: a start
 * that begins after it shows at the next one.
 */
#ifndef HAKO_LIST_PROBE_H
#define HAKO_LIST_PROBE_H

#include <stdbool.h>

#include "store.h"
#include "util.h"

struct hk_list_probe {
	bool run_known;		  /* run_names lists the store's run directory */
	struct hk_strv run_names; /* sorted */
	bool socks_known;	  /* socks lists the bound abstract names */
	struct hk_strv socks;	  /* sorted, without the leading '@' */
};

void hk_list_probe_take(const struct hk_store *st, struct hk_list_probe *p);
void hk_list_probe_clear(struct hk_list_probe *p);

/* false only when the probe knows name has no run directory. */
bool hk_list_probe_may_have_run_dir(const struct hk_list_probe *p, const char *name);
/* false only when the probe knows nothing is bound at LXC's name for it. */
bool hk_list_probe_may_have_runner(const struct hk_list_probe *p, const struct hk_store *st,
				   const char *name);

/* The abstract names (without '@') of the sockets in text, a
 * /proc/net/unix, sorted into out; -1 when it is not that file's format. */
int hk_list_probe_parse_unix(const char *text, struct hk_strv *out);

#endif
