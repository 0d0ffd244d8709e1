/* setup-user.h - `hako setup-user USER` (root): everything an ordinary
 * user needs before starting unprivileged containers, in one idempotent
 * step, reported line by line:
 *   - sub-uid and sub-gid ranges (131072 ids, enough for one level of
 *     nesting) appended to /etc/subuid and /etc/subgid when the user has
 *     none, placed after every range already in use;
 *   - a delegated cgroup HK_CGROUP_USERS_DIR/UID in every v1 hierarchy hako
 *     uses (cpuset initialised), owned by the user;
 *   - hako-nic's /etc/hako/usernet: says how many veths the user may have
 *     on the bridge, and with nics > 0 adds "USER veth BRIDGE nics" when
 *     the user may have none;
 *   - on a pure cgroup v2 host, nothing is created: systemd already
 *     delegates user@UID.service to the user, and hako says so (or that
 *     `systemd-run --user --scope -p Delegate=yes` gives a delegated scope).
 */
#ifndef HAKO_SETUP_USER_H
#define HAKO_SETUP_USER_H

#include <sys/types.h>

#include "error.h"

#define HK_SETUP_USER_IDS 131072

/* Called once per finding or action ("done" false: was already there). */
typedef void (*hk_setup_report)(void *ctx, int done, const char *what);

struct hk_setup_user_opts {
	const char *subuid_path; /* default /etc/subuid (tests point elsewhere) */
	const char *subgid_path; /* default /etc/subgid */
	const char *cgroup_root; /* "" for the running system */
	const char *usernet_path; /* default HK_NIC_USERNET */
	const char *bridge;	  /* default "hakobr0" */
	unsigned nics;		  /* > 0: grant that many veths when none */
};

int hk_setup_user(const char *user, const struct hk_setup_user_opts *o, hk_setup_report report,
		  void *ctx, struct hk_error **err);

/* The first id >= 100000 after every range in the text (subuid format). */
unsigned long hk_setup_user_next_free(const char *text);
/* The same from base (inside a container: 65536, see nest.h). */
unsigned long hk_setup_user_next_free_from(const char *text, unsigned long base);

#endif
