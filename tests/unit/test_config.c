/* test_config.c - the LXC-format config parser: legacy spellings mean the
 * same as modern ones (compared field by field), every error path names
 * file:line and the key, includes (file, directory, relative, loops),
 * repeated and clearing keys, the parse -> format -> parse round trip for
 * a config holding every key, comment-keeping text edits, MAC wildcards,
 * the config LXC itself writes, and the man page listing every key. */
#include <errno.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "config-internal.h"
#include "config.h"
#include "log.h"
#include "net-text.h"
#include "util.h"

static const char *fixtures(void)
{
	const char *f = getenv("HK_TEST_FIXTURES");
	return f ? f : "tests/fixtures";
}

static char *fixture(const char *name)
{
	return xasprintf("%s/config/%s", fixtures(), name);
}

static char *read_all(const char *path)
{
	char *s = NULL;
	struct hk_error *e = NULL;
	if (hk_read_file(path, &s, NULL, &e) < 0)
		fail_msg("%s: %s", path, e->msg);
	return s;
}

static void parse_ok(struct hk_config *c, const char *text)
{
	struct hk_error *e = NULL;
	hk_config_init(c);
	if (hk_config_parse_string(c, text, "test", &e) < 0)
		fail_msg("parse failed: %s", e->msg);
}

static void parse_file_ok(struct hk_config *c, const char *path)
{
	struct hk_error *e = NULL;
	hk_config_init(c);
	if (hk_config_parse_file(c, path, &e) < 0)
		fail_msg("parse of %s failed: %s", path, e->msg);
}

/* ---- typed comparison ---------------------------------------------- */

static void eq_str(const char *a, const char *b, const char *what)
{
	if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0))
		fail_msg("%s: \"%s\" != \"%s\"", what, a ? a : "(null)", b ? b : "(null)");
}

static void eq_strv(const struct hk_strv *a, const struct hk_strv *b, const char *what)
{
	if (a->n != b->n)
		fail_msg("%s: %zu values != %zu", what, a->n, b->n);
	for (size_t i = 0; i < a->n; i++)
		eq_str(a->v[i], b->v[i], what);
}

static void eq_kv(const struct hk_kvlist *a, const struct hk_kvlist *b, const char *what)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		eq_str(a->v[i].key, b->v[i].key, what);
		eq_str(a->v[i].value, b->v[i].value, what);
	}
}

static void eq_net(const struct hk_net_spec *a, const struct hk_net_spec *b)
{
	assert_int_equal(a->index, b->index);
	eq_str(a->type, b->type, "type");
	eq_str(a->link, b->link, "link");
	eq_str(a->flags, b->flags, "flags");
	eq_str(a->hwaddr, b->hwaddr, "hwaddr");
	eq_str(a->name, b->name, "name");
	assert_int_equal(a->mtu, b->mtu);
	eq_str(a->veth_pair, b->veth_pair, "veth.pair");
	eq_str(a->macvlan_mode, b->macvlan_mode, "macvlan.mode");
	eq_strv(&a->ipv4, &b->ipv4, "ipv4");
	eq_strv(&a->ipv6, &b->ipv6, "ipv6");
	eq_str(a->ipv4_gateway, b->ipv4_gateway, "ipv4.gateway");
	eq_str(a->ipv6_gateway, b->ipv6_gateway, "ipv6.gateway");
	eq_str(a->script_up, b->script_up, "script.up");
	eq_str(a->script_down, b->script_down, "script.down");
}

