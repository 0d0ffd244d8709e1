/* test_timing.c - the --timing timeline: nothing recorded while off, the
 * "T" lines that carry steps between processes (round trip, refusals,
 * a line cut short), and the text: sorted by start, offsets from the
 * origin, durations, process names, the total. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "timing.h"
#include "util.h"

#define MS 1000000LL

static void test_off_records_nothing(void **state)
{
	(void)state;
	hk_timing = (struct hk_timeline){ 0 };
	assert_int_equal(hk_timing_now(), 0);
	assert_int_equal(hk_timing_add("x", 0), 0);
	hk_timing_add_as(HK_TIMING_CHILD, "y", 1, 2);
	assert_int_equal(hk_timing.n, 0);
}

static void test_add_chains(void **state)
{
	(void)state;
	hk_timing_enable();
	int64_t t0 = hk_timing_now();
	assert_true(t0 >= hk_timing.origin_ns);
	int64_t t1 = hk_timing_add("a", t0);
	int64_t t2 = hk_timing_add("b", t1);
	assert_int_equal(hk_timing.n, 2);
	assert_true(t1 >= t0 && t2 >= t1);
	assert_int_equal(hk_timing.steps[1].start_ns, t1);
	assert_int_equal(hk_timing.steps[1].end_ns, t2);
	assert_int_equal(hk_timing_last(), t2);
	assert_string_equal(hk_timing.steps[0].name, "a");
	assert_int_equal(hk_timing.steps[0].proc, HK_TIMING_CLI);
	/* A forked process starts its own table, with its own name. */
	hk_timing_become(HK_TIMING_MONITOR);
	assert_int_equal(hk_timing.n, 0);
	hk_timing_add("c", t2);
	assert_int_equal(hk_timing.steps[0].proc, HK_TIMING_MONITOR);
	hk_timing = (struct hk_timeline){ 0 };
}

static void test_open_step_closed(void **state)
{
	(void)state;
	hk_timing_enable();
	hk_timing_add_as(HK_TIMING_CHILD, "exec", 5 * MS, 0);
	hk_timing_add_as(HK_TIMING_CHILD, "done", 1 * MS, 2 * MS);
	hk_timing_close_open(9 * MS);
	assert_int_equal(hk_timing.steps[0].end_ns, 9 * MS);
	assert_int_equal(hk_timing.steps[1].end_ns, 2 * MS);
	hk_timing = (struct hk_timeline){ 0 };
}

static void test_encode_decode_round_trip(void **state)
{
	(void)state;
	struct hk_timeline a = { .on = true };
	a.steps[0] = (struct hk_timing_step){ 10, 20, HK_TIMING_MONITOR, "cgroup" };
	a.steps[1] = (struct hk_timing_step){ 20, 35, HK_TIMING_CHILD, "cgroup-attach" };
	a.steps[2] = (struct hk_timing_step){ 1, 2, HK_TIMING_CLI, "lock" };
	a.n = 3;
	struct hk_buf b = { 0 };
	hk_timing_encode(&a, 1, &b); /* from the second on */
	hk_buf_append(&b, "", 1);
	assert_string_equal(b.data, "T 2 20 35 cgroup-attach\nT 0 1 2 lock\n");
	struct hk_timeline got = { 0 };
	assert_int_equal(hk_timing_decode_all(&got, b.data, strlen(b.data)), 2);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.steps[0].name, "cgroup-attach");
	assert_int_equal(got.steps[0].proc, HK_TIMING_CHILD);
	assert_int_equal(got.steps[0].start_ns, 20);
	assert_int_equal(got.steps[0].end_ns, 35);
	hk_buf_free(&b);
}

static void test_decode_refuses(void **state)
{
	(void)state;
	struct hk_timeline tl = { 0 };
	assert_int_equal(hk_timing_decode(&tl, "T 3 1 2 bad-proc"), -1);
	assert_int_equal(hk_timing_decode(&tl, "T 1 -1 2 negative"), -1);
	assert_int_equal(hk_timing_decode(&tl, "T 1 1 2 "), -1); /* no name */
	assert_int_equal(hk_timing_decode(&tl, "T 1 x 2 name"), -1);
	assert_int_equal(hk_timing_decode(&tl, "OK 123"), -1);
	assert_int_equal(tl.n, 0);
	/* Other lines between are skipped; a last line without its newline
	 * (cut short by a message's size) is not taken. */
	const char *text = "K\nT 1 1 2 one\nOK 5\nT 1 3 4 two\nT 1 5 6 thr";
	assert_int_equal(hk_timing_decode_all(&tl, text, strlen(text)), 2);
	assert_string_equal(tl.steps[1].name, "two");
	/* A long name is cut to fit, never past the table. */
	tl.n = 0;
	assert_int_equal(hk_timing_decode(&tl, "T 0 1 2 a-name-much-longer-than-the-room-it-has"),
			 0);
	assert_int_equal(strlen(tl.steps[0].name), HK_TIMING_NAME - 1);
	tl.n = HK_TIMING_MAX;
	assert_int_equal(hk_timing_decode(&tl, "T 0 1 2 full"), -1);
	assert_int_equal(tl.n, HK_TIMING_MAX);
}

static void test_format(void **state)
{
	(void)state;
	struct hk_timeline tl = { .on = true, .origin_ns = 100 * MS };
	/* Out of order, as they arrive from three processes. */
	tl.steps[0] =
		(struct hk_timing_step){ 103 * MS, 103 * MS + 250000, HK_TIMING_CHILD, "mounts" };
	tl.steps[1] = (struct hk_timing_step){ 100 * MS, 101 * MS + 500000, HK_TIMING_CLI, "lock" };
	tl.steps[2] = (struct hk_timing_step){ 102 * MS, 102 * MS, HK_TIMING_MONITOR, "cgroup" };
	tl.n = 3;
	struct hk_buf b = { 0 };
	hk_timing_format(&tl, "hako start c1", 112 * MS + 345000, &b);
	hk_buf_append(&b, "", 1);
	assert_string_equal(b.data, "hako start c1: 3 steps (ms from the start)\n"
				    "    +0.000 ms     1.500 ms  cli      lock\n"
				    "    +2.000 ms     0.000 ms  monitor  cgroup\n"
				    "    +3.000 ms     0.250 ms  child    mounts\n"
				    "total 12.345 ms\n");
	hk_buf_free(&b);
}

static void test_format_never_negative(void **state)
{
	(void)state;
	/* A step whose end is before its start (clocks of one host cannot,
	 * but a damaged line could say so) shows 0, not a negative time. */
	struct hk_timeline tl = { .on = true, .origin_ns = 0 };
	tl.steps[0] = (struct hk_timing_step){ 5 * MS, 4 * MS, HK_TIMING_CLI, "odd" };
	tl.n = 1;
	struct hk_buf b = { 0 };
	hk_timing_format(&tl, "t", 6 * MS, &b);
	hk_buf_append(&b, "", 1);
	assert_non_null(strstr(b.data, "    +5.000 ms     0.000 ms  cli      odd\n"));
	hk_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off_records_nothing),
		cmocka_unit_test(test_add_chains),
		cmocka_unit_test(test_open_step_closed),
		cmocka_unit_test(test_encode_decode_round_trip),
		cmocka_unit_test(test_decode_refuses),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_never_negative),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
