/* test_idmap.c - id map parsing, validation, lookups, composition through a
 * nesting level (the numbers of guide 3: host sub-ids 165536:131072, parent
 * `u 0 165536 131072`, child `u 0 65536 65536` -> host 231072), inversion
 * and formatting. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "idmap.h"
#include "util.h"

static void parse(struct hk_idmap *map, const char *line)
{
	hk_autoerr struct hk_error *err = NULL;
	if (hk_idmap_parse_line(line, map, &err) < 0)
		fail_msg("parse \"%s\": %s", line, err->msg);
}

static void assert_range(const struct hk_idmap_range *r, char kind, unsigned long ns,
			 unsigned long host, unsigned long count)
{
	assert_int_equal(r->kind, kind);
	assert_int_equal(r->ns, ns);
	assert_int_equal(r->host, host);
	assert_int_equal(r->count, count);
}

/* Field by field: the struct has padding after `kind`. */
static void assert_ranges_equal(const struct hk_idmap_range *a, const struct hk_idmap_range *b,
				size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_range(&a[i], b[i].kind, b[i].ns, b[i].host, b[i].count);
}

/* The guide's parent: host sub-ids 165536:131072 mapped from parent 0. */
static void guide_parent(struct hk_idmap *p)
{
	*p = (struct hk_idmap){ 0 };
	parse(p, "b 0 165536 131072");
}

static void test_parse_kinds(void **state)
{
	(void)state;
	struct hk_idmap m = { 0 };
	parse(&m, "u 0 100000 65536");
	parse(&m, "\tg  0\t100000 65536  \n");
	parse(&m, "b 65536 300000 10\r\n");
	assert_int_equal(m.n, 4);
	assert_range(&m.r[0], 'u', 0, 100000, 65536);
	assert_range(&m.r[1], 'g', 0, 100000, 65536);
	assert_range(&m.r[2], 'u', 65536, 300000, 10);
	assert_range(&m.r[3], 'g', 65536, 300000, 10);
	hk_idmap_free(&m);
	assert_null(m.r);
	assert_int_equal(m.n, 0);
	hk_idmap_free(NULL);
}

static void test_parse_limits(void **state)
{
	(void)state;
	struct hk_idmap m = { 0 };
	parse(&m, "u 4294967294 0 1");
	parse(&m, "u 0 4294967294 1");
	parse(&m, "g 0 0 4294967295");
	assert_int_equal(m.n, 3);
	assert_range(&m.r[2], 'g', 0, 0, 4294967295UL);
	hk_idmap_free(&m);
}

struct bad_line {
	const char *line;
	const char *why;
};

static const struct bad_line bad_lines[] = {
	{ "", "fewer than 4 fields" },
	{ "u 0 100000", "fewer than 4 fields" },
	{ "u 0 100000 65536 7", "more than 4 fields" },
	{ "x 0 100000 65536", "KIND \"x\" is not u, g or b" },
	{ "ug 0 100000 65536", "KIND \"ug\"" },
	{ "U 0 100000 65536", "KIND \"U\"" },
	{ "u -1 100000 65536", "NSID \"-1\" is not a decimal id" },
	{ "u +1 100000 65536", "NSID \"+1\"" },
	{ "u 0x10 100000 65536", "NSID \"0x10\"" },
	{ "u 0 1e5 65536", "HOSTID \"1e5\"" },
	{ "u 0 100000 65536k", "COUNT \"65536k\" is not a decimal count" },
	{ "u 0 100000 0", "COUNT is 0" },
	{ "u 4294967295 0 1", "NSID \"4294967295\"" },
	{ "u 0 4294967295 1", "HOSTID \"4294967295\"" },
	{ "u 0 0 4294967296", "COUNT \"4294967296\"" },
	{ "u 0 0 99999999999999999999999", "COUNT \"99999999999999999999999\"" },
	{ "u 4294967294 0 2", "NSID + COUNT goes past 4294967294" },
	{ "g 0 4294967000 1000", "HOSTID + COUNT goes past" },
	{ "u 0,100000,65536", "fewer than 4 fields" },
};

