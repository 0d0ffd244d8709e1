/* test_nest.c - the nesting switch (hako's profile, LXC's nesting.conf),
 * the window of a user namespace read from its uid_map/gid_map text, a
 * child's map inside or outside it (with the error naming both fixes),
 * where setup-user puts sub-ids inside a container (the third guide's
 * 65536:65536), and the profile file itself parsing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "config.h"
#include "nest.h"
#include "util.h"

static void parse(struct hk_config *cfg, const char *text)
{
	hk_autoerr struct hk_error *err = NULL;
	hk_config_init(cfg);
	if (hk_config_parse_string(cfg, text, "test", &err) < 0)
		fail_msg("parse: %s", err->msg);
}

static void test_enabled(void **state)
{
	(void)state;
	struct hk_config c;
	parse(&c, "lxc.uts.name = x\n");
	assert_false(hk_nest_enabled(&c));
	hk_config_free(&c);
	parse(&c, "lxc.apparmor.allow_nesting = 1\n");
	assert_true(hk_nest_enabled(&c));
	hk_config_free(&c);
	parse(&c, "lxc.apparmor.allow_nesting = 0\n");
	assert_false(hk_nest_enabled(&c));
	hk_config_free(&c);
	/* LXC's nesting.conf turns it on through its profile's name */
	parse(&c, "lxc.apparmor.profile = lxc-container-default-with-nesting\n");
	assert_true(hk_nest_enabled(&c));
	hk_config_free(&c);
	parse(&c, "lxc.apparmor.profile = unconfined\n");
	assert_false(hk_nest_enabled(&c));
	hk_config_free(&c);
}

/* The shipped profile parses and turns nesting on, with its mounts. */
static void test_profile_file(void **state)
{
	(void)state;
	hk_autofree char *text = NULL;
	if (hk_read_file("core/profiles/nesting.conf.in", &text, NULL, NULL) < 0)
		fail_msg("cannot read the profile");
	struct hk_config c;
	parse(&c, text);
	assert_true(hk_nest_enabled(&c));
	assert_true(hk_strv_contains(&c.mount_auto, "cgroup:rw"));
	bool proc = false, sys = false, self = false;
	for (size_t i = 0; i < c.mount_entries.n; i++) {
		proc |= strstr(c.mount_entries.v[i], "dev/.lxc/proc proc") != NULL;
		sys |= strstr(c.mount_entries.v[i], "dev/.lxc/sys sysfs") != NULL;
		self |= strstr(c.mount_entries.v[i], "usr/local/bin/hako none bind,ro") != NULL;
	}
	assert_true(proc && sys && self);
	hk_config_free(&c);
}

static void test_window_host(void **state)
{
	(void)state;
	struct hk_idmap w;
	assert_false(hk_nest_window_parse("         0          0 4294967295\n",
					  "         0          0 4294967295\n", &w));
	assert_int_equal(w.n, 0);
	assert_false(hk_nest_window_parse("", "", &w));
	assert_false(hk_nest_window_parse("garbage\n", "", &w));
}

static void test_window_parent(void **state)
{
	(void)state;
	struct hk_idmap w;
	assert_true(hk_nest_window_parse("         0     165536     131072\n",
					 "         0     165536     131072\n", &w));
	assert_int_equal(w.n, 2);
	unsigned long host;
	assert_true(hk_idmap_to_host(&w, 'u', 65536, &host));
	assert_int_equal(host, 231072); /* the guide's arithmetic */
	assert_true(hk_idmap_to_host(&w, 'g', 0, &host));
	assert_int_equal(host, 165536);
	hk_idmap_free(&w);
}

static void test_kernel_map_lines(void **state)
{
	(void)state;
	struct hk_idmap m = { 0 };
	hk_nest_parse_kernel_map("0 1000 1\n1 100000 65535\nbad line\n5 6 0\n7 -1 5\n"
				 "0 0 4294967296\n1 0 4294967295\n8 9 10 11\n",
				 'u', &m);
	assert_int_equal(m.n, 2); /* zero count, sign, past 32 bits, 4 fields: skipped */
	assert_int_equal(m.r[1].ns, 1);
	assert_int_equal(m.r[1].host, 100000);
	assert_int_equal(m.r[1].count, 65535);
	hk_idmap_free(&m);
}

static struct hk_idmap window_131072(void)
{
	struct hk_idmap w = { 0 };
	hk_idmap_add(&w, 'u', 0, 165536, 131072);
	hk_idmap_add(&w, 'g', 0, 165536, 131072);
	return w;
}

