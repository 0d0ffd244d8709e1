/* test_sanitize.c - the terminal and JSON renderings of untrusted text:
 * every class of byte the header promises to escape, valid UTF-8 kept,
 * the UTF-8 decoder's refusals, and the width count the tables use; the
 * console filter: what it keeps, what it removes, sequences split at
 * every byte, C1 controls in both forms, and on random streams that what
 * it lets out would pass it again untouched. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "sanitize.h"
#include "util.h"

static void assert_line(const char *in, size_t n, const char *want)
{
	hk_autofree char *got = hk_sanitize_line_n(in, n);
	assert_string_equal(got, want);
}

static void assert_json_buf(const char *in, size_t n, const char *want)
{
	struct hk_buf b = { 0 };
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
		{ "a\x1b"
		  "7b",
		  "ab" },
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

/* ---- the console filter ---- */

static char *filter_chunks(const char *in, size_t n, size_t chunk, unsigned long *removed)
{
	struct hk_term_filter f;
	struct hk_buf out = { 0 };
	hk_term_filter_init(&f);
	for (size_t i = 0; i < n; i += chunk)
		hk_term_filter_feed(&f, in + i, n - i < chunk ? n - i : chunk, &out);
	if (removed)
		*removed = f.removed;
	hk_buf_append(&out, "", 0); /* a NUL even when nothing came out */
	return hk_buf_steal(&out);
}

/* in[0..n) whole, one byte at a time, and cut in two at every point:
 * each gives want. */
static void assert_filter(const char *in, size_t n, const char *want)
{
	hk_autofree char *whole = filter_chunks(in, n, n ? n : 1, NULL);
	assert_string_equal(whole, want);
	hk_autofree char *bytes = filter_chunks(in, n, 1, NULL);
	assert_string_equal(bytes, want);
	for (size_t cut = 1; cut < n; cut++) {
		struct hk_term_filter f;
		struct hk_buf out = { 0 };
		hk_term_filter_init(&f);
		hk_term_filter_feed(&f, in, cut, &out);
		hk_term_filter_feed(&f, in + cut, n - cut, &out);
		hk_buf_append(&out, "", 0);
		hk_autofree char *got = hk_buf_steal(&out);
		assert_string_equal(got, want);
	}
}

#define FILTER(s, want) assert_filter(s, sizeof(s) - 1, want)
#define KEPT(s)		FILTER(s, s)

static void test_filter_keeps(void **state)
{
	(void)state;
	KEPT("plain text\r\n\tand a tab\a\b");
	KEPT("caf\xc3\xa9 \xc2\xa9 \xe6\x97\xa5 \xf0\x9f\x90\xb3 \xed\x9b\x80"); /* 0x9b inside a
										    character */
	KEPT("\x1b[0;1;31mred\x1b[0m \x1b[38;5;208m\x1b[48;2;1;2;3m\x1b[38:2::1:2:3m");
	KEPT("\x1b[H\x1b[2J\x1b[3J\x1b[10;20H\x1b[5A\x1b[K\x1b[1;24r\x1b[?25l\x1b[?25h");
	KEPT("\x1b[?1049h\x1b[?1000h\x1b[?1006h\x1b[?2004h\x1b[?1h\x1b=\x1b>\x1b[4l");
	KEPT("\x1b(0lqk\x1b(B\x1b)0\x0e\x0f\x1b"
	     "7\x1b"
	     "8\x1b"
	     "D\x1b"
	     "E\x1b"
	     "M\x1b"
	     "c\x1b#8");
	KEPT("\x1b[2 q\x1b[>4;1m\x1b[>1u\x1b[<u\x1b[!p\x1b[5S\x1b[?5W\x7f");
}

static void test_filter_removes(void **state)
{
	(void)state;
	FILTER("a\x1b]52;c;aGtwd25lZA==\x07"
	       "b",
	       "ab");
	FILTER("a\x1b]52;c;aGtwd25lZA==\x1b\\b", "ab");
	FILTER("a\x1b]0;title\x07\x1b]2;t\x1b\\\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\b",
	       "alinkb");
	FILTER("a\x1b]4;1;?\x07\x1b]10;?\x07\x1b]11;rgb:0/0/0\x07\x1b]50;?\x07"
	       "b",
	       "ab");
	FILTER("a\x1bP$qm\x1b\\\x1bP+q544e\x1b\\\x1bP1;1|17/ab\x1b\\\x1bPq#0;2;0;0;0~\x1b\\b",
	       "ab");
	FILTER("a\x1b_Gf=100;AAAA\x1b\\\x1b^pm\x1b\\\x1bXsos\x1b\\b", "ab");
	FILTER("a\x1b[21t\x1b[20t\x1b[14t\x1b[18t\x1b[3;1;1t\x1b[8;100;100t\x1b[>3tb", "ab");
	FILTER("a\x1b[c\x1b[0c\x1b[>c\x1b[=c\x1b[5n\x1b[6n\x1b[?6n\x1b[?996nb", "ab");
	FILTER("a\x1b[?2026$p\x1b[4$p\x1b[x\x1b[1$w\x1b[1$u\x1b[1&u\x1b[?ub", "ab");
	FILTER("a\x1b[1;1;1;1;1*y\x1b[\"v\x1b[1'|\x1b[#|\x1b[>q\x1b[?4m\x1b[?1;1Sb", "ab");
	FILTER("a\x1b[0i\x1b[5i\x1b[?5i\x1b[61\"p\x1b"
	       "Z\x1b%@\x1b%G\x1b G\x1b Fb",
	       "ab");
	FILTER("a\x05"
	       "b\x1b\\c",
	       "abc");			       /* ENQ; a stray ST */
	FILTER("a\x1b[1;2?m\x1b[?1?hb", "ab"); /* malformed CSI: a terminal ignores them too */
}

