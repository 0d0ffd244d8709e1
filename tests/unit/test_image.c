/* test_image.c - the image parts: index parsing and lookup, field and path
 * checks, the entry name sanitiser and excludes matcher, LXC_NAME filling,
 * gpgv status parsing and a real gpgv check with a throw-away key, the
 * metadata reader on a real tar.xz, the unpacker (as root: chrooted, a
 * hostile entry refused), fetch errors, and template lookup by
 * NAME:SOURCE. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "image.h"
#include "template.h"
#include "util.h"

/* ---- index ---- */

static void test_index_parse(void **state)
{
	(void)state;
	const char text[] = "ubuntu;jammy;amd64;default;20231010_07:42;/images/ubuntu/jammy/x/\r\n"
			    "\n"
			    "bad line\n"
			    "evil;x;amd64;default;1;../../etc\n"
			    "evil;..;amd64;default;1;images/x\n"
			    "a;b;c;d;e;f;g\n"
			    "ubuntu;jammy;amd64;default;20231011_07:42;images/ubuntu/jammy/y\n"
			    "alpine;3.18;arm64;default;1;images/a";
	struct hk_image_index ix;
	assert_int_equal(hk_image_index_parse(text, strlen(text), &ix, NULL), 0);
	assert_int_equal(ix.n, 3);
	assert_string_equal(ix.v[0].path, "images/ubuntu/jammy/x");
	const struct hk_image_entry *e =
		hk_image_index_find(&ix, "ubuntu", "jammy", "amd64", "default");
	assert_non_null(e);
	assert_string_equal(e->build, "20231011_07:42"); /* the last, newest */
	assert_null(hk_image_index_find(&ix, "ubuntu", "jammy", "arm64", "default"));
	assert_non_null(hk_image_index_find(&ix, "alpine", "3.18", "arm64", "default"));
	hk_image_index_free(&ix);
}

static void test_index_empty(void **state)
{
	(void)state;
	struct hk_image_index ix;
	struct hk_error *err = NULL;
	const char text[] = "<html>not an index</html>\n";
	assert_int_equal(hk_image_index_parse(text, strlen(text), &ix, &err), -1);
	assert_non_null(strstr(err->msg, "no usable image"));
	hk_error_free(err);
	assert_int_equal(hk_image_index_parse("", 0, &ix, NULL), -1);
}

static void test_fields(void **state)
{
	(void)state;
	assert_true(hk_image_field_ok("20231010_13:00"));
	assert_true(hk_image_field_ok("ubuntu"));
	assert_false(hk_image_field_ok(".."));
	assert_false(hk_image_field_ok("."));
	assert_false(hk_image_field_ok(""));
	assert_false(hk_image_field_ok("a/b"));
	assert_false(hk_image_field_ok("a b"));
	assert_false(hk_image_field_ok(NULL));
	assert_true(hk_image_rel_path_ok("images/a/b"));
	assert_true(hk_image_rel_path_ok("images/a/b/"));
	assert_false(hk_image_rel_path_ok("/images"));
	assert_false(hk_image_rel_path_ok("images//a"));
	assert_false(hk_image_rel_path_ok("images/../a"));
	assert_false(hk_image_rel_path_ok("images/./a"));
	assert_false(hk_image_rel_path_ok(""));
}

/* ---- names ---- */

static void expect_path(const char *in, const char *out)
{
	char *got = hk_image_tar_path(in);
	if (!out) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, out);
	free(got);
}

static void test_tar_path(void **state)
{
	(void)state;
	expect_path("./etc/hostname", "etc/hostname");
	expect_path("etc//x/./y/", "etc/x/y");
	expect_path("./", "");
	expect_path(".", "");
	expect_path("a/..b/c..", "a/..b/c..");
	expect_path("../etc/shadow", NULL);
	expect_path("a/../../b", NULL);
	expect_path("a/..", NULL);
	expect_path("/etc/passwd", NULL);
	expect_path("a/b\nc", NULL);
	expect_path(NULL, NULL);
}

