/* test_mountinfo.c - the strict /proc/PID/mountinfo parser: real lines of
 * every shape the kernel writes, and each kind of garbage it must refuse. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#include "mountinfo.h"
#include "util.h"

static const char v2_line[] =
	"26 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - "
	"cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n";

static void test_parse_fields(void **state)
{
	(void)state;
	struct hk_mountinfo mi;
	assert_int_equal(hk_mountinfo_parse(v2_line, &mi, NULL), 0);
	assert_int_equal(mi.n, 1);
	const struct hk_mountinfo_entry *e = &mi.e[0];
	assert_int_equal(e->id, 26);
	assert_int_equal(e->parent, 23);
	assert_int_equal(e->major, 0);
	assert_int_equal(e->minor, 26);
	assert_string_equal(e->root, "/");
	assert_string_equal(e->mountpoint, "/sys/fs/cgroup");
	assert_string_equal(e->options, "rw,nosuid,nodev,noexec,relatime");
	assert_string_equal(e->optional, "shared:9");
	assert_string_equal(e->fstype, "cgroup2");
	assert_string_equal(e->source, "cgroup2");
	assert_string_equal(e->super_options, "rw,nsdelegate,memory_recursiveprot");
	hk_mountinfo_free(&mi);
	assert_int_equal(mi.n, 0);
	assert_null(mi.e);
}

static void test_optional_fields(void **state)
{
	(void)state;
	const char *text = "30 22 0:27 / /a rw - tmpfs tmpfs rw\n"
			   "31 30 254:0 /x /b rw shared:5 master:1 propagate_from:1 unbindable - "
			   "ext4 /dev/vda rw";
	struct hk_mountinfo mi;
	assert_int_equal(hk_mountinfo_parse(text, &mi, NULL), 0);
	assert_int_equal(mi.n, 2);
	assert_string_equal(mi.e[0].optional, "");
	assert_string_equal(mi.e[1].optional, "shared:5 master:1 propagate_from:1 unbindable");
	assert_int_equal(mi.e[1].major, 254);
	assert_string_equal(mi.e[1].root, "/x");
	assert_string_equal(mi.e[1].super_options, "rw"); /* no final newline needed */
	hk_mountinfo_free(&mi);
}

static void test_escapes(void **state)
{
	(void)state;
	/* a space, a tab, a newline and a backslash in names; an escaped comma
	 * in the super options must stay escaped */
	const char *text = "41 26 8:17 /sub\\011dir /mnt/my\\040disk\\012x\\134y rw - fuse.sshfs "
			   "me@host:/a\\040b rw,lowerdir=/l\\054m\n";
	struct hk_mountinfo mi;
	assert_int_equal(hk_mountinfo_parse(text, &mi, NULL), 0);
	assert_string_equal(mi.e[0].root, "/sub\tdir");
	assert_string_equal(mi.e[0].mountpoint, "/mnt/my disk\nx\\y");
	assert_string_equal(mi.e[0].fstype, "fuse.sshfs");
	assert_string_equal(mi.e[0].source, "me@host:/a b");
	assert_string_equal(mi.e[0].super_options, "rw,lowerdir=/l\\054m");
	hk_mountinfo_free(&mi);
}

static void test_empty_source_and_text(void **state)
{
	(void)state;
	struct hk_mountinfo mi;
	assert_int_equal(hk_mountinfo_parse("50 1 0:60 / /e rw - tmpfs  rw\n", &mi, NULL), 0);
	assert_string_equal(mi.e[0].source, "");
	hk_mountinfo_free(&mi);
	assert_int_equal(hk_mountinfo_parse("", &mi, NULL), 0);
	assert_int_equal(mi.n, 0);
	hk_mountinfo_free(&mi);
}

