/* test_storage_clone.c - clone and snapshot on real (temporary) container
 * paths: the clone's config (name, rootfs, new MACs with the same OUI,
 * comments kept), dir copies and overlay snapshot clones whose writes never
 * reach the source, refusals (existing name, missing source, dir backend
 * with -s) and a failure at every step leaving nothing behind, snapshots
 * made, listed, restored in place and as a new container, destroyed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "clone.h"
#include "snapshot.h"
#include "storage.h"
#include "util.h"

static char top[] = "/var/tmp/hk-clone-XXXXXX";
static char *path;
static struct hk_store *st;

static char *in(const char *name, const char *rel)
{
	return xasprintf("%s/%s/%s", path, name, rel);
}

static bool has_file(const char *name, const char *rel)
{
	hk_autofree char *p = in(name, rel);
	return access(p, F_OK) == 0;
}

/* A container SRC with rootfs/etc/hostname, a comment and a MAC. */
static void make_source(const char *name)
{
	hk_autofree char *etc = in(name, "rootfs/etc");
	assert_int_equal(hk_mkdir_p(etc, 0755, NULL), 0);
	hk_autofree char *host = in(name, "rootfs/etc/hostname");
	write_file(host, "src\n");
	hk_autofree char *cfg = in(name, "config");
	hk_autofree char *text = xasprintf("# my precious comment\n"
					   "lxc.rootfs.path = dir:%s/%s/rootfs\n"
					   "lxc.uts.name = %s\n"
					   "lxc.net.0.type = veth\n"
					   "lxc.net.0.hwaddr = 00:16:3e:12:34:56\n",
					   path, name, name);
	write_file(cfg, text);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(top))
		return -1;
	chmod(top, 0755);
	hk_autofree char *run = xasprintf("%s/run", top);
	setenv("HAKO_RUN_DIR", run, 1);
	path = xasprintf("%s/lxc", top);
	if (hk_store_open(path, &st, NULL) < 0)
		return -1;
	make_source("src");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	hk_store_free(st);
	hk_rm_rf(top, NULL);
	free(path);
	return 0;
}

static void clone_ok(const struct hk_clone_opts *o)
{
	struct hk_error *err = NULL;
	if (hk_clone(st, o, NULL, &err) < 0)
		fail_msg("%s", err->msg);
}

/* ---- config text ---- */

static void test_new_mac(void **state)
{
	(void)state;
	hk_autofree char *m = hk_clone_new_mac("00:16:3e:12:34:56");
	assert_non_null(m);
	assert_int_equal(strlen(m), 17);
	assert_true(hk_str_has_prefix(m, "00:16:3e:"));
	assert_string_not_equal(m, "00:16:3e:12:34:56");
	hk_autofree char *w = hk_clone_new_mac("00:16:3e:xx:xx:xx");
	assert_true(hk_str_has_prefix(w, "00:16:3e:") && !strchr(w, 'x'));
	assert_null(hk_clone_new_mac("nonsense"));
	assert_null(hk_clone_new_mac(NULL));
}

static void test_config_text(void **state)
{
	(void)state;
	const char *text = "# keep me\n"
			   "lxc.utsname = old   # legacy spelling\n"
			   "lxc.rootfs = /old/rootfs\n"
			   "lxc.net.0.hwaddr = 00:16:3e:aa:bb:cc\n"
			   "# lxc.net.0.hwaddr = 00:16:3e:aa:bb:cc\n";
	hk_autofree char *t = hk_clone_config_text(text, "dir:/new/rootfs", "new", true, true);
	assert_non_null(strstr(t, "# keep me\n"));
	assert_non_null(strstr(t, "# lxc.net.0.hwaddr = 00:16:3e:aa:bb:cc\n"));
	assert_null(strstr(t, "/old/rootfs"));
	assert_non_null(strstr(t, "dir:/new/rootfs"));
	assert_non_null(strstr(t, "new"));
	assert_null(strstr(t, "= old"));
	assert_non_null(strstr(t, "lxc.net.0.hwaddr = 00:16:3e:"));
	assert_null(strstr(t, "\nlxc.net.0.hwaddr = 00:16:3e:aa:bb:cc"));
	assert_non_null(strstr(t, "lxc.ephemeral = 1"));
	/* keep-name (snapshots): no name or MAC change, rootfs appended if absent */
	hk_autofree char *k =
		hk_clone_config_text("lxc.uts.name = x\n", "dir:/r", NULL, false, false);
	assert_string_equal(k, "lxc.uts.name = x\nlxc.rootfs.path = dir:/r\n");
}

