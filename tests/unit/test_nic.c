/* test_nic.c - hako-nic's parsers (usernet, records, requests, replies),
 * its trusted-file checks, its network namespace ownership proof (real
 * namespaces, as root: a child that is another uid in its own user
 * namespace) and its policy refusals, which come before anything is made. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "log.h"
#include "nic-client.h"

#define NOBODY 65534

static void expect_err(int rc, struct hk_error **errp, const char *fragment)
{
	struct hk_error *err = *errp;
	assert_true(rc < 0);
	assert_non_null(err);
	assert_contains(err->msg, fragment);
	for (const char *p = err->msg; *p; p++)
		if ((unsigned char)*p < 0x20)
			fail_msg("raw control byte in \"%s\"", err->msg);
}

/* ---- usernet ---- */

static void test_usernet_quota(void **state)
{
	(void)state;
	struct hk_strv groups = { 0 };
	hk_strv_push(&groups, "users");
	hk_strv_push(&groups, "lab");
	const char *text = "# comment\n"
			   "  # indented comment\n"
			   "\n"
			   "alice veth br0 2\n"
			   "@users veth br0 1\n"
			   "@staff veth br0 50\n"
			   "bob veth br0 9\n"
			   "alice veth br1 3\n"
			   "alice phys eth0 1\n"
			   "@lab\tveth\tbr1\t4\r\n";
	unsigned bad = 99;
	assert_int_equal(hk_nic_usernet_quota(text, "alice", &groups, "veth", "br0", &bad), 3);
	assert_int_equal(bad, 0);
	assert_int_equal(hk_nic_usernet_quota(text, "alice", &groups, "veth", "br1", NULL), 7);
	assert_int_equal(hk_nic_usernet_quota(text, "alice", NULL, "veth", "br0", NULL), 2);
	assert_int_equal(hk_nic_usernet_quota(text, "carol", NULL, "veth", "br0", NULL), 0);
	assert_int_equal(hk_nic_usernet_quota(text, "alice", &groups, "veth", "br9", NULL), 0);
	assert_int_equal(hk_nic_usernet_quota(text, "alice", &groups, "phys", "eth0", NULL), 1);
	assert_int_equal(hk_nic_usernet_quota(NULL, "alice", &groups, "veth", "br0", NULL), 0);
	/* A prefix of a name is not the name. */
	assert_int_equal(hk_nic_usernet_quota("alic veth br0 5\nalicex veth br0 5\n", "alice", NULL,
					      "veth", "br0", NULL),
			 0);
	hk_strv_clear(&groups);
}

static void test_usernet_bridges(void **state)
{
	(void)state;
	struct hk_strv groups = { 0 };
	hk_strv_push(&groups, "lab");
	const char *text = "alice veth br1 2\nbob veth br9 1\n@lab veth br2 1\nalice veth br1 1\n"
			   "alice phys eth0 1\nalice veth br3 0\nalice veth bad/name 1\n";
	struct hk_strv out = { 0 };
	hk_nic_usernet_bridges(text, "alice", &groups, "veth", &out);
	assert_int_equal(out.n, 3);
	assert_string_equal(out.v[0], "br1"); /* once, in file order */
	assert_string_equal(out.v[1], "br2");
	assert_string_equal(out.v[2], "br3"); /* listed even with count 0 */
	hk_strv_clear(&out);
	hk_nic_usernet_bridges(text, "carol", NULL, "veth", &out);
	assert_int_equal(out.n, 0);
	hk_nic_usernet_bridges(NULL, "alice", NULL, "veth", &out);
	assert_int_equal(out.n, 0);
	hk_strv_clear(&groups);
}

static void test_usernet_bad_lines(void **state)
{
	(void)state;
	const char *text = "alice veth br0\n"	      /* 3 fields */
			   "alice veth br0 1 extra\n" /* 5 fields */
			   "alice veth br0 x\n"	      /* not a number */
			   "alice veth br0 -1\n"
			   "alice veth br0 4097\n" /* over the cap */
			   "alice veth a/b 1\n"	   /* not an interface name */
			   "alice veth 1234567890123456 1\n"
			   "@ veth br0 1\n"
			   "alice veth br0 1\n";
	unsigned bad = 0;
	assert_int_equal(hk_nic_usernet_quota(text, "alice", NULL, "veth", "br0", &bad), 1);
	assert_int_equal(bad, 8);
	/* The total is capped too. */
	hk_autofree char *many = xasprintf("alice veth br0 4096\nalice veth br0 4096\n");
	assert_int_equal(hk_nic_usernet_quota(many, "alice", NULL, "veth", "br0", NULL),
			 HK_NIC_MAX_COUNT);
}

