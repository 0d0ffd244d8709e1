/* test_remote.c - remotes (core/remote.h): every accepted and refused
 * name and ssh:// URL (ssh option injection, white space, control bytes,
 * ports 0 and 65536, IPv4 and IPv6 literals, paths), the [remotes]
 * section of hako.conf with its file:line errors, the REMOTE:NAME
 * address split, and the hako.conf rewrite of add and remove: comments,
 * order and other sections kept, refusals and a failed write leave the
 * old file as it was, and two edits at once take turns. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "remote.h"
#include "store-internal.h"

/* url parses; its parts are user, host, port, and it prints back as canon. */
static void accept_url(const char *url, const char *user, const char *host, unsigned port,
		       const char *canon)
{
	struct hk_remote r;
	hk_autoerr struct hk_error *err = NULL;
	if (hk_remote_parse("web1", url, NULL, &r, &err) < 0)
		fail_msg("\"%s\" refused: %s", url, err->msg);
	if (user)
		assert_string_equal(r.user, user);
	else
		assert_null(r.user);
	assert_string_equal(r.host, host);
	assert_int_equal(r.port, port);
	assert_string_equal(r.name, "web1");
	assert_null(r.path);
	hk_autofree char *back = hk_remote_url(&r);
	assert_string_equal(back, canon ? canon : url);
	hk_remote_clear(&r);
}

/* url is refused with a message holding the fragment and the fix. */
static void refuse_url(const char *url, const char *fragment)
{
	struct hk_remote r;
	hk_autoerr struct hk_error *err = NULL;
	if (hk_remote_parse("web1", url, NULL, &r, &err) == 0)
		fail_msg("\"%s\" accepted as host \"%s\"", url, r.host);
	assert_int_equal(err->code, EINVAL);
	assert_has(err->msg, "URL \"", fragment, "ssh://[USER@]HOST[:PORT]", NULL);
	assert_null(r.host); /* nothing half-filled is left */
	assert_null(r.name);
}

static void test_url_accepted(void **state)
{
	(void)state;
	accept_url("ssh://web1", NULL, "web1", 0, NULL);
	accept_url("ssh://web1.example.org", NULL, "web1.example.org", 0, NULL);
	accept_url("ssh://admin@web1.example.org:2222", "admin", "web1.example.org", 2222, NULL);
	accept_url("ssh://a_b-c.d@h-1.x_y", "a_b-c.d", "h-1.x_y", 0, NULL);
	accept_url("ssh://h:1", NULL, "h", 1, NULL);
	accept_url("ssh://h:65535", NULL, "h", 65535, NULL);
	accept_url("ssh://192.0.2.10", NULL, "192.0.2.10", 0, NULL);
	accept_url("ssh://root@192.0.2.10:22", "root", "192.0.2.10", 22, NULL);
	accept_url("ssh://[::1]", NULL, "::1", 0, NULL);
	accept_url("ssh://[2001:db8::1]:2200", NULL, "2001:db8::1", 2200, NULL);
	accept_url("ssh://u@[fd00::a:b]:22", "u", "fd00::a:b", 22, NULL);
	accept_url("ssh://[::ffff:192.0.2.1]", NULL, "::ffff:192.0.2.1", 0, NULL);
	/* 63 bytes in a label, 32 in a user name: the limits themselves */
	char label[80], user[40], url[200];
	memset(label, 'a', 63);
	label[63] = '\0';
	memset(user, 'u', 32);
	user[32] = '\0';
	snprintf(url, sizeof(url), "ssh://%s@%s.org", user, label);
	snprintf(label + 63, sizeof(label) - 63, ".org");
	accept_url(url, user, label, 0, NULL);
}

