/* test_storage.c - the backend table and its shared helpers: the resolver,
 * kernel support probes (with fixture files), the errors of the backends
 * this kernel lacks (aufs, zfs), sizes, mounting an overlay rootfs as root
 * in a new mount namespace and as root of a user namespace, dependents and
 * removing a container.  Mount tests need root and skip without it. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "storage.h"
#include "userns-exec.h"
#include "util.h"

#define HOST_BASE 400000UL

static char top[] = "/var/tmp/hk-storage-XXXXXX";

static int group_setup(void **state)
{
	(void)state;
	if (!mkdtemp(top))
		return -1;
	chmod(top, 0755);
	hk_autofree char *run = xasprintf("%s/run", top);
	setenv("HAKO_RUN_DIR", run, 1);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	hk_rm_rf(top, NULL);
	return 0;
}

/* ---- resolver ---- */

static void test_find_every_backend(void **state)
{
	(void)state;
	static const enum hk_backend all[] = { HK_BACKEND_DIR, HK_BACKEND_OVERLAY, HK_BACKEND_BTRFS,
					       HK_BACKEND_ZFS, HK_BACKEND_AUFS };
	assert_int_equal(hk_storage_count(), HK_ARRAY_SIZE(all));
	for (size_t i = 0; i < HK_ARRAY_SIZE(all); i++) {
		const struct hk_storage_ops *ops = hk_storage_find(all[i], NULL);
		assert_non_null(ops);
		assert_string_equal(ops->name, hk_backend_name(all[i]));
		assert_ptr_equal(hk_storage_at(i), ops);
		assert_non_null(ops->support);
		assert_non_null(ops->create);
		assert_non_null(ops->copy);
		assert_non_null(ops->mount);
		assert_non_null(ops->unmount);
		assert_non_null(ops->destroy);
		assert_non_null(ops->size);
	}
	assert_null(hk_storage_at(HK_ARRAY_SIZE(all)));
	assert_null(hk_storage_find(HK_BACKEND_DIR, NULL)->snapshot);
	assert_non_null(hk_storage_overlay.snapshot);
	assert_non_null(hk_storage_btrfs.snapshot);
}

static void test_find_unknown(void **state)
{
	(void)state;
	struct hk_error *err = NULL;
	assert_null(hk_storage_find(HK_BACKEND_LVM, &err));
	assert_non_null(strstr(err->msg, "lvm"));
	assert_non_null(strstr(err->msg, "overlay"));
	hk_error_free(err);
	err = NULL;
	assert_null(hk_storage_find(HK_BACKEND_UNSET, &err));
	hk_error_free(err);
}

static void test_needs_mount(void **state)
{
	(void)state;
	struct hk_rootfs_spec s = { .backend = HK_BACKEND_OVERLAY };
	assert_true(hk_storage_needs_mount(&s));
	s.backend = HK_BACKEND_AUFS;
	assert_true(hk_storage_needs_mount(&s));
	s.backend = HK_BACKEND_DIR;
	assert_false(hk_storage_needs_mount(&s));
	s.backend = HK_BACKEND_BTRFS;
	assert_false(hk_storage_needs_mount(&s));
	s.backend = HK_BACKEND_LVM;
	assert_false(hk_storage_needs_mount(&s));
	/* dir: mounting is a no-op */
	s.backend = HK_BACKEND_DIR;
	s.path = (char *)"/nonexistent";
	assert_int_equal(hk_storage_mount_rootfs(&s, "/nonexistent", NULL), 0);
}

static void test_rootfs_target_and_size(void **state)
{
	(void)state;
	struct hk_rootfs_spec o = { .backend = HK_BACKEND_OVERLAY,
				    .path = (char *)"/l",
				    .upper = (char *)"/p/c/delta0" };
	hk_autofree char *t1 = hk_storage_rootfs_target(&o, "/p/c");
	assert_string_equal(t1, "/p/c/rootfs");
	struct hk_rootfs_spec d = { .backend = HK_BACKEND_DIR, .path = top };
	hk_autofree char *t2 = hk_storage_rootfs_target(&d, "/p/c");
	assert_string_equal(t2, top);
	uint64_t n = 1;
	assert_int_equal(hk_storage_size(&d, &n, NULL), 0);
	assert_true(n > 0);
	struct hk_rootfs_spec l = { .backend = HK_BACKEND_LVM };
	struct hk_error *err = NULL;
	assert_int_equal(hk_storage_size(&l, &n, &err), -1);
	assert_int_equal(n, 0);
	hk_error_free(err);
}

