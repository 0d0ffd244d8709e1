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
 *   - on a systemd host (cgroup v2), systemd's user manager delegates
 *     user@UID.service to the user and hako asks it for a scope per
 *     container: linger is enabled (logind's SetUserLinger) so that the
 *     manager runs without a login, unless no_linger;
 *   - on a pure cgroup v2 host without systemd, HK_CGROUP_USERS_DIR/UID
 *     owned by the user with controllers enabled down to it, and the leaf
 *     HK_CGROUP_LOGIN_LEAF where the user's logins must start (reported
 *     as a step left to do: only a login module or root can put them there).
 */
#ifndef HAKO_SETUP_USER_H
#define HAKO_SETUP_USER_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

#define HK_SETUP_USER_IDS 131072

/* Called once per finding or action: done 0 was already there, 1 done now,
 * HK_SETUP_TODO a step left to the user or root. */
#define HK_SETUP_TODO 2
typedef void (*hk_setup_report)(void *ctx, int done, const char *what);

struct hk_setup_user_opts {
	const char *subuid_path;  /* default /etc/subuid (tests point elsewhere) */
	const char *subgid_path;  /* default /etc/subgid */
	const char *cgroup_root;  /* "" for the running system */
	const char *usernet_path; /* default HK_NIC_USERNET */
	const char *bridge;	  /* default "hakobr0" */
	unsigned nics;		  /* > 0: grant that many veths when none */
	bool no_linger;		  /* systemd hosts: leave linger off */
};

int hk_setup_user(const char *user, const struct hk_setup_user_opts *o, hk_setup_report report,
		  void *ctx, struct hk_error **err);

/* The first id >= 100000 after every range in the text (subuid format). */
unsigned long hk_setup_user_next_free(const char *text);
/* The same from base (inside a container: 65536, see nest.h). */
unsigned long hk_setup_user_next_free_from(const char *text, unsigned long base);

#endif