static void test_url_refused(void **state)
{
	(void)state;
	/* what ssh would read as an option, or as more arguments */
	refuse_url("ssh://-oProxyCommand=x", "starting with '-'");
	refuse_url("ssh://-oProxyCommand=sh -c x", "white space");
	refuse_url("ssh://host -p 1", "white space");
	refuse_url("ssh://host\t-p1", "white space");
	refuse_url("ssh://-p@host", "user name starting with '-'");
	refuse_url("ssh://host.-x", "starting with '-'");
	refuse_url("ssh://[-oProxyCommand=x]", "do not hold an IPv6");
	refuse_url("ssh://host:-1", "1 to 65535");
	refuse_url("ssh://h;id", "character other than");
	refuse_url("ssh://h$(id)", "character other than");
	refuse_url("ssh://u`id`@h", "user name with a character");
	/* control bytes and other bytes */
	refuse_url("ssh://host\n", "control byte \\x0a");
	refuse_url("ssh://ho\x01st", "control byte \\x01");
	refuse_url("ssh://host\x7f", "control byte \\x7f");
	refuse_url("ssh://h\xc3\xa9", "non-ASCII byte \\xc3");
	/* ports */
	refuse_url("ssh://h:0", "1 to 65535");
	refuse_url("ssh://h:65536", "1 to 65535");
	refuse_url("ssh://h:99999", "1 to 65535");
	refuse_url("ssh://h:022", "1 to 65535");
	refuse_url("ssh://h:", "1 to 65535");
	refuse_url("ssh://h:+22", "1 to 65535");
	refuse_url("ssh://h:22x", "1 to 65535");
	refuse_url("ssh://h:0x16", "1 to 65535");
	/* shape */
	refuse_url("", "does not start with ssh://");
	refuse_url("web1", "does not start with ssh://");
	refuse_url("SSH://web1", "does not start with ssh://");
	refuse_url("http://web1", "does not start with ssh://");
	refuse_url("ssh://", "names no host");
	refuse_url("ssh://u@", "names no host");
	refuse_url("ssh://:22", "names no host");
	refuse_url("ssh://@h", "empty user name");
	refuse_url("ssh://a@b@h", "more than one '@'");
	refuse_url("ssh://h/var/lib/lxc", "path=LXCPATH");
	refuse_url("ssh://h?x=1", "path=LXCPATH");
	refuse_url("ssh://h#frag", "path=LXCPATH");
	refuse_url("ssh://a..b", "empty part");
	refuse_url("ssh://.h", "empty part");
	refuse_url("ssh://h.", "empty part");
	refuse_url("ssh://uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu@h", "longer than 32");
	/* IPv4 and IPv6 literals */
	refuse_url("ssh://999.1.1.1", "neither a name nor an IPv4");
	refuse_url("ssh://10.1", "neither a name nor an IPv4");
	refuse_url("ssh://167772161", "neither a name nor an IPv4");
	refuse_url("ssh://::1", "more than one ':'");
	refuse_url("ssh://2001:db8::1:22", "in brackets");
	refuse_url("ssh://[2001:db8::1", "without ']'");
	refuse_url("ssh://[web1]", "do not hold an IPv6");
	refuse_url("ssh://[192.0.2.1]", "do not hold an IPv6");
	refuse_url("ssh://[fe80::1%eth0]", "zone");
	refuse_url("ssh://[::1]x", "other than :PORT");
	refuse_url("ssh://[::1]:0", "1 to 65535");
	refuse_url("ssh://[::1]:", "1 to 65535");
	/* long host names */
	char url[400] = "ssh://";
	memset(url + 6, 'a', 64);
	url[70] = '\0';
	refuse_url(url, "longer than 63");
	for (size_t i = 6; i < 6 + 260; i++)
		url[i] = (i % 10 == 5) ? '.' : 'a';
	url[266] = '\0';
	refuse_url(url, "longer than 253");
}

static void refuse_name(const char *name, const char *fragment)
{
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_remote_name_validate(name, &err), -1);
	assert_has(err->msg, "remote name", fragment, NULL);
	struct hk_remote r;
	hk_autoerr struct hk_error *err2 = NULL;
	assert_int_equal(hk_remote_parse(name, "ssh://h", NULL, &r, &err2), -1);
	assert_null(r.name);
}