static void test_pick_backend(void **state)
{
	(void)state;
	struct hk_rootfs_spec dir = { .backend = HK_BACKEND_DIR };
	struct hk_rootfs_spec btrfs = { .backend = HK_BACKEND_BTRFS };
	assert_int_equal(hk_clone_pick_backend(&dir, HK_CLONE_COPY, HK_BACKEND_UNSET),
			 HK_BACKEND_DIR);
	assert_int_equal(hk_clone_pick_backend(&dir, HK_CLONE_SNAPSHOT, HK_BACKEND_UNSET),
			 HK_BACKEND_OVERLAY);
	assert_int_equal(hk_clone_pick_backend(&dir, HK_CLONE_CHEAPEST, HK_BACKEND_UNSET),
			 HK_BACKEND_DIR);
	assert_int_equal(hk_clone_pick_backend(&btrfs, HK_CLONE_SNAPSHOT, HK_BACKEND_UNSET),
			 HK_BACKEND_BTRFS);
	assert_int_equal(hk_clone_pick_backend(&btrfs, HK_CLONE_COPY, HK_BACKEND_OVERLAY),
			 HK_BACKEND_OVERLAY);
}

/* ---- clones ---- */

static void test_dir_copy(void **state)
{
	(void)state;
	struct hk_clone_opts o = { .src = "src", .dst = "copy1" };
	clone_ok(&o);
	hk_autofree char *cfg = in("copy1", "config");
	hk_autofree char *text = NULL;
	assert_int_equal(hk_read_file(cfg, &text, NULL, NULL), 0);
	assert_non_null(strstr(text, "# my precious comment"));
	hk_autofree char *want = xasprintf("lxc.rootfs.path = dir:%s/copy1/rootfs", path);
	assert_non_null(strstr(text, want));
	assert_non_null(strstr(text, "lxc.uts.name = copy1"));
	assert_null(strstr(text, "00:16:3e:12:34:56"));
	assert_non_null(strstr(text, "lxc.net.0.hwaddr = 00:16:3e:"));
	hk_autofree char *hn = in("copy1", "rootfs/etc/hostname");
	hk_autofree char *hname = NULL;
	assert_int_equal(hk_read_file(hn, &hname, NULL, NULL), 0);
	assert_string_equal(hname, "copy1\n"); /* it named the source: renamed */
	/* writes in the clone never reach the source */
	hk_autofree char *nf = in("copy1", "rootfs/etc/only-in-clone");
	write_file(nf, "x");
	assert_false(has_file("src", "rootfs/etc/only-in-clone"));
	assert_true(hk_store_exists(st, "copy1"));
}

static void test_overlay_snapshot_clone(void **state)
{
	(void)state;
	if (!hk_storage_kernel_has("overlay", NULL, NULL))
		skip();
	struct hk_clone_opts o = { .src = "src", .dst = "snapc", .snapshot = true };
	clone_ok(&o);
	assert_true(has_file("snapc", "delta0"));
	assert_true(has_file("snapc", "olwork"));
	assert_true(has_file("snapc", "rootfs"));
	/* the new hostname goes into the upper; the source keeps its own */
	hk_autofree char *uh = in("snapc", "delta0/etc/hostname");
	hk_autofree char *uhn = NULL;
	assert_int_equal(hk_read_file(uh, &uhn, NULL, NULL), 0);
	assert_string_equal(uhn, "snapc\n");
	hk_autofree char *sh = in("src", "rootfs/etc/hostname");
	hk_autofree char *shn = NULL;
	assert_int_equal(hk_read_file(sh, &shn, NULL, NULL), 0);
	assert_string_equal(shn, "src\n");
	hk_autofree char *cfg = in("snapc", "config");
	hk_autofree char *text = NULL;
	assert_int_equal(hk_read_file(cfg, &text, NULL, NULL), 0);
	hk_autofree char *want =
		xasprintf("lxc.rootfs.path = overlay:%s/src/rootfs:%s/snapc/delta0", path, path);
	assert_non_null(strstr(text, want));
	struct hk_strv deps = { 0 };
	assert_int_equal(hk_storage_dependents(st, "src", &deps, NULL), 0);
	assert_true(hk_strv_contains(&deps, "snapc"));
	hk_strv_clear(&deps);
	/* a clone of the overlay clone copies its upper and shares the lower */
	hk_autofree char *marker = in("snapc", "delta0/upper-file");
	write_file(marker, "u");
	struct hk_clone_opts o2 = { .src = "snapc", .dst = "snapc2", .snapshot = true };
	clone_ok(&o2);
	assert_true(has_file("snapc2", "delta0/upper-file"));
	/* a full copy of an overlay clone is its merged view */
	if (geteuid() == 0) {
		struct hk_clone_opts o3 = { .src = "snapc", .dst = "flat" };
		clone_ok(&o3);
		assert_true(has_file("flat", "rootfs/etc/hostname"));
		assert_true(has_file("flat", "rootfs/upper-file"));
	}
	assert_int_equal(hk_storage_destroy_container(st, "snapc2", NULL), 0);
	assert_false(has_file("snapc2", "config"));
	assert_true(has_file("src", "rootfs/etc/hostname"));
}

