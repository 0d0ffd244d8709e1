/* mountfd.c - the new mount API with a /proc/self/fd fallback.
 *
 * A detached mount is built first (fsmount or open_tree(OPEN_TREE_CLONE)),
 * its attributes set on the detached tree, then attached with move_mount to
 * the target descriptor.  Nothing here resolves a path inside a rootfs. */
#include "mountfd.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "safepath.h"
#include "util.h"

static int api_state = -1;

bool hk_mount_have_api(void)
{
	if (api_state < 0) {
		int fd = fsopen("tmpfs", FSOPEN_CLOEXEC);
		api_state = fd >= 0 || errno != ENOSYS;
		if (fd >= 0)
			close(fd);
	}
	return api_state == 1;
}

unsigned long hk_mount_attr_bits(unsigned attrs)
{
	unsigned long a = 0;
	if (attrs & HK_MNT_RDONLY)
		a |= MOUNT_ATTR_RDONLY;
	if (attrs & HK_MNT_NOSUID)
		a |= MOUNT_ATTR_NOSUID;
	if (attrs & HK_MNT_NODEV)
		a |= MOUNT_ATTR_NODEV;
	if (attrs & HK_MNT_NOEXEC)
		a |= MOUNT_ATTR_NOEXEC;
	return a;
}

static unsigned long to_ms_flags(unsigned attrs)
{
	unsigned long f = 0;
	if (attrs & HK_MNT_RDONLY)
		f |= MS_RDONLY;
	if (attrs & HK_MNT_NOSUID)
		f |= MS_NOSUID;
	if (attrs & HK_MNT_NODEV)
		f |= MS_NODEV;
	if (attrs & HK_MNT_NOEXEC)
		f |= MS_NOEXEC;
	return f;
}

/* The fallback needs /proc/self/fd to be the kernel's: a container may
 * have mounted something over /proc in our namespace. */
static int fd_path_checked(int fd, char buf[32], struct hk_error **err)
{
	struct statfs sfs;
	if (statfs("/proc/self/fd", &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
		return hk_error_set(err, EPERM,
				    "/proc is not a real procfs; refusing to mount through it");
	hk_fd_path(fd, buf);
	return 0;
}

static int attach(int mnt_fd, int target_fd, const char *what, struct hk_error **err)
{
	if (move_mount(mnt_fd, "", target_fd, "",
		       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return hk_error_errno(err, "cannot attach the %s mount", what);
	return 0;
}

/* Passes "a,b=c" options to fsconfig one by one. */
static int configure(int fs_fd, const char *fstype, const char *source, const char *options,
		     struct hk_error **err)
{
	if (source && fsconfig(fs_fd, FSCONFIG_SET_STRING, "source", source, 0) < 0)
		return hk_error_errno(err, "%s: cannot set the source \"%s\"", fstype, source);
	if (!options || !*options)
		return 0;
	hk_autofree char *copy = xstrdup(options);
	for (char *save, *opt = strtok_r(copy, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(opt, '=');
		int r;
		if (eq) {
			*eq = '\0';
			r = fsconfig(fs_fd, FSCONFIG_SET_STRING, opt, eq + 1, 0);
		} else {
			r = fsconfig(fs_fd, FSCONFIG_SET_FLAG, opt, NULL, 0);
		}
		if (r < 0)
			return hk_error_errno(err, "%s: option \"%s\" was refused", fstype, opt);
	}
	return 0;
}

int hk_mount_new(const char *fstype, const char *source, const char *options, unsigned attrs,
		 int target_fd, struct hk_error **err)
{
	if (!hk_mount_have_api()) {
		char path[32];
		if (fd_path_checked(target_fd, path, err) < 0)
			return -1;
		if (mount(source ? source : fstype, path, fstype, to_ms_flags(attrs), options) < 0)
			return hk_error_errno(err, "cannot mount %s", fstype);
		return 0;
	}
	hk_autoclose int fs_fd = fsopen(fstype, FSOPEN_CLOEXEC);
	if (fs_fd < 0)
		return hk_error_errno(err, "cannot open a %s filesystem", fstype);
	if (configure(fs_fd, fstype, source, options, err) < 0)
		return -1;
	if (fsconfig(fs_fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return hk_error_errno(err, "cannot create the %s filesystem", fstype);
	hk_autoclose int mnt_fd =
		fsmount(fs_fd, FSMOUNT_CLOEXEC, (unsigned)hk_mount_attr_bits(attrs));
	if (mnt_fd < 0)
		return hk_error_errno(err, "cannot make a %s mount", fstype);
	return attach(mnt_fd, target_fd, fstype, err);
}

int hk_mount_bind(int src_fd, int target_fd, unsigned attrs, struct hk_error **err)
{
	if (!hk_mount_have_api()) {
		char src[32], dst[32];
		if (fd_path_checked(src_fd, src, err) < 0 ||
		    fd_path_checked(target_fd, dst, err) < 0)
			return -1;
		unsigned long rec = (attrs & HK_MNT_RECURSIVE) ? MS_REC : 0;
		if (mount(src, dst, NULL, MS_BIND | rec, NULL) < 0)
			return hk_error_errno(err, "cannot bind-mount");
		return hk_mount_set_attrs(target_fd, attrs, err);
	}
	unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH;
	if (attrs & HK_MNT_RECURSIVE)
		flags |= AT_RECURSIVE;
	hk_autoclose int tree = open_tree(src_fd, "", flags);
	if (tree < 0)
		return hk_error_errno(err, "cannot clone the bind-mount source");
	if (attrs & ~HK_MNT_RECURSIVE) {
		struct mount_attr ma = { .attr_set = hk_mount_attr_bits(attrs) };
		unsigned at = AT_EMPTY_PATH | ((attrs & HK_MNT_RECURSIVE) ? AT_RECURSIVE : 0);
		if (mount_setattr(tree, "", at, &ma, sizeof(ma)) < 0)
			return hk_error_errno(err, "cannot set the bind mount's attributes");
	}
	return attach(tree, target_fd, "bind", err);
}

int hk_mount_set_attrs(int target_fd, unsigned attrs, struct hk_error **err)
{
	if (!(attrs & ~HK_MNT_RECURSIVE))
		return 0;
	if (!hk_mount_have_api()) {
		char path[32];
		if (fd_path_checked(target_fd, path, err) < 0)
			return -1;
		unsigned long f = MS_BIND | MS_REMOUNT | to_ms_flags(attrs);
		if (mount(NULL, path, NULL, f, NULL) < 0)
			return hk_error_errno(err, "cannot change mount attributes");
		return 0;
	}
	struct mount_attr ma = { .attr_set = hk_mount_attr_bits(attrs) };
	unsigned at = AT_EMPTY_PATH | ((attrs & HK_MNT_RECURSIVE) ? AT_RECURSIVE : 0);
	if (mount_setattr(target_fd, "", at, &ma, sizeof(ma)) < 0)
		return hk_error_errno(err, "cannot change mount attributes");
	return 0;
}
