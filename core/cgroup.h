/* cgroup.h - cgroup layouts, the caller's place in them, and delegation.
 *
 * Three layouts exist:
 *   legacy (v1)   only v1 hierarchies ("cgroup" mounts, one per controller
 *                 or set of controllers, maybe a named one: name=systemd);
 *   hybrid        v1 controller hierarchies plus a cgroup2 mount (systemd
 *                 puts it at /sys/fs/cgroup/unified);
 *   unified (v2)  one cgroup2 hierarchy (at /sys/fs/cgroup) holding every
 *                 controller; v1 hierarchies without controllers may remain.
 * Detection reads ROOT/proc/self/mountinfo and ROOT/proc/self/cgroup and
 * looks under ROOT for the hierarchies, where ROOT is "" (or "/") for the
 * running system and a fixture directory in tests.  Paths kept in the
 * structs are the system's ("/sys/fs/cgroup/memory"); hk_cgroup_path()
 * puts ROOT in front for file access.
 *
 * An ordinary user can only create containers' cgroups below a cgroup
 * that is delegated to it: a directory it may write, whose cgroup.procs
 * (and on v2 cgroup.subtree_control) it may write too.
 */
#ifndef HAKO_CGROUP_H
#define HAKO_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "error.h"
#include "util.h"

/* One line of /proc/PID/cgroup: "ID:CONTROLLERS:PATH". */
struct hk_proc_cgroup_entry {
	unsigned id;
	char *controllers; /* "cpu,cpuacct", "name=systemd", "" for v2 (id 0) */
	char *path;	   /* "/user.slice/..." as the kernel shows it */
};

struct hk_proc_cgroup {
	struct hk_proc_cgroup_entry *e;
	size_t n;
};

/* Strict: every line must be ID:CONTROLLERS:/PATH with a decimal ID, empty
 * CONTROLLERS exactly when ID is 0, and a PATH starting with '/'. */
int hk_cgroup_parse_proc(const char *text, struct hk_proc_cgroup *out, struct hk_error **err);
void hk_proc_cgroup_free(struct hk_proc_cgroup *pc);

enum hk_cgroup_layout { HK_CGROUP_V1, HK_CGROUP_HYBRID, HK_CGROUP_V2 };

/* "legacy", "hybrid", "unified" */
const char *hk_cgroup_layout_name(enum hk_cgroup_layout layout);

struct hk_cgroup_hier {
	int version;		    /* 1 or 2 */
	char *mountpoint;	    /* "/sys/fs/cgroup/memory" (no ROOT) */
	char *mount_root;	    /* the mount's root in the hierarchy, "/" usually */
	char *name;		    /* v1 named hierarchy ("systemd"), else NULL */
	struct hk_strv controllers; /* v1: from the super options; v2: cgroup.controllers */
	char *cgroup; /* the caller's cgroup in it ("/user.slice/..."), NULL if unknown */
	char *dir;    /* that cgroup's directory (no ROOT), NULL if unknown */
};

struct hk_cgroup_info {
	enum hk_cgroup_layout layout;
	char *root;		  /* the prefix, "" for the running system */
	struct hk_cgroup_hier *h; /* v2 hierarchy (if any) first, then v1 in mount order */
	size_t n;
};

/* Detects the layout and the caller's cgroups.  Fails when no cgroup
 * filesystem is mounted, naming what to mount. */
int hk_cgroup_detect(const char *root, struct hk_cgroup_info *out, struct hk_error **err);
void hk_cgroup_info_free(struct hk_cgroup_info *info);
/* The v2 hierarchy, or NULL. */
const struct hk_cgroup_hier *hk_cgroup_unified(const struct hk_cgroup_info *info);
/* The v1 hierarchy carrying controller (or "name=systemd"), or NULL. */
const struct hk_cgroup_hier *hk_cgroup_v1_for(const struct hk_cgroup_info *info,
					      const char *controller);
/* ROOT + path, newly allocated. */
char *hk_cgroup_path(const struct hk_cgroup_info *info, const char *path);
/* "cpu,cpuacct", "name=systemd", "cgroup2" - a short label for messages. */
char *hk_cgroup_hier_label(const struct hk_cgroup_hier *h);

/* Whether a file or directory with this stat may be written by uid/gid,
 * judged from owner, primary group and mode bits (uid 0 always may;
 * supplementary groups are not considered).  Directories
 * also need the search bit.  The decision behind delegation checks, kept
 * apart so that it can be tested with any stat. */
bool hk_cgroup_stat_writable(const struct stat *st, uid_t uid, gid_t gid);

/* Below each v1 hierarchy's top, `hako setup-user` makes
 * HK_CGROUP_USERS_DIR/UID owned by that user (what pam_cgfs did for the
 * guides); the delegation check falls back to it. */
#define HK_CGROUP_USERS_DIR "hako.users"
/* On a pure v2 host without systemd, HK_CGROUP_USERS_DIR/UID (the user's)
 * holds this root-owned leaf for the user's login processes: a process
 * may move between two cgroups only when it may write their common
 * ancestor, so the user's shell must start below the user's cgroup, and
 * in a leaf, since a v2 cgroup with processes cannot give controllers to
 * children (pam_cgfs does the same at login). */
#define HK_CGROUP_LOGIN_LEAF "login"

/* Delegation of one hierarchy to a user. */
struct hk_cgroup_access {
	const struct hk_cgroup_hier *hier;
	bool required; /* hako uses it: v2 on unified hosts; else v1 controllers and name=systemd */
	bool writable;
	char *dir; /* the delegated cgroup (current one or nearest ancestor); else the current */
	char *missing; /* NULL when writable; else what is missing, for a message */
};

struct hk_cgroup_delegation {
	struct hk_cgroup_access *a; /* one per hierarchy, in info's order */
	size_t n;
	bool ok; /* every required hierarchy is writable */
};

/* Finds, for each hierarchy, the caller's current cgroup or its nearest
 * ancestor (below the mount point) that uid/gid may use: the directory
 * writable, cgroup.procs writable, and on v2 cgroup.subtree_control. */
void hk_cgroup_check_delegation(const struct hk_cgroup_info *info, uid_t uid, gid_t gid,
				struct hk_cgroup_delegation *out);
void hk_cgroup_delegation_free(struct hk_cgroup_delegation *d);

#endif