static void test_ephemeral(void **state)
{
	(void)state;
	if (!hk_storage_kernel_has("overlay", NULL, NULL))
		skip();
	struct hk_clone_opts o = { .src = "src", .ephemeral = true };
	char *name = NULL;
	struct hk_error *err = NULL;
	if (hk_clone(st, &o, &name, &err) < 0)
		fail_msg("%s", err->msg);
	assert_true(hk_str_has_prefix(name, "src-") && strlen(name) == 10);
	hk_autofree char *cfg = in(name, "config");
	hk_autofree char *text = NULL;
	assert_int_equal(hk_read_file(cfg, &text, NULL, NULL), 0);
	assert_non_null(strstr(text, "lxc.ephemeral = 1"));
	assert_non_null(strstr(text, "overlay:"));
	assert_int_equal(hk_storage_destroy_container(st, name, NULL), 0);
	assert_false(hk_store_exists(st, name));
	free(name);
	struct hk_clone_opts bad = { .src = "src", .ephemeral = true, .backend = HK_BACKEND_BTRFS };
	assert_int_equal(hk_clone(st, &bad, NULL, &err), -1);
	assert_non_null(strstr(err->msg, "ephemeral"));
	hk_error_free(err);
}

static void test_refusals(void **state)
{
	(void)state;
	struct hk_error *err = NULL;
	struct hk_clone_opts o = { .src = "src", .dst = "src" };
	assert_int_equal(hk_clone(st, &o, NULL, &err), -1);
	hk_error_free(err);
	err = NULL;
	make_source("taken");
	struct hk_clone_opts o2 = { .src = "src", .dst = "taken" };
	assert_int_equal(hk_clone(st, &o2, NULL, &err), -1);
	assert_non_null(strstr(err->msg, "already exists"));
	hk_error_free(err);
	err = NULL;
	assert_true(has_file("taken", "rootfs/etc/hostname")); /* untouched */
	struct hk_clone_opts o3 = { .src = "ghost", .dst = "x1" };
	assert_int_equal(hk_clone(st, &o3, NULL, &err), -1);
	assert_non_null(strstr(err->msg, "does not exist"));
	hk_error_free(err);
	err = NULL;
	struct hk_clone_opts o4 = {
		.src = "src", .dst = "x2", .snapshot = true, .backend = HK_BACKEND_DIR
	};
	assert_int_equal(hk_clone(st, &o4, NULL, &err), -1);
	assert_non_null(strstr(err->msg, "no snapshots"));
	hk_error_free(err);
	err = NULL;
	struct hk_clone_opts o5 = {
		.src = "src", .dst = "x3", .snapshot = true, .backend = HK_BACKEND_AUFS
	};
	assert_int_equal(hk_clone(st, &o5, NULL, &err), -1);
	assert_non_null(strstr(err->msg, "aufs"));
	hk_error_free(err);
	err = NULL;
	struct hk_clone_opts o6 = { .src = "src", .dst = "bad/name" };
	assert_int_equal(hk_clone(st, &o6, NULL, &err), -1);
	hk_error_free(err);
	assert_false(has_file("x2", ""));
	assert_false(has_file("x3", ""));
}

static void test_failed_steps_leave_nothing(void **state)
{
	(void)state;
	for (int step = 1; step <= 4; step++) {
		for (int snap = 0; snap < 2; snap++) {
			if (snap && !hk_storage_kernel_has("overlay", NULL, NULL))
				continue;
			char num[16];
			snprintf(num, sizeof(num), "%d", step);
			setenv("HAKO_TEST_FAIL_STEP", num, 1);
			struct hk_clone_opts o = { .src = "src",
						   .dst = "failing",
						   .snapshot = snap };
			struct hk_error *err = NULL;
			assert_int_equal(hk_clone(st, &o, NULL, &err), -1);
			unsetenv("HAKO_TEST_FAIL_STEP");
			assert_non_null(strstr(err->msg, "on purpose"));
			hk_error_free(err);
			hk_autofree char *dir = xasprintf("%s/failing", path);
			if (access(dir, F_OK) == 0)
				fail_msg("step %d (snapshot %d) left %s", step, snap, dir);
		}
	}
	assert_true(has_file("src", "rootfs/etc/hostname"));
}

