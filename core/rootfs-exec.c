/* rootfs-exec.c - executing a mount plan inside the container's mount
 * namespace.  Every target is resolved beneath the rootfs descriptor; the
 * standard mount points (proc, sys, dev, dev/pts ...) must be real
 * directories, never symlinks; device nodes and the /dev/null used for
 * masking are checked by fstat on the opened descriptor. */
#include "rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "log.h"
#include "mountfd.h"
#include "safepath.h"

struct exec_ctx {
	int rootfd;
	struct hk_plan_fds *fds;
	int host_null; /* the host's /dev/null, verified 1:3 */
};

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
}

static const char *base_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* Opens (creating when asked) the target of an op, beneath the rootfs;
 * the last component must not be a symlink. */
static int open_target(struct exec_ctx *x, const struct hk_op *op, struct hk_error **err)
{
	int fd = -1;
	if (op->create == HK_CREATE_DIR) {
		fd = hk_safe_mkdir_p(x->rootfd, op->target, 0755, HK_SAFE_BENEATH, err);
	} else if (op->create == HK_CREATE_FILE) {
		hk_autofree char *dir = dir_of(op->target);
		hk_autoclose int dfd = hk_safe_mkdir_p(x->rootfd, dir, 0755, HK_SAFE_BENEATH, err);
		if (dfd < 0)
			return -1;
		fd = hk_safe_touch(x->rootfd, op->target, 0644, HK_SAFE_BENEATH, err);
	} else {
		fd = hk_safe_open(x->rootfd, op->target, O_PATH, 0, HK_SAFE_BENEATH, err);
	}
	if (fd < 0)
		return -1;
	/* The created or found target itself may be a symlink planted by the
	 * rootfs (mkdir_p follows links inside): refuse it as a mount point. */
	hk_autoclose int last = hk_safe_open(x->rootfd, op->target, O_PATH, 0,
					     HK_SAFE_BENEATH | HK_SAFE_NOFOLLOW_LAST, err);
	struct stat st;
	if (last < 0 || fstat(last, &st) < 0 || S_ISLNK(st.st_mode)) {
		close(fd);
		if (last >= 0)
			hk_error_set(err, ELOOP,
				     "\"/%s\" is a symlink in the rootfs; refusing to mount on it",
				     op->target);
		return -1;
	}
	return fd;
}

static int check_chardev(int fd, unsigned major, unsigned minor, const char *what,
			 struct hk_error **err)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return hk_error_errno(err, "cannot check %s", what);
	if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != major || minor(st.st_rdev) != minor)
		return hk_error_set(err, EPERM, "%s is not the character device %u:%u; refusing",
				    what, major, minor);
	return 0;
}