static void test_names(void **state)
{
	(void)state;
	static const char *const good[] = { "web1", "a", "Web_1.example-2", "localhost", "all2",
					    "_x",   "0" };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		hk_autoerr struct hk_error *err = NULL;
		if (hk_remote_name_validate(good[i], &err) < 0)
			fail_msg("\"%s\" refused: %s", good[i], err->msg);
	}
	refuse_name("local", "reserved");
	refuse_name("all", "reserved");
	refuse_name("LOCAL", "reserved");
	refuse_name("All", "reserved");
	refuse_name("", "not valid");
	refuse_name("-x", "not valid");
	refuse_name(".x", "not valid");
	refuse_name("a:b", "not valid");
	refuse_name("a b", "not valid");
	refuse_name("a/b", "not valid");
	refuse_name("a\nb", "a\\x0ab"); /* shown escaped, never raw */
	char longname[70];
	memset(longname, 'n', 64);
	longname[64] = '\0';
	refuse_name(longname, "1 to 63");
}

static void test_paths_and_values(void **state)
{
	(void)state;
	struct hk_remote r;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_remote_parse_value("db", "ssh://u@db:2200 path=/srv/c-1", &r, &err), 0);
	assert_string_equal(r.path, "/srv/c-1");
	assert_int_equal(r.port, 2200);
	hk_autofree char *v = hk_remote_value(&r);
	assert_string_equal(v, "ssh://u@db:2200 path=/srv/c-1");
	hk_remote_clear(&r);
	assert_int_equal(
		hk_remote_parse_value("db", "ssh://db \t path=/a_b/c.d,e+f@g%h=i:j", &r, &err), 0);
	assert_string_equal(r.path, "/a_b/c.d,e+f@g%h=i:j");
	hk_remote_clear(&r);
	assert_int_equal(hk_remote_parse_value("db", "ssh://[::1]", &r, &err), 0);
	assert_null(r.path);
	assert_true(r.ipv6);
	hk_autofree char *v6 = hk_remote_value(&r);
	assert_string_equal(v6, "ssh://[::1]");
	hk_remote_clear(&r);

	static const struct {
		const char *value, *fragment;
	} bad[] = {
		{ "ssh://db path=srv", "is not absolute" },
		{ "ssh://db path=", "is not absolute" },
		{ "ssh://db path=/a;reboot", "contains ';'" },
		{ "ssh://db path=/$(id)", "contains '$'" },
		{ "ssh://db path=/a'b", "contains '''" },
		{ "ssh://db path=/a b", "white space" },
		{ "ssh://db path=/a\tb", "white space" },
		{ "ssh://db path=/a\nb", "control byte \\x0a" },
		{ "ssh://db\npath=/a", "control byte \\x0a" },
		{ "ssh://db -p 1", "\"-p 1\" follows the URL" },
		{ "ssh://db -oProxyCommand=x", "follows the URL" },
		{ "ssh://db lxcpath=/x", "only path=LXCPATH" },
		{ "ssh://db path=/a path=/b", "white space" },
		{ "", "does not start with ssh://" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hk_autoerr struct hk_error *e = NULL;
		if (hk_remote_parse_value("db", bad[i].value, &r, &e) == 0)
			fail_msg("\"%s\" accepted", bad[i].value);
		assert_has(e->msg, bad[i].fragment, NULL);
		assert_null(r.host);
	}
	char longpath[4200] = "ssh://db path=/";
	memset(longpath + 15, 'p', 4100);
	longpath[4115] = '\0';
	hk_autoerr struct hk_error *e = NULL;
	assert_int_equal(hk_remote_parse_value("db", longpath, &r, &e), -1);
	assert_has(e->msg, "longer than 4095", NULL);
}

/* ---- [remotes] in hako.conf ---------------------------------------- */

