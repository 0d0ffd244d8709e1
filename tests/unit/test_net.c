/* test_net.c - the parts of networking that need no privilege: interface
 * name rules, host end names, IP parsing, the config -> plan step and the
 * lease allocator on text (take, drop, prune, full subnet, reservations). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#include "config.h"
#include "net.h"

/* errp, not the error: the argument must be read after the call. */
static void expect_err(int rc, struct hk_error **errp, const char *fragment)
{
	struct hk_error *err = *errp;
	assert_int_equal(rc, -1);
	assert_non_null(err);
	assert_contains(err->msg, fragment);
	for (const char *p = err->msg; *p; p++)
		if ((unsigned char)*p < 0x20)
			fail_msg("raw control byte in \"%s\"", err->msg);
}

static void test_ifname_good(void **state)
{
	(void)state;
	const char *good[] = { "eth0", "a", "veth-c1.x_y", "123456789012345", "hakobr0" };
	for (size_t i = 0; i < HK_ARRAY_SIZE(good); i++)
		assert_int_equal(hk_net_ifname_validate(good[i], "name", NULL), 0);
}

static void test_ifname_bad(void **state)
{
	(void)state;
	struct {
		const char *name, *frag;
	} bad[] = {
		{ "", "1 to 15 bytes" },   { "1234567890123456", "1 to 15 bytes" },
		{ "a/b", "may not hold" }, { "a:1", "may not hold" },
		{ "a b", "may not hold" }, { "a\tb", "may not hold" },
		{ "a%d", "may not hold" }, { ".", "not a valid" },
		{ "..", "not a valid" },   { "x\033[2J", "\\x1b" },
	};
	for (size_t i = 0; i < HK_ARRAY_SIZE(bad); i++) {
		hk_autoerr struct hk_error *err = NULL;
		expect_err(hk_net_ifname_validate(bad[i].name, "lxc.net.0.name", &err), &err,
			   bad[i].frag);
		assert_int_equal(err->code, EINVAL);
		assert_non_null(strstr(err->msg, "lxc.net.0.name"));
	}
	hk_autoerr struct hk_error *err = NULL;
	expect_err(hk_net_ifname_validate(NULL, "x", &err), &err, "1 to 15");
}

static void test_host_name(void **state)
{
	(void)state;
	char n[HK_IFNAME_SIZE];
	hk_net_host_name(4194304, 7, n);
	assert_string_equal(n, "hk4194304_7");
	hk_net_host_name(2147483647, 99, n); /* the longest: still fits and is valid */
	assert_true(strlen(n) <= 15);
	assert_int_equal(hk_net_ifname_validate(n, "host", NULL), 0);
	char m[HK_IFNAME_SIZE];
	hk_net_host_name(2147483647, 98, m);
	assert_string_not_equal(n, m);
}

static void test_ip_parse(void **state)
{
	(void)state;
	struct hk_net_ip ip;
	char txt[HK_NET_IP_STRLEN + 4];
	assert_int_equal(hk_net_ip_parse("10.0.3.5/16", AF_INET, &ip, NULL), 0);
	hk_net_ip_format(&ip, true, txt);
	assert_string_equal(txt, "10.0.3.5/16");
	assert_int_equal(hk_net_ip_parse("10.0.3.5", 0, &ip, NULL), 0);
	assert_int_equal(ip.prefix, 24);
	assert_int_equal(hk_net_ip_parse("10.0.3.5/24 10.0.3.255", AF_INET, &ip, NULL), 0);
	assert_int_equal(hk_net_ip_parse("fd00::5", AF_INET6, &ip, NULL), 0);
	assert_int_equal(ip.prefix, 64);
	hk_net_ip_format(&ip, false, txt);
	assert_string_equal(txt, "fd00::5");
	hk_autoerr struct hk_error *e1 = NULL;
	hk_autoerr struct hk_error *e2 = NULL;
	hk_autoerr struct hk_error *e3 = NULL;
	hk_autoerr struct hk_error *e4 = NULL;
	expect_err(hk_net_ip_parse("fd00::5", AF_INET, &ip, &e1), &e1, "not an IPv4");
	expect_err(hk_net_ip_parse("10.0.0.1/33", AF_INET, &ip, &e2), &e2, "0 to 32");
	expect_err(hk_net_ip_parse("10.0.0.1/x", AF_INET, &ip, &e3), &e3, "prefix");
	expect_err(hk_net_ip_parse("bogus", 0, &ip, &e4), &e4, "not an IP");
}

