/* test_container.c - the container handle (core/container.h): a bad name
 * and a missing container refused with the fix ("hako create"), the
 * directories joined as the store joins them, existence, the run
 * directory made on demand, and the lock and the state reached through
 * the handle agreeing with the (store, name) calls.  Everything lives in a
 * temp dir (HAKO_RUN_DIR and -P). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "teststore.h"

#include "container.h"
#include "state.h"
#include "store-internal.h"

static int setup(void **state)
{
	*state = hk_store_fixture_new("/tmp/hk-ct-XXXXXX");
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	return hk_store_fixture_free(*state);
}

/* A container directory with a config, as create leaves it. */
static void make_container(struct hk_store_fixture *f, const char *name)
{
	hk_autofree char *dir = hk_store_container_dir(f->st, name);
	hk_autofree char *cfg = hk_store_config_path(f->st, name);
	assert_int_equal(hk_mkdir_p(dir, 0700, NULL), 0);
	assert_int_equal(hk_write_file_atomic(cfg, "lxc.uts.name = c1\n", 18, 0600, NULL), 0);
}

static void test_refusals(void **state)
{
	struct hk_store_fixture *f = *state;
	struct hk_ct *ct = NULL;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_ct_open(f->st, "../etc", HK_CT_MAY_BE_MISSING, &ct, &err), -1);
	assert_null(ct);
	hk_autoerr struct hk_error *want = NULL;
	assert_int_equal(hk_name_validate("../etc", &want), -1);
	assert_string_equal(err->msg, want->msg);

	hk_autoerr struct hk_error *missing = NULL;
	assert_int_equal(hk_ct_open(f->st, "c1", HK_CT_EXISTING, &ct, &missing), -1);
	assert_null(ct);
	assert_int_equal(missing->code, ENOENT);
	assert_has(missing->msg, "\"c1\" does not exist in ", "; create it with \"hako create c1",
		   NULL);
}

static void test_paths(void **state)
{
	struct hk_store_fixture *f = *state;
	hk_autoct struct hk_ct *ct = NULL;
	assert_int_equal(hk_ct_open(f->st, "c1", HK_CT_MAY_BE_MISSING, &ct, NULL), 0);
	hk_autofree char *dir = hk_store_container_dir(f->st, "c1");
	hk_autofree char *cfg = hk_store_config_path(f->st, "c1");
	hk_autofree char *run = hk_store_container_run_dir(f->st, "c1");
	hk_autofree char *cg = hk_store_cgroup_name(f->st, "c1");
	assert_string_equal(ct->name, "c1");
	assert_string_equal(ct->dir, dir);
	assert_string_equal(ct->config_path, cfg);
	assert_string_equal(ct->run_dir, run);
	assert_string_equal(ct->cgroup_name, cg);
	assert_non_null(strchr(ct->cgroup_name, '@')); /* a -P path: NAME@HASH */
	assert_true(ct->st == f->st);

	assert_false(hk_ct_exists(ct));
	make_container(f, "c1");
	assert_true(hk_ct_exists(ct));
	hk_autoct struct hk_ct *existing = NULL;
	assert_int_equal(hk_ct_open(f->st, "c1", HK_CT_EXISTING, &existing, NULL), 0);
}

/* The handle's name is a copy: the caller's may change (the monitor
 * rewrites its argv, where a name given on the command line lives). */
static void test_name_copied(void **state)
{
	struct hk_store_fixture *f = *state;
	char name[] = "c2";
	hk_autoct struct hk_ct *ct = NULL;
	assert_int_equal(hk_ct_open(f->st, name, HK_CT_MAY_BE_MISSING, &ct, NULL), 0);
	name[1] = '9';
	assert_string_equal(ct->name, "c2");
}

static void test_run_dir_lock_state(void **state)
{
	struct hk_store_fixture *f = *state;
	make_container(f, "c1");
	hk_autoct struct hk_ct *ct = NULL;
	assert_int_equal(hk_ct_open(f->st, "c1", HK_CT_EXISTING, &ct, NULL), 0);
	struct stat sb;
	assert_int_equal(stat(ct->run_dir, &sb), -1);
	assert_int_equal(hk_ct_make_run_dir(ct, NULL), 0);
	assert_int_equal(stat(ct->run_dir, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, 0700);

	assert_int_equal(hk_ct_lock_probe(ct), 0);
	hk_autolock struct hk_lock *lock = NULL;
	assert_int_equal(hk_ct_lock(ct, HK_LOCK_TRY, 0, &lock, NULL), 0);
	assert_int_equal(hk_ct_lock_probe(ct), getpid());
	assert_int_equal(hk_lock_probe(f->st, "c1"), getpid());
	/* A second lock through the (store, name) call is refused: the same file. */
	hk_autoerr struct hk_error *err = NULL;
	struct hk_lock *again = NULL;
	assert_int_equal(hk_test_lock(f->st, "c1", HK_LOCK_TRY, 0, &again, &err), -1);
	assert_int_equal(err->code, EBUSY);

	struct hk_state_file sf;
	hk_state_file_init(&sf);
	sf.state = HK_STATE_RUNNING;
	sf.monitor_pid = getpid();
	sf.init_pid = getpid();
	const char *boot = hk_state_boot_id(NULL);
	assert_non_null(boot);
	snprintf(sf.boot_id, sizeof(sf.boot_id), "%s", boot);
	assert_int_equal(hk_state_write_ct(ct, &sf, NULL), 0);
	struct hk_state_file got;
	assert_int_equal(hk_state_effective_ct(ct, &got), HK_STATE_RUNNING);
	assert_int_equal(hk_state_effective(f->st, "c1", NULL), HK_STATE_RUNNING);
	hk_lock_releasep(&lock);
	/* No lock held: the monitor is gone, so it is stopped. */
	assert_int_equal(hk_state_effective_ct(ct, NULL), HK_STATE_STOPPED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_copied, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_dir_lock_state, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
