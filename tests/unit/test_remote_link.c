/* test_remote_link.c - the timing of a remote's watch stream
 * (core/remote-link.h): the backoff doubles from 1 s to a 30 s ceiling
 * and starts over after a snapshot; silence is noticed after
 * HK_RLINK_SILENCE_MS (within 3 s), a connecting stream gets the ssh
 * connect time on top; a down link is due exactly at its next try; the
 * deadline is the moment one of them turns true. */

#include "testutil.h"

#include "remote-link.h"

static void test_backoff(void **state)
{
	(void)state;
	static const long long want[] = { 1000, 2000, 4000, 8000, 16000, 30000, 30000 };
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(hk_rlink_backoff_ms(i), want[i]);
	assert_int_equal(hk_rlink_backoff_ms(1000), 30000); /* no overflow */
}

static void test_silence(void **state)
{
	(void)state;
	struct hk_rlink l = { 0 };
	hk_rlink_start(&l, 10000);
	/* connecting: the connect time is allowed too */
	assert_false(hk_rlink_silent(&l, 10000 + HK_RLINK_SILENCE_MS, 5000));
	assert_true(hk_rlink_silent(&l, 10000 + HK_RLINK_SILENCE_MS + 5000, 5000));
	hk_rlink_up(&l, 11000);
	assert_int_equal(l.state, HK_RLINK_UP);
	hk_rlink_heard(&l, 12000); /* a heartbeat */
	assert_false(hk_rlink_silent(&l, 12000 + HK_RLINK_SILENCE_MS - 1, 5000));
	assert_true(hk_rlink_silent(&l, 12000 + HK_RLINK_SILENCE_MS, 5000));
	assert_int_equal(hk_rlink_deadline(&l, 5000), 12000 + HK_RLINK_SILENCE_MS);
	/* within 3 s of the last byte, with one second between beats */
	assert_true(HK_RLINK_SILENCE_MS > 1000 * HK_RLINK_BEAT_S && HK_RLINK_SILENCE_MS <= 3000);
}

static void test_down_and_retry(void **state)
{
	(void)state;
	struct hk_rlink l = { 0 };
	hk_rlink_start(&l, 0);
	hk_rlink_up(&l, 100);
	long long now = 5000;
	long long waits[] = { 1000, 2000, 4000, 8000, 16000, 30000, 30000 };
	for (unsigned i = 0; i < sizeof(waits) / sizeof(waits[0]); i++) {
		hk_rlink_down(&l, now);
		assert_false(hk_rlink_silent(&l, now + 100000, 0)); /* down is not "silent" */
		assert_false(hk_rlink_due(&l, now + waits[i] - 1));
		assert_true(hk_rlink_due(&l, now + waits[i]));
		assert_int_equal(hk_rlink_deadline(&l, 0), now + waits[i]);
		now += waits[i];
		hk_rlink_start(&l, now); /* the try, which fails again */
		assert_false(hk_rlink_due(&l, now + 100000));
	}
	/* a snapshot: the next failure waits 1 s again */
	hk_rlink_up(&l, now);
	hk_rlink_down(&l, now);
	assert_true(hk_rlink_due(&l, now + 1000));
	assert_false(hk_rlink_due(&l, now + 999));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_silence),
		cmocka_unit_test(test_down_and_retry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
