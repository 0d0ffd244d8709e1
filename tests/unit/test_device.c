/* test_device.c - the pure half of `hako device` (device.h): the words of
 * the command line and their refusals, the records file (round trip,
 * strict refusals naming the line), and the device policy the records
 * make (start rules plus the allows nodes added, one node left out). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "device.h"
#include "util.h"

#define RWM (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)

static void test_parse_words(void **state)
{
	(void)state;
	struct hk_device_req r;
	assert_int_equal(hk_device_parse("add", "/dev/loop7", NULL, &r, NULL), 0);
	assert_true(r.add && r.node);
	assert_null(r.inside);
	assert_int_equal(hk_device_parse("add", "/dev/loop7", "/dev/myloop", &r, NULL), 0);
	assert_string_equal(r.inside, "/dev/myloop");
	assert_int_equal(hk_device_parse("del", "/dev/myloop", NULL, &r, NULL), 0);
	assert_true(!r.add && r.node);
	assert_int_equal(hk_device_parse("add", "eth5", "eth1", &r, NULL), 0);
	assert_true(r.add && !r.node);
	/* A host path may have ".." (the host is the admin's); the place
	 * inside, which defaults to it, may not. */
	assert_int_equal(hk_device_parse("add", "/dev/disk/../loop7", "/dev/l", &r, NULL), 0);
}

static void test_parse_refusals(void **state)
{
	(void)state;
	static const char *const bad[][4] = {
		{ "move", "/dev/loop7", NULL, "say add or del" },
		{ "add", "/dev/loop 7", NULL, "without blanks" },
		{ "add", "/dev/loop7", "dev/x", "absolute path" },
		{ "add", "/dev/loop7", "/", "not the root" },
		{ "add", "/dev/loop7", "/dev/../etc/passwd", "no \".\" or \"..\"" },
		{ "add", "/dev/./loop7", NULL, "no \".\" or \"..\"" },
		{ "add", "/dev/loop7", "/dev/x\ny", "control characters" },
		{ "add", "eth0:1", NULL, "interface" },
		{ "add", "averyveryverylongname", NULL, "1 to 15 bytes" },
		{ "add", "eth5", "bad/name", "name inside" },
	};
	for (size_t i = 0; i < HK_ARRAY_SIZE(bad); i++) {
		struct hk_device_req r;
		struct hk_error *err = NULL;
		assert_int_equal(hk_device_parse(bad[i][0], bad[i][1], bad[i][2], &r, &err), -1);
		if (!strstr(err->msg, bad[i][3]))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err->msg, bad[i][3]);
		assert_int_equal(err->code, EINVAL);
		hk_error_free(err);
	}
}

static const char sample[] = "# a comment\n"
			     "v1 devices.deny a\n"
			     "v1 devices.allow c 1:3 rwm\n"
			     "v1 devices.allow b *:* m\n"
			     "v2 devices.deny a\n"
			     "node b 7 0 1 mknod /tmp/x/loop /dev/myloop\n"
			     "node c 1 3 0 bind /tmp/x/null /dev/net/hknull\n"
			     "link eth5 eth1\n";

static void test_records_round_trip(void **state)
{
	(void)state;
	struct hk_device_records r;
	assert_int_equal(hk_device_records_parse(sample, &r, NULL), 0);
	assert_int_equal(r.v1.n, 3);
	assert_int_equal(r.v2.n, 1);
	assert_int_equal(r.n_nodes, 2);
	assert_int_equal(r.nodes[0].type, 'b');
	assert_int_equal(r.nodes[0].major, 7);
	assert_int_equal(r.nodes[0].added, 1);
	assert_false(r.nodes[0].bind);
	assert_true(r.nodes[1].bind);
	assert_string_equal(r.nodes[1].inside, "/dev/net/hknull");
	assert_int_equal(r.n_links, 1);
	assert_string_equal(r.links[0].inside, "eth1");
	char *text = hk_device_records_format(&r);
	struct hk_device_records again;
	assert_int_equal(hk_device_records_parse(text, &again, NULL), 0);
	char *text2 = hk_device_records_format(&again);
	assert_string_equal(text, text2);
	assert_non_null(strstr(text, "node c 1 3 0 bind /tmp/x/null /dev/net/hknull\n"));
	hk_device_records_drop_node(&again, 0);
	hk_device_records_drop_link(&again, 0);
	assert_int_equal(again.n_nodes, 1);
	assert_string_equal(again.nodes[0].inside, "/dev/net/hknull");
	assert_int_equal(again.n_links, 0);
	free(text);
	free(text2);
	hk_device_records_free(&r);
	hk_device_records_free(&again);
}

