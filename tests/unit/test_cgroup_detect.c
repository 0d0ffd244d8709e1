/* test_cgroup_detect.c - /proc/PID/cgroup parsing, layout detection on the
 * three fixture hosts (tests/fixtures/cgroup/{v1,hybrid,v2}) and the
 * delegation check on copies of them whose modes the tests change. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "cgroup.h"
#include "util.h"

static char *fixture(const char *name)
{
	const char *top = getenv("HK_TEST_FIXTURES");
	return xasprintf("%s/cgroup/%s", top ? top : "tests/fixtures", name);
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	hk_autofree char *cmd = NULL;
	assert_true(vasprintf(&cmd, fmt, ap) > 0);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

/* ---- /proc/PID/cgroup ---- */

static void test_parse_proc(void **state)
{
	(void)state;
	const char *text = "12:cpu,cpuacct:/user.slice\n"
			   "1:name=systemd:/a:b/c\n"
			   "0::/\n";
	struct hk_proc_cgroup pc;
	assert_int_equal(hk_cgroup_parse_proc(text, &pc, NULL), 0);
	assert_int_equal(pc.n, 3);
	assert_int_equal(pc.e[0].id, 12);
	assert_string_equal(pc.e[0].controllers, "cpu,cpuacct");
	assert_string_equal(pc.e[0].path, "/user.slice");
	assert_string_equal(pc.e[1].controllers, "name=systemd");
	assert_string_equal(pc.e[1].path, "/a:b/c"); /* a colon inside the path */
	assert_int_equal(pc.e[2].id, 0);
	assert_string_equal(pc.e[2].controllers, "");
	assert_string_equal(pc.e[2].path, "/");
	hk_proc_cgroup_free(&pc);
	assert_int_equal(hk_cgroup_parse_proc("", &pc, NULL), 0);
	assert_int_equal(pc.n, 0);
	hk_proc_cgroup_free(&pc);
}

static void test_parse_proc_bad(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"0:/",
		"x:cpu:/",
		"-1:cpu:/",
		"0:cpu:/",
		"3::/",
		"3:cpu:",
		"3:cpu:relative",
		"0::",
		"3:cpu:/a\tb",
		"99999999999:cpu:/",
	};
	for (size_t i = 0; i < HK_ARRAY_SIZE(bad); i++) {
		hk_autofree char *text = xasprintf("0::/\n%s\n", bad[i]);
		struct hk_proc_cgroup pc = { 0 };
		hk_autoerr struct hk_error *err = NULL;
		if (hk_cgroup_parse_proc(text, &pc, &err) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(err->code, EINVAL);
		assert_non_null(strstr(err->msg, "line 2"));
		assert_int_equal(pc.n, 0);
	}
}

/* ---- detection ---- */

static void test_detect_v2(void **state)
{
	(void)state;
	hk_autofree char *root = fixture("v2");
	struct hk_cgroup_info info;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_cgroup_detect(root, &info, &err), 0);
	assert_int_equal(info.layout, HK_CGROUP_V2);
	assert_string_equal(hk_cgroup_layout_name(info.layout), "unified");
	assert_int_equal(info.n, 1);
	const struct hk_cgroup_hier *h = hk_cgroup_unified(&info);
	assert_ptr_equal(h, &info.h[0]);
	assert_int_equal(h->version, 2);
	assert_string_equal(h->mountpoint, "/sys/fs/cgroup");
	assert_true(hk_strv_contains(&h->controllers, "memory"));
	assert_true(hk_strv_contains(&h->controllers, "misc"));
	assert_int_equal(h->controllers.n, 8);
	assert_string_equal(h->cgroup, "/user.slice/user-1000.slice/user@1000.service/app.slice");
	assert_string_equal(
		h->dir, "/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice");
	assert_null(hk_cgroup_v1_for(&info, "memory"));
	hk_autofree char *label = hk_cgroup_hier_label(h);
	assert_string_equal(label, "cgroup2");
	hk_autofree char *p = hk_cgroup_path(&info, h->dir);
	struct stat st;
	assert_int_equal(stat(p, &st), 0); /* the fixture holds it */
	hk_cgroup_info_free(&info);
}

