/* test_settings.c - hako.conf: defaults, every key, the errors that name
 * file:line (unknown key or section, bad values, syntax, over-long lines,
 * NUL bytes), a missing file, and inih's global options put back. */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "store-internal.h"

static int parse(struct hk_settings *s, const char *text, struct hk_error **err)
{
	hk_settings_init(s);
	return hk_settings_parse(s, text, strlen(text), "/x/hako.conf", err);
}

/* Parses text, expects an error containing every fragment. */
static void expect_error(const char *text, ...)
{
	struct hk_settings s;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(parse(&s, text, &err), -1);
	assert_non_null(err);
	assert_int_equal(err->code, EINVAL);
	va_list ap;
	va_start(ap, text);
	assert_has_v(err->msg, ap);
	va_end(ap);
	hk_settings_free(&s);
}

static void test_defaults(void **state)
{
	(void)state;
	struct hk_settings s;
	hk_settings_init(&s);
	assert_null(s.lxcpath);
	assert_string_equal(s.default_backend, "dir");
	assert_string_equal(s.bridge, "hakobr0");
	assert_string_equal(s.subnet, "10.0.100.1/24");
	assert_string_equal(s.theme, "default");
	assert_int_equal(s.refresh_ms, 1000);
	assert_int_equal(s.stop_timeout, 30);
	assert_false(s.console_filter);
	assert_true(s.console_replay);
	assert_int_equal(s.keys.n, 0);
	hk_settings_free(&s);
	assert_null(s.bridge);
	hk_settings_free(&s); /* twice is fine */
	hk_settings_free(NULL);
	/* Empty text and comments only keep the defaults. */
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(parse(&s, "", &err), 0);
	hk_settings_free(&s);
	assert_int_equal(parse(&s, "# hako.conf\n; nothing\n\n   \n[net]\n", &err), 0);
	assert_string_equal(s.bridge, "hakobr0");
	hk_settings_free(&s);
}

static void test_every_key(void **state)
{
	(void)state;
	static const char text[] = "# all of them\n"
				   "[paths]\n"
				   "lxcpath = /srv/containers\n"
				   "[create]\n"
				   "backend = overlayfs\n"
				   "[net]\n"
				   "  bridge=lxcbr1  \n"
				   "subnet = 192.168.77.1/24\n"
				   "[tui]\n"
				   "theme = solarized-dark\n"
				   "refresh = 2500\n"
				   "[console]\n"
				   "filter = yes\n"
				   "replay = off\n"
				   "[keys]\n"
				   "quit = q\n"
				   "console = C-a\n"
				   "quit = F10\n";
	struct hk_settings s;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(parse(&s, text, &err), 0);
	assert_null(err);
	assert_string_equal(s.lxcpath, "/srv/containers");
	assert_string_equal(s.default_backend, "overlay"); /* canonical spelling */
	assert_string_equal(s.bridge, "lxcbr1");
	assert_string_equal(s.subnet, "192.168.77.1/24");
	assert_string_equal(s.theme, "solarized-dark");
	assert_int_equal(s.refresh_ms, 2500);
	assert_true(s.console_filter);
	assert_false(s.console_replay);
	assert_int_equal(s.keys.n, 2);
	assert_string_equal(s.keys.v[0], "quit=F10"); /* a later line replaces */
	assert_string_equal(s.keys.v[1], "console=C-a");
	hk_settings_free(&s);
	/* lxcpath before any section; a later value wins. */
	assert_int_equal(
		parse(&s, "lxcpath = /a\n[paths]\nlxcpath = /b\n[create]\nbackend=btrfs\n", &err),
		0);
	assert_string_equal(s.lxcpath, "/b");
	assert_string_equal(s.default_backend, "btrfs");
	hk_settings_free(&s);
	assert_int_equal(parse(&s, "lxcpath=/only\n", &err), 0);
	assert_string_equal(s.lxcpath, "/only");
	hk_settings_free(&s);
	/* CRLF line ends and a BOM are read. */
	assert_int_equal(parse(&s, "\xef\xbb\xbf[tui]\r\nrefresh = 100\r\n", &err), 0);
	assert_int_equal(s.refresh_ms, 100);
	hk_settings_free(&s);
}

