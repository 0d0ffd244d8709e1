/* test_runner.c - one container, one runner (core/runner.c) against a
 * fake runner: a child that holds LXC's command socket name of a
 * container and answers as LXC's monitor would (core/lxc-cmd.c's
 * answers), with its own child as the container's init.  Checked: the
 * probe (state, init pid, the monitor and whether it is LXC), the rows of
 * ls, the refusals and claims, a claim keeping another claimant out, stop
 * through LXC's protocol (halt signal by pidfd; LXC_CMD_STOP), and, as
 * root, a squatter of another uid being ignored. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "container.h"
#include "list.h"
#include "lxc-cmd.h"
#include "runner.h"
#include "store.h"
#include "util.h"

struct fixture {
	char dir[64];
	char *path;
	struct hk_store *st;
	pid_t server;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	strcpy(f->dir, "/tmp/hk-test-runner-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->path = xasprintf("%s/lxc", f->dir);
	hk_autofree char *run = xasprintf("%s/run", f->dir);
	setenv("HAKO_RUN_DIR", run, 1);
	hk_autofree char *root = xasprintf("%s/c1/rootfs", f->path);
	assert_int_equal(hk_mkdir_p(root, 0755, NULL), 0);
	hk_autofree char *cfg = xasprintf("%s/c1/config", f->path);
	const char *text = "lxc.uts.name = c1\n";
	assert_int_equal(hk_write_file_atomic(cfg, text, strlen(text), 0644, NULL), 0);
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_store_open(f->path, &f->st, &err), 0);
	*state = f;
	return 0;
}

static void stop_server(struct fixture *f)
{
	if (f->server > 0) {
		kill(f->server, SIGKILL);
		waitpid(f->server, NULL, 0);
	}
	f->server = 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	stop_server(f);
	hk_store_free(f->st);
	hk_rm_rf(f->dir, NULL);
	free(f->path);
	free(f);
	return 0;
}

struct fake {
	enum hk_lxc_state state;
	bool as_lxc; /* named lxc-start, as LXC's monitor is */
	uid_t uid;   /* listen as this uid (root only); 0 = as we are */
};

