/* test_json.c - the strict JSON reader (core/json.h): every value type,
 * escapes and surrogates to UTF-8, and the refusals that matter for input
 * from another host: bad UTF-8, control bytes, \u0000, lone surrogates,
 * leading zeros, trailing commas or text, duplicate keys, nesting past
 * the depth limit (no stack blow-up on 100000 '['), too many values. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "json.h"
#include "util.h"

static struct hk_json *ok(const char *text)
{
	struct hk_json *v = NULL;
	hk_autoerr struct hk_error *err = NULL;
	if (hk_json_parse(text, strlen(text), &v, &err) < 0)
		fail_msg("\"%s\" refused: %s", text, err->msg);
	return v;
}

static void refused(const char *text, size_t len, const char *why)
{
	struct hk_json *v = NULL;
	hk_autoerr struct hk_error *err = NULL;
	if (hk_json_parse(text, len, &v, &err) == 0)
		fail_msg("\"%.60s\" accepted", text);
	assert_null(v);
	assert_has(err->msg, "JSON: ", why, "at byte", NULL);
}

static void test_values(void **state)
{
	(void)state;
	hk_autojson struct hk_json *v =
		ok(" {\"a\": [1, -2.5e3, 0, true, false, null, \"x\"], \"b\": {}, \"c\": []} ");
	assert_int_equal(v->type, HK_JSON_OBJECT);
	const struct hk_json *a = hk_json_get(v, "a");
	assert_int_equal(a->type, HK_JSON_ARRAY);
	assert_int_equal(a->n, 7);
	long long n;
	assert_true(hk_json_int(&a->items[0], 0, 10, &n) && n == 1);
	assert_true(hk_json_int(&a->items[1], -3000, 0, &n) && n == -2500);
	assert_false(hk_json_int(&a->items[0], 2, 10, &n));
	assert_true(a->items[3].boolean);
	assert_int_equal(a->items[5].type, HK_JSON_NULL);
	assert_string_equal(hk_json_string(&a->items[6]), "x");
	assert_null(hk_json_string(&a->items[0]));
	assert_null(hk_json_get(v, "missing"));
	assert_null(hk_json_get(a, "a"));
	assert_int_equal(hk_json_get(v, "b")->n, 0);
}

static void test_strings(void **state)
{
	(void)state;
	hk_autojson struct hk_json *v =
		ok("\"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u20ac\\ud83d\\ude00 \xc3\xa9\"");
	assert_string_equal(v->string,
			    "a\"\\/\b\f\n\r\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 \xc3\xa9");
}

static void test_refusals(void **state)
{
	(void)state;
	static const struct {
		const char *text, *why;
	} cases[] = {
		{ "", "ends where a value" },
		{ "[1,]", "unexpected character" },
		{ "{\"a\":1,}", "not a string" },
		{ "[1] x", "more text" },
		{ "01", "more text" },
		{ "-", "without digits" },
		{ "1.", "after '.'" },
		{ "1e", "exponent" },
		{ "NaN", "unexpected character" },
		{ "\"a\x01\"", "control byte" },
		{ "\"\\u0000\"", "\\u0000" },
		{ "\"\\ud800\"", "surrogate" },
		{ "\"\\udc00\"", "lone low surrogate" },
		{ "\"\\x\"", "unknown escape" },
		{ "\"\\u12zz\"", "non-hex" },
		{ "\"\\u12", "cut short" },
		{ "\"\xc0\xaf\"", "not UTF-8" },
		{ "\"\xed\xa0\x80\"", "invalid UTF-8" },
		{ "\"\xe2\x82\"", "not UTF-8" },
		{ "\"abc", "closing quote" },
		{ "{\"a\":1,\"a\":2}", "twice" },
		{ "{\"a\" 1}", "':'" },
		{ "[1 2]", "no ',' or ']'" },
		{ "tru", "unexpected" },
		{ "1e999", "out of range" },
	};
	for (size_t i = 0; i < HK_ARRAY_SIZE(cases); i++)
		refused(cases[i].text, strlen(cases[i].text), cases[i].why);
	refused("[1]\0", 4, "more text"); /* a NUL is never white space */
}

static void test_limits(void **state)
{
	(void)state;
	size_t n = 100000;
	char *deep = xmalloc(n + 1);
	memset(deep, '[', n);
	deep[n] = 0;
	refused(deep, n, "deeper than 16");
	free(deep);
	/* 15 levels are fine */
	hk_autojson struct hk_json *v = ok("[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]");
	assert_int_equal(v->type, HK_JSON_ARRAY);
	/* too many values */
	struct hk_buf b = { 0 };
	hk_buf_puts(&b, "[");
	for (size_t i = 0; i < HK_JSON_MAX_NODES; i++)
		hk_buf_puts(&b, i ? ",0" : "0");
	hk_buf_puts(&b, "]");
	refused(b.data, b.len, "more than 200000 values");
	hk_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
