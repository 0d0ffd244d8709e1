/* test_rootfs.c - the mount plan: what the defaults and lxc.mount.auto
 * words produce, and a real execution in a private mount namespace against
 * a rootfs whose /proc and /dev/console are hostile symlinks. */
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
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "mountfd.h"
#include "rootfs.h"
#include "util.h"

/* Finds the first op of kind at target, or NULL. */
static const struct hk_op *find_op(const struct hk_mount_plan *p, enum hk_op_kind kind,
				   const char *target)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->ops[i].kind == kind && strcmp(p->ops[i].target, target) == 0)
			return &p->ops[i];
	return NULL;
}

static void build(struct hk_mount_plan *p, const char *const *auto_words, size_t n_auto,
		  const char *const *entries, size_t n_entries)
{
	struct hk_strv a = { 0 }, e = { 0 };
	for (size_t i = 0; i < n_auto; i++)
		hk_strv_push(&a, auto_words[i]);
	for (size_t i = 0; i < n_entries; i++)
		hk_strv_push(&e, entries[i]);
	static const struct hk_cgroup_mount v2[] = { { "", "cgroup2", NULL } };
	struct hk_plan_input in = {
		.mount_auto = &a,
		.mount_entries = &e,
		.autodev = true,
		.tty_max = 2,
		.pty_max = 100,
		.console = true,
		.cgroups = v2,
		.n_cgroups = 1,
	};
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_mount_plan_build(&in, p, &err), 0);
	hk_strv_clear(&a);
	hk_strv_clear(&e);
}

static void test_defaults(void **state)
{
	(void)state;
	struct hk_mount_plan p;
	build(&p, NULL, 0, NULL, 0);
	const struct hk_op *op = find_op(&p, HK_OP_NEWFS, "proc");
	assert_non_null(op);
	assert_string_equal(op->fstype, "proc");
	op = find_op(&p, HK_OP_SELFBIND, "proc/sys");
	assert_non_null(op);
	assert_true(op->attrs & HK_MNT_RDONLY);
	assert_non_null(find_op(&p, HK_OP_SELFBIND, "proc/sysrq-trigger"));
	op = find_op(&p, HK_OP_NEWFS, "sys");
	assert_true(op->attrs & HK_MNT_RDONLY);
	assert_non_null(find_op(&p, HK_OP_NEWFS, "sys/fs/cgroup"));
	op = find_op(&p, HK_OP_NEWFS, "dev/pts");
	assert_non_null(strstr(op->data, "newinstance"));
	assert_non_null(strstr(op->data, "ptmxmode=0666"));
	assert_non_null(strstr(op->data, "max=103")); /* 100 + console + 2 ttys */
	op = find_op(&p, HK_OP_DEVNODE, "dev/null");
	assert_int_equal(op->major, 1);
	assert_int_equal(op->minor, 3);
	assert_non_null(find_op(&p, HK_OP_CONSOLE, "dev/console"));
	assert_non_null(find_op(&p, HK_OP_TTY, "dev/tty2"));
	assert_null(find_op(&p, HK_OP_TTY, "dev/tty3"));
	const char *masked[] = { "proc/kcore",	    "proc/keys",
				 "proc/timer_list", "proc/sched_debug",
				 "proc/interrupts", "proc/latency_stats",
				 "proc/acpi",	    "proc/scsi",
				 "sys/firmware",    "sys/devices/virtual/powercap" };
	for (size_t i = 0; i < HK_ARRAY_SIZE(masked); i++)
		assert_non_null(find_op(&p, HK_OP_MASK, masked[i]));
	/* Masks come last, after everything they could hide is mounted. */
	assert_int_equal(p.ops[p.n - 1].kind, HK_OP_MASK);
	hk_mount_plan_free(&p);
}

static void test_auto_words(void **state)
{
	(void)state;
	struct hk_mount_plan p;
	const char *words[] = { "proc:rw", "sys:rw", "cgroup:ro" };
	build(&p, words, 3, NULL, 0);
	assert_null(find_op(&p, HK_OP_SELFBIND, "proc/sys"));
	assert_false(find_op(&p, HK_OP_NEWFS, "sys")->attrs & HK_MNT_RDONLY);
	assert_true(find_op(&p, HK_OP_NEWFS, "sys/fs/cgroup")->attrs & HK_MNT_RDONLY);
	hk_mount_plan_free(&p);
	const char *mixed[] = { "sys:mixed" };
	build(&p, mixed, 1, NULL, 0);
	assert_non_null(find_op(&p, HK_OP_SELFBIND, "sys/devices/virtual/net"));
	assert_non_null(find_op(&p, HK_OP_SETATTR, "sys"));
	hk_mount_plan_free(&p);
}