/* ---- records ---- */

static void test_record_round_trip(void **state)
{
	(void)state;
	const char *line = "1001 veth hakobr0 hkn0123abcd 42 777 123456 10.0.3.5 web-1\n";
	struct hk_nic_record r;
	assert_int_equal(hk_nic_record_parse(line, &r, NULL), 0);
	assert_int_equal(r.uid, 1001);
	assert_string_equal(r.bridge, "hakobr0");
	assert_string_equal(r.host, "hkn0123abcd");
	assert_int_equal(r.ifindex, 42);
	assert_int_equal(r.pid, 777);
	assert_int_equal(r.start, 123456);
	assert_string_equal(r.lease, "10.0.3.5");
	assert_string_equal(r.name, "web-1");
	struct hk_buf b = { 0 };
	hk_nic_record_format(&r, &b);
	assert_string_equal(b.data, line);
	hk_buf_free(&b);
	assert_int_equal(hk_nic_record_parse("0 veth b h 0 1 0 - n", &r, NULL), 0);
	assert_string_equal(r.lease, "-");
}

static void test_record_bad(void **state)
{
	(void)state;
	struct {
		const char *line, *frag;
	} bad[] = {
		{ "1001 veth br0 h 1 2 3 - n extra", "9 fields" },
		{ "1001 veth br0 h 1 2 3 -", "9 fields" },
		{ "", "9 fields" },
		{ "x veth br0 h 1 2 3 - n", "uid" },
		{ "4294967295 veth br0 h 1 2 3 - n", "uid" },
		{ "1 phys br0 h 1 2 3 - n", "type" },
		{ "1 veth b/r h 1 2 3 - n", "may not hold" },
		{ "1 veth br0 1234567890123456 1 2 3 - n", "1 to 15" },
		{ "1 veth br0 h 9999999999 2 3 - n", "interface index" },
		{ "1 veth br0 h 1 0 3 - n", "pid" },
		{ "1 veth br0 h 1 4194305 3 - n", "pid" },
		{ "1 veth br0 h 1 2 -3 - n", "start time" },
		{ "1 veth br0 h 1 2 3 10.0.0.256 n", "lease" },
		{ "1 veth br0 h 1 2 3 ::1 n", "lease" },
		{ "1 veth br0 h 1 2 3 - ../n", "container name" },
	};
	for (size_t i = 0; i < HK_ARRAY_SIZE(bad); i++) {
		hk_autoerr struct hk_error *err = NULL;
		struct hk_nic_record r;
		expect_err(hk_nic_record_parse(bad[i].line, &r, &err), &err, bad[i].frag);
	}
}

static void test_records_parse(void **state)
{
	(void)state;
	const char *text = "1 veth br0 h1 1 2 3 - a\n"
			   "garbage line\n"
			   "\n"
			   "2 veth br0 h2 5 6 7 10.0.0.2 b";
	struct hk_nic_record *r = NULL;
	unsigned bad = 0;
	size_t n = hk_nic_records_parse(text, &r, &bad);
	assert_int_equal(n, 2);
	assert_int_equal(bad, 1);
	assert_string_equal(r[0].host, "h1");
	assert_string_equal(r[1].lease, "10.0.0.2");
	free(r);
	assert_int_equal(hk_nic_records_parse("", &r, &bad), 0);
	assert_null(r);
	assert_int_equal(bad, 0);
}

/* ---- requests and replies ---- */

static int parse_words(const char *const *words, struct hk_nic_request *req, struct hk_error **err)
{
	int n = 0;
	while (words[n])
		n++;
	return hk_nic_request_parse(n, (char *const *)words, req, err);
}

