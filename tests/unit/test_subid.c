/* test_subid.c - /etc/subuid parsing (names, numeric uids, comments, the
 * malformed lines shadow skips), loading, coverage and the check that a map
 * stays inside what newuidmap/newgidmap would allow. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "idmap.h"
#include "log.h"
#include "util.h"

static void assert_sub(const struct hk_subids *ids, size_t i, unsigned long start,
		       unsigned long count)
{
	assert_true(i < ids->n);
	assert_int_equal(ids->r[i].start, start);
	assert_int_equal(ids->r[i].count, count);
}

static const char sample[] = "# sub-ids of this host\n"
			     "\n"
			     "alice:100000:65536\n"
			     "bob:165536:65536\n"
			     "   \t\n"
			     "1000:300000:10\n"
			     "alice:400000:5\n"
			     "#alice:500000:5\n"
			     " alice:600000:5\n"
			     "1000:700000:1"; /* no final newline */

static void test_parse_name_uid_several(void **state)
{
	(void)state;
	struct hk_subids ids;
	unsigned bad = 99;
	hk_subid_parse(sample, "alice", 1000, &ids, &bad);
	assert_int_equal(bad, 0);
	assert_int_equal(ids.n, 4);
	assert_sub(&ids, 0, 100000, 65536);
	assert_sub(&ids, 1, 300000, 10);
	assert_sub(&ids, 2, 400000, 5);
	assert_sub(&ids, 3, 700000, 1);
	hk_subids_free(&ids);
	assert_null(ids.r);
	assert_int_equal(ids.n, 0);
	hk_subids_free(NULL);
	/* By name only, by uid only (no name known), and nobody. */
	hk_subid_parse(sample, "bob", 1001, &ids, NULL);
	assert_int_equal(ids.n, 1);
	assert_sub(&ids, 0, 165536, 65536);
	hk_subids_free(&ids);
	hk_subid_parse(sample, NULL, 1000, &ids, NULL);
	assert_int_equal(ids.n, 2);
	assert_sub(&ids, 0, 300000, 10);
	hk_subids_free(&ids);
	hk_subid_parse(sample, "carol", 1002, &ids, NULL);
	assert_int_equal(ids.n, 0);
	hk_subid_parse(NULL, "carol", 1002, &ids, NULL);
	assert_int_equal(ids.n, 0);
	hk_subid_parse("", "carol", 1002, &ids, &bad);
	assert_int_equal(bad, 0);
}

static void test_parse_bad_lines(void **state)
{
	(void)state;
	static const char *const bad_lines[] = {
		"alice:abc:65536",
		"alice:100000",
		"alice",
		"alice:100000:65536:1",
		":100000:65536",
		"alice::65536",
		"alice:100000:",
		"alice:100000:0",
		"alice:4294967295:1",
		"alice:4294967290:10",
		"alice:-1:5",
		"alice:+1:5",
		"alice:0x10:5",
		"alice: 1:5",
		"alice:1:5 ",
		"alice:1:5\r",
		"alice:1:99999999999999999999",
	};
	struct hk_buf text = { 0 };
	hk_buf_puts(&text, "alice:1000:10\n");
	for (size_t i = 0; i < HK_ARRAY_SIZE(bad_lines); i++) {
		struct hk_subids ids;
		unsigned bad = 0;
		hk_subid_parse(bad_lines[i], "alice", 1000, &ids, &bad);
		if (bad != 1 || ids.n != 0)
			fail_msg("\"%s\" was not refused", bad_lines[i]);
		hk_buf_printf(&text, "%s\n", bad_lines[i]);
	}
	hk_buf_puts(&text, "alice:4294967290:5\n"); /* ends exactly at the limit: fine */
	struct hk_subids ids;
	unsigned bad = 0;
	hk_subid_parse(text.data, "alice", 1000, &ids, &bad);
	assert_int_equal(bad, HK_ARRAY_SIZE(bad_lines));
	assert_int_equal(ids.n, 2);
	assert_sub(&ids, 0, 1000, 10);
	assert_sub(&ids, 1, 4294967290UL, 5);
	hk_subids_free(&ids);
	hk_buf_free(&text);
}

static char logged[512];

static void capture(void *ctx, enum hk_log_level level, const char *msg)
{
	(void)ctx;
	if (level >= HK_LOG_WARN)
		snprintf(logged, sizeof(logged), "%s", msg);
}

