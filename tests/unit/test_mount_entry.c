/* test_mount_entry.c - lxc.mount.entry parsing: fields, escapes, flags,
 * LXC's own options, and every refusal. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "mount-entry.h"
#include "mountfd.h"
#include "util.h"

static void test_bind_entry(void **state)
{
	(void)state;
	struct hk_mount_entry e;
	assert_int_equal(
		hk_mount_entry_parse("/srv/data srv/data none bind,ro,create=dir 0 0", &e, NULL),
		0);
	assert_string_equal(e.source, "/srv/data");
	assert_string_equal(e.target, "srv/data");
	assert_string_equal(e.fstype, "none");
	assert_true(e.bind);
	assert_true(e.attrs & HK_MNT_RDONLY);
	assert_false(e.attrs & HK_MNT_RECURSIVE);
	assert_int_equal(e.create, HK_CREATE_DIR);
	assert_null(e.data);
	hk_mount_entry_free(&e);
}

static void test_absolute_target_stays_inside(void **state)
{
	(void)state;
	struct hk_mount_entry e;
	assert_int_equal(
		hk_mount_entry_parse("tmpfs //run tmpfs size=10m,mode=0755,nosuid", &e, NULL), 0);
	assert_string_equal(e.target, "run");
	assert_string_equal(e.data, "size=10m,mode=0755");
	assert_true(e.attrs & HK_MNT_NOSUID);
	hk_mount_entry_free(&e);
}

static void test_escapes_and_optional(void **state)
{
	(void)state;
	struct hk_mount_entry e;
	assert_int_equal(
		hk_mount_entry_parse("/a\\040b mnt/with\\040space none rbind,optional,create=file",
				     &e, NULL),
		0);
	assert_string_equal(e.source, "/a b");
	assert_string_equal(e.target, "mnt/with space");
	assert_true(e.optional);
	assert_true(e.attrs & HK_MNT_RECURSIVE);
	assert_int_equal(e.create, HK_CREATE_FILE);
	hk_mount_entry_free(&e);
}

static void test_refusals(void **state)
{
	(void)state;
	const char *bad[] = {
		"", "only three fields", "a b c d 0 0 extra", "a b c d x 0", "a b c create=link",
	};
	for (size_t i = 0; i < HK_ARRAY_SIZE(bad); i++) {
		struct hk_mount_entry e;
		hk_autoerr struct hk_error *err = NULL;
		assert_int_equal(hk_mount_entry_parse(bad[i], &e, &err), -1);
		assert_non_null(err);
		assert_non_null(strstr(err->msg, "mount entry"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bind_entry),
		cmocka_unit_test(test_absolute_target_stays_inside),
		cmocka_unit_test(test_escapes_and_optional),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