static void test_settings_section(void **state)
{
	(void)state;
	static const char text[] = "[net]\nbridge = br0\n"
				   "[remotes]\n"
				   "# the web hosts\n"
				   "web1 = ssh://admin@web1.example.org:2222\n"
				   "db=ssh://[2001:db8::5] path=/srv/lxc\n";
	struct hk_settings s;
	hk_settings_init(&s);
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_settings_parse(&s, text, strlen(text), "/x/hako.conf", &err), 0);
	assert_int_equal(s.n_remotes, 2);
	assert_string_equal(s.remotes[0].name, "web1");
	assert_int_equal(s.remote_lines[0], 5);
	assert_int_equal(s.remotes[1].port, 0);
	assert_string_equal(s.remotes[1].path, "/srv/lxc");
	assert_ptr_equal(hk_settings_remote(&s, "db"), &s.remotes[1]);
	assert_null(hk_settings_remote(&s, "nope"));
	hk_settings_free(&s);
	assert_int_equal(s.n_remotes, 0);

	static const struct {
		const char *text;
		const char *fragments[4];
	} bad[] = {
		{ "[remotes]\nweb1 = ssh://-oProxyCommand=x\n",
		  { "/x/hako.conf:2:", "[remotes] web1 = \"ssh://-oProxyCommand=x\"",
		    "starting with '-'", "ssh://[USER@]HOST[:PORT]" } },
		{ "[remotes]\n\nlocal = ssh://h\n",
		  { "/x/hako.conf:3:", "local", "reserved", "another name" } },
		{ "[remotes]\nall = ssh://h\n", { "/x/hako.conf:2:", "reserved", NULL } },
		{ "[remotes]\nweb1 = ssh://h:0\n",
		  { "/x/hako.conf:2:", "ssh://h:0", "1 to 65535", NULL } },
		{ "[remotes]\nweb1 = ssh://h -p 1\n",
		  { "/x/hako.conf:2:", "\"-p 1\" follows", NULL } },
		{ "[remotes]\nweb1 = ssh://h # a comment\n",
		  { "/x/hako.conf:2:", "follows the URL", NULL } },
		{ "[remotes]\nweb1 =\n",
		  { "/x/hako.conf:2:", "does not start with ssh://", NULL } },
		{ "[remotes]\nweb1 = ssh://a\ndb = ssh://b\nweb1 = ssh://c\n",
		  { "/x/hako.conf:4:", "\"web1\" is defined twice", "first on line 2",
		    "keep one" } },
		{ "[remote]\nweb1 = ssh://a\n",
		  { "/x/hako.conf:1:", "unknown section [remote]", "[remotes]", NULL } },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hk_settings_init(&s);
		hk_autoerr struct hk_error *e = NULL;
		assert_int_equal(
			hk_settings_parse(&s, bad[i].text, strlen(bad[i].text), "/x/hako.conf", &e),
			-1);
		for (size_t f = 0; f < 4 && bad[i].fragments[f]; f++)
			assert_has(e->msg, bad[i].fragments[f], NULL);
		hk_settings_free(&s);
	}
}

/* ---- REMOTE:NAME ------------------------------------------------------ */

static void expect_address(const char *arg, enum hk_address_scope scope, const char *remote,
			   const char *name)
{
	struct hk_address a;
	hk_autoerr struct hk_error *err = NULL;
	if (hk_address_parse(arg, &a, &err) < 0)
		fail_msg("\"%s\" refused: %s", arg, err->msg);
	assert_int_equal(a.scope, scope);
	if (remote)
		assert_string_equal(a.remote, remote);
	else
		assert_null(a.remote);
	if (name)
		assert_string_equal(a.name, name);
	else
		assert_null(a.name);
	hk_address_clear(&a);
}

static void refuse_address(const char *arg, const char *fragment)
{
	struct hk_address a;
	hk_autoerr struct hk_error *err = NULL;
	if (hk_address_parse(arg, &a, &err) == 0)
		fail_msg("\"%s\" accepted", arg);
	assert_has(err->msg, "address \"", fragment, NULL);
	assert_null(a.remote);
	assert_null(a.name);
}