static void test_load(void **state)
{
	(void)state;
	hk_log_set_sink(capture, NULL);
	logged[0] = '\0';
	char dir[] = "/tmp/hk-subid-XXXXXX";
	assert_non_null(mkdtemp(dir));
	hk_autofree char *path = xasprintf("%s/subuid", dir);
	struct hk_subids ids = { (void *)1, 5 };
	hk_autoerr struct hk_error *err = NULL;
	/* A missing file: no sub-ids, not an error. */
	assert_int_equal(hk_subid_load(path, "alice", 1000, &ids, &err), 0);
	assert_null(err);
	assert_int_equal(ids.n, 0);
	assert_null(ids.r);
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	fputs("alice:165536:131072\nbroken line\n1000:1:1\n", f);
	fclose(f);
	assert_int_equal(hk_subid_load(path, "alice", 1000, &ids, &err), 0);
	assert_int_equal(ids.n, 2);
	assert_sub(&ids, 0, 165536, 131072);
	assert_sub(&ids, 1, 1, 1);
	assert_has(logged, path, "skipped 1 malformed line", NULL);
	hk_subids_free(&ids);
	/* Unreadable (a directory stands in, since root reads any file). */
	assert_int_equal(hk_subid_load(dir, "alice", 1000, &ids, &err), -1);
	assert_non_null(err);
	assert_has(err->msg, dir, NULL);
	assert_int_equal(err->code, EISDIR);
	assert_int_equal(ids.n, 0);
	assert_int_equal(hk_subid_load(dir, "alice", 1000, &ids, NULL), -1);
	unlink(path);
	rmdir(dir);
	hk_log_set_sink(hk_log_sink_stderr, NULL);
}

static void test_cover(void **state)
{
	(void)state;
	struct hk_subids ids;
	/* Out of order, adjacent (100-199 + 200-299) and overlapping. */
	hk_subid_parse("u:200:100\nu:100:100\nu:1000:10\nu:1005:10\nu:250:10\n", "u", 5, &ids,
		       NULL);
	assert_true(hk_subids_cover(&ids, 100, 200));
	assert_true(hk_subids_cover(&ids, 150, 100));
	assert_true(hk_subids_cover(&ids, 299, 1));
	assert_true(hk_subids_cover(&ids, 1000, 15));
	assert_true(hk_subids_cover(&ids, 12345, 0));
	assert_false(hk_subids_cover(&ids, 99, 2));
	assert_false(hk_subids_cover(&ids, 299, 2));
	assert_false(hk_subids_cover(&ids, 100, 1000)); /* gap 300-999 */
	assert_false(hk_subids_cover(&ids, 1000, 16));
	assert_false(hk_subids_cover(&ids, 0, 1));
	hk_subids_free(&ids);
	assert_false(hk_subids_cover(&ids, 0, 1));
	assert_true(hk_subids_cover(&ids, 0, 0));
}

/* The guide's host user: sub-ids 165536:131072, uid/gid 1000. */
static void guide_ids(struct hk_subids *u, struct hk_subids *g)
{
	hk_subid_parse("ubuntu:165536:131072\n", "ubuntu", 1000, u, NULL);
	hk_subid_parse("1000:165536:65536\n1000:231072:65536\n", "ubuntu", 1000, g, NULL);
}

static int check(const char *lines, uid_t uid, gid_t gid, struct hk_error **err)
{
	struct hk_subids u, g;
	guide_ids(&u, &g);
	struct hk_idmap m = { 0 };
	hk_autofree char *copy = xstrdup(lines);
	char *save = NULL;
	for (char *l = strtok_r(copy, ";", &save); l; l = strtok_r(NULL, ";", &save))
		assert_int_equal(hk_idmap_parse_line(l, &m, NULL), 0);
	int r = hk_idmap_check_allowed(&m, "ubuntu", uid, gid, &u, &g, err);
	hk_idmap_free(&m);
	hk_subids_free(&u);
	hk_subids_free(&g);
	return r;
}

static void test_allowed_inside(void **state)
{
	(void)state;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(check("b 0 165536 131072", 1000, 1000, &err), 0);
	assert_int_equal(check("b 0 200000 10;b 10 296607 1", 1000, 1000, &err), 0);
	/* Own uid and gid, count 1, next to sub-ids. */
	assert_int_equal(check("b 0 165536 1000;b 1000 1000 1", 1000, 1000, &err), 0);
	assert_int_equal(check("u 0 1000 1;g 0 50 1", 1000, 50, &err), 0);
	assert_null(err);
}

