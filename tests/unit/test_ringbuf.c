/* test_ringbuf.c - the console ring: order after wrapping, overwrite of the
 * oldest bytes, stream offsets and lost-byte accounting for viewers. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "ringbuf.h"
#include "util.h"

/* The whole content as a NUL-terminated string (test data is text). */
static char *content(const struct hk_ringbuf *rb)
{
	struct hk_buf b = { 0 };
	hk_ringbuf_read_all(rb, &b);
	hk_buf_append(&b, "", 0);
	return hk_buf_steal(&b);
}

static void test_default_capacity(void **state)
{
	(void)state;
	hk_autoringbuf struct hk_ringbuf *rb = hk_ringbuf_new(0);
	assert_int_equal(hk_ringbuf_capacity(rb), 128 * 1024);
	assert_int_equal(hk_ringbuf_size(rb), 0);
	assert_int_equal(hk_ringbuf_total(rb), 0);
	hk_autofree char *c = content(rb);
	assert_string_equal(c, "");
}

static void test_append_in_order(void **state)
{
	(void)state;
	hk_autoringbuf struct hk_ringbuf *rb = hk_ringbuf_new(8);
	hk_ringbuf_append(rb, "abc", 3);
	hk_ringbuf_append(rb, "de", 2);
	hk_autofree char *c = content(rb);
	assert_string_equal(c, "abcde");
	assert_int_equal(hk_ringbuf_size(rb), 5);
	assert_int_equal(hk_ringbuf_oldest(rb), 0);
}

static void test_overwrite_oldest(void **state)
{
	(void)state;
	hk_autoringbuf struct hk_ringbuf *rb = hk_ringbuf_new(8);
	hk_ringbuf_append(rb, "abcdef", 6);
	hk_ringbuf_append(rb, "ghijk", 5); /* wraps: 3 oldest bytes gone */
	hk_autofree char *c = content(rb);
	assert_string_equal(c, "defghijk");
	assert_int_equal(hk_ringbuf_size(rb), 8);
	assert_int_equal(hk_ringbuf_total(rb), 11);
	assert_int_equal(hk_ringbuf_oldest(rb), 3);
	/* Exactly the capacity, at an odd position. */
	hk_ringbuf_append(rb, "12345678", 8);
	hk_autofree char *c2 = content(rb);
	assert_string_equal(c2, "12345678");
	assert_int_equal(hk_ringbuf_total(rb), 19);
}

static void test_write_larger_than_capacity(void **state)
{
	(void)state;
	hk_autoringbuf struct hk_ringbuf *rb = hk_ringbuf_new(4);
	hk_ringbuf_append(rb, "x", 1);
	hk_ringbuf_append(rb, "0123456789", 10);
	hk_autofree char *c = content(rb);
	assert_string_equal(c, "6789");
	assert_int_equal(hk_ringbuf_total(rb), 11);
	assert_int_equal(hk_ringbuf_oldest(rb), 7);
}

/* Many small writes of a running counter: content is always the last
 * cap bytes of the stream. */
static void test_many_wraps(void **state)
{
	(void)state;
	const size_t cap = 97;
	hk_autoringbuf struct hk_ringbuf *rb = hk_ringbuf_new(cap);
	uint8_t stream[5000];
	for (size_t i = 0; i < sizeof(stream); i++)
		stream[i] = (uint8_t)(i * 7 + 3);
	size_t pos = 0, step = 1;
	while (pos < sizeof(stream)) {
		size_t n = step % 13 + 1;
		if (n > sizeof(stream) - pos)
			n = sizeof(stream) - pos;
		hk_ringbuf_append(rb, stream + pos, n);
		pos += n;
		step++;
		struct hk_buf b = { 0 };
		hk_ringbuf_read_all(rb, &b);
		size_t want = pos < cap ? pos : cap;
		assert_int_equal(b.len, want);
		assert_memory_equal(b.data, stream + pos - want, want);
		hk_buf_free(&b);
	}
}

