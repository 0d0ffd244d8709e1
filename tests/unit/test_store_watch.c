/* test_store_watch.c - the store watcher (core/store-watch.c) on a real
 * store in a temp directory, driven the way its users drive it (build
 * the list, update, poll, drain): a container directory made in the
 * container path wakes it; a directory that is no container yet is
 * watched, so its config arriving by rename wakes it; the run directory
 * made after the watcher (the first start) is picked up; a state file
 * replaced in a container's run directory wakes it; opening and closing a
 * file there (a lock probe) does not; the run directory of a container
 * the list leaves out is watched too; a removed container wakes it; the
 * BUSY recheck delay; update says when a container is watched for the
 * first time; sees_states holds only while every running row's run
 * directory is watched and no event waits; a NULL watcher is inert. */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "list.h"
#include "store-watch.h"
#include "store.h"
#include "util.h"

struct fixture {
	char dir[64];
	char *path;
	struct hk_store *st;
	struct hk_store_watch *w;
	struct hk_list l;
};

static void make_container(struct fixture *f, const char *name)
{
	hk_autofree char *root = xasprintf("%s/%s/rootfs", f->path, name);
	assert_int_equal(hk_mkdir_p(root, 0755, NULL), 0);
	hk_autofree char *cfg = xasprintf("%s/%s/config", f->path, name);
	assert_int_equal(hk_write_file_atomic(cfg, "lxc.uts.name = x\n", 17, 0644, NULL), 0);
}

/* What the dashboard does after an event: list again, then update;
 * true when a container was watched for the first time. */
static bool relist(struct fixture *f)
{
	hk_list_free(&f->l);
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_list_build(f->st, NULL, &f->l, &err), 0);
	return hk_store_watch_update(f->w, &f->l);
}

/* True when the descriptor becomes readable within 2 s (events are
 * queued synchronously by the kernel, so this never waits in practice). */
static bool woke(struct fixture *f)
{
	struct pollfd p = { .fd = hk_store_watch_fd(f->w), .events = POLLIN };
	return poll(&p, 1, 2000) == 1 && hk_store_watch_drain(f->w);
}

static bool quiet(struct fixture *f)
{
	struct pollfd p = { .fd = hk_store_watch_fd(f->w), .events = POLLIN };
	return poll(&p, 1, 50) == 0 && !hk_store_watch_drain(f->w);
}

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	strcpy(f->dir, "/tmp/hk-test-watch-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->path = xasprintf("%s/lxc", f->dir);
	assert_int_equal(hk_mkdir_p(f->path, 0755, NULL), 0);
	hk_autofree char *run = xasprintf("%s/run", f->dir);
	setenv("HAKO_RUN_DIR", run, 1);
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_store_open(f->path, &f->st, &err), 0);
	make_container(f, "c1");
	f->w = hk_store_watch_new(f->st, &err);
	assert_non_null(f->w);
	relist(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	hk_list_free(&f->l);
	hk_store_watch_free(f->w);
	hk_store_free(f->st);
	hk_rm_rf(f->dir, NULL);
	free(f->path);
	free(f);
	return 0;
}

static void test_cloexec_and_quiet(void **state)
{
	struct fixture *f = *state;
	int fd = hk_store_watch_fd(f->w);
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_true(quiet(f));
}

/* Another program's create: the directory first, the config later. */
static void test_create_in_two_steps(void **state)
{
	struct fixture *f = *state;
	hk_autofree char *dir = xasprintf("%s/c2", f->path);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_true(woke(f));
	assert_false(relist(f));
	assert_int_equal(f->l.n, 1); /* no config yet: not listed, but watched */
	assert_true(quiet(f));
	hk_autofree char *cfg = xasprintf("%s/config", dir);
	assert_int_equal(hk_write_file_atomic(cfg, "\n", 1, 0644, NULL), 0);
	assert_true(woke(f));
	assert_true(relist(f)); /* c2 watched for the first time */
	assert_int_equal(f->l.n, 2);
	assert_false(relist(f));
}

/* The run directory appears with the first start, after the watcher;
 * then a container's state file is replaced by rename. */