static void test_refused_outside(void **state)
{
	(void)state;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(check("b 0 100000 65536", 1000, 1000, &err), -1);
	assert_non_null(err);
	assert_int_equal(err->code, EPERM);
	assert_has(err->msg, "\"u 0 100000 65536\"", "user \"ubuntu\"", "/etc/subuid",
		   "host uids 100000-165535", "(165536-296607)",
		   "usermod --add-subuids 100000-165535 ubuntu", "hako setup-user ubuntu", NULL);
	hk_error_freep(&err);
	/* One past the end of the sub-ids. */
	assert_int_equal(check("b 0 165536 131073", 1000, 1000, &err), -1);
	assert_has(err->msg, "\"u 0 165536 131073\"", NULL);
	hk_error_freep(&err);
	/* uids fine, gids not: the gid error names /etc/subgid. */
	assert_int_equal(check("u 0 165536 131072;g 0 165536 131073", 1000, 1000, &err), -1);
	assert_has(err->msg, "\"g 0 165536 131073\"", "/etc/subgid", "host gids",
		   "usermod --add-subgids 165536-296608 ubuntu", NULL);
	hk_error_freep(&err);
	/* Own uid only with count 1, and only one's own. */
	assert_int_equal(check("u 0 1000 2;g 0 1000 1", 1000, 1000, &err), -1);
	assert_has(err->msg, "\"u 0 1000 2\"", "own uid 1000 with count 1", NULL);
	hk_error_freep(&err);
	assert_int_equal(check("u 0 1001 1;g 0 1000 1", 1000, 1000, &err), -1);
	assert_has(err->msg, "\"u 0 1001 1\"", NULL);
	hk_error_freep(&err);
	assert_int_equal(check("u 0 1000 1;g 0 1000 1", 1000, 1001, &err), -1);
	assert_has(err->msg, "\"g 0 1000 1\"", "own gid 1001", NULL);
}

static void test_refused_without_subids(void **state)
{
	(void)state;
	struct hk_idmap m = { 0 };
	assert_int_equal(hk_idmap_parse_line("b 0 100000 65536", &m, NULL), 0);
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_idmap_check_allowed(&m, NULL, 1000, 1000, NULL, NULL, &err), -1);
	assert_has(err->msg, "user \"1000\"", "(none)", "usermod --add-subuids 100000-165535 1000",
		   NULL);
	hk_error_freep(&err);
	/* Without a user name, the uid names the user, also for gid ranges. */
	m.r[0].kind = 'g';
	assert_int_equal(hk_idmap_check_allowed(&m, NULL, 1000, 50, NULL, NULL, &err), -1);
	assert_has(err->msg, "user \"1000\"", "own gid 50", "--add-subgids 100000-165535 1000",
		   NULL);
	hk_error_freep(&err);
	m.r[0].kind = 'x';
	assert_int_equal(hk_idmap_check_allowed(&m, "a", 1000, 1000, NULL, NULL, &err), -1);
	assert_has(err->msg, "\"x 0 100000 65536\"", "kind", NULL);
	hk_error_freep(&err);
	m.r[0].kind = 'u';
	m.r[0].count = 0; /* cover() of nothing is true, but newuidmap refuses it */
	assert_int_equal(hk_idmap_check_allowed(&m, "a", 1000, 1000, NULL, NULL, &err), -1);
	assert_has(err->msg, "\"u 0 100000 0\"", "at least 1", NULL);
	/* Root may map anything, even without sub-ids. */
	assert_int_equal(hk_idmap_check_allowed(&m, "root", 0, 0, NULL, NULL, NULL), 0);
	hk_idmap_free(&m);
	/* An empty map needs nothing. */
	assert_int_equal(hk_idmap_check_allowed(&m, "a", 1000, 1000, NULL, NULL, NULL), 0);
}

static void test_root_maps_anything(void **state)
{
	(void)state;
	assert_int_equal(check("b 0 100000 65536;b 70000 0 1", 0, 0, NULL), 0);
}

static void test_error_lists_many_ranges(void **state)
{
	(void)state;
	struct hk_buf text = { 0 };
	for (int i = 0; i < 12; i++)
		hk_buf_printf(&text, "a:%d:10\n", 1000 + i * 100);
	hk_buf_puts(&text, "a:1010:90\n"); /* joins the first two */
	struct hk_subids u;
	hk_subid_parse(text.data, "a", 7, &u, NULL);
	struct hk_idmap m = { 0 };
	hk_idmap_add(&m, 'u', 0, 5, 1);
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_idmap_check_allowed(&m, "a", 7, 7, &u, &u, &err), -1);
	assert_has(err->msg, "(1000-1109, 1200-1209,", "1800-1809, ...)", NULL);
	assert_null(strstr(err->msg, "1900-1909"));
	hk_idmap_free(&m);
	hk_subids_free(&u);
	hk_buf_free(&text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_name_uid_several),
		cmocka_unit_test(test_parse_bad_lines),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_cover),
		cmocka_unit_test(test_allowed_inside),
		cmocka_unit_test(test_refused_outside),
		cmocka_unit_test(test_refused_without_subids),
		cmocka_unit_test(test_root_maps_anything),
		cmocka_unit_test(test_error_lists_many_ranges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
