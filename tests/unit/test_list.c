/* test_list.c - rows of `hako ls` built from a real store in a temp
 * directory: fields from modern and legacy configs, a broken config still
 * listed with its error, the name regex, the running/stopped filters (a
 * container made RUNNING through its lock and state file), row_fill, a
 * SIGSTOPped monitor shown UNRESPONSIVE, a locked container without
 * a config shown BUSY, a row copied under another name (the
 * dashboard's HOST:NAME rows) owning all its strings, and a listing's
 * one look at the run directory and the bound socket names. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "teststore.h"

#include "list.h"
#include "list-probe.h"
#include "lxc-cmd.h"
#include "state.h"
#include "store.h"
#include "util.h"

struct fixture {
	char dir[64];
	char *path;
	struct hk_store *st;
};

static void make_container(struct fixture *f, const char *name, const char *config)
{
	hk_autofree char *root = xasprintf("%s/%s/rootfs", f->path, name);
	assert_int_equal(hk_mkdir_p(root, 0755, NULL), 0);
	hk_autofree char *cfg = xasprintf("%s/%s/config", f->path, name);
	assert_int_equal(hk_write_file_atomic(cfg, config, strlen(config), 0644, NULL), 0);
}

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	strcpy(f->dir, "/tmp/hk-test-list-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->path = xasprintf("%s/lxc", f->dir);
	hk_autofree char *run = xasprintf("%s/run", f->dir);
	setenv("HAKO_RUN_DIR", run, 1);
	make_container(f, "legacy",
		       "# guide 2\nlxc.rootfs = /srv/legacy\n"
		       "lxc.id_map = u 0 100000 65536\nlxc.id_map = g 0 100000 65536\n"
		       "lxc.network.type = veth\nlxc.network.link = lxcbr0\n"
		       "lxc.network.type = veth\nlxc.network.link = br1\n");
	make_container(f, "priv",
		       "lxc.rootfs.path = btrfs:/srv/priv\nlxc.group = web\nlxc.group = db\n");
	make_container(f, "auto1", "lxc.start.auto = 1\n");
	make_container(f, "broken", "lxc.no.such.key = 1\n");
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_store_open(f->path, &f->st, &err), 0);
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

static const struct hk_list_row *find(const struct hk_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->rows[i].name, name) == 0)
			return &l->rows[i];
	return NULL;
}

static void test_rows(void **state)
{
	struct fixture *f = *state;
	struct hk_list l;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_list_build(f->st, NULL, &l, &err), 0);
	assert_int_equal(l.n, 4);
	/* Sorted by name. */
	assert_string_equal(l.rows[0].name, "auto1");
	assert_string_equal(l.rows[3].name, "priv");

	const struct hk_list_row *r = find(&l, "legacy");
	assert_non_null(r);
	assert_int_equal(r->state, HK_STATE_STOPPED);
	assert_int_equal(r->init_pid, 0);
	assert_true(r->unprivileged);
	assert_false(r->autostart);
	assert_string_equal(r->backend, "dir");
	assert_string_equal(r->rootfs, "/srv/legacy");
	assert_int_equal(r->interfaces.n, 2);
	assert_string_equal(r->interfaces.v[0], "lxcbr0");
	assert_string_equal(r->interfaces.v[1], "br1");
	assert_int_equal(r->ipv4.n, 0);
	assert_int_equal(r->mem_bytes, -1);
	assert_true(r->cpu_seconds < 0);
	assert_null(r->config_error);
	assert_non_null(r->cfg);

	r = find(&l, "priv");
	assert_int_equal(r->unprivileged, !hk_store_is_root(f->st));
	assert_string_equal(r->backend, "btrfs");
	assert_int_equal(r->groups.n, 2);
	assert_string_equal(r->groups.v[1], "db");

	r = find(&l, "auto1");
	assert_true(r->autostart);
	assert_string_equal(r->backend, "dir");
	assert_null(r->rootfs);

	r = find(&l, "broken");
	assert_non_null(r->config_error);
	assert_non_null(strstr(r->config_error, "lxc.no.such.key"));
	assert_null(r->cfg);
	assert_null(r->backend);
	assert_int_equal(r->state, HK_STATE_STOPPED);
	hk_list_free(&l);
	assert_int_equal(l.n, 0);
	hk_list_free(&l);
}

static size_t count(struct fixture *f, const struct hk_list_filter *flt)
{
	struct hk_list l;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_list_build(f->st, flt, &l, &err), 0);
	size_t n = l.n;
	hk_list_free(&l);
	return n;
}

static void test_regex(void **state)
{
	struct fixture *f = *state;
	struct hk_list_filter flt = { .regex = "^(priv|auto)" };
	assert_int_equal(count(f, &flt), 2);
	flt.regex = "e";
	assert_int_equal(count(f, &flt), 2); /* legacy, broken */
	flt.regex = "^nothing$";
	assert_int_equal(count(f, &flt), 0);
	flt.regex = "(";
	struct hk_list l;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_list_build(f->st, &flt, &l, &err), -1);
	assert_non_null(strstr(err->msg, "bad name filter \"(\""));
}

