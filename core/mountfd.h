/* mountfd.h - mounting onto descriptors, never onto path strings.
 *
 * Targets inside a rootfs are opened with hk_safe_open() (O_PATH) and the
 * mount is attached to that exact inode with the kernel's mount API
 * (fsopen/fsconfig/fsmount, open_tree, move_mount, mount_setattr), so a
 * symlink swapped in after the check cannot redirect it (the class of
 * runc's CVE-2019-19921 and CVE-2021-30465).  Without that API (Linux <
 * 5.2), the fallback mounts on /proc/self/fd/N after checking that /proc is
 * a real procfs.
 */
#ifndef HAKO_MOUNTFD_H
#define HAKO_MOUNTFD_H

#include <stdbool.h>

#include "error.h"

/* Attribute bits, mapped to MOUNT_ATTR_* (or MS_*) inside. */
enum {
	HK_MNT_RDONLY = 1 << 0,
	HK_MNT_NOSUID = 1 << 1,
	HK_MNT_NODEV = 1 << 2,
	HK_MNT_NOEXEC = 1 << 3,
	HK_MNT_RECURSIVE = 1 << 4, /* bind: the whole subtree (rbind) */
};

/* Mounts a new filesystem of `fstype` ("proc", "sysfs", "tmpfs", "devpts",
 * "overlay", "cgroup2" ...) with the comma-separated `options` onto
 * target_fd (an O_PATH fd of a directory or file). */
int hk_mount_new(const char *fstype, const char *source, const char *options, unsigned attrs,
		 int target_fd, struct hk_error **err);

/* Bind-mounts src_fd (an O_PATH fd, or the result of hk_safe_open) onto
 * target_fd. */
int hk_mount_bind(int src_fd, int target_fd, unsigned attrs, struct hk_error **err);

/* Bind-mounts the host path source onto target_fd read-only (with the
 * other attrs), the read-only flag locked by the kernel (mount-lock.c):
 * nobody inside can make it writable.  Needs the new mount API and user
 * namespaces. */
int hk_mount_bind_locked(const char *source, int target_fd, unsigned attrs, struct hk_error **err);

/* Changes the attributes of the mount at target_fd (read-only etc.),
 * recursively when HK_MNT_RECURSIVE is given. */
int hk_mount_set_attrs(int target_fd, unsigned attrs, struct hk_error **err);

/* HK_MNT_* attrs as MOUNT_ATTR_* bits. */
unsigned long hk_mount_attr_bits(unsigned attrs);

/* true when the new mount API is used. */
bool hk_mount_have_api(void);

#endif
