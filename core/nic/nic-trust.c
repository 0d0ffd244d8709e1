/* nic-trust.c - what hako-nic may believe: who called it (real ids only),
 * which files it may read (root-owned, writable by nobody else, no
 * symbolic link at the last component), and whether the caller really
 * owns the network namespace it names.
 *
 * The namespace check follows what lxc-user-nic had to learn (CVE-2017-5985
 * and CVE-2018-6556): everything is opened with the caller's credentials
 * (effective ids switched to the real ones, which also empties the
 * effective capabilities), caller-named paths only O_PATH, checked to be
 * procfs and nsfs, and the proof is the kernel's: the user namespace that
 * owns the network namespace must have been created by the caller
 * (NS_GET_USERNS, NS_GET_OWNER_UID).  Every failure gives one message, so
 * the check tells nothing about processes the caller may not see. */
#include "nic.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

void hk_nic_user_groups(const char *user, gid_t gid, struct hk_strv *out)
{
	gid_t groups[256];
	int n = HK_ARRAY_SIZE(groups);
	if (getgrouplist(user, gid, groups, &n) < 0)
		n = HK_ARRAY_SIZE(groups); /* more than 256: the first ones count */
	for (int i = 0; i < n; i++) {
		struct group *g = getgrgid(groups[i]);
		if (g && !hk_strv_contains(out, g->gr_name))
			hk_strv_push(out, g->gr_name);
	}
}

int hk_nic_caller_get(struct hk_nic_caller *c, struct hk_error **err)
{
	memset(c, 0, sizeof(*c));
	c->uid = getuid();
	c->gid = getgid();
	struct passwd *pw = getpwuid(c->uid);
	if (!pw || strlen(pw->pw_name) >= sizeof(c->user))
		return hk_error_set(
			err, ENOENT,
			"uid %u has no usable entry in /etc/passwd; hako-nic grants nics "
			"to named users (and their groups) only",
			(unsigned)c->uid);
	snprintf(c->user, sizeof(c->user), "%s", pw->pw_name);
	hk_nic_user_groups(c->user, pw->pw_gid, &c->groups);
	return 0;
}

void hk_nic_caller_free(struct hk_nic_caller *c)
{
	hk_strv_clear(&c->groups);
}

int hk_nic_open_trusted(const char *path, bool dir, const char *what, struct hk_error **err)
{
	int flags = (dir ? O_RDONLY | O_DIRECTORY : O_RDONLY | O_NONBLOCK) | O_NOFOLLOW | O_CLOEXEC;
	hk_autoclose int fd = open(path, flags);
	if (fd < 0 && (errno == ELOOP || errno == ENOTDIR))
		return hk_error_set(
			err, ELOOP,
			"%s \"%s\" is a symbolic link (or not a %s); hako-nic never makes "
			"one there, so someone planted it: as root, remove it and check who "
			"can write to its directory",
			what, path, dir ? "directory" : "file");
	if (fd < 0)
		return hk_error_errno(err, "cannot open %s \"%s\"", what, path);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return hk_error_errno(err, "cannot inspect %s \"%s\"", what, path);
	if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		return hk_error_set(err, EPERM,
				    "%s \"%s\" is not a regular %s; as root, replace it with one",
				    what, path, dir ? "directory" : "file");
	if (st.st_uid != 0)
		return hk_error_set(
			err, EPERM,
			"%s \"%s\" is owned by uid %u, not root, so hako-nic cannot trust "
			"it; as root: chown root:root %s",
			what, path, (unsigned)st.st_uid, path);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return hk_error_set(err, EPERM,
				    "%s \"%s\" is writable by its group or others (mode %04o), so "
				    "anyone could change it; as root: chmod go-w %s",
				    what, path, (unsigned)(st.st_mode & 07777), path);
	return hk_steal_fd(&fd);
}

/* An nsfs descriptor usable for ioctl: O_PATH first (no side effect of
 * opening whatever is there), checked, then reopened through
 * /proc/self/fd and checked to be the same inode. */
static int open_ns_at(int dirfd, const char *name)
{
	hk_autoclose int p = openat(dirfd, name, O_PATH | O_CLOEXEC);
	struct statfs sf;
	struct stat a, b;
	if (p < 0 || fstatfs(p, &sf) < 0 || sf.f_type != NSFS_MAGIC || fstat(p, &a) < 0)
		return -1;
	char self[64];
	snprintf(self, sizeof(self), "/proc/self/fd/%d", p);
	hk_autoclose int fd = open(self, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &b) < 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return -1;
	return hk_steal_fd(&fd);
}

/* The uid that created user namespace fd; (uid_t)-1 on any failure. */
static uid_t userns_owner(int usfd)
{
	uid_t owner = (uid_t)-1;
	if (usfd < 0 || ioctl(usfd, NS_GET_OWNER_UID, &owner) < 0)
		return (uid_t)-1;
	return owner;
}

/* Runs with the caller's effective ids.  Returns the network namespace. */
static int open_as_caller(pid_t pid, uid_t uid)
{
	char path[32];
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	hk_autoclose int dir = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct statfs sf;
	struct stat st;
	if (dir < 0 || fstatfs(dir, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC ||
	    fstat(dir, &st) < 0)
		return -1;
	/* The process is the caller's, or lives in a user namespace of his. */
	if (st.st_uid != uid) {
		hk_autoclose int us = open_ns_at(dir, "ns/user");
		if (userns_owner(us) != uid)
			return -1;
	}
	hk_autoclose int net = open_ns_at(dir, "ns/net");
	if (net < 0)
		return -1;
	hk_autoclose int owner = ioctl(net, NS_GET_USERNS);
	if (userns_owner(owner) != uid)
		return -1;
	return hk_steal_fd(&net);
}

int hk_nic_netns_open(pid_t pid, uid_t uid, gid_t gid, long long *start, struct hk_error **err)
{
	uid_t euid = geteuid();
	gid_t egid = getegid();
	long long t0 = pid > 0 ? hk_proc_start_time(pid) : -1;
	int fd = -1;
	if (t0 >= 0 && setegid(gid) == 0 && seteuid(uid) == 0)
		fd = open_as_caller(pid, uid);
	if (seteuid(euid) < 0 || setegid(egid) < 0)
		abort(); /* cannot get back: never go on with the wrong ids */
	if (fd >= 0 && hk_proc_start_time(pid) != t0) { /* the pid was reused meanwhile */
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		return hk_error_set(
			err, EPERM,
			"network namespace of pid %d: not one you own, or no such "
			"process; name a process of yours in a network namespace whose user "
			"namespace you created (your container's init)",
			(int)pid);
	*start = t0;
	return fd;
}
