/* test_cgroup_manage.c - a container cgroup on this host's real layout:
 * create (cpuset filled), attach (into the leaf), a limit, freeze/thaw, stats, kill and
 * removal with nothing left; a stale empty cgroup is reused and a
 * populated one refused; the nesting chown.  Root only.  And, on the
 * hybrid fixture host, the cgroups of a process another program runs
 * (hk_cgroup_open_proc_text), which need neither. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "cgroup-manage.h"
#include "util.h"

struct fx {
	struct hk_cgroup_info info;
	struct hk_cgroup *cg;
	char name[32];
};

static int setup(void **state)
{
	if (geteuid() != 0)
		return 0;
	struct fx *f = xcalloc(1, sizeof(*f));
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_cgroup_detect("", &f->info, &err), 0);
	snprintf(f->name, sizeof(f->name), "unit-%d", (int)getpid());
	f->cg = hk_cgroup_open(&f->info, NULL, f->name);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	if (!f)
		return 0;
	hk_cgroup_kill(f->cg, 1000, NULL);
	hk_cgroup_remove(f->cg, NULL);
	hk_cgroup_free(f->cg);
	hk_cgroup_info_free(&f->info);
	free(f);
	return 0;
}

static pid_t spawn_sleeper(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

static void reap(pid_t pid)
{
	int st;
	waitpid(pid, &st, 0);
}

static void test_lifecycle(void **state)
{
	if (geteuid() != 0)
		skip();
	struct fx *f = *state;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_cgroup_create(f->cg, &err), 0);
	assert_true(hk_cgroup_exists(f->cg));
	pid_t child = spawn_sleeper();
	assert_int_equal(hk_cgroup_attach(f->cg, child, &err), 0);
	pid_t *pids;
	size_t n;
	hk_cgroup_pids(f->cg, &pids, &n);
	assert_int_equal(n, 1);
	assert_int_equal(pids[0], child);
	free(pids);
	/* A limit through the spelling this layout has. */
	struct hk_kvlist v1 = { 0 }, v2 = { 0 };
	if (hk_cgroup_v1_for(&f->info, "memory"))
		hk_kvlist_add(&v1, "memory.limit_in_bytes", "268435456");
	else
		hk_kvlist_add(&v2, "memory.max", "268435456");
	assert_int_equal(hk_cgroup_apply(f->cg, &v1, &v2, &err), 0);
	hk_kvlist_clear(&v1);
	hk_kvlist_clear(&v2);
	struct hk_cgroup_stats st;
	hk_cgroup_stats_read(f->cg, &st);
	assert_true(st.memory_bytes >= 0);
	assert_true(st.pids == -1 || st.pids == 1);
	/* the same figures through the files kept open (the dashboard's tick) */
	struct hk_cgroup_stats_files *files = hk_cgroup_stats_files_open(f->cg);
	assert_non_null(files);
	struct hk_cgroup_stats kept;
	hk_cgroup_stats_files_read(files, &kept);
	assert_true(kept.memory_bytes >= 0);
	assert_int_equal(kept.pids, st.pids);
	assert_true((kept.cpu_usec >= 0) == (st.cpu_usec >= 0));
	/* read again from the start: the figures of now, not of the open */
	pid_t second = spawn_sleeper();
	assert_int_equal(hk_cgroup_attach(f->cg, second, &err), 0);
	hk_cgroup_stats_files_read(files, &kept);
	if (st.pids >= 0)
		assert_int_equal(kept.pids, st.pids + 1);
	assert_int_equal(hk_cgroup_freeze(f->cg, true, &err), 0);
	assert_true(hk_cgroup_is_frozen(f->cg));
	assert_int_equal(hk_cgroup_freeze(f->cg, false, &err), 0);
	assert_false(hk_cgroup_is_frozen(f->cg));
	assert_int_equal(hk_cgroup_kill(f->cg, 2000, &err), 0);
	reap(child);
	reap(second);
	assert_int_equal(hk_cgroup_remove(f->cg, &err), 0);
	assert_false(hk_cgroup_exists(f->cg));
	/* kept files of a removed cgroup read nothing, and fail no one */
	hk_cgroup_stats_files_read(files, &kept);
	assert_int_equal(kept.pids, -1);
	assert_int_equal(kept.memory_bytes, -1);
	hk_cgroup_stats_files_free(files);
	assert_null(hk_cgroup_stats_files_open(f->cg));
}