static void test_listing(void **state)
{
	(void)state;
	struct hk_nic_record r;
	assert_int_equal(hk_nic_listing_parse("c1 1234 hakobr0 hkn0011aabb 10.0.100.7", &r, NULL),
			 0);
	assert_string_equal(r.name, "c1");
	assert_int_equal(r.pid, 1234);
	assert_string_equal(r.bridge, "hakobr0");
	assert_string_equal(r.host, "hkn0011aabb");
	assert_string_equal(r.lease, "10.0.100.7");
	assert_int_equal(hk_nic_listing_parse("c1 1234 hakobr0 hkn0011aabb -", &r, NULL), 0);
	assert_string_equal(r.lease, "-");
	static const struct {
		const char *line, *frag;
	} bad[] = {
		{ "c1 1234 hakobr0 hkn0011aabb", "5 fields" },
		{ "c1 1234 hakobr0 hkn0011aabb - x", "5 fields" },
		{ "", "5 fields" },
		{ "a/b 1234 hakobr0 hkn0 -", "container name" },
		{ "c1 0 hakobr0 hkn0 -", "pid" },
		{ "c1 1 br/0 hkn0 -", "may not hold" },
		{ "c1 1 br0 hkn\0330 -", "may not hold" },
		{ "c1 1 br0 hkn0 10.0.0.300", "lease" },
	};
	for (size_t i = 0; i < HK_ARRAY_SIZE(bad); i++) {
		hk_autoerr struct hk_error *err = NULL;
		expect_err(hk_nic_listing_parse(bad[i].line, &r, &err), &err, bad[i].frag);
	}
}

/* Root's view of the records: live ones only; none without the file. */
static void test_records_read(void **state)
{
	(void)state;
	char dir[] = "/tmp/hk-nicrec-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct hk_nic_record *r = NULL;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_nic_records_read(dir, &r, &err), 0);
	hk_autofree char *path = xasprintf("%s/nics", dir);
	hk_autofree char *text =
		xasprintf("1000 veth br0 hkn00000001 5 %d %lld 10.0.0.2 live\n"
			  "1000 veth br0 hkn00000002 0 %d %lld - pending\n"
			  "1001 veth br0 hkn00000003 6 %d 1 - restarted\n"
			  "garbage\n",
			  (int)getpid(), hk_proc_start_time(getpid()), (int)getpid(),
			  hk_proc_start_time(getpid()), (int)getpid());
	assert_int_equal(hk_write_file_atomic(path, text, strlen(text), 0644, NULL), 0);
	assert_int_equal(hk_nic_records_read(dir, &r, &err), 1);
	assert_string_equal(r[0].name, "live");
	assert_int_equal(r[0].uid, 1000);
	assert_string_equal(r[0].lease, "10.0.0.2");
	free(r);
	assert_int_equal(chmod(path, 0), 0);
	if (geteuid() != 0) /* root reads it anyway */
		expect_err((int)hk_nic_records_read(dir, &r, &err), &err, "nics");
	unlink(path);
	rmdir(dir);
}

static void test_request_good(void **state)
{
	(void)state;
	struct hk_nic_request req;
	const char *c[] = { "create", "c1", "1234", "veth", "hakobr0", "eth0", NULL };
	assert_int_equal(parse_words(c, &req, NULL), 0);
	assert_int_equal(req.op, HK_NIC_CREATE);
	assert_string_equal(req.name, "c1");
	assert_int_equal(req.pid, 1234);
	assert_string_equal(req.bridge, "hakobr0");
	assert_string_equal(req.ifname, "eth0");
	assert_false(req.lease);
	const char *cl[] = { "create", "c1", "1234", "veth", "hakobr0", "eth0", "lease", NULL };
	assert_int_equal(parse_words(cl, &req, NULL), 0);
	assert_true(req.lease);
	assert_int_equal(req.mtu, 0);
	const char *cm[] = { "create", "c1",	"1234",	    "veth", "hakobr0",
			     "eth0",   "lease", "mtu=1400", NULL };
	assert_int_equal(parse_words(cm, &req, NULL), 0);
	assert_true(req.lease);
	assert_int_equal(req.mtu, 1400);
	const char *cm2[] = { "create", "c1", "1234", "veth", "hakobr0", "eth0", "mtu=68", NULL };
	assert_int_equal(parse_words(cm2, &req, NULL), 0);
	assert_false(req.lease);
	assert_int_equal(req.mtu, 68);
	const char *cm3[] = {
		"create", "c1", "1234", "veth", "hakobr0", "eth0", "mtu=65535", NULL
	};
	assert_int_equal(parse_words(cm3, &req, NULL), 0);
	assert_int_equal(req.mtu, 65535);
	const char *d[] = { "delete", "c1", "99", NULL };
	assert_int_equal(parse_words(d, &req, NULL), 0);
	assert_int_equal(req.op, HK_NIC_DELETE);
	assert_int_equal(req.pid, 99);
	const char *l[] = { "list", NULL };
	assert_int_equal(parse_words(l, &req, NULL), 0);
	assert_int_equal(req.op, HK_NIC_LIST);
}