static void assert_config_equal(const struct hk_config *a, const struct hk_config *b)
{
	assert_int_equal(a->rootfs.backend, b->rootfs.backend);
	eq_str(a->rootfs.path, b->rootfs.path, "rootfs.path");
	eq_str(a->rootfs.upper, b->rootfs.upper, "rootfs.upper");
	eq_str(a->rootfs.raw, b->rootfs.raw, "rootfs.raw");
	eq_str(a->rootfs_mount, b->rootfs_mount, "rootfs.mount");
	eq_str(a->rootfs_options, b->rootfs_options, "rootfs.options");
	assert_int_equal(a->idmap.n, b->idmap.n);
	for (size_t i = 0; i < a->idmap.n; i++) {
		assert_int_equal(a->idmap.r[i].kind, b->idmap.r[i].kind);
		assert_int_equal(a->idmap.r[i].ns, b->idmap.r[i].ns);
		assert_int_equal(a->idmap.r[i].host, b->idmap.r[i].host);
		assert_int_equal(a->idmap.r[i].count, b->idmap.r[i].count);
	}
	assert_int_equal(a->n_nets, b->n_nets);
	for (size_t i = 0; i < a->n_nets; i++)
		eq_net(&a->nets[i], &b->nets[i]);
	eq_strv(&a->mount_entries, &b->mount_entries, "mount.entry");
	eq_strv(&a->mount_auto, &b->mount_auto, "mount.auto");
	eq_str(a->mount_fstab, b->mount_fstab, "mount.fstab");
	assert_int_equal(a->autodev, b->autodev);
	eq_kv(&a->cgroup_v1, &b->cgroup_v1, "cgroup");
	eq_kv(&a->cgroup_v2, &b->cgroup_v2, "cgroup2");
	eq_str(a->cgroup_dir, b->cgroup_dir, "cgroup.dir");
	eq_kv(&a->sysctl, &b->sysctl, "sysctl");
	eq_kv(&a->prlimits, &b->prlimits, "prlimit");
	eq_strv(&a->cap_drop, &b->cap_drop, "cap.drop");
	eq_strv(&a->cap_keep, &b->cap_keep, "cap.keep");
	eq_str(a->seccomp_profile, b->seccomp_profile, "seccomp");
	assert_int_equal(a->no_new_privs, b->no_new_privs);
	eq_str(a->apparmor_profile, b->apparmor_profile, "apparmor.profile");
	assert_int_equal(a->apparmor_allow_nesting, b->apparmor_allow_nesting);
	assert_int_equal(a->apparmor_allow_incomplete, b->apparmor_allow_incomplete);
	eq_str(a->selinux_context, b->selinux_context, "selinux");
	eq_str(a->uts_name, b->uts_name, "uts.name");
	eq_str(a->init_cmd, b->init_cmd, "init.cmd");
	eq_str(a->init_cwd, b->init_cwd, "init.cwd");
	eq_str(a->execute_cmd, b->execute_cmd, "execute.cmd");
	assert_int_equal(a->init_uid, b->init_uid);
	assert_int_equal(a->init_gid, b->init_gid);
	eq_strv(&a->environment, &b->environment, "environment");
	assert_int_equal(a->tty_max, b->tty_max);
	assert_int_equal(a->pty_max, b->pty_max);
	eq_str(a->tty_dir, b->tty_dir, "tty.dir");
	eq_str(a->console_path, b->console_path, "console.path");
	eq_str(a->console_logfile, b->console_logfile, "console.logfile");
	assert_int_equal(a->console_buffer_size, b->console_buffer_size);
	assert_int_equal(a->start_auto, b->start_auto);
	assert_int_equal(a->start_delay, b->start_delay);
	assert_int_equal(a->start_order, b->start_order);
	eq_strv(&a->groups, &b->groups, "group");
	assert_int_equal(a->signal_halt, b->signal_halt);
	assert_int_equal(a->signal_reboot, b->signal_reboot);
	assert_int_equal(a->signal_stop, b->signal_stop);
	eq_str(a->arch, b->arch, "arch");
	assert_int_equal(a->ephemeral, b->ephemeral);
	eq_str(a->log_file, b->log_file, "log.file");
	assert_int_equal(a->log_level, b->log_level);
	eq_kv(&a->hooks, &b->hooks, "hooks");
}

/* ---- legacy spellings ---------------------------------------------- */

static void test_guides_lines(void **state)
{
	(void)state;
	static const char *const pairs[][2] = {
		{ "lxc.id_map = u 0 100000 65536\nlxc.id_map = g 0 100000 65536\n",
		  "lxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\n" },
		{ "lxc.network.type = veth\nlxc.network.link = lxcbr0\nlxc.network.flags = up\n"
		  "lxc.network.hwaddr = 00:16:3e:xx:xx:xx\n",
		  "lxc.net.0.type = veth\nlxc.net.0.link = lxcbr0\nlxc.net.0.flags = up\n"
		  "lxc.net.0.hwaddr = 00:16:3e:xx:xx:xx\n" },
		{ "lxc.rootfs = aufs:/home/karma/.local/share/lxc/ct01/rootfs:"
		  "/home/karma/.local/share/lxc/aufs01/delta0\n",
		  "lxc.rootfs.path = aufs:/home/karma/.local/share/lxc/ct01/rootfs:"
		  "/home/karma/.local/share/lxc/aufs01/delta0\n" },
		{ "lxc.mount.auto = cgroup\n", "lxc.mount.auto = cgroup\n" },
		{ "lxc.aa_profile = lxc-container-default-with-nesting\n",
		  "lxc.apparmor.profile = lxc-container-default-with-nesting\n" },
		{ "lxc.id_map = u 0 165536 131072\n", "lxc.idmap = u 0 165536 131072\n" },
	};
	for (size_t i = 0; i < HK_ARRAY_SIZE(pairs); i++) {
		struct hk_config a, b;
		parse_ok(&a, pairs[i][0]);
		parse_ok(&b, pairs[i][1]);
		assert_config_equal(&a, &b);
		hk_config_free(&a);
		hk_config_free(&b);
	}
	struct hk_config c;
	parse_ok(&c, pairs[2][0]);
	assert_int_equal(c.rootfs.backend, HK_BACKEND_AUFS);
	assert_string_equal(c.rootfs.path, "/home/karma/.local/share/lxc/ct01/rootfs");
	assert_string_equal(c.rootfs.upper, "/home/karma/.local/share/lxc/aufs01/delta0");
	hk_config_free(&c);
	parse_ok(&c, pairs[0][0]);
	assert_int_equal(c.idmap.n, 2);
	assert_int_equal(c.idmap.r[1].kind, 'g');
	assert_int_equal(c.idmap.r[1].host, 100000);
	assert_int_equal(c.idmap.r[1].count, 65536);
	hk_config_free(&c);
}

static void test_legacy_file_equals_modern(void **state)
{
	(void)state;
	hk_autofree char *modern = fixture("all-keys.conf");
	hk_autofree char *legacy = fixture("legacy-keys.conf");
	struct hk_config a, b;
	parse_file_ok(&a, modern);
	parse_file_ok(&b, legacy);
	assert_config_equal(&a, &b);
	/* entries keep file:line and the modern key */
	assert_string_equal(b.entries[0].key, "lxc.rootfs.path");
	assert_int_equal(b.entries[0].line, 2);
	assert_string_equal(b.entries[0].file, legacy);
	hk_config_free(&a);
	hk_config_free(&b);
}