static void parse(struct hk_config *cfg, const char *text)
{
	hk_config_init(cfg);
	hk_autoerr struct hk_error *err = NULL;
	if (hk_config_parse_string(cfg, text, "test", &err) < 0)
		fail_msg("%s", err->msg);
}

static void test_plan_veth(void **state)
{
	(void)state;
	struct hk_config cfg;
	parse(&cfg,
	      "lxc.net.0.type = veth\nlxc.net.0.link = hakobr0\nlxc.net.0.flags = up\n"
	      "lxc.net.0.hwaddr = 00:16:3e:xx:xx:xx\nlxc.net.0.mtu = 1400\n"
	      "lxc.net.0.ipv4.gateway = auto\n"
	      "lxc.net.1.type = veth\nlxc.net.1.name = data\nlxc.net.1.veth.pair = vc1\n"
	      "lxc.net.1.ipv4.address = 192.168.7.2/24\nlxc.net.1.ipv4.gateway = 192.168.7.1\n"
	      "lxc.net.1.ipv6.address = fd00::2/64\nlxc.net.1.ipv6.gateway = dev\n"
	      "lxc.net.2.type = empty\n");
	struct hk_net_state st;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_net_plan(&cfg, "c1", 1234, &st, &err), 0);
	assert_int_equal(st.n, 2);
	assert_string_equal(st.owner, "c1");
	const struct hk_net_iface *a = &st.ifs[0], *b = &st.ifs[1];
	assert_int_equal(a->kind, HK_NET_VETH);
	assert_string_equal(a->link, "hakobr0");
	assert_string_equal(a->name, "eth0");
	assert_string_equal(a->host, "hk1234_0");
	assert_false(a->pair_set);
	assert_true(a->up);
	assert_int_equal(a->mtu, 1400);
	assert_true(a->gw4_auto);
	assert_int_equal(strlen(a->hwaddr), 17);
	assert_null(strchr(a->hwaddr, 'x'));
	assert_memory_equal(a->hwaddr, "00:16:3e:", 9);
	assert_int_equal(a->n_addrs, 0);
	assert_string_equal(b->name, "data");
	assert_string_equal(b->host, "vc1");
	assert_true(b->pair_set);
	assert_false(b->up);
	assert_int_equal(b->n_addrs, 2);
	assert_int_equal(b->addrs[0].family, AF_INET);
	assert_int_equal(b->addrs[1].family, AF_INET6);
	assert_int_equal(b->gw4.family, AF_INET);
	assert_int_equal(b->gw4.bytes[3], 1);
	assert_string_not_equal(a->tmp, b->tmp);
	/* "dev": a device route, no gateway address. */
	assert_int_equal(b->gw6.family, AF_INET6);
	static const unsigned char zero[16];
	assert_memory_equal(b->gw6.bytes, zero, 16);
	assert_true(hk_net_wanted(&cfg));
	hk_config_free(&cfg);
}

static void test_plan_none_empty(void **state)
{
	(void)state;
	struct hk_config cfg;
	parse(&cfg, "lxc.net.0.type = empty\n");
	struct hk_net_state st;
	assert_int_equal(hk_net_plan(&cfg, "c", 1, &st, NULL), 0);
	assert_int_equal(st.n, 0);
	assert_false(hk_net_wanted(&cfg));
	hk_config_free(&cfg);
}

static void plan_fails(const char *text, const char *frag)
{
	struct hk_config cfg;
	parse(&cfg, text);
	struct hk_net_state st;
	hk_autoerr struct hk_error *err = NULL;
	expect_err(hk_net_plan(&cfg, "c", 1, &st, &err), &err, frag);
	hk_config_free(&cfg);
}

/* The parser checks some fields itself: set them behind its back to prove
 * the plan does not trust them either. */
static void plan_fails_field(char *(*field)(struct hk_net_spec *ns, char *v), const char *value,
			     const char *frag)
{
	struct hk_config cfg;
	parse(&cfg, "lxc.net.0.type = veth\n");
	field(&cfg.nets[0], xstrdup(value));
	struct hk_net_state st;
	hk_autoerr struct hk_error *err = NULL;
	expect_err(hk_net_plan(&cfg, "c", 1, &st, &err), &err, frag);
	hk_config_free(&cfg);
}

static char *set_name(struct hk_net_spec *ns, char *v)
{
	free(ns->name);
	return ns->name = v;
}

