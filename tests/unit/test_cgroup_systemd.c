/* test_cgroup_systemd.c - the decisions around systemd's delegation: the
 * scope's unit name, which mode applies on a copy of the v2 fixture host
 * (with and without /run/systemd/system, inside a hako scope, in a cgroup
 * systemd marked delegated), the sentence doctor and setup-user show, and
 * the recorded scope that stop/attach/ls use (written, validated, stale).
 * The D-Bus conversation itself is tested against a real systemd in
 * tests/integration/systemd-scope.sh. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "testutil.h"
#include "teststore.h"

#include "cgroup-systemd.h"
#include "container.h"
#include "store.h"
#include "util.h"

static void test_unit_name(void **state)
{
	(void)state;
	hk_autoerr struct hk_error *err = NULL;
	hk_autofree char *a = hk_cgroup_scope_unit("c1", 0xab, &err);
	assert_string_equal(a, "hako-c1-00ab.scope");
	hk_autofree char *b = hk_cgroup_scope_unit("web_1.x-y@deadbeef", 0xffff, &err);
	assert_string_equal(b, "hako-web_1.x-y\\x40deadbeef-ffff.scope");
	hk_autofree char *c = hk_cgroup_scope_unit("a b/\xc3\xa9", 1, &err);
	assert_string_equal(c, "hako-a\\x20b\\x2f\\xc3\\xa9-0001.scope");
	char longname[300];
	memset(longname, 'n', 243);
	longname[243] = '\0'; /* 5 + 243 + 11 = 259 > 255 */
	assert_null(hk_cgroup_scope_unit(longname, 1, &err));
	assert_int_equal(err->code, ENAMETOOLONG);
	longname[239] = '\0'; /* 5 + 239 + 11 = 255 */
	hk_autofree char *d = hk_cgroup_scope_unit(longname, 1, NULL);
	assert_int_equal(strlen(d), 255);
}

static void test_path_valid(void **state)
{
	(void)state;
	static const char *const good[] = {
		"/user.slice/user-1000.slice/user@1000.service/app.slice/hako-c1-00ab.scope",
		"/hako-x\\x40y-0001.scope", "/system.slice/hako-a-1.scope"
	};
	static const char *const bad[] = {
		"user.slice/hako-c1-00ab.scope", /* relative */
		"/a//hako-c1-00ab.scope",	 /* // */
		"/a/../hako-c1-00ab.scope",	 /* .. */
		"/a/hako-c1-00ab.scope/..",	 /* .. at the end */
		"/a/other.scope",		 /* not hako's */
		"/a/hako-c1-00ab.service",	 /* not a scope */
		"/a/hako-.scope",		 /* nothing in it */
		"/a/hako-c1\n-00ab.scope",	 /* control byte */
		"/a/hako-c1-00ab.scope/hako/c1", /* below the scope */
	};
	for (size_t i = 0; i < HK_ARRAY_SIZE(good); i++)
		assert_true(hk_cgroup_scope_path_valid(good[i]));
	for (size_t i = 0; i < HK_ARRAY_SIZE(bad); i++)
		assert_false(hk_cgroup_scope_path_valid(bad[i]));
}

/* A writable copy of the v2 fixture host, the caller in cgroup `cg`. */
struct host {
	char dir[64];
	struct hk_cgroup_info info;
};

static void host_make(struct host *h, bool systemd, const char *cg)
{
	const char *top = getenv("HK_TEST_FIXTURES");
	strcpy(h->dir, "/tmp/hako-sdtest.XXXXXX");
	assert_non_null(mkdtemp(h->dir));
	hk_autofree char *cmd =
		xasprintf("cp -a '%s/cgroup/v2/.' '%s/'", top ? top : "tests/fixtures", h->dir);
	assert_int_equal(system(cmd), 0);
	if (systemd) {
		hk_autofree char *run = xasprintf("%s/run/systemd/system", h->dir);
		assert_int_equal(hk_mkdir_p(run, 0755, NULL), 0);
	}
	if (cg) {
		hk_autofree char *path = xasprintf("%s/proc/self/cgroup", h->dir);
		hk_autofree char *line = xasprintf("0::%s\n", cg);
		hk_autofree char *dir = xasprintf("%s/sys/fs/cgroup%s", h->dir, cg);
		assert_int_equal(hk_write_file_atomic(path, line, strlen(line), 0644, NULL), 0);
		assert_int_equal(hk_mkdir_p(dir, 0755, NULL), 0);
	}
	assert_int_equal(hk_cgroup_detect(h->dir, &h->info, NULL), 0);
}

