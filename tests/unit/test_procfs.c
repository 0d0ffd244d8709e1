/* test_procfs.c - hk_procfs_open: a real proc file opens; a path outside
 * /proc, /proc/self-less "..", and a missing file are refused; and (root,
 * in a private mount namespace of a child) a regular file or another proc
 * file bind-mounted over /proc/sys/kernel/domainname, or a tmpfs over
 * /proc, is refused before anything is written. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "procfs.h"
#include "util.h"

static void test_real_and_bad_paths(void **state)
{
	(void)state;
	hk_autoerr struct hk_error *err = NULL;
	int fd = hk_procfs_open("/proc/sys/kernel/hostname", O_RDONLY, &err);
	assert_true(fd >= 0);
	close(fd);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)getpid());
	fd = hk_procfs_open(path, O_RDONLY, &err);
	assert_true(fd >= 0);
	close(fd);
	const char *bad[] = { "/etc/hostname", "/proc/", "/proc/sys/../../etc/passwd",
			      "/procx/sys" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(hk_procfs_open(bad[i], O_RDONLY, &err), -1);
		assert_int_equal(err->code, EINVAL);
		hk_error_freep(&err);
	}
	assert_int_equal(hk_procfs_open("/proc/sys/kernel/no-such-sysctl", O_RDONLY, &err), -1);
	assert_int_equal(err->code, ENOENT);
	assert_non_null(strstr(err->msg, "no-such-sysctl"));
}

/* In a child with its own mount namespace: set up the fake with mnt(),
 * then expect hk_procfs_open of domainname to fail naming `want`. */
static void fake(void (*mnt)(const char *tmp), const char *want)
{
	char tmp[] = "/tmp/hk-test-procfs-XXXXXX";
	assert_non_null(mkdtemp(tmp));
	pid_t pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(2);
		mnt(tmp);
		struct hk_error *err = NULL;
		int fd = hk_procfs_open("/proc/sys/kernel/domainname", O_WRONLY, &err);
		_exit(fd < 0 && err->code == EPERM && strstr(err->msg, want) ? 0 : 1);
	}
	int status;
	waitpid(pid, &status, 0);
	hk_autofree char *f = xasprintf("%s/file", tmp);
	unlink(f);
	rmdir(tmp);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void bind_regular_file(const char *tmp)
{
	hk_autofree char *f = xasprintf("%s/file", tmp);
	int fd = open(f, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	close(fd);
	if (mount(f, "/proc/sys/kernel/domainname", NULL, MS_BIND, NULL) < 0)
		_exit(3);
}

static void bind_other_proc_file(const char *tmp)
{
	(void)tmp;
	if (mount("/proc/sys/kernel/hostname", "/proc/sys/kernel/domainname", NULL, MS_BIND, NULL) <
	    0)
		_exit(3);
}

static void tmpfs_over_proc(const char *tmp)
{
	(void)tmp;
	if (mount("tmpfs", "/proc", "tmpfs", 0, NULL) < 0)
		_exit(3);
	mkdir("/proc/sys", 0755);
	mkdir("/proc/sys/kernel", 0755);
	close(open("/proc/sys/kernel/domainname", O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
}

static void test_fakes_refused(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	fake(bind_regular_file, "is not on procfs");
	fake(bind_other_proc_file, "mounted over");
	fake(tmpfs_over_proc, "\"/proc\" is not on procfs");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_and_bad_paths),
		cmocka_unit_test(test_fakes_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
