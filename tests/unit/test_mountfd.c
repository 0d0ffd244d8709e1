/* test_mountfd.c - mounts attached to descriptors land on the inode that
 * was opened, with the attributes asked for.  Each test runs in a forked
 * child in its own mount namespace (root only; skipped otherwise). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "mountfd.h"
#include "safepath.h"
#include "util.h"

static char top[64];

static int setup(void **state)
{
	(void)state;
	if (geteuid() != 0)
		return 0;
	snprintf(top, sizeof(top), "/tmp/hk-mountfd-XXXXXX");
	assert_non_null(mkdtemp(top));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (geteuid() == 0)
		hk_rm_rf(top, NULL);
	return 0;
}

/* Runs fn in a child in a new, private mount namespace; the child's exit
 * status 0 means the checks inside held. */
static void in_mount_ns(int (*fn)(void))
{
	if (geteuid() != 0) {
		skip();
		return;
	}
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(99);
		_exit(fn());
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static long fs_type(const char *path)
{
	struct statfs s;
	return statfs(path, &s) == 0 ? (long)s.f_type : -1;
}

static int child_tmpfs_on_fd(void)
{
	char dir[128];
	snprintf(dir, sizeof(dir), "%s/t1", top);
	if (mkdir(dir, 0755) < 0)
		return 1;
	int root = open(top, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int target = hk_safe_open(root, "t1", O_PATH | O_DIRECTORY, 0, 0, NULL);
	if (target < 0)
		return 2;
	if (hk_mount_new("tmpfs", "hako-test", "size=1m,mode=0711", HK_MNT_NOSUID | HK_MNT_NODEV,
			 target, NULL) < 0)
		return 3;
	if (fs_type(dir) != TMPFS_MAGIC)
		return 4;
	struct stat st;
	if (stat(dir, &st) < 0 || (st.st_mode & 07777) != 0711)
		return 5;
	/* A bad option is refused with an error, not ignored. */
	struct hk_error *err = NULL;
	if (hk_mount_new("tmpfs", NULL, "nosuchoption=1", 0, target, &err) == 0)
		return 6;
	hk_error_free(err);
	return 0;
}

static int child_bind_readonly(void)
{
	char src[128], dst[128], file[160];
	snprintf(src, sizeof(src), "%s/src", top);
	snprintf(dst, sizeof(dst), "%s/dst", top);
	if (mkdir(src, 0755) < 0 || mkdir(dst, 0755) < 0)
		return 1;
	int sfd = open(src, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int dfd = open(dst, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (hk_mount_bind(sfd, dfd, HK_MNT_RDONLY, NULL) < 0)
		return 2;
	snprintf(file, sizeof(file), "%s/x", dst);
	int fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0 || errno != EROFS)
		return 3;
	/* The source stays writable. */
	snprintf(file, sizeof(file), "%s/y", src);
	fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return 4;
	close(fd);
	return 0;
}

/* The target is opened, then the path is swapped for a symlink to another
 * directory: the mount must still land on the opened inode. */
static int child_swap_after_open(void)
{
	char a[128], b[128], moved[128];
	snprintf(a, sizeof(a), "%s/a", top);
	snprintf(b, sizeof(b), "%s/b", top);
	snprintf(moved, sizeof(moved), "%s/a-moved", top);
	if (mkdir(a, 0755) < 0 || mkdir(b, 0755) < 0)
		return 1;
	int root = open(top, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int target = hk_safe_open(root, "a", O_PATH | O_DIRECTORY, 0, 0, NULL);
	if (target < 0 || rename(a, moved) < 0 || symlink(b, a) < 0)
		return 2;
	if (hk_mount_new("tmpfs", NULL, NULL, 0, target, NULL) < 0)
		return 3;
	if (fs_type(moved) != TMPFS_MAGIC || fs_type(b) == TMPFS_MAGIC)
		return 4;
	return 0;
}

static void test_tmpfs_on_fd(void **state)
{
	(void)state;
	in_mount_ns(child_tmpfs_on_fd);
}

static void test_bind_readonly(void **state)
{
	(void)state;
	in_mount_ns(child_bind_readonly);
}

static void test_swap_after_open(void **state)
{
	(void)state;
	in_mount_ns(child_swap_after_open);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tmpfs_on_fd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_readonly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_swap_after_open, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
