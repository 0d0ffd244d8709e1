/* test_template.c - the template table and the busybox template: applet
 * names, argument errors, and a real build into a temp directory (checked
 * file by file, and refused a second time).  Its ELF check: test_elf_static.c. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "template.h"
#include "util.h"

static const char *host_busybox(void)
{
	static const char *const c[] = { "/bin/busybox", "/usr/bin/busybox", "/sbin/busybox",
					 "/usr/sbin/busybox" };
	for (size_t i = 0; i < HK_ARRAY_SIZE(c); i++)
		if (access(c[i], X_OK) == 0)
			return c[i];
	return NULL;
}

static void test_applet_names(void **state)
{
	(void)state;
	assert_true(hk_busybox_applet_ok("bin/sh"));
	assert_true(hk_busybox_applet_ok("usr/bin/["));
	assert_true(hk_busybox_applet_ok("usr/sbin/chroot"));
	assert_true(hk_busybox_applet_ok("sbin/init"));
	assert_false(hk_busybox_applet_ok("linuxrc"));
	assert_false(hk_busybox_applet_ok("etc/passwd"));
	assert_false(hk_busybox_applet_ok("bin/../etc/passwd"));
	assert_false(hk_busybox_applet_ok("bin/.."));
	assert_false(hk_busybox_applet_ok("bin/"));
	assert_false(hk_busybox_applet_ok("/bin/sh"));
	assert_false(hk_busybox_applet_ok("bin/a b"));
	assert_false(hk_busybox_applet_ok("usr/bin/x/y"));
}

static void test_find(void **state)
{
	(void)state;
	assert_ptr_equal(hk_template_find("busybox", NULL, NULL), &hk_template_busybox);
	assert_true(hk_template_count() >= 1);
	assert_ptr_equal(hk_template_at(0), &hk_template_busybox);
	assert_null(hk_template_at(hk_template_count()));
	struct hk_error *err = NULL;
	assert_null(hk_template_find("ubuntu", NULL, &err));
	assert_non_null(strstr(err->msg, "no template \"ubuntu\""));
	assert_non_null(strstr(err->msg, "busybox"));
	hk_error_free(err);
	err = NULL;
	assert_null(hk_template_find(NULL, NULL, &err));
	assert_non_null(strstr(err->msg, "-t"));
	hk_error_free(err);
}

static int prepare_with(char **args, struct hk_template_ctx *ctx, struct hk_error **err)
{
	*ctx = (struct hk_template_ctx){ .name = "t1", .rootfs = "/x", .args = args };
	return hk_template_busybox.prepare(ctx, err);
}

static void test_args_unknown(void **state)
{
	(void)state;
	char *args[] = { (char *)"--release", (char *)"3", NULL };
	struct hk_template_ctx ctx;
	struct hk_error *err = NULL;
	assert_int_equal(prepare_with(args, &ctx, &err), -1);
	assert_non_null(strstr(err->msg, "unknown argument \"--release\""));
	hk_error_free(err);
	hk_template_busybox.release(&ctx);
}

static void test_dynamic_refused(void **state)
{
	(void)state;
	char *args[] = { (char *)"--busybox-path", (char *)"/bin/sh", NULL };
	struct hk_template_ctx ctx;
	struct hk_error *err = NULL;
	assert_int_equal(prepare_with(args, &ctx, &err), -1);
	assert_non_null(strstr(err->msg, "dynamically linked"));
	assert_non_null(strstr(err->msg, "apt-get install busybox-static"));
	hk_error_free(err);
	hk_template_busybox.release(&ctx);
}

static void test_missing_path(void **state)
{
	(void)state;
	char *args[] = { (char *)"--busyboxpath", (char *)"/nonexistent/busybox", NULL };
	struct hk_template_ctx ctx;
	struct hk_error *err = NULL;
	assert_int_equal(prepare_with(args, &ctx, &err), -1);
	assert_int_equal(err->code, ENOENT);
	assert_non_null(strstr(err->msg, "/nonexistent/busybox"));
	hk_error_free(err);
	hk_template_busybox.release(&ctx);
}

static void test_config_lines(void **state)
{
	(void)state;
	struct hk_buf b = { 0 };
	struct hk_template_ctx ctx = { .name = "t1" };
	hk_template_busybox.config(&ctx, &b);
	assert_non_null(strstr(b.data, "lxc.signal.halt = SIGUSR1\n"));
	assert_non_null(strstr(b.data, "lxc.signal.reboot = SIGTERM\n"));
	assert_non_null(strstr(b.data, "lxc.tty.max = 1\n"));
	assert_non_null(strstr(b.data, "lxc.pty.max = 1024\n"));
	assert_non_null(strstr(b.data, "lxc.mount.auto = proc:mixed sys:ro\n"));
	hk_buf_free(&b);
}

static void expect_mode(const char *top, const char *rel, mode_t type, mode_t mode)
{
	hk_autofree char *p = xasprintf("%s/%s", top, rel);
	struct stat st;
	if (lstat(p, &st) < 0)
		fail_msg("%s missing", rel);
	assert_int_equal(st.st_mode & S_IFMT, type);
	if (type != S_IFLNK)
		assert_int_equal(st.st_mode & 07777, mode);
}

static void expect_text(const char *top, const char *rel, const char *needle)
{
	hk_autofree char *p = xasprintf("%s/%s", top, rel);
	hk_autofree char *text = NULL;
	assert_int_equal(hk_read_file(p, &text, NULL, NULL), 0);
	assert_contains(text, needle);
}

static void expect_link(const char *top, const char *rel, const char *target)
{
	hk_autofree char *p = xasprintf("%s/%s", top, rel);
	char buf[PATH_MAX];
	ssize_t n = readlink(p, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, target);
}

static void check_tree(const char *top)
{
	expect_mode(top, "bin/busybox", S_IFREG, 0755);
	expect_link(top, "sbin/init", "/bin/busybox");
	expect_link(top, "bin/sh", "/bin/busybox");
	expect_link(top, "var/run", "../run");
	expect_mode(top, "tmp", S_IFDIR, 01777);
	expect_mode(top, "root", S_IFDIR, 0700);
	expect_mode(top, "etc/init.d/rcS", S_IFREG, 0755);
	expect_mode(top, "usr/share/udhcpc/default.script", S_IFREG, 0755);
	expect_mode(top, "etc/fstab", S_IFREG, 0644);
	expect_text(top, "etc/inittab", "::sysinit:/etc/init.d/rcS\n");
	expect_text(top, "etc/inittab", "console::respawn:/sbin/getty -L console 0 vt100\n");
	expect_text(top, "etc/inittab", "::shutdown:/bin/sync\n");
	expect_text(top, "etc/passwd", "root::0:0:root:/root:/bin/sh\n");
	expect_text(top, "etc/hostname", "t1\n");
	expect_text(top, "etc/hosts", "t1");
	expect_text(top, "etc/init.d/rcS", "ifconfig lo up");
	expect_text(top, "etc/profile", "PS1=");
	hk_autofree char *shadow = xasprintf("%s/etc/shadow", top);
	assert_int_equal(access(shadow, F_OK), -1);
}

static void test_build(void **state)
{
	(void)state;
	if (!host_busybox())
		skip();
	char top[] = "/tmp/hk-tpl-XXXXXX";
	assert_non_null(mkdtemp(top));
	mode_t old = umask(077); /* modes must not depend on the umask */
	struct hk_template_ctx ctx;
	struct hk_error *err = NULL;
	if (prepare_with(NULL, &ctx, &err) < 0)
		fail_msg("%s", err->msg);
	hk_autoclose int fd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (hk_template_busybox.build(fd, &ctx, &err) < 0)
		fail_msg("%s", err->msg);
	umask(old);
	check_tree(top);
	/* a second build into the same tree refuses to overwrite anything */
	assert_int_equal(hk_template_busybox.build(fd, &ctx, &err), -1);
	assert_int_equal(err->code, EEXIST);
	hk_error_free(err);
	hk_template_busybox.release(&ctx);
	assert_null(ctx.priv);
	assert_int_equal(hk_rm_rf(top, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_applet_names), cmocka_unit_test(test_find),
		cmocka_unit_test(test_args_unknown), cmocka_unit_test(test_dynamic_refused),
		cmocka_unit_test(test_missing_path), cmocka_unit_test(test_config_lines),
		cmocka_unit_test(test_build),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
