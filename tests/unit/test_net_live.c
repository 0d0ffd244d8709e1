/* test_net_live.c - networking for real (root): a test bridge (hktestbr0,
 * 10.99.99.1/24, never hakobr0), two "containers" that are forked
 * children in their own network namespaces, hk_net_host_setup from this
 * process and hk_net_child_setup inside each; they ping the bridge and each
 * other (busybox ping, addresses of this machine only), the list reads
 * their addresses through netlink in their namespaces, and teardown leaves
 * no veth and no lease behind.  Also: a missing bridge is refused with the
 * fix and leaves nothing behind; stale leases are reclaimed. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "config.h"
#include "net.h"

#define BRIDGE	    "hktestbr0"
#define BRIDGE_CIDR "10.99.99.1/24"
#define BUSYBOX	    "/bin/busybox"

static char run_dir[] = "/tmp/hako-net-test.XXXXXX";

struct kid {
	pid_t pid;
	int cmd, reply; /* our ends of the two pipes */
};

static int ping(const char *ip)
{
	pid_t p = fork();
	if (p == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		execl(BUSYBOX, "ping", "-c", "1", "-W", "3", ip, (char *)NULL);
		_exit(127);
	}
	int status;
	waitpid(p, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* The child: its own netns, then commands: 's' setup, 'p IP' ping, 'q'. */
static __attribute__((noreturn)) void kid_main(int cmd, int reply, const struct hk_net_state *st)
{
	char c = unshare(CLONE_NEWNET) == 0 ? 'r' : 'e';
	if (write(reply, &c, 1) != 1 || c != 'r')
		_exit(1);
	char line[128];
	ssize_t n;
	while ((n = read(cmd, line, sizeof(line) - 1)) > 0) {
		line[n] = '\0';
		char ok = '0';
		if (line[0] == 'q')
			_exit(0);
		if (line[0] == 's') {
			struct hk_error *err = NULL;
			if (hk_net_child_setup(st, &err) < 0) {
				fprintf(stderr, "child setup: %s\n", err->msg);
				ok = '1';
			} else if (if_nametoindex(st->ifs[0].name) == 0) {
				ok = '2';
			}
		} else if (line[0] == 'p') {
			ok = ping(line + 2) == 0 ? '0' : '3';
		}
		if (write(reply, &ok, 1) != 1)
			_exit(1);
	}
	_exit(0);
}

static void kid_start(struct kid *k, const struct hk_net_state *st)
{
	int a[2], b[2];
	assert_int_equal(pipe2(a, O_CLOEXEC), 0);
	assert_int_equal(pipe2(b, O_CLOEXEC), 0);
	k->pid = fork();
	assert_true(k->pid >= 0);
	if (k->pid == 0) {
		close(a[1]);
		close(b[0]);
		kid_main(a[0], b[1], st);
	}
	close(a[0]);
	close(b[1]);
	k->cmd = a[1];
	k->reply = b[0];
	char c = 0;
	assert_int_equal(read(k->reply, &c, 1), 1);
	assert_int_equal(c, 'r');
}

static char kid_do(struct kid *k, const char *cmd)
{
	char c = 'x';
	assert_int_equal(write(k->cmd, cmd, strlen(cmd)), (ssize_t)strlen(cmd));
	assert_int_equal(read(k->reply, &c, 1), 1);
	return c;
}

static void kid_stop(struct kid *k)
{
	if (write(k->cmd, "q", 1) != 1)
		kill(k->pid, SIGKILL);
	int status;
	waitpid(k->pid, &status, 0);
	close(k->cmd);
	close(k->reply);
}

static void parse(struct hk_config *cfg, const char *text)
{
	hk_config_init(cfg);
	hk_autoerr struct hk_error *err = NULL;
	if (hk_config_parse_string(cfg, text, "test", &err) < 0)
		fail_msg("%s", err->msg);
}

static bool leases_hold(const char *ip)
{
	hk_autofree char *text = hk_net_lease_list(NULL);
	assert_non_null(text);
	char needle[64];
	snprintf(needle, sizeof(needle), "%s ", ip);
	return strstr(text, needle) != NULL;
}

static int setup(void **state)
{
	(void)state;
	if (geteuid() != 0)
		return 0;
	if (!mkdtemp(run_dir))
		return -1;
	setenv("HAKO_RUN_DIR", run_dir, 1);
	hk_autoerr struct hk_error *err = NULL;
	struct hk_net_bridge_report rep;
	if (hk_net_bridge_setup(BRIDGE, BRIDGE_CIDR, &rep, &err) < 0) {
		fprintf(stderr, "bridge: %s\n", err->msg);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (geteuid() != 0)
		return 0;
	hk_net_bridge_delete(BRIDGE, NULL);
	hk_rm_rf(run_dir, NULL);
	return 0;
}

static bool can_run(void)
{
	if (geteuid() != 0 || access(BUSYBOX, X_OK) != 0)
		return false;
	return true;
}

static const char *const cfg_text = "lxc.net.0.type = veth\nlxc.net.0.link = " BRIDGE "\n"
				    "lxc.net.0.flags = up\nlxc.net.0.hwaddr = 00:16:3e:xx:xx:xx\n";

static void test_bridge_idempotent(void **state)
{
	(void)state;
	if (!can_run())
		skip();
	struct hk_net_bridge_report rep;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_net_bridge_setup(BRIDGE, BRIDGE_CIDR, &rep, &err), 0);
	assert_false(rep.created);
	assert_false(rep.addr_added);
	assert_false(rep.brought_up);
	struct hk_net_ip ip;
	assert_int_equal(hk_net_link_addr(BRIDGE, AF_INET, &ip, NULL), 0);
	assert_int_equal(ip.prefix, 24);
	/* A name that exists and is no bridge is refused. */
	hk_autoerr struct hk_error *e2 = NULL;
	assert_int_equal(hk_net_bridge_setup("lo", "10.99.98.1/24", &rep, &e2), -1);
	assert_non_null(strstr(e2->msg, "is not a bridge"));
}

static void test_two_containers(void **state)
{
	(void)state;
	if (!can_run())
		skip();
	struct hk_config cfg;
	parse(&cfg, cfg_text);
	struct hk_net_state *sa = hk_net_state_new_shared(), *sb = hk_net_state_new_shared();
	struct kid a, b;
	kid_start(&a, sa);
	kid_start(&b, sb);
	hk_autoerr struct hk_error *err = NULL;
	if (hk_net_host_setup(&cfg, "ta", a.pid, sa, &err) < 0 ||
	    hk_net_host_setup(&cfg, "tb", b.pid, sb, &err) < 0)
		fail_msg("host setup: %s", err->msg);
	char host_a[HK_IFNAME_SIZE], ip_a[HK_NET_IP_STRLEN], ip_b[HK_NET_IP_STRLEN];
	memcpy(host_a, sa->ifs[0].host, sizeof(host_a));
	memcpy(ip_a, sa->ifs[0].lease, sizeof(ip_a));
	memcpy(ip_b, sb->ifs[0].lease, sizeof(ip_b));
	assert_true(if_nametoindex(host_a) > 0);
	assert_true(ip_a[0] && ip_b[0]);
	assert_string_not_equal(ip_a, ip_b);
	assert_true(leases_hold(ip_a) && leases_hold(ip_b));
	assert_int_equal(kid_do(&a, "s"), '0');
	assert_int_equal(kid_do(&b, "s"), '0');
	assert_int_equal(kid_do(&a, "p 10.99.99.1"), '0');
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "p %s", ip_a);
	assert_int_equal(kid_do(&b, cmd), '0');
	/* What the list shows: read in a's namespace, nothing run there. */
	struct hk_strv v4 = { 0 }, v6 = { 0 };
	assert_int_equal(hk_netns_read_addrs(a.pid, &v4, &v6, NULL), 0);
	assert_int_equal(v4.n, 1);
	assert_string_equal(v4.v[0], ip_a);
	hk_strv_clear(&v4);
	hk_strv_clear(&v6);
	hk_net_host_teardown(sa);
	hk_net_host_teardown(sb);
	assert_int_equal(if_nametoindex(host_a), 0);
	assert_false(leases_hold(ip_a) || leases_hold(ip_b));
	hk_net_host_teardown(sa); /* twice is fine */
	kid_stop(&a);
	kid_stop(&b);
	hk_net_state_free_shared(sa);
	hk_net_state_free_shared(sb);
	hk_config_free(&cfg);
}

static void test_missing_bridge(void **state)
{
	(void)state;
	if (!can_run())
		skip();
	struct hk_config cfg;
	parse(&cfg, "lxc.net.0.type = veth\nlxc.net.0.link = " BRIDGE "\n"
		    "lxc.net.1.type = veth\nlxc.net.1.link = hknosuchbr0\n");
	struct hk_net_state *st = hk_net_state_new_shared();
	struct kid k;
	kid_start(&k, st);
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_net_host_setup(&cfg, "tm", k.pid, st, &err), -1);
	assert_non_null(strstr(err->msg, "\"hknosuchbr0\""));
	assert_non_null(strstr(err->msg, "hako net setup"));
	/* The first interface was made, then undone with its lease. */
	char host0[HK_IFNAME_SIZE];
	hk_net_host_name(k.pid, 0, host0);
	assert_int_equal(if_nametoindex(host0), 0);
	hk_autofree char *text = hk_net_lease_list(NULL);
	char needle[32];
	snprintf(needle, sizeof(needle), " %d ", (int)k.pid);
	assert_null(strstr(text, needle));
	kid_stop(&k);
	hk_net_state_free_shared(st);
	hk_config_free(&cfg);
}