static void test_bad_auto_word(void **state)
{
	(void)state;
	struct hk_strv a = { 0 };
	hk_strv_push(&a, "proc:sometimes");
	struct hk_plan_input in = { .mount_auto = &a };
	struct hk_mount_plan p;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_mount_plan_build(&in, &p, &err), -1);
	assert_non_null(strstr(err->msg, "proc:sometimes"));
	hk_strv_clear(&a);
}

static void test_entries_and_v1_cgroups(void **state)
{
	(void)state;
	struct hk_strv e = { 0 };
	hk_strv_push(&e, "/srv srv none bind,ro,create=dir 0 0");
	hk_strv_push(&e, "tmpfs run tmpfs size=1m");
	static const struct hk_cgroup_mount v1[] = {
		{ "cpuset", "cgroup", "cpuset" },
		{ "unified", "cgroup2", NULL },
	};
	struct hk_plan_input in = { .mount_entries = &e, .cgroups = v1, .n_cgroups = 2 };
	struct hk_mount_plan p;
	assert_int_equal(hk_mount_plan_build(&in, &p, NULL), 0);
	const struct hk_op *op = find_op(&p, HK_OP_BIND, "srv");
	assert_non_null(op);
	assert_string_equal(op->source, "/srv");
	assert_int_equal(op->create, HK_CREATE_DIR);
	assert_non_null(find_op(&p, HK_OP_NEWFS, "run"));
	assert_string_equal(find_op(&p, HK_OP_NEWFS, "sys/fs/cgroup")->fstype, "tmpfs");
	assert_string_equal(find_op(&p, HK_OP_NEWFS, "sys/fs/cgroup/cpuset")->data, "cpuset");
	assert_non_null(find_op(&p, HK_OP_SETATTR, "sys/fs/cgroup"));
	/* No autodev: no tmpfs /dev and no nodes, but still a devpts. */
	assert_null(find_op(&p, HK_OP_NEWFS, "dev"));
	assert_null(find_op(&p, HK_OP_DEVNODE, "dev/null"));
	assert_non_null(find_op(&p, HK_OP_NEWFS, "dev/pts"));
	hk_mount_plan_free(&p);
	hk_strv_clear(&e);
}

/* ---- execution, as root, in a private mount namespace ---- */

static char top[64];

static int run_in_ns(int (*fn)(void))
{
	pid_t pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(99);
		_exit(fn());
	}
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 98;
}

static long fs_type_at(const char *rel)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/rootfs/%s", top, rel);
	struct statfs s;
	return statfs(p, &s) == 0 ? (long)s.f_type : -1;
}

static bool readonly_at(const char *rel)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/rootfs/%s", top, rel);
	struct statvfs s;
	return statvfs(p, &s) == 0 && (s.f_flag & ST_RDONLY);
}

/* hk_mount_plan_execute_split's hook (where init enters its cgroup
 * namespace): proc and sys are mounted by then, the cgroup hierarchy not
 * yet; it runs once. */
static int hook_calls;

static int hook_before_cgroups(void *ctx, struct hk_error **err)
{
	(void)ctx;
	hook_calls++;
	if (fs_type_at("proc") != PROC_SUPER_MAGIC || fs_type_at("sys") != SYSFS_MAGIC ||
	    fs_type_at("sys/fs/cgroup") == CGROUP2_SUPER_MAGIC)
		return hk_error_set(err, EINVAL, "the hook ran at the wrong point of the plan");
	return 0;
}

