/* test_lock.c - the per-container OFD lock with real processes: a holder
 * seen by a probing child, TRY refused naming the holder, WAIT timing out
 * and succeeding once the holder lets go, inheritance by a forked monitor,
 * the recorded command, and the run directories' modes.  Everything lives
 * in a temp dir (HAKO_RUN_DIR and -P). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "teststore.h"

#include "store-internal.h"

static int setup(void **state)
{
	hk_lock_set_command(NULL);
	*state = hk_store_fixture_new("/tmp/hk-lock-XXXXXX");
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	hk_lock_set_command(NULL);
	return hk_store_fixture_free(*state);
}

/* Runs fn in a child process and returns its exit status. */
static int in_child(int (*fn)(struct hk_store_fixture *f, const void *arg),
		    struct hk_store_fixture *f, const void *arg)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn(f, arg));
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int child_probe(struct hk_store_fixture *f, const void *arg)
{
	pid_t want = *(const pid_t *)arg;
	return hk_lock_probe(f->st, "c1") == want ? 0 : 1;
}

/* TRY must fail with EBUSY naming arg (a string). */
static int child_try_busy(struct hk_store_fixture *f, const void *arg)
{
	struct hk_lock *l = NULL;
	struct hk_error *err = NULL;
	if (hk_test_lock(f->st, "c1", HK_LOCK_TRY, 0, &l, &err) == 0)
		return 1;
	if (err->code != EBUSY)
		return 2;
	if (!strstr(err->msg, (const char *)arg))
		return 3;
	return 0;
}

static int child_try_ok(struct hk_store_fixture *f, const void *arg)
{
	(void)arg;
	struct hk_lock *l = NULL;
	if (hk_test_lock(f->st, "c1", HK_LOCK_TRY, 0, &l, NULL) < 0)
		return 1;
	bool mine = hk_lock_probe(f->st, "c1") == getpid();
	hk_lock_release(l);
	return mine ? 0 : 2;
}

static int child_wait_times_out(struct hk_store_fixture *f, const void *arg)
{
	(void)arg;
	struct hk_lock *l = NULL;
	struct hk_error *err = NULL;
	long long t0 = hk_now_ms();
	if (hk_test_lock(f->st, "c1", HK_LOCK_WAIT, 300, &l, &err) == 0)
		return 1;
	long long took = hk_now_ms() - t0;
	if (took < 300 || took > 2000)
		return 2;
	if (err->code != EBUSY || !strstr(err->msg, "waited 300 ms"))
		return 3;
	return 0;
}

static void test_acquire_probe_release(void **state)
{
	struct hk_store_fixture *f = *state;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_lock_probe(f->st, "c1"), 0); /* nothing yet */
	struct hk_lock *l = NULL;
	assert_int_equal(hk_test_lock(f->st, "c1", HK_LOCK_TRY, 0, &l, &err), 0);
	assert_non_null(l);
	assert_true(hk_lock_fd(l) >= 0);
	assert_true(fcntl(hk_lock_fd(l), F_GETFD) & FD_CLOEXEC);
	pid_t me = getpid();
	assert_int_equal(hk_lock_probe(f->st, "c1"), me);
	assert_int_equal(in_child(child_probe, f, &me), 0);
	char who[64];
	snprintf(who, sizeof(who), "container \"c1\" is busy: locked by pid %d (", (int)me);
	assert_int_equal(in_child(child_try_busy, f, who), 0);
	assert_int_equal(in_child(child_try_busy, f, "; try again later"), 0);
	assert_int_equal(in_child(child_wait_times_out, f, NULL), 0);
	/* Other names are independent. */
	hk_autolock struct hk_lock *l2 = NULL;
	assert_int_equal(hk_test_lock(f->st, "c2", HK_LOCK_TRY, 0, &l2, &err), 0);
	hk_lock_release(l);
	pid_t zero = 0;
	assert_int_equal(in_child(child_probe, f, &zero), 0);
	assert_int_equal(hk_lock_probe(f->st, "c1"), 0);
	assert_int_equal(in_child(child_try_ok, f, NULL), 0);
	/* The file stays (release never unlinks), without our line: the next
	 * holder's refusals must never name us before it writes its own. */
	struct stat sb;
	hk_autofree char *path = xasprintf("%s/c1/lock", hk_store_run_dir(f->st));
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	hk_lock_release(NULL);
}

