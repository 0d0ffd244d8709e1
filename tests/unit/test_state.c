/* test_state.c - the state file (names, text form, parser errors, atomic
 * write and read back) and the effective state, which trusts the lock
 * first: a stale RUNNING file without the lock is STOPPED, the lock
 * without a file of this boot is BUSY, a dead monitor is ORPHANED. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "teststore.h"

#include "state.h"
#include "store.h"
#include "util.h"

struct fixture {
	char dir[64];
	char *path; /* DIR/lxc */
	struct hk_store *st;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	strcpy(f->dir, "/tmp/hk-test-state-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->path = xasprintf("%s/lxc", f->dir);
	hk_autofree char *run = xasprintf("%s/run", f->dir);
	setenv("HAKO_RUN_DIR", run, 1);
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_store_open(f->path, &f->st, &err), 0);
	hk_autofree char *cdir = xasprintf("%s/c1/rootfs", f->path);
	assert_int_equal(hk_mkdir_p(cdir, 0755, NULL), 0);
	hk_autofree char *cfg = xasprintf("%s/c1/config", f->path);
	assert_int_equal(hk_write_file_atomic(cfg, "lxc.uts.name = c1\n", 18, 0644, NULL), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	hk_store_free(f->st);
	hk_rm_rf(f->dir, NULL);
	free(f->path);
	free(f);
	return 0;
}

static void test_names(void **state)
{
	(void)state;
	for (int s = 0; s < HK_STATE_COUNT; s++)
		assert_int_equal(hk_state_from_name(hk_state_name((enum hk_state)s)), s);
	assert_string_equal(hk_state_name(HK_STATE_RUNNING), "RUNNING");
	assert_string_equal(hk_state_name(HK_STATE_ORPHANED), "ORPHANED");
	assert_string_equal(hk_state_name((enum hk_state)99), "UNKNOWN");
	assert_int_equal(hk_state_from_name("running"), -1);
	assert_int_equal(hk_state_from_name(NULL), -1);
	assert_true(hk_state_is_active(HK_STATE_RUNNING));
	assert_true(hk_state_is_active(HK_STATE_FROZEN));
	assert_false(hk_state_is_active(HK_STATE_STOPPED));
	assert_false(hk_state_is_active(HK_STATE_BUSY));
}

static void sample(struct hk_state_file *sf)
{
	hk_state_file_init(sf);
	sf->state = HK_STATE_FROZEN;
	sf->init_pid = 4242;
	sf->monitor_pid = 4240;
	sf->started = 1700000000;
	strcpy(sf->boot_id, "0123abcd-0123-4567-89ab-0123456789ab");
	sf->exit_status = 256;
	sf->stopped = 1700000100;
}

static void test_format_parse_roundtrip(void **state)
{
	(void)state;
	struct hk_state_file a, b;
	sample(&a);
	hk_autofree char *text = hk_state_format(&a);
	assert_non_null(strstr(text, "state=FROZEN\n"));
	assert_non_null(strstr(text, "init_pid=4242\n"));
	assert_non_null(strstr(text, "boot_id=0123abcd-0123-4567-89ab-0123456789ab\n"));
	assert_int_equal(hk_state_parse(text, "t", &b, NULL), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	/* Unknown keys (a newer monitor) are ignored; missing ones default. */
	assert_int_equal(hk_state_parse("future=1\nstate=RUNNING\n", "t", &b, NULL), 0);
	assert_int_equal(b.state, HK_STATE_RUNNING);
	assert_int_equal(b.init_pid, 0);
	assert_int_equal(b.exit_status, -1);
}

static void assert_parse_fails(const char *text, const char *want)
{
	struct hk_state_file sf;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_state_parse(text, "/run/x/state", &sf, &err), -1);
	assert_non_null(err);
	assert_contains(err->msg, want);
	assert_non_null(strstr(err->msg, "/run/x/state"));
}

static void test_parse_errors(void **state)
{
	(void)state;
	assert_parse_fails("", "no state= line");
	assert_parse_fails("init_pid=1\n", "no state= line");
	assert_parse_fails("state=RUNNING\nnoequals\n", "line 2");
	assert_parse_fails("state=SLEEPING\n", "bad state \"SLEEPING\"");
	assert_parse_fails("state=RUNNING\ninit_pid=-4\n", "bad init_pid");
	assert_parse_fails("state=RUNNING\ninit_pid=12x\n", "bad init_pid");
	assert_parse_fails("state=RUNNING\nstarted=soon\n", "bad started");
	assert_parse_fails("state=RUNNING\nexit_status=70000\n", "bad exit_status");
	assert_parse_fails("state=RUNNING\nboot_id=0123456789012345678901234567890123456789\n",
			   "bad boot_id");
}