static int exec_devnode(struct exec_ctx *x, const struct hk_op *op, bool userns,
			struct hk_error **err)
{
	hk_autofree char *dir = dir_of(op->target);
	hk_autoclose int dfd =
		hk_safe_open(x->rootfd, dir, O_PATH | O_DIRECTORY, 0, HK_SAFE_BENEATH, err);
	if (dfd < 0)
		return -1;
	if (!userns && mknodat(dfd, base_of(op->target), S_IFCHR | op->mode,
			       makedev(op->major, op->minor)) == 0) {
		/* mknod applies the umask: set the mode the node must have. */
		if (fchmodat(dfd, base_of(op->target), op->mode, 0) < 0)
			return hk_error_errno(err, "cannot set the mode of /%s", op->target);
		return 0;
	}
	if (errno != EPERM && errno != EEXIST && !userns)
		return hk_error_errno(err, "cannot create /%s", op->target);
	/* No mknod in a user namespace: bind the host's node instead. */
	hk_autofree char *host = xasprintf("/%s", op->target);
	hk_autoclose int src = open(host, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (src < 0)
		return hk_error_errno(err, "cannot open the host's %s", host);
	if (check_chardev(src, op->major, op->minor, host, err) < 0)
		return -1;
	hk_autoclose int dst = hk_safe_touch(x->rootfd, op->target, 0666, HK_SAFE_BENEATH, err);
	if (dst < 0)
		return -1;
	return hk_mount_bind(src, dst, 0, err);
}

static int exec_symlink(struct exec_ctx *x, const struct hk_op *op, struct hk_error **err)
{
	hk_autofree char *dir = dir_of(op->target);
	hk_autoclose int dfd =
		hk_safe_open(x->rootfd, dir, O_PATH | O_DIRECTORY, 0, HK_SAFE_BENEATH, err);
	if (dfd < 0)
		return -1;
	if (symlinkat(op->source, dfd, base_of(op->target)) < 0 && errno != EEXIST)
		return hk_error_errno(err, "cannot create the symlink /%s", op->target);
	return 0;
}

/* Hides one path: the host's /dev/null over a file, an empty read-only
 * tmpfs over a directory; a path that does not exist needs nothing. */
static int mask_one(struct exec_ctx *x, const char *target, struct hk_error **err)
{
	hk_autoclose int fd = hk_safe_open(x->rootfd, target, O_PATH, 0,
					   HK_SAFE_BENEATH | HK_SAFE_NOFOLLOW_LAST, NULL);
	if (fd < 0)
		return 0;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return hk_error_errno(err, "cannot mask /%s", target);
	if (S_ISDIR(st.st_mode))
		return hk_mount_new("tmpfs", "hako-mask", "size=0k,mode=0555",
				    HK_MNT_RDONLY | HK_MNT_NOSUID | HK_MNT_NODEV | HK_MNT_NOEXEC,
				    fd, err);
	if (S_ISLNK(st.st_mode))
		return 0; /* nothing behind a link in proc/sys worth hiding */
	return hk_mount_bind(x->host_null, fd, HK_MNT_RDONLY, err);
}

/* Expands one wildcard component, as in the thermal_throttle mask of each cpu. */
static int exec_mask(struct exec_ctx *x, const struct hk_op *op, struct hk_error **err)
{
	const char *star = strchr(op->target, '*');
	if (!star)
		return mask_one(x, op->target, err);
	const char *comp_start = star;
	while (comp_start > op->target && comp_start[-1] != '/')
		comp_start--;
	const char *comp_end = strchr(star, '/');
	hk_autofree char *dir = xstrndup(op->target, (size_t)(comp_start - op->target));
	hk_autofree char *pattern = comp_end ? xstrndup(comp_start, (size_t)(comp_end - comp_start))
					     : xstrdup(comp_start);
	int dfd = hk_safe_open(x->rootfd, dir, O_RDONLY | O_DIRECTORY, 0, HK_SAFE_BENEATH, NULL);
	if (dfd < 0)
		return 0;
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return 0;
	}
	int rc = 0;
	struct dirent *de;
	while (rc == 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.' || fnmatch(pattern, de->d_name, 0) != 0)
			continue;
		hk_autofree char *one =
			xasprintf("%s%s%s", dir, de->d_name, comp_end ? comp_end : "");
		rc = mask_one(x, one, err);
	}
	closedir(d);
	return rc;
}

/* A new pty from the container's devpts (mounted by an earlier op): the
 * peer is bound onto target, master and peer are kept for the monitor. */
static int exec_pty(struct exec_ctx *x, const struct hk_op *op, unsigned index,
		    struct hk_error **err)
{
	if (!x->fds || index >= HK_MAX_TERMS)
		return hk_error_set(err, EINVAL, "no room for the pty of /%s", op->target);
	hk_autoclose int master = hk_safe_open(x->rootfd, "dev/pts/ptmx", O_RDWR | O_NOCTTY, 0,
					       HK_SAFE_BENEATH | HK_SAFE_NOFOLLOW_LAST, err);
	if (master < 0 || check_chardev(master, 5, 2, "the container's /dev/pts/ptmx", err) < 0)
		return -1;
	if (unlockpt(master) < 0)
		return hk_error_errno(err, "cannot unlock a pty for /%s", op->target);
	hk_autoclose int peer = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (peer < 0)
		return hk_error_errno(err, "cannot open the pty for /%s", op->target);
	hk_autoclose int dst = open_target(x, op, err);
	if (dst < 0 || hk_mount_bind(peer, dst, 0, err) < 0)
		return -1;
	x->fds->masters[index] = hk_steal_fd(&master);
	x->fds->peers[index] = hk_steal_fd(&peer);
	return 0;
}