static void test_request_bad(void **state)
{
	(void)state;
	struct {
		const char *w[9];
		const char *frag;
		int code;
	} bad[] = {
		{ { NULL }, "usage", EINVAL },
		{ { "make", NULL }, "usage", EINVAL },
		{ { "list", "x", NULL }, "usage", EINVAL },
		{ { "delete", "c1", NULL }, "usage", EINVAL },
		{ { "create", "c1", "1", "veth", "br0", NULL }, "usage", EINVAL },
		{ { "create", "c1", "1", "veth", "br0", "eth0", "lease2", NULL }, "usage", EINVAL },
		{ { "create", "c1", "1", "veth", "br0", "eth0", "lease", "x", NULL },
		  "usage",
		  EINVAL },
		{ { "create", "c1", "1", "veth", "br0", "eth0", "mtu=1400", "lease", NULL },
		  "usage",
		  EINVAL },
		{ { "create", "c1", "1", "veth", "br0", "eth0", "mtu=1400", "mtu=1400", NULL },
		  "usage",
		  EINVAL },
		{ { "create", "c1", "1", "veth", "br0", "eth0", "lease", "lease", NULL },
		  "usage",
		  EINVAL },
		{ { "create", "c1", "1", "veth", "br0", "eth0", "mtu=67", NULL },
		  "from 68 to 65535",
		  EINVAL },
		{ { "create", "c1", "1", "veth", "br0", "eth0", "mtu=65536", NULL },
		  "from 68 to 65535",
		  EINVAL },
		{ { "create", "c1", "1", "veth", "br0", "eth0", "mtu=", NULL },
		  "from 68 to 65535",
		  EINVAL },
		{ { "create", "c1", "1", "veth", "br0", "eth0", "mtu=-1", NULL },
		  "from 68 to 65535",
		  EINVAL },
		{ { "create", "c1", "1", "veth", "br0", "eth0", "mtu=0x100", NULL },
		  "from 68 to 65535",
		  EINVAL },
		{ { "create", "c1", "1", "veth", "br0", "eth0", "mtu=99999999999999999999", NULL },
		  "from 68",
		  EINVAL },
		{ { "create", "a/b", "1", "veth", "br0", "eth0", NULL }, "container name", EINVAL },
		{ { "create", "c1", "0", "veth", "br0", "eth0", NULL }, "pid", EINVAL },
		{ { "create", "c1", "-5", "veth", "br0", "eth0", NULL }, "pid", EINVAL },
		{ { "create", "c1", "0x10", "veth", "br0", "eth0", NULL }, "pid", EINVAL },
		{ { "create", "c1", "99999999", "veth", "br0", "eth0", NULL }, "pid", EINVAL },
		{ { "create", "c1", "1", "phys", "eth1", "eth0", NULL },
		  "veth interfaces only",
		  ENOTSUP },
		{ { "create", "c1", "1", "vlan", "br0", "eth0", NULL },
		  "veth interfaces only",
		  ENOTSUP },
		{ { "create", "c1", "1", "macvlan", "br0", "eth0", NULL },
		  "veth interfaces only",
		  ENOTSUP },
		{ { "create", "c1", "1", "tun", "br0", "eth0", NULL }, "unknown", EINVAL },
		{ { "create", "c1", "1", "veth", "../br", "eth0", NULL }, "may not hold", EINVAL },
		{ { "create", "c1", "1", "veth", "br0", "eth/0", NULL }, "may not hold", EINVAL },
		{ { "create", "c1", "1", "veth", "br0", "eth%d", NULL }, "may not hold", EINVAL },
		{ { "create", "c1", "1", "veth", "br0", "eth\n0", NULL }, "may not hold", EINVAL },
		{ { "create", "c1", "1", "veth", "br0", "eth 0", NULL }, "may not hold", EINVAL },
		{ { "create", "c1", "1", "veth", "br0", "0123456789abcdef", NULL },
		  "1 to 15",
		  EINVAL },
		{ { "create", "c1", "1", "veth", "br0", "", NULL }, "1 to 15", EINVAL },
	};
	for (size_t i = 0; i < HK_ARRAY_SIZE(bad); i++) {
		hk_autoerr struct hk_error *err = NULL;
		struct hk_nic_request req;
		expect_err(parse_words(bad[i].w, &req, &err), &err, bad[i].frag);
		assert_int_equal(err->code, bad[i].code);
	}
	hk_autoerr struct hk_error *err = NULL;
	struct hk_nic_request req;
	expect_err(hk_nic_request_parse(0, NULL, &req, &err), &err, "usage");
}

