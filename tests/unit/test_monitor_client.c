/* test_monitor_client.c - a monitor's control connections
 * (core/monitor-client.c) driven over a socketpair: a request gets its
 * reply and the connection stays; a client that hangs up between requests
 * is let go without a reply written to it; a malformed frame gets ERROR
 * and the connection is closed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testutil.h"

#include "monitor-internal.h"
#include "proto.h"
#include "unixsock.h"
#include "util.h"

struct fixture {
	struct hk_monitor m;
	int peer; /* the client's end; the monitor's is m.clients[0].fd */
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	int sp[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	f->m.name = "mc1";
	f->m.lxc_fd = -1;
	f->m.clients[0] = (struct mon_client){ .fd = sp[0], .mode = CLIENT_CONTROL };
	f->m.n_clients = 1;
	f->peer = sp[1];
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	while (f->m.n_clients)
		hk_monitor_drop_client(&f->m, 0);
	if (f->peer >= 0)
		close(f->peer);
	free(f);
	return 0;
}

/* What the monitor wrote to the client so far, without waiting: the
 * number of bytes (0: nothing). */
static ssize_t pending_reply(int peer)
{
	char buf[4096];
	ssize_t n = recv(peer, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && errno == EAGAIN)
		return 0;
	return n;
}

static void send_hello(int peer)
{
	struct hk_buf b = { 0 };
	size_t s = hk_proto_begin(&b, HK_MSG_HELLO, 0);
	hk_proto_put_u32(&b, HK_TAG_VERSION, HK_PROTO_VERSION);
	assert_int_equal(hk_proto_end(&b, s, NULL), 0);
	assert_int_equal(hk_unixsock_send(peer, b.data, b.len, -1, 1000, NULL), 0);
	hk_buf_free(&b);
}

/* A HELLO, answered with the monitor's HELLO; the connection stays. */
static void hello_answered(struct fixture *f)
{
	send_hello(f->peer);
	assert_true(hk_monitor_client_input(&f->m, 0));
	hk_automsg struct hk_msg reply;
	hk_msg_init(&reply);
	assert_int_equal(hk_unixsock_recv_msg(f->peer, &reply, 1000, NULL), 0);
	assert_int_equal(reply.type, HK_MSG_HELLO);
	uint32_t v = 0;
	assert_int_equal(hk_msg_get_u32(&reply, HK_TAG_VERSION, &v, NULL), 0);
	assert_int_equal(v, HK_PROTO_VERSION);
}

static void test_request_answered(void **state)
{
	struct fixture *f = *state;
	hello_answered(f);
	hello_answered(f); /* and the next one on the same connection */
}

/* The client is done (it shut its side after its last request): the
 * monitor lets it go and writes nothing.  It used to take the clean end
 * (hk_unixsock_recv's 1) for a frame, answer "message (null) is not a
 * request" and keep the connection, which a client half-closed as here
 * then read (and a gone one made the send fail). */
static void test_hangup_not_answered(void **state)
{
	struct fixture *f = *state;
	hello_answered(f);
	assert_int_equal(shutdown(f->peer, SHUT_WR), 0);
	assert_false(hk_monitor_client_input(&f->m, 0));
	assert_int_equal(pending_reply(f->peer), 0);
}

/* A frame whose length word is impossible: ERROR, and the connection ends. */
static void test_malformed_frame(void **state)
{
	struct fixture *f = *state;
	const unsigned char bad[8] = {
		1, 0, 0, 0, 1, 0, 0, 0
	}; /* length 1: shorter than a header */
	assert_int_equal(write(f->peer, bad, sizeof(bad)), (ssize_t)sizeof(bad));
	assert_false(hk_monitor_client_input(&f->m, 0));
	hk_automsg struct hk_msg reply;
	hk_msg_init(&reply);
	assert_int_equal(hk_unixsock_recv_msg(f->peer, &reply, 1000, NULL), 0);
	assert_int_equal(reply.type, HK_MSG_ERROR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_request_answered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hangup_not_answered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_frame, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