/* Inner/outer split: the process sits in NAME/payload in every
 * hierarchy hako uses, while `hako cgroup NAME KEY` and the limits act on
 * NAME itself, above the leaf (out of the container's namespace). */
static void test_leaf_split(void **state)
{
	if (geteuid() != 0)
		skip();
	struct fx *f = *state;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_cgroup_create(f->cg, &err), 0);
	pid_t child = spawn_sleeper();
	assert_int_equal(hk_cgroup_attach(f->cg, child, &err), 0);
	char path[64], want[96];
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)child);
	snprintf(want, sizeof(want), "/hako/%s/" HK_CGROUP_LEAF, f->name);
	hk_autofree char *text = NULL;
	assert_int_equal(hk_read_file(path, &text, NULL, &err), 0);
	assert_non_null(strstr(text, want));
	for (char *save, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (strstr(l, "/hako/"))
			assert_true(hk_str_has_suffix(l, want));
	const char *key = hk_cgroup_v1_for(&f->info, "pids") || hk_cgroup_unified(&f->info)
				  ? "pids.max"
				  : NULL;
	if (key && hk_cgroup_file_access(f->cg, key, "77", NULL, &err) == 0) {
		char file[512];
		snprintf(file, sizeof(file), "%s/" HK_CGROUP_LEAF "/pids.max",
			 hk_cgroup_main_dir(f->cg));
		hk_autofree char *leafmax = NULL;
		/* the leaf keeps its own (unlimited) value: the limit is on NAME */
		if (hk_read_file(file, &leafmax, NULL, NULL) == 0)
			assert_string_equal(leafmax, "max\n");
		hk_autofree char *v = NULL;
		assert_int_equal(hk_cgroup_file_access(f->cg, key, NULL, &v, &err), 0);
		assert_string_equal(v, "77\n");
	}
	hk_error_freep(&err);
	struct hk_cgroup_stats st;
	hk_cgroup_stats_read(f->cg, &st);
	assert_true(st.pids == -1 || st.pids == 1); /* NAME's total holds the leaf */
	assert_int_equal(hk_cgroup_kill(f->cg, 2000, &err), 0);
	reap(child);
	assert_int_equal(hk_cgroup_remove(f->cg, &err), 0);
	assert_false(hk_cgroup_exists(f->cg));
}

/* What hako made is removed by name; anything else below the leaf (a
 * nested hako's cgroups, here in the first hierarchy) by the walk: either
 * way nothing is left. */
static void test_remove_as_made_and_nested(void **state)
{
	if (geteuid() != 0)
		skip();
	struct fx *f = *state;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_cgroup_create(f->cg, &err), 0);
	const char *main_dir = hk_cgroup_main_dir(f->cg);
	static const char *const below[] = { "/" HK_CGROUP_LEAF "/" HK_CGROUP_ATTACH_LEAF,
					     "/" HK_CGROUP_LEAF "/hako",
					     "/" HK_CGROUP_LEAF "/hako/inner" };
	for (size_t i = 0; i < sizeof(below) / sizeof(below[0]); i++) {
		hk_autofree char *d = xasprintf("%s%s", main_dir, below[i]);
		assert_int_equal(hk_mkdir_p(d, 0755, &err), 0);
	}
	assert_int_equal(hk_cgroup_remove(f->cg, &err), 0);
	assert_false(hk_cgroup_exists(f->cg));
	assert_int_equal(access(main_dir, F_OK), -1);
	/* and the plain case: the leaf and its attach leaf alone */
	assert_int_equal(hk_cgroup_create(f->cg, &err), 0);
	hk_autofree char *aside = xasprintf("%s%s", main_dir, below[0]);
	assert_int_equal(hk_mkdir_p(aside, 0755, &err), 0);
	assert_int_equal(hk_cgroup_remove(f->cg, &err), 0);
	assert_false(hk_cgroup_exists(f->cg));
}

