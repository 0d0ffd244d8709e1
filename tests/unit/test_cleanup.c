/* test_cleanup.c - the cleanup stack runs newest first, only once, frees
 * what it owns, is dropped on success; held signals and the test hook make
 * hk_cleanup_step fail; the named steps (core/steps.h) carry the numbers
 * and words tests/HACKING.md lists. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "cleanup.h"
#include "steps.h"
#include "util.h"

static char order[16];
static int freed;

static void record(void *arg)
{
	strncat(order, arg, sizeof(order) - strlen(order) - 1);
}

static void count_free(void *arg)
{
	(void)arg;
	freed++;
}

static void reset(void)
{
	order[0] = '\0';
	freed = 0;
}

static void test_runs_newest_first(void **state)
{
	(void)state;
	reset();
	struct hk_cleanup c = HK_CLEANUP_INIT;
	hk_cleanup_push(&c, record, (void *)"a", NULL);
	hk_cleanup_push(&c, record, (void *)"b", count_free);
	hk_cleanup_push(&c, record, (void *)"c", NULL);
	hk_cleanup_run(&c);
	assert_string_equal(order, "cba");
	assert_int_equal(freed, 1);
	hk_cleanup_run(&c); /* empty now: nothing runs twice */
	assert_string_equal(order, "cba");
}

static void test_forget_runs_nothing(void **state)
{
	(void)state;
	reset();
	struct hk_cleanup c = HK_CLEANUP_INIT;
	for (int i = 0; i < 20; i++) /* past the first growth */
		hk_cleanup_push(&c, record, (void *)"x", count_free);
	hk_cleanup_forget(&c);
	assert_string_equal(order, "");
	assert_int_equal(freed, 20);
	hk_cleanup_done(&c);
	assert_string_equal(order, "");
}

static void test_auto_runs_at_scope_end(void **state)
{
	(void)state;
	reset();
	{
		hk_autocleanup struct hk_cleanup c = HK_CLEANUP_INIT;
		hk_cleanup_push(&c, record, (void *)"z", NULL);
	}
	assert_string_equal(order, "z");
}