static void host_free(struct host *h)
{
	hk_cgroup_info_free(&h->info);
	hk_rm_rf(h->dir, NULL);
}

static void test_mode(void **state)
{
	(void)state;
	struct host h;
	host_make(&h, false, NULL); /* no systemd: hako's own ways */
	assert_int_equal(hk_cgroup_systemd_mode(&h.info, 1000), HK_SD_NONE);
	assert_null(hk_cgroup_systemd_describe(&h.info, 1000));
	host_free(&h);

	host_make(&h, true, NULL); /* systemd, caller in app.slice: ask for a scope */
	assert_int_equal(hk_cgroup_systemd_mode(&h.info, 1000), HK_SD_SCOPE);
	assert_int_equal(hk_cgroup_systemd_mode(&h.info, 0), HK_SD_SCOPE);
	hk_autofree char *user = hk_cgroup_systemd_describe(&h.info, 4000001);
	assert_non_null(strstr(user, "user@4000001.service subtree"));
	assert_non_null(strstr(user, "transient scope hako-NAME-XXXX.scope with Delegate=yes"));
	assert_non_null(strstr(user, "\"/run/user/4000001/bus\", not there now"));
	host_free(&h);

	/* a monitor after a reboot, already in its scope's leaf */
	host_make(
		&h, true,
		"/user.slice/user-1000.slice/user@1000.service/app.slice/hako-c1-00ab.scope/monitor");
	assert_int_equal(hk_cgroup_systemd_mode(&h.info, 1000), HK_SD_SCOPE);
	host_free(&h);
}

/* A cgroup systemd delegated carries user.delegate=1 (trusted.* for the
 * system manager); hako then uses it as it is. */
static void test_mode_marked_delegated(void **state)
{
	(void)state;
	struct host h;
	const char *cg = "/user.slice/user-1000.slice/user@1000.service/app.slice/run-x.scope";
	host_make(&h, true, cg);
	hk_autofree char *dir = xasprintf("%s/sys/fs/cgroup%s", h.dir, cg);
	if (setxattr(dir, "user.delegate", "1", 1, 0) < 0) {
		host_free(&h);
		skip(); /* /tmp does not take user xattrs here */
	}
	assert_int_equal(hk_cgroup_systemd_mode(&h.info, 0), HK_SD_DELEGATED);
	hk_autofree char *how = hk_cgroup_systemd_describe(&h.info, 0);
	assert_non_null(strstr(how, "systemd delegated"));
	/* marked, but not the caller's: ask for a scope */
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(hk_cgroup_systemd_mode(&h.info, 4000001), HK_SD_SCOPE);
	host_free(&h);
}