static void test_detect_v1(void **state)
{
	(void)state;
	hk_autofree char *root = fixture("v1");
	struct hk_cgroup_info info;
	assert_int_equal(hk_cgroup_detect(root, &info, NULL), 0);
	assert_int_equal(info.layout, HK_CGROUP_V1);
	assert_string_equal(hk_cgroup_layout_name(info.layout), "legacy");
	assert_int_equal(info.n, 7);
	assert_null(hk_cgroup_unified(&info));

	const struct hk_cgroup_hier *sd = hk_cgroup_v1_for(&info, "name=systemd");
	assert_non_null(sd);
	assert_string_equal(sd->name, "systemd");
	assert_int_equal(sd->controllers.n, 0); /* xattr, release_agent= are options */
	assert_string_equal(sd->dir,
			    "/sys/fs/cgroup/systemd/user.slice/user-1000.slice/session-2.scope");

	const struct hk_cgroup_hier *cpu = hk_cgroup_v1_for(&info, "cpuacct");
	assert_ptr_equal(cpu, hk_cgroup_v1_for(&info, "cpu"));
	assert_string_equal(cpu->mountpoint, "/sys/fs/cgroup/cpu,cpuacct");
	assert_string_equal(cpu->dir, "/sys/fs/cgroup/cpu,cpuacct/user.slice");
	hk_autofree char *label = hk_cgroup_hier_label(cpu);
	assert_string_equal(label, "cpu,cpuacct");

	const struct hk_cgroup_hier *cs = hk_cgroup_v1_for(&info, "cpuset");
	assert_int_equal(cs->controllers.n, 1); /* clone_children is an option */
	assert_string_equal(cs->dir, "/sys/fs/cgroup/cpuset");
	assert_string_equal(hk_cgroup_v1_for(&info, "memory")->dir,
			    "/sys/fs/cgroup/memory/user/alice/0");
	assert_string_equal(hk_cgroup_v1_for(&info, "net_prio")->cgroup, "/");
	assert_null(hk_cgroup_v1_for(&info, "name=other"));
	assert_null(hk_cgroup_v1_for(&info, "hugetlb"));
	hk_autofree char *sdl = hk_cgroup_hier_label(sd);
	assert_string_equal(sdl, "name=systemd");
	hk_cgroup_info_free(&info);
}

static void test_detect_hybrid(void **state)
{
	(void)state;
	hk_autofree char *root = fixture("hybrid");
	struct hk_cgroup_info info;
	assert_int_equal(hk_cgroup_detect(root, &info, NULL), 0);
	assert_int_equal(info.layout, HK_CGROUP_HYBRID);
	assert_string_equal(hk_cgroup_layout_name(info.layout), "hybrid");
	assert_int_equal(info.n, 8);
	assert_int_equal(info.h[0].version, 2); /* v2 first */
	assert_string_equal(info.h[0].mountpoint, "/sys/fs/cgroup/unified");
	assert_int_equal(info.h[0].controllers.n, 1);
	assert_string_equal(info.h[0].controllers.v[0], "hugetlb");
	assert_string_equal(info.h[0].dir,
			    "/sys/fs/cgroup/unified/user.slice/user-1000.slice/user@1000.service");
	/* the bind mount of the cpuset hierarchy elsewhere does not count twice */
	const struct hk_cgroup_hier *cs = hk_cgroup_v1_for(&info, "cpuset");
	assert_string_equal(cs->mountpoint, "/sys/fs/cgroup/cpuset");
	assert_string_equal(hk_cgroup_v1_for(&info, "memory")->dir,
			    "/sys/fs/cgroup/memory/process_api/ea758678");
	assert_string_equal(hk_cgroup_v1_for(&info, "cpu")->mountpoint, "/sys/fs/cgroup/cpu");
	assert_int_equal(hk_cgroup_v1_for(&info, "cpu")->controllers.n, 1);
	hk_cgroup_info_free(&info);
}

/* A temp root with the given mountinfo and cgroup text. */
static char *make_root(const char *mountinfo, const char *cgroup)
{
	char tmpl[] = "/tmp/hk-cgroup-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	hk_autofree char *proc = xasprintf("%s/proc/self", tmpl);
	assert_int_equal(hk_mkdir_p(proc, 0755, NULL), 0);
	hk_autofree char *mi = xasprintf("%s/mountinfo", proc);
	hk_autofree char *cg = xasprintf("%s/cgroup", proc);
	put(mi, mountinfo);
	if (cgroup)
		put(cg, cgroup);
	return xstrdup(tmpl);
}