static void test_legacy_networks(void **state)
{
	(void)state;
	struct hk_config c;
	parse_ok(&c, "lxc.network.type = veth\nlxc.network.link = br0\n"
		     "lxc.network.ipv4 = 10.0.3.2/24\n"
		     "lxc.network.type = veth\nlxc.network.link = br1\n"
		     "lxc.network.veth.pair = vh1\nlxc.network.hwaddr = 00:16:3e:xx:xx:xx\n"
		     "lxc.network.type = empty\n");
	assert_int_equal(c.n_nets, 3);
	assert_string_equal(c.nets[0].link, "br0");
	assert_string_equal(c.nets[0].ipv4.v[0], "10.0.3.2/24");
	assert_null(c.nets[0].veth_pair);
	assert_string_equal(c.nets[1].link, "br1");
	assert_string_equal(c.nets[1].veth_pair, "vh1");
	assert_string_equal(c.nets[2].type, "empty");
	assert_int_equal(c.nets[2].index, 2);
	assert_string_equal(c.entries[5].key, "lxc.net.1.veth.pair");
	hk_config_free(&c);
	/* legacy after modern: the next index after the highest */
	parse_ok(&c, "lxc.net.3.type = veth\nlxc.network.type = phys\nlxc.network.link = eth2\n"
		     "lxc.net.0.type = vlan\n");
	assert_int_equal(c.n_nets, 3);
	assert_int_equal(c.nets[0].index, 0);
	assert_int_equal(c.nets[2].index, 4);
	assert_string_equal(c.nets[2].link, "eth2");
	hk_config_free(&c);
}

/* ---- values -------------------------------------------------------- */

static void test_values(void **state)
{
	(void)state;
	struct hk_config c;
	parse_ok(&c, "lxc.signal.halt = sigpwr\nlxc.signal.reboot = RTMIN+2\n"
		     "lxc.signal.stop = KILL\nlxc.console.buffer.size = auto\n"
		     "lxc.uts.name = \"quoted name\"\nlxc.init.cmd = '/bin/sh -c x'\n"
		     "lxc.log.level = 6\nlxc.cap.keep = none\nlxc.mount.auto = shmounts:/a:/b\n"
		     "lxc.net.0.type = vlan\nlxc.net.0.ipv6.gateway = dev\n"
		     "lxc.init.cmd = /sbin/init # not a comment\n");
	assert_int_equal(c.signal_halt, SIGPWR);
	assert_int_equal(c.signal_reboot, SIGRTMIN + 2);
	assert_int_equal(c.signal_stop, SIGKILL);
	assert_int_equal(c.console_buffer_size, 128 * 1024);
	assert_string_equal(c.uts_name, "quoted name");
	assert_string_equal(c.init_cmd, "/sbin/init # not a comment");
	assert_int_equal(c.log_level, HK_LOG_ERROR);
	assert_string_equal(c.cap_keep.v[0], "none");
	assert_string_equal(c.nets[0].ipv6_gateway, "dev");
	hk_config_free(&c);
}

struct bad {
	const char *text;
	const char *want; /* must appear in the message */
};

