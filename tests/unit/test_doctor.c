/* test_doctor.c - the doctor's decisions on a fake host (a temp directory
 * standing for /proc, /sys, /etc, /lib/modules and /usr/bin), judged for an
 * ordinary user and for root; the file-capability reader; and one
 * run on the real host, where every line that is not OK must carry a fix. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "testutil.h"

#include "doctor.h"
#include "util.h"

struct result {
	char *name;
	enum hk_doctor_status status;
	char *detail;
	char *fix;
};

struct results {
	struct result r[64];
	size_t n;
};

static void collect(void *ctx, const struct hk_doctor_check *c)
{
	struct results *rs = ctx;
	assert_true(rs->n < HK_ARRAY_SIZE(rs->r));
	assert_non_null(c->name);
	assert_non_null(c->detail);
	/* the rule of the doctor: what is not OK says how to fix it */
	if (c->status == HK_DOCTOR_WARN || c->status == HK_DOCTOR_FAIL)
		assert_non_null(c->fix);
	struct result *r = &rs->r[rs->n++];
	r->name = xstrdup(c->name);
	r->status = c->status;
	r->detail = xstrdup(c->detail);
	r->fix = c->fix ? xstrdup(c->fix) : NULL;
}

static void results_free(struct results *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		free(rs->r[i].name);
		free(rs->r[i].detail);
		free(rs->r[i].fix);
	}
	rs->n = 0;
}

/* The n-th (0-based) result called name; fails the test when absent. */
static const struct result *get_nth(const struct results *rs, const char *name, size_t nth)
{
	for (size_t i = 0; i < rs->n; i++)
		if (strcmp(rs->r[i].name, name) == 0 && nth-- == 0)
			return &rs->r[i];
	fail_msg("no check \"%s\"", name);
	return NULL;
}

static const struct result *get(const struct results *rs, const char *name)
{
	return get_nth(rs, name, 0);
}

static void expect(const struct results *rs, const char *name, enum hk_doctor_status st,
		   const char *in_detail, const char *in_fix)
{
	const struct result *r = get(rs, name);
	if (r->status != st)
		fail_msg("%s: status %s, want %s (%s)", name, hk_doctor_status_name(r->status),
			 hk_doctor_status_name(st), r->detail);
	if (in_detail && !strstr(r->detail, in_detail))
		fail_msg("%s: \"%s\" not in \"%s\"", name, in_detail, r->detail);
	if (in_fix && (!r->fix || !strstr(r->fix, in_fix)))
		fail_msg("%s: \"%s\" not in fix \"%s\"", name, in_fix, r->fix ? r->fix : "(none)");
}

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	hk_autofree char *cmd = NULL;
	assert_true(vasprintf(&cmd, fmt, ap) > 0);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

