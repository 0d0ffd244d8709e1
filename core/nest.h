/* nest.h - containers inside containers.
 *
 * A container is a nesting parent when its config turns nesting on: hako's
 * nesting profile (lxc.apparmor.allow_nesting = 1), or LXC's nesting.conf
 * (an lxc.apparmor.profile naming "nesting").  Then, for a container with
 * an id map, the monitor gives the container's own cgroup directory and its
 * delegation files (cgroup.procs, tasks, cgroup.clone_children,
 * cgroup.subtree_control, cgroup.threads) to the container's root, so hako
 * inside can make its children's cgroups; the limit files stay the host's,
 * so the container still cannot raise its own limits.
 *
 * Inside a container hako knows where it is from /proc/self/uid_map: the
 * ids its user namespace maps (the "window") bound the sub-ids setup-user
 * may hand out there and the id maps a child may use; a child's map outside
 * the window, a cgroup that is not writable, a controller that is not
 * mounted, and a parent started without nesting get errors that say what to
 * change on the host.
 */
#ifndef HAKO_NEST_H
#define HAKO_NEST_H

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup-manage.h"
#include "config.h"
#include "error.h"
#include "idmap.h"

/* Where make install puts the profile, and the path LXC's configs use. */
#define HK_NEST_PROFILE_DIR    HAKO_PREFIX "/share/hako/config"
#define HK_NEST_LXC_CONFIG_DIR "/usr/share/lxc/config"

/* true when the config turns nesting on. */
bool hk_nest_enabled(const struct hk_config *cfg);

/* Gives the container's cgroup (directories and delegation files in every
 * hierarchy) to the root of its id map: by chown as root, through a helper
 * user namespace (newuidmap) as an ordinary user.  Every id-mapped
 * container gets it, as in LXC: its init (systemd above all) makes its
 * own cgroups below the one hako made for it, whose limits stay root's. */
int hk_cgroup_delegate_to_ct_root(struct hk_cgroup *cg, const struct hk_idmap *map,
				  struct hk_error **err);

/* Removes the container's cgroup tree.  An id-mapped container's tree is
 * its root's (and holds the cgroups its init made): an ordinary user
 * removes it through a helper user namespace mapping the container's ids.
 * cfg may be NULL (a plain removal). */
int hk_cgroup_remove_as_ct(struct hk_cgroup *cg, const struct hk_config *cfg,
			   struct hk_error **err);

/* The id maps of the caller's user namespace, from the text of its
 * uid_map and gid_map ("0 0 4294967295" on the host): ranges NS PARENT
 * COUNT, where NS is what the namespace may hand to a child.  Returns
 * false (and an empty map) for the initial namespace or unreadable text. */
/* Adds the lines of a /proc/PID/{u,g}id_map text ("NS PARENT COUNT") as
 * ranges of kind; malformed lines are skipped. */
void hk_nest_parse_kernel_map(const char *text, char kind, struct hk_idmap *out);
bool hk_nest_window_parse(const char *uid_map, const char *gid_map, struct hk_idmap *out);
/* The same for the running process; false on the host. */
bool hk_nest_window(struct hk_idmap *out);

/* Checks a child's id map against the window of the namespace hako runs
 * in: every range must lie inside it.  The error names the range, the
 * window and the two fixes (a bigger map for the parent on the host, or a
 * range inside the window).  window NULL or empty: no constraint. */
int hk_nest_check_child_map(const struct hk_idmap *child, const struct hk_idmap *window,
			    struct hk_error **err);

/* Where setup-user may put a user's sub-ids inside a window: the first
 * free id at or past 65536 after every range in subid_text, and as many
 * ids as fit (up to want).  -1 with an error naming the fix when fewer
 * than 65536 fit. */
int hk_nest_subid_slot(const struct hk_idmap *window, char kind, const char *subid_text,
		       unsigned long want, unsigned long *start, unsigned long *count,
		       struct hk_error **err);

/* Run before a start inside a container (hk_nest_window true): refuses a
 * cgroup hako cannot write because the parent was started without nesting,
 * a lxc.cgroup.* controller that is not mounted here, and (for a child
 * with its own user namespace) a parent without uncovered proc and sysfs
 * mounts, each with the fix.  The child's map is checked against the
 * window by hk_userns_check_map (userns-exec.h). */
int hk_nest_preflight(const struct hk_config *cfg, bool root, struct hk_error **err);

#endif