static void test_address(void **state)
{
	(void)state;
	expect_address("c1", HK_ADDRESS_LOCAL, NULL, "c1");
	expect_address("local", HK_ADDRESS_LOCAL, NULL, "local"); /* a container called local */
	expect_address("all", HK_ADDRESS_LOCAL, NULL, "all");
	expect_address("local:c1", HK_ADDRESS_LOCAL, NULL, "c1");
	expect_address("Local:c1", HK_ADDRESS_LOCAL, NULL, "c1");
	expect_address("local:", HK_ADDRESS_LOCAL, NULL, NULL);
	expect_address("web1:c1", HK_ADDRESS_REMOTE, "web1", "c1");
	expect_address("web1:", HK_ADDRESS_REMOTE, "web1", NULL);
	expect_address("db.example-2:x_y.z", HK_ADDRESS_REMOTE, "db.example-2", "x_y.z");
	expect_address("all:", HK_ADDRESS_ALL, NULL, NULL);

	refuse_address("", "container name is empty");
	refuse_address(":c1", "names no remote");
	refuse_address(":", "names no remote");
	refuse_address("all:c1", "every remote");
	refuse_address("web1:c1:x", "contains ':'");
	refuse_address("web1::", "contains ':'");
	refuse_address("-oProxyCommand=x:c1", "remote name");
	refuse_address("web 1:c1", "remote name");
	refuse_address("web1:-c1", "starts with '-'");
	refuse_address("web1:c 1", "contains ' '");
	refuse_address("web1:c1\n", "\\x0a");
	refuse_address("we\x01"
		       "b:c1",
		       "\\x01");
}

/* ---- hako.conf rewrite ---------------------------------------------- */

struct tmp {
	char dir[64];
	char conf[128];
};

static int setup_tmp(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "/tmp/hk-remote.XXXXXX");
	if (!mkdtemp(t->dir))
		return -1;
	snprintf(t->conf, sizeof(t->conf), "%s/hako/hako.conf", t->dir);
	*state = t;
	return 0;
}

static int teardown_tmp(void **state)
{
	struct tmp *t = *state;
	hk_rm_rf(t->dir, NULL);
	free(t);
	return 0;
}

/* path (in its own directory, made here) holds text. */
static void put(const char *path, const char *text)
{
	hk_autofree char *dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(hk_mkdir_p(dir, 0755, NULL), 0);
	assert_int_equal(hk_write_file_atomic(path, text, strlen(text), 0644, NULL), 0);
}

static char *get(const char *path)
{
	char *text = NULL;
	assert_int_equal(hk_read_file(path, &text, NULL, NULL), 0);
	return text;
}

/* No temp file left beside the conf. */
static void assert_no_temp(const struct tmp *t)
{
	hk_autofree char *cmd =
		xasprintf("ls -A '%s/hako' | grep -v '^hako.conf$' | grep -q .", t->dir);
	assert_int_not_equal(system(cmd), 0);
}

static void add(const char *conf, const char *name, const char *url, const char *path,
		struct hk_error **err, int want)
{
	struct hk_remote r;
	assert_int_equal(hk_remote_parse(name, url, path, &r, NULL), 0);
	assert_int_equal(hk_remote_conf_add(conf, &r, err), want);
	hk_remote_clear(&r);
}

