/* test_remote_watch.c - the reader of a remote's ls --json --watch
 * stream (core/remote-watch.h): a stream fed one byte at a time builds
 * the same table as one fed whole; changed/removed keep it sorted and
 * report what to redraw; a row's fields come through with their types
 * (null = unknown); another protocol is refused naming both versions; an
 * old hako (no --watch) is reported with its `hako --version`; hostile
 * lines (bad names, wrong types, changes before the snapshot, lines over
 * the limit, no hello) are refused naming the remote; heartbeat lines
 * (before or after the snapshot) are counted and change nothing. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "remote-watch.h"
#include "util.h"

#define HELLO "{\"hako\": \"0.1.0\", \"protocol\": 1, \"host\": \"h1\", \"path\": \"/srv/ct\"}\n"
#define ROW_C1                                                                                     \
	"{\"name\": \"c1\", \"state\": \"RUNNING\", \"pid\": 4242, \"ram\": 1048576, "             \
	"\"swap\": null, \"autostart\": true, \"groups\": [\"web\"], \"interface\": "              \
	"[\"eth0\"], \"ipv4\": [\"10.0.100.5\"], \"ipv6\": [], \"unprivileged\": false, "          \
	"\"backend\": \"dir\", \"cpu\": 1.5, \"pids\": 3, \"depth\": 0, \"idmap\": null, "         \
	"\"runner\": \"hako\", \"config_error\": null}"
#define ROW_A "{\"name\": \"a\", \"state\": \"STOPPED\", \"pid\": null, \"ram\": null}"
#define SNAP  "{\"type\": \"snapshot\", \"containers\": [" ROW_C1 ", " ROW_A "]}\n"

static int feed(struct hk_rwatch *w, const char *s, struct hk_error **err)
{
	return hk_rwatch_feed(w, s, strlen(s), err);
}

static void check_table(const struct hk_rwatch *w)
{
	const struct hk_list *l = hk_rwatch_list(w);
	assert_int_equal(l->n, 2);
	assert_string_equal(l->rows[0].name, "a");
	assert_string_equal(l->rows[1].name, "c1");
	const struct hk_list_row *r = &l->rows[1];
	assert_int_equal(r->state, HK_STATE_RUNNING);
	assert_int_equal(r->init_pid, 4242);
	assert_int_equal(r->mem_bytes, 1048576);
	assert_int_equal(r->swap_bytes, -1);
	assert_true(r->autostart);
	assert_string_equal(r->groups.v[0], "web");
	assert_string_equal(r->ipv4.v[0], "10.0.100.5");
	assert_int_equal(r->ipv6.n, 0);
	assert_string_equal(r->backend, "dir");
	assert_true(r->cpu_seconds > 1.4 && r->cpu_seconds < 1.6);
	assert_int_equal(r->pids, 3);
	assert_int_equal(r->runner, HK_RUNNER_HAKO);
	assert_null(r->config_error);
	assert_int_equal(l->rows[0].state, HK_STATE_STOPPED);
	assert_int_equal(l->rows[0].mem_bytes, -1);
	assert_true(l->rows[0].cpu_seconds < 0);
}

static void test_stream(void **state)
{
	(void)state;
	hk_autoerr struct hk_error *err = NULL;
	/* whole */
	struct hk_rwatch *w = hk_rwatch_new("web1");
	assert_false(hk_rwatch_ready(w));
	assert_int_equal(feed(w, HELLO, &err), 0);
	assert_false(hk_rwatch_ready(w));
	assert_string_equal(hk_rwatch_version(w), "0.1.0");
	assert_string_equal(hk_rwatch_host(w), "h1");
	assert_string_equal(hk_rwatch_path(w), "/srv/ct");
	assert_int_equal(feed(w, SNAP, &err), 0);
	assert_true(hk_rwatch_ready(w));
	check_table(w);
	struct hk_strv names = { 0 };
	assert_int_equal(hk_rwatch_take_changes(w, &names), 2);
	assert_int_equal(hk_rwatch_take_changes(w, &names), 0);
	hk_strv_clear(&names);
	/* changes: a new one in the middle, one removed, one unknown line type */
	assert_int_equal(feed(w,
			      "{\"type\": \"changed\", \"container\": {\"name\": \"b\", "
			      "\"state\": \"FROZEN\"}}\n{\"type\": \"removed\", \"name\": "
			      "\"a\"}\n{\"type\": \"news\", \"x\": 1}\n{\"type\": \"removed\", "
			      "\"name\": \"gone\"}\n",
			      &err),
			 0);
	const struct hk_list *l = hk_rwatch_list(w);
	assert_int_equal(l->n, 2);
	assert_string_equal(l->rows[0].name, "b");
	assert_int_equal(l->rows[0].state, HK_STATE_FROZEN);
	assert_string_equal(l->rows[1].name, "c1");
	assert_int_equal(hk_rwatch_take_changes(w, &names), 2);
	assert_true(hk_strv_contains(&names, "a") && hk_strv_contains(&names, "b"));
	hk_strv_clear(&names);
	hk_rwatch_free(w);

	/* one byte at a time: the same table */
	w = hk_rwatch_new("web1");
	const char *all = HELLO SNAP;
	for (size_t i = 0; all[i]; i++)
		assert_int_equal(hk_rwatch_feed(w, all + i, 1, &err), 0);
	check_table(w);
	hk_rwatch_free(w);
}