static void test_errors(void **state)
{
	(void)state;
	static const struct bad bad[] = {
		{ "# c\nlxc.foo = 1\n", "\"t\" line 2: unknown key \"lxc.foo\"; see hako.conf(5)" },
		{ "lxc.idmap = u 0 x 65536\n", "\"t\" line 1: lxc.idmap \"u 0 x 65536\": " },
		{ "lxc.id_map = z 0 1 1\n", "line 1: lxc.id_map \"z 0 1 1\"" },
		{ "[global]\nlxc.tty.max = 1\n",
		  "line 1: \"[global]\": a container config has no [sections]" },
		{ "lxc.tty.max = 1\nlxc.tty.max\n",
		  "line 2: \"lxc.tty.max\" is not a \"key = value\" line" },
		{ "lxc.rootfs.path: /x\n",
		  "line 1: \"lxc.rootfs.path: /x\" is not a \"key = value\" line" },
		{ "lxc.rootfs:x = /y\n", "line 1: unknown key \"lxc.rootfs:x\"" },
		{ "lxc.autodev = yes\n", "lxc.autodev \"yes\": expected 0 or 1" },
		{ "lxc.tty.max = -1\n", "lxc.tty.max \"-1\": expected a whole number" },
		{ "lxc.tty.max = 99999999999\n", "expected a whole number" },
		{ "lxc.start.order = x\n", "lxc.start.order \"x\": expected a whole number" },
		{ "lxc.init.uid = -5\n", "lxc.init.uid \"-5\": expected a numeric id" },
		{ "lxc.net.0.mtu = 70000\n", "lxc.net.0.mtu \"70000\"" },
		{ "lxc.signal.halt = SIGFOO\n", "lxc.signal.halt \"SIGFOO\": expected a signal" },
		{ "lxc.signal.stop = 999\n", "expected a signal" },
		{ "lxc.net.0.hwaddr = 00:16:3e:xx:xx\n",
		  "lxc.net.0.hwaddr \"00:16:3e:xx:xx\": expected a MAC" },
		{ "lxc.net.0.hwaddr = 00:16:3e:gg:00:00\n", "expected a MAC" },
		{ "lxc.net.0.type = bridge\n",
		  "lxc.net.0.type \"bridge\": unknown interface type; expected veth, empty" },
		{ "lxc.net.0.flags = down\n", "the only flag is \"up\"" },
		{ "lxc.net.0.ipv4.address = 10.0.0.300/24\n", "expected an IPv4 address" },
		{ "lxc.net.0.ipv4.address = 10.0.0.3/33\n", "expected an IPv4 address" },
		{ "lxc.net.0.ipv6.address = 10.0.0.3\n", "expected an IPv6 address" },
		{ "lxc.net.0.ipv4.gateway = nope\n",
		  "expected an IPv4 address, \"auto\" or \"dev\"" },
		{ "lxc.net.0.macvlan.mode = fast\n", "macvlan mode" },
		{ "lxc.net.0.name = averyveryverylongname\n", "at most 15 characters" },
		{ "lxc.net.x.type = veth\n", "unknown key \"lxc.net.x.type\"" },
		{ "lxc.net.0.color = red\n", "unknown key \"lxc.net.0.color\"" },
		{ "lxc.network.link = br0\n", "lxc.network.link \"br0\": no interface yet" },
		{ "lxc.network.foo = 1\n", "unknown key \"lxc.network.foo\"" },
		{ "lxc.net = x\n", "only an empty value" },
		{ "lxc.mount.auto = proc sys:bogus\n",
		  "lxc.mount.auto \"proc sys:bogus\": unknown word \"sys:bogus\"" },
		{ "lxc.mount.auto = shmounts:\n", "unknown word" },
		{ "lxc.cap.drop = sys_module sys_nothing\n", "unknown capability \"sys_nothing\"" },
		{ "lxc.cap.drop = none\n", "unknown capability \"none\"" },
		{ "lxc.rootfs.path = nfs:/x\n", "unknown storage backend \"nfs\"" },
		{ "lxc.rootfs.path = overlay:/only-lower\n", "expected overlay:LOWER:UPPER" },
		{ "lxc.rootfs.path = aufs:/a:\n", "expected aufs:LOWER:UPPER" },
		{ "lxc.arch = vax\n", "lxc.arch \"vax\": unknown architecture" },
		{ "lxc.hook.bogus = /bin/true\n", "lxc.hook.bogus \"/bin/true\": unknown hook" },
		{ "lxc.console.buffer.size = 12 parsecs\n", "expected a size" },
		{ "lxc.log.level = LOUD\n", "lxc.log.level \"LOUD\"" },
		{ "lxc.uts.name = "
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
		  "at most 64 characters" },
		{ "lxc.environment = =x\n", "expected NAME=VALUE" },
		{ "lxc.cgroup = 1\n", "only an empty value is allowed here" },
		{ "lxc.include = /nonexistent/hako-test.conf\n",
		  "line 1: lxc.include \"/nonexistent/hako-test.conf\": cannot read" },
		{ "lxc.tty max = 1\n", "unknown key \"lxc.tty max\"" },
	};
	for (size_t i = 0; i < HK_ARRAY_SIZE(bad); i++) {
		struct hk_config c;
		hk_autoerr struct hk_error *e = NULL;
		hk_config_init(&c);
		int r = hk_config_parse_string(&c, bad[i].text, "t", &e);
		if (r == 0)
			fail_msg("accepted: %s", bad[i].text);
		if (!strstr(e->msg, bad[i].want))
			fail_msg("for %s got \"%s\", want \"%s\"", bad[i].text, e->msg,
				 bad[i].want);
		hk_config_free(&c);
	}
}

static void test_set_get(void **state)
{
	(void)state;
	struct hk_config c;
	hk_autoerr struct hk_error *e = NULL;
	struct hk_strv v = { 0 };
	parse_ok(&c, "lxc.network.type = veth\nlxc.network.link = br0\nlxc.utsname = a\n");
	assert_int_equal(hk_config_set(&c, "lxc.uts.name", "b", &e), 0);
	assert_int_equal(hk_config_get(&c, "lxc.utsname", &v, &e), 0);
	assert_string_equal(v.v[0], "b");
	hk_strv_clear(&v);
	assert_int_equal(hk_config_get(&c, "lxc.network.link", &v, &e), 0);
	assert_string_equal(v.v[0], "br0");
	hk_strv_clear(&v);
	assert_int_equal(hk_config_get(&c, "lxc.net.0.link", &v, &e), 0);
	assert_string_equal(v.v[0], "br0");
	hk_strv_clear(&v);
	assert_int_equal(hk_config_get(&c, "lxc.net.5.link", &v, &e), 0);
	assert_string_equal(v.v[0], "");
	hk_strv_clear(&v);
	assert_int_equal(hk_config_get(&c, "lxc.rootfs.path", &v, &e), 0);
	assert_int_equal(v.n, 1);
	assert_string_equal(v.v[0], "");
	hk_strv_clear(&v);
	assert_int_equal(hk_config_set(&c, "lxc.haltsignal", "USR2", &e), 0);
	assert_int_equal(hk_config_get(&c, "lxc.signal.halt", &v, &e), 0);
	assert_string_equal(v.v[0], "SIGUSR2");
	hk_strv_clear(&v);
	assert_int_equal(hk_config_set(&c, "lxc.cgroup2.memory.max", "1G", &e), 0);
	assert_int_equal(hk_config_get(&c, "lxc.cgroup2.memory.max", &v, &e), 0);
	assert_string_equal(v.v[0], "1G");
	hk_strv_clear(&v);
	assert_int_equal(hk_config_set(&c, "lxc.tty.max", "x", &e), -1);
	assert_non_null(strstr(e->msg, "lxc.tty.max \"x\""));
	hk_error_free(hk_steal_ptr(&e));
	assert_int_equal(hk_config_set(&c, "lxc.uts.name", "a\nb", &e), -1);
	hk_error_free(hk_steal_ptr(&e));
	assert_int_equal(hk_config_get(&c, "lxc.nope", &v, &e), -1);
	assert_non_null(strstr(e->msg, "unknown key \"lxc.nope\""));
	assert_string_equal(hk_config_key_modern("lxc.utsname"), "lxc.uts.name");
	assert_string_equal(hk_config_key_modern("lxc.network.ipv4"), "lxc.net.N.ipv4.address");
	assert_string_equal(hk_config_key_modern("lxc.cgroup.memory.max"), "lxc.cgroup.*");
	assert_null(hk_config_key_modern("lxc.nope"));
	hk_config_free(&c);
}