static void test_records_refusals(void **state)
{
	(void)state;
	static const char *const bad[][2] = {
		{ "v3 devices.allow c 1:3 rwm\n", "line 1: not a v1, v2" },
		{ "v1 devices.allow c 1:3 rwx\n", "line 1: devices.allow = c 1:3 rwx" },
		{ "v1 devices.deny a\nnode x 7 0 1 mknod /a /b\n", "line 2: a node line" },
		{ "node b 7 0 4 mknod /a /b\n", "line 1: a node line" },
		{ "node b 7 0 1 copy /a /b\n", "line 1: a node line" },
		{ "node b 7 0 1 mknod /a /dev/../x\n", "line 1: inside" },
		{ "node b 7 0 1 mknod a /b\n", "line 1: host" },
		{ "link eth5\n", "line 1: not a v1" },
		{ "link eth5 e/th1\n", "line 1: inside" },
		{ "node b 7 0 1 mknod /a /b c d e f g\n", "line 1: too many words" },
	};
	for (size_t i = 0; i < HK_ARRAY_SIZE(bad); i++) {
		struct hk_device_records r;
		struct hk_error *err = NULL;
		assert_int_equal(hk_device_records_parse(bad[i][0], &r, &err), -1);
		if (!strstr(err->msg, bad[i][1]))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err->msg, bad[i][1]);
		assert_int_equal(r.n_nodes, 0);
		hk_error_free(err);
	}
}

/* The policy of each version: start rules, then the allows of the nodes
 * whose add made one there; none without start rules. */
static void test_policy(void **state)
{
	(void)state;
	struct hk_device_records r;
	assert_int_equal(hk_device_records_parse(sample, &r, NULL), 0);
	struct hk_dev_policy p;
	assert_true(hk_device_policy(&r, 1, (size_t)-1, &p));
	assert_true(hk_dev_policy_allows(&p, 'c', 1, 3, RWM));
	assert_true(hk_dev_policy_allows(&p, 'b', 7, 0, RWM)); /* node 0 added it on v1 */
	assert_false(hk_dev_policy_allows(&p, 'b', 8, 0, BPF_DEVCG_ACC_READ));
	hk_dev_policy_free(&p);
	/* Leaving node 0 out: what its del revokes. */
	assert_true(hk_device_policy(&r, 1, 0, &p));
	assert_false(hk_dev_policy_allows(&p, 'b', 7, 0, RWM));
	assert_true(hk_dev_policy_allows(&p, 'b', 7, 0, BPF_DEVCG_ACC_MKNOD));
	hk_dev_policy_free(&p);
	/* v2: "deny a" only, node 0's bit 2 unset: nothing allowed. */
	assert_true(hk_device_policy(&r, 2, (size_t)-1, &p));
	assert_false(hk_dev_policy_allows(&p, 'b', 7, 0, RWM));
	hk_dev_policy_free(&p);
	hk_device_records_free(&r);
	/* No start rules: no policy. */
	assert_int_equal(hk_device_records_parse("node b 7 0 0 bind /a /b\n", &r, NULL), 0);
	assert_false(hk_device_policy(&r, 1, (size_t)-1, &p));
	assert_false(hk_device_policy(&r, 2, (size_t)-1, &p));
	hk_dev_policy_free(&p);
	hk_device_records_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_words),
		cmocka_unit_test(test_parse_refusals),
		cmocka_unit_test(test_records_round_trip),
		cmocka_unit_test(test_records_refusals),
		cmocka_unit_test(test_policy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
