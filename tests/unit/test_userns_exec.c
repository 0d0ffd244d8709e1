/* test_userns_exec.c - running a function as root of a new user namespace:
 * the files it makes belong to the mapped root, its errors come back to
 * the parent, a crash is reported, bad maps never fork.  The namespace
 * tests need root (maps written directly) and skip without user
 * namespaces. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "userns-exec.h"
#include "util.h"

#define HOST_BASE 300000UL

static const char *no_userns; /* why namespace tests skip, or NULL */

static void probe_userns(void)
{
	if (geteuid() != 0) {
		no_userns = "needs root to write maps without newuidmap";
		return;
	}
	pid_t pid = fork();
	if (pid == 0)
		_exit(unshare(CLONE_NEWUSER) == 0 ? 0 : 1);
	int status;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		no_userns = "user namespaces are unavailable on this kernel";
}

#define SKIP_WITHOUT_USERNS()                                                                      \
	do {                                                                                       \
		if (no_userns) {                                                                   \
			fprintf(stderr, "skipped: %s\n", no_userns);                               \
			skip();                                                                    \
		}                                                                                  \
	} while (0)

static void root_map(struct hk_idmap *m)
{
	hk_idmap_add(m, 'u', 0, HOST_BASE, 65536);
	hk_idmap_add(m, 'g', 0, HOST_BASE, 65536);
}

static int make_file(void *arg, struct hk_error **err)
{
	const char *dir = arg;
	if (getuid() != 0 || getgid() != 0)
		return hk_error_set(err, 0, "not root inside: uid %d gid %d", (int)getuid(),
				    (int)getgid());
	hk_autofree char *p = xasprintf("%s/made", dir);
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return hk_error_errno(err, "cannot create \"%s\"", p);
	close(fd);
	return 0;
}

static void test_files_belong_to_mapped_root(void **state)
{
	(void)state;
	SKIP_WITHOUT_USERNS();
	char dir[] = "/tmp/hk-userns-XXXXXX";
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chown(dir, HOST_BASE, HOST_BASE), 0);
	struct hk_idmap m = { 0 };
	root_map(&m);
	struct hk_error *err = NULL;
	int rc = hk_userns_run(&m, HK_USERNS_MAP_SELF, make_file, dir, &err);
	if (rc < 0)
		fail_msg("%s", err->msg);
	struct stat st;
	hk_autofree char *p = xasprintf("%s/made", dir);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_uid, HOST_BASE);
	assert_int_equal(st.st_gid, HOST_BASE);
	unlink(p);
	rmdir(dir);
	hk_idmap_free(&m);
}

static void test_unwritable_dir_fails_inside(void **state)
{
	(void)state;
	SKIP_WITHOUT_USERNS();
	char dir[] = "/tmp/hk-userns-XXXXXX"; /* owned by host root: not mapped */
	assert_non_null(mkdtemp(dir));
	struct hk_idmap m = { 0 };
	root_map(&m);
	struct hk_error *err = NULL;
	assert_int_equal(hk_userns_run(&m, 0, make_file, dir, &err), -1);
	assert_int_equal(err->code, EACCES);
	assert_non_null(strstr(err->msg, "cannot create"));
	hk_error_free(err);
	rmdir(dir);
	hk_idmap_free(&m);
}

static int fail_with_text(void *arg, struct hk_error **err)
{
	(void)arg;
	return hk_error_set(err, ENOSPC, "boom at step %d", 3);
}

static void test_error_travels_back(void **state)
{
	(void)state;
	SKIP_WITHOUT_USERNS();
	struct hk_idmap m = { 0 };
	root_map(&m);
	struct hk_error *err = NULL;
	assert_int_equal(hk_userns_run(&m, 0, fail_with_text, NULL, &err), -1);
	assert_int_equal(err->code, ENOSPC);
	assert_string_equal(err->msg, "boom at step 3");
	hk_error_free(err);
	hk_idmap_free(&m);
}

static int crash(void *arg, struct hk_error **err)
{
	(void)arg;
	(void)err;
	signal(SIGABRT, SIG_DFL);
	abort();
}