/* C1 controls: raw (outside UTF-8) and encoded (U+0080..U+009F) are
 * their ESC forms, kept in the 7-bit form when allowed. */
static void test_filter_c1(void **state)
{
	(void)state;
	FILTER("a\x9b"
	       "6n\x9d"
	       "52;c;QQ==\x07\x90$qm\x9c\xc2\x9b"
	       "c\xc2\x9d"
	       "0;t\xc2\x9c"
	       "b",
	       "ab");
	FILTER("\xc2\x9b"
	       "31mx\x9b"
	       "0m",
	       "\x1b[31mx\x1b[0m");
	FILTER("\xc2\x84\x85", "\x1b"
			       "D\x1b"
			       "E");
	FILTER("\xc2\x41\xc2", "\xc2"
			       "A"); /* a broken character; a 0xc2 held at the end */
	FILTER("\xe0\x9d"
	       "52;c;QQ==\x07"
	       "b",
	       "\xe0"
	       "b"); /* not a continuation of 0xe0: an OSC */
}

static void test_filter_state(void **state)
{
	(void)state;
	FILTER("\x1b[1\x1b]52;c;x\x07z", "z"); /* ESC gives up a CSI */
	FILTER("\x1b[1\n;2H", "\n\x1b[1;2H");  /* C0 inside a CSI acts at once */
	FILTER("\x1b[1\x05;2H", "\x1b[1;2H");  /* ... but ENQ never */
	FILTER("\x1b[1\x18"
	       "a\x1b]0;t\x1a"
	       "b",
	       "ab"); /* CAN and SUB give up */
	FILTER("\x1b]0;a\x1b\x1b]52;c;x\x07"
	       "b",
	       "b");				  /* ESC ends a string, starts another */
	FILTER("\x1b]0;a\x1b[31mb", "\x1b[31mb"); /* ... or a CSI */
	FILTER("\x1b[\xc3\xa9m\x1b]0;\xc3\xa9\x07"
	       "b",
	       "\xc3\xa9mb"); /* non-ASCII breaks a CSI */
	FILTER("\x1b]0;\xe2\x9c\x9c\x07"
	       "b",
	       "b"); /* 0x9c inside a character is not ST */
	char lng[200] = "\x1b[";
	for (size_t i = 2; i < 150; i++)
		lng[i] = i % 2 ? ';' : '1';
	strcpy(lng + 150, "mok");
	assert_filter(lng, strlen(lng), "ok"); /* past HK_TERM_FILTER_HOLD: removed whole */
	unsigned long removed = 0;
	static const char three[] = "\x1b[6n\x05\x1b]0;t\x07\x1b[1m";
	hk_autofree char *out = filter_chunks(three, sizeof(three) - 1, 3, &removed);
	assert_string_equal(out, "\x1b[1m");
	assert_int_equal(removed, 3);
}

/* Random streams weighted towards the bytes that matter: whatever comes
 * out passes the filter again unchanged, with nothing removed, and never
 * holds a string introducer, ENQ or a report request. */
static void test_filter_random(void **state)
{
	(void)state;
	static const unsigned char alphabet[] =
		"\x1b\x1b\x1b[]P_^X\\;?>$\"*'#&0156cnptuxyq|mHh\x07\x05\x18"
		"\x9b\x9c\x9d\x90\xc2\xc3\xe2\xa9"
		"a ";
	unsigned seed = 12345;
	for (int round = 0; round < 3000; round++) {
		unsigned char in[96];
		size_t n = 1 + (size_t)(rand_r(&seed) % sizeof(in));
		for (size_t i = 0; i < n; i++)
			in[i] = alphabet[(size_t)rand_r(&seed) % (sizeof(alphabet) - 1)];
		size_t chunk = 1 + (size_t)(rand_r(&seed) % 8);
		hk_autofree char *once = filter_chunks((const char *)in, n, chunk, NULL);
		/* A newline after it: a 0xc2 at the very end is held back. */
		hk_autofree char *again = xasprintf("%s\n", once);
		unsigned long removed = 0;
		hk_autofree char *twice = filter_chunks(again, strlen(again), 1, &removed);
		assert_string_equal(twice, again);
		assert_int_equal(removed, 0);
		for (const char *e = strchr(once, '\x1b'); e; e = strchr(e + 1, '\x1b'))
			assert_null(strchr("]P_^X\\", e[1] ? e[1] : 'z'));
		assert_null(strchr(once, '\x05'));
		assert_null(strstr(once, "\x1b[c"));
		assert_null(strstr(once, "\x1b[6n"));
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
		cmocka_unit_test(test_filter_keeps),
		cmocka_unit_test(test_filter_removes),
		cmocka_unit_test(test_filter_c1),
		cmocka_unit_test(test_filter_state),
		cmocka_unit_test(test_filter_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
