/* userns-exec.h - running a function as root of a new user namespace.
 *
 * A forked child unshares a user namespace (staying in the caller's mount
 * namespace, so it sees the same files) and waits; the parent writes the
 * child's maps -- directly to /proc/PID/{u,g}id_map as root, through
 * /usr/bin/newuidmap and newgidmap (fork+exec, clean environment, no shell)
 * as an ordinary user after checking them against /etc/subuid and
 * /etc/subgid -- then lets it go on.  The child becomes uid/gid 0 of the
 * namespace, drops supplementary groups and runs the function, so whatever
 * it creates is owned by the mapped root on the host.  An error set by the
 * function travels back as text and errno to the parent, which returns it.
 *
 * Templates build rootfs trees this way, and destroy removes them.
 */
#ifndef HAKO_USERNS_EXEC_H
#define HAKO_USERNS_EXEC_H

#include <sys/types.h>

#include "error.h"
#include "idmap.h"
#include "util.h"

/* Runs in the child, as root of the new namespace; returns -1 with err set
 * on failure. */
typedef int (*hk_userns_fn)(void *arg, struct hk_error **err);

enum hk_userns_flags {
	/* An ordinary caller also maps its own uid and gid (one id each, above
	 * the map's ids), so that the namespace's root may act on the
	 * caller's own files: chown the rootfs directory the caller made,
	 * remove entries of the caller's container directory.  Ignored for
	 * root (whose caller chowns what it must instead). */
	HK_USERNS_MAP_SELF = 1 << 0,
};

int hk_userns_run(const struct hk_idmap *map, unsigned flags, hk_userns_fn fn, void *arg,
		  struct hk_error **err);

/* Writes the uid and gid maps of process pid (which has just unshared a
 * user namespace): directly to /proc/PID/{u,g}id_map as root, through
 * newuidmap and newgidmap otherwise.  Does not check the map (the helpers
 * enforce /etc/subuid; hk_userns_check_map gives the friendlier error).
 * Also declared in spawn.h, whose container start uses it. */
int hk_userns_write_maps(pid_t pid, const struct hk_idmap *map, struct hk_error **err);

/* Checks a map against what the calling user may map (its own ids and its
 * /etc/subuid and /etc/subgid ranges); always fine for root. */
int hk_userns_check_map(const struct hk_idmap *map, struct hk_error **err);

/* The map actually written for the caller: `map`, plus the caller's own
 * ids when flags has HK_USERNS_MAP_SELF and the caller is not root. */
void hk_userns_effective_map(const struct hk_idmap *map, unsigned flags, uid_t uid, gid_t gid,
			     struct hk_idmap *out);

/* Appends the argv of newuidmap/newgidmap to out: PROG PID NS HOST COUNT
 * ... for the ranges of one kind ('u' or 'g'). */
void hk_userns_helper_argv(struct hk_strv *out, const char *prog, pid_t pid,
			   const struct hk_idmap *map, char kind);

#endif