static void test_repeat_and_clear(void **state)
{
	(void)state;
	struct hk_config c;
	parse_ok(&c,
		 "lxc.uts.name = a\nlxc.uts.name = b\n"
		 "lxc.cap.drop = sys_time\nlxc.cap.drop = sys_module mknod\n"
		 "lxc.mount.entry = a b none bind 0 0\nlxc.mount.entry =\n"
		 "lxc.mount.entry = c d none bind 0 0\n"
		 "lxc.cgroup.devices.allow = a\nlxc.cgroup.devices.allow = b\n"
		 "lxc.cgroup.devices.deny = c\nlxc.cgroup.devices.allow =\n"
		 "lxc.cgroup2.x = 1\nlxc.cgroup2 =\n"
		 "lxc.sysctl.a = 1\nlxc.sysctl.a = 2\n"
		 "lxc.idmap = u 0 1 1\nlxc.idmap =\nlxc.idmap = g 0 2 2\n"
		 "lxc.net.0.type = veth\nlxc.net.1.type = veth\nlxc.net =\nlxc.net.4.type = none\n"
		 "lxc.autodev = 0\nlxc.autodev =\nlxc.tty.max = 3\nlxc.tty.max =\n");
	assert_string_equal(c.uts_name, "b");
	assert_int_equal(c.cap_drop.n, 3);
	assert_string_equal(c.cap_drop.v[2], "mknod");
	assert_int_equal(c.mount_entries.n, 1);
	assert_string_equal(c.mount_entries.v[0], "c d none bind 0 0");
	assert_int_equal(c.cgroup_v1.n, 1);
	assert_string_equal(c.cgroup_v1.v[0].key, "devices.deny");
	assert_int_equal(c.cgroup_v2.n, 0);
	assert_int_equal(c.sysctl.n, 1);
	assert_string_equal(c.sysctl.v[0].value, "2");
	assert_int_equal(c.idmap.n, 1);
	assert_int_equal(c.idmap.r[0].kind, 'g');
	assert_int_equal(c.n_nets, 1);
	assert_int_equal(c.nets[0].index, 4);
	assert_true(c.autodev);
	assert_int_equal(c.tty_max, 0);
	hk_config_free(&c);
}

/* ---- includes ------------------------------------------------------ */

static void test_include(void **state)
{
	(void)state;
	hk_autofree char *top = fixture("include-top.conf");
	struct hk_config c;
	parse_file_ok(&c, top);
	assert_string_equal(c.uts_name, "parent");
	assert_int_equal(c.tty_max, 7);
	assert_int_equal(c.pty_max, 9); /* README in conf-dir is not a .conf */
	assert_int_equal(c.cap_drop.n, 3);
	assert_string_equal(c.cap_drop.v[0], "sys_time");
	assert_string_equal(c.cap_drop.v[1], "sys_module"); /* 10-first before 20-second */
	assert_string_equal(c.cap_drop.v[2], "mac_admin");
	assert_int_equal(c.files.n, 4);
	assert_string_equal(c.path, top);
	assert_non_null(strstr(c.entries[1].file, "sub/child.conf"));
	assert_int_equal(c.entries[1].line, 1);
	hk_config_free(&c);
}

static void test_include_errors(void **state)
{
	(void)state;
	hk_autofree char *loop = fixture("loop-a.conf");
	hk_autofree char *missing = fixture("include-missing.conf");
	struct hk_config c;
	hk_autoerr struct hk_error *e = NULL;
	hk_config_init(&c);
	assert_int_equal(hk_config_parse_file(&c, loop, &e), -1);
	assert_non_null(strstr(e->msg, "line 2: lxc.include \"loop-b.conf\""));
	assert_non_null(strstr(e->msg, "include loop"));
	assert_non_null(strstr(e->msg, "loop-a.conf\" is already being read"));
	hk_config_free(&c);
	hk_error_free(hk_steal_ptr(&e));
	hk_config_init(&c);
	assert_int_equal(hk_config_parse_file(&c, missing, &e), -1);
	assert_non_null(strstr(e->msg, "line 1: lxc.include \"does-not-exist.conf\": cannot read"));
	assert_int_equal(e->code, ENOENT);
	hk_config_free(&c);
	hk_error_free(hk_steal_ptr(&e));
	hk_config_init(&c);
	assert_int_equal(hk_config_parse_file(&c, "/nonexistent/config", &e), -1);
	assert_int_equal(e->code, ENOENT);
	hk_config_free(&c);
	/* a missing include directory is skipped, as LXC's userns.conf needs */
	parse_ok(&c, "lxc.include = /nonexistent/hako.conf.d/\n");
	hk_config_free(&c);
}

/* ---- LXC's own configs --------------------------------------------- */