static void test_workdir(void **state)
{
	(void)state;
	hk_autofree char *w = hk_storage_workdir("/var/lib/hako/c2/delta0");
	assert_string_equal(w, "/var/lib/hako/c2/olwork");
	hk_autofree char *w2 = hk_storage_workdir("delta0");
	assert_string_equal(w2, "olwork");
}

/* ---- probes ---- */

static void test_kernel_has_fixtures(void **state)
{
	(void)state;
	hk_autofree char *fs = xasprintf("%s/filesystems", top);
	hk_autofree char *mod = xasprintf("%s/module", top);
	write_file(fs, "nodev\tsysfs\nnodev\toverlay\n\text4\n\tbtrfs\n");
	mkdir(mod, 0755);
	assert_true(hk_storage_kernel_has("overlay", fs, mod));
	assert_true(hk_storage_kernel_has("ext4", fs, mod));
	assert_false(hk_storage_kernel_has("aufs", fs, mod));
	assert_false(hk_storage_kernel_has("over", fs, mod));
	hk_autofree char *zfs = xasprintf("%s/zfs", mod);
	mkdir(zfs, 0755); /* a loaded module that registered nothing yet */
	assert_true(hk_storage_kernel_has("zfs", fs, mod));
	assert_false(hk_storage_kernel_has("zfs", fs, "/nonexistent"));
}

/* Distribution kernels build overlay and btrfs as modules: listed in
 * modules.dep, loaded by the first mount, so a backend must not refuse. */
static void test_fs_module_fixture(void **state)
{
	(void)state;
	hk_autofree char *dep = xasprintf("%s/modules.dep", top);
	write_file(dep, "kernel/fs/btrfs/btrfs.ko.xz: kernel/lib/raid6/raid6_pq.ko.xz\n"
			"kernel/fs/overlayfs/overlay.ko.xz:\n"
			"kernel/fs/overlayfs-extra/overlayx.ko:\n"
			"kernel/drivers/net/veth.ko\n");
	hk_autofree char *btrfs = hk_storage_fs_module("btrfs", dep);
	hk_autofree char *ovl = hk_storage_fs_module("overlay", dep);
	hk_autofree char *veth = hk_storage_fs_module("veth", dep);
	assert_string_equal(btrfs, "kernel/fs/btrfs/btrfs.ko.xz");
	assert_string_equal(ovl, "kernel/fs/overlayfs/overlay.ko.xz");
	assert_string_equal(veth, "kernel/drivers/net/veth.ko");
	assert_null(hk_storage_fs_module("over", dep));
	assert_null(hk_storage_fs_module("aufs", dep));
	assert_null(hk_storage_fs_module("btrfs", "/nonexistent/modules.dep"));
}

static void test_real_kernel(void **state)
{
	(void)state;
	assert_true(hk_storage_kernel_has("proc", NULL, NULL));
	assert_false(hk_storage_kernel_has("no-such-fs", NULL, NULL));
	assert_true(hk_storage_in_init_userns() || geteuid() != 0);
	assert_true(hk_storage_fs_type("/proc") == 0x9fa0);
	assert_true(hk_storage_fs_type("/proc/no/such/thing") == 0x9fa0);
	assert_int_equal(hk_storage_dir.support("/anything", NULL), 0);
}

static void test_aufs_missing_error(void **state)
{
	(void)state;
	if (hk_storage_kernel_has("aufs", NULL, NULL)) {
		fprintf(stderr, "skipped: this kernel has aufs\n");
		skip();
	}
	struct hk_error *err = NULL;
	assert_int_equal(hk_storage_aufs.support(top, &err), -1);
	assert_int_equal(err->code, ENODEV);
	assert_non_null(strstr(err->msg, "no aufs filesystem"));
	assert_non_null(strstr(err->msg, "aufs.ko"));
	assert_non_null(strstr(err->msg, "/proc/filesystems"));
	hk_error_free(err);
	err = NULL;
	struct hk_rootfs_spec src = { .backend = HK_BACKEND_DIR, .path = top, .raw = top };
	struct hk_idmap none = { 0 };
	struct hk_storage_req req = { .src = &src, .src_dir = top, .dst_dir = top, .map = &none };
	assert_int_equal(hk_storage_aufs.snapshot(&req, &err), -1);
	assert_non_null(strstr(err->msg, "aufs"));
	hk_error_free(err);
	err = NULL;
	struct hk_rootfs_spec a = {
		.backend = HK_BACKEND_AUFS, .path = top, .upper = top, .raw = (char *)"aufs:x:y"
	};
	assert_int_equal(hk_storage_mount_rootfs(&a, top, &err), -1);
	assert_non_null(strstr(err->msg, "no aufs filesystem"));
	hk_error_free(err);
}