/* [console]: yes/no in the usual spellings, anything else named. */
static void test_console(void **state)
{
	(void)state;
	struct hk_settings s;
	assert_int_equal(parse(&s, "[console]\nfilter = On\nreplay = 0\n", NULL), 0);
	assert_true(s.console_filter);
	assert_false(s.console_replay);
	hk_settings_free(&s);
	assert_int_equal(
		parse(&s, "[console]\nfilter = yes\nfilter = false\nreplay = TRUE\n", NULL), 0);
	assert_false(s.console_filter);
	assert_true(s.console_replay);
	hk_settings_free(&s);
	expect_error("[console]\nfilter = maybe\n",
		     "/x/hako.conf:2:", "[console] filter = \"maybe\"", "give yes or no", NULL);
	expect_error("[console]\nreplay =\n", ":2:", "[console] replay", NULL);
	expect_error("[console]\nfiltre = yes\n", ":2:", "known keys: filter, replay, escape",
		     NULL);
	/* escape: Ctrl-a unless set, spelt as for hako console -e */
	assert_int_equal(parse(&s, "[console]\nfilter = no\n", NULL), 0);
	assert_int_equal(s.console_escape, 1);
	hk_settings_free(&s);
	assert_int_equal(parse(&s, "[console]\nescape = ^o\n", NULL), 0);
	assert_int_equal(s.console_escape, 15);
	hk_settings_free(&s);
	assert_int_equal(parse(&s, "[console]\nescape = C-b\n", NULL), 0);
	assert_int_equal(s.console_escape, 2);
	hk_settings_free(&s);
	expect_error("[console]\nescape = ^^^\n", ":2:", "[console] escape", "^a, C-o", NULL);
}

/* [ssh]: config an absolute path ssh reads as one argument; the
 * connect timeout 1-300 s, 5 unless set. */
static void test_ssh(void **state)
{
	(void)state;
	struct hk_settings s;
	assert_int_equal(parse(&s, "[tui]\nrefresh = 100\n", NULL), 0);
	assert_null(s.ssh_config);
	assert_int_equal(s.ssh_connect_timeout, 5);
	hk_settings_free(&s);
	assert_int_equal(
		parse(&s, "[ssh]\nconfig = /etc/hako/ssh_config\nconnect_timeout = 2\n", NULL), 0);
	assert_string_equal(s.ssh_config, "/etc/hako/ssh_config");
	assert_int_equal(s.ssh_connect_timeout, 2);
	hk_settings_free(&s);
	expect_error("[ssh]\nconfig = ssh_config\n", ":2:", "[ssh] config", "absolute path", NULL);
	expect_error("[ssh]\nconfig = /a b\n", ":2:", "[ssh] config", "without spaces", NULL);
	expect_error("[ssh]\nconnect_timeout = 0\n", ":2:", "between 1 and 300", NULL);
	expect_error("[ssh]\nport = 22\n", ":2:", "known keys: config, connect_timeout", NULL);
}

static void test_refresh_bounds(void **state)
{
	(void)state;
	struct hk_settings s;
	assert_int_equal(parse(&s, "[tui]\nrefresh = 60000\n", NULL), 0);
	assert_int_equal(s.refresh_ms, 60000);
	hk_settings_free(&s);
	expect_error("[tui]\nrefresh = 99\n", "/x/hako.conf:2:", "[tui] refresh = \"99\"",
		     "between 100 and 60000", NULL);
	expect_error("[tui]\n\nrefresh = 60001\n", "/x/hako.conf:3:", NULL);
	expect_error("[tui]\nrefresh = fast\n", ":2:", "\"fast\"", NULL);
	expect_error("[tui]\nrefresh = -5\n", ":2:", NULL);
	expect_error("[tui]\nrefresh =\n", ":2:", NULL);
	expect_error("[tui]\nrefresh = 99999999999999999999999\n", ":2:", NULL);
}