/* One request: its header (data is never sent by hako's client). */
static bool read_req(int c, struct hk_lxc_req *req)
{
	size_t got = 0;
	while (got < sizeof(*req)) {
		ssize_t r = read(c, (char *)req + got, sizeof(*req) - got);
		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

/* The fake monitor: answers until its init dies or LXC_CMD_STOP kills it. */
static __attribute__((noreturn)) void serve(const struct fixture *f, const struct fake *k,
					    int ready)
{
	if (k->as_lxc)
		prctl(PR_SET_NAME, "lxc-start");
	/* Its init lives until it is signalled or the server is gone (the
	 * pipe's end: a parent-death signal would not reach it from a server
	 * that changed its uid). */
	int life[2];
	if (pipe2(life, O_CLOEXEC) < 0)
		_exit(2);
	pid_t init = fork();
	if (init == 0) {
		char c;
		close(life[1]);
		_exit(read(life[0], &c, 1) < 0);
	}
	close(life[0]);
	if (k->uid && setresuid(k->uid, k->uid, k->uid) < 0)
		_exit(3);
	int l = hk_lxc_sock_claim(f->path, "c1", NULL);
	if (l < 0 || listen(l, 8) < 0)
		_exit(2);
	if (write(ready, "x", 1) != 1)
		_exit(2);
	struct hk_lxc_facts facts = {
		.state = k->state, .init_pid = init, .name = "c1", .lxcpath = f->path
	};
	for (;;) {
		struct pollfd pf = { .fd = l, .events = POLLIN };
		poll(&pf, 1, 20);
		if (waitpid(init, NULL, WNOHANG) == init)
			_exit(0); /* its container stopped: the name goes with it */
		int c = pf.revents & POLLIN ? accept(l, NULL, NULL) : -1;
		struct hk_lxc_req req;
		if (c < 0 || !read_req(c, &req)) {
			if (c >= 0)
				close(c);
			continue;
		}
		if (req.cmd == HK_LXC_CMD_STOP) { /* answered by closing, once it is gone */
			kill(init, SIGKILL);
			waitpid(init, NULL, 0);
			_exit(0);
		}
		struct hk_lxc_rsp rsp;
		const void *data;
		size_t len;
		hk_lxc_answer(&req, &facts, true, &rsp, &data, &len);
		if (write(c, &rsp, sizeof(rsp)) < 0 || (len && write(c, data, len) < 0))
			_exit(2);
		close(c);
	}
}

static void start_server(struct fixture *f, const struct fake *k)
{
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	fflush(NULL);
	f->server = fork();
	assert_true(f->server >= 0);
	if (f->server == 0) {
		close(p[0]);
		serve(f, k, p[1]);
	}
	close(p[1]);
	char c;
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
}

/* hk_runner_refuse on the fixture's container c1. */
static int refuse(struct fixture *f, enum hk_runner_op op, struct hk_error **err)
{
	hk_autoct struct hk_ct *ct = NULL;
	assert_int_equal(hk_ct_open(f->st, "c1", HK_CT_MAY_BE_MISSING, &ct, NULL), 0);
	return hk_runner_refuse(ct, op, err);
}

static void test_nobody(void **state)
{
	struct fixture *f = *state;
	struct hk_runner r;
	hk_runner_probe(f->st, "c1", &r);
	assert_int_equal(r.kind, HK_RUNNER_NONE);
	assert_int_equal(r.state, HK_STATE_STOPPED);
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(refuse(f, HK_OP_DESTROY, &err), 0);
	int fd = hk_runner_claim(f->st, "c1", HK_OP_DESTROY, &err);
	assert_true(fd >= 0);
	/* while claimed, nobody else gets the name (lxc-start's bind fails) */
	assert_int_equal(hk_lxc_sock_claim(f->path, "c1", &err), -1);
	assert_int_equal(err->code, EADDRINUSE);
	close(fd);
	struct hk_list_row row;
	hk_list_row_fill(f->st, "c1", &row);
	assert_int_equal(row.state, HK_STATE_STOPPED);
	assert_int_equal(row.runner, HK_RUNNER_NONE);
	hk_list_row_free(&row);
}

static void test_other_runner(void **state)
{
	struct fixture *f = *state;
	struct fake k = { .state = HK_LXC_RUNNING };
	start_server(f, &k);
	struct hk_runner r;
	hk_runner_probe(f->st, "c1", &r);
	assert_int_equal(r.kind, HK_RUNNER_OTHER);
	assert_int_equal(r.state, HK_STATE_RUNNING);
	assert_true(r.init_pid > 0);
	assert_int_equal(r.monitor_pid, f->server);
	assert_true(r.may_act);
	struct hk_list_row row;
	hk_list_row_fill(f->st, "c1", &row);
	assert_int_equal(row.state, HK_STATE_RUNNING);
	assert_int_equal(row.runner, HK_RUNNER_OTHER);
	assert_int_equal(row.init_pid, r.init_pid);
	assert_int_equal(row.runner_pid, f->server);
	assert_string_equal(hk_runner_kind_name(row.runner), "other");
	hk_list_row_free(&row);
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(refuse(f, HK_OP_DESTROY, &err), -1);
	assert_int_equal(err->code, EBUSY);
	assert_non_null(strstr(err->msg, "another program (\"test_runner\""));
	hk_error_freep(&err);
	assert_int_equal(hk_runner_claim(f->st, "c1", HK_OP_START, &err), -1);
	assert_non_null(strstr(err->msg, "does not start"));
	hk_error_freep(&err);
	bool killed;
	assert_int_equal(hk_runner_stop(f->st, "c1", &r, 5, true, &killed, &err), -1);
	assert_int_equal(err->code, EBUSY);
	stop_server(f);
	hk_runner_probe(f->st, "c1", &r);
	assert_int_equal(r.kind, HK_RUNNER_NONE);
}

static void test_lxc_frozen(void **state)
{
	struct fixture *f = *state;
	struct fake k = { .state = HK_LXC_FROZEN, .as_lxc = true };
	start_server(f, &k);
	struct hk_runner r;
	hk_runner_probe(f->st, "c1", &r);
	assert_int_equal(r.kind, HK_RUNNER_LXC);
	assert_int_equal(r.state, HK_STATE_FROZEN);
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_runner_refusal(f->st, "c1", &r, HK_OP_DESTROY, &err), -1);
	hk_autofree char *want = xasprintf("\"lxc-destroy -f -n c1 -P %s\"", f->path);
	assert_non_null(strstr(err->msg, want));
	hk_autofree char *mon = xasprintf("LXC (its monitor is pid %d)", (int)f->server);
	assert_non_null(strstr(err->msg, mon));
	hk_error_freep(&err);
	for (int op = 0; op < HK_OP_COUNT; op++) { /* every operation names an lxc-* command */
		assert_int_equal(hk_runner_refusal(f->st, "c1", &r, (enum hk_runner_op)op, &err),
				 -1);
		assert_non_null(strstr(err->msg, "\"lxc-"));
		hk_error_freep(&err);
	}
}

static void test_lxc_stop(void **state)
{
	struct fixture *f = *state;
	struct fake k = { .state = HK_LXC_RUNNING, .as_lxc = true };
	hk_autoerr struct hk_error *err = NULL;
	bool killed = true;
	struct hk_runner r;
	/* a halt: its init gets SIGPWR through a pidfd and ends; the monitor follows */
	start_server(f, &k);
	hk_runner_probe(f->st, "c1", &r);
	assert_int_equal(r.kind, HK_RUNNER_LXC);
	assert_int_equal(hk_runner_stop(f->st, "c1", &r, 30, false, &killed, &err), 0);
	assert_false(killed);
	int status;
	assert_int_equal(waitpid(f->server, &status, 0), f->server);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	f->server = 0;
	hk_runner_probe(f->st, "c1", &r);
	assert_int_equal(r.kind, HK_RUNNER_NONE);
	/* a kill: LXC_CMD_STOP */
	start_server(f, &k);
	hk_runner_probe(f->st, "c1", &r);
	assert_int_equal(hk_runner_stop(f->st, "c1", &r, 30, true, &killed, &err), 0);
	assert_int_equal(waitpid(f->server, &status, 0), f->server);
	f->server = 0;
	hk_runner_probe(f->st, "c1", &r);
	assert_int_equal(r.kind, HK_RUNNER_NONE);
}

static void test_squatter_ignored(void **state)
{
	struct fixture *f = *state;
	if (geteuid() != 0)
		skip();
	struct fake k = { .state = HK_LXC_RUNNING, .as_lxc = true, .uid = 65534 };
	start_server(f, &k);
	struct hk_runner r;
	hk_runner_probe(f->st, "c1", &r);
	assert_int_equal(r.kind, HK_RUNNER_NONE);
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(refuse(f, HK_OP_START, &err), 0);
	assert_int_equal(hk_runner_claim(f->st, "c1", HK_OP_START, &err), HK_RUNNER_UNCLAIMED);
	assert_null(err);
	struct hk_list_row row;
	hk_list_row_fill(f->st, "c1", &row);
	assert_int_equal(row.state, HK_STATE_STOPPED);
	hk_list_row_free(&row);
}

static void test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(hk_runner_kind_name(HK_RUNNER_NONE), "-");
	assert_string_equal(hk_runner_kind_name(HK_RUNNER_HAKO), "hako");
	assert_string_equal(hk_runner_kind_name(HK_RUNNER_LXC), "lxc");
	assert_string_equal(hk_runner_kind_name(HK_RUNNER_OTHER), "other");
	assert_string_equal(hk_runner_kind_name((enum hk_runner_kind)99), "-");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nobody, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_runner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lxc_frozen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lxc_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_squatter_ignored, setup, teardown),
		cmocka_unit_test(test_kind_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