static char *set_pair(struct hk_net_spec *ns, char *v)
{
	free(ns->veth_pair);
	return ns->veth_pair = v;
}

static char *set_link(struct hk_net_spec *ns, char *v)
{
	free(ns->link);
	return ns->link = v;
}

static char *set_mac(struct hk_net_spec *ns, char *v)
{
	free(ns->hwaddr);
	return ns->hwaddr = v;
}

static char *set_gw4(struct hk_net_spec *ns, char *v)
{
	free(ns->ipv4_gateway);
	return ns->ipv4_gateway = v;
}

static void test_plan_refusals(void **state)
{
	(void)state;
	plan_fails("lxc.net.0.type = phys\nlxc.net.0.link = eth9\n", "phys is not supported");
	plan_fails("lxc.net.0.type = vlan\n", "vlan is not supported");
	plan_fails_field(set_name, "a/b", "may not hold");
	plan_fails_field(set_name, "a:b", "may not hold");
	plan_fails_field(set_pair, "waytoolongname00", "1 to 15");
	plan_fails_field(set_link, "br%d", "may not hold");
	plan_fails_field(set_mac, "00:16:3e:zz:00:01", "not a MAC");
	plan_fails_field(set_mac, "00:16:3e", "not a MAC");
	plan_fails_field(set_gw4, "nope", "not an IPv4");
	plan_fails("lxc.net.0.type = macvlan\n", "needs lxc.net.0.link");
	plan_fails("lxc.net.0.type = veth\nlxc.net.0.mtu = 67\n",
		   "lxc.net.0.mtu = 67: the MTU must be from 68 to 65535");
	plan_fails("lxc.net.0.type = veth\nlxc.net.0.ipv4.address = 10.0.0.2/24\n"
		   "lxc.net.0.ipv4.address = 10.0.0.3/24\nlxc.net.0.ipv4.address = 10.0.0.4/24\n"
		   "lxc.net.0.ipv4.address = 10.0.0.5/24\nlxc.net.0.ipv4.address = 10.0.0.6/24\n",
		   "at most 4 addresses");
}

static void test_plan_too_many(void **state)
{
	(void)state;
	struct hk_buf b = { 0 };
	for (int i = 0; i <= HK_NET_MAX_IFACES; i++)
		hk_buf_printf(&b, "lxc.net.%d.type = veth\n", i);
	hk_autofree char *text = hk_buf_steal(&b);
	plan_fails(text, "at most 8 network interfaces");
}

/* ---- leases ---- */

static bool all_alive(pid_t pid, long long start)
{
	(void)pid;
	(void)start;
	return true;
}

static bool pid_100_dead(pid_t pid, long long start)
{
	(void)start;
	return pid != 100;
}

static struct hk_net_ip bridge(const char *cidr)
{
	struct hk_net_ip ip;
	assert_int_equal(hk_net_ip_parse(cidr, AF_INET, &ip, NULL), 0);
	return ip;
}

static void test_lease_take(void **state)
{
	(void)state;
	struct hk_net_ip br = bridge("10.0.100.1/24");
	char ip[HK_NET_IP_STRLEN];
	hk_autofree char *t1 = hk_net_lease_take("", &br, "c1", 100, 5, all_alive, ip, NULL);
	assert_string_equal(ip, "10.0.100.2");
	assert_string_equal(t1, "10.0.100.2 c1 100 5\n");
	hk_autofree char *t2 = hk_net_lease_take(t1, &br, "c2", 200, 6, all_alive, ip, NULL);
	assert_string_equal(ip, "10.0.100.3");
	assert_string_equal(t2, "10.0.100.2 c1 100 5\n10.0.100.3 c2 200 6\n");
	/* The bridge's own address is never handed out. */
	struct hk_net_ip mid = bridge("10.0.100.2/24");
	hk_autofree char *t3 = hk_net_lease_take("", &mid, "c", 1, 1, all_alive, ip, NULL);
	assert_string_equal(ip, "10.0.100.1");
	hk_autofree char *t4 =
		hk_net_lease_take("10.0.100.1 x 1 1\n", &mid, "c", 1, 1, all_alive, ip, NULL);
	assert_string_equal(ip, "10.0.100.3");
}

static void test_lease_stale_reclaimed(void **state)
{
	(void)state;
	struct hk_net_ip br = bridge("10.0.100.1/24");
	char ip[HK_NET_IP_STRLEN];
	hk_autofree char *t = hk_net_lease_take("10.0.100.2 dead 100 5\n10.0.100.3 live 200 6\n",
						&br, "new", 300, 7, pid_100_dead, ip, NULL);
	assert_string_equal(ip, "10.0.100.2");
	assert_string_equal(t, "10.0.100.3 live 200 6\n10.0.100.2 new 300 7\n");
}