static void test_parse_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < HK_ARRAY_SIZE(bad_lines); i++) {
		struct hk_idmap m = { 0 };
		hk_autoerr struct hk_error *err = NULL;
		assert_int_equal(hk_idmap_parse_line(bad_lines[i].line, &m, &err), -1);
		assert_non_null(err);
		hk_autofree char *quoted = xasprintf("\"%s\"", bad_lines[i].line);
		assert_has(err->msg, quoted, bad_lines[i].why, "u|g|b NSID HOSTID COUNT", NULL);
		assert_int_equal(m.n, 0);
		assert_null(m.r);
	}
	/* A NULL err is allowed and a failed 'b' adds nothing. */
	struct hk_idmap m = { 0 };
	assert_int_equal(hk_idmap_parse_line("b 0 0 0", &m, NULL), -1);
	assert_int_equal(m.n, 0);
}

static void test_parse_error_quotes_line_without_newline(void **state)
{
	(void)state;
	struct hk_idmap m = { 0 };
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_idmap_parse_line("u 0 abc 65536\n", &m, &err), -1);
	assert_has(err->msg, "\"u 0 abc 65536\":", "HOSTID \"abc\"", NULL);
}

static void test_add_copy_has_kind(void **state)
{
	(void)state;
	struct hk_idmap m = { 0 }, c;
	assert_false(hk_idmap_has_kind(&m, 'u'));
	hk_idmap_add(&m, 'u', 0, 1000, 1);
	assert_true(hk_idmap_has_kind(&m, 'u'));
	assert_false(hk_idmap_has_kind(&m, 'g'));
	for (unsigned long i = 0; i < 100; i++)
		hk_idmap_add(&m, 'g', i, 1000 + i, 1);
	assert_true(hk_idmap_has_kind(&m, 'g'));
	hk_idmap_copy(&c, &m);
	assert_int_equal(c.n, 101);
	assert_ptr_not_equal(c.r, m.r);
	assert_ranges_equal(c.r, m.r, m.n);
	hk_idmap_copy(&m, &m); /* copying onto itself changes nothing */
	assert_int_equal(m.n, 101);
	hk_idmap_free(&m);
	assert_int_equal(c.n, 101); /* deep copy survives */
	assert_range(&c.r[100], 'g', 99, 1099, 1);
	hk_idmap_free(&c);
	struct hk_idmap empty = { 0 };
	hk_idmap_copy(&c, &empty);
	assert_int_equal(c.n, 0);
	assert_null(c.r);
}

static void expect_invalid(const struct hk_idmap *m, const char *a, const char *b, const char *c)
{
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_idmap_validate(m, &err), -1);
	assert_non_null(err);
	assert_has(err->msg, a, b ? b : "", c ? c : "", NULL);
}

static void test_validate_ok(void **state)
{
	(void)state;
	struct hk_idmap m = { 0 };
	assert_int_equal(hk_idmap_validate(&m, NULL), 0); /* no map: no user namespace */
	parse(&m, "b 0 100000 65536");
	parse(&m, "b 65536 1000 1");	/* adjacent on the ns side */
	parse(&m, "u 65537 165536 10"); /* adjacent on the host side */
	parse(&m, "g 70000 0 1");
	parse(&m, "u 4294967294 4294967294 1");
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_idmap_validate(&m, &err), 0);
	assert_null(err);
	hk_idmap_free(&m);
}

static void test_validate_range_errors(void **state)
{
	(void)state;
	struct hk_idmap m = { 0 };
	parse(&m, "b 0 100000 65536");
	hk_idmap_add(&m, 'u', 70000, 200000, 0);
	expect_invalid(&m, "\"u 70000 200000 0\" is empty", "at least 1", NULL);
	m.r[2].count = 4294967295UL - 70000 + 1;
	expect_invalid(&m, "\"u 70000 200000 4294897296\"", "container ids go past 4294967294",
		       NULL);
	m.r[2] = (struct hk_idmap_range){ 'g', 70000, 4294967290UL, 5 };
	assert_int_equal(hk_idmap_validate(&m, NULL), 0);
	m.r[2].count = 6;
	expect_invalid(&m, "\"g 70000 4294967290 6\"", "host ids go past", NULL);
	m.r[2] = (struct hk_idmap_range){ 'x', 70000, 1, 1 };
	expect_invalid(&m, "\"x 70000 1 1\"", "kind must be u or g", NULL);
	m.r[2] = (struct hk_idmap_range){ 'u', 4294967295UL, 1, 1 };
	expect_invalid(&m, "container ids go past", NULL, NULL);
	hk_idmap_free(&m);
}

