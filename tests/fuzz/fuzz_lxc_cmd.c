/* fuzz_lxc_cmd.c - libFuzzer target for the server side of LXC's command
 * socket that a hako monitor runs (core/lxc-cmd.c): the input is a
 * client's byte stream, cut into pieces whose sizes come from the input's
 * first bytes.  Each piece is fed as the monitor feeds what recv gave it;
 * the feed must take exactly what is offered up to what it wants, a whole request
 * must be exactly its header and declared data, and its answer must carry
 * no more data than LXC accepts, pointing only into the facts; lxc-wait's
 * states are kept without writing past their array. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lxc-cmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_answer(const struct hk_lxc_req *req, const struct hk_lxc_facts *f, bool allowed)
{
	struct hk_lxc_rsp rsp;
	const void *out;
	size_t len;
	hk_lxc_answer(req, f, allowed, &rsp, &out, &len);
	if (rsp.datalen < 0 || (size_t)rsp.datalen != len || len > HK_LXC_DATA_MAX)
		abort();
	if (len && out != f->name && out != f->lxcpath)
		abort();
	if (len && ((const char *)out)[len - 1] != '\0')
		abort();
	if (!allowed && (rsp.ret != -EPERM || len))
		abort();
}

/* lxc-wait's request: the states kept are those the stream carried, and
 * a client is kept waiting only when it waits for something else. */
static void check_state_client(const struct hk_lxc_req *req, const struct hk_lxc_conn *c)
{
	struct hk_lxc_rsp rsp;
	unsigned mask;
	bool wait = hk_lxc_answer_state_client(req, c, HK_LXC_RUNNING, true, &rsp, &mask);
	if (wait && (mask == 0 || (mask & (1u << HK_LXC_RUNNING)) || rsp.ret != HK_LXC_MAX_STATE))
		abort();
	if (!wait && rsp.ret == HK_LXC_MAX_STATE && mask)
		abort();
	if (mask >> HK_LXC_MAX_STATE)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t nsizes = data[0] % 16 + 1;
	if (size < 1 + nsizes)
		return 0;
	const uint8_t *sizes = data + 1, *p = data + 1 + nsizes;
	size_t left = size - 1 - nsizes, piece = 0;
	struct hk_lxc_facts f = {
		.state = HK_LXC_RUNNING, .init_pid = 42, .name = "c1", .lxcpath = "/var/lib/hako"
	};
	struct hk_lxc_conn c = { 0 };
	size_t total = 0;
	while (left) {
		size_t want = hk_lxc_conn_want(&c);
		size_t n = sizes[piece++ % nsizes] + 1;
		if (n > left)
			n = left;
		struct hk_lxc_req req;
		size_t used = 0;
		int rc = hk_lxc_conn_feed(&c, p, n, &used, &req);
		if (used != (n < want ? n : want))
			abort(); /* exactly what was offered, up to what it wanted */
		total += used;
		p += used;
		left -= used;
		if (rc < 0)
			return 0; /* the monitor closes it */
		if (rc > 0) {
			if (req.datalen < 0 || total != sizeof(req) + (size_t)req.datalen)
				abort();
			check_answer(&req, &f, true);
			check_answer(&req, &f, false);
			check_state_client(&req, &c);
			memset(&c, 0, sizeof(c)); /* a new connection */
			total = 0;
		}
	}
	return 0;
}
