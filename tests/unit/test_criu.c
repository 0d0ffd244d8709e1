/* test_criu.c - what hako says to criu and reads back (core/criu.c):
 * the checkpoint record round-trips and refuses what hako never writes,
 * criu's log is cut to its last error lines (made safe), and the dump
 * and restore command lines carry the options checkpoint.h promises;
 * a bind's host source reaches criu with its symlinks resolved. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "checkpoint.h"
#include "config.h"
#include "criu.h"

static void test_record_roundtrip(void **state)
{
	(void)state;
	struct hk_ckpt_info in = { .name = "c1", .n_ttys = 2 };
	in.ttys[0] = (struct hk_ckpt_tty){ 0, 0x8800, 0x3f };
	in.ttys[1] = (struct hk_ckpt_tty){ 1, 0x8801, 0x3f };
	hk_autofree char *text = hk_ckpt_info_format(&in);
	assert_string_equal(text, "hako-checkpoint 1\nname c1\ntty 0 8800 3f\ntty 1 8801 3f\n");
	struct hk_ckpt_info out;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_ckpt_info_parse(text, &out, &err), 0);
	assert_string_equal(out.name, "c1");
	assert_int_equal(out.n_ttys, 2);
	assert_int_equal(out.ttys[1].index, 1);
	assert_true(out.ttys[1].rdev == 0x8801 && out.ttys[1].dev == 0x3f);
}

static void test_record_refusals(void **state)
{
	(void)state;
	const char *bad[] = {
		"",							   /* nothing */
		"hako-checkpoint 2\nname c1\n",				   /* another format */
		"hako-checkpoint 1\n",					   /* no name */
		"hako-checkpoint 1\nname \n",				   /* an empty one */
		"hako-checkpoint 1\nname a\nname b\n",			   /* two */
		"hako-checkpoint 1\nname a\ntty 0 88\n",		   /* a word short */
		"hako-checkpoint 1\nname a\ntty 0 88 3f 1\n",		   /* one too many */
		"hako-checkpoint 1\nname a\ntty 65 88 3f\n",		   /* past the last tty */
		"hako-checkpoint 1\nname a\ntty 0 8g 3f\n",		   /* not hex */
		"hako-checkpoint 1\nname a\ntty 0 88 3f\ntty 0 88 3f\n",   /* twice */
		"hako-checkpoint 1\nname a\ntty 0 11112222333344445 3f\n", /* too long */
		"hako-checkpoint 1\nname a\nbogus\x1b[2J\n",		   /* unknown, escaped */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct hk_ckpt_info out;
		hk_autoerr struct hk_error *err = NULL;
		if (hk_ckpt_info_parse(bad[i], &out, &err) != -1)
			fail_msg("accepted: \"%s\"", bad[i]);
		assert_non_null(err);
		assert_null(strchr(err->msg, '\x1b'));
	}
}

static void test_log_errors(void **state)
{
	(void)state;
	const char *log = "(00.001) Version: 3.17.1\n"
			  "(00.002) Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds\n"
			  "(00.003) Warn  (criu/kerndat.c:9): something\n"
			  "(00.004) Error (criu/crtools.c:260): Could not initialize\x1b[2J\r\n"
			  "(00.005) done\n";
	hk_autofree char *e = hk_criu_log_errors(log, 5);
	assert_string_equal(
		e, "\n  | (00.002) Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds"
		   "\n  | (00.004) Error (criu/crtools.c:260): Could not initialize");
	hk_autofree char *last = hk_criu_log_errors(log, 1);
	assert_has(last, "crtools.c:260", NULL);
	assert_null(strstr(last, "vdso.c"));
	/* no error line: its last lines */
	hk_autofree char *tail = hk_criu_log_errors("a\n\nb\nc\n", 2);
	assert_string_equal(tail, "\n  | b\n  | c");
	hk_autofree char *none = hk_criu_log_errors(NULL, 5);
	assert_string_equal(none, "");
}