static void test_validate_overlaps(void **state)
{
	(void)state;
	struct hk_idmap m = { 0 };
	parse(&m, "b 0 100000 65536");
	parse(&m, "u 1000 300000 10");
	expect_invalid(&m, "\"u 0 100000 65536\" and \"u 1000 300000 10\"",
		       "overlap on the container side", NULL);
	m.r[2] = (struct hk_idmap_range){ 'g', 70000, 165535, 10 };
	expect_invalid(&m, "\"g 0 100000 65536\" and \"g 70000 165535 10\"",
		       "overlap on the host side", NULL);
	/* The same ids in u and g never clash. */
	m.r[2] = (struct hk_idmap_range){ 'g', 70000, 165536, 10 };
	assert_int_equal(hk_idmap_validate(&m, NULL), 0);
	hk_idmap_free(&m);
}

static void test_validate_too_many(void **state)
{
	(void)state;
	struct hk_idmap m = { 0 };
	for (unsigned long i = 0; i < HK_IDMAP_MAX_RANGES; i++) {
		hk_idmap_add(&m, 'u', i * 10, 100000 + i * 10, 10);
		hk_idmap_add(&m, 'g', i * 10, 100000 + i * 10, 10);
	}
	assert_int_equal(hk_idmap_validate(&m, NULL), 0);
	hk_idmap_add(&m, 'g', 1000000, 1000000, 1);
	expect_invalid(&m, "341 g ranges", "at most 340", NULL);
	hk_idmap_free(&m);
}

static void test_validate_needs_both_kinds(void **state)
{
	(void)state;
	struct hk_idmap m = { 0 };
	parse(&m, "u 0 100000 65536");
	expect_invalid(&m, "has u ranges but no g ranges", "needs both", "g 0 100000 65536");
	hk_idmap_free(&m);
	parse(&m, "g 0 100000 65536");
	expect_invalid(&m, "has g ranges but no u ranges", "needs both", NULL);
	hk_idmap_free(&m);
}

static void test_lookups(void **state)
{
	(void)state;
	struct hk_idmap m = { 0 };
	parse(&m, "u 0 100000 65536");
	parse(&m, "u 65536 1000 1");
	parse(&m, "g 0 200000 10");
	unsigned long id = 7;
	assert_true(hk_idmap_to_host(&m, 'u', 0, &id));
	assert_int_equal(id, 100000);
	assert_true(hk_idmap_to_host(&m, 'u', 65535, &id));
	assert_int_equal(id, 165535);
	assert_true(hk_idmap_to_host(&m, 'u', 65536, &id));
	assert_int_equal(id, 1000);
	id = 7;
	assert_false(hk_idmap_to_host(&m, 'u', 65537, &id));
	assert_int_equal(id, 7); /* untouched when unmapped */
	assert_false(hk_idmap_to_host(&m, 'g', 10, &id));
	assert_true(hk_idmap_to_host(&m, 'g', 9, NULL));
	assert_true(hk_idmap_to_ns(&m, 'u', 165535, &id));
	assert_int_equal(id, 65535);
	assert_true(hk_idmap_to_ns(&m, 'u', 1000, &id));
	assert_int_equal(id, 65536);
	assert_false(hk_idmap_to_ns(&m, 'u', 99999, &id));
	assert_false(hk_idmap_to_ns(&m, 'u', 165536, &id));
	assert_false(hk_idmap_to_ns(&m, 'g', 100000, &id));
	assert_true(hk_idmap_to_ns(&m, 'g', 200000, &id));
	assert_int_equal(id, 0);
	assert_false(hk_idmap_to_host(&m, 'x', 0, &id));
	hk_idmap_free(&m);
}

static void test_compose_guide(void **state)
{
	(void)state;
	struct hk_idmap parent, child = { 0 }, out = { 0 };
	guide_parent(&parent);
	parse(&child, "b 0 65536 65536");
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_idmap_compose(&child, &parent, &out, &err), 0);
	assert_null(err);
	assert_int_equal(out.n, 2);
	assert_range(&out.r[0], 'u', 0, 231072, 65536);
	assert_range(&out.r[1], 'g', 0, 231072, 65536);
	unsigned long id;
	assert_true(hk_idmap_to_host(&out, 'u', 0, &id));
	assert_int_equal(id, 231072);
	assert_true(hk_idmap_to_host(&out, 'u', 65535, &id));
	assert_int_equal(id, 296607);
	assert_false(hk_idmap_to_host(&out, 'u', 65536, &id));
	assert_int_equal(hk_idmap_validate(&out, NULL), 0);
	hk_autofree char *s = hk_idmap_format_range(&out.r[0]);
	assert_string_equal(s, "u 0 231072 65536");
	hk_idmap_free(&parent);
	hk_idmap_free(&child);
	hk_idmap_free(&out);
}