/* A macvlan on a host device, born in the container with a static address. */
static void test_macvlan(void **state)
{
	(void)state;
	if (!can_run())
		skip();
	struct hk_config cfg;
	parse(&cfg, "lxc.net.0.type = macvlan\nlxc.net.0.link = " BRIDGE "\nlxc.net.0.flags = up\n"
		    "lxc.net.0.name = mv0\nlxc.net.0.macvlan.mode = bridge\n"
		    "lxc.net.0.ipv4.address = 10.99.99.50/24\n");
	struct hk_net_state *st = hk_net_state_new_shared();
	struct kid k;
	kid_start(&k, st);
	hk_autoerr struct hk_error *err = NULL;
	if (hk_net_host_setup(&cfg, "tmv", k.pid, st, &err) < 0)
		fail_msg("host setup: %s", err->msg);
	assert_int_equal(st->ifs[0].lease[0], '\0'); /* a static address: no lease */
	assert_int_equal(kid_do(&k, "s"), '0');
	struct hk_strv v4 = { 0 }, v6 = { 0 };
	assert_int_equal(hk_netns_read_addrs(k.pid, &v4, &v6, NULL), 0);
	assert_int_equal(v4.n, 1);
	assert_string_equal(v4.v[0], "10.99.99.50");
	hk_strv_clear(&v4);
	hk_strv_clear(&v6);
	hk_net_host_teardown(st);
	kid_stop(&k);
	hk_net_state_free_shared(st);
	hk_config_free(&cfg);
}