static void test_detect_container_view(void **state)
{
	(void)state;
	/* inside a container without a cgroup namespace: the mount shows only
	 * /lxc/c1, and the process sits below it */
	hk_autofree char *root = make_root(
		"1 0 0:1 / / rw - ext4 /dev/vda rw\n"
		"2 1 0:30 /lxc/c1 /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
		"3 1 0:31 /lxc/c1 /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
		"4 1 0:32 /lxc/c1 /sys/fs/cgroup/freezer rw - cgroup cgroup rw,freezer\n"
		"5 1 0:33 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset\n",
		"5:cpuset:/../../x\n4:freezer:/lxc/c10\n3:pids:/elsewhere\n2:memory:/lxc/c1/sub\n");
	struct hk_cgroup_info info;
	assert_int_equal(hk_cgroup_detect(root, &info, NULL), 0);
	assert_int_equal(info.layout, HK_CGROUP_V1);
	assert_string_equal(hk_cgroup_v1_for(&info, "memory")->dir, "/sys/fs/cgroup/memory/sub");
	assert_null(hk_cgroup_v1_for(&info, "pids")->dir);    /* outside the mount */
	assert_null(hk_cgroup_v1_for(&info, "freezer")->dir); /* /lxc/c10 is not below /lxc/c1 */
	assert_null(hk_cgroup_v1_for(&info, "cpuset")->dir);  /* .. escapes */
	assert_string_equal(hk_cgroup_v1_for(&info, "pids")->cgroup, "/elsewhere");

	struct hk_cgroup_delegation d;
	hk_cgroup_check_delegation(&info, 4242, 4242, &d);
	assert_false(d.ok);
	assert_false(d.a[1].writable);
	assert_non_null(strstr(d.a[1].missing, "unknown"));
	hk_cgroup_delegation_free(&d);
	hk_cgroup_info_free(&info);
	sh("rm -rf '%s'", root);
}

static void test_detect_v2_with_named_v1(void **state)
{
	(void)state;
	/* a unified host that keeps a name=systemd v1 hierarchy for old guests */
	hk_autofree char *root =
		make_root("1 0 0:1 / / rw - ext4 /dev/vda rw\n"
			  "2 1 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n"
			  "3 2 0:40 / /run/systemd/v1 rw - cgroup cgroup rw,xattr,name=systemd\n",
			  "1:name=systemd:/\n0::/init.scope\n");
	struct hk_cgroup_info info;
	assert_int_equal(hk_cgroup_detect(root, &info, NULL), 0);
	assert_int_equal(info.layout, HK_CGROUP_V2);
	assert_int_equal(info.n, 2);
	assert_int_equal(hk_cgroup_unified(&info)->controllers.n,
			 0); /* no cgroup.controllers file */
	assert_string_equal(hk_cgroup_unified(&info)->dir, "/sys/fs/cgroup/init.scope");
	hk_cgroup_info_free(&info);
	sh("rm -rf '%s'", root);
}

static void test_detect_errors(void **state)
{
	(void)state;
	struct hk_cgroup_info info;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_cgroup_detect("/nonexistent-root", &info, &err), -1);
	assert_non_null(strstr(err->msg, "/nonexistent-root/proc/self/mountinfo"));
	hk_error_free(err);
	err = NULL;

	hk_autofree char *none = make_root("1 0 0:1 / / rw - ext4 /dev/vda rw\n", "0::/\n");
	assert_int_equal(hk_cgroup_detect(none, &info, &err), -1);
	assert_int_equal(err->code, ENOENT);
	assert_non_null(strstr(err->msg, "no cgroup filesystem"));
	hk_error_free(err);
	err = NULL;
	sh("rm -rf '%s'", none);

	hk_autofree char *nocg = make_root("1 0 0:1 / / rw - ext4 /dev/vda rw\n", NULL);
	assert_int_equal(hk_cgroup_detect(nocg, &info, &err), -1);
	assert_non_null(strstr(err->msg, "/proc/self/cgroup"));
	hk_error_free(err);
	err = NULL;
	sh("rm -rf '%s'", nocg);

	hk_autofree char *bad = make_root("1 0 0:1 / / rw - ext4 /dev/vda rw\n", "garbage\n");
	assert_int_equal(hk_cgroup_detect(bad, &info, &err), -1);
	assert_non_null(strstr(err->msg, "line 1"));
	sh("rm -rf '%s'", bad);
}