static void test_reply(void **state)
{
	(void)state;
	struct hk_nic_reply r;
	assert_int_equal(hk_nic_reply_parse("hkn01 eth0 10.0.3.7/24\n", &r, NULL), 0);
	assert_string_equal(r.host, "hkn01");
	assert_string_equal(r.ifname, "eth0");
	assert_int_equal(r.lease.family, AF_INET);
	assert_int_equal(r.lease.prefix, 24);
	assert_int_equal(hk_nic_reply_parse("hkn01 eth0 -", &r, NULL), 0);
	assert_int_equal(r.lease.family, 0);
	const char *bad[][2] = {
		{ "hkn01 eth0", "not \"HOST IFNAME LEASE\"" },
		{ "hkn01 eth0 - x", "not \"HOST" },
		{ "hkn01 eth0 10.0.3.7", "lease" },
		{ "hkn/1 eth0 -", "may not hold" },
		{ "hkn01 eth0 fe80::1/64", "IPv4" },
		{ "\033]52;c;x\007 a b c", "\\x1b" },
	};
	for (size_t i = 0; i < HK_ARRAY_SIZE(bad); i++) {
		hk_autoerr struct hk_error *err = NULL;
		expect_err(hk_nic_reply_parse(bad[i][0], &r, &err), &err, bad[i][1]);
	}
}

/* ---- an ordinary user's plan ---- */

static void test_check_plan(void **state)
{
	(void)state;
	struct hk_net_state plan = { .n = 2 };
	plan.ifs[0] = (struct hk_net_iface){ .index = 0, .kind = HK_NET_VETH, .link = "hakobr0" };
	plan.ifs[1] = (struct hk_net_iface){ .index = 3, .kind = HK_NET_VETH, .link = "br1" };
	assert_int_equal(hk_nic_check_plan(&plan, NULL), 0);
	hk_autoerr struct hk_error *e1 = NULL;
	plan.ifs[1].link[0] = '\0';
	expect_err(hk_nic_check_plan(&plan, &e1), &e1,
		   "lxc.net.3: an ordinary user's veth needs lxc.net.3.link");
	hk_autoerr struct hk_error *e2 = NULL;
	plan.ifs[1].kind = HK_NET_MACVLAN;
	expect_err(hk_nic_check_plan(&plan, &e2), &e2, "can only have veths");
	assert_int_equal(e2->code, ENOTSUP);
}

static void grab_log(void *ctx, enum hk_log_level level, const char *msg)
{
	struct hk_buf *b = ctx;
	if (level == HK_LOG_WARN)
		hk_buf_printf(b, "%s\n", msg);
}

