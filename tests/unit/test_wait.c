/* test_wait.c - the states `hako wait -s` takes (core/wait.c). */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "wait.h"

static void test_parse(void **state)
{
	(void)state;
	unsigned m;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_wait_parse_states("RUNNING", &m, &err), 0);
	assert_int_equal(m, 1u << HK_STATE_RUNNING);
	assert_int_equal(hk_wait_parse_states("running|STOPPED|Frozen", &m, &err), 0);
	assert_int_equal(m, (1u << HK_STATE_RUNNING) | (1u << HK_STATE_STOPPED) |
				    (1u << HK_STATE_FROZEN));
	/* LXC's passing states: the state they lead to */
	assert_int_equal(hk_wait_parse_states("FREEZING|THAWED", &m, &err), 0);
	assert_int_equal(m, (1u << HK_STATE_FROZEN) | (1u << HK_STATE_RUNNING));
	assert_int_equal(hk_wait_parse_states("ORPHANED", &m, &err), 0);
	assert_int_equal(m, 1u << HK_STATE_ORPHANED);
}

static void test_refusals(void **state)
{
	(void)state;
	const char *bad[] = { "",
			      "|",
			      "RUNNING|",
			      "|RUNNING",
			      "RUN",
			      "RUNNINGX",
			      "RUNNING||STOPPED",
			      "RUNNING STOPPED",
			      "bogus\x1b[2J" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned m = 0;
		hk_autoerr struct hk_error *err = NULL;
		assert_int_equal(hk_wait_parse_states(bad[i], &m, &err), -1);
		assert_non_null(err);
		assert_has(err->msg, "is not a state", "STOPPED|STARTING|RUNNING", NULL);
	}
	unsigned m;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_wait_parse_states("\x1b]52;c;AAAA\x07", &m, &err), -1);
	assert_null(strchr(err->msg, '\x1b')); /* the word is shown escaped */
}

static void test_text(void **state)
{
	(void)state;
	hk_autofree char *a =
		hk_wait_states_text((1u << HK_STATE_RUNNING) | (1u << HK_STATE_STOPPED));
	assert_string_equal(a, "STOPPED|RUNNING");
	hk_autofree char *none = hk_wait_states_text(0);
	assert_string_equal(none, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