static void test_excluded(void **state)
{
	(void)state;
	struct hk_strv p = { 0 };
	hk_strv_push(&p, "./dev/*");
	hk_strv_push(&p, "./etc/secret");
	hk_strv_push(&p, "");
	assert_true(hk_image_excluded("dev/null", &p));
	assert_true(hk_image_excluded("etc/secret", &p));
	assert_true(hk_image_excluded("etc/secret/x", &p));
	assert_false(hk_image_excluded("etc/secrets", &p));
	assert_false(hk_image_excluded("dev", &p));
	assert_false(hk_image_excluded("etc/passwd", &p));
	assert_false(hk_image_excluded("dev/null", NULL));
	hk_strv_clear(&p);
}

static void test_fill_and_lines(void **state)
{
	(void)state;
	char *s = hk_image_fill(
		"127.0.1.1 LXC_NAME\ninclude LXC_TEMPLATE_CONFIG/x at LXC_ROOTFS_PATH", "c1", "/r");
	assert_string_equal(s, "127.0.1.1 c1\ninclude /usr/share/lxc/config/x at /r");
	free(s);
	struct hk_strv l = { 0 };
	hk_image_lines("  /etc/hostname \n# c\n\n/etc/hosts", &l);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0], "/etc/hostname");
	assert_string_equal(l.v[1], "/etc/hosts");
	hk_strv_clear(&l);
	hk_image_lines(NULL, &l);
	assert_int_equal(l.n, 0);
}

/* ---- signatures ---- */

static void test_verify_status(void **state)
{
	(void)state;
	char *fpr = NULL;
	struct hk_error *err = NULL;
	const char good[] = "[GNUPG:] NEWSIG\n[GNUPG:] GOODSIG 18F6 name\n"
			    "[GNUPG:] VALIDSIG 15042ED0 2026-11-23 1 0 4\n";
	assert_int_equal(hk_image_verify_status(good, "f", &fpr, NULL), 0);
	assert_string_equal(fpr, "15042ED0");
	free(fpr);
	const char bad[] = "[GNUPG:] BADSIG 18F6 name\n";
	assert_int_equal(hk_image_verify_status(bad, "f", NULL, &err), -1);
	assert_non_null(strstr(err->msg, "does not match"));
	hk_error_free(err);
	err = NULL;
	const char mixed[] = "[GNUPG:] GOODSIG 1 a\n[GNUPG:] VALIDSIG 1 x\n[GNUPG:] ERRSIG 2\n";
	assert_int_equal(hk_image_verify_status(mixed, "f", NULL, &err), -1);
	hk_error_free(err);
	assert_int_equal(hk_image_verify_status("[GNUPG:] GOODSIG 1 a\n", "f", NULL, NULL), -1);
	assert_int_equal(hk_image_verify_status("[GNUPG:] GOODSIGX 1\n[GNUPG:] VALIDSIG 1\n", "f",
						NULL, NULL),
			 -1);
	assert_int_equal(hk_image_verify_status("", "f", NULL, NULL), -1);
	assert_int_equal(hk_image_verify_status(NULL, "f", NULL, NULL), -1);
}

