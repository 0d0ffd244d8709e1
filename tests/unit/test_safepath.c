/* test_safepath.c - a hostile rootfs full of symlinks pointing at the host:
 * nothing resolved through hk_safe_* may land outside it.  Every test runs
 * twice: with openat2() and with the fallback walker (HAKO_NO_OPENAT2=1). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "safepath.h"
#include "util.h"

struct fixture {
	char top[PATH_MAX];  /* temp dir: holds host/ and rootfs/ */
	char host[PATH_MAX]; /* stands for the host: must stay untouched */
	char rootfs[PATH_MAX];
	int rootfd;
};

/* Formats a path into one of a few rotating buffers. */
static const char *pathf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *pathf(const char *fmt, ...)
{
	static char bufs[4][PATH_MAX];
	static int next;
	char *b = bufs[next++ % 4];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b, PATH_MAX, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && n < PATH_MAX);
	return b;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void lnk(const char *target, const char *dir, const char *name)
{
	char p[PATH_MAX];
	strcpy(p, pathf("%s/%s", dir, name));
	assert_int_equal(symlink(target, p), 0);
}

static int setup_common(void **state, const char *no_openat2)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	snprintf(f->top, sizeof(f->top), "/tmp/hk-safepath-XXXXXX");
	assert_non_null(mkdtemp(f->top));
	strcpy(f->host, pathf("%s/host", f->top));
	strcpy(f->rootfs, pathf("%s/rootfs", f->top));
	assert_int_equal(mkdir(f->host, 0755), 0);
	assert_int_equal(mkdir(f->rootfs, 0755), 0);
	char p[PATH_MAX];
	strcpy(p, pathf("%s/marker", f->host));
	put(p, "host");
	strcpy(p, pathf("%s/marker", f->rootfs));
	put(p, "inside");
	strcpy(p, pathf("%s/dev", f->rootfs));
	assert_int_equal(mkdir(p, 0755), 0);
	/* The hostile links, each pointing at the "host" by absolute path or
	 * by climbing out with "..". */
	lnk(f->host, f->rootfs, "abs");	  /* /tmp/.../host */
	lnk("../host", f->rootfs, "rel"); /* climbs out of rootfs */
	lnk("../../../../../../..", f->rootfs, "up");
	lnk("/", f->rootfs, "slash");
	lnk("/proc/self/root", f->rootfs, "magic");
	lnk("loop2", f->rootfs, "loop1");
	lnk("loop1", f->rootfs, "loop2");
	strcpy(p, pathf("%s/host/marker", f->top));
	char devdir[PATH_MAX];
	strcpy(devdir, pathf("%s/dev", f->rootfs));
	lnk(p, devdir, "null");	     /* /dev/null -> host file */
	lnk(f->host, devdir, "pts"); /* /dev/pts -> host dir */
	f->rootfd = open(f->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->rootfd >= 0);
	if (no_openat2)
		setenv("HAKO_NO_OPENAT2", "1", 1);
	else
		unsetenv("HAKO_NO_OPENAT2");
	hk_safe_reprobe();
	*state = f;
	return 0;
}

static int setup_openat2(void **state)
{
	return setup_common(state, NULL);
}

static int setup_fallback(void **state)
{
	return setup_common(state, "1");
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	close(f->rootfd);
	hk_rm_rf(f->top, NULL);
	free(f);
	return 0;
}

/* Reads what an fd opened for reading holds. */
static void assert_fd_reads(int fd, const char *want)
{
	char buf[64] = { 0 };
	assert_true(fd >= 0);
	assert_true(read(fd, buf, sizeof(buf) - 1) >= 0);
	assert_string_equal(buf, want);
	close(fd);
}

static void test_plain_path(void **state)
{
	struct fixture *f = *state;
	assert_fd_reads(hk_safe_open(f->rootfd, "/marker", O_RDONLY, 0, 0, NULL), "inside");
	assert_fd_reads(hk_safe_open(f->rootfd, "marker", O_RDONLY, 0, 0, NULL), "inside");
}

static void test_symlinks_stay_inside(void **state)
{
	struct fixture *f = *state;
	const char *paths[] = { "slash/marker", "up/marker", "/../../marker", "dev/../../marker",
				"slash/slash/up/marker" };
	for (size_t i = 0; i < HK_ARRAY_SIZE(paths); i++)
		assert_fd_reads(hk_safe_open(f->rootfd, paths[i], O_RDONLY, 0, 0, NULL), "inside");
}

static void test_links_to_host_do_not_resolve_there(void **state)
{
	struct fixture *f = *state;
	hk_autoerr struct hk_error *err = NULL;
	/* "abs" points at the host dir by absolute path: inside the root that
	 * path does not exist, so the open fails instead of reaching the host. */
	assert_int_equal(hk_safe_open(f->rootfd, "abs/marker", O_RDONLY, 0, 0, &err), -1);
	assert_non_null(err);
	hk_error_freep(&err);
	assert_int_equal(hk_safe_open(f->rootfd, "rel/marker", O_RDONLY, 0, 0, &err), -1);
	hk_error_freep(&err);
	assert_int_equal(hk_safe_open(f->rootfd, "magic/etc/passwd", O_RDONLY, 0, 0, &err), -1);
	hk_error_freep(&err);
	assert_int_equal(hk_safe_open(f->rootfd, "dev/null", O_RDONLY, 0, 0, &err), -1);
}