static bool has_pair(const struct hk_strv *argv, const char *a, const char *b)
{
	for (size_t i = 0; i + 1 < argv->n; i++)
		if (!strcmp(argv->v[i], a) && (!b || !strcmp(argv->v[i + 1], b)))
			return true;
	return false;
}

static void test_dump_argv(void **state)
{
	(void)state;
	struct hk_ckpt_info ttys = { .name = "c1", .n_ttys = 1 };
	ttys.ttys[0] = (struct hk_ckpt_tty){ 0, 0x8800, 0x3f };
	struct hk_strv roots = { 0 };
	hk_strv_push(&roots, "/hako/c1/payload");
	struct hk_criu_ext_mount m = { "/mnt/data", "mnt/data", "/srv/data" };
	struct hk_criu_dump d = { .criu = "/usr/sbin/criu",
				  .dir = "/d",
				  .pid = 42,
				  .freeze_cgroup = "/sys/fs/cgroup/hako/c1/payload",
				  .cgroup_roots = &roots,
				  .mounts = &m,
				  .n_mounts = 1,
				  .ttys = &ttys,
				  .leave_running = true };
	hk_autostrv struct hk_strv argv = { 0 };
	hk_criu_dump_argv(&d, &argv);
	assert_string_equal(argv.v[0], "/usr/sbin/criu");
	assert_string_equal(argv.v[1], "dump");
	assert_true(has_pair(&argv, "-t", "42") && has_pair(&argv, "-D", "/d") &&
		    has_pair(&argv, "-o", "dump.log"));
	assert_true(has_pair(&argv, "--cgroup-root", "/hako/c1/payload"));
	assert_true(has_pair(&argv, "--freeze-cgroup", "/sys/fs/cgroup/hako/c1/payload"));
	assert_true(has_pair(&argv, "--ext-mount-map", "/mnt/data:mnt/data"));
	assert_true(has_pair(&argv, "--ext-mount-map", "/dev/console:console"));
	assert_true(has_pair(&argv, "--external", "tty[8800:3f]"));
	assert_true(has_pair(&argv, "--tcp-established", NULL) &&
		    has_pair(&argv, "--file-locks", NULL));
	assert_string_equal(argv.v[argv.n - 1], "--leave-running");
	/* -s: no --leave-running */
	d.leave_running = false;
	hk_autostrv struct hk_strv stop = { 0 };
	hk_criu_dump_argv(&d, &stop);
	for (size_t i = 0; i < stop.n; i++)
		assert_string_not_equal(stop.v[i], "--leave-running");
	hk_strv_clear(&roots);
}

static void test_restore_argv(void **state)
{
	(void)state;
	struct hk_ckpt_info ttys = { .name = "c1", .n_ttys = 2 };
	ttys.ttys[0] = (struct hk_ckpt_tty){ 0, 0x8800, 0x3f };
	ttys.ttys[1] = (struct hk_ckpt_tty){ 1, 0x8801, 0x3f };
	int fds[] = { 7, 9 };
	const char *paths[] = { "/dev/pts/5", "/dev/pts/6" };
	struct hk_criu_ext_mount m = { "/mnt/data", "mnt/data", "/srv/data" };
	struct hk_criu_restore r = { .criu = "criu",
				     .dir = "/d",
				     .root = "/var/lib/hako/c1/rootfs",
				     .pidfile = "/run/hako/c1/criu-restore.pid",
				     .mounts = &m,
				     .n_mounts = 1,
				     .ttys = &ttys,
				     .tty_fds = fds,
				     .tty_paths = paths,
				     .verbose = true };
	hk_autostrv struct hk_strv argv = { 0 };
	hk_criu_restore_argv(&r, &argv);
	assert_string_equal(argv.v[1], "restore");
	assert_true(has_pair(&argv, "--root", "/var/lib/hako/c1/rootfs"));
	assert_true(has_pair(&argv, "--restore-detached", NULL) &&
		    has_pair(&argv, "--restore-sibling", NULL));
	assert_true(has_pair(&argv, "--pidfile", "/run/hako/c1/criu-restore.pid"));
	assert_true(has_pair(&argv, "--ext-mount-map", "mnt/data:/srv/data"));
	assert_true(has_pair(&argv, "--ext-mount-map", "console:/dev/pts/5"));
	assert_true(has_pair(&argv, "--ext-mount-map", "tty1:/dev/pts/6"));
	assert_true(has_pair(&argv, "--inherit-fd", "fd[9]:tty[8801:3f]"));
	assert_true(has_pair(&argv, "-o", "restore.log") && has_pair(&argv, "-v4", NULL));
}

