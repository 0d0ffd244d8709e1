/* ls-remote.h - the containers of remotes for `hako ls` (ls-remote.c). */
#ifndef HAKO_LS_REMOTE_H
#define HAKO_LS_REMOTE_H

#include <stdbool.h>

#include "list.h"

/* One host of a listing: "local" or a remote's name, and its rows. */
struct hk_ls_host {
	const char *name;
	struct hk_list list;
	bool failed; /* its error line was printed; list is empty */
};

struct hk_ls_remote_opts {
	struct hk_list_filter filter;
	bool nested;
};

/* Fills the list of every host (all remotes) at once, in BatchMode;
 * prints one error line for each that fails.  0, or 1 when any failed. */
int hk_ls_remote_fetch(struct hk_ls_host *hosts, size_t n, const struct hk_ls_remote_opts *o);

#endif
