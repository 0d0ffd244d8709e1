/* rootfs.h - the mount plan of a container's root filesystem.
 *
 * Plan, then act: hk_mount_plan_build() turns the container's settings
 * (lxc.mount.auto, lxc.autodev, lxc.mount.entry, tty and pty counts) into
 * an ordered list of operations, with no privilege and no system call, so
 * unit tests cover it completely.  hk_mount_plan_execute() runs the list in
 * the container's mount namespace against a descriptor of the rootfs;
 * every target is resolved with hk_safe_* and mounted by descriptor.
 *
 * Defaults follow LXC's common.conf: proc:mixed (proc with /proc/sys and
 * /proc/sysrq-trigger read-only), sys:ro, cgroup:mixed, a tmpfs /dev with
 * the standard nodes, a new devpts instance, and the usual masked paths.
 */
#ifndef HAKO_ROOTFS_H
#define HAKO_ROOTFS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "mount-entry.h"
#include "util.h"

enum hk_op_kind {
	HK_OP_NEWFS,	/* mount a new fstype at target */
	HK_OP_BIND,	/* bind host path `source` at target */
	HK_OP_DEVNODE,	/* character device at target (mknod, or bind of the host's) */
	HK_OP_SYMLINK,	/* symlink target -> source, when nothing is there */
	HK_OP_MASK,	/* hide target: /dev/null over a file, empty ro tmpfs over a dir */
	HK_OP_SELFBIND, /* bind target onto itself with attrs (read-only /proc/sys) */
	HK_OP_SETATTR,	/* change the attrs of the mount at target */
	HK_OP_CONSOLE,	/* bind the console pty onto target (dev/console) */
	HK_OP_TTY,	/* bind tty pty number `minor` onto target (dev/ttyN) */
};

struct hk_op {
	enum hk_op_kind kind;
	char *target; /* inside the rootfs, no leading '/' */
	char *source;
	char *fstype;
	char *data;
	unsigned attrs; /* HK_MNT_* */
	enum hk_mount_create create;
	bool optional; /* failure only logged (e.g. a path the kernel lacks) */
	unsigned major, minor;
	mode_t mode;
};

struct hk_mount_plan {
	struct hk_op *ops;
	size_t n;
	size_t cgroups_at; /* ops[cgroups_at] on: the cgroup hierarchies, and after */
};

/* One cgroup hierarchy to mount inside the container under sys/fs/cgroup. */
struct hk_cgroup_mount {
	const char *name;    /* directory under sys/fs/cgroup ("" for pure v2) */
	const char *fstype;  /* "cgroup" or "cgroup2" */
	const char *options; /* v1 controllers ("cpuset", "name=systemd"), or NULL */
};

struct hk_plan_input {
	const struct hk_strv *mount_auto;    /* NULL or empty: the defaults */
	const struct hk_strv *mount_entries; /* lxc.mount.entry lines */
	bool autodev;
	bool userns;			       /* no mknod: bind the host's device nodes */
	unsigned tty_max;		       /* /dev/tty1..N */
	unsigned pty_max;		       /* devpts max, 0 = kernel default */
	bool console;			       /* bind the console pty at /dev/console */
	const struct hk_cgroup_mount *cgroups; /* the host layout, for cgroup mounts */
	size_t n_cgroups;
};

int hk_mount_plan_build(const struct hk_plan_input *in, struct hk_mount_plan *out,
			struct hk_error **err);
void hk_mount_plan_free(struct hk_mount_plan *plan);
/* A one-line description of an op, for debug logs and tests. */
char *hk_op_describe(const struct hk_op *op);

/* The console and ttys are allocated by the executor from the container's
 * own devpts (so that they belong to the container's root, in a user
 * namespace too) and bound onto /dev/console and /dev/ttyN; their masters
 * and peers come back here: [0] the console, [N] ttyN, -1 where none. */
#define HK_MAX_TERMS 65 /* the console and up to 64 ttys */
struct hk_plan_fds {
	int masters[HK_MAX_TERMS];
	int peers[HK_MAX_TERMS];
};

/* Runs the plan against rootfd (an O_PATH fd of the mounted rootfs) in the
 * current mount namespace. */
int hk_mount_plan_execute(const struct hk_mount_plan *plan, int rootfd, struct hk_plan_fds *fds,
			  struct hk_error **err);
/* The same, calling before_cgroups(ctx) once between the mounts that come
 * before the cgroup hierarchies (proc, sys) and the rest: the container's
 * init enters its cgroup namespace there (spawn.c), once the monitor has
 * moved it, so that the move and the first mounts overlap.  Its error
 * stops the plan as it is. */
int hk_mount_plan_execute_split(const struct hk_mount_plan *plan, int rootfd,
				struct hk_plan_fds *fds,
				int (*before_cgroups)(void *ctx, struct hk_error **err), void *ctx,
				struct hk_error **err);

#endif