/* Each of these must fail with EINVAL and name line 2. */
static const char *const bad_lines[] = {
	"",					      /* empty line */
	"1 2 0:1 / /x rw tmpfs tmpfs rw",	      /* no separator */
	"1 2 0:1 / /x - tmpfs tmpfs rw",	      /* separator too early (no options) */
	"1 2 0:1 / /x rw - tmpfs tmpfs",	      /* 2 fields after it */
	"1 2 0:1 / /x rw - tmpfs tmpfs rw extra",     /* 4 fields after it */
	"a 2 0:1 / /x rw - tmpfs tmpfs rw",	      /* id */
	"1 -2 0:1 / /x rw - tmpfs tmpfs rw",	      /* parent */
	"1 2 01 / /x rw - tmpfs tmpfs rw",	      /* no colon */
	"1 2 0:x / /x rw - tmpfs tmpfs rw",	      /* minor */
	"1 2 99999999999:1 / /x rw - tmpfs tmpfs rw", /* major too big */
	"1 2 0:1 / x rw - tmpfs tmpfs rw",	      /* relative mount point */
	"1 2 0:1 / /x\\09 rw - tmpfs tmpfs rw",	      /* bad escape */
	"1 2 0:1 / /x\\000 rw - tmpfs tmpfs rw",      /* NUL escape */
	"1 2 0:1 / /x\\ rw - tmpfs tmpfs rw",	      /* lone backslash */
	"1 2 0:1 / /x\\400 rw - tmpfs tmpfs rw",      /* > 255 */
	"1 2 0:1 / /x\tq rw - tmpfs tmpfs rw",	      /* raw tab */
	"1 2 0:1 / /x rw  - tmpfs tmpfs rw",	      /* empty optional field */
	"1 2 0:1 / /x rw - tmpfs tmpfs rw ",	      /* trailing space */
	" 1 2 0:1 / /x rw - tmpfs tmpfs rw",	      /* leading space */
	"1 2 0:1 / /x rw -  tmpfs rw",		      /* empty fstype */
};

static void test_bad_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < HK_ARRAY_SIZE(bad_lines); i++) {
		hk_autofree char *text =
			xasprintf("1 0 0:1 / / rw - ext4 /dev/vda rw\n%s\n", bad_lines[i]);
		struct hk_mountinfo mi = { (void *)1, 7 };
		hk_autoerr struct hk_error *err = NULL;
		if (hk_mountinfo_parse(text, &mi, &err) != -1)
			fail_msg("accepted bad line %zu: \"%s\"", i, bad_lines[i]);
		assert_non_null(err);
		assert_int_equal(err->code, EINVAL);
		assert_non_null(strstr(err->msg, "line 2"));
		assert_int_equal(mi.n, 7); /* out untouched on failure */
	}
}

static void test_find(void **state)
{
	(void)state;
	const char *text = "1 0 0:1 / / rw - ext4 /dev/vda rw\n"
			   "2 1 0:2 / /mnt rw - tmpfs first rw\n"
			   "3 2 0:3 / /mnt rw - tmpfs second rw\n";
	struct hk_mountinfo mi;
	assert_int_equal(hk_mountinfo_parse(text, &mi, NULL), 0);
	const struct hk_mountinfo_entry *e = hk_mountinfo_find(&mi, "/mnt");
	assert_non_null(e);
	assert_string_equal(e->source, "second"); /* the one on top */
	assert_null(hk_mountinfo_find(&mi, "/mn"));
	assert_null(hk_mountinfo_find(&mi, "/mnt/"));
	hk_mountinfo_free(&mi);
}

static void test_opts(void **state)
{
	(void)state;
	assert_true(hk_mount_opt_has("rw,cpuset", "cpuset"));
	assert_true(hk_mount_opt_has("rw,cpuset", "rw"));
	assert_false(hk_mount_opt_has("rw,cpuset", "cpu"));
	assert_false(hk_mount_opt_has("rw,cpuacct", "cpu"));
	assert_false(hk_mount_opt_has("", "rw"));
	assert_true(hk_mount_opt_has("rw,xattr,name=systemd", "name="));
	assert_false(hk_mount_opt_has("rw,xattr", "name="));
	hk_autofree char *v = hk_mount_opt_value("rw,xattr,name=systemd,release_agent=/x", "name");
	assert_string_equal(v, "systemd");
	hk_autofree char *r = hk_mount_opt_value("rw,release_agent=/x", "release_agent");
	assert_string_equal(r, "/x");
	assert_null(hk_mount_opt_value("rw,names=x", "name"));
	assert_null(hk_mount_opt_value("rw", "name"));
}

static void test_load(void **state)
{
	(void)state;
	struct hk_mountinfo mi;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_mountinfo_load("/proc/self/mountinfo", &mi, &err), 0);
	assert_true(mi.n > 0);
	assert_non_null(hk_mountinfo_find(&mi, "/"));
	hk_mountinfo_free(&mi);

	assert_int_equal(hk_mountinfo_load("/nonexistent/mountinfo", &mi, &err), -1);
	assert_int_equal(err->code, ENOENT);
	assert_non_null(strstr(err->msg, "/nonexistent/mountinfo"));
}

static void test_load_bad_file_names_it(void **state)
{
	(void)state;
	char path[] = "/tmp/hk-mountinfo-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "garbage\n", 8), 8);
	close(fd);
	struct hk_mountinfo mi;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_mountinfo_load(path, &mi, &err), -1);
	unlink(path);
	assert_non_null(strstr(err->msg, path));
	assert_non_null(strstr(err->msg, "line 1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_fields),
		cmocka_unit_test(test_optional_fields),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_empty_source_and_text),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_opts),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_load_bad_file_names_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
