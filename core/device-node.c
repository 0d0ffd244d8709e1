/* device-node.c - a device node made in, and removed from, a running
 * container (device-internal.h).
 *
 * The work runs in a forked child (its umask, mounts and namespaces are
 * its own), which joins the container's mount namespace through init's
 * pidfd and resolves the node's path from the container's root with
 * hk_safe_* (RESOLVE_IN_ROOT): a symlink in the rootfs, "/dev" -> "/" or
 * "/dev/x" -> "/etc/passwd", stays inside it, and the node is made with
 * O_EXCL/mknod semantics, never over something that exists.
 *
 * Without a user namespace of its own the container gets a mknod.  With
 * one, its filesystems are the user namespace's, where the kernel never
 * opens a device node (SB_I_NODEV); so the child makes the node on a tmpfs
 * of its own (mounted in a private mount namespace: nothing shows on the
 * host), owned by the container's root, clones that one file as a mount
 * (open_tree) and moves it onto an empty file inside, which is what
 * lxc.mount.entry binds look like too. */
#include "device-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "safepath.h"
#include "util.h"

struct job {
	const struct hk_device_ct *ct;
	const struct hk_device_node *n;
	mode_t mode;
	int done; /* remove: 1 removed, 0 left alone */
};

/* Runs fn in a forked child; its error comes back over a pipe as
 * "ERRNO MESSAGE", its result (0 or 1) as its exit status. */