/* ---- snapshots ---- */

static void test_snapshots(void **state)
{
	(void)state;
	make_source("sn");
	struct hk_error *err = NULL;
	char *s0 = NULL;
	if (hk_snapshot_create(st, "sn", "first one", &s0, &err) < 0)
		fail_msg("%s", err->msg);
	assert_string_equal(s0, "snap0");
	free(s0);
	hk_autofree char *host = in("sn", "rootfs/etc/hostname");
	write_file(host, "changed\n");
	hk_autofree char *extra = in("sn", "rootfs/extra");
	write_file(extra, "x");
	assert_int_equal(hk_snapshot_create(st, "sn", NULL, NULL, NULL), 0);
	assert_true(has_file("sn", "snaps/snap1/rootfs/extra"));
	assert_true(has_file("sn", "snaps/snap0/ts"));

	struct hk_snapshot_list l = { 0 };
	assert_int_equal(hk_snapshot_list(st, "sn", &l, NULL), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].name, "snap0");
	assert_string_equal(l.v[0].comment, "first one");
	assert_string_equal(l.v[0].backend, "dir");
	assert_int_equal(strlen(l.v[0].date), 19);
	assert_string_equal(l.v[1].comment, "");
	hk_snapshot_list_free(&l);

	/* restore as a new container */
	if (hk_snapshot_restore(st, "sn", "snap0", "fromsnap", &err) < 0)
		fail_msg("%s", err->msg);
	hk_autofree char *h2 = in("fromsnap", "rootfs/etc/hostname");
	hk_autofree char *t2 = NULL;
	assert_int_equal(hk_read_file(h2, &t2, NULL, NULL), 0);
	assert_string_equal(t2, "src\n");
	assert_false(has_file("fromsnap", "rootfs/extra"));

	/* restore in place gives the old files back */
	if (hk_snapshot_restore(st, "sn", "snap0", NULL, &err) < 0)
		fail_msg("%s", err->msg);
	hk_autofree char *t = NULL;
	assert_int_equal(hk_read_file(host, &t, NULL, NULL), 0);
	assert_string_equal(t, "src\n");
	assert_false(has_file("sn", "rootfs/extra"));
	assert_false(has_file("sn", ".restore"));
	hk_autofree char *cfg = in("sn", "config");
	hk_autofree char *ct = NULL;
	assert_int_equal(hk_read_file(cfg, &ct, NULL, NULL), 0);
	hk_autofree char *want = xasprintf("lxc.rootfs.path = dir:%s/sn/rootfs\n", path);
	assert_non_null(strstr(ct, want));
	assert_non_null(strstr(ct, "lxc.uts.name = sn\n"));

	/* errors */
	assert_int_equal(hk_snapshot_restore(st, "sn", "snap9", NULL, &err), -1);
	assert_non_null(strstr(err->msg, "no snapshot snap9"));
	hk_error_free(err);
	err = NULL;
	assert_int_equal(hk_snapshot_destroy(st, "sn", "../x", &err), -1);
	assert_non_null(strstr(err->msg, "not a snapshot name"));
	hk_error_free(err);
	err = NULL;
	assert_int_equal(hk_snapshot_list(st, "nobody", &l, &err), -1);
	hk_error_free(err);

	assert_int_equal(hk_snapshot_destroy(st, "sn", "snap0", NULL), 0);
	assert_false(has_file("sn", "snaps/snap0"));
	assert_int_equal(hk_snapshot_list(st, "sn", &l, NULL), 0);
	assert_int_equal(l.n, 1);
	hk_snapshot_list_free(&l);
	/* the container with its snapshots goes whole */
	assert_int_equal(hk_storage_destroy_container(st, "sn", NULL), 0);
	assert_false(has_file("sn", ""));
}

static void test_snapshot_name_ok(void **state)
{
	(void)state;
	unsigned long n = 0;
	assert_true(hk_snapshot_name_ok("snap12", &n));
	assert_int_equal(n, 12);
	assert_false(hk_snapshot_name_ok("snap", NULL));
	assert_false(hk_snapshot_name_ok("snapx", NULL));
	assert_false(hk_snapshot_name_ok("../snap1", NULL));
	assert_false(hk_snapshot_name_ok(NULL, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_mac),
		cmocka_unit_test(test_config_text),
		cmocka_unit_test(test_pick_backend),
		cmocka_unit_test(test_dir_copy),
		cmocka_unit_test(test_overlay_snapshot_clone),
		cmocka_unit_test(test_ephemeral),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_failed_steps_leave_nothing),
		cmocka_unit_test(test_snapshots),
		cmocka_unit_test(test_snapshot_name_ok),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