static void test_compose_outside_parent(void **state)
{
	(void)state;
	struct hk_idmap parent, child = { 0 }, out = { 0 };
	guide_parent(&parent);
	parse(&child, "b 0 100000 65536");
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_idmap_compose(&child, &parent, &out, &err), -1);
	assert_non_null(err);
	assert_has(err->msg, "child range \"u 0 100000 65536\" is not inside the parent's map",
		   "(u 0 165536 131072 covers parent ids 0-131071 only)",
		   "parent uids 131072-165535 are not mapped", NULL);
	assert_int_equal(out.n, 0); /* untouched on failure */
	assert_null(out.r);
	hk_idmap_free(&parent);
	hk_idmap_free(&child);
}

static void test_compose_splits(void **state)
{
	(void)state;
	struct hk_idmap parent = { 0 }, child = { 0 }, out = { 0 };
	/* Parent ranges given out of order, with the child spanning three. */
	parse(&parent, "b 100 500000 50");
	parse(&parent, "b 0 100000 100");
	parse(&parent, "b 150 900000 1000");
	parse(&child, "u 0 50 200");
	parse(&child, "g 10 120 5");
	assert_int_equal(hk_idmap_compose(&child, &parent, &out, NULL), 0);
	assert_int_equal(out.n, 4);
	assert_range(&out.r[0], 'u', 0, 100050, 50);
	assert_range(&out.r[1], 'u', 50, 500000, 50);
	assert_range(&out.r[2], 'u', 100, 900000, 100);
	assert_range(&out.r[3], 'g', 10, 500020, 5);
	for (unsigned long ns = 0; ns < 200; ns++) {
		unsigned long mid, a, b;
		assert_true(hk_idmap_to_host(&child, 'u', ns, &mid));
		assert_true(hk_idmap_to_host(&parent, 'u', mid, &a));
		assert_true(hk_idmap_to_host(&out, 'u', ns, &b));
		assert_int_equal(a, b);
	}
	hk_idmap_free(&out);
	/* A child range ending one short of a parent range's end. */
	struct hk_idmap short_child = { 0 };
	parse(&short_child, "b 7 0 99");
	assert_int_equal(hk_idmap_compose(&short_child, &parent, &out, NULL), 0);
	assert_int_equal(out.n, 2);
	assert_range(&out.r[0], 'u', 7, 100000, 99);
	assert_range(&out.r[1], 'g', 7, 100000, 99);
	hk_idmap_free(&out);
	hk_idmap_free(&short_child);
	/* A hole in the middle of the parent's map is named. */
	parent.r[0].count = 40; /* u 100 500000 40: parent uids 140-149 unmapped */
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_idmap_compose(&child, &parent, &out, &err), -1);
	assert_has(err->msg, "\"u 0 50 200\"", "parent uids 140-149 are not mapped",
		   "u 100 500000 40, u 0 100000 100, u 150 900000 1000 cover parent ids 100-139, "
		   "0-99, "
		   "150-1149 only",
		   NULL);
	hk_idmap_free(&parent);
	hk_idmap_free(&child);
}

static void test_compose_missing_kind_and_empty_parent(void **state)
{
	(void)state;
	struct hk_idmap parent = { 0 }, child = { 0 }, out = { 0 };
	parse(&child, "b 0 65536 65536");
	/* A parent without a map is the host: ids pass through. */
	assert_int_equal(hk_idmap_compose(&child, &parent, &out, NULL), 0);
	assert_int_equal(out.n, 2);
	assert_ranges_equal(out.r, child.r, 2);
	hk_idmap_free(&out);
	parse(&parent, "u 0 165536 131072");
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_idmap_compose(&child, &parent, &out, &err), -1);
	assert_has(err->msg, "\"g 0 65536 65536\"", "(the parent maps no gids)", NULL);
	/* Composing in place replaces the child. */
	parse(&parent, "g 0 165536 131072");
	assert_int_equal(hk_idmap_compose(&child, &parent, &child, NULL), 0);
	assert_int_equal(child.n, 2);
	assert_range(&child.r[1], 'g', 0, 231072, 65536);
	hk_idmap_free(&parent);
	hk_idmap_free(&child);
}