static void test_command(void **state)
{
	struct hk_store_fixture *f = *state;
	hk_autoerr struct hk_error *err = NULL;
	hk_autolock struct hk_lock *l = NULL;
	/* Default: the program's name (no argument here). */
	assert_int_equal(hk_test_lock(f->st, "c1", HK_LOCK_TRY, 0, &l, &err), 0);
	assert_int_equal(in_child(child_try_busy, f, "(test_lock)"), 0);
	hk_lock_release(hk_steal_ptr(&l));
	hk_lock_set_command("hako start");
	assert_int_equal(hk_test_lock(f->st, "c1", HK_LOCK_TRY, 0, &l, &err), 0);
	assert_int_equal(in_child(child_try_busy, f, "(hako start); try again later"), 0);
	hk_lock_release(hk_steal_ptr(&l));
	/* A command with a newline stays one line. */
	hk_lock_set_command("evil\nname");
	assert_int_equal(hk_test_lock(f->st, "c1", HK_LOCK_TRY, 0, &l, &err), 0);
	assert_int_equal(in_child(child_try_busy, f, "(evil?name)"), 0);
	/* An unreadable holder line: held, pid unknown. */
	assert_int_equal(ftruncate(hk_lock_fd(l), 0), 0);
	assert_int_equal(hk_lock_probe(f->st, "c1"), -1);
	assert_int_equal(in_child(child_try_busy, f, "locked by another process"), 0);
	assert_int_equal(pwrite(hk_lock_fd(l), "12x\n", 4, 0), 4);
	assert_int_equal(hk_lock_probe(f->st, "c1"), -1);
	hk_lock_set_holder(l, 4242);
	assert_int_equal(hk_lock_probe(f->st, "c1"), 4242);
}

/* The monitor case: the child inherits the lock, the parent lets go of its
 * descriptor, the lock stays held until the child exits. */
static void test_inherited(void **state)
{
	struct hk_store_fixture *f = *state;
	hk_autoerr struct hk_error *err = NULL;
	struct hk_lock *l = NULL;
	assert_int_equal(hk_test_lock(f->st, "c1", HK_LOCK_TRY, 0, &l, &err), 0);
	int go[2];
	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(go[1]);
		char c;
		ssize_t r = read(go[0], &c, 1); /* until the parent says so */
		_exit(r < 0 ? 1 : 0);
	}
	close(go[0]);
	hk_lock_set_holder(l, pid);
	hk_lock_release(l); /* the parent's descriptor is gone */
	assert_int_equal(hk_lock_probe(f->st, "c1"), pid);
	hk_autolock struct hk_lock *again = NULL;
	assert_int_equal(hk_test_lock(f->st, "c1", HK_LOCK_TRY, 0, &again, &err), -1);
	assert_int_equal(err->code, EBUSY);
	char want[64];
	snprintf(want, sizeof(want), "locked by pid %d (test_lock)", (int)pid);
	assert_non_null(strstr(err->msg, want));
	hk_error_free(err);
	err = NULL;
	close(go[1]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(hk_lock_probe(f->st, "c1"), 0);
	assert_int_equal(hk_test_lock(f->st, "c1", HK_LOCK_TRY, 0, &again, &err), 0);
}