/* ip ARGS... run in pid's network namespace; its exit status. */
static int ip_in(pid_t pid, const char *args)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "nsenter -t %d -n ip %s", (int)pid, args);
	return system(cmd);
}

/* The addresses of a namespace are kept between two reads and dumped
 * again only when its netlink group says they changed: each read still
 * sees an address added or removed just before it. */
static void test_addrs_follow_changes(void **state)
{
	(void)state;
	if (!can_run() || system("command -v nsenter ip >/dev/null 2>&1") != 0)
		skip();
	struct hk_net_state *st = hk_net_state_new_shared();
	struct kid k;
	kid_start(&k, st);
	struct hk_strv v4 = { 0 }, v6 = { 0 };
	assert_int_equal(hk_netns_read_addrs(k.pid, &v4, &v6, NULL), 0);
	assert_int_equal(v4.n, 0);
	const char *const addrs[] = { "10.99.97.5", "10.99.97.6" };
	for (size_t i = 0; i < 2; i++) {
		char args[96];
		snprintf(args, sizeof(args), "addr add %s/32 dev lo", addrs[i]);
		assert_int_equal(ip_in(k.pid, args), 0);
		for (int twice = 0; twice < 2; twice++) { /* dumped, then kept */
			hk_strv_clear(&v4);
			assert_int_equal(hk_netns_read_addrs(k.pid, &v4, &v6, NULL), 0);
			assert_int_equal(v4.n, i + 1);
			assert_string_equal(v4.v[i], addrs[i]);
		}
	}
	assert_int_equal(ip_in(k.pid, "addr del 10.99.97.5/32 dev lo"), 0);
	hk_strv_clear(&v4);
	assert_int_equal(hk_netns_read_addrs(k.pid, &v4, &v6, NULL), 0);
	assert_int_equal(v4.n, 1);
	assert_string_equal(v4.v[0], "10.99.97.6");
	hk_strv_clear(&v4);
	hk_strv_clear(&v6);
	kid_stop(&k);
	hk_net_state_free_shared(st);
}