static void test_path_undos(void **state)
{
	(void)state;
	char top[] = "/tmp/hk-cleanup-XXXXXX";
	assert_non_null(mkdtemp(top));
	hk_autofree char *d = xasprintf("%s/d", top);
	hk_autofree char *f = xasprintf("%s/f", top);
	hk_autofree char *t = xasprintf("%s/t", top);
	hk_autofree char *tf = xasprintf("%s/t/inner", top);
	assert_int_equal(mkdir(d, 0755), 0);
	assert_int_equal(mkdir(t, 0755), 0);
	assert_int_equal(hk_write_file_atomic(f, "x", 1, 0644, NULL), 0);
	assert_int_equal(hk_write_file_atomic(tf, "x", 1, 0644, NULL), 0);
	struct hk_cleanup c = HK_CLEANUP_INIT;
	hk_cleanup_push_rmdir(&c, top); /* runs last, once the rest is gone */
	hk_cleanup_push_rmdir(&c, d);
	hk_cleanup_push_unlink(&c, f);
	hk_cleanup_push_rm_rf(&c, t);
	hk_cleanup_run(&c);
	assert_int_equal(access(top, F_OK), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_step_fails_on_request(void **state)
{
	(void)state;
	struct hk_cleanup c = HK_CLEANUP_INIT;
	setenv("HAKO_TEST_FAIL_STEP", "3", 1);
	assert_int_equal(hk_cleanup_step(&c, 2, "two", NULL), 0);
	struct hk_error *err = NULL;
	assert_int_equal(hk_cleanup_step(&c, 3, "three", &err), -1);
	assert_non_null(strstr(err->msg, "step 3 (three)"));
	assert_int_equal(c.step, 3);
	hk_error_free(err);
	unsetenv("HAKO_TEST_FAIL_STEP");
	assert_int_equal(hk_cleanup_step(&c, 3, "three", NULL), 0);
}

/* Runs hk_cleanup_crash_point(step) in a child with the switch at 7;
 * returns the child's wait status. */
static int crash_child(unsigned step)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setenv("HAKO_TEST_FAIL_STEP", "7", 1);
		hk_cleanup_crash_point(step, "test");
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void test_crash_point_kills(void **state)
{
	(void)state;
	int status = crash_child(7);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	status = crash_child(8);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	hk_cleanup_crash_point(7, "no switch set"); /* returns */
}

/* A named step fails under its number and shows its words. */
static void test_named_step(void **state)
{
	(void)state;
	struct hk_cleanup c = HK_CLEANUP_INIT;
	setenv("HAKO_TEST_FAIL_STEP", "105", 1);
	assert_int_equal(hk_cleanup_at(&c, HK_STEP_START_IDMAPS, NULL), 0);
	struct hk_error *err = NULL;
	assert_int_equal(hk_cleanup_at(&c, HK_STEP_START_LIMITS, &err), -1);
	assert_non_null(strstr(err->msg, "step 105 (cgroup and limits)"));
	hk_error_free(err);
	unsetenv("HAKO_TEST_FAIL_STEP");
}

/* tests/HACKING.md's list of the steps, each operation's line
 * "`OP` FIRST-LAST: WHAT, WHAT, ...;", says what core/steps.h says:
 * the same operations in the same order, numbers counting up from FIRST
 * to LAST, and each step's words. */
static void test_steps_documented(void **state)
{
	(void)state;
	const char *fx = getenv("HK_TEST_FIXTURES");
	hk_autofree char *path = xasprintf("%s/../HACKING.md", fx ? fx : "tests/fixtures");
	hk_autofree char *doc = NULL;
	assert_int_equal(hk_read_file(path, &doc, NULL, NULL), 0);
	/* The list as one line with single blanks: an item wraps, indented. */
	char *o = doc;
	for (const char *p = doc; *p; p++) {
		char ch = *p == '\n' ? ' ' : *p;
		if (ch != ' ' || (o > doc && o[-1] != ' '))
			*o++ = ch;
	}
	*o = '\0';
	size_t i = 0;
	while (i < HK_STEP__COUNT) {
		const struct hk_step_def *first = hk_step_of((enum hk_step)i);
		size_t n = 0;
		while (i + n < HK_STEP__COUNT &&
		       !strcmp(hk_step_of((enum hk_step)(i + n))->op, first->op))
			n++;
		const struct hk_step_def *last = hk_step_of((enum hk_step)(i + n - 1));
		struct hk_buf want = { 0 };
		hk_buf_printf(&want, "`%s` %u-%u: ", first->op, first->number, last->number);
		for (size_t k = 0; k < n; k++) {
			const struct hk_step_def *d = hk_step_of((enum hk_step)(i + k));
			if (d->number != first->number + k)
				fail_msg("%s step %s: number %u, want %zu", d->op, d->what,
					 d->number, first->number + k);
			hk_buf_printf(&want, "%s%s", d->what, k + 1 < n ? ", " : "");
		}
		/* op names are upper case in the table, lower case in the text */
		for (char *p = want.data + 1; *p != '`'; p++)
			*p = (char)(*p - 'A' + 'a');
		hk_autofree char *w = hk_buf_steal(&want);
		const char *at = strstr(doc, w);
		if (!at || (at[strlen(w)] != ';' && at[strlen(w)] != '.'))
			fail_msg("tests/HACKING.md does not list \"%s\" (then ';' or '.')", w);
		i += n;
	}
}

static void test_step_sees_held_signal(void **state)
{
	(void)state;
	struct hk_cleanup c = HK_CLEANUP_INIT;
	hk_cleanup_block_signals(&c);
	assert_int_equal(hk_cleanup_step(&c, 1, "one", NULL), 0);
	raise(SIGTERM); /* held: stays pending */
	struct hk_error *err = NULL;
	assert_int_equal(hk_cleanup_step(&c, 2, "two", &err), -1);
	assert_int_equal(err->code, EINTR);
	assert_non_null(strstr(err->msg, "SIGTERM"));
	hk_error_free(err);
	/* consume it so that unblocking does not end the test */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	assert_int_equal(sigwaitinfo(&set, NULL), SIGTERM);
	hk_cleanup_unblock_signals(&c);
	sigset_t now;
	sigprocmask(SIG_SETMASK, NULL, &now);
	assert_false(sigismember(&now, SIGTERM));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runs_newest_first),
		cmocka_unit_test(test_named_step),
		cmocka_unit_test(test_steps_documented),
		cmocka_unit_test(test_forget_runs_nothing),
		cmocka_unit_test(test_auto_runs_at_scope_end),
		cmocka_unit_test(test_path_undos),
		cmocka_unit_test(test_step_fails_on_request),
		cmocka_unit_test(test_step_sees_held_signal),
		cmocka_unit_test(test_crash_point_kills),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