static void test_lxc_busybox(void **state)
{
	(void)state;
	hk_autofree char *path = fixture("lxc-busybox.config");
	struct hk_config c;
	parse_file_ok(&c, path);
	assert_int_equal(c.rootfs.backend, HK_BACKEND_DIR);
	assert_string_equal(c.rootfs.path, "/var/lib/hako/cfgprobe/rootfs");
	assert_string_equal(c.uts_name, "cfgprobe");
	assert_int_equal(c.signal_halt, SIGUSR1);
	assert_int_equal(c.n_nets, 1);
	assert_string_equal(c.nets[0].link, "lxcbr0");
	assert_int_equal(c.mount_auto.n, 3);
	/* lxc.apparmor.profile warns; allow_nesting is hako's nesting switch too. */
	assert_int_equal(c.warnings, hk_config_apparmor_enabled() ? 0 : 1);
	hk_config_free(&c);
	static const char *const stock[] = { "common.conf", "userns.conf", "nesting.conf",
					     "debian.common.conf", "ubuntu.common.conf" };
	for (size_t i = 0; i < HK_ARRAY_SIZE(stock); i++) {
		hk_autofree char *p = xasprintf("/usr/share/lxc/config/%s", stock[i]);
		if (access(p, R_OK) != 0)
			continue;
		parse_file_ok(&c, p);
		hk_config_free(&c);
	}
}

/* ---- round trip ---------------------------------------------------- */

static void round_trip(const char *path)
{
	struct hk_config a, b;
	parse_file_ok(&a, path);
	char *text = hk_config_format(&a);
	parse_ok(&b, text);
	assert_config_equal(&a, &b);
	char *again = hk_config_format(&b);
	assert_string_equal(text, again);
	free(text);
	free(again);
	hk_config_free(&a);
	hk_config_free(&b);
}

static void test_round_trip(void **state)
{
	(void)state;
	hk_autofree char *all = fixture("all-keys.conf");
	hk_autofree char *legacy = fixture("legacy-keys.conf");
	hk_autofree char *busybox = fixture("lxc-busybox.config");
	round_trip(all);
	round_trip(legacy);
	round_trip(busybox);
	/* the fixture really holds every key of the table */
	hk_autofree char *text = read_all(all);
	for (size_t i = 0; i < hk_config_key_count(); i++) {
		const char *name = hk_config_key_at(i)->name;
		hk_autofree char *pat = xstrdup(name);
		char *star = strchr(pat, '*');
		char *n = strstr(pat, ".N.");
		if (star)
			*star = '\0';
		const char *want = n ? n + 2 : pat; /* ".macvlan.mode": any interface */
		if (strcmp(name, "lxc.net") == 0 || strcmp(name, "lxc.include") == 0)
			continue; /* they hold no value of their own */
		if (!strstr(text, want))
			fail_msg("all-keys.conf lacks %s", name);
	}
	/* quoting survives */
	struct hk_config a, b;
	parse_ok(&a, "lxc.uts.name = '\"x\"'\nlxc.init.cmd = \" a \"\nlxc.net.3.type =\n");
	char *t = hk_config_format(&a);
	parse_ok(&b, t);
	assert_config_equal(&a, &b);
	assert_int_equal(b.n_nets, 1);
	free(t);
	hk_config_free(&a);
	hk_config_free(&b);
}

static void test_long_line(void **state)
{
	(void)state;
	size_t n = 200000;
	char *text = xmalloc(n + 64);
	strcpy(text, "# c\nlxc.init.cmd = ");
	size_t l = strlen(text);
	memset(text + l, 'a', n);
	strcpy(text + l + n, "\nlxc.foo = 1\n");
	struct hk_config c;
	hk_autoerr struct hk_error *e = NULL;
	hk_config_init(&c);
	assert_int_equal(hk_config_parse_string(&c, text, "t", &e), -1);
	assert_non_null(strstr(e->msg, "line 3: unknown key \"lxc.foo\""));
	assert_int_equal(strlen(c.init_cmd), n);
	hk_config_free(&c);
	free(text);
}

/* ---- text edits ---------------------------------------------------- */

static const char edit_text[] = "# top comment\n"
				"lxc.utsname = old   # the name\n"
				"\n"
				"  # indented comment\n"
				"lxc.uts.name=older\n"
				"lxc.network.type = veth\n"
				"lxc.network.link = br0\n"
				"lxc.cap.drop = sys_time\n"
				"# tail";