/* lxc.net.N.veth.pair: one warning for each interface that sets it. */
static void test_plan_warn(void **state)
{
	(void)state;
	struct hk_net_state plan = { .n = 3 };
	plan.ifs[0] = (struct hk_net_iface){ .index = 0, .kind = HK_NET_VETH, .host = "hk12_0" };
	plan.ifs[1] = (struct hk_net_iface){
		.index = 2, .kind = HK_NET_VETH, .host = "myveth", .pair_set = true
	};
	plan.ifs[2] = (struct hk_net_iface){ .index = 5, .kind = HK_NET_VETH, .host = "hk12_5" };
	struct hk_buf b = { 0 };
	enum hk_log_level level = hk_log_get_level();
	hk_log_set_level(HK_LOG_WARN);
	hk_log_set_sink(grab_log, &b);
	assert_int_equal(hk_nic_plan_warn(&plan, "c1"), 1);
	plan.ifs[1].pair_set = false;
	assert_int_equal(hk_nic_plan_warn(&plan, "c1"), 0);
	hk_log_set_sink(hk_log_sink_stderr, NULL);
	hk_log_set_level(level);
	assert_string_equal(
		b.data,
		"container \"c1\": lxc.net.2.veth.pair = myveth is ignored: hako-nic names an "
		"ordinary user's host end itself (hknXXXXXXXX); remove the line to silence this\n");
	hk_buf_free(&b);
}

/* ---- trusted files (root: chown) ---- */

static char *tmpdir(void)
{
	char *d = xstrdup("/tmp/hk-nic-test.XXXXXX");
	assert_non_null(mkdtemp(d));
	assert_int_equal(chmod(d, 0755), 0);
	return d;
}

static void test_open_trusted(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip(); /* files owned by another uid need chown: root */
	hk_autofree char *d = tmpdir();
	hk_autofree char *f = xasprintf("%s/usernet", d);
	hk_autofree char *l = xasprintf("%s/link", d);
	hk_autofree char *p = xasprintf("%s/fifo", d);
	assert_int_equal(hk_write_file_atomic(f, "x\n", 2, 0644, NULL), 0);
	int fd = hk_nic_open_trusted(f, false, "usernet file", NULL);
	assert_true(fd >= 0);
	close(fd);
	fd = hk_nic_open_trusted(d, true, "dir", NULL);
	assert_true(fd >= 0);
	close(fd);
	hk_autoerr struct hk_error *e1 = NULL;
	hk_autoerr struct hk_error *e2 = NULL;
	hk_autoerr struct hk_error *e3 = NULL;
	hk_autoerr struct hk_error *e4 = NULL;
	hk_autoerr struct hk_error *e5 = NULL;
	hk_autoerr struct hk_error *e6 = NULL;
	assert_int_equal(chmod(f, 0664), 0);
	expect_err(hk_nic_open_trusted(f, false, "usernet file", &e1), &e1,
		   "writable by its group or others");
	assert_non_null(strstr(e1->msg, "chmod go-w"));
	assert_int_equal(chmod(f, 0646), 0);
	expect_err(hk_nic_open_trusted(f, false, "usernet file", &e2), &e2, "mode 0646");
	assert_int_equal(chmod(f, 0644), 0);
	assert_int_equal(chown(f, NOBODY, 0), 0);
	expect_err(hk_nic_open_trusted(f, false, "usernet file", &e3), &e3,
		   "owned by uid 65534, not root");
	assert_int_equal(symlink(f, l), 0);
	expect_err(hk_nic_open_trusted(l, false, "usernet file", &e4), &e4, "symbolic link");
	assert_int_equal(mkfifo(p, 0644), 0);
	expect_err(hk_nic_open_trusted(p, false, "usernet file", &e5), &e5, "not a regular file");
	expect_err(hk_nic_open_trusted(f, true, "dir", &e6), &e6,
		   "symbolic link (or not a directory)");
	assert_int_equal(hk_rm_rf(d, NULL), 0);
}

/* ---- the network namespace proof (root) ---- */

/* A child that becomes uid, makes its own user and network namespaces
 * and waits; returns its pid once they exist. */