static void test_run_dirs(void **state)
{
	struct fixture *f = *state;
	hk_autofree char *crun = hk_store_container_run_dir(f->st, "c1");
	assert_int_equal(hk_mkdir_p(crun, 0700, NULL), 0);
	/* The next update (the timed refresh) adds the run directory, if
	 * it was missing, and the container's own. */
	relist(f);
	hk_store_watch_drain(f->w); /* the mkdir, if the run directory was watched */
	assert_true(quiet(f));
	hk_autofree char *st = xasprintf("%s/state", crun);
	assert_int_equal(hk_write_file_atomic(st, "RUNNING\n", 8, 0644, NULL), 0);
	assert_true(woke(f));
	relist(f);
	/* A lock probe opens and closes a file: no wake-up. */
	int fd = open(st, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	close(fd);
	assert_true(quiet(f));
	/* Written again: a new event, as the monitor's next state. */
	assert_int_equal(hk_write_file_atomic(st, "STOPPED\n", 8, 0644, NULL), 0);
	assert_true(woke(f));
	/* A second container's run directory made in the watched run dir. */
	hk_autofree char *c9 = hk_store_container_run_dir(f->st, "c9");
	assert_int_equal(mkdir(c9, 0700), 0);
	assert_true(woke(f));
}

/* A container the list leaves out (ls --running: a stopped one) is
 * started: only its run directory says so. */
static void test_unlisted_run_dir(void **state)
{
	struct fixture *f = *state;
	hk_autofree char *crun = hk_store_container_run_dir(f->st, "other");
	assert_int_equal(hk_mkdir_p(crun, 0700, NULL), 0);
	relist(f);
	hk_store_watch_drain(f->w);
	assert_true(quiet(f));
	hk_autofree char *st = xasprintf("%s/state", crun);
	assert_int_equal(hk_write_file_atomic(st, "RUNNING\n", 8, 0644, NULL), 0);
	assert_true(woke(f));
}

static void test_destroy(void **state)
{
	struct fixture *f = *state;
	hk_autofree char *dir = hk_store_container_dir(f->st, "c1");
	assert_int_equal(hk_rm_rf(dir, NULL), 0);
	assert_true(woke(f));
	relist(f);
	assert_int_equal(f->l.n, 0);
}

/* The dashboard's tick trusts the watch for state changes only while it
 * sees every running row's state file and nothing came since. */
static void test_sees_states(void **state)
{
	struct fixture *f = *state;
	struct hk_list_row rows[2] = { { .name = (char *)"c1", .state = HK_STATE_RUNNING },
				       { .name = (char *)"c2", .state = HK_STATE_STOPPED } };
	struct hk_list l = { rows, 2 };
	hk_store_watch_update(f->w, &l);
	assert_false(hk_store_watch_sees_states(f->w)); /* c1 has no run directory */
	hk_autofree char *crun = hk_store_container_run_dir(f->st, "c1");
	assert_int_equal(hk_mkdir_p(crun, 0700, NULL), 0);
	hk_store_watch_drain(f->w);
	hk_store_watch_update(f->w, &l);
	assert_true(hk_store_watch_sees_states(f->w)); /* c2, stopped, needs none */
	hk_autofree char *st = xasprintf("%s/state", crun);
	assert_int_equal(hk_write_file_atomic(st, "RUNNING\n", 8, 0644, NULL), 0);
	assert_true(woke(f));
	assert_false(hk_store_watch_sees_states(f->w)); /* until the next update */
	hk_store_watch_update(f->w, &l);
	assert_true(hk_store_watch_sees_states(f->w));
	assert_false(hk_store_watch_sees_states(NULL));
}

static void test_recheck_ms(void **state)
{
	(void)state;
	struct hk_list_row rows[2] = { { .name = (char *)"a", .state = HK_STATE_STOPPED },
				       { .name = (char *)"b", .state = HK_STATE_RUNNING } };
	struct hk_list l = { rows, 2 };
	assert_int_equal(hk_store_watch_recheck_ms(&l, 2000), 2000);
	rows[1].state = HK_STATE_BUSY;
	assert_int_equal(hk_store_watch_recheck_ms(&l, 2000), 250);
	assert_int_equal(hk_store_watch_recheck_ms(&l, 100), 100);
	l.n = 0;
	assert_int_equal(hk_store_watch_recheck_ms(&l, 2000), 2000);
}

static void test_null_watcher(void **state)
{
	(void)state;
	struct hk_list l = { NULL, 0 };
	assert_int_equal(hk_store_watch_fd(NULL), -1);
	assert_false(hk_store_watch_update(NULL, &l));
	assert_false(hk_store_watch_drain(NULL));
	hk_store_watch_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cloexec_and_quiet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_in_two_steps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_dirs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlisted_run_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sees_states, setup, teardown),
		cmocka_unit_test(test_recheck_ms),
		cmocka_unit_test(test_null_watcher),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
