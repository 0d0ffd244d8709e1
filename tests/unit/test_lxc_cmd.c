/* test_lxc_cmd.c - LXC's command socket (core/lxc-cmd.c): the abstract
 * name (plain, and hashed past 105 bytes, with a hash checked against a
 * real LXC 5.0.2), request parsing and the answers a hako monitor gives,
 * the client's reading of answers (data, a descriptor, a closed
 * connection, lies about lengths, silence) over a socketpair, and
 * claiming a name: bound but not listening refuses connections and a
 * second claim. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testutil.h"

#include "lxc-cmd.h"
#include "util.h"

static char *repeat(char c, size_t n)
{
	char *s = xmalloc(n + 1);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void test_name_plain_and_hashed(void **state)
{
	(void)state;
	hk_autofree char *n = hk_lxc_sock_name("/var/lib/lxc", "c1");
	assert_string_equal(n, "/var/lib/lxc/c1/command");
	/* "PATH/c1/command" of 105 bytes fits, 106 does not (sun_path less
	 * the leading NUL and the NUL LXC keeps after it). */
	size_t room = 105 - strlen("/c1/command");
	hk_autofree char *fit = repeat('p', room);
	fit[0] = '/';
	hk_autofree char *a = hk_lxc_sock_name(fit, "c1");
	assert_int_equal(strlen(a), 105);
	assert_true(a[0] == '/');
	hk_autofree char *over = xasprintf("%sq", fit);
	hk_autofree char *b = hk_lxc_sock_name(over, "c1");
	assert_int_equal(strlen(b), strlen("lxc/0123456789abcdef/command"));
	assert_true(strncmp(b, "lxc/", 4) == 0);
	/* What LXC 5.0.2 bound for lxc-start -P /tmp/hk-long-xxx...x (90 x)
	 * -n lt, read from /proc/net/unix. */
	hk_autofree char *x90 = repeat('x', 90);
	hk_autofree char *lp = xasprintf("/tmp/hk-long-%s", x90);
	hk_autofree char *c = hk_lxc_sock_name(lp, "lt");
	assert_string_equal(c, "lxc/33be7a5b50605b3a/command");
}

static void test_addr(void **state)
{
	(void)state;
	struct sockaddr_un sa;
	socklen_t len = hk_lxc_sock_addr("/p", "n", &sa);
	assert_int_equal(sa.sun_family, AF_UNIX);
	assert_int_equal(sa.sun_path[0], '\0');
	assert_memory_equal(sa.sun_path + 1, "/p/n/command", 12);
	/* no trailing NUL in the length: LXC's exact address */
	assert_int_equal(len, offsetof(struct sockaddr_un, sun_path) + 1 + 12);
}

static struct hk_lxc_req req_of(int cmd, int datalen)
{
	return (struct hk_lxc_req){ .cmd = cmd, .datalen = datalen, .data = (uintptr_t)0xdeadbeef };
}

static void test_req_parse(void **state)
{
	(void)state;
	struct hk_lxc_req r = req_of(HK_LXC_CMD_GET_STATE, 0), out;
	unsigned char buf[sizeof(r) + 8];
	memcpy(buf, &r, sizeof(r));
	size_t need = 0;
	assert_int_equal(hk_lxc_req_parse(buf, 3, &out, &need), 0);
	assert_int_equal(need, sizeof(r));
	assert_int_equal(hk_lxc_req_parse(buf, sizeof(r), &out, &need), 1);
	assert_int_equal(out.cmd, HK_LXC_CMD_GET_STATE);
	assert_int_equal(need, sizeof(r));
	r = req_of(HK_LXC_CMD_GET_NAME, 5); /* a string follows */
	memcpy(buf, &r, sizeof(r));
	assert_int_equal(hk_lxc_req_parse(buf, sizeof(r), &out, &need), 0);
	assert_int_equal(need, sizeof(r) + 5);
	assert_int_equal(hk_lxc_req_parse(buf, sizeof(r) + 5, &out, &need), 1);
	r = req_of(HK_LXC_CMD_GET_NAME, -1);
	memcpy(buf, &r, sizeof(r));
	assert_int_equal(hk_lxc_req_parse(buf, sizeof(r), &out, &need), -1);
	r = req_of(HK_LXC_CMD_GET_NAME, HK_LXC_DATA_MAX + 1);
	memcpy(buf, &r, sizeof(r));
	assert_int_equal(hk_lxc_req_parse(buf, sizeof(r), &out, &need), -1);
	r = req_of(HK_LXC_CMD_GET_NAME, HK_LXC_DATA_MAX);
	memcpy(buf, &r, sizeof(r));
	assert_int_equal(hk_lxc_req_parse(buf, sizeof(r), &out, &need), 0);
}