static void test_record(void **state)
{
	(void)state;
	struct host h;
	const char *scope =
		"/user.slice/user-1000.slice/user@1000.service/app.slice/hako-c1-00ab.scope";
	host_make(&h, true, NULL);
	/* a store whose run directory is its own, not the host's /run/hako */
	struct hk_store_fixture *f = hk_store_fixture_new("/tmp/hako-sdstore.XXXXXX");
	assert_non_null(f);
	const struct hk_store *st = f->st;
	hk_autofree char *run = hk_store_container_run_dir(st, "c1");
	hk_autofree char *file = xasprintf("%s/cgroup2-scope", run);
	assert_int_equal(hk_mkdir_p(run, 0700, NULL), 0);

	assert_null(hk_cgroup_scope_recorded(&h.info, run)); /* none */
	hk_autofree char *line = xasprintf("%s\n", scope);
	assert_int_equal(hk_write_file_atomic(file, line, strlen(line), 0600, NULL), 0);
	assert_null(hk_cgroup_scope_recorded(&h.info, run)); /* its cgroup is gone: stale */
	hk_autofree char *dir = xasprintf("%s/sys/fs/cgroup%s", h.dir, scope);
	assert_int_equal(hk_mkdir_p(dir, 0755, NULL), 0);
	hk_autofree char *got = hk_cgroup_scope_recorded(&h.info, run);
	hk_autofree char *want = xasprintf("/sys/fs/cgroup%s", scope);
	assert_string_equal(got, want);

	static const char bad[] = "/user.slice/../../etc\n";
	assert_int_equal(hk_write_file_atomic(file, bad, strlen(bad), 0600, NULL), 0);
	assert_null(hk_cgroup_scope_recorded(&h.info, run)); /* refused */

	hk_autoct struct hk_ct *ct = NULL;
	assert_int_equal(hk_ct_open(st, "c1", HK_CT_MAY_BE_MISSING, &ct, NULL), 0);
	hk_cgroup_scope_forget(ct);
	assert_int_equal(access(file, F_OK), -1);
	hk_ct_freep(&ct);
	assert_int_equal(hk_store_fixture_free(f), 0);
	host_free(&h);
}

/* The verdict doctor, start and setup-user share, on the v2 fixture host:
 * for a uid with no bus and no delegation, with and without systemd. */
static void test_verdict(void **state)
{
	(void)state;
	struct host h;
	struct hk_cgroup_verdict v;
	host_make(&h, true, NULL); /* systemd, no user manager for this uid */
	hk_cgroup_verdict_get(&h.info, 4000001, 4000001, "carol", &v);
	assert_false(v.usable);
	assert_non_null(strstr(v.what, "user \"carol\" gets no cgroup"));
	assert_non_null(strstr(v.what, "no D-Bus answers on \"/run/user/4000001/bus\""));
	assert_non_null(strstr(v.fix, "loginctl enable-linger carol"));
	assert_non_null(strstr(v.fix, "hako setup-user carol"));
	hk_cgroup_verdict_free(&v);
	hk_cgroup_verdict_get(&h.info, 0, 0, "root", &v);
	assert_true(v.usable);
	assert_null(v.fix);
	hk_cgroup_verdict_free(&v);
	host_free(&h);

	host_make(&h, false, NULL); /* pure v2, no systemd: root-made delegation */
	hk_cgroup_verdict_get(&h.info, 4000001, 4000001, "carol", &v);
	assert_false(v.usable);
	assert_non_null(strstr(v.what, "no writable delegated cgroup"));
	assert_non_null(strstr(v.fix, "hako setup-user carol makes that cgroup"));
	assert_non_null(strstr(v.fix, "/sys/fs/cgroup/hako.users/4000001/login"));
	hk_cgroup_verdict_free(&v);
	/* once setup-user made it, only the login step is left */
	hk_autofree char *mine = xasprintf("%s/sys/fs/cgroup/hako.users/4000001", h.dir);
	assert_int_equal(hk_mkdir_p(mine, 0755, NULL), 0);
	if (geteuid() == 0 && chown(mine, 4000001, 4000001) == 0) {
		hk_cgroup_verdict_get(&h.info, 4000001, 4000001, "carol", &v);
		assert_false(v.usable);
		assert_null(strstr(v.fix, "setup-user"));
		assert_non_null(strstr(v.fix, "start hako from a process inside"));
		hk_cgroup_verdict_free(&v);
	}
	host_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unit_name), cmocka_unit_test(test_path_valid),
		cmocka_unit_test(test_mode),	  cmocka_unit_test(test_mode_marked_delegated),
		cmocka_unit_test(test_record),	  cmocka_unit_test(test_verdict),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