static int run(const char *cmd)
{
	int rc = system(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* A real gpgv round trip: good, flipped byte, missing keyring. */
static void test_verify_gpgv(void **state)
{
	(void)state;
	if (access("/usr/bin/gpg", X_OK) || access("/usr/bin/gpgv", X_OK)) {
		skip();
		return;
	}
	char dir[] = "/tmp/hk-test-gpg.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *cmd = xasprintf(
		"cd %s && mkdir -m 700 h && export GNUPGHOME=%s/h && "
		"gpg --batch -q --passphrase '' --quick-gen-key 'k <k@t>' ed25519 sign never "
		"2>/dev/null && gpg --batch -q --export > keyring && echo hello > data && "
		"gpg --batch -q --armor --detach-sign -o data.asc data",
		dir, dir);
	assert_int_equal(run(cmd), 0);
	free(cmd);
	char *p = xasprintf("%s/data", dir), *ps = xasprintf("%s/data.asc", dir),
	     *k = xasprintf("%s/keyring", dir);
	int d = open(p, O_RDWR | O_CLOEXEC), s = open(ps, O_RDONLY | O_CLOEXEC);
	char *fpr = NULL;
	assert_int_equal(hk_image_verify(k, d, s, "data", &fpr, NULL), 0);
	assert_int_equal(strlen(fpr), 40);
	free(fpr);
	struct hk_error *err = NULL;
	assert_int_equal(pwrite(d, "j", 1, 0), 1);
	assert_int_equal(hk_image_verify(k, d, s, "data", NULL, &err), -1);
	assert_non_null(strstr(err->msg, "\"data\""));
	hk_error_free(err);
	err = NULL;
	assert_int_equal(hk_image_verify("/nonexistent/keyring", d, s, "data", NULL, &err), -1);
	assert_non_null(strstr(err->msg, "gpg --export"));
	hk_error_free(err);
	close(d);
	close(s);
	cmd = xasprintf("rm -rf %s", dir);
	assert_int_equal(run(cmd), 0);
	free(cmd);
	free(p);
	free(ps);
	free(k);
}

/* ---- metadata and unpacking ---- */

struct member {
	const char *name;
	mode_t type;
	const char *text; /* file data, symlink target or hard link target */
	mode_t mode;
};

/* Writes a tar.xz of the members into a memory file. */
static int make_tar(const struct member *m, size_t n)
{
	int fd = memfd_create("t", MFD_CLOEXEC);
	struct archive *a = archive_write_new();
	archive_write_add_filter_xz(a);
	archive_write_set_format_pax_restricted(a);
	archive_write_open_fd(a, fd);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_filetype(e, m[i].type);
		archive_entry_set_perm(e, m[i].mode ? m[i].mode : 0644);
		if (m[i].type == AE_IFLNK)
			archive_entry_set_symlink(e, m[i].text);
		else if (m[i].type == 0)
			archive_entry_set_hardlink(e, m[i].text);
		else if (m[i].type == AE_IFREG)
			archive_entry_set_size(e, (la_int64_t)strlen(m[i].text));
		archive_write_header(a, e);
		if (m[i].type == AE_IFREG)
			archive_write_data(a, m[i].text, strlen(m[i].text));
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	return fd;
}

static void test_meta_read(void **state)
{
	(void)state;
	const struct member m[] = {
		{ "./config", AE_IFREG, "lxc.arch = x86_64\n", 0 },
		{ "config-user", AE_IFREG, "lxc.include = LXC_TEMPLATE_CONFIG/userns.conf\n", 0 },
		{ "templates", AE_IFREG, "/etc/hostname\n", 0 },
		{ "excludes-user", AE_IFREG, "./dev/*\n", 0 },
		{ "expiry", AE_IFREG, "1700000000\n", 0 },
		{ "create-message", AE_IFREG, "hi", 0 },
	};
	int fd = make_tar(m, HK_ARRAY_SIZE(m));
	struct hk_image_meta meta;
	assert_int_equal(hk_image_meta_read(fd, &meta, NULL), 0);
	assert_string_equal(meta.config, "lxc.arch = x86_64\n");
	assert_non_null(strstr(meta.config_user, "userns.conf"));
	assert_string_equal(meta.templates, "/etc/hostname\n");
	assert_string_equal(meta.excludes_user, "./dev/*\n");
	assert_int_equal(meta.expiry, 1700000000LL);
	hk_image_meta_free(&meta);
	close(fd);
	int junk = memfd_create("j", MFD_CLOEXEC);
	assert_int_equal(write(junk, "garbage garbage garbage", 23), 23);
	struct hk_error *err = NULL;
	assert_int_equal(hk_image_meta_read(junk, &meta, &err), -1);
	assert_non_null(strstr(err->msg, "image metadata"));
	hk_error_free(err);
	close(junk);
}

static int unpack_into(const char *dir, const struct member *m, size_t n, bool unpriv,
		       struct hk_error **err)
{
	int fd = make_tar(m, n);
	int rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct hk_strv tpl = { 0 }, ex = { 0 };
	hk_strv_push(&tpl, "/etc/hostname");
	hk_strv_push(&ex, "./etc/skip");
	struct hk_unpack u = { .archive_fd = fd,
			       .shown = "t.tar.xz",
			       .unprivileged = unpriv,
			       .excludes = &ex,
			       .templates = &tpl,
			       .name = "c9",
			       .rootfs = dir };
	int rc = hk_image_unpack(rootfd, &u, err);
	hk_strv_clear(&tpl);
	hk_strv_clear(&ex);
	close(rootfd);
	close(fd);
	return rc;
}

static void test_unpack(void **state)
{
	(void)state;
	if (geteuid() != 0) { /* chroot and unshare need root (or a user namespace) */
		skip();
		return;
	}
	char dir[] = "/tmp/hk-test-unpack.XXXXXX";
	assert_non_null(mkdtemp(dir));
	const struct member good[] = {
		{ "./", AE_IFDIR, NULL, 0755 },
		{ "./etc", AE_IFDIR, NULL, 0755 },
		{ "./etc/hostname", AE_IFREG, "LXC_NAME\n", 0 },
		{ "./etc/skip", AE_IFREG, "x", 0 },
		{ "./bin", AE_IFDIR, NULL, 0755 },
		{ "./bin/sh", AE_IFLNK, "/bin/busybox", 0 },
		{ "./etc/h2", 0, "etc/hostname", 0 },
	};
	assert_int_equal(unpack_into(dir, good, HK_ARRAY_SIZE(good), true, NULL), 0);
	char *p = xasprintf("%s/etc/hostname", dir);
	char *text = NULL;
	assert_int_equal(hk_read_file(p, &text, NULL, NULL), 0);
	assert_string_equal(text, "c9\n");
	free(text);
	free(p);
	p = xasprintf("%s/etc/skip", dir);
	assert_int_not_equal(access(p, F_OK), 0); /* excluded for an unprivileged unpack */
	free(p);
	p = xasprintf("%s/etc/h2", dir);
	assert_int_equal(access(p, F_OK), 0);
	free(p);
	const struct member evil[] = { { "../escape", AE_IFREG, "x", 0 } };
	struct hk_error *err = NULL;
	assert_int_equal(unpack_into(dir, evil, 1, false, &err), -1);
	assert_non_null(strstr(err->msg, "leads out of the rootfs"));
	hk_error_free(err);
	err = NULL;
	const struct member through[] = { { "l", AE_IFLNK, "/tmp", 0 },
					  { "l/x", AE_IFREG, "x", 0 } };
	assert_int_equal(unpack_into(dir, through, 2, false, &err), -1);
	assert_non_null(strstr(err->msg, "refused"));
	hk_error_free(err);
	char *cmd = xasprintf("rm -rf %s", dir);
	assert_int_equal(run(cmd), 0);
	free(cmd);
}

/* ---- fetch, templates ---- */

static void test_fetch_errors(void **state)
{
	(void)state;
	assert_true(hk_image_url_is_https("HTTPS://x"));
	assert_false(hk_image_url_is_https("http://x"));
	assert_false(hk_image_url_is_https(NULL));
	char *out = NULL;
	size_t len = 0;
	struct hk_error *err = NULL;
	/* port 1 on loopback: nothing listens, the refusal is immediate */
	assert_int_equal(hk_image_fetch_mem("http://127.0.0.1:1/x", 100, &out, &len, &err), -1);
	assert_non_null(strstr(err->msg, "cannot download \"http://127.0.0.1:1/x\""));
	hk_error_free(err);
	err = NULL;
	assert_int_equal(hk_image_fetch_mem("file:///etc/passwd", 100, &out, &len, &err), -1);
	hk_error_free(err);
}

static void test_template_find(void **state)
{
	(void)state;
	const char *src = NULL;
	struct hk_error *err = NULL;
	assert_ptr_equal(hk_template_find("tar:/x.tar", &src, NULL), &hk_template_tar);
	assert_string_equal(src, "/x.tar");
	assert_ptr_equal(hk_template_find("dir:a:b", &src, NULL), &hk_template_dir);
	assert_string_equal(src, "a:b");
	assert_ptr_equal(hk_template_find("download", &src, NULL), &hk_template_download);
	assert_null(src);
	assert_null(hk_template_find("tar", &src, &err));
	assert_non_null(strstr(err->msg, "needs its source"));
	hk_error_free(err);
	err = NULL;
	assert_null(hk_template_find("tar:", &src, &err));
	hk_error_free(err);
	err = NULL;
	assert_null(hk_template_find("download:x", &src, &err));
	assert_non_null(strstr(err->msg, "after --"));
	hk_error_free(err);
}

static void test_download_args(void **state)
{
	(void)state;
	struct hk_template_ctx ctx = { .name = "c", .rootfs = "/tmp/none" };
	struct hk_error *err = NULL;
	char *a1[] = { (char *)"-d", NULL };
	ctx.args = a1;
	assert_int_equal(hk_template_download.prepare(&ctx, &err), -1);
	assert_non_null(strstr(err->msg, "needs a value"));
	hk_error_free(err);
	err = NULL;
	hk_template_download.release(&ctx);
	char *a2[] = { (char *)"-d",
		       (char *)"x",
		       (char *)"-r",
		       (char *)"y",
		       (char *)"--no-validate",
		       (char *)"--server",
		       (char *)"http://127.0.0.1:1",
		       NULL };
	ctx.args = a2;
	assert_int_equal(hk_template_download.prepare(&ctx, &err), -1);
	assert_non_null(strstr(err->msg, "plain HTTP"));
	hk_error_free(err);
	err = NULL;
	hk_template_download.release(&ctx);
	char *a3[] = { (char *)"-d",	   (char *)"x",	      (char *)"-r", (char *)"y",
		       (char *)"--server", (char *)"ftp://x", NULL };
	ctx.args = a3;
	assert_int_equal(hk_template_download.prepare(&ctx, &err), -1);
	assert_non_null(strstr(err->msg, "not an http"));
	hk_error_free(err);
	err = NULL;
	hk_template_download.release(&ctx);
	char *a4[] = { (char *)"-d",
		       (char *)"x",
		       (char *)"-r",
		       (char *)"y",
		       (char *)"--force-cache",
		       (char *)"--flush-cache",
		       NULL };
	ctx.args = a4;
	assert_int_equal(hk_template_download.prepare(&ctx, &err), -1);
	assert_non_null(strstr(err->msg, "contradict"));
	hk_error_free(err);
	hk_template_download.release(&ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_parse),   cmocka_unit_test(test_index_empty),
		cmocka_unit_test(test_fields),	      cmocka_unit_test(test_tar_path),
		cmocka_unit_test(test_excluded),      cmocka_unit_test(test_fill_and_lines),
		cmocka_unit_test(test_verify_status), cmocka_unit_test(test_verify_gpgv),
		cmocka_unit_test(test_meta_read),     cmocka_unit_test(test_unpack),
		cmocka_unit_test(test_fetch_errors),  cmocka_unit_test(test_template_find),
		cmocka_unit_test(test_download_args),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