static void test_zfs_missing_error(void **state)
{
	(void)state;
	if (hk_storage_kernel_has("zfs", NULL, NULL)) {
		fprintf(stderr, "skipped: this kernel has zfs\n");
		skip();
	}
	struct hk_error *err = NULL;
	assert_int_equal(hk_storage_zfs.support(top, &err), -1);
	assert_non_null(strstr(err->msg, "no zfs filesystem"));
	assert_non_null(strstr(err->msg, "zfs.ko"));
	hk_error_free(err);
	err = NULL;
	assert_int_equal(hk_storage_zfs.create("pool/c1", &err), -1);
	assert_non_null(strstr(err->msg, "zfs"));
	hk_error_free(err);
	err = NULL;
	struct hk_rootfs_spec z = { .backend = HK_BACKEND_ZFS,
				    .path = (char *)"pool/c1",
				    .raw = (char *)"zfs:pool/c1" };
	struct hk_idmap none = { 0 };
	struct hk_storage_req req = { .src = &z, .src_dir = top, .dst_dir = top, .map = &none };
	assert_int_equal(hk_storage_zfs.snapshot(&req, &err), -1);
	assert_non_null(strstr(err->msg, "no zfs filesystem"));
	hk_error_free(err);
	err = NULL;
	assert_int_equal(hk_storage_zfs.destroy(&z, &err), -1);
	hk_error_free(err);
}

static void test_btrfs_not_here(void **state)
{
	(void)state;
	struct hk_error *err = NULL;
	if (hk_storage_fs_type(top) == 0x9123683e) {
		fprintf(stderr, "skipped: %s is on btrfs\n", top);
		skip();
	}
	assert_int_equal(hk_storage_btrfs.support(top, &err), -1);
	assert_non_null(strstr(err->msg, "not on a btrfs"));
	hk_error_free(err);
}

static void test_overlay_refuses_create_and_copy(void **state)
{
	(void)state;
	struct hk_error *err = NULL;
	assert_int_equal(hk_storage_overlay.create("/x/rootfs", &err), -1);
	assert_non_null(strstr(err->msg, "snapshot backend"));
	hk_error_free(err);
	err = NULL;
	struct hk_storage_req req = { 0 };
	assert_int_equal(hk_storage_overlay.copy(&req, &err), -1);
	assert_non_null(strstr(err->msg, "-s"));
	hk_error_free(err);
}

static void test_tree_size(void **state)
{
	(void)state;
	hk_autofree char *d = xasprintf("%s/sized", top);
	mkdir(d, 0755);
	hk_autofree char *f = xasprintf("%s/f", d);
	hk_autofree char *data = xmalloc(1 << 20);
	memset(data, 'x', 1 << 20);
	struct hk_error *err = NULL;
	if (hk_write_file_atomic(f, data, 1 << 20, 0644, &err) < 0)
		fail_msg("%s", err->msg);
	uint64_t n = 0;
	assert_int_equal(hk_storage_tree_size(d, &n, NULL), 0);
	assert_true(n >= (1 << 20) && n < (2 << 20));
	struct hk_rootfs_spec s = { .backend = HK_BACKEND_DIR, .path = d };
	uint64_t m = 0;
	assert_int_equal(hk_storage_dir.size(&s, &m, NULL), 0);
	assert_true(m == n);
	assert_int_equal(hk_storage_tree_size("/nonexistent/x", &n, &err), -1);
	hk_error_free(err);
}

/* ---- mounting an overlay rootfs ---- */

struct layers {
	char *lower, *upper, *mnt;
	struct hk_rootfs_spec spec;
};

static void make_layers(struct layers *l, const char *tag, uid_t owner)
{
	hk_autofree char *base = xasprintf("%s/%s", top, tag);
	mkdir(base, 0755);
	l->lower = xasprintf("%s/lower", base);
	l->upper = xasprintf("%s/delta0", base);
	l->mnt = xasprintf("%s/rootfs", base);
	mkdir(l->lower, 0755);
	mkdir(l->upper, 0755);
	mkdir(l->mnt, 0755);
	hk_autofree char *f = xasprintf("%s/from-lower", l->lower);
	write_file(f, "lower\n");
	hk_autofree char *w = hk_storage_workdir(l->upper);
	mkdir(w, 0700);
	if (owner) {
		assert_int_equal(chown(l->lower, owner, owner), 0);
		assert_int_equal(chown(f, owner, owner), 0);
		assert_int_equal(chown(l->upper, owner, owner), 0);
		assert_int_equal(chown(w, owner, owner), 0);
		assert_int_equal(chown(l->mnt, owner, owner), 0);
	}
	hk_autofree char *raw = xasprintf("overlay:%s:%s", l->lower, l->upper);
	assert_int_equal(hk_rootfs_spec_parse(raw, &l->spec, NULL), 0);
}