static void test_rescan(void **state)
{
	(void)state;
	struct hk_settings s;
	assert_int_equal(parse(&s, "", NULL), 0);
	assert_int_equal(s.rescan_ms, -1); /* auto */
	hk_settings_free(&s);
	assert_int_equal(parse(&s, "[tui]\nrescan = 0\n", NULL), 0);
	assert_int_equal(s.rescan_ms, 0);
	hk_settings_free(&s);
	assert_int_equal(parse(&s, "[tui]\nrescan = 30000\n", NULL), 0);
	assert_int_equal(s.rescan_ms, 30000);
	hk_settings_free(&s);
	assert_int_equal(parse(&s, "[tui]\nrescan = 30000\nrescan = auto\n", NULL), 0);
	assert_int_equal(s.rescan_ms, -1);
	hk_settings_free(&s);
	expect_error("[tui]\nrescan = soon\n", "/x/hako.conf:2:", "[tui] rescan = \"soon\"",
		     "\"auto\" or milliseconds between 0 and 3600000", NULL);
	expect_error("[tui]\nrescan = 3600001\n", ":2:", NULL);
	expect_error("[tui]\nrescan = -1\n", ":2:", NULL);
}

static void test_stop_timeout(void **state)
{
	(void)state;
	struct hk_settings s;
	assert_int_equal(parse(&s, "[tui]\nstop_timeout = 5\n", NULL), 0);
	assert_int_equal(s.stop_timeout, 5);
	hk_settings_free(&s);
	assert_int_equal(parse(&s, "[tui]\nstop_timeout = 86400\n", NULL), 0);
	assert_int_equal(s.stop_timeout, 86400);
	hk_settings_free(&s);
	expect_error("[tui]\nstop_timeout = 0\n", "/x/hako.conf:2:", "[tui] stop_timeout = \"0\"",
		     "between 1 and 86400", NULL);
	expect_error("[tui]\nstop_timeout = 86401\n", ":2:", NULL);
	expect_error("[tui]\nstop_timeout = 10s\n", ":2:", "\"10s\"", NULL);
	expect_error("[tui]\nstop_timeout =\n", ":2:", NULL);
}

/* [tui] confirm_stop: yes by default; yes/no and their usual spellings. */
static void test_confirm_stop(void **state)
{
	(void)state;
	struct hk_settings s;
	assert_int_equal(parse(&s, "[tui]\nrefresh = 500\n", NULL), 0);
	assert_true(s.confirm_stop);
	hk_settings_free(&s);
	assert_int_equal(parse(&s, "[tui]\nconfirm_stop = no\n", NULL), 0);
	assert_false(s.confirm_stop);
	hk_settings_free(&s);
	assert_int_equal(parse(&s, "[tui]\nconfirm_stop = Off\nconfirm_stop = TRUE\n", NULL), 0);
	assert_true(s.confirm_stop);
	hk_settings_free(&s);
	expect_error("[tui]\nconfirm_stop = maybe\n", ":2:", "\"maybe\"", "give yes or no", NULL);
}