/* A bind of a symlink (Debian's /lib -> usr/lib): criu's restore fails
 * on the link ("Failed to move_mount from /lib"), so the source given is
 * where it leads; a missing one stays as written; a mount that is no
 * bind is not criu's. */
static void test_bind_source_resolved(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_criu.XXXXXX", real[PATH_MAX];
	assert_non_null(mkdtemp(dir));
	hk_autofree char *target = xasprintf("%s/usr-lib", dir);
	hk_autofree char *link = xasprintf("%s/lib", dir);
	assert_int_equal(mkdir(target, 0755), 0);
	assert_int_equal(symlink("usr-lib", link), 0);
	assert_non_null(realpath(target, real));
	hk_autofree char *text =
		xasprintf("lxc.mount.entry = %s lib none ro,bind 0 0\n"
			  "lxc.mount.entry = /nonexistent-hk mnt/x none bind,optional 0 0\n"
			  "lxc.mount.entry = shm dev/shm tmpfs defaults 0 0\n",
			  link);
	struct hk_config cfg;
	struct hk_error *err = NULL;
	hk_config_init(&cfg);
	assert_int_equal(hk_config_parse_string(&cfg, text, "test", &err), 0);
	struct hk_ckpt_mounts m;
	assert_int_equal(hk_ckpt_mounts_of(&cfg, &m, &err), 0);
	assert_int_equal(m.n, 2);
	assert_string_equal(m.v[0].id, "lib");
	assert_string_equal(m.v[0].target, "/lib");
	assert_string_equal(m.v[0].source, real);
	assert_string_equal(m.v[1].source, "/nonexistent-hk");
	hk_ckpt_mounts_free(&m);
	hk_config_free(&cfg);
	unlink(link);
	rmdir(target);
	rmdir(dir);
}

static void test_tty_names(void **state)
{
	(void)state;
	hk_autofree char *c = hk_criu_tty_mount_id(0), *t = hk_criu_tty_mount_id(3);
	hk_autofree char *ct = hk_criu_tty_target(0), *tt = hk_criu_tty_target(3);
	assert_string_equal(c, "console");
	assert_string_equal(t, "tty3");
	assert_string_equal(ct, "/dev/console");
	assert_string_equal(tt, "/dev/tty3");
}

static void test_find(void **state)
{
	(void)state;
	hk_autofree char *old = getenv("PATH") ? xstrdup(getenv("PATH")) : NULL;
	setenv("PATH", "/nonexistent:relative", 1);
	hk_autoerr struct hk_error *err = NULL;
	assert_null(hk_criu_find(&err));
	assert_has(err->msg, "install the \"criu\" package", NULL);
	if (old)
		setenv("PATH", old, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_roundtrip),
		cmocka_unit_test(test_record_refusals),
		cmocka_unit_test(test_log_errors),
		cmocka_unit_test(test_dump_argv),
		cmocka_unit_test(test_restore_argv),
		cmocka_unit_test(test_bind_source_resolved),
		cmocka_unit_test(test_tty_names),
		cmocka_unit_test(test_find),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
