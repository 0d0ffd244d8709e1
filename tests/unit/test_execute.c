/* test_execute.c - the pure parts of `hako execute` (core/execute.c):
 * the exit status a shell would report, the monitor's last line, and
 * where the command is looked for in the container. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "testutil.h"

#include "execute.h"

static void test_exit_code(void **state)
{
	(void)state;
	assert_int_equal(hk_execute_exit_code(W_EXITCODE(0, 0)), 0);
	assert_int_equal(hk_execute_exit_code(W_EXITCODE(3, 0)), 3);
	assert_int_equal(hk_execute_exit_code(W_EXITCODE(255, 0)), 255);
	/* init passes a killed command on as 128+N (an exit code) ... */
	assert_int_equal(hk_execute_exit_code(W_EXITCODE(128 + SIGTERM, 0)), 143);
	/* ... and init itself killed (hako stop -k) is reported the same way */
	assert_int_equal(hk_execute_exit_code(SIGKILL), 128 + SIGKILL);
}

static void test_parse_end(void **state)
{
	(void)state;
	int ws = -1;
	assert_int_equal(hk_execute_parse_end("EXIT 0", &ws), 0);
	assert_int_equal(ws, 0);
	assert_int_equal(hk_execute_parse_end("EXIT 768", &ws), 0);
	assert_int_equal(ws, 768);
	const char *bad[] = { "",	 "EXIT",   "EXIT ", "EXIT -1", "EXIT 65536",
			      "EXIT 3x", "exit 3", "OK 12", "EXIT  3" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(hk_execute_parse_end(bad[i], &ws), -1);
}

static void assert_strv(const struct hk_strv *v, const char *const *want)
{
	size_t n = 0;
	while (want[n])
		n++;
	assert_int_equal(v->n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(v->v[i], want[i]);
}

static void test_candidates(void **state)
{
	(void)state;
	struct hk_strv v = { 0 };
	hk_execute_candidates("sh", "/usr/bin:/bin", &v);
	assert_strv(&v, (const char *const[]){ "/usr/bin/sh", "/bin/sh", NULL });
	hk_strv_clear(&v);
	/* a '/' anywhere: that path only, relative or not */
	hk_execute_candidates("/bin/true", "/usr/bin", &v);
	assert_strv(&v, (const char *const[]){ "/bin/true", NULL });
	hk_strv_clear(&v);
	hk_execute_candidates("./run", "/usr/bin", &v);
	assert_strv(&v, (const char *const[]){ "./run", NULL });
	hk_strv_clear(&v);
	/* empty entries (leading, inner, trailing) are the working directory */
	hk_execute_candidates("x", ":/a::/b:", &v);
	assert_strv(&v, (const char *const[]){ "x", "/a/x", "x", "/b/x", "x", NULL });
	hk_strv_clear(&v);
}

static void test_path_of(void **state)
{
	(void)state;
	assert_string_equal(hk_execute_path_of(NULL), HK_CONTAINER_PATH);
	struct hk_strv env = { 0 };
	hk_strv_push(&env, "FOO=1");
	assert_string_equal(hk_execute_path_of(&env), HK_CONTAINER_PATH);
	hk_strv_push(&env, "PATH=/opt/bin");
	hk_strv_push(&env, "PATHX=/no");
	assert_string_equal(hk_execute_path_of(&env), "/opt/bin");
	hk_strv_clear(&env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_code),
		cmocka_unit_test(test_parse_end),
		cmocka_unit_test(test_candidates),
		cmocka_unit_test(test_path_of),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