static void test_bad_values(void **state)
{
	(void)state;
	expect_error("[paths]\nlxcpath = relative/dir\n", ":2:", "must be absolute", NULL);
	expect_error("lxcpath =\n", ":1:", "must be absolute", NULL);
	expect_error("[create]\nbackend = ext4\n", ":2:", "\"ext4\"", "dir, overlay", NULL);
	expect_error("[net]\nbridge = a/b\n", ":2:", "interface name", NULL);
	expect_error("[net]\nbridge = waytoolongbridgename\n", ":2:", NULL);
	expect_error("[net]\nbridge = ..\n", ":2:", NULL);
	expect_error("[net]\nbridge = br 0\n", ":2:", NULL);
	expect_error("[net]\nsubnet = 10.0.100.1\n", ":2:", "10.0.100.1/24", NULL);
	expect_error("[net]\nsubnet = 10.0.300.1/24\n", ":2:", NULL);
	expect_error("[net]\nsubnet = 10.0.0.1/31\n", ":2:", NULL);
	expect_error("[net]\nsubnet = 10.0.0.1/x\n", ":2:", NULL);
	expect_error("[net]\nsubnet = 1111111111111111111/8\n", ":2:", NULL);
	expect_error("[tui]\ntheme = ../etc/passwd\n", ":2:", "theme name", NULL);
	expect_error("[keys]\nquit =\n", ":2:", "one key name", NULL);
	expect_error("[keys]\nquit = C-a q\n", ":2:", NULL);
	expect_error("[keys]\n-x = q\n", ":2:", "action name", NULL);
	/* No inline comments: the comment is part of the value, and refused. */
	expect_error("[tui]\ntheme = dark # mine\n", ":2:", "\"dark # mine\"", NULL);
	/* Control bytes are shown escaped. */
	expect_error("[tui]\ntheme = a\x1b[2J\n", "a\\x1b[2J", NULL);
}

static void test_unknown(void **state)
{
	(void)state;
	expect_error("[net]\nbridge = br0\n\n# c\nbirdge = br1\n",
		     "/x/hako.conf:5:", "unknown key \"birdge\" in section [net]",
		     "known keys: bridge, subnet", NULL);
	expect_error("theme = dark\n", ":1:", "unknown key \"theme\" before any section", NULL);
	/* An unknown section is reported at its header, even when empty. */
	expect_error("[tui]\nrefresh = 200\n[colours]\n",
		     "/x/hako.conf:3:", "unknown section [colours]",
		     "[paths], [create], [net], [tui], [console], [keys]", NULL);
	expect_error("\n  [net ]\nbridge = x\n", ":2:", "unknown section [net ]", NULL);
	expect_error("[]\n", ":1:", "unknown section []", NULL);
	char longsec[300];
	snprintf(longsec, sizeof(longsec), "\n[%0250d]\n", 7);
	expect_error(longsec, ":2:", "unknown section [000", NULL);
}

static void test_syntax(void **state)
{
	(void)state;
	expect_error("[net]\nbridge br0\n", "/x/hako.conf:2:", "syntax error", NULL);
	expect_error("[net\nbridge = br0\n", ":1:", "syntax error", NULL);
	/* No multi-line values: an indented line is a line of its own. */
	expect_error("[net]\nbridge = br0\n  more\n", ":3:", "syntax error", NULL);
	/* Lines up to 4096 bytes are read whole, longer ones are refused. */
	size_t n = 4096;
	char *text = xmalloc(n + 64);
	int len = sprintf(text, "[paths]\nlxcpath = /");
	memset(text + len, 'p', n - (size_t)len + 8);
	text[n + 8 - 8] = '\n';
	text[n + 8 - 8 + 1] = '\0';
	/* line 2 is n - 8 bytes long: accepted */
	struct hk_settings s;
	hk_autoerr struct hk_error *err = NULL;
	if (parse(&s, text, &err) != 0)
		fail_msg("%s", err->msg);
	assert_int_equal(strlen(s.lxcpath), n - 8 - strlen("lxcpath = "));
	hk_settings_free(&s);
	memset(text + len, 'p', n + 10 - (size_t)len);
	strcpy(text + n + 10, "\n");
	expect_error(text, ":2:", "longer than 4096 bytes", NULL);
	free(text);
	struct hk_settings t;
	static const char nul[] = "[net]\nbridge = a\0b\n";
	hk_settings_init(&t);
	assert_int_equal(hk_settings_parse(&t, nul, sizeof(nul) - 1, "f", &err), -1);
	assert_has(err->msg, "f:2:", "NUL byte", NULL);
	hk_settings_free(&t);
}