/* A request arriving one byte at a time, data included; then a bad one. */
static void test_conn_feed(void **state)
{
	(void)state;
	unsigned char stream[sizeof(struct hk_lxc_req) + 5 + 7];
	struct hk_lxc_req r = req_of(HK_LXC_CMD_GET_INIT_PID, 5), got;
	memcpy(stream, &r, sizeof(r));
	memcpy(stream + sizeof(r), "abcde", 5);
	memset(stream + sizeof(r) + 5, 'Z', 7); /* the next request's: never taken */
	struct hk_lxc_conn c = { 0 };
	size_t used, total = 0;
	int rc = 0;
	while (rc == 0) {
		size_t want = hk_lxc_conn_want(&c);
		assert_true(want > 0);
		rc = hk_lxc_conn_feed(&c, stream + total, 1, &used, &got);
		assert_int_equal(used, 1);
		total += used;
	}
	assert_int_equal(rc, 1);
	assert_int_equal(total, sizeof(r) + 5);
	assert_int_equal(got.cmd, HK_LXC_CMD_GET_INIT_PID);
	assert_int_equal(hk_lxc_conn_want(&c), 0);
	/* all at once: the header, then only the data the header announced */
	memset(&c, 0, sizeof(c));
	assert_int_equal(hk_lxc_conn_feed(&c, stream, sizeof(stream), &used, &got), 0);
	assert_int_equal(used, sizeof(r));
	assert_int_equal(hk_lxc_conn_want(&c), 5);
	assert_int_equal(hk_lxc_conn_feed(&c, stream + used, sizeof(stream) - used, &used, &got),
			 1);
	assert_int_equal(used, 5);
	/* a negative length: malformed, and nothing more is wanted */
	r = req_of(HK_LXC_CMD_GET_STATE, -7);
	memset(&c, 0, sizeof(c));
	assert_int_equal(hk_lxc_conn_feed(&c, &r, sizeof(r), &used, &got), -1);
	assert_int_equal(hk_lxc_conn_want(&c), 0);
}

static void test_answers(void **state)
{
	(void)state;
	struct hk_lxc_facts f = {
		.state = HK_LXC_RUNNING, .init_pid = 4242, .name = "c1", .lxcpath = "/p"
	};
	struct hk_lxc_rsp rsp;
	const void *data;
	size_t len;
	struct hk_lxc_req r = req_of(HK_LXC_CMD_GET_STATE, 0);
	hk_lxc_answer(&r, &f, true, &rsp, &data, &len);
	assert_int_equal(rsp.ret, 0);
	assert_int_equal(rsp.datalen, 0);
	assert_int_equal((intptr_t)rsp.data, HK_LXC_RUNNING);
	assert_null(data);
	r = req_of(HK_LXC_CMD_GET_INIT_PID, 0);
	hk_lxc_answer(&r, &f, true, &rsp, &data, &len);
	assert_int_equal((intptr_t)rsp.data, 4242);
	f.init_pid = 0; /* still starting: LXC's clients take a negative pid as none */
	hk_lxc_answer(&r, &f, true, &rsp, &data, &len);
	assert_int_equal((intptr_t)rsp.data, -1);
	r = req_of(HK_LXC_CMD_GET_NAME, 0);
	hk_lxc_answer(&r, &f, true, &rsp, &data, &len);
	assert_int_equal(rsp.ret, 0);
	assert_int_equal(rsp.datalen, 3);
	assert_int_equal(len, 3);
	assert_string_equal(data, "c1");
	r = req_of(HK_LXC_CMD_GET_LXCPATH, 0);
	hk_lxc_answer(&r, &f, true, &rsp, &data, &len);
	assert_string_equal(data, "/p");
	/* LXC's tools may not act on it; unknown commands are unknown. */
	int refused[] = { HK_LXC_CMD_STOP, HK_LXC_CMD_FREEZE, HK_LXC_CMD_UNFREEZE };
	for (size_t i = 0; i < HK_ARRAY_SIZE(refused); i++) {
		r = req_of(refused[i], 0);
		hk_lxc_answer(&r, &f, true, &rsp, &data, &len);
		assert_int_equal(rsp.ret, -EPERM);
		assert_int_equal(len, 0);
	}
	int unknown[] = { HK_LXC_CMD_GET_INIT_PIDFD, 0, 26, 27, -1, 1 << 30 };
	for (size_t i = 0; i < HK_ARRAY_SIZE(unknown); i++) {
		r = req_of(unknown[i], 0);
		hk_lxc_answer(&r, &f, true, &rsp, &data, &len);
		assert_int_equal(rsp.ret, -ENOSYS);
		assert_int_equal(rsp.datalen, 0);
	}
	/* A peer that is neither root nor the owner learns nothing. */
	r = req_of(HK_LXC_CMD_GET_INIT_PID, 0);
	f.init_pid = 4242;
	hk_lxc_answer(&r, &f, false, &rsp, &data, &len);
	assert_int_equal(rsp.ret, -EPERM);
	assert_int_equal((intptr_t)rsp.data, 0);
	assert_null(data);
}