static void test_detect_this_host(void **state)
{
	(void)state;
	struct hk_cgroup_info info;
	hk_autoerr struct hk_error *err = NULL;
	if (hk_cgroup_detect("/", &info, &err) < 0) {
		/* a host without any cgroup mount (a bare chroot) */
		assert_int_equal(err->code, ENOENT);
		skip();
	}
	assert_string_equal(info.root, "");
	assert_true(info.n > 0);
	for (size_t i = 0; i < info.n; i++)
		assert_true(info.h[i].version == 1 || info.h[i].version == 2);
	hk_cgroup_info_free(&info);
}

/* ---- delegation ---- */

static void test_stat_writable(void **state)
{
	(void)state;
	static const struct {
		uid_t st_uid;
		gid_t st_gid;
		mode_t mode;
		uid_t uid;
		gid_t gid;
		bool want;
	} cases[] = {
		{ 1000, 1000, S_IFDIR | 0755, 1000, 1000, true },
		{ 1000, 1000, S_IFDIR | 0655, 1000, 1000, false }, /* no search bit */
		{ 0, 0, S_IFDIR | 0755, 1000, 1000, false },
		{ 0, 0, S_IFDIR | 0755, 0, 0, true },	       /* root */
		{ 0, 1000, S_IFDIR | 0775, 1000, 1000, true }, /* group */
		{ 0, 1000, S_IFDIR | 0765, 1000, 1000, false },
		{ 0, 0, S_IFDIR | 0777, 1000, 1000, true },	/* other */
		{ 1000, 0, S_IFDIR | 0577, 1000, 1000, false }, /* owner class wins */
		{ 1000, 0, S_IFREG | 0644, 1000, 1000, true },
		{ 1000, 0, S_IFREG | 0444, 1000, 1000, false },
		{ 0, 0, S_IFREG | 0644, 1000, 1000, false },
		{ 0, 0, S_IFREG | 0666, 1000, 1000, true },
	};
	for (size_t i = 0; i < HK_ARRAY_SIZE(cases); i++) {
		struct stat st = { .st_uid = cases[i].st_uid,
				   .st_gid = cases[i].st_gid,
				   .st_mode = cases[i].mode };
		if (hk_cgroup_stat_writable(&st, cases[i].uid, cases[i].gid) != cases[i].want)
			fail_msg("case %zu", i);
	}
}

struct tree {
	char *root; /* a writable copy of a fixture */
	uid_t uid;  /* the "user" whose delegation is checked */
	struct hk_cgroup_info info;
};

/* Copies fixture `name`, gives it to the test user and makes all of it
 * read-only; each test then opens exactly what a delegation would. */
static void tree_make(struct tree *t, const char *name)
{
	hk_autofree char *src = fixture(name);
	char tmpl[] = "/tmp/hk-cgdeleg-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	t->root = xstrdup(tmpl);
	t->uid = geteuid() == 0 ? 4242 : geteuid();
	sh("cp -r '%s/.' '%s/'", src, t->root);
	if (geteuid() == 0)
		sh("chown -R 4242:4242 '%s/sys'", t->root);
	sh("chmod -R a-w '%s/sys'", t->root);
	assert_int_equal(hk_cgroup_detect(t->root, &t->info, NULL), 0);
}

static void tree_free(struct tree *t)
{
	hk_cgroup_info_free(&t->info);
	sh("chmod -R u+w '%s' && rm -rf '%s'", t->root, t->root);
	free(t->root);
}

/* Makes ROOT/dir and the given files in it writable for the owner. */
static void grant(const struct tree *t, const char *dir, const char *files)
{
	sh("cd '%s%s' && chmod u+w . %s", t->root, dir, files);
}

static void check(const struct tree *t, struct hk_cgroup_delegation *d)
{
	hk_cgroup_check_delegation(&t->info, t->uid, t->uid, d);
	assert_int_equal(d->n, t->info.n);
}

static const char v2_svc[] = "/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service";
static const char v2_app[] =
	"/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice";