static void test_crash_is_reported(void **state)
{
	(void)state;
	SKIP_WITHOUT_USERNS();
	struct hk_idmap m = { 0 };
	root_map(&m);
	struct hk_error *err = NULL;
	assert_int_equal(hk_userns_run(&m, 0, crash, NULL, &err), -1);
	assert_non_null(strstr(err->msg, "died of signal ABRT"));
	hk_error_free(err);
	hk_idmap_free(&m);
}

static int never_called(void *arg, struct hk_error **err)
{
	(void)err;
	*(int *)arg = 1;
	return 0;
}

static void test_bad_map_never_forks(void **state)
{
	(void)state;
	struct hk_idmap m = { 0 };
	hk_idmap_add(&m, 'u', 0, HOST_BASE, 65536); /* uids but no gids */
	int called = 0;
	struct hk_error *err = NULL;
	assert_int_equal(hk_userns_run(&m, 0, never_called, &called, &err), -1);
	assert_int_equal(called, 0);
	assert_non_null(err);
	hk_error_free(err);
	hk_idmap_free(&m);
}

static void test_effective_map_adds_self(void **state)
{
	(void)state;
	struct hk_idmap m = { 0 }, out = { 0 };
	root_map(&m);
	hk_userns_effective_map(&m, HK_USERNS_MAP_SELF, 1000, 1001, &out);
	assert_int_equal(out.n, 4);
	assert_int_equal(out.r[2].kind, 'u');
	assert_int_equal(out.r[2].ns, 65536);
	assert_int_equal(out.r[2].host, 1000);
	assert_int_equal(out.r[2].count, 1);
	assert_int_equal(out.r[3].kind, 'g');
	assert_int_equal(out.r[3].host, 1001);
	hk_idmap_free(&out);
	/* without the flag, or for root, the map stays as it is */
	hk_userns_effective_map(&m, 0, 1000, 1001, &out);
	assert_int_equal(out.n, 2);
	hk_idmap_free(&out);
	hk_userns_effective_map(&m, HK_USERNS_MAP_SELF, 0, 0, &out);
	assert_int_equal(out.n, 2);
	hk_idmap_free(&out);
	/* a caller whose ids are mapped already gets nothing extra */
	hk_userns_effective_map(&m, HK_USERNS_MAP_SELF, HOST_BASE + 5, HOST_BASE + 5, &out);
	assert_int_equal(out.n, 2);
	hk_idmap_free(&out);
	hk_idmap_free(&m);
}

static void test_helper_argv(void **state)
{
	(void)state;
	struct hk_idmap m = { 0 };
	hk_idmap_add(&m, 'u', 0, 100000, 65536);
	hk_idmap_add(&m, 'g', 0, 200000, 1000);
	hk_idmap_add(&m, 'g', 1000, 1000, 1);
	struct hk_strv v = { 0 };
	hk_userns_helper_argv(&v, "/usr/bin/newgidmap", 42, &m, 'g');
	const char *want[] = {
		"/usr/bin/newgidmap", "42", "0", "200000", "1000", "1000", "1000", "1"
	};
	assert_int_equal(v.n, HK_ARRAY_SIZE(want));
	for (size_t i = 0; i < v.n; i++)
		assert_string_equal(v.v[i], want[i]);
	assert_null(v.v[v.n]);
	hk_strv_clear(&v);
	hk_idmap_free(&m);
}

static void test_check_map_root_ok(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	struct hk_idmap m = { 0 };
	root_map(&m);
	assert_int_equal(hk_userns_check_map(&m, NULL), 0);
	hk_idmap_free(&m);
}

int main(void)
{
	probe_userns();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files_belong_to_mapped_root),
		cmocka_unit_test(test_unwritable_dir_fails_inside),
		cmocka_unit_test(test_error_travels_back),
		cmocka_unit_test(test_crash_is_reported),
		cmocka_unit_test(test_bad_map_never_forks),
		cmocka_unit_test(test_effective_map_adds_self),
		cmocka_unit_test(test_helper_argv),
		cmocka_unit_test(test_check_map_root_ok),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