/* lxc-wait's ADD_STATE_CLIENT: the states array arrives in pieces and is
 * kept; in one of its states the client is answered and done, else told
 * MAX_STATE and kept; malformed and unauthorised requests are done. */
static void test_state_client(void **state)
{
	(void)state;
	unsigned char stream[sizeof(struct hk_lxc_req) + HK_LXC_MAX_STATE * 4];
	int32_t states[HK_LXC_MAX_STATE] = { 0 };
	states[HK_LXC_STOPPED] = states[HK_LXC_FROZEN] = 1;
	struct hk_lxc_req r = req_of(HK_LXC_CMD_ADD_STATE_CLIENT, sizeof(states)), got;
	memcpy(stream, &r, sizeof(r));
	memcpy(stream + sizeof(r), states, sizeof(states));
	struct hk_lxc_conn c = { 0 };
	size_t used, total = 0;
	int rc = 0;
	for (size_t step = 3; rc == 0; step = step == 3 ? 5 : 3) { /* pieces across the boundary */
		rc = hk_lxc_conn_feed(&c, stream + total, step, &used, &got);
		total += used;
	}
	assert_int_equal(rc, 1);
	assert_int_equal(total, sizeof(stream));
	struct hk_lxc_rsp rsp;
	unsigned mask;
	assert_true(hk_lxc_answer_state_client(&got, &c, HK_LXC_RUNNING, true, &rsp, &mask));
	assert_int_equal(mask, (1u << HK_LXC_STOPPED) | (1u << HK_LXC_FROZEN));
	assert_int_equal(rsp.ret, HK_LXC_MAX_STATE);
	assert_int_equal((intptr_t)rsp.data, HK_LXC_MAX_STATE);
	/* already there */
	assert_false(hk_lxc_answer_state_client(&got, &c, HK_LXC_FROZEN, true, &rsp, &mask));
	assert_int_equal(rsp.ret, HK_LXC_FROZEN);
	assert_int_equal((intptr_t)rsp.data, HK_LXC_FROZEN);
	/* not root nor the owner */
	assert_false(hk_lxc_answer_state_client(&got, &c, HK_LXC_RUNNING, false, &rsp, &mask));
	assert_int_equal(rsp.ret, -EPERM);
	/* an array of the wrong size */
	got.datalen = 4;
	assert_false(hk_lxc_answer_state_client(&got, &c, HK_LXC_RUNNING, true, &rsp, &mask));
	assert_true(rsp.ret < 0);
	/* the message */
	struct hk_lxc_msg msg;
	assert_int_equal(sizeof(msg), 264); /* LXC's struct lxc_msg */
	hk_lxc_state_msg("c1", HK_LXC_STOPPED, &msg);
	assert_int_equal(msg.type, 0);
	assert_string_equal(msg.name, "c1");
	assert_int_equal(msg.value, HK_LXC_STOPPED);
}

/* Pre-writes a response on the server end, then asks on the client end. */
static int ask_with(const struct hk_lxc_rsp *rsp, const void *data, size_t len, int pass_fds,
		    bool close_server, struct hk_lxc_reply *reply, struct hk_error **err)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	if (rsp) {
		struct iovec iov = { .iov_base = (void *)rsp, .iov_len = sizeof(*rsp) };
		union {
			char buf[CMSG_SPACE(2 * sizeof(int))];
			struct cmsghdr align;
		} ctl;
		memset(&ctl, 0, sizeof(ctl));
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		int fds[2] = { sv[1], sv[1] };
		if (pass_fds) {
			msg.msg_control = ctl.buf;
			msg.msg_controllen = CMSG_SPACE((size_t)pass_fds * sizeof(int));
			struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN((size_t)pass_fds * sizeof(int));
			memcpy(CMSG_DATA(c), fds, (size_t)pass_fds * sizeof(int));
		}
		assert_int_equal(sendmsg(sv[1], &msg, 0), (ssize_t)sizeof(*rsp));
		if (len)
			assert_int_equal(write(sv[1], data, len), (ssize_t)len);
	}
	if (close_server)
		shutdown(sv[1], SHUT_WR);
	int rc = hk_lxc_request(sv[0], HK_LXC_CMD_GET_NAME, NULL, 0, reply, 200, err);
	/* what the client sent: LXC's request header */
	struct hk_lxc_req got;
	assert_int_equal(recv(sv[1], &got, sizeof(got), MSG_DONTWAIT), (ssize_t)sizeof(got));
	assert_int_equal(got.cmd, HK_LXC_CMD_GET_NAME);
	assert_int_equal(got.datalen, 0);
	close(sv[0]);
	close(sv[1]);
	return rc;
}