static void test_compose_lists_many_parent_ranges(void **state)
{
	(void)state;
	struct hk_idmap parent = { 0 }, child = { 0 }, out = { 0 };
	for (unsigned long i = 0; i < 20; i++)
		hk_idmap_add(&parent, 'u', i * 10, 100000 + i * 10, 5);
	parse(&child, "u 0 0 10");
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_idmap_compose(&child, &parent, &out, &err), -1);
	assert_has(err->msg, "parent uids 5-9 are not mapped", "u 70 100070 5, ...", "70-74, ...",
		   NULL);
	assert_null(strstr(err->msg, "u 80 100080 5"));
	hk_idmap_free(&parent);
	hk_idmap_free(&child);
}

static void test_invert(void **state)
{
	(void)state;
	struct hk_idmap parent, child = { 0 }, host = { 0 }, inv = { 0 }, back = { 0 };
	guide_parent(&parent);
	parse(&child, "b 0 65536 65536");
	assert_int_equal(hk_idmap_compose(&child, &parent, &host, NULL), 0);
	hk_idmap_invert(&host, &inv);
	assert_int_equal(inv.n, 2);
	assert_range(&inv.r[0], 'u', 231072, 0, 65536);
	unsigned long id;
	assert_true(hk_idmap_to_host(&inv, 'u', 231072, &id));
	assert_int_equal(id, 0);
	assert_true(hk_idmap_to_host(&inv, 'g', 296607, &id));
	assert_int_equal(id, 65535);
	assert_true(hk_idmap_to_ns(&inv, 'u', 65535, &id));
	assert_int_equal(id, 296607);
	assert_false(hk_idmap_to_host(&inv, 'u', 231071, &id));
	hk_idmap_invert(&inv, &back);
	assert_ranges_equal(back.r, host.r, host.n);
	hk_idmap_invert(&back, &back); /* in place */
	assert_ranges_equal(back.r, inv.r, inv.n);
	struct hk_idmap empty = { 0 };
	hk_idmap_invert(&empty, &empty);
	assert_int_equal(empty.n, 0);
	hk_idmap_free(&parent);
	hk_idmap_free(&child);
	hk_idmap_free(&host);
	hk_idmap_free(&inv);
	hk_idmap_free(&back);
}

static void test_format(void **state)
{
	(void)state;
	struct hk_idmap m = { 0 };
	hk_autofree char *none = hk_idmap_format_proc(&m, 'u');
	assert_string_equal(none, "");
	parse(&m, "u 0 100000 65536");
	parse(&m, "g 0 100000 65536");
	parse(&m, "u 65536 1000 1");
	hk_autofree char *u = hk_idmap_format_proc(&m, 'u');
	hk_autofree char *g = hk_idmap_format_proc(&m, 'g');
	assert_string_equal(u, "0 100000 65536\n65536 1000 1\n");
	assert_string_equal(g, "0 100000 65536\n");
	hk_autofree char *r = hk_idmap_format_range(&m.r[2]);
	assert_string_equal(r, "u 65536 1000 1");
	/* format_range output parses back to the same range. */
	struct hk_idmap again = { 0 };
	parse(&again, r);
	assert_ranges_equal(again.r, &m.r[2], 1);
	hk_idmap_free(&again);
	hk_idmap_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_kinds),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_error_quotes_line_without_newline),
		cmocka_unit_test(test_add_copy_has_kind),
		cmocka_unit_test(test_validate_ok),
		cmocka_unit_test(test_validate_range_errors),
		cmocka_unit_test(test_validate_overlaps),
		cmocka_unit_test(test_validate_too_many),
		cmocka_unit_test(test_validate_needs_both_kinds),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_compose_guide),
		cmocka_unit_test(test_compose_outside_parent),
		cmocka_unit_test(test_compose_splits),
		cmocka_unit_test(test_compose_missing_kind_and_empty_parent),
		cmocka_unit_test(test_compose_lists_many_parent_ranges),
		cmocka_unit_test(test_invert),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