/* Makes name RUNNING (init 4321) as a monitor would: its lock held and a
 * state file naming monitor mon.  Returns the lock. */
static struct hk_lock *make_running(struct fixture *f, const char *name, pid_t mon)
{
	hk_autoerr struct hk_error *err = NULL;
	struct hk_lock *lock = NULL;
	assert_int_equal(hk_test_lock(f->st, name, HK_LOCK_TRY, 0, &lock, &err), 0);
	struct hk_state_file sf;
	hk_state_file_init(&sf);
	sf.state = HK_STATE_RUNNING;
	sf.init_pid = 4321;
	sf.monitor_pid = mon;
	strcpy(sf.boot_id, hk_state_boot_id(NULL));
	assert_int_equal(hk_test_state_write(f->st, name, &sf, &err), 0);
	return lock;
}

static void test_state_filters(void **state)
{
	struct fixture *f = *state;
	hk_autoerr struct hk_error *err = NULL;
	struct hk_lock *lock = make_running(f, "priv", getpid());

	struct hk_list_filter flt = { .running = true };
	struct hk_list l;
	assert_int_equal(hk_list_build(f->st, &flt, &l, &err), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.rows[0].name, "priv");
	assert_int_equal(l.rows[0].state, HK_STATE_RUNNING);
	assert_int_equal(l.rows[0].init_pid, 4321);
	hk_list_free(&l);

	flt = (struct hk_list_filter){ .stopped = true };
	assert_int_equal(count(f, &flt), 3);
	flt = (struct hk_list_filter){ .stopped = true, .running = true };
	assert_int_equal(count(f, &flt), 4);
	hk_lock_release(lock);
	flt = (struct hk_list_filter){ .running = true };
	assert_int_equal(count(f, &flt), 0);
}

static void test_row_fill(void **state)
{
	struct fixture *f = *state;
	struct hk_list_row row;
	hk_list_row_fill(f->st, "legacy", &row);
	assert_string_equal(row.name, "legacy");
	assert_int_equal(row.cfg->idmap.n, 2);
	hk_list_row_free(&row);
	assert_null(row.name);
	/* A container that is not there: the config error says so. */
	hk_list_row_fill(f->st, "ghost", &row);
	assert_non_null(row.config_error);
	assert_int_equal(row.state, HK_STATE_STOPPED);
	hk_list_row_free(&row);
}

static void test_empty_and_missing_path(void **state)
{
	(void)state;
	char dir[] = "/tmp/hk-test-list-empty-XXXXXX";
	assert_non_null(mkdtemp(dir));
	hk_autoerr struct hk_error *err = NULL;
	hk_autostore struct hk_store *st = NULL;
	assert_int_equal(hk_store_open(dir, &st, &err), 0);
	struct hk_list l;
	assert_int_equal(hk_list_build(st, NULL, &l, &err), 0);
	assert_int_equal(l.n, 0);
	hk_list_free(&l);
	hk_autofree char *missing = xasprintf("%s/none", dir);
	hk_autostore struct hk_store *st2 = NULL;
	assert_int_equal(hk_store_open(missing, &st2, &err), 0);
	assert_int_equal(hk_list_build(st2, NULL, &l, &err), 0);
	assert_int_equal(l.n, 0);
	hk_list_free(&l);
	rmdir(dir);
}

/* A monitor stopped by SIGSTOP: the row says UNRESPONSIVE (read from
 * /proc, never by asking it); running again once it continues. */
static void test_unresponsive(void **state)
{
	struct fixture *f = *state;
	hk_autoerr struct hk_error *err = NULL;
	pid_t mon = fork();
	if (mon == 0) {
		for (;;)
			pause();
	}
	struct hk_lock *lock = make_running(f, "priv", mon);
	kill(mon, SIGSTOP);
	waitpid(mon, NULL, WUNTRACED);
	struct hk_list_row row;
	hk_list_row_fill(f->st, "priv", &row);
	assert_int_equal(row.state, HK_STATE_UNRESPONSIVE);
	assert_string_equal(hk_state_name(row.state), "UNRESPONSIVE");
	hk_list_row_free(&row);
	kill(mon, SIGCONT);
	waitpid(mon, NULL, WCONTINUED);
	hk_list_row_fill(f->st, "priv", &row);
	assert_int_equal(row.state, HK_STATE_RUNNING);
	hk_list_row_free(&row);
	kill(mon, SIGKILL);
	waitpid(mon, NULL, 0);
	hk_lock_release(lock);
}

/* A container whose config is missing while its lock is held (being
 * created or destroyed) is BUSY, not broken; one destroyed after the
 * listing drops out of the list instead of showing a config error. */