static int open_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	for (struct dirent *e; d && (e = readdir(d));)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n - 1; /* opendir's own */
}

/* Each namespace read keeps two descriptors: past the soft limit the
 * read raises it to the hard one rather than fail (hundreds of running
 * containers under a session's 1024). */
static void test_addrs_past_soft_nofile(void **state)
{
	(void)state;
	if (!can_run())
		skip();
	struct hk_net_state *st = hk_net_state_new_shared();
	struct kid k[6];
	for (size_t i = 0; i < 6; i++)
		kid_start(&k[i], st);
	struct rlimit old;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	if (old.rlim_max < (rlim_t)open_fds() + 64)
		skip();
	/* room for two namespaces' sockets, not six */
	struct rlimit low = { (rlim_t)open_fds() + 5, old.rlim_max };
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	for (size_t i = 0; i < 6; i++) {
		struct hk_strv v4 = { 0 }, v6 = { 0 };
		hk_autoerr struct hk_error *err = NULL;
		if (hk_netns_read_addrs(k[i].pid, &v4, &v6, &err) < 0)
			fail_msg("namespace %zu: %s", i, err->msg);
		hk_strv_clear(&v4);
		hk_strv_clear(&v6);
	}
	struct rlimit now;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &now), 0);
	assert_true(now.rlim_cur == old.rlim_max);
	hk_netns_cache_sweep(); /* the sockets of namespaces not asked for since: */
	hk_netns_cache_sweep(); /* all of them */
	setrlimit(RLIMIT_NOFILE, &old);
	for (size_t i = 0; i < 6; i++)
		kid_stop(&k[i]);
	hk_net_state_free_shared(st);
}

static void test_stale_lease(void **state)
{
	(void)state;
	if (!can_run())
		skip();
	pid_t p = fork();
	if (p == 0)
		_exit(0);
	int status;
	long long start = 12345;
	waitpid(p, &status, 0);
	struct hk_net_ip br;
	assert_int_equal(hk_net_link_addr(BRIDGE, AF_INET, &br, NULL), 0);
	char ip[HK_NET_IP_STRLEN];
	assert_int_equal(hk_net_lease_acquire(&br, "gone", p, start, ip, NULL), 0);
	assert_true(leases_hold(ip));
	assert_true(hk_net_cleanup_stale() >= 1);
	assert_false(leases_hold(ip));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bridge_idempotent),
		cmocka_unit_test(test_two_containers),
		cmocka_unit_test(test_missing_bridge),
		cmocka_unit_test(test_macvlan),
		cmocka_unit_test(test_stale_lease),
		cmocka_unit_test(test_addrs_follow_changes),
		cmocka_unit_test(test_addrs_past_soft_nofile),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