static void test_conf_add_new_file(void **state)
{
	struct tmp *t = *state;
	hk_autoerr struct hk_error *err = NULL;
	add(t->conf, "web1", "ssh://admin@web1:2222", NULL, &err, 0); /* makes hako/ too */
	hk_autofree char *text = get(t->conf);
	assert_string_equal(text, "[remotes]\nweb1 = ssh://admin@web1:2222\n");
	struct stat sb;
	assert_int_equal(stat(t->conf, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0644);
	add(t->conf, "db", "ssh://[::1]", "/srv/c", &err, 0);
	hk_autofree char *text2 = get(t->conf);
	assert_string_equal(
		text2, "[remotes]\nweb1 = ssh://admin@web1:2222\ndb = ssh://[::1] path=/srv/c\n");
	assert_no_temp(t);
}

static const char keep[] = "# hako.conf of this host\n"
			   "; written by hand\n"
			   "[net]\n"
			   "bridge = br7\n"
			   "\n"
			   "[remotes]\n"
			   "# web servers\n"
			   "web1 = ssh://web1\n"
			   "\n"
			   "# the database\n"
			   "db : ssh://db:2200\n"
			   "\n"
			   "# dashboard\n"
			   "[tui]\n"
			   "theme = default\n";

static void test_conf_add_keeps_the_rest(void **state)
{
	struct tmp *t = *state;
	put(t->conf, keep);
	chmod(t->conf, 0600);
	hk_autoerr struct hk_error *err = NULL;
	add(t->conf, "web2", "ssh://u@web2", "/var/lib/lxc", &err, 0);
	hk_autofree char *text = get(t->conf);
	/* after the last remote of the section, before its trailing comment */
	hk_autofree char *want = xasprintf("%.*sweb2 = ssh://u@web2 path=/var/lib/lxc\n%s",
					   (int)(strstr(keep, "db : ssh://db:2200\n") - keep + 19),
					   keep, strstr(keep, "db : ssh://db:2200\n") + 19);
	assert_string_equal(text, want);
	struct stat sb;
	assert_int_equal(stat(t->conf, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600); /* the mode is kept */

	/* no [remotes] yet: a new section at the end; no final newline kept sane */
	put(t->conf, "[net]\nbridge = br7");
	add(t->conf, "web1", "ssh://web1", NULL, &err, 0);
	hk_autofree char *t2 = get(t->conf);
	assert_string_equal(t2, "[net]\nbridge = br7\n\n[remotes]\nweb1 = ssh://web1\n");

	/* an empty [remotes] section: right after its header */
	put(t->conf, "[remotes]\n# none yet\n[tui]\ntheme = default\n");
	add(t->conf, "web1", "ssh://web1", NULL, &err, 0);
	hk_autofree char *t3 = get(t->conf);
	assert_string_equal(t3,
			    "[remotes]\nweb1 = ssh://web1\n# none yet\n[tui]\ntheme = default\n");
	assert_no_temp(t);
}

static void test_conf_add_refused(void **state)
{
	struct tmp *t = *state;
	put(t->conf, keep);
	hk_autoerr struct hk_error *err = NULL;
	add(t->conf, "db", "ssh://other", NULL, &err, -1);
	assert_int_equal(err->code, EEXIST);
	assert_has(err->msg, "remote \"db\" already exists", t->conf, "ssh://db:2200",
		   "hako remote remove db", NULL);
	hk_autofree char *text = get(t->conf);
	assert_string_equal(text, keep);

	/* a file hako refuses is not touched: its error comes first */
	static const char broken[] = "[net]\nbirdge = br0\n";
	put(t->conf, broken);
	hk_autoerr struct hk_error *err2 = NULL;
	add(t->conf, "web1", "ssh://web1", NULL, &err2, -1);
	assert_has(err2->msg, ":2: unknown key \"birdge\"", "fix that line first", NULL);
	hk_autofree char *t2 = get(t->conf);
	assert_string_equal(t2, broken);

	/* a symlink is followed: its target changes, the link stays */
	put(t->conf, keep);
	hk_autofree char *real = xasprintf("%s/real.conf", t->dir);
	assert_int_equal(rename(t->conf, real), 0);
	assert_int_equal(symlink(real, t->conf), 0);
	hk_autoerr struct hk_error *err3 = NULL;
	add(t->conf, "web3", "ssh://web3", NULL, &err3, 0);
	struct stat sb;
	assert_int_equal(lstat(t->conf, &sb), 0);
	assert_true(S_ISLNK(sb.st_mode));
	hk_autofree char *t3 = get(real);
	assert_non_null(strstr(t3, "\nweb3 = ssh://web3\n"));
	assert_no_temp(t);
}

/* A write that fails (here: RLIMIT_FSIZE, which root cannot bypass)
 * leaves the old file and no temp file. */
static void test_conf_failed_write(void **state)
{
	struct tmp *t = *state;
	put(t->conf, keep);
	struct rlimit old, small = { .rlim_cur = sizeof(keep) + 4, .rlim_max = RLIM_INFINITY };
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small.rlim_max = old.rlim_max;
	void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	hk_autoerr struct hk_error *err = NULL;
	struct hk_remote r;
	assert_int_equal(hk_remote_parse("web2", "ssh://web2.example.org", NULL, &r, NULL), 0);
	int rc = hk_remote_conf_add(t->conf, &r, &err);
	hk_remote_clear(&r);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, prev);
	assert_int_equal(rc, -1);
	assert_int_equal(err->code, EFBIG);
	assert_has(err->msg, "cannot write", t->conf, NULL);
	hk_autofree char *text = get(t->conf);
	assert_string_equal(text, keep);
	assert_no_temp(t);
}

static void test_conf_remove(void **state)
{
	struct tmp *t = *state;
	put(t->conf, keep);
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_remote_conf_remove(t->conf, "db", &err), 0);
	hk_autofree char *text = get(t->conf);
	hk_autofree char *want = xstrdup(keep);
	char *line = strstr(want, "db : ssh://db:2200\n");
	memmove(line, line + 19, strlen(line + 19) + 1);
	assert_string_equal(text, want); /* only that line went */

	/* a key of the same name in another section stays */
	put(t->conf, "[keys]\nweb1 = F5\n[remotes]\nweb1 = ssh://web1\n");
	assert_int_equal(hk_remote_conf_remove(t->conf, "web1", &err), 0);
	hk_autofree char *t2 = get(t->conf);
	assert_string_equal(t2, "[keys]\nweb1 = F5\n[remotes]\n");

	/* missing remote, missing file: refused, nothing written */
	hk_autoerr struct hk_error *e1 = NULL;
	assert_int_equal(hk_remote_conf_remove(t->conf, "web1", &e1), -1);
	assert_int_equal(e1->code, ENOENT);
	assert_has(e1->msg, "no remote \"web1\"", t->conf, "hako remote list", NULL);
	hk_autofree char *t3 = get(t->conf);
	assert_string_equal(t3, "[keys]\nweb1 = F5\n[remotes]\n");
	hk_autofree char *none = xasprintf("%s/none/hako.conf", t->dir);
	hk_autoerr struct hk_error *e2 = NULL;
	assert_int_equal(hk_remote_conf_remove(none, "web1", &e2), -1);
	assert_has(e2->msg, "no remote \"web1\"", NULL);
	assert_int_equal(access(none, F_OK), -1);
	assert_no_temp(t);
}