static int in_child(int (*fn)(struct job *, struct hk_error **), struct job *j,
		    struct hk_error **err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return hk_error_errno(err, "pipe");
	fflush(NULL);
	pid_t c = fork();
	if (c < 0) {
		close(p[0]);
		close(p[1]);
		return hk_error_errno(err, "fork");
	}
	if (c == 0) {
		close(p[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		struct hk_error *e = NULL;
		int rc = fn(j, &e);
		if (rc < 0) {
			dprintf(p[1], "%d %s", e ? e->code : 0, e ? e->msg : "failed");
			_exit(3);
		}
		_exit(rc);
	}
	close(p[1]);
	char buf[2048];
	ssize_t len = 0, r;
	while ((r = read(p[0], buf + len, sizeof(buf) - 1 - (size_t)len)) > 0 ||
	       (r < 0 && errno == EINTR))
		len += r > 0 ? r : 0;
	close(p[0]);
	buf[len] = '\0';
	int status = 0;
	while (waitpid(c, &status, 0) < 0 && errno == EINTR)
		;
	if (len > 0) {
		char *msg = NULL;
		long code = strtol(buf, &msg, 10);
		return hk_error_set(err, (int)code, "%s", *msg ? msg + 1 : msg);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) > 1)
		return hk_error_set(err, 0, "the helper process failed (status %d)", status);
	return WEXITSTATUS(status);
}

static void split(const char *path, char **dir, const char **base)
{
	const char *slash = strrchr(path, '/');
	*dir = slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
	*base = slash + 1;
}

/* The node on a private tmpfs, owned by the container's root, as a
 * detached mount (open_tree) to attach inside. */
static int private_node(struct job *j, struct hk_error **err)
{
	const struct hk_device_node *n = j->n;
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return hk_error_errno(err, "cannot make a private mount namespace");
	if (mount("hako-device", "/tmp", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0700,size=16k") < 0)
		return hk_error_errno(err, "cannot mount a tmpfs for the node");
	umask(0);
	mode_t type = n->type == 'b' ? S_IFBLK : S_IFCHR;
	if (mknod("/tmp/node", type | j->mode, makedev(n->major, n->minor)) < 0 ||
	    lchown("/tmp/node", j->ct->root_uid, j->ct->root_gid) < 0)
		return hk_error_errno(err, "cannot make the node for the container's root");
	int tree = open_tree(AT_FDCWD, "/tmp/node", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return hk_error_errno(
			err, "cannot clone the node as a mount (open_tree needs Linux 5.2)");
	return tree;
}

/* Into the container's mount namespace, creating files as its root: in
 * a container with an id map the host's root is no id of its
 * filesystems, which refuse to make anything it would own (EOVERFLOW). */
static int enter(const struct job *j, struct hk_error **err)
{
	if (setns(j->ct->pidfd, CLONE_NEWNS) < 0)
		return hk_error_errno(err, "cannot join the mount namespace of container \"%s\"",
				      j->ct->name);
	setfsgid(j->ct->root_gid);
	setfsuid(j->ct->root_uid);
	if ((uid_t)setfsuid((uid_t)-1) != j->ct->root_uid ||
	    (gid_t)setfsgid((gid_t)-1) != j->ct->root_gid)
		return hk_error_set(err, EPERM, "cannot act as the root of container \"%s\"",
				    j->ct->name);
	return 0;
}

static int make(struct job *j, struct hk_error **err)
{
	const struct hk_device_node *n = j->n;
	hk_autoclose int tree = n->bind ? private_node(j, err) : -1;
	if ((n->bind && tree < 0) || enter(j, err) < 0)
		return -1;
	hk_autofree char *dir = NULL;
	const char *base;
	split(n->inside, &dir, &base);
	hk_autoclose int dfd = hk_safe_mkdir_p(j->ct->rootfd, dir, 0755, 0, err);
	if (dfd < 0)
		return -1;
	umask(0);
	if (!n->bind) {
		mode_t type = n->type == 'b' ? S_IFBLK : S_IFCHR;
		if (mknodat(dfd, base, type | j->mode, makedev(n->major, n->minor)) < 0)
			return hk_error_errno(err, "cannot make %s inside", n->inside);
		return 0;
	}
	hk_autoclose int target =
		openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0);
	if (target < 0)
		return hk_error_errno(err, "cannot make %s inside", n->inside);
	if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
	    0) {
		int e = errno;
		unlinkat(dfd, base, 0);
		errno = e;
		return hk_error_errno(err, "cannot mount the node on %s inside", n->inside);
	}
	return 0;
}

static bool is_node(const struct stat *sb, const struct hk_device_node *n)
{
	return (n->type == 'b' ? S_ISBLK(sb->st_mode) : S_ISCHR(sb->st_mode)) &&
	       major(sb->st_rdev) == (unsigned)n->major && minor(sb->st_rdev) == (unsigned)n->minor;
}

static int removal(struct job *j, struct hk_error **err)
{
	const struct hk_device_node *n = j->n;
	if (enter(j, err) < 0)
		return -1;
	hk_autofree char *dir = NULL;
	const char *base;
	split(n->inside, &dir, &base);
	hk_autoerr struct hk_error *e = NULL;
	hk_autoclose int dfd = hk_safe_open(j->ct->rootfd, dir, O_PATH | O_DIRECTORY, 0, 0, &e);
	struct stat sb;
	if (dfd < 0 || fstatat(dfd, base, &sb, AT_SYMLINK_NOFOLLOW) < 0 || !is_node(&sb, n))
		return 0; /* gone, or replaced: not ours to remove */
	if (n->bind) {
		/* The mount is on dfd's entry: unmount it from there, then the
		 * empty file it covered. */
		if (fchdir(dfd) < 0 || umount2(base, UMOUNT_NOFOLLOW | MNT_DETACH) < 0)
			return hk_error_errno(err, "cannot unmount %s inside", n->inside);
		if (fstatat(dfd, base, &sb, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(sb.st_mode) ||
		    sb.st_size)
			return 1;
	}
	if (unlinkat(dfd, base, 0) < 0)
		return hk_error_errno(err, "cannot remove %s inside", n->inside);
	return 1;
}

int hk_device_node_make(const struct hk_device_ct *ct, const struct hk_device_node *n, mode_t mode,
			struct hk_error **err)
{
	struct job j = { .ct = ct, .n = n, .mode = mode & 07777 };
	return in_child(make, &j, err) < 0 ? -1 : 0;
}

int hk_device_node_remove(const struct hk_device_ct *ct, const struct hk_device_node *n,
			  struct hk_error **err)
{
	struct job j = { .ct = ct, .n = n };
	return in_child(removal, &j, err);
}