static void test_heartbeat(void **state)
{
	(void)state;
	hk_autoerr struct hk_error *err = NULL;
	struct hk_rwatch *w = hk_rwatch_new("web1");
	assert_int_equal(feed(w, HELLO "{\"type\": \"heartbeat\"}\n", &err), 0);
	assert_false(hk_rwatch_ready(w)); /* a beat is no snapshot */
	assert_int_equal(hk_rwatch_beats(w), 1);
	assert_int_equal(feed(w, SNAP, &err), 0);
	struct hk_strv names = { 0 };
	assert_int_equal(hk_rwatch_take_changes(w, &names), 2);
	hk_strv_clear(&names);
	/* a beat in two pieces, then one with a field a newer hako might add */
	assert_int_equal(feed(w, "{\"type\": \"heart", &err), 0);
	assert_int_equal(hk_rwatch_beats(w), 1);
	assert_int_equal(feed(w, "beat\"}\n{\"type\": \"heartbeat\", \"at\": 5}\n", &err), 0);
	assert_int_equal(hk_rwatch_beats(w), 3);
	assert_int_equal(hk_rwatch_take_changes(w, &names), 0);
	check_table(w);
	hk_rwatch_free(w);
}

static void test_protocol(void **state)
{
	(void)state;
	struct hk_rwatch *w = hk_rwatch_new("web1");
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(feed(w, "{\"hako\": \"9.0\", \"protocol\": 2, \"host\": \"x\"}\n", &err),
			 -1);
	assert_true(hk_str_has_prefix(err->msg, "remote \"web1\" runs hako 9.0")); /* said once */
	assert_has(err->msg, "remote \"web1\" runs hako 9.0 speaking protocol 2",
		   "this hako (" HAKO_VERSION ") speaks 1", NULL);
	hk_rwatch_free(w);
	/* no hello */
	w = hk_rwatch_new("web1");
	hk_error_free(err);
	err = NULL;
	assert_int_equal(feed(w, SNAP, &err), -1);
	assert_has(err->msg, "remote \"web1\"", "hello line", NULL);
	hk_rwatch_free(w);
}

static void test_old_hako(void **state)
{
	(void)state;
	struct hk_rwatch *w = hk_rwatch_new("web1");
	hk_autoerr struct hk_error *err = NULL;
	bool need = false;
	const char *text = "hako: error: ls: unknown option \"--watch\"\n";
	assert_int_equal(hk_rwatch_explain_end(w, 2, text, NULL, &need, &err), -1);
	assert_true(need);
	assert_null(err);
	assert_int_equal(hk_rwatch_explain_end(w, 2, text, "hako 0.0.9\n", &need, &err), -1);
	assert_false(need);
	assert_has(err->msg, "remote \"web1\" runs hako 0.0.9", "no `ls --json --watch`",
		   "install hako " HAKO_VERSION, NULL);
	hk_error_free(err);
	err = NULL;
	assert_int_equal(hk_rwatch_explain_end(w, 1,
					       "x\nhako: error: container path \"/p\" "
					       "does not exist\n",
					       NULL, &need, &err),
			 -1);
	assert_has(err->msg, "remote \"web1\"", "status 1", "\"/p\" does not exist", NULL);
	assert_null(strstr(err->msg, "x\n"));
	hk_rwatch_free(w);
}