static void test_lease_full(void **state)
{
	(void)state;
	struct hk_net_ip br = bridge("10.0.0.1/30"); /* hosts .1 (bridge) and .2 */
	char ip[HK_NET_IP_STRLEN];
	hk_autofree char *t = hk_net_lease_take("", &br, "a", 1, 1, all_alive, ip, NULL);
	assert_string_equal(ip, "10.0.0.2");
	hk_autoerr struct hk_error *err = NULL;
	char *none = hk_net_lease_take(t, &br, "b", 2, 2, all_alive, ip, &err);
	assert_null(none);
	expect_err(-1, &err, "no free address left in 10.0.0.1/30");
	assert_int_equal(err->code, EADDRNOTAVAIL);
	hk_autoerr struct hk_error *e2 = NULL;
	struct hk_net_ip tiny = bridge("10.0.0.1/31");
	assert_null(hk_net_lease_take("", &tiny, "b", 2, 2, all_alive, ip, &e2));
	expect_err(-1, &e2, "/8 to /30");
}

static void test_lease_reservation_and_junk(void **state)
{
	(void)state;
	struct hk_net_ip br = bridge("10.0.100.1/24");
	char ip[HK_NET_IP_STRLEN];
	/* A line without a pid reserves its address forever; junk lines stay. */
	const char *text = "# comment\n10.0.100.2 printer\nnot a lease\n";
	hk_autofree char *t = hk_net_lease_take(text, &br, "c", 9, 9, pid_100_dead, ip, NULL);
	assert_string_equal(ip, "10.0.100.3");
	assert_non_null(strstr(t, "10.0.100.2 printer\n"));
	assert_non_null(strstr(t, "# comment\n"));
	hk_autofree char *d = hk_net_lease_drop(t, "10.0.100.2", 0);
	assert_non_null(strstr(d, "10.0.100.2 printer\n"));
}

static void test_lease_drop(void **state)
{
	(void)state;
	const char *text = "10.0.100.2 a 100 1\n10.0.100.3 b 200 1\n";
	hk_autofree char *d1 = hk_net_lease_drop(text, "10.0.100.2", 100);
	assert_string_equal(d1, "10.0.100.3 b 200 1\n");
	/* Another owner's lease of the same address is not ours to drop. */
	hk_autofree char *d2 = hk_net_lease_drop(text, "10.0.100.2", 555);
	assert_string_equal(d2, text);
	hk_autofree char *d3 = hk_net_lease_drop(text, "10.0.100.3", 0);
	assert_string_equal(d3, "10.0.100.2 a 100 1\n");
	hk_autofree char *d4 = hk_net_lease_drop("", "10.0.100.3", 0);
	assert_string_equal(d4, "");
}

static void test_lease_prune(void **state)
{
	(void)state;
	unsigned n = 99;
	hk_autofree char *p = hk_net_lease_prune(
		"10.0.100.2 a 100 1\n10.0.100.3 b 200 1\n10.0.100.4 r\n", pid_100_dead, &n);
	assert_int_equal(n, 1);
	assert_string_equal(p, "10.0.100.3 b 200 1\n10.0.100.4 r\n");
}

static void test_pid_alive(void **state)
{
	(void)state;
	long long me = hk_proc_start_time(getpid());
	assert_true(hk_net_pid_alive(getpid(), me));
	assert_false(hk_net_pid_alive(getpid(), me + 1)); /* a reused pid */
	assert_false(hk_net_pid_alive(0x3fffffff, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ifname_good),
		cmocka_unit_test(test_ifname_bad),
		cmocka_unit_test(test_host_name),
		cmocka_unit_test(test_ip_parse),
		cmocka_unit_test(test_plan_veth),
		cmocka_unit_test(test_plan_none_empty),
		cmocka_unit_test(test_plan_refusals),
		cmocka_unit_test(test_plan_too_many),
		cmocka_unit_test(test_lease_take),
		cmocka_unit_test(test_lease_stale_reclaimed),
		cmocka_unit_test(test_lease_full),
		cmocka_unit_test(test_lease_reservation_and_junk),
		cmocka_unit_test(test_lease_drop),
		cmocka_unit_test(test_lease_prune),
		cmocka_unit_test(test_pid_alive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