static void test_unknown_limit_refused(void **state)
{
	if (geteuid() != 0)
		skip();
	struct fx *f = *state;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_cgroup_create(f->cg, &err), 0);
	struct hk_kvlist v1 = { 0 };
	hk_kvlist_add(&v1, "nosuchcontroller.limit", "1");
	assert_int_equal(hk_cgroup_apply(f->cg, &v1, NULL, &err), -1);
	assert_non_null(strstr(err->msg, "lxc.cgroup.nosuchcontroller.limit"));
	hk_kvlist_clear(&v1);
	hk_error_freep(&err);
	struct hk_kvlist bad = { 0 };
	hk_kvlist_add(&bad, "../../escape", "1");
	if (hk_cgroup_unified(&f->info)) {
		assert_int_equal(hk_cgroup_apply(f->cg, NULL, &bad, &err), -1);
		assert_non_null(err);
	}
	hk_kvlist_clear(&bad);
}

static void test_stale_and_populated(void **state)
{
	if (geteuid() != 0)
		skip();
	struct fx *f = *state;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_cgroup_create(f->cg, &err), 0);
	/* A nested cgroup left inside (a container made its own). */
	char nested[512];
	snprintf(nested, sizeof(nested), "%s/inner", hk_cgroup_main_dir(f->cg));
	assert_int_equal(mkdir(nested, 0755), 0);
	/* Stale and empty: create again reuses it. */
	assert_int_equal(hk_cgroup_create(f->cg, &err), 0);
	assert_int_equal(access(nested, F_OK), -1);
	/* Populated: refused, naming the PID and the fix. */
	pid_t child = spawn_sleeper();
	assert_int_equal(hk_cgroup_attach(f->cg, child, &err), 0);
	assert_int_equal(hk_cgroup_create(f->cg, &err), -1);
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", (int)child);
	assert_non_null(strstr(err->msg, pid));
	assert_non_null(strstr(err->msg, "hako stop -k"));
	assert_int_equal(hk_cgroup_kill(f->cg, 2000, NULL), 0);
	reap(child);
}

/* Nesting: the leaf (the container's cgroup namespace root) and its
 * delegation files change owner (and get g+w when asked); NAME, which
 * holds the limits, and the limit files stay root's. */
static void test_chown_delegation(void **state)
{
	struct fx *f = *state;
	if (!f)
		skip();
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_cgroup_create(f->cg, &err), 0);
	assert_int_equal(hk_cgroup_chown(f->cg, 4242, 4343, true, &err), 0);
	hk_autofree char *dir = xasprintf("%s/%s", hk_cgroup_main_dir(f->cg), HK_CGROUP_LEAF);
	struct stat outer;
	assert_int_equal(stat(hk_cgroup_main_dir(f->cg), &outer), 0);
	assert_int_equal(outer.st_uid, 0);
	static const char *const given[] = { "", "/cgroup.procs" };
	for (size_t i = 0; i < 2; i++) {
		hk_autofree char *p = xasprintf("%s%s", dir, given[i]);
		struct stat st;
		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(st.st_uid, 4242);
		assert_int_equal(st.st_gid, 4343);
		assert_true(st.st_mode & S_IWGRP);
	}
	hk_autofree char *ctl = xasprintf("%s/cgroup.controllers", dir);
	hk_autofree char *max = xasprintf("%s/pids.max", dir);
	struct stat st;
	if (stat(ctl, &st) == 0 || stat(max, &st) == 0)
		assert_int_equal(st.st_uid, 0);
	/* gid -1 keeps the group */
	assert_int_equal(hk_cgroup_chown(f->cg, 4444, (gid_t)-1, false, &err), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_uid, 4444);
	assert_int_equal(st.st_gid, 4343);
	assert_int_equal(hk_cgroup_remove(f->cg, &err), 0);
	assert_false(hk_cgroup_exists(f->cg));
}