static pid_t ns_child(uid_t uid)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* Dumpable again after setuid, like a monitor's child. */
		if (setgid(uid) < 0 || setuid(uid) < 0 || prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0 ||
		    unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
			_exit(1);
		if (write(p[1], "k", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	char c;
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void test_netns_owner(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip(); /* switching effective ids needs root */
	pid_t mine = ns_child(NOBODY);
	long long start = 0;
	hk_autoerr struct hk_error *err = NULL;
	int fd = hk_nic_netns_open(mine, NOBODY, NOBODY, &start, &err);
	assert_true(fd >= 0);
	assert_true(start > 0);
	assert_int_equal(start, hk_proc_start_time(mine));
	close(fd);
	/* Still root afterwards. */
	assert_int_equal(geteuid(), 0);
	assert_int_equal(getegid(), 0);
	/* Every failure says the same thing: another uid, the host's
	 * namespace, pid 1, a pid that does not exist. */
	struct {
		pid_t pid;
		uid_t uid;
	} no[] = { { mine, NOBODY - 1 },
		   { getpid(), NOBODY },
		   { 1, NOBODY },
		   { 4194303, NOBODY },
		   { -1, NOBODY } };
	char *first = NULL;
	for (size_t i = 0; i < HK_ARRAY_SIZE(no); i++) {
		hk_autoerr struct hk_error *e = NULL;
		expect_err(hk_nic_netns_open(no[i].pid, no[i].uid, no[i].uid, &start, &e), &e,
			   "not one you own");
		assert_int_equal(e->code, EPERM);
		/* Same words apart from the pid. */
		const char *tail = strchr(e->msg, ':');
		if (!first)
			first = xstrdup(tail);
		else
			assert_string_equal(first, tail);
		assert_int_equal(geteuid(), 0);
	}
	free(first);
	reap(mine);
}

/* ---- policy refusals (before anything is made) ---- */

static void test_policy_refusals(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip(); /* trusted files must be root's */
	hk_autofree char *d = tmpdir();
	hk_autofree char *usernet = xasprintf("%s/usernet", d);
	hk_autofree char *db = xasprintf("%s/db", d);
	struct hk_nic_paths paths = { .usernet = usernet, .db_dir = db };
	struct hk_nic_caller c = { .uid = NOBODY, .gid = NOBODY };
	snprintf(c.user, sizeof(c.user), "nobody");
	struct hk_nic_request req;
	const char *w[] = { "create", "c1", "1", "veth", "hkbr-none", "eth0", NULL };
	assert_int_equal(parse_words(w, &req, NULL), 0);
	struct hk_buf out = { 0 };
	hk_autoerr struct hk_error *e1 = NULL;
	hk_autoerr struct hk_error *e2 = NULL;
	hk_autoerr struct hk_error *e3 = NULL;
	hk_autoerr struct hk_error *e4 = NULL;
	expect_err(hk_nic_run(&paths, &req, &c, &out, &e1), &e1, "until root writes a line");
	assert_int_equal(hk_write_file_atomic(usernet, "nobody veth otherbr 1\n", 22, 0644, NULL),
			 0);
	expect_err(hk_nic_run(&paths, &req, &c, &out, &e2), &e2,
		   "may not put a veth on bridge \"hkbr-none\"");
	assert_non_null(strstr(e2->msg, "add \"nobody veth hkbr-none 1\""));
	assert_int_equal(hk_write_file_atomic(usernet, "nobody veth hkbr-none 1\n", 24, 0664, NULL),
			 0);
	expect_err(hk_nic_run(&paths, &req, &c, &out, &e3), &e3, "writable by its group");
	assert_int_equal(chmod(usernet, 0644), 0);
	/* Allowed now: the next check is the namespace (pid 1 is not ours). */
	expect_err(hk_nic_run(&paths, &req, &c, &out, &e4), &e4, "not one you own");
	assert_int_equal(access(db, F_OK), -1); /* nothing was made */
	hk_buf_free(&out);
	assert_int_equal(hk_rm_rf(d, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usernet_quota),	  cmocka_unit_test(test_usernet_bad_lines),
		cmocka_unit_test(test_record_round_trip), cmocka_unit_test(test_record_bad),
		cmocka_unit_test(test_records_parse),	  cmocka_unit_test(test_request_good),
		cmocka_unit_test(test_request_bad),	  cmocka_unit_test(test_reply),
		cmocka_unit_test(test_open_trusted),	  cmocka_unit_test(test_netns_owner),
		cmocka_unit_test(test_policy_refusals),	  cmocka_unit_test(test_check_plan),
		cmocka_unit_test(test_usernet_bridges),	  cmocka_unit_test(test_listing),
		cmocka_unit_test(test_records_read),	  cmocka_unit_test(test_plan_warn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