static void test_text_set(void **state)
{
	(void)state;
	hk_autoerr struct hk_error *e = NULL;
	hk_autofree char *a = hk_config_text_set(edit_text, "lxc.uts.name", "new", &e);
	assert_non_null(a);
	/* exact bytes: the earlier duplicate goes, the last keeps its spelling */
	assert_string_equal(a, "# top comment\n\n  # indented comment\nlxc.uts.name=new\n"
			       "lxc.network.type = veth\nlxc.network.link = br0\n"
			       "lxc.cap.drop = sys_time\n# tail");
	hk_autofree char *b = hk_config_text_set(edit_text, "lxc.net.0.link", "br1", &e);
	assert_non_null(b);
	assert_non_null(strstr(b, "\nlxc.network.link = br1\n"));
	hk_autofree char *c = hk_config_text_set(edit_text, "lxc.cap.drop", "mknod", &e);
	assert_string_equal(
		c, "# top comment\nlxc.utsname = old   # the name\n\n  # indented comment\n"
		   "lxc.uts.name=older\nlxc.network.type = veth\nlxc.network.link = br0\n"
		   "lxc.cap.drop = sys_time\n# tail\nlxc.cap.drop = mknod\n");
	hk_autofree char *d = hk_config_text_set(edit_text, "lxc.tty", "2", &e);
	assert_true(hk_str_has_suffix(d, "# tail\nlxc.tty.max = 2\n"));
	hk_autofree char *f =
		hk_config_text_set(edit_text, "lxc.network.hwaddr", "00:16:3e:xx:xx:xx", &e);
	struct hk_config cfg;
	parse_ok(&cfg, f);
	assert_string_equal(cfg.nets[0].hwaddr, "00:16:3e:xx:xx:xx");
	hk_config_free(&cfg);
	/* a sysctl subkey is single-valued, a cgroup one is a list */
	hk_autofree char *g =
		hk_config_text_set("lxc.sysctl.a = 1\nlxc.sysctl.a = 2\n", "lxc.sysctl.a", "3", &e);
	assert_string_equal(g, "lxc.sysctl.a = 3\n");
	hk_autofree char *h = hk_config_text_set("lxc.cgroup.x = 1", "lxc.cgroup.x", "2", &e);
	assert_string_equal(h, "lxc.cgroup.x = 1\nlxc.cgroup.x = 2\n");
	/* invalid results are refused */
	assert_null(hk_config_text_set(edit_text, "lxc.tty.max", "many", &e));
	assert_non_null(strstr(e->msg, "would not be valid"));
	hk_error_free(hk_steal_ptr(&e));
	assert_null(hk_config_text_set(edit_text, "lxc.bogus", "1", &e));
	assert_non_null(strstr(e->msg, "unknown key \"lxc.bogus\""));
}

static void test_text_unset_replace(void **state)
{
	(void)state;
	hk_autoerr struct hk_error *e = NULL;
	hk_autofree char *a = hk_config_text_unset(edit_text, "lxc.uts.name", &e);
	assert_string_equal(a, "# top comment\n\n  # indented comment\nlxc.network.type = veth\n"
			       "lxc.network.link = br0\nlxc.cap.drop = sys_time\n# tail");
	hk_autofree char *b = hk_config_text_unset(edit_text, "lxc.net.0.link", &e);
	assert_null(strstr(b, "br0"));
	assert_non_null(strstr(b, "lxc.network.type = veth\n"));
	hk_autofree char *same = hk_config_text_unset(edit_text, "lxc.mount.entry", &e);
	assert_string_equal(same, edit_text);
	hk_autofree char *r = hk_config_text_replace_all(edit_text, "lxc.uts.name", "c2");
	assert_string_equal(r, "# top comment\nlxc.utsname = c2\n\n  # indented comment\n"
			       "lxc.uts.name=c2\nlxc.network.type = veth\nlxc.network.link = br0\n"
			       "lxc.cap.drop = sys_time\n# tail");
	hk_autofree char *u = hk_config_text_replace_all(edit_text, "lxc.nope", "x");
	assert_string_equal(u, edit_text);
}

static void test_file_edit(void **state)
{
	(void)state;
	char dir[] = "/tmp/hk-config-XXXXXX";
	assert_non_null(mkdtemp(dir));
	hk_autofree char *path = xasprintf("%s/config", dir);
	hk_autofree char *inc = xasprintf("%s/inc.conf", dir);
	hk_autoerr struct hk_error *e = NULL;
	FILE *f = fopen(inc, "we");
	fputs("lxc.tty.max = 3\n", f);
	fclose(f);
	f = fopen(path, "we");
	fputs("# mine\nlxc.include = inc.conf\nlxc.uts.name = a\n", f);
	fclose(f);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(hk_config_file_set(path, "lxc.utsname", "b", &e), 0);
	hk_autofree char *t = read_all(path);
	assert_string_equal(t, "# mine\nlxc.include = inc.conf\nlxc.uts.name = b\n");
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(hk_config_file_set(path, "lxc.tty.max", "x", &e), -1);
	hk_error_free(hk_steal_ptr(&e));
	assert_int_equal(hk_config_file_unset(path, "lxc.uts.name", &e), 0);
	hk_autofree char *t2 = read_all(path);
	assert_string_equal(t2, "# mine\nlxc.include = inc.conf\n");
	assert_int_equal(hk_config_file_set("/nonexistent/config", "lxc.tty.max", "1", &e), -1);
	assert_int_equal(e->code, ENOENT);
	unlink(path);
	unlink(inc);
	rmdir(dir);
}

/* ---- small helpers ------------------------------------------------- */

static void test_hwaddr_fill(void **state)
{
	(void)state;
	char a[] = "00:16:3e:xx:xx:xx", b[] = "00:16:3e:xx:xx:xx";
	assert_true(hk_hwaddr_fill(a));
	assert_true(hk_hwaddr_fill(b));
	assert_memory_equal(a, "00:16:3e:", 9);
	assert_null(strchr(a, 'x'));
	assert_string_not_equal(a, b); /* 2^-24 chance of a false failure */
	for (int i = 0; i < 64; i++) {
		char w[] = "xx:xx:xx:xx:xx:XX";
		assert_true(hk_hwaddr_fill(w));
		unsigned first = (unsigned)strtoul(w, NULL, 16);
		assert_int_equal(first & 1, 0);
		assert_null(strpbrk(w, "xX"));
	}
	char fixed[] = "01:02:03:04:05:06";
	assert_true(hk_hwaddr_fill(fixed));
	assert_string_equal(fixed, "01:02:03:04:05:06");
	char bad1[] = "00:16:3e:xx:xx", bad2[] = "00-16-3e-xx-xx-xx", bad3[] = "zz:16:3e:xx:xx:xx";
	assert_false(hk_hwaddr_fill(bad1));
	assert_false(hk_hwaddr_fill(bad2));
	assert_false(hk_hwaddr_fill(bad3));
	assert_false(hk_hwaddr_fill(NULL));
}