static void test_symlink_loop(void **state)
{
	struct fixture *f = *state;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_safe_open(f->rootfd, "loop1/x", O_RDONLY, 0, 0, &err), -1);
	assert_non_null(err);
	assert_int_equal(err->code, ELOOP);
}

static void test_create_never_through_symlink(void **state)
{
	struct fixture *f = *state;
	hk_autoerr struct hk_error *err = NULL;
	/* /dev/null is a symlink to a host file: O_CREAT must refuse it. */
	int fd = hk_safe_open(f->rootfd, "dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644, 0, &err);
	assert_int_equal(fd, -1);
	char p[PATH_MAX], buf[16] = { 0 };
	strcpy(p, pathf("%s/marker", f->host));
	int hfd = open(p, O_RDONLY | O_CLOEXEC);
	assert_true(read(hfd, buf, sizeof(buf)) == 4);
	close(hfd);
	assert_string_equal(buf, "host");
	/* A new file lands inside. */
	hk_error_freep(&err);
	fd = hk_safe_open(f->rootfd, "slash/dev/newfile", O_WRONLY | O_CREAT, 0644, 0, &err);
	assert_true(fd >= 0);
	close(fd);
	strcpy(p, pathf("%s/dev/newfile", f->rootfs));
	assert_int_equal(access(p, F_OK), 0);
}

static void test_mkdir_p_through_links(void **state)
{
	struct fixture *f = *state;
	hk_autoerr struct hk_error *err = NULL;
	/* "dev/pts" points at the host dir; inside the root that target does
	 * not exist, so mkdir -p refuses (as mkdir -p in a chroot would),
	 * and nothing is made on the host. */
	int fd = hk_safe_mkdir_p(f->rootfd, "/dev/pts/sub", 0755, 0, &err);
	assert_int_equal(fd, -1);
	assert_non_null(err);
	hk_error_freep(&err);
	assert_int_equal(access(pathf("%s/sub", f->host), F_OK), -1);
	/* Through a link that resolves inside ("slash" is "/"), it works. */
	fd = hk_safe_mkdir_p(f->rootfd, "slash/a/b/c", 0755, 0, &err);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(access(pathf("%s/a/b/c", f->rootfs), F_OK), 0);
	/* "up" climbs out with ".."; it stays at the top of the rootfs. */
	fd = hk_safe_mkdir_p(f->rootfd, "up/d", 0755, 0, &err);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(access(pathf("%s/d", f->rootfs), F_OK), 0);
}

static void test_touch(void **state)
{
	struct fixture *f = *state;
	hk_autoerr struct hk_error *err = NULL;
	int fd = hk_safe_touch(f->rootfd, "/etc/hostname", 0644, 0, &err);
	assert_int_equal(fd, -1); /* /etc does not exist in this rootfs */
	hk_error_freep(&err);
	fd = hk_safe_touch(f->rootfd, "/up/console", 0644, 0, &err);
	assert_true(fd >= 0);
	close(fd);
	char p[PATH_MAX];
	strcpy(p, pathf("%s/console", f->rootfs));
	assert_int_equal(access(p, F_OK), 0);
	/* Touching an existing file opens it. */
	fd = hk_safe_touch(f->rootfd, "/marker", 0644, 0, &err);
	assert_true(fd >= 0);
	close(fd);
}

/* Mount targets resolve "beneath": absolute links and ".." above the top
 * are refused outright instead of being kept inside. */
static void test_beneath_refuses_escaping_links(void **state)
{
	struct fixture *f = *state;
	const char *bad[] = { "slash/marker", "up/marker", "/../marker", "abs/marker" };
	for (size_t i = 0; i < HK_ARRAY_SIZE(bad); i++) {
		hk_autoerr struct hk_error *err = NULL;
		assert_int_equal(
			hk_safe_open(f->rootfd, bad[i], O_RDONLY, 0, HK_SAFE_BENEATH, &err), -1);
		assert_non_null(err);
	}
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_safe_mkdir_p(f->rootfd, "up/x", 0755, HK_SAFE_BENEATH, &err), -1);
	assert_int_equal(access(pathf("%s/x", f->rootfs), F_OK), -1);
	/* A relative link that stays inside is fine. */
	assert_int_equal(symlink("dev", pathf("%s/devlink", f->rootfs)), 0);
	int fd = hk_safe_mkdir_p(f->rootfd, "devlink/shm", 0755, HK_SAFE_BENEATH, NULL);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(access(pathf("%s/dev/shm", f->rootfs), F_OK), 0);
	assert_fd_reads(hk_safe_open(f->rootfd, "/marker", O_RDONLY, 0, HK_SAFE_BENEATH, NULL),
			"inside");
}

#define BOTH(t)                                                                                    \
	cmocka_unit_test_setup_teardown(t, setup_openat2, teardown),                               \
		cmocka_unit_test_setup_teardown(t, setup_fallback, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_plain_path),
		BOTH(test_symlinks_stay_inside),
		BOTH(test_links_to_host_do_not_resolve_there),
		BOTH(test_symlink_loop),
		BOTH(test_create_never_through_symlink),
		BOTH(test_mkdir_p_through_links),
		BOTH(test_touch),
		BOTH(test_beneath_refuses_escaping_links),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