static void test_delegation_v2(void **state)
{
	(void)state;
	struct tree t;
	tree_make(&t, "v2");
	struct hk_cgroup_delegation d;

	check(&t, &d); /* nothing writable */
	assert_false(d.ok);
	assert_true(d.a[0].required);
	assert_false(d.a[0].writable);
	assert_string_equal(d.a[0].dir, v2_app);
	assert_non_null(strstr(d.a[0].missing, "app.slice\""));
	assert_non_null(strstr(d.a[0].missing, "not writable"));
	hk_cgroup_delegation_free(&d);

	/* the ancestor is delegated but cgroup.subtree_control stayed root's */
	grant(&t, v2_svc, "cgroup.procs");
	check(&t, &d);
	assert_false(d.ok);
	hk_cgroup_delegation_free(&d);

	grant(&t, v2_svc, "cgroup.subtree_control");
	check(&t, &d); /* the nearest delegated ancestor */
	assert_true(d.ok);
	assert_true(d.a[0].writable);
	assert_null(d.a[0].missing);
	assert_string_equal(d.a[0].dir, v2_svc);
	hk_cgroup_delegation_free(&d);

	grant(&t, v2_app, "cgroup.procs cgroup.subtree_control");
	check(&t, &d); /* the current cgroup itself */
	assert_true(d.ok);
	assert_string_equal(d.a[0].dir, v2_app);
	hk_cgroup_delegation_free(&d);

	/* a missing control file is named */
	sh("rm -f '%s%s/cgroup.subtree_control' '%s%s/cgroup.subtree_control'", t.root, v2_app,
	   t.root, v2_svc);
	check(&t, &d);
	assert_false(d.ok);
	assert_non_null(strstr(d.a[0].missing, "cgroup.subtree_control\" is missing"));
	hk_cgroup_delegation_free(&d);

	hk_cgroup_check_delegation(&t.info, 0, 0, &d); /* root may use anything */
	assert_true(d.ok);
	hk_cgroup_delegation_free(&d);
	tree_free(&t);
}

static void test_delegation_v1(void **state)
{
	(void)state;
	struct tree t;
	tree_make(&t, "v1");
	struct hk_cgroup_delegation d;

	/* pam_cgfs gave the user memory and freezer only */
	grant(&t, "/sys/fs/cgroup/memory/user/alice/0", "cgroup.procs tasks");
	grant(&t, "/sys/fs/cgroup/freezer/user/alice/0", "cgroup.procs tasks");
	check(&t, &d);
	assert_false(d.ok);
	for (size_t i = 0; i < d.n; i++) {
		const struct hk_cgroup_hier *h = d.a[i].hier;
		bool given = hk_strv_contains(&h->controllers, "memory") ||
			     hk_strv_contains(&h->controllers, "freezer");
		assert_true(d.a[i].required);
		assert_int_equal(d.a[i].writable, given);
		if (!given)
			assert_non_null(d.a[i].missing);
	}
	hk_cgroup_delegation_free(&d);

	/* then every hierarchy: the cgroup.procs of each current cgroup too */
	for (size_t i = 0; i < t.info.n; i++)
		grant(&t, t.info.h[i].dir, "cgroup.procs");
	check(&t, &d);
	assert_true(d.ok);
	hk_cgroup_delegation_free(&d);
	tree_free(&t);
}

static void test_delegation_hybrid(void **state)
{
	(void)state;
	struct tree t;
	tree_make(&t, "hybrid");
	struct hk_cgroup_delegation d;
	for (size_t i = 0; i < t.info.n; i++)
		if (t.info.h[i].version == 1)
			grant(&t, t.info.h[i].dir, "cgroup.procs");
	check(&t, &d);
	/* hako uses the v1 controllers; the unified mount is not required */
	assert_true(d.ok);
	assert_false(d.a[0].required);
	assert_false(d.a[0].writable);
	hk_cgroup_delegation_free(&d);
	tree_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_proc),
		cmocka_unit_test(test_parse_proc_bad),
		cmocka_unit_test(test_detect_v2),
		cmocka_unit_test(test_detect_v1),
		cmocka_unit_test(test_detect_hybrid),
		cmocka_unit_test(test_detect_container_view),
		cmocka_unit_test(test_detect_v2_with_named_v1),
		cmocka_unit_test(test_detect_errors),
		cmocka_unit_test(test_detect_this_host),
		cmocka_unit_test(test_stat_writable),
		cmocka_unit_test(test_delegation_v2),
		cmocka_unit_test(test_delegation_v1),
		cmocka_unit_test(test_delegation_hybrid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