static void test_backend_and_rootfs(void **state)
{
	(void)state;
	assert_string_equal(hk_backend_name(HK_BACKEND_OVERLAY), "overlay");
	assert_string_equal(hk_backend_name(HK_BACKEND_LVM), "lvm");
	assert_int_equal(hk_backend_from_name("overlayfs"), HK_BACKEND_OVERLAY);
	assert_int_equal(hk_backend_from_name("btrfs"), HK_BACKEND_BTRFS);
	assert_int_equal(hk_backend_from_name("nfs"), HK_BACKEND_UNSET);
	assert_int_equal(hk_backend_from_name(NULL), HK_BACKEND_UNSET);
	static const struct {
		const char *v;
		enum hk_backend b;
		const char *path, *upper;
	} ok[] = {
		{ "/var/lib/hako/c1/rootfs", HK_BACKEND_DIR, "/var/lib/hako/c1/rootfs", NULL },
		{ "dir:/r", HK_BACKEND_DIR, "/r", NULL },
		{ "btrfs:/r", HK_BACKEND_BTRFS, "/r", NULL },
		{ "zfs:tank/c1", HK_BACKEND_ZFS, "tank/c1", NULL },
		{ "lvm:/dev/vg/c1", HK_BACKEND_LVM, "/dev/vg/c1", NULL },
		{ "overlayfs:/lo:/up", HK_BACKEND_OVERLAY, "/lo", "/up" },
		{ "overlay:/lo:/up", HK_BACKEND_OVERLAY, "/lo", "/up" },
		{ "/odd:path", HK_BACKEND_DIR, "/odd:path", NULL },
		{ "./Rel:x", HK_BACKEND_DIR, "./Rel:x", NULL },
	};
	for (size_t i = 0; i < HK_ARRAY_SIZE(ok); i++) {
		struct hk_rootfs_spec r;
		hk_autoerr struct hk_error *e = NULL;
		assert_int_equal(hk_rootfs_spec_parse(ok[i].v, &r, &e), 0);
		assert_int_equal(r.backend, ok[i].b);
		assert_string_equal(r.path, ok[i].path);
		eq_str(r.upper, ok[i].upper, ok[i].v);
		assert_string_equal(r.raw, ok[i].v);
		hk_rootfs_spec_free(&r);
	}
	struct hk_rootfs_spec r;
	hk_autoerr struct hk_error *e = NULL;
	assert_int_equal(hk_rootfs_spec_parse("dir:", &r, &e), -1);
	struct hk_kvlist l = { 0 };
	hk_kvlist_add(&l, "a", "1");
	hk_kvlist_add(&l, "b", "2");
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[1].value, "2");
	hk_kvlist_clear(&l);
	assert_int_equal(l.n, 0);
	assert_null(l.v);
}

static void test_key_table(void **state)
{
	(void)state;
	assert_true(hk_config_key_count() > 60);
	assert_null(hk_config_key_at(hk_config_key_count()));
	for (size_t i = 0; i < hk_config_key_count(); i++) {
		const struct hk_config_key_info *k = hk_config_key_at(i);
		assert_true(hk_str_has_prefix(k->name, "lxc."));
		assert_true(k->doc && *k->doc);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(k->name, hk_config_key_at(j)->name);
	}
}

/* Every key of the table, and every legacy spelling, is in hako.conf(5). */
static void test_man_page(void **state)
{
	(void)state;
	hk_autofree char *path = xasprintf("%s/../../man/hako.conf.5", fixtures());
	if (access(path, R_OK) != 0) {
		free(path);
		path = xstrdup(__FILE__);
		*strrchr(path, '/') = '\0';
		char *p2 = xasprintf("%s/../../man/hako.conf.5", path);
		free(path);
		path = p2;
	}
	hk_autofree char *man = read_all(path);
	for (size_t i = 0; i < hk_key_table_size(); i++) {
		const struct hk_key_def *d = hk_key_table_at(i);
		/* troff escapes: the page writes "lxc.net.N.type" and "lxc.cgroup.*" as is */
		if (!strstr(man, d->info.name))
			fail_msg("hako.conf.5 lacks %s", d->info.name);
		struct hk_strv legacy = { 0 };
		hk_key_legacy_names(d->info.name, &legacy);
		for (size_t j = 0; j < legacy.n; j++)
			if (!strstr(man, legacy.v[j]))
				fail_msg("hako.conf.5 lacks %s (legacy %s)", legacy.v[j],
					 d->info.name);
		hk_strv_clear(&legacy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guides_lines),
		cmocka_unit_test(test_legacy_file_equals_modern),
		cmocka_unit_test(test_legacy_networks),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_set_get),
		cmocka_unit_test(test_repeat_and_clear),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_include_errors),
		cmocka_unit_test(test_lxc_busybox),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_text_set),
		cmocka_unit_test(test_text_unset_replace),
		cmocka_unit_test(test_file_edit),
		cmocka_unit_test(test_hwaddr_fill),
		cmocka_unit_test(test_backend_and_rootfs),
		cmocka_unit_test(test_key_table),
		cmocka_unit_test(test_man_page),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