static void test_hostile(void **state)
{
	(void)state;
	static const char *const lines[] = {
		"{\"type\": \"changed\", \"container\": {\"name\": \"../x\", \"state\": \"RUNNING\"}}",
		"{\"type\": \"changed\", \"container\": {\"name\": \"a b\", \"state\": \"RUNNING\"}}",
		"{\"type\": \"changed\", \"container\": {\"name\": \"p//c\", \"state\": \"RUNNING\"}}",
		"{\"type\": \"changed\", \"container\": {\"name\": \"c\", \"state\": \"DANCING\"}}",
		"{\"type\": \"changed\", \"container\": {\"name\": \"c\", \"state\": \"RUNNING\", "
		"\"pid\": -1}}",
		"{\"type\": \"changed\", \"container\": {\"name\": \"c\", \"state\": \"RUNNING\", "
		"\"ipv4\": [1]}}",
		"{\"type\": \"changed\", \"container\": {\"name\": \"c\", \"state\": \"RUNNING\", "
		"\"autostart\": \"yes\"}}",
		"{\"type\": \"changed\", \"container\": {\"state\": \"RUNNING\"}}",
		"{\"type\": \"changed\", \"container\": [1]}",
		"{\"type\": \"removed\", \"name\": \"-x\"}",
		"{\"type\": \"snapshot\"}",
		"[1]",
		"{\"no\": \"type\"}",
		"not json",
	};
	for (size_t i = 0; i < HK_ARRAY_SIZE(lines); i++) {
		struct hk_rwatch *w = hk_rwatch_new("web1");
		hk_autoerr struct hk_error *err = NULL;
		assert_int_equal(feed(w, HELLO SNAP, &err), 0);
		hk_autofree char *l = xasprintf("%s\n", lines[i]);
		if (feed(w, l, &err) == 0)
			fail_msg("accepted: %s", lines[i]);
		assert_has(err->msg, "remote \"web1\"", NULL);
		hk_rwatch_free(w);
	}
	/* a change before the snapshot */
	struct hk_rwatch *w = hk_rwatch_new("web1");
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(feed(w, HELLO "{\"type\": \"removed\", \"name\": \"a\"}\n", &err), -1);
	assert_has(err->msg, "before the snapshot", NULL);
	hk_rwatch_free(w);
	/* a line over the limit, fed in pieces: refused at its end, kept small */
	w = hk_rwatch_new("web1");
	hk_error_free(err);
	err = NULL;
	char *chunk = xmalloc(1 << 20);
	memset(chunk, ' ', 1 << 20);
	for (int i = 0; i < 9; i++)
		assert_int_equal(hk_rwatch_feed(w, chunk, 1 << 20, &err), 0);
	assert_int_equal(feed(w, "\n", &err), -1);
	assert_has(err->msg, "longer than", NULL);
	free(chunk);
	hk_rwatch_free(w);
	/* nested names are fine */
	w = hk_rwatch_new("web1");
	hk_error_free(err);
	err = NULL;
	assert_int_equal(feed(w,
			      HELLO "{\"type\": \"snapshot\", \"containers\": [{\"name\": "
				    "\"p/c\", \"state\": \"RUNNING\", \"depth\": 1}]}\n",
			      &err),
			 0);
	assert_int_equal(hk_rwatch_list(w)->rows[0].depth, 1);
	hk_rwatch_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stream),	 cmocka_unit_test(test_heartbeat),
		cmocka_unit_test(test_protocol), cmocka_unit_test(test_old_hako),
		cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