static void free_layers(struct layers *l)
{
	free(l->lower);
	free(l->upper);
	free(l->mnt);
	hk_rootfs_spec_free(&l->spec);
}

/* In the child: mount, read a lower file, write a new one. */
static int mount_and_write(void *arg, struct hk_error **err)
{
	struct layers *l = arg;
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return hk_error_errno(err, "private mount namespace");
	if (hk_storage_mount_rootfs(&l->spec, l->mnt, err) < 0)
		return -1;
	hk_autofree char *text = NULL;
	hk_autofree char *f = xasprintf("%s/from-lower", l->mnt);
	if (hk_read_file(f, &text, NULL, err) < 0)
		return -1;
	if (strcmp(text, "lower\n"))
		return hk_error_set(err, 0, "merged view reads \"%s\"", text);
	hk_autofree char *n = xasprintf("%s/written", l->mnt);
	if (hk_write_file_atomic(n, "new\n", 4, 0644, err) < 0)
		return -1;
	if (unlink(f) < 0) /* a whiteout in the upper dir */
		return hk_error_errno(err, "unlink in the merged view");
	return 0;
}

static void check_layers_after(struct layers *l)
{
	hk_autofree char *in_upper = xasprintf("%s/written", l->upper);
	hk_autofree char *in_lower = xasprintf("%s/written", l->lower);
	hk_autofree char *lower_file = xasprintf("%s/from-lower", l->lower);
	hk_autofree char *mnt_file = xasprintf("%s/written", l->mnt);
	assert_int_equal(access(in_upper, F_OK), 0);   /* writes land in the upper */
	assert_int_equal(access(in_lower, F_OK), -1);  /* never in the lower */
	assert_int_equal(access(lower_file, F_OK), 0); /* a delete is a whiteout */
	assert_int_equal(access(mnt_file, F_OK), -1);  /* the mount was private */
}

static const char *no_root_mounts(void)
{
	if (geteuid() != 0)
		return "mounting needs root";
	if (!hk_storage_kernel_has("overlay", NULL, NULL))
		return "no overlay in this kernel";
	return NULL;
}