/* An edit waits for another's lock on the directory, then keeps both
 * lines (here the other holder is this test, for 300 ms). */
static void test_conf_edits_take_turns(void **state)
{
	struct tmp *t = *state;
	put(t->conf, "[remotes]\nweb1 = ssh://web1\n");
	hk_autofree char *dir = xasprintf("%s/hako", t->dir);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fd); /* the parent's lock is the parent's */
		struct hk_remote r;
		if (hk_remote_parse("web2", "ssh://web2", NULL, &r, NULL) < 0)
			_exit(3);
		_exit(hk_remote_conf_add(t->conf, &r, NULL) == 0 ? 0 : 4);
	}
	usleep(300 * 1000);
	int status;
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0); /* still waiting */
	hk_autofree char *mid = get(t->conf);
	assert_string_equal(mid, "[remotes]\nweb1 = ssh://web1\n");
	close(fd); /* the lock goes */
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	hk_autofree char *text = get(t->conf);
	assert_string_equal(text, "[remotes]\nweb1 = ssh://web1\nweb2 = ssh://web2\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_accepted),
		cmocka_unit_test(test_url_refused),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_paths_and_values),
		cmocka_unit_test(test_settings_section),
		cmocka_unit_test(test_address),
		cmocka_unit_test_setup_teardown(test_conf_add_new_file, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_conf_add_keeps_the_rest, setup_tmp,
						teardown_tmp),
		cmocka_unit_test_setup_teardown(test_conf_add_refused, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_conf_failed_write, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_conf_remove, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_conf_edits_take_turns, setup_tmp,
						teardown_tmp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