static int exec_op(struct exec_ctx *x, const struct hk_op *op, bool userns, struct hk_error **err)
{
	switch (op->kind) {
	case HK_OP_NEWFS: {
		hk_autoclose int fd = open_target(x, op, err);
		return fd < 0 ? -1
			      : hk_mount_new(op->fstype, op->source, op->data, op->attrs, fd, err);
	}
	case HK_OP_BIND: {
		hk_autoclose int src = open(op->source, O_PATH | O_CLOEXEC);
		if (src < 0)
			return hk_error_errno(err, "bind source \"%s\"", op->source);
		hk_autoclose int fd = open_target(x, op, err);
		if (fd >= 0 && (op->attrs & HK_MNT_RDONLY) && op->source[0] == '/' &&
		    hk_mount_have_api())
			return hk_mount_bind_locked(op->source, fd, op->attrs, err);
		return fd < 0 ? -1 : hk_mount_bind(src, fd, op->attrs, err);
	}
	case HK_OP_SELFBIND: {
		hk_autoclose int fd = open_target(x, op, err);
		return fd < 0 ? -1 : hk_mount_bind(fd, fd, op->attrs, err);
	}
	case HK_OP_SETATTR: {
		hk_autoclose int fd = open_target(x, op, err);
		return fd < 0 ? -1 : hk_mount_set_attrs(fd, op->attrs, err);
	}
	case HK_OP_DEVNODE:
		return exec_devnode(x, op, userns, err);
	case HK_OP_SYMLINK:
		return exec_symlink(x, op, err);
	case HK_OP_MASK:
		return exec_mask(x, op, err);
	case HK_OP_CONSOLE:
		return exec_pty(x, op, 0, err);
	case HK_OP_TTY:
		return exec_pty(x, op, op->minor, err);
	}
	return hk_error_set(err, EINVAL, "unknown mount operation");
}

int hk_mount_plan_execute(const struct hk_mount_plan *plan, int rootfd, struct hk_plan_fds *fds,
			  struct hk_error **err)
{
	return hk_mount_plan_execute_split(plan, rootfd, fds, NULL, NULL, err);
}

int hk_mount_plan_execute_split(const struct hk_mount_plan *plan, int rootfd,
				struct hk_plan_fds *fds,
				int (*before_cgroups)(void *ctx, struct hk_error **err), void *ctx,
				struct hk_error **err)
{
	for (size_t i = 0; fds && i < HK_MAX_TERMS; i++)
		fds->masters[i] = fds->peers[i] = -1;
	struct exec_ctx x = { .rootfd = rootfd, .fds = fds };
	x.host_null = open("/dev/null", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (x.host_null < 0)
		return hk_error_errno(err, "cannot open the host's /dev/null");
	if (check_chardev(x.host_null, 1, 3, "the host's /dev/null", err) < 0) {
		close(x.host_null);
		return -1;
	}
	/* Without CAP_MKNOD in the initial namespace, device nodes are binds. */
	bool userns = access("/proc/self/uid_map", F_OK) == 0 && geteuid() != 0;
	int rc = 0;
	for (size_t i = 0; i < plan->n && rc == 0; i++) {
		if (i == plan->cgroups_at && before_cgroups) {
			rc = before_cgroups(ctx, err);
			before_cgroups = NULL;
			if (rc < 0)
				break;
		}
		const struct hk_op *op = &plan->ops[i];
		struct hk_error *e = NULL;
		if (exec_op(&x, op, userns, &e) == 0)
			continue;
		hk_autofree char *what = hk_op_describe(op);
		if (op->optional) {
			hk_log(HK_LOG_DEBUG, "skipped optional %s: %s", what, e->msg);
			hk_error_free(e);
			continue;
		}
		hk_error_propagate(err, &e);
		hk_error_prefix(err, "%s", what);
		rc = -1;
	}
	if (rc == 0 && before_cgroups) /* a plan that ends before cgroups_at */
		rc = before_cgroups(ctx, err);
	close(x.host_null);
	return rc;
}