static void test_write_read(void **state)
{
	struct fixture *f = *state;
	struct hk_state_file a, b;
	sample(&a);
	hk_autofree char *path = xasprintf("%s/statefile", f->dir);
	assert_int_equal(hk_state_write(path, &a, NULL), 0);
	assert_int_equal(hk_state_read(path, &b, NULL), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	hk_autoerr struct hk_error *err = NULL;
	hk_autofree char *missing = xasprintf("%s/none", f->dir);
	assert_int_equal(hk_state_read(missing, &b, &err), -1);
	assert_int_equal(err->code, ENOENT);
	assert_int_equal(b.state, HK_STATE_STOPPED);
	hk_autoerr struct hk_error *err2 = NULL;
	hk_autofree char *nodir = xasprintf("%s/no/such/dir/state", f->dir);
	assert_int_equal(hk_state_write(nodir, &a, &err2), -1);
	assert_non_null(err2);
}

static void test_boot_id(void **state)
{
	(void)state;
	const char *id = hk_state_boot_id(NULL);
	assert_non_null(id);
	assert_int_equal(strlen(id), HK_BOOT_ID_LEN);
	assert_ptr_equal(hk_state_boot_id(NULL), id);
}

static void write_state(struct fixture *f, enum hk_state s, const char *boot, pid_t monitor)
{
	struct hk_state_file sf;
	hk_state_file_init(&sf);
	sf.state = s;
	sf.init_pid = 777;
	sf.monitor_pid = monitor;
	strcpy(sf.boot_id, boot);
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_test_state_write(f->st, "c1", &sf, &err), 0);
}

static pid_t dead_pid(void)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return pid;
}

static void test_effective(void **state)
{
	struct fixture *f = *state;
	const char *boot = hk_state_boot_id(NULL);
	struct hk_state_file sf;
	/* No lock, no file; then a stale RUNNING file without the lock. */
	assert_int_equal(hk_state_effective(f->st, "c1", &sf), HK_STATE_STOPPED);
	write_state(f, HK_STATE_RUNNING, boot, getpid());
	hk_autoct struct hk_ct *ct = NULL;
	assert_int_equal(hk_ct_open(f->st, "c1", HK_CT_MAY_BE_MISSING, &ct, NULL), 0);
	hk_autofree char *path = hk_state_path_ct(ct);
	struct stat stb;
	assert_int_equal(stat(path, &stb), 0);
	assert_int_equal(hk_state_effective(f->st, "c1", &sf), HK_STATE_STOPPED);
	/* The file's record stays readable (exit status, times); its state is
	 * what counts: stopped.  Init 777 is not alive with that start time. */
	assert_int_equal(sf.state, HK_STATE_STOPPED);
	/* Lock free, but the recorded init (this process, same start time)
	 * still runs: its monitor died, the container is ORPHANED. */
	{
		struct hk_state_file live;
		hk_state_file_init(&live);
		live.state = HK_STATE_RUNNING;
		live.init_pid = getpid();
		live.init_start = hk_proc_start_time(getpid());
		strcpy(live.boot_id, boot);
		assert_int_equal(hk_test_state_write(f->st, "c1", &live, NULL), 0);
		assert_int_equal(hk_state_effective(f->st, "c1", &sf), HK_STATE_ORPHANED);
		live.init_start += 1; /* a reused pid: another start time */
		assert_int_equal(hk_test_state_write(f->st, "c1", &live, NULL), 0);
		assert_int_equal(hk_state_effective(f->st, "c1", &sf), HK_STATE_STOPPED);
		write_state(f, HK_STATE_RUNNING, boot, getpid());
	}

	hk_autoerr struct hk_error *err = NULL;
	struct hk_lock *lock = NULL;
	assert_int_equal(hk_test_lock(f->st, "c1", HK_LOCK_TRY, 0, &lock, &err), 0);
	assert_int_equal(hk_state_effective(f->st, "c1", &sf), HK_STATE_RUNNING);
	assert_int_equal(sf.init_pid, 777);
	assert_int_equal(hk_state_effective(f->st, "c1", NULL), HK_STATE_RUNNING);
	/* A file from another boot, or none: the lock holder is busy. */
	write_state(f, HK_STATE_RUNNING, "00000000-0000-0000-0000-000000000000", getpid());
	assert_int_equal(hk_state_effective(f->st, "c1", &sf), HK_STATE_BUSY);
	assert_int_equal(sf.init_pid, 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(hk_state_effective(f->st, "c1", &sf), HK_STATE_BUSY);
	/* Its monitor is gone; a stopped record stays STOPPED. */
	write_state(f, HK_STATE_RUNNING, boot, dead_pid());
	assert_int_equal(hk_state_effective(f->st, "c1", &sf), HK_STATE_ORPHANED);
	write_state(f, HK_STATE_STOPPED, boot, dead_pid());
	assert_int_equal(hk_state_effective(f->st, "c1", &sf), HK_STATE_STOPPED);
	hk_lock_release(lock);
	write_state(f, HK_STATE_FROZEN, boot, getpid());
	assert_int_equal(hk_state_effective(f->st, "c1", &sf), HK_STATE_STOPPED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_format_parse_roundtrip),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test_setup_teardown(test_write_read, setup, teardown),
		cmocka_unit_test(test_boot_id),
		cmocka_unit_test_setup_teardown(test_effective, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