static void test_mount_overlay_as_root(void **state)
{
	(void)state;
	const char *why = no_root_mounts();
	if (why) {
		fprintf(stderr, "skipped: %s\n", why);
		skip();
	}
	struct layers l = { 0 };
	make_layers(&l, "ovl-root", 0);
	pid_t pid = fork();
	if (pid == 0) {
		struct hk_error *e = NULL;
		if (mount_and_write(&l, &e) < 0) {
			fprintf(stderr, "child: %s\n", e->msg);
			_exit(1);
		}
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	check_layers_after(&l);
	free_layers(&l);
}

static void test_mount_overlay_in_userns(void **state)
{
	(void)state;
	const char *why = no_root_mounts();
	if (why) {
		fprintf(stderr, "skipped: %s\n", why);
		skip();
	}
	struct layers l = { 0 };
	make_layers(&l, "ovl-userns", HOST_BASE);
	struct hk_idmap m = { 0 };
	hk_idmap_add(&m, 'u', 0, HOST_BASE, 65536);
	hk_idmap_add(&m, 'g', 0, HOST_BASE, 65536);
	struct hk_error *err = NULL;
	if (hk_userns_run(&m, 0, mount_and_write, &l, &err) < 0)
		fail_msg("overlay in a user namespace: %s", err->msg);
	check_layers_after(&l);
	struct stat sb;
	hk_autofree char *in_upper = xasprintf("%s/written", l.upper);
	assert_int_equal(stat(in_upper, &sb), 0);
	assert_int_equal(sb.st_uid, HOST_BASE); /* the mapped root made it */
	hk_idmap_free(&m);
	free_layers(&l);
}

static void test_mount_bad_spec(void **state)
{
	(void)state;
	if (!hk_storage_kernel_has("overlay", NULL, NULL))
		skip();
	struct hk_rootfs_spec s = { .backend = HK_BACKEND_OVERLAY,
				    .path = top,
				    .raw = (char *)"overlay:x" };
	struct hk_error *err = NULL;
	assert_int_equal(hk_storage_mount_rootfs(&s, top, &err), -1);
	assert_non_null(strstr(err->msg, "LOWER:UPPER"));
	hk_error_free(err);
}

/* ---- dependents and removal ---- */

static void make_container(struct hk_store *st, const char *name, const char *rootfs_value)
{
	hk_autofree char *dir = hk_store_container_dir(st, name);
	hk_autofree char *rootfs = xasprintf("%s/rootfs", dir);
	hk_autofree char *cfg = hk_store_config_path(st, name);
	assert_int_equal(hk_mkdir_p(rootfs, 0755, NULL), 0);
	hk_autofree char *text =
		xasprintf("# mine\nlxc.rootfs.path = %s\nlxc.uts.name = %s\n", rootfs_value, name);
	write_file(cfg, text);
}

static void test_dependents_and_destroy(void **state)
{
	(void)state;
	hk_autofree char *path = xasprintf("%s/deps", top);
	struct hk_store *st = NULL;
	assert_int_equal(hk_store_open(path, &st, NULL), 0);
	hk_autofree char *a_root = xasprintf("dir:%s/a/rootfs", path);
	make_container(st, "a", a_root);
	hk_autofree char *b_root = xasprintf("overlay:%s/a/rootfs:%s/b/delta0", path, path);
	make_container(st, "b", b_root);
	hk_autofree char *b_upper = xasprintf("%s/b/delta0", path);
	mkdir(b_upper, 0755);
	hk_autofree char *c_root = xasprintf("overlay:%s/elsewhere:%s/c/delta0", path, path);
	make_container(st, "c", c_root);
	hk_autofree char *d_root = xasprintf("aufs:%s/a/rootfs:%s/d/delta0", path, path);
	make_container(st, "d", d_root);
	hk_autofree char *ab_root = xasprintf("dir:%s/ab/rootfs", path); /* "a" is a prefix */
	make_container(st, "ab", ab_root);
	hk_autofree char *e_root = xasprintf("overlay:%s/ab/rootfs:%s/e/delta0", path, path);
	make_container(st, "e", e_root);

	struct hk_strv deps = { 0 };
	assert_int_equal(hk_storage_dependents(st, "a", &deps, NULL), 0);
	assert_int_equal(deps.n, 2);
	assert_string_equal(deps.v[0], "b");
	assert_string_equal(deps.v[1], "d");
	hk_strv_clear(&deps);
	assert_int_equal(hk_storage_dependents(st, "b", &deps, NULL), 0);
	assert_int_equal(deps.n, 0);
	hk_strv_clear(&deps);

	/* removing the overlay clone keeps its lower */
	struct hk_error *err = NULL;
	if (hk_storage_destroy_container(st, "b", &err) < 0)
		fail_msg("%s", err->msg);
	hk_autofree char *bdir = xasprintf("%s/b", path);
	hk_autofree char *arootfs = xasprintf("%s/a/rootfs", path);
	assert_int_equal(access(bdir, F_OK), -1);
	assert_int_equal(access(arootfs, F_OK), 0);
	assert_int_equal(hk_storage_dependents(st, "a", &deps, NULL), 0);
	assert_int_equal(deps.n, 1);
	hk_strv_clear(&deps);
	/* a dir container goes whole; a rootfs outside its dir stays */
	assert_int_equal(hk_storage_destroy_container(st, "a", NULL), 0);
	hk_autofree char *adir = xasprintf("%s/a", path);
	assert_int_equal(access(adir, F_OK), -1);
	hk_store_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_every_backend),
		cmocka_unit_test(test_find_unknown),
		cmocka_unit_test(test_needs_mount),
		cmocka_unit_test(test_workdir),
		cmocka_unit_test(test_rootfs_target_and_size),
		cmocka_unit_test(test_kernel_has_fixtures),
		cmocka_unit_test(test_fs_module_fixture),
		cmocka_unit_test(test_real_kernel),
		cmocka_unit_test(test_aufs_missing_error),
		cmocka_unit_test(test_zfs_missing_error),
		cmocka_unit_test(test_btrfs_not_here),
		cmocka_unit_test(test_overlay_refuses_create_and_copy),
		cmocka_unit_test(test_tree_size),
		cmocka_unit_test(test_mount_overlay_as_root),
		cmocka_unit_test(test_mount_overlay_in_userns),
		cmocka_unit_test(test_mount_bad_spec),
		cmocka_unit_test(test_dependents_and_destroy),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
