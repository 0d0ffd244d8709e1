/* test_name.c - container name validation: every accepted shape and every
 * class of refusal, with messages that show bad bytes escaped, never raw. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "store-internal.h"

/* Validates name, expects failure and every fragment in the message. */
static void expect_bad(const char *name, ...)
{
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_name_validate(name, &err), -1);
	assert_non_null(err);
	assert_int_equal(err->code, EINVAL);
	va_list ap;
	va_start(ap, name);
	assert_has_v(err->msg, ap);
	va_end(ap);
	for (const char *p = err->msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			fail_msg("raw control byte in \"%s\"", err->msg);
}

static void test_good(void **state)
{
	(void)state;
	const char *good[] = { "a",    "c1", "A_b.c-d", "_x", "0", "9lives", "web.example.org",
			       "a..b", "x-", "y." };
	for (size_t i = 0; i < HK_ARRAY_SIZE(good); i++) {
		hk_autoerr struct hk_error *err = NULL;
		if (hk_name_validate(good[i], &err) != 0)
			fail_msg("\"%s\" refused: %s", good[i], err->msg);
		assert_null(err);
	}
	char max[HK_NAME_MAX + 1];
	memset(max, 'n', HK_NAME_MAX);
	max[HK_NAME_MAX] = '\0';
	assert_int_equal(hk_name_validate(max, NULL), 0);
}

static void test_empty(void **state)
{
	(void)state;
	expect_bad("", "empty", "letters, digits", NULL);
	expect_bad(NULL, "empty", NULL);
}

static void test_too_long(void **state)
{
	(void)state;
	char name[200];
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	expect_bad(name, "too long", "199 bytes", "the limit is 63", "...", NULL);
	name[HK_NAME_MAX + 1] = '\0';
	expect_bad(name, "64 bytes", NULL);
	/* Control bytes in an over-long name are still escaped. */
	name[3] = '\n';
	expect_bad(name, "xxx\\x0axx", NULL);
}

static void test_bad_chars(void **state)
{
	(void)state;
	expect_bad("a/b",
		   "container name \"a/b\" contains '/'; names may use letters, digits, '_', "
		   "'.' and '-'",
		   NULL);
	expect_bad("a b", "contains ' '", NULL);
	expect_bad("a\x01"
		   "b",
		   "\"a\\x01b\"", "contains '\\x01'", NULL);
	expect_bad("tab\there", "'\\x09'", NULL);
	expect_bad("del\x7f", "'\\x7f'", NULL);
	expect_bad("caf\xc3\xa9", "\"caf\\xc3\\xa9\"", "contains '\\xc3'", NULL);
	expect_bad("q\"uote", "\"q\\\"uote\"", NULL);
	expect_bad("back\\slash", "contains '\\\\'", NULL);
	expect_bad("a:b", "contains ':'", NULL);
	expect_bad("a*", "contains '*'", NULL);
}

static void test_leading(void **state)
{
	(void)state;
	expect_bad(".", "starts with '.'", NULL);
	expect_bad("..", "starts with '.'", NULL);
	expect_bad(".hidden", "\".hidden\" starts with '.'", "letter, a digit or '_'", NULL);
	expect_bad("-rf", "starts with '-'", NULL);
}

static void test_escape(void **state)
{
	(void)state;
	hk_autofree char *a = hk_str_escape("ok\x1b[2J", 100);
	assert_string_equal(a, "ok\\x1b[2J");
	hk_autofree char *b = hk_str_escape("abcdef", 3);
	assert_string_equal(b, "abc...");
	hk_autofree char *c = hk_str_escape("", 3);
	assert_string_equal(c, "");
	hk_autofree char *d = hk_str_escape("abc", 3);
	assert_string_equal(d, "abc");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),	 cmocka_unit_test(test_empty),
		cmocka_unit_test(test_too_long), cmocka_unit_test(test_bad_chars),
		cmocka_unit_test(test_leading),	 cmocka_unit_test(test_escape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
