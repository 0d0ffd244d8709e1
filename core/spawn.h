/* spawn.h - creating a container's init: clone3 into new namespaces with
 * a pidfd, the parent/child handshake, and the child's setup up to exec.
 *
 * The parent (the monitor) and the child talk over a SOCK_SEQPACKET pair
 * in numbered stages (enum hk_spawn_stage).  The child waits until the
 * parent has written its id maps (GO), then becomes root of its user
 * namespace and mounts the rootfs, /proc and /sys while the parent puts
 * it in its cgroups (or that was done before GO, join_after_go); once
 * they say so (CGROUP) it enters a new cgroup
 * namespace, mounts the rest of the plan (which allocates the console and
 * ttys from the container's devpts and sends them to the parent), pivots
 * into it, takes the console as its
 * controlling terminal, drops capabilities, installs seccomp, closes every
 * other descriptor and execs init.  Any failure before exec travels back
 * as an error message; a successful exec closes the socket (CLOEXEC),
 * which the parent reads as success.
 */
#ifndef HAKO_SPAWN_H
#define HAKO_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

#include "caps.h"
#include "error.h"
#include "idmap.h"
#include "net.h"
#include "prlimits.h"
#include "rootfs.h"
#include "seccomp.h"

enum hk_spawn_stage {
	HK_SPAWN_CHILD_READY = 1, /* child: namespaces exist, waiting */
	HK_SPAWN_PARENT_GO,	  /* parent: maps written, cgroup joined */
	HK_SPAWN_CHILD_ERROR,	  /* child: setup failed (errno + message) */
	HK_SPAWN_CHILD_TERMS,	  /* child: pty masters and peers (SCM_RIGHTS) */
	HK_SPAWN_CHILD_TIMES,	  /* child, --timing only: its steps ("T" lines, timing.h) */
	HK_SPAWN_PARENT_CGROUP,	  /* parent: cgroup joined (after GO, see after_go) */
};

/* `hako execute`: argv runs under hako-stub's small init (pid 1 reaps
 * and passes signals on, tui/hako-stub.c) instead of being init itself. */
struct hk_spawn_app {
	long uid, gid;		   /* what the command runs as; -1: root of the container */
	int stdio[3];		   /* the caller's stdin, stdout, stderr; -1: the console instead */
	unsigned short rows, cols; /* the console's size before the command runs; 0: as it is */
};

struct hk_spawn_spec {
	const char *name;   /* for messages */
	const char *rootfs; /* the mounted rootfs directory on the host */
	const struct hk_rootfs_spec
		*rootfs_spec; /* mounted on rootfs first when its backend needs it */
	const char *hostname;
	const struct hk_idmap *idmap; /* NULL or empty: no user namespace */
	bool share_net;		      /* lxc.net.0.type = none: stay in the host's netns */
	const struct hk_mount_plan *plan;
	const struct hk_caps_plan *caps;
	const struct hk_seccomp_prog *seccomp; /* compiled; NULL: none */
	bool no_new_privs;
	const struct hk_limits *limits; /* prlimits and sysctls, or NULL */
	const struct hk_net_state
		*net;	   /* interfaces set up by before_go (shared memory), or NULL */
	unsigned n_terms;  /* the console and lxc.tty.max ttys (<= HK_MAX_TERMS) */
	char *const *argv; /* init and its arguments */
	char *const *envp;
	const char *cwd;		/* NULL: "/" */
	const struct hk_spawn_app *app; /* NULL: argv is the container's init */
	/* Called in the parent once the child exists, before it goes on:
	 * interfaces, cgroup limits.  May be NULL. */
	int (*before_go)(void *ctx, pid_t pid, struct hk_error **err);
	/* Called in the parent to put the child in its cgroups: with
	 * join_after_go once the child has gone on, while it mounts its
	 * rootfs, /proc and /sys (on a host with cgroup v1 hierarchies the
	 * first move of a process waits several ms for the kernel, which
	 * overlaps the mounts this way), else before GO.  The child enters its
	 * cgroup namespace, and mounts the hierarchies, once this has returned
	 * (HK_SPAWN_PARENT_CGROUP).  May be NULL. */
	int (*join_cgroups)(void *ctx, pid_t pid, bool born_in_cgroup, struct hk_error **err);
	/* Only a parent that is root of the initial user namespace may move
	 * the child after GO: v1 lets others move only a process of their own
	 * uid, and after GO the child becomes root of its user namespace. */
	bool join_after_go;
	/* into_cgroup: clone3 the child into the cgroup v2 directory
	 * cgroup_fd (CLONE_INTO_CGROUP), so it never has to move there;
	 * refused (a user's cgroup the caller may not enter directly, a
	 * kernel before 5.7), it is born where the parent is.  join_cgroups'
	 * born_in_cgroup says which. */
	bool into_cgroup;
	int cgroup_fd;
	void *ctx;
};

struct hk_spawned {
	pid_t pid;
	int pidfd; /* O_CLOEXEC */
	/* The container's console ([0]) and ttys, allocated in its devpts:
	 * masters and peers, O_CLOEXEC, -1 where none.  The caller owns them. */
	int masters[HK_MAX_TERMS];
	int peers[HK_MAX_TERMS];
};

int hk_spawn(const struct hk_spawn_spec *spec, struct hk_spawned *out, struct hk_error **err);

/* Writes the id maps of pid: directly as root, through newuidmap and
 * newgidmap otherwise (core/userns-exec.c). */
int hk_userns_write_maps(pid_t pid, const struct hk_idmap *map, struct hk_error **err);

#endif
