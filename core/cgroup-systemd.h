/* cgroup-systemd.h - living with systemd on its cgroup2 tree.
 *
 * When systemd runs (/run/systemd/system) it owns the unified hierarchy:
 * a process may only make cgroups inside a subtree systemd delegated.  So
 * on such a host the monitor asks systemd itself, over D-Bus (the system
 * bus for root, the user's bus otherwise, where the user manager of
 * user@UID.service answers), for a transient scope
 * "hako-NAME-XXXX.scope" holding the monitor, with Delegate=yes.  The
 * monitor then moves itself into SCOPE/monitor (a cgroup with processes
 * may not also hand controllers to children) and the container's cgroup
 * goes below the scope (SCOPE/hako/NAME).  When the monitor exits the
 * scope is empty and systemd removes it.
 *
 * The scope's cgroup path is recorded in the container's run directory
 * (file "cgroup2-scope") so that stop, attach, ls and `hako cgroup`, run
 * by other processes, find the container's cgroup.
 */
#ifndef HAKO_CGROUP_SYSTEMD_H
#define HAKO_CGROUP_SYSTEMD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "error.h"
#include "store.h"

enum hk_cgroup_systemd_mode {
	HK_SD_NONE,	 /* no systemd on the v2 tree (or no v2 tree): hako's own ways */
	HK_SD_DELEGATED, /* the caller already sits in a cgroup systemd delegated to it */
	HK_SD_SCOPE,	 /* hako asks systemd for a transient scope per container */
};

/* Which of the three applies to uid on this host (info from
 * hk_cgroup_detect; its root prefix is used for /run/systemd/system). */
enum hk_cgroup_systemd_mode hk_cgroup_systemd_mode(const struct hk_cgroup_info *info, uid_t uid);

/* "hako-" + cg_name escaped for a unit name ([A-Za-z0-9:_.-] kept, every
 * other byte as \xHH, like systemd-escape) + "-" + 4 hex digits of salt +
 * ".scope"; NULL (err set) when longer than systemd's 255 bytes. */
char *hk_cgroup_scope_unit(const char *cg_name, uint16_t salt, struct hk_error **err);

/* The monitor's step: when the mode is HK_SD_SCOPE, asks systemd for the
 * scope, moves the calling process into SCOPE/monitor, records the scope
 * for name, and sets *scope_dir to its directory (without info's root
 * prefix).  A monitor already inside its scope (a reboot) reuses it.
 * Without a bus to talk to, it logs why and leaves *scope_dir NULL (the
 * caller falls back to what delegation it has); a refusal from systemd is
 * an error naming the unit, systemd's error and the fix. */
struct hk_ct;
int hk_cgroup_systemd_prepare(const struct hk_cgroup_info *info, const struct hk_ct *ct,
			      char **scope_dir, struct hk_error **err);

/* For the starting command (whose messages the user sees, unlike the
 * monitor's): warns when hako will not be able to ask systemd for a scope
 * because no bus socket is there. */
void hk_cgroup_systemd_preflight(void);

/* The scope recorded in a container's run directory (its monitor's, whose
 * cgroup still exists), as a directory without info's root prefix; NULL
 * when none. */
char *hk_cgroup_scope_recorded(const struct hk_cgroup_info *info, const char *run_dir);
void hk_cgroup_scope_forget(const struct hk_ct *ct);

/* Whether a recorded cgroup path is one hako could have made: absolute,
 * no "..", "//" or control bytes, ending in a "hako-*.scope" component. */
bool hk_cgroup_scope_path_valid(const char *path);

/* Asks the systemd manager that owns cgroup directory dir (no root
 * prefix; below a delegated unit) to move pid there, with
 * AttachProcessesToUnit: how a process in a login session's scope, which
 * its user may not move out of, gets into the user's container (systemd's
 * user manager asks the system manager when it cannot do it itself). */
int hk_cgroup_systemd_attach(const struct hk_cgroup_info *info, const char *dir, pid_t pid,
			     struct hk_error **err);

/* The bus of the manager that delegates uid's cgroups: the system bus
 * for root, the user's bus (as DBUS_SESSION_BUS_ADDRESS or
 * XDG_RUNTIME_DIR name it when uid is the caller) otherwise. */
char *hk_cgroup_systemd_bus_path(uid_t uid);

/* Whether uid gets a cgroup for its containers here: usable with what
 * saying how, or not with what saying why and fix what to do.  The same
 * words are doctor's, start's and setup-user's (cgroup-verdict.c). */
struct hk_cgroup_verdict {
	bool usable;
	char *what;
	char *fix;
};
void hk_cgroup_verdict_get(const struct hk_cgroup_info *info, uid_t uid, gid_t gid,
			   const char *user, struct hk_cgroup_verdict *v);
void hk_cgroup_verdict_free(struct hk_cgroup_verdict *v);

/* Turns logind's linger on for uid (over the system bus, as loginctl
 * enable-linger does) and waits until the user manager's bus is there. */
int hk_cgroup_systemd_linger(uid_t uid, struct hk_error **err);

/* One sentence for doctor and setup-user: which delegation hako uses for
 * uid on the v2 tree (NULL when there is no v2 tree hako uses). */
char *hk_cgroup_systemd_describe(const struct hk_cgroup_info *info, uid_t uid);

#endif