static int child_execute_defaults(void)
{
	char rootfs[128];
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", top);
	int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	static const struct hk_cgroup_mount v2[] = { { "", "cgroup2", NULL } };
	struct hk_plan_input in = { .autodev = true, .cgroups = v2, .n_cgroups = 1 };
	struct hk_mount_plan p;
	struct hk_error *err = NULL;
	if (hk_mount_plan_build(&in, &p, &err) < 0 ||
	    hk_mount_plan_execute_split(&p, rootfd, NULL, hook_before_cgroups, NULL, &err) < 0) {
		fprintf(stderr, "# %s\n", err ? err->msg : "?");
		return 1;
	}
	if (fs_type_at("proc") != PROC_SUPER_MAGIC || fs_type_at("sys") != SYSFS_MAGIC ||
	    hook_calls != 1 || fs_type_at("sys/fs/cgroup") != CGROUP2_SUPER_MAGIC)
		return 2;
	if (fs_type_at("dev") != TMPFS_MAGIC || fs_type_at("dev/pts") != DEVPTS_SUPER_MAGIC)
		return 3;
	if (!readonly_at("proc/sys") || readonly_at("proc") || !readonly_at("sys"))
		return 4;
	struct stat st;
	char p2[PATH_MAX];
	snprintf(p2, sizeof(p2), "%s/dev/null", rootfs);
	if (stat(p2, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
		return 5;
	/* /proc/keys and /proc/timer_list (present on this kernel, unlike
	 * kcore on some) are masked: /dev/null is bound over them. */
	const char *masked[] = { "proc/keys", "proc/timer_list" };
	for (size_t i = 0; i < HK_ARRAY_SIZE(masked); i++) {
		snprintf(p2, sizeof(p2), "/proc/%s", masked[i] + 5);
		if (access(p2, F_OK) < 0)
			continue;
		snprintf(p2, sizeof(p2), "%s/%s", rootfs, masked[i]);
		if (stat(p2, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
			return 6;
	}
	snprintf(p2, sizeof(p2), "%s/dev/ptmx", rootfs);
	char link[64] = { 0 };
	if (readlink(p2, link, sizeof(link) - 1) < 0 || strcmp(link, "pts/ptmx") != 0)
		return 7;
	hk_mount_plan_free(&p);
	return 0;
}

/* /proc in the rootfs is a symlink to a host directory: refused, and the
 * host directory gets no mount. */
static int child_refuse_proc_symlink(void)
{
	char rootfs[128], hostdir[128];
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", top);
	snprintf(hostdir, sizeof(hostdir), "%s/hostdir", top);
	if (mkdir(hostdir, 0755) < 0 || rmdir(rootfs) < 0 || mkdir(rootfs, 0755) < 0)
		return 10;
	char link[160];
	snprintf(link, sizeof(link), "%s/proc", rootfs);
	if (symlink(hostdir, link) < 0)
		return 11;
	int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct hk_plan_input in = { .autodev = true };
	struct hk_mount_plan p;
	struct hk_error *err = NULL;
	if (hk_mount_plan_build(&in, &p, &err) < 0)
		return 12;
	if (hk_mount_plan_execute(&p, rootfd, NULL, &err) == 0)
		return 13;
	struct statfs s;
	if (statfs(hostdir, &s) < 0 || s.f_type == PROC_SUPER_MAGIC)
		return 14;
	hk_error_free(err);
	hk_mount_plan_free(&p);
	return 0;
}

/* A mount entry whose target climbs out through an absolute link. */
static int child_refuse_entry_escape(void)
{
	char rootfs[128], hostdir[128], link[160];
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs2", top);
	snprintf(hostdir, sizeof(hostdir), "%s/hostdir2", top);
	if (mkdir(rootfs, 0755) < 0 || mkdir(hostdir, 0755) < 0)
		return 20;
	snprintf(link, sizeof(link), "%s/evil", rootfs);
	if (symlink(hostdir, link) < 0)
		return 21;
	struct hk_strv e = { 0 };
	hk_strv_push(&e, "tmpfs evil/x tmpfs size=1m,create=dir");
	struct hk_plan_input in = { .autodev = false, .mount_entries = &e };
	struct hk_mount_plan p;
	struct hk_error *err = NULL;
	if (hk_mount_plan_build(&in, &p, &err) < 0)
		return 22;
	/* Run only the entry (the plan's proc/sys would succeed first). */
	for (size_t i = 0; i < p.n; i++) {
		if (p.ops[i].kind != HK_OP_NEWFS || strcmp(p.ops[i].target, "evil/x") != 0)
			continue;
		struct hk_mount_plan one = { .ops = &p.ops[i], .n = 1 };
		int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (hk_mount_plan_execute(&one, rootfd, NULL, &err) == 0)
			return 23;
	}
	char x[200];
	snprintf(x, sizeof(x), "%s/x", hostdir);
	if (access(x, F_OK) == 0)
		return 24;
	hk_error_free(err);
	hk_mount_plan_free(&p);
	hk_strv_clear(&e);
	return 0;
}

static int exec_setup(void **state)
{
	(void)state;
	snprintf(top, sizeof(top), "/tmp/hk-rootfs-XXXXXX");
	assert_non_null(mkdtemp(top));
	char rootfs[128];
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", top);
	assert_int_equal(mkdir(rootfs, 0755), 0);
	return 0;
}

static int exec_teardown(void **state)
{
	(void)state;
	hk_rm_rf(top, NULL);
	return 0;
}

static void test_execute_defaults(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(run_in_ns(child_execute_defaults), 0);
}

static void test_refuse_proc_symlink(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(run_in_ns(child_refuse_proc_symlink), 0);
}

static void test_refuse_entry_escape(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(run_in_ns(child_refuse_entry_escape), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_auto_words),
		cmocka_unit_test(test_bad_auto_word),
		cmocka_unit_test(test_entries_and_v1_cgroups),
		cmocka_unit_test_setup_teardown(test_execute_defaults, exec_setup, exec_teardown),
		cmocka_unit_test_setup_teardown(test_refuse_proc_symlink, exec_setup,
						exec_teardown),
		cmocka_unit_test_setup_teardown(test_refuse_entry_escape, exec_setup,
						exec_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