static void test_busy_without_config(void **state)
{
	struct fixture *f = *state;
	hk_autoerr struct hk_error *err = NULL;
	struct hk_lock *lock = NULL;
	assert_int_equal(hk_test_lock(f->st, "half", HK_LOCK_TRY, 0, &lock, &err), 0);
	hk_autofree char *dir = xasprintf("%s/half", f->path);
	assert_int_equal(hk_mkdir_p(dir, 0755, NULL), 0);
	struct hk_list_row row;
	hk_list_row_fill(f->st, "half", &row);
	assert_int_equal(row.state, HK_STATE_BUSY);
	assert_null(row.config_error);
	hk_list_row_free(&row);
	hk_lock_release(lock);
}

/* /proc/net/unix as the kernel writes it: the inode padded, no path for
 * unnamed sockets, '@' for abstract ones, a path may hold spaces. */
static void test_probe_parse_unix(void **state)
{
	(void)state;
	const char *text =
		"Num       RefCount Protocol Flags    Type St Inode Path\n"
		"0000000000000000: 00000002 00000000 00010000 0001 01   123 @/srv/my ct/web/command\n"
		"0000000000000000: 00000002 00000000 00000000 0001 03 45678\n"
		"0000000000000000: 00000003 00000000 00000000 0001 03 45679 /run/dbus/system_bus_socket\n"
		"0000000000000000: 00000002 00000000 00010000 0001 01 99999 @lxc/00000000deadbeef/command\n";
	hk_autostrv struct hk_strv v = { 0 };
	assert_int_equal(hk_list_probe_parse_unix(text, &v), 0);
	assert_int_equal(v.n, 2);
	assert_string_equal(v.v[0], "/srv/my ct/web/command");
	assert_string_equal(v.v[1], "lxc/00000000deadbeef/command");
	hk_autostrv struct hk_strv none = { 0 };
	assert_int_equal(hk_list_probe_parse_unix("not that file\n", &none), -1);
}

/* The probe knows which containers have a run directory and which LXC
 * names are bound; a listing still finds the running one. */
static void test_probe_take(void **state)
{
	struct fixture *f = *state;
	hk_autoerr struct hk_error *err = NULL;
	struct hk_lock *lock = make_running(f, "priv", getpid());
	int fd = hk_lxc_sock_claim(hk_store_path(f->st), "auto1", &err);
	assert_true(fd >= 0);
	struct hk_list_probe p;
	hk_list_probe_take(f->st, &p);
	assert_true(p.run_known);
	assert_true(p.socks_known);
	assert_true(hk_list_probe_may_have_run_dir(&p, "priv"));
	assert_false(hk_list_probe_may_have_run_dir(&p, "legacy"));
	assert_true(hk_list_probe_may_have_runner(&p, f->st, "auto1"));
	assert_false(hk_list_probe_may_have_runner(&p, f->st, "legacy"));
	assert_true(hk_list_probe_may_have_run_dir(NULL, "legacy")); /* no probe: ask */
	hk_list_probe_clear(&p);
	close(fd);

	struct hk_list l;
	assert_int_equal(hk_list_build(f->st, NULL, &l, &err), 0);
	assert_int_equal(find(&l, "priv")->state, HK_STATE_RUNNING);
	assert_int_equal(find(&l, "legacy")->state, HK_STATE_STOPPED);
	hk_list_free(&l);
	hk_lock_release(lock);
}

static void test_row_copy(void **state)
{
	(void)state;
	struct hk_list_row r = { .name = xstrdup("c1"),
				 .state = HK_STATE_RUNNING,
				 .pids = 3,
				 .backend = xstrdup("dir"),
				 .idmap_host = xstrdup("u 0 1000 1"),
				 .mem_bytes = 42,
				 .cpu_seconds = 1.5 };
	hk_strv_push(&r.ipv4, "10.0.0.2");
	hk_strv_push(&r.groups, "web");
	struct hk_list_row c;
	hk_list_row_copy(&r, "web1:c1", &c);
	hk_list_row_free(&r); /* the copy owns its own */
	assert_string_equal(c.name, "web1:c1");
	assert_int_equal(c.state, HK_STATE_RUNNING);
	assert_int_equal(c.pids, 3);
	assert_int_equal(c.mem_bytes, 42);
	assert_string_equal(c.backend, "dir");
	assert_string_equal(c.idmap_host, "u 0 1000 1");
	assert_null(c.rootfs);
	assert_null(c.config_error);
	assert_int_equal(c.ipv4.n, 1);
	assert_string_equal(c.ipv4.v[0], "10.0.0.2");
	assert_string_equal(c.groups.v[0], "web");
	assert_int_equal(c.ipv6.n, 0);
	hk_list_row_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_regex, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_row_fill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unresponsive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_without_config, setup, teardown),
		cmocka_unit_test(test_empty_and_missing_path),
		cmocka_unit_test(test_row_copy),
		cmocka_unit_test(test_probe_parse_unix),
		cmocka_unit_test_setup_teardown(test_probe_take, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