static void test_read_from(void **state)
{
	(void)state;
	hk_autoringbuf struct hk_ringbuf *rb = hk_ringbuf_new(8);
	hk_ringbuf_append(rb, "abcdefghijkl", 12); /* holds efghijkl, oldest 4 */
	char out[16];
	uint64_t start = 99, lost = 99;
	size_t n = hk_ringbuf_read_from(rb, 6, out, sizeof(out), &start, &lost);
	assert_int_equal(n, 6);
	assert_memory_equal(out, "ghijkl", 6);
	assert_int_equal(start, 6);
	assert_int_equal(lost, 0);
	/* From before what is kept: starts at the oldest, says what was lost. */
	n = hk_ringbuf_read_from(rb, 1, out, sizeof(out), &start, &lost);
	assert_int_equal(n, 8);
	assert_memory_equal(out, "efghijkl", 8);
	assert_int_equal(start, 4);
	assert_int_equal(lost, 3);
	/* max bounds the copy. */
	n = hk_ringbuf_read_from(rb, 4, out, 3, &start, &lost);
	assert_int_equal(n, 3);
	assert_memory_equal(out, "efg", 3);
	/* Caught up, and an offset in the future: nothing, no crash. */
	assert_int_equal(hk_ringbuf_read_from(rb, 12, out, sizeof(out), &start, NULL), 0);
	assert_int_equal(hk_ringbuf_read_from(rb, UINT64_MAX, out, sizeof(out), &start, &lost), 0);
	assert_int_equal(start, 12);
	assert_int_equal(lost, 0);
}

static void test_reader_lost(void **state)
{
	(void)state;
	hk_autoringbuf struct hk_ringbuf *rb = hk_ringbuf_new(8);
	struct hk_ringbuf_reader r;
	hk_ringbuf_reader_init(rb, &r, 1);
	char out[16];
	uint64_t lost = 99;
	hk_ringbuf_append(rb, "abc", 3);
	assert_int_equal(hk_ringbuf_reader_pending(rb, &r), 3);
	assert_int_equal(hk_ringbuf_reader_read(rb, &r, out, 2, &lost), 2);
	assert_memory_equal(out, "ab", 2);
	assert_int_equal(lost, 0);
	assert_int_equal(hk_ringbuf_reader_read(rb, &r, out, sizeof(out), &lost), 1);
	assert_memory_equal(out, "c", 1);
	assert_int_equal(hk_ringbuf_reader_read(rb, &r, out, sizeof(out), &lost), 0);
	/* The reader falls 5 bytes behind what the ring keeps. */
	hk_ringbuf_append(rb, "0123456789abc", 13); /* stream now 16 bytes, oldest 8 */
	assert_int_equal(hk_ringbuf_reader_pending(rb, &r), 8);
	assert_int_equal(hk_ringbuf_reader_read(rb, &r, out, sizeof(out), &lost), 8);
	assert_int_equal(lost, 5);
	assert_memory_equal(out, "56789abc", 8);
	assert_int_equal(r.pos, 16);
	assert_int_equal(hk_ringbuf_reader_pending(rb, &r), 0);
}

static void test_reader_live_only(void **state)
{
	(void)state;
	hk_autoringbuf struct hk_ringbuf *rb = hk_ringbuf_new(8);
	hk_ringbuf_append(rb, "old", 3);
	struct hk_ringbuf_reader replay, live;
	hk_ringbuf_reader_init(rb, &replay, 1);
	hk_ringbuf_reader_init(rb, &live, 0);
	hk_ringbuf_append(rb, "new", 3);
	char out[16];
	uint64_t lost;
	assert_int_equal(hk_ringbuf_reader_read(rb, &live, out, sizeof(out), &lost), 3);
	assert_memory_equal(out, "new", 3);
	assert_int_equal(hk_ringbuf_reader_read(rb, &replay, out, sizeof(out), &lost), 6);
	assert_memory_equal(out, "oldnew", 6);
}

static void test_clear(void **state)
{
	(void)state;
	hk_autoringbuf struct hk_ringbuf *rb = hk_ringbuf_new(8);
	hk_ringbuf_append(rb, "abcdef", 6);
	hk_ringbuf_clear(rb);
	assert_int_equal(hk_ringbuf_size(rb), 0);
	assert_int_equal(hk_ringbuf_total(rb), 6);
	hk_ringbuf_append(rb, "gh", 2);
	hk_autofree char *c = content(rb);
	assert_string_equal(c, "gh");
	uint64_t lost;
	char out[8];
	assert_int_equal(hk_ringbuf_read_from(rb, 0, out, sizeof(out), NULL, &lost), 2);
	assert_int_equal(lost, 6);
	hk_ringbuf_free(NULL); /* accepted */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_capacity),
		cmocka_unit_test(test_append_in_order),
		cmocka_unit_test(test_overwrite_oldest),
		cmocka_unit_test(test_write_larger_than_capacity),
		cmocka_unit_test(test_many_wraps),
		cmocka_unit_test(test_read_from),
		cmocka_unit_test(test_reader_lost),
		cmocka_unit_test(test_reader_live_only),
		cmocka_unit_test(test_clear),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