static void test_client_replies(void **state)
{
	(void)state;
	struct hk_lxc_reply r;
	hk_autoerr struct hk_error *err = NULL;
	struct hk_lxc_rsp rsp = { .ret = 0, .datalen = 3, .data = 77 };
	assert_int_equal(ask_with(&rsp, "c1", 3, 0, false, &r, &err), 0);
	assert_false(r.closed);
	assert_int_equal(r.ret, 0);
	assert_int_equal(r.value, 77);
	assert_int_equal(r.len, 3);
	assert_string_equal(r.data, "c1");
	hk_lxc_reply_clear(&r);
	/* an answer carried in the data word, with a descriptor */
	rsp = (struct hk_lxc_rsp){ .ret = 0, .datalen = 0, .data = 5 };
	assert_int_equal(ask_with(&rsp, NULL, 0, 1, false, &r, &err), 0);
	assert_true(r.fd >= 0);
	assert_int_equal(r.value, 5);
	hk_lxc_reply_clear(&r);
	assert_int_equal(r.fd, -1);
	/* two descriptors: refused (both closed) */
	assert_int_equal(ask_with(&rsp, NULL, 0, 2, false, &r, &err), -1);
	assert_int_equal(err->code, EPROTO);
	hk_lxc_reply_clear(&r);
	hk_error_freep(&err);
	/* closed without an answer (how LXC_CMD_STOP succeeds) */
	assert_int_equal(ask_with(NULL, NULL, 0, 0, true, &r, &err), 0);
	assert_true(r.closed);
	hk_lxc_reply_clear(&r);
	/* lies about the length */
	rsp = (struct hk_lxc_rsp){ .ret = 0, .datalen = HK_LXC_DATA_MAX + 1 };
	assert_int_equal(ask_with(&rsp, NULL, 0, 0, false, &r, &err), -1);
	assert_int_equal(err->code, EPROTO);
	hk_lxc_reply_clear(&r);
	hk_error_freep(&err);
	rsp = (struct hk_lxc_rsp){ .ret = 0, .datalen = -4 };
	assert_int_equal(ask_with(&rsp, NULL, 0, 0, false, &r, &err), -1);
	hk_lxc_reply_clear(&r);
	hk_error_freep(&err);
	/* data cut short by a close */
	rsp = (struct hk_lxc_rsp){ .ret = 0, .datalen = 10 };
	assert_int_equal(ask_with(&rsp, "abc", 3, 0, true, &r, &err), -1);
	assert_int_equal(err->code, ECONNRESET);
	hk_lxc_reply_clear(&r);
	hk_error_freep(&err);
	/* silence: the deadline, never a hang */
	assert_int_equal(ask_with(NULL, NULL, 0, 0, false, &r, &err), -1);
	assert_int_equal(err->code, ETIMEDOUT);
	hk_lxc_reply_clear(&r);
}

static void test_claim(void **state)
{
	(void)state;
	char path[64];
	snprintf(path, sizeof(path), "/hk-unit-lxc-%d", (int)getpid());
	hk_autoerr struct hk_error *err = NULL;
	hk_autoclose int held = hk_lxc_sock_claim(path, "c1", &err);
	assert_true(held >= 0);
	/* bound, not listening: LXC's clients see it stopped, its start fails */
	assert_int_equal(hk_lxc_sock_connect(path, "c1", &err), -1);
	assert_int_equal(err->code, ECONNREFUSED);
	hk_error_freep(&err);
	assert_int_equal(hk_lxc_sock_claim(path, "c1", &err), -1);
	assert_int_equal(err->code, EADDRINUSE);
	hk_error_freep(&err);
	assert_int_equal(listen(held, 4), 0);
	hk_autoclose int c = hk_lxc_sock_connect(path, "c1", &err);
	assert_true(c >= 0);
	pid_t pid;
	uid_t uid;
	assert_int_equal(hk_lxc_peer_cred(c, &pid, &uid, &err), 0);
	assert_int_equal(pid, getpid());
	assert_int_equal(uid, getuid());
	/* another name is free */
	hk_autoclose int other = hk_lxc_sock_claim(path, "c2", &err);
	assert_true(other >= 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_plain_and_hashed),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_req_parse),
		cmocka_unit_test(test_conn_feed),
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_state_client),
		cmocka_unit_test(test_client_replies),
		cmocka_unit_test(test_claim),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