static void put(const char *root, const char *path, const char *text)
{
	hk_autofree char *full = xasprintf("%s%s", root, path);
	hk_autofree char *dir = xstrdup(full);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(hk_mkdir_p(dir, 0755, NULL), 0);
	FILE *f = fopen(full, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A broken host: userns off, no overlay, a sub-id range too small, no
 * newgidmap, newuidmap without setuid, a dynamic busybox, hakobr0 a
 * plain interface, an unified cgroup tree owned by root. */
static char *make_broken_host(void)
{
	char tmpl[] = "/tmp/hk-doctor-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	char *root = xstrdup(tmpl);
	static const char *const ns[] = {
		"mnt", "pid", "uts", "ipc", "net", "user"
	}; /* no cgroup */
	for (size_t i = 0; i < HK_ARRAY_SIZE(ns); i++) {
		hk_autofree char *p = xasprintf("/proc/self/ns/%s", ns[i]);
		put(root, p, "");
	}
	put(root, "/proc/sys/user/max_user_namespaces", "0\n");
	put(root, "/proc/sys/kernel/unprivileged_userns_clone", "0\n");
	put(root, "/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "0\n");
	put(root, "/proc/filesystems", "nodev\tsysfs\nnodev\ttmpfs\n\text4\n\tbtrfs\n");
	struct utsname u;
	assert_int_equal(uname(&u), 0);
	hk_autofree char *dep = xasprintf("/lib/modules/%s/modules.dep", u.release);
	put(root, dep,
	    "kernel/fs/xfs/xfs.ko.xz: kernel/lib/libcrc32c.ko.xz\n"
	    "updates/dkms/zfs.ko: updates/dkms/spl.ko\n"
	    "kernel/fs/zfsx/zfsx.ko.xz:\n");
	put(root, "/etc/subuid", "bob:100000:65536\nalice:300000:1000\n");
	put(root, "/etc/subgid", "bob:100000:65536\n");
	put(root, "/usr/bin/newuidmap", "");
	put(root, "/sys/class/net/hakobr0/operstate", "up\n");
	put(root, "/proc/self/status", "Name:\tx\nCapBnd:\t0000000000000000\nSeccomp:\t2\n");
	put(root, "/proc/sys/kernel/cap_last_cap", "40\n");
	hk_autofree char *fx =
		xasprintf("%s/cgroup/v2", getenv("HK_TEST_FIXTURES") ? getenv("HK_TEST_FIXTURES")
								     : "tests/fixtures");
	sh("cp -r '%s/proc/self/.' '%s/proc/self/' && cp -r '%s/sys/fs' '%s/sys/'", fx, root, fx,
	   root);
	if (geteuid() == 0)
		sh("chown -R 0:0 '%s/sys/fs'", root);
	sh("chmod -R go-w '%s/sys/fs'", root);
	hk_autofree char *bb = xasprintf("%s/usr/bin/busybox", root);
	sh("cp /bin/true '%s'", bb); /* a dynamically linked program */
	return root;
}

static void run_on(const char *root, uid_t uid, const char *user, struct results *rs, int *fails)
{
	struct hk_doctor_opts opts;
	hk_doctor_opts_init(&opts);
	opts.uid = uid;
	opts.gid = uid;
	opts.user = user;
	opts.root = root;
	opts.no_probes = true;
	hk_autoerr struct hk_error *err = NULL;
	*fails = hk_doctor_run(&opts, collect, rs, &err);
	assert_true(*fails >= 0);
	int counted = 0;
	for (size_t i = 0; i < rs->n; i++)
		counted += rs->r[i].status == HK_DOCTOR_FAIL;
	assert_int_equal(*fails, counted);
}

static void test_broken_host_user(void **state)
{
	(void)state;
	hk_autofree char *root = make_broken_host();
	struct results rs = { 0 };
	int fails;
	/* a uid no file belongs to, so nothing is writable for it */
	run_on(root, 4243, "alice", &rs, &fails);
	expect(&rs, "namespaces", HK_DOCTOR_FAIL, "missing: cgroup", "CONFIG_CGROUPS");
	expect(&rs, "user namespaces", HK_DOCTOR_FAIL, "= 0", "sysctl -w user.max_user_namespaces");
	expect(&rs, "unprivileged userns", HK_DOCTOR_FAIL, "unprivileged_userns_clone = 0",
	       "kernel.unprivileged_userns_clone=1");
	assert_int_equal(get_nth(&rs, "unprivileged userns", 1)->status, HK_DOCTOR_OK);
	expect(&rs, "userns creation", HK_DOCTOR_SKIP, NULL, NULL);
	expect(&rs, "newuidmap", HK_DOCTOR_FAIL, "neither setuid", "chmod u+s /usr/bin/newuidmap");
	expect(&rs, "newgidmap", HK_DOCTOR_FAIL, "not found", "uidmap");
	expect(&rs, "sub-uids", HK_DOCTOR_FAIL, "only 1000 ids in /etc/subuid",
	       "hako setup-user alice (as root)");
	expect(&rs, "sub-gids", HK_DOCTOR_FAIL, "user \"alice\" has no range in /etc/subgid",
	       "hako setup-user alice");
	expect(&rs, "cgroup layout", HK_DOCTOR_OK, "unified", NULL);
	expect(&rs, "cgroup delegation", HK_DOCTOR_FAIL, "app.slice", "hako setup-user alice");
	expect(&rs, "overlay in userns", HK_DOCTOR_WARN, "no overlay in /proc/filesystems",
	       "modprobe overlay");
	expect(&rs, "btrfs backend", HK_DOCTOR_OK, "in /proc/filesystems", NULL);
	expect(&rs, "aufs backend", HK_DOCTOR_WARN,
	       "not available: the kernel has no aufs support (no aufs in /proc/filesystems and no "
	       "module)",
	       "use the overlay backend");
	expect(&rs, "zfs backend", HK_DOCTOR_OK, "module (updates/dkms/zfs.ko)", NULL);
	expect(&rs, "bridge", HK_DOCTOR_FAIL, "not a bridge", "hako net setup");
	expect(&rs, "seccomp", HK_DOCTOR_OK, "nested", NULL);
	expect(&rs, "capabilities", HK_DOCTOR_OK, "last capability 40", NULL);
	expect(&rs, "busybox", HK_DOCTOR_WARN, "dynamically linked", "busybox-static");
	results_free(&rs);
	sh("chmod -R u+w '%s' && rm -rf '%s'", root, root);
}

static void test_broken_host_root(void **state)
{
	(void)state;
	hk_autofree char *root = make_broken_host();
	struct results rs = { 0 };
	int fails;
	run_on(root, 0, "root", &rs, &fails);
	/* what only unprivileged containers need is a warning for root */
	expect(&rs, "unprivileged userns", HK_DOCTOR_WARN, NULL, "sysctl");
	expect(&rs, "newuidmap", HK_DOCTOR_WARN, "ordinary users need it", "chmod u+s");
	expect(&rs, "sub-uids", HK_DOCTOR_WARN, "root can run privileged containers", "usermod");
	/* past bob's 100000-165535 and alice's 300000-300999 */
	expect(&rs, "sub-gids", HK_DOCTOR_WARN, "no range in /etc/subgid",
	       "usermod --add-subuids 327680-393215 --add-subgids 327680-393215 root");
	expect(&rs, "cgroup delegation", HK_DOCTOR_OK, "root may create", NULL);
	/* an empty bounding set: root is boxed in */
	expect(&rs, "capabilities", HK_DOCTOR_WARN, "lacks cap_sys_admin", "nesting");
	results_free(&rs);

	/* the bridge, once it is one, and a missing bridge */
	hk_autofree char *brdir = xasprintf("%s/sys/class/net/hakobr0/bridge", root);
	assert_int_equal(hk_mkdir_p(brdir, 0755, NULL), 0);
	run_on(root, 0, "root", &rs, &fails);
	expect(&rs, "bridge", HK_DOCTOR_OK, "\"hakobr0\" exists (up)", NULL);
	results_free(&rs);
	sh("rm -rf '%s/sys/class/net/hakobr0'", root);
	run_on(root, 0, "root", &rs, &fails);
	expect(&rs, "bridge", HK_DOCTOR_WARN, "does not exist", "hako net setup (as root)");
	results_free(&rs);
	sh("chmod -R u+w '%s' && rm -rf '%s'", root, root);
}

static void test_good_host_user(void **state)
{
	(void)state;
	hk_autofree char *root = make_broken_host();
	put(root, "/proc/sys/user/max_user_namespaces", "15000\n");
	put(root, "/proc/sys/kernel/unprivileged_userns_clone", "1\n");
	put(root, "/proc/filesystems", "nodev\toverlay\n\tbtrfs\n");
	put(root, "/etc/subuid", "alice:300000:65536\nalice:400000:65536\n");
	put(root, "/etc/subgid", "alice:300000:65536\n");
	put(root, "/proc/self/ns/cgroup", "");
	struct results rs = { 0 };
	int fails;
	run_on(root, 4243, "alice", &rs, &fails);
	expect(&rs, "namespaces", HK_DOCTOR_OK, "cgroup", NULL);
	expect(&rs, "user namespaces", HK_DOCTOR_OK, "max 15000", NULL);
	expect(&rs, "unprivileged userns", HK_DOCTOR_OK, "= 1", NULL);
	expect(&rs, "sub-uids", HK_DOCTOR_OK, "300000-365535, 400000-465535 (131072 ids)", NULL);
	expect(&rs, "sub-gids", HK_DOCTOR_OK, "(65536 ids)", NULL);
	expect(&rs, "overlay in userns", HK_DOCTOR_SKIP, "probes disabled", NULL);
	results_free(&rs);

	/* delegate the user's cgroup: user@1000.service, as systemd does */
	if (geteuid() == 0) {
		sh("cd '%s/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service' && "
		   "chown 4243:4243 . cgroup.procs cgroup.subtree_control",
		   root);
		run_on(root, 4243, "alice", &rs, &fails);
		expect(&rs, "cgroup delegation", HK_DOCTOR_OK, "user@1000.service", NULL);
		results_free(&rs);
	}
	sh("chmod -R u+w '%s' && rm -rf '%s'", root, root);
}

static void test_no_cgroups(void **state)
{
	(void)state;
	hk_autofree char *root = make_broken_host();
	put(root, "/proc/self/mountinfo", "1 0 8:1 / / rw - ext4 /dev/sda rw\n");
	struct results rs = { 0 };
	int fails;
	run_on(root, 4243, "alice", &rs, &fails);
	expect(&rs, "cgroup layout", HK_DOCTOR_FAIL, "no cgroup filesystem", "mount -t cgroup2");
	expect(&rs, "cgroup delegation", HK_DOCTOR_SKIP, NULL, NULL);
	results_free(&rs);
	sh("chmod -R u+w '%s' && rm -rf '%s'", root, root);
}

/* The checks of root (a fake one) for alice, fresh results each time. */
static void rerun(const char *root, struct results *rs)
{
	int fails;
	results_free(rs);
	run_on(root, 4243, "alice", rs, &fails);
}

/* favordynmods: nothing said where the kernel lacks it, a warning with
 * the remount (never done by hako) where no hierarchy has it, OK where
 * one does. */
static void test_cgroup_moves(void **state)
{
	(void)state;
	hk_autofree char *root = make_broken_host();
	struct results rs = { 0 };
	rerun(root, &rs);
	for (size_t i = 0; i < rs.n; i++)
		assert_string_not_equal(rs.r[i].name, "cgroup moves");
	put(root, "/sys/kernel/cgroup/features", "nsdelegate\nfavordynmods\nmemory_localevents\n");
	rerun(root, &rs);
	expect(&rs, "cgroup moves", HK_DOCTOR_WARN,
	       "no cgroup hierarchy is mounted with favordynmods",
	       "mount -o remount,favordynmods /sys/fs/cgroup");
	put(root, "/proc/self/mountinfo",
	    "26 23 0:26 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate,favordynmods\n");
	rerun(root, &rs);
	expect(&rs, "cgroup moves", HK_DOCTOR_OK, "favordynmods on /sys/fs/cgroup", NULL);
	results_free(&rs);
	sh("chmod -R u+w '%s' && rm -rf '%s'", root, root);
}

/* hako-nic where HAKO_NIC points, the usernet file below the fake root,
 * the user's allowance per bridge.  Needs root: the files hako-nic trusts
 * are root's. */
static void test_nic(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip(); /* the trusted files must be owned by root */
	hk_autofree char *root = make_broken_host();
	hk_autofree char *nic = xasprintf("%s/hako-nic", root);
	setenv("HAKO_NIC", nic, 1);
	struct results rs = { 0 };
	int fails;
	run_on(root, 4243, "alice", &rs, &fails);
	expect(&rs, "hako-nic", HK_DOCTOR_WARN,
	       "is not installed: unprivileged containers get no network", "make install");
	expect(&rs, "usernet", HK_DOCTOR_WARN,
	       "/etc/hako/usernet: no ordinary user may have a veth", "hako setup-user alice -n 1");
	expect(&rs, "veth allowance", HK_DOCTOR_WARN, "user \"alice\" may have no veth",
	       "hako setup-user alice -n 1 -b hakobr0");
	results_free(&rs);

	sh("cp /bin/true '%s' && chown 0:0 '%s' && chmod 0755 '%s'", nic, nic, nic);
	put(root, "/etc/hako/usernet",
	    "# veths\nalice veth br1 2\nalice veth hakobr0 1\nbob veth br9 3\n");
	run_on(root, 4243, "alice", &rs, &fails);
	expect(&rs, "hako-nic", HK_DOCTOR_WARN, "is not setuid root (owner uid 0, mode 0755)",
	       "chmod u+s");
	expect(&rs, "usernet", HK_DOCTOR_OK, "present, root's", NULL);
	expect(&rs, "veth allowance", HK_DOCTOR_OK,
	       "user \"alice\" may have 2 veth on br1, 1 on hakobr0", NULL);
	results_free(&rs);

	sh("chmod 4755 '%s'", nic);
	put(root, "/etc/hako/usernet", "alice veth br1 2\nalice veth\n");
	run_on(root, 4243, "alice", &rs, &fails);
	struct statvfs vfs;
	assert_int_equal(statvfs(nic, &vfs), 0);
	if (vfs.f_flag & ST_NOSUID)
		expect(&rs, "hako-nic", HK_DOCTOR_WARN, "nosuid mount", "without nosuid");
	else
		expect(&rs, "hako-nic", HK_DOCTOR_OK, "setuid root", NULL);
	expect(&rs, "usernet", HK_DOCTOR_WARN, "1 malformed line, which grant nothing",
	       "USER veth BRIDGE COUNT");
	expect(&rs, "veth allowance", HK_DOCTOR_WARN,
	       "may have 2 veth on br1, but none on \"hakobr0\"", "-b hakobr0");
	results_free(&rs);

	sh("chmod 4777 '%s' && chmod 666 '%s/etc/hako/usernet'", nic, root);
	run_on(root, 4243, "alice", &rs, &fails);
	expect(&rs, "hako-nic", HK_DOCTOR_FAIL, "writable by its group or others (mode 4777)",
	       "chmod go-w");
	expect(&rs, "usernet", HK_DOCTOR_FAIL, "writable by its group or others",
	       "chown root:root");
	expect(&rs, "veth allowance", HK_DOCTOR_WARN, "no usable /etc/hako/usernet",
	       "hako setup-user alice");
	results_free(&rs);

	sh("chmod 644 '%s/etc/hako/usernet' && chown 4243 '%s/etc/hako/usernet'", root, root);
	run_on(root, 0, "root", &rs, &fails);
	expect(&rs, "usernet", HK_DOCTOR_FAIL, "owned by uid 4243, not root", "chmod 644");
	expect(&rs, "veth allowance", HK_DOCTOR_OK, "root's containers make their veths themselves",
	       NULL);
	results_free(&rs);
	unsetenv("HAKO_NIC");
	sh("chmod -R u+w '%s' && rm -rf '%s'", root, root);
}

static void test_no_user(void **state)
{
	(void)state;
	struct hk_doctor_opts opts;
	hk_doctor_opts_init(&opts);
	assert_non_null(opts.user);
	assert_int_equal(opts.uid, getuid());
	opts.user = NULL;
	hk_autoerr struct hk_error *err = NULL;
	struct results rs = { 0 };
	assert_int_equal(hk_doctor_run(&opts, collect, &rs, &err), -1);
	assert_int_equal(err->code, EINVAL);
	assert_int_equal(rs.n, 0);
}

static void test_status_names(void **state)
{
	(void)state;
	assert_string_equal(hk_doctor_status_name(HK_DOCTOR_OK), "OK");
	assert_string_equal(hk_doctor_status_name(HK_DOCTOR_WARN), "WARN");
	assert_string_equal(hk_doctor_status_name(HK_DOCTOR_FAIL), "FAIL");
	assert_string_equal(hk_doctor_status_name(HK_DOCTOR_SKIP), "SKIP");
	assert_string_equal(hk_doctor_status_name((enum hk_doctor_status)9), "?");
}

static void le32(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void test_fcaps(void **state)
{
	(void)state;
	unsigned char b[24] = { 0 };
	le32(b, 0x02000001);   /* revision 2, effective */
	le32(b + 4, 1u << 7);  /* cap_setuid permitted */
	le32(b + 12, 1u << 1); /* cap 33 permitted */
	assert_true(hk_doctor_fcaps_permit(b, 20, 7));
	assert_false(hk_doctor_fcaps_permit(b, 20, 6));
	assert_true(hk_doctor_fcaps_permit(b, 20, 33));
	assert_false(hk_doctor_fcaps_permit(b, 19, 7)); /* truncated */
	le32(b, 0x03000000);
	assert_false(hk_doctor_fcaps_permit(b, 20, 7)); /* revision 3 needs 24 bytes */
	assert_true(hk_doctor_fcaps_permit(b, 24, 7));
	le32(b, 0x01000000);
	assert_true(hk_doctor_fcaps_permit(b, 12, 7));
	assert_false(hk_doctor_fcaps_permit(b, 12, 33)); /* revision 1 has 32 bits */
	le32(b, 0x07000000);
	assert_false(hk_doctor_fcaps_permit(b, 24, 7)); /* unknown revision */
	assert_false(hk_doctor_fcaps_permit(b, 3, 7));
	assert_false(hk_doctor_fcaps_permit(b, 24, 64));
}

/* The real host: whatever it lacks, the run completes and says how to fix
 * what is missing (checked in collect). */
static void test_real_host(void **state)
{
	(void)state;
	struct hk_doctor_opts opts;
	hk_doctor_opts_init(&opts);
	struct results rs = { 0 };
	hk_autoerr struct hk_error *err = NULL;
	int fails = hk_doctor_run(&opts, collect, &rs, &err);
	assert_true(fails >= 0);
	assert_true(rs.n >= 19);
	expect(&rs, "kernel", get(&rs, "kernel")->status, "Linux ", NULL);
	/* the probes ran (not skipped) */
	assert_int_not_equal(get(&rs, "userns creation")->status, HK_DOCTOR_SKIP);
	results_free(&rs);
}

/* Container directories: open ones (others may search them) are named with
 * the command that closes each; anything that is not a container is not
 * looked at; no store path, no check. */
static void test_store(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip(); /* the rootfs owners tell the two fixes apart */
	char tmpl[] = "/tmp/hako-doctor-store.XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	sh("cd '%s' && mkdir -p a/rootfs b/rootfs notct && touch a/config b/config && "
	   "chmod 0700 a && chmod 0710 b && chmod 0755 notct",
	   tmpl);
	struct hk_doctor_opts opts;
	hk_doctor_opts_init(&opts);
	opts.no_probes = true;
	opts.root = "/nonexistent-root";
	struct results rs = { 0 };
	hk_autoerr struct hk_error *err = NULL;
	hk_doctor_run(&opts, collect, &rs, &err);
	for (size_t i = 0; i < rs.n; i++)
		assert_string_not_equal(rs.r[i].name, "container directories");
	results_free(&rs);

	opts.store_path = tmpl;
	hk_doctor_run(&opts, collect, &rs, &err);
	expect(&rs, "container directories", HK_DOCTOR_OK, "closed to other users", NULL);
	results_free(&rs);

	sh("cd '%s' && chmod 0755 a && chmod 0711 b && chown 0:0 a/rootfs && "
	   "chown 300000:300000 b/rootfs",
	   tmpl);
	hk_doctor_run(&opts, collect, &rs, &err);
	hk_autofree char *fix_a = xasprintf("chmod 0700 %s/a", tmpl);
	hk_autofree char *fix_b = xasprintf("chgrp 300000 %s/b && chmod 0710 %s/b", tmpl, tmpl);
	expect(&rs, "container directories", HK_DOCTOR_WARN, "2 in", fix_a);
	expect(&rs, "container directories", HK_DOCTOR_WARN, "a (0755)", fix_b);
	expect(&rs, "container directories", HK_DOCTOR_WARN, "b (0711)", NULL);
	assert_null(strstr(get(&rs, "container directories")->detail, "notct"));
	results_free(&rs);
	sh("rm -rf '%s'", tmpl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_broken_host_user),
		cmocka_unit_test(test_broken_host_root),
		cmocka_unit_test(test_good_host_user),
		cmocka_unit_test(test_no_cgroups),
		cmocka_unit_test(test_cgroup_moves),
		cmocka_unit_test(test_nic),
		cmocka_unit_test(test_store),
		cmocka_unit_test(test_no_user),
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_fcaps),
		cmocka_unit_test(test_real_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