/* inih's globals are put back after a parse, good or bad. */
static void test_ini_options_restored(void **state)
{
	(void)state;
	static char prefixes[] = ";";
	ini_allow_multiline = true;
	ini_allow_inline_comments = true;
	ini_stop_on_first_error = false;
	ini_use_stack = true;
	ini_allow_realloc = false;
	ini_allow_no_value = true;
	ini_start_comment_prefixes = prefixes;
	ini_max_line = 300;
	const char *texts[] = { "[tui]\nrefresh = 500\n", "[tui]\nrefresh = 5\n", "[x]\n",
				"bad\n" };
	for (size_t i = 0; i < HK_ARRAY_SIZE(texts); i++) {
		struct hk_settings s;
		parse(&s, texts[i], NULL);
		hk_settings_free(&s);
		assert_true(ini_allow_multiline);
		assert_true(ini_allow_inline_comments);
		assert_false(ini_stop_on_first_error);
		assert_true(ini_use_stack);
		assert_false(ini_allow_realloc);
		assert_true(ini_allow_no_value);
		assert_ptr_equal(ini_start_comment_prefixes, prefixes);
		assert_int_equal(ini_max_line, 300);
	}
	/* And with other options in force, ours still apply ('#' comments). */
	struct hk_settings s;
	assert_int_equal(parse(&s, "# comment\n[tui]\nrefresh = 300\n", NULL), 0);
	hk_settings_free(&s);
	static char defaults[] = INI_START_COMMENT_PREFIXES;
	ini_allow_multiline = INI_ALLOW_MULTILINE;
	ini_allow_inline_comments = INI_ALLOW_INLINE_COMMENTS;
	ini_stop_on_first_error = INI_STOP_ON_FIRST_ERROR;
	ini_use_stack = INI_USE_STACK;
	ini_allow_realloc = INI_ALLOW_REALLOC;
	ini_allow_no_value = INI_ALLOW_NO_VALUE;
	ini_start_comment_prefixes = defaults;
	ini_max_line = INI_MAX_LINE;
}

static void test_load_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/hk-settings-XXXXXX";
	assert_non_null(mkdtemp(dir));
	hk_autofree char *path = xasprintf("%s/hako.conf", dir);
	struct hk_settings s;
	hk_autoerr struct hk_error *err = NULL;
	/* Missing: not an error, defaults stay. */
	hk_settings_init(&s);
	assert_int_equal(hk_settings_load(&s, path, &err), 0);
	assert_null(err);
	assert_int_equal(s.refresh_ms, 1000);
	static const char text[] = "[tui]\nrefresh = 750\n[net]\nsubnet = 10.1.0.1/16\nfoo = 1\n";
	assert_int_equal(hk_write_file_atomic(path, text, strlen(text), 0644, NULL), 0);
	assert_int_equal(hk_settings_load(&s, path, &err), -1);
	hk_autofree char *where = xasprintf("%s:5:", path);
	assert_has(err->msg, where, "unknown key \"foo\"", NULL);
	assert_int_equal(s.refresh_ms, 750); /* kept up to the bad line */
	hk_settings_free(&s);
	hk_error_free(err);
	err = NULL;
	/* Good file. */
	assert_int_equal(hk_write_file_atomic(path, text, strlen(text) - 8, 0644, NULL), 0);
	hk_settings_init(&s);
	assert_int_equal(hk_settings_load(&s, path, &err), 0);
	assert_string_equal(s.subnet, "10.1.0.1/16");
	hk_settings_free(&s);
	/* A directory where the file should be is an error. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0755), 0);
	hk_settings_init(&s);
	assert_int_equal(hk_settings_load(&s, path, &err), -1);
	assert_has(err->msg, path, NULL);
	hk_settings_free(&s);
	assert_int_equal(hk_rm_rf(dir, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_refresh_bounds),
		cmocka_unit_test(test_console),
		cmocka_unit_test(test_ssh),
		cmocka_unit_test(test_stop_timeout),
		cmocka_unit_test(test_rescan),
		cmocka_unit_test(test_confirm_stop),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_ini_options_restored),
		cmocka_unit_test(test_load_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
