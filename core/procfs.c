/* procfs.c - verified opens of files in /proc (see procfs.h). */
#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "util.h"

static bool on_procfs(int fd)
{
	struct statfs sfs;
	return fstatfs(fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
}

/* The mount id of fd, 0 when the kernel does not say (before 5.8). */
static unsigned long long mount_id(int fd)
{
	struct statx stx;
	if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0 || !(stx.stx_mask & STATX_MNT_ID))
		return 0;
	return stx.stx_mnt_id;
}

/* Opens rel below dir_fd and checks it is procfs; -1 with err. */
static int open_checked(int dir_fd, const char *rel, int flags, const char *shown,
			struct hk_error **err)
{
	int fd = openat(dir_fd, rel, flags | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return hk_error_errno(err, "cannot open \"%s\"", shown);
	if (!on_procfs(fd)) {
		close(fd);
		return hk_error_set(err, EPERM,
				    "\"%s\" is not on procfs (something is mounted over /proc?); "
				    "refusing to write there",
				    shown);
	}
	return fd;
}

int hk_procfs_open(const char *path, int flags, struct hk_error **err)
{
	if (!hk_str_has_prefix(path, "/proc/") || !path[6] || strstr(path, "/.."))
		return hk_error_set(err, EINVAL, "\"%s\" is not a file below /proc", path);
	hk_autoclose int proc = open_checked(AT_FDCWD, "/proc", O_PATH | O_DIRECTORY, "/proc", err);
	if (proc < 0)
		return -1;
	hk_autofree char *dir = xstrdup(path);
	char *base = strrchr(dir, '/');
	*base++ = '\0';
	hk_autoclose int dfd = strlen(dir) > 5
				       ? open_checked(proc, dir + 6, O_PATH | O_DIRECTORY, dir, err)
				       : fcntl(proc, F_DUPFD_CLOEXEC, 0);
	if (dfd < 0)
		return -1;
	int fd = open_checked(dfd, base, flags, path, err);
	if (fd < 0)
		return -1;
	unsigned long long a = mount_id(dfd), b = mount_id(fd);
	if (a && b && a != b) {
		close(fd);
		return hk_error_set(
			err, EPERM,
			"something is mounted over \"%s\" (a bind mount of another file); "
			"refusing to write there",
			path);
	}
	return fd;
}
