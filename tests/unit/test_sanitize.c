/* test_sanitize.c - the terminal and JSON renderings of untrusted text:
 * every class of byte the header promises to escape, valid UTF-8 kept,
 * the UTF-8 decoder's refusals, and the width count the tables use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sanitize.h"
#include "util.h"

static void assert_line(const char *in, size_t n, const char *want)
{
	hk_autofree char *got = hk_sanitize_line_n(in, n);
	assert_string_equal(got, want);
}

static void assert_json_buf(const char *in, size_t n, const char *want)
{
	struct hk_buf b = {0};
	hk_sanitize_json_buf(&b, in, n);
	hk_autofree char *got = hk_buf_steal(&b);
	assert_string_equal(got, want);
}

#define LINE(s, want) assert_line(s, sizeof(s) - 1, want)
#define JSON(s, want) assert_json_buf(s, sizeof(s) - 1, want)

static void test_line_plain_kept(void **state)
{
	(void)state;
	LINE("", "");
	LINE("web-01.example", "web-01.example");
	LINE("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x90\xb3",
	     "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x90\xb3");
	LINE("a b~", "a b~");
	hk_autofree char *null = hk_sanitize_line(NULL);
	assert_string_equal(null, "");
	hk_autofree char *whole = hk_sanitize_line("x\ty");
	assert_string_equal(whole, "x\\x09y");
}

static void test_line_c0_del_escaped(void **state)
{
	(void)state;
	LINE("\x1b[2J", "\\x1b[2J");
	LINE("\x1b]52;c;aGVsbG8=\x07", "\\x1b]52;c;aGVsbG8=\\x07");
	LINE("a\nb\rc\td", "a\\x0ab\\x0dc\\x09d");
	LINE("\x7f", "\\x7f");
	LINE("\x01\x1f", "\\x01\\x1f");
	LINE("nul\0byte", "nul\\x00byte");
	LINE("back\\slash", "back\\\\slash");
}

static void test_line_c1_and_invalid(void **state)
{
	(void)state;
	/* C1 as UTF-8 code points (CSI U+009B, OSC U+009D) and as raw bytes. */
	LINE("\xc2\x9b"
	     "2J",
	     "\\u009b2J");
	LINE("\xc2\x9d"
	     "0;x",
	     "\\u009d0;x");
	LINE("\x9b"
	     "2J",
	     "\\x9b2J");
	LINE("\xc2\x80\xc2\x9f\xc2\xa0", "\\u0080\\u009f\xc2\xa0");
	/* Stray continuation, truncated, overlong, surrogate, past U+10FFFF, 0xff. */
	LINE("\x80", "\\x80");
	LINE("\xe6\x97", "\\xe6\\x97");
	LINE("\xc0\xaf", "\\xc0\\xaf");
	LINE("\xed\xa0\x80", "\\xed\\xa0\\x80");
	LINE("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
	LINE("\xff\xfe", "\\xff\\xfe");
	/* A bad lead byte does not swallow the valid text after it. */
	LINE("\xe6"
	     "ab",
	     "\\xe6ab");
	/* Bidi overrides and line separators. */
	LINE("a\xe2\x80\xae"
	     "b",
	     "a\\u202eb");
	LINE("\xe2\x80\xa8\xe2\x81\xa6", "\\u2028\\u2066");
}

static void test_json(void **state)
{
	(void)state;
	JSON("plain", "plain");
	JSON("q\"b\\", "q\\\"b\\\\");
	JSON("\x1b]52;c;x\x07", "\\u001b]52;c;x\\u0007");
	JSON("\n\x7f", "\\u000a\\u007f");
	JSON("\xc2\x9b", "\\u009b");
	JSON("\xff"
	     "a",
	     "\\ufffda");
	JSON("\xe2\x80\xae", "\\u202e");
	JSON("caf\xc3\xa9", "caf\xc3\xa9");
	hk_autofree char *q = hk_sanitize_json("a\"b");
	assert_string_equal(q, "\"a\\\"b\"");
	hk_autofree char *n = hk_sanitize_json(NULL);
	assert_string_equal(n, "null");
	hk_autofree char *e = hk_sanitize_json("");
	assert_string_equal(e, "\"\"");
}

static void test_utf8_decode(void **state)
{
	(void)state;
	unsigned cp = 0;
	assert_int_equal(hk_utf8_decode((const unsigned char *)"A", 1, &cp), 1);
	assert_int_equal(cp, 'A');
	assert_int_equal(hk_utf8_decode((const unsigned char *)"\xc3\xa9", 2, &cp), 2);
	assert_int_equal(cp, 0xe9);
	assert_int_equal(hk_utf8_decode((const unsigned char *)"\xf0\x9f\x90\xb3", 4, &cp), 4);
	assert_int_equal(cp, 0x1f433);
	assert_int_equal(hk_utf8_decode((const unsigned char *)"\xf4\x8f\xbf\xbf", 4, &cp), 4);
	assert_int_equal(cp, 0x10ffff);
	assert_int_equal(hk_utf8_decode((const unsigned char *)"\xc3\xa9", 1, &cp), 0);
	assert_int_equal(hk_utf8_decode((const unsigned char *)"\xe0\x80\x80", 3, &cp), 0);
	assert_int_equal(hk_utf8_decode((const unsigned char *)"\xf8\x88\x80\x80", 4, &cp), 0);
	assert_int_equal(hk_utf8_decode((const unsigned char *)"", 0, &cp), 0);
}

static void test_width(void **state)
{
	(void)state;
	assert_int_equal(hk_utf8_width(""), 0);
	assert_int_equal(hk_utf8_width("abc"), 3);
	assert_int_equal(hk_utf8_width("caf\xc3\xa9"), 4);
	assert_int_equal(hk_utf8_width("\xf0\x9f\x90\xb3!"), 2);
}

/* A console line's colours are dropped; an incomplete or odd escape is
 * still shown escaped, never passed through. */
static void test_line_plain_drops_ansi(void **state)
{
	(void)state;
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "\x1b[0;1;31mFailed\x1b[0m", "Failed" },
		{ "[\x1b[0;32m  OK  \x1b[0m] Started", "[  OK  ] Started" },
		{ "\x1b]0;title\a text", " text" },
		{ "\x1b]52;c;AAAA\x1b\\x", "x" },
		{ "a\x1b" "7b", "ab" },
		{ "cut \x1b[0;1", "cut \\x1b[0;1" },
		{ "bad \x1b[1\x01m", "bad \\x1b[1\\x01m" },
		{ "\x1b", "\\x1b" },
		{ "", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = hk_sanitize_line_plain_n(cases[i].in, strlen(cases[i].in));
		assert_string_equal(got, cases[i].want);
		free(got);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_plain_kept),
		cmocka_unit_test(test_line_c0_del_escaped),
		cmocka_unit_test(test_line_c1_and_invalid),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_utf8_decode),
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_line_plain_drops_ansi),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