static char *fixture(const char *name)
{
	const char *top = getenv("HK_TEST_FIXTURES");
	return xasprintf("%s/cgroup/%s", top ? top : "tests/fixtures", name);
}

/* cg's directory in hierarchy want, or NULL. */
static const char *dir_in(const struct hk_cgroup *cg, const struct hk_cgroup_hier *want)
{
	for (size_t i = 0; i < hk_cgroup_count(cg); i++) {
		const struct hk_cgroup_hier *h;
		const char *dir = hk_cgroup_dir_at(cg, i, &h);
		if (h == want)
			return dir;
	}
	return NULL;
}

/* LXC's container as /proc/INIT/cgroup shows it on a hybrid host, with
 * systemd inside moved into init.scope on the v2 and name=systemd trees. */
static void test_open_proc(void **state)
{
	(void)state;
	hk_autofree char *root = fixture("hybrid");
	struct hk_cgroup_info info;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_cgroup_detect(root, &info, &err), 0);
	const char *text =
		"9:name=systemd:/lxc.payload.c1/init.scope\n8:pids:/lxc.payload.c1\n"
		"6:freezer:/lxc.payload.c1\n4:memory:/lxc.payload.c1\n3:cpuset:/lxc.payload.c1\n"
		"2:cpuacct:/lxc.payload.c1\n1:cpu:/lxc.payload.c1\n0::/lxc.payload.c1/init.scope\n";
	struct hk_cgroup *cg = hk_cgroup_open_proc_text(&info, text);
	assert_non_null(cg);
	const char *want[][2] = {
		{ "memory", "/sys/fs/cgroup/memory/lxc.payload.c1" },
		{ "pids", "/sys/fs/cgroup/pids/lxc.payload.c1" },
		{ "name=systemd", "/sys/fs/cgroup/systemd/lxc.payload.c1" },
	};
	for (size_t i = 0; i < HK_ARRAY_SIZE(want); i++) {
		const struct hk_cgroup_hier *h = hk_cgroup_v1_for(&info, want[i][0]);
		assert_non_null(h);
		hk_autofree char *dir = xasprintf("%s%s", root, want[i][1]);
		assert_string_equal(dir_in(cg, h), dir);
	}
	hk_autofree char *v2 = xasprintf("%s/sys/fs/cgroup/unified/lxc.payload.c1", root);
	assert_string_equal(dir_in(cg, hk_cgroup_unified(&info)), v2);
	assert_string_equal(hk_cgroup_main_dir(cg), v2);
	hk_cgroup_free(cg);
	/* a path climbing out is not followed; a hierarchy it is not in is absent */
	cg = hk_cgroup_open_proc_text(&info, "4:memory:/a/../../etc\n0::/x\n");
	assert_non_null(cg);
	assert_null(dir_in(cg, hk_cgroup_v1_for(&info, "memory")));
	assert_null(dir_in(cg, hk_cgroup_v1_for(&info, "pids")));
	assert_non_null(dir_in(cg, hk_cgroup_unified(&info)));
	hk_cgroup_free(cg);
	assert_null(hk_cgroup_open_proc_text(&info, "garbage"));
	assert_null(hk_cgroup_open_proc(&info, 0));
	hk_cgroup_info_free(&info);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leaf_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_as_made_and_nested, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_limit_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_and_populated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chown_delegation, setup, teardown),
		cmocka_unit_test(test_open_proc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