/* WAIT gets the lock when the holder lets go within the timeout. */
static void test_wait_succeeds(void **state)
{
	struct hk_store_fixture *f = *state;
	hk_autoerr struct hk_error *err = NULL;
	int ready[2];
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct hk_lock *l = NULL;
		if (hk_test_lock(f->st, "c1", HK_LOCK_TRY, 0, &l, NULL) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(2);
		usleep(200 * 1000);
		_exit(0); /* dying releases it */
	}
	close(ready[1]);
	char c;
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	assert_int_equal(hk_lock_probe(f->st, "c1"), pid);
	hk_autolock struct hk_lock *l = NULL;
	long long t0 = hk_now_ms();
	if (hk_test_lock(f->st, "c1", HK_LOCK_WAIT, 5000, &l, &err) < 0)
		fail_msg("%s", err->msg);
	assert_true(hk_now_ms() - t0 < 4000);
	assert_int_equal(hk_lock_probe(f->st, "c1"), getpid());
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Someone removed the run directory while a lock was held: the next
 * acquirer gets a fresh file (the old holder's inode no longer counts). */
static void test_removed_run_dir(void **state)
{
	struct hk_store_fixture *f = *state;
	hk_autoerr struct hk_error *err = NULL;
	hk_autolock struct hk_lock *old = NULL;
	assert_int_equal(hk_test_lock(f->st, "c1", HK_LOCK_TRY, 0, &old, &err), 0);
	assert_int_equal(hk_rm_rf(hk_store_run_dir(f->st), NULL), 0);
	assert_int_equal(hk_lock_probe(f->st, "c1"), 0);
	hk_autolock struct hk_lock *l = NULL;
	assert_int_equal(hk_test_lock(f->st, "c1", HK_LOCK_TRY, 0, &l, &err), 0);
	assert_int_equal(hk_lock_probe(f->st, "c1"), getpid());
}

static void test_dirs_and_names(void **state)
{
	struct hk_store_fixture *f = *state;
	hk_autoerr struct hk_error *err = NULL;
	hk_autolock struct hk_lock *l = NULL;
	/* Before the container exists (create takes it first). */
	assert_false(hk_store_exists(f->st, "newc"));
	assert_int_equal(hk_test_lock(f->st, "newc", HK_LOCK_WAIT, 100, &l, &err), 0);
	struct stat sb;
	hk_autofree char *base = xasprintf("%s/run", f->top);
	assert_int_equal(stat(base, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, hk_store_is_root(f->st) ? 0755 : 0700);
	assert_int_equal(stat(hk_store_run_dir(f->st), &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0700);
	hk_autofree char *dir = hk_store_container_run_dir(f->st, "newc");
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0700);
	hk_autofree char *file = xasprintf("%s/lock", dir);
	assert_int_equal(lstat(file, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, 0600);
	/* The container path itself was not created. */
	assert_int_equal(stat(hk_store_path(f->st), &sb), -1);
	/* Invalid names. */
	hk_autolock struct hk_lock *bad = NULL;
	assert_int_equal(hk_test_lock(f->st, "../x", HK_LOCK_TRY, 0, &bad, &err), -1);
	assert_int_equal(err->code, EINVAL);
	assert_int_equal(hk_lock_probe(f->st, "../x"), 0);
	assert_int_equal(hk_lock_probe(f->st, "never"), 0);
	/* A symlink where the lock file should be is not followed. */
	hk_autofree char *ldir = xasprintf("%s/sym", hk_store_run_dir(f->st));
	assert_int_equal(mkdir(ldir, 0700), 0);
	hk_autofree char *lfile = xasprintf("%s/lock", ldir);
	hk_autofree char *target = xasprintf("%s/target", f->top);
	assert_int_equal(symlink(target, lfile), 0);
	hk_error_free(err);
	err = NULL;
	assert_int_equal(hk_test_lock(f->st, "sym", HK_LOCK_TRY, 0, &bad, &err), -1);
	assert_int_equal(err->code, ELOOP);
	assert_int_equal(lstat(target, &sb), -1);
	/* A run directory that cannot be made: a clear error. */
	hk_autofree char *rd = xasprintf("%s/file", hk_store_run_dir(f->st));
	assert_int_equal(hk_write_file_atomic(rd, "", 0, 0600, NULL), 0);
	hk_error_free(err);
	err = NULL;
	assert_int_equal(hk_test_lock(f->st, "file", HK_LOCK_TRY, 0, &bad, &err), -1);
	assert_non_null(strstr(err->msg, "lock container \"file\""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_acquire_probe_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inherited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_succeeds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_removed_run_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dirs_and_names, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