static void test_child_map_inside(void **state)
{
	(void)state;
	struct hk_idmap w = window_131072(), child = { 0 };
	hk_idmap_add(&child, 'u', 0, 65536, 65536);
	hk_idmap_add(&child, 'g', 0, 65536, 65536);
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_nest_check_child_map(&child, &w, &err), 0);
	assert_int_equal(hk_nest_check_child_map(&child, NULL, &err), 0);
	/* a window made of two adjacent ranges covers a range across them */
	struct hk_idmap split = { 0 };
	hk_idmap_add(&split, 'u', 0, 1000, 70000);
	hk_idmap_add(&split, 'u', 70000, 500000, 70000);
	struct hk_idmap across = { 0 };
	hk_idmap_add(&across, 'u', 0, 65536, 65536);
	assert_int_equal(hk_nest_check_child_map(&across, &split, &err), 0);
	hk_idmap_free(&split);
	hk_idmap_free(&across);
	hk_idmap_free(&w);
	hk_idmap_free(&child);
}

static void test_child_map_outside(void **state)
{
	(void)state;
	struct hk_idmap w = window_131072(), child = { 0 };
	hk_idmap_add(&child, 'u', 0, 100000, 65536); /* ends at 165535 > 131071 */
	hk_idmap_add(&child, 'g', 0, 65536, 65536);
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_nest_check_child_map(&child, &w, &err), -1);
	assert_int_equal(err->code, ERANGE);
	assert_contains(err->msg, "\"u 0 100000 65536\"");
	assert_contains(err->msg, "uids 100000-165535");
	assert_contains(err->msg, "maps only uids 0-131071 (outside: 165536-296607)");
	assert_contains(err->msg, "give the parent container a map");
	assert_contains(err->msg, "/etc/subuid");
	hk_idmap_free(&child);
	/* gids are checked on their own */
	hk_error_free(err);
	err = NULL;
	hk_idmap_add(&child, 'u', 0, 65536, 65536);
	hk_idmap_add(&child, 'g', 0, 131072, 1);
	assert_int_equal(hk_nest_check_child_map(&child, &w, &err), -1);
	assert_contains(err->msg, "gids 131072-131072");
	assert_contains(err->msg, "/etc/subgid");
	hk_idmap_free(&child);
	hk_idmap_free(&w);
}

static void test_subid_slot_guide(void **state)
{
	(void)state;
	struct hk_idmap w = window_131072();
	unsigned long start = 0, count = 0;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_nest_subid_slot(&w, 'u', "", 131072, &start, &count, &err), 0);
	assert_int_equal(start, 65536);
	assert_int_equal(count, 65536); /* what fits: the guide's 65536:65536 */
	assert_int_equal(hk_nest_subid_slot(&w, 'g', "# none\n", 131072, &start, &count, &err), 0);
	assert_int_equal(start, 65536);
	hk_idmap_free(&w);
}

static void test_subid_slot_past_others(void **state)
{
	(void)state;
	struct hk_idmap w = { 0 };
	hk_idmap_add(&w, 'u', 0, 100000, 1000000);
	unsigned long start = 0, count = 0;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_nest_subid_slot(&w, 'u', "a:65536:65536\nb:131072:131072\n", 131072,
					    &start, &count, &err),
			 0);
	assert_int_equal(start, 262144);
	assert_int_equal(count, 131072);
	hk_idmap_free(&w);
}

static void test_subid_slot_no_room(void **state)
{
	(void)state;
	struct hk_idmap w = { 0 };
	hk_idmap_add(&w, 'u', 0, 100000, 65536); /* a plain, non-nesting map */
	unsigned long start = 7, count = 7;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_nest_subid_slot(&w, 'u', "", 131072, &start, &count, &err), -1);
	assert_int_equal(err->code, ERANGE);
	assert_contains(err->msg, "no room for 65536 sub-uids from 65536");
	assert_contains(err->msg, "maps only 0-65535 (outside: 100000-165535)");
	assert_contains(err->msg, "lxc.idmap = u 0 START 131072");
	assert_int_equal(start, 7);
	hk_idmap_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enabled),
		cmocka_unit_test(test_profile_file),
		cmocka_unit_test(test_window_host),
		cmocka_unit_test(test_window_parent),
		cmocka_unit_test(test_kernel_map_lines),
		cmocka_unit_test(test_child_map_inside),
		cmocka_unit_test(test_child_map_outside),
		cmocka_unit_test(test_subid_slot_guide),
		cmocka_unit_test(test_subid_slot_past_others),
		cmocka_unit_test(test_subid_slot_no_room),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
