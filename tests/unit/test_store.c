/* test_store.c - store paths for root and for a user (XDG variables, HOME,
 * runtime-dir fallbacks, HAKO_RUN_DIR, -P and hako.conf precedence), the
 * container-path hash, canonical paths, listing and the config cache.
 * Everything happens below a temp dir; /var/lib/hako and /run/hako are
 * only ever computed as strings, never touched. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "teststore.h"

#include "config.h"
#include "store-internal.h"

static char top[PATH_MAX]; /* the temp dir of the running test */

static const char *pathf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *pathf(const char *fmt, ...)
{
	static char bufs[8][PATH_MAX];
	static unsigned next;
	char *b = bufs[next++ % 8];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b, PATH_MAX, fmt, ap);
	va_end(ap);
	return b;
}

static void mkdirs(const char *path)
{
	assert_int_equal(hk_mkdir_p(path, 0755, NULL), 0);
}

static const char *const env_vars[] = { "HOME",		  "XDG_DATA_HOME",   "XDG_CONFIG_HOME",
					"XDG_CACHE_HOME", "XDG_RUNTIME_DIR", "HAKO_RUN_DIR" };

static int setup(void **state)
{
	(void)state;
	strcpy(top, "/tmp/hk-store-XXXXXX");
	if (!mkdtemp(top))
		return -1;
	for (size_t i = 0; i < HK_ARRAY_SIZE(env_vars); i++)
		unsetenv(env_vars[i]);
	setenv("HOME", pathf("%s/home", top), 1);
	setenv("HAKO_RUN_DIR", pathf("%s/run", top), 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return hk_rm_rf(top, NULL);
}

/* A store for a user (is_root false) without being one: uid stays ours so
 * that directories we create count as "owned by the user". */
static struct hk_store *user_store(uid_t uid, const char *lxcpath, struct hk_error **err)
{
	struct hk_store *st = xcalloc(1, sizeof(*st));
	st->uid = uid;
	st->gid = uid;
	hk_settings_init(&st->settings);
	if (hk_store_resolve_paths(st, lxcpath, err) < 0) {
		hk_store_free(st);
		return NULL;
	}
	return st;
}

static void test_hash(void **state)
{
	(void)state;
	/* FNV-1a 64 reference values. */
	assert_true(hk_store_path_hash("") == 0xcbf29ce484222325ULL);
	assert_true(hk_store_path_hash("a") == 0xaf63dc4c8601ec8cULL);
	assert_true(hk_store_path_hash("foobar") == 0x85944171f73967e8ULL);
	assert_true(hk_store_path_hash("/var/lib/hako") == hk_store_path_hash("/var/lib/hako"));
	assert_true(hk_store_path_hash("/var/lib/hako") != hk_store_path_hash("/var/lib/lxc"));
	/* Stable through a store: same path same run dir, others differ. */
	hk_autoerr struct hk_error *err = NULL;
	hk_autostore struct hk_store *a = NULL;
	hk_autostore struct hk_store *b = NULL;
	hk_autostore struct hk_store *c = NULL;
	assert_int_equal(hk_store_open(pathf("%s/p1", top), &a, &err), 0);
	assert_int_equal(hk_store_open(pathf("%s/p1/", top), &b, &err), 0);
	assert_int_equal(hk_store_open(pathf("%s/p2", top), &c, &err), 0);
	assert_string_equal(hk_store_run_dir(a), hk_store_run_dir(b));
	assert_string_not_equal(hk_store_run_dir(a), hk_store_run_dir(c));
	char want[64];
	snprintf(want, sizeof(want), "/s-%016" PRIx64, hk_store_path_hash(hk_store_path(a)));
	assert_true(hk_str_has_suffix(hk_store_run_dir(a), want));
	assert_int_equal(strlen(strrchr(hk_store_run_dir(a), '/')), 2 + 16 + 1);
}

static void check_canon(const char *in, const char *want)
{
	hk_autofree char *out = NULL;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_store_canonical_path(in, &out, &err), 0);
	assert_string_equal(out, want);
}

static void test_canonical(void **state)
{
	(void)state;
	mkdirs(pathf("%s/real/sub", top));
	assert_int_equal(symlink(pathf("%s/real", top), pathf("%s/link", top)), 0);
	check_canon(pathf("%s/real", top), pathf("%s/real", top));
	check_canon(pathf("%s//real/./sub/../", top), pathf("%s/real", top));
	/* Symlinks in the existing part resolve, the rest is lexical. */
	check_canon(pathf("%s/link/new/x/..", top), pathf("%s/real/new", top));
	check_canon(pathf("%s/link/sub", top), pathf("%s/real/sub", top));
	check_canon("/", "/");
	check_canon("/..", "/");
	check_canon("/nonexistent-hk/a/../b", "/nonexistent-hk/b");
	/* Relative: from the current directory. */
	char cwd[PATH_MAX];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(pathf("%s/real", top)), 0);
	check_canon("sub", pathf("%s/real/sub", top));
	check_canon("./new/", pathf("%s/real/new", top));
	check_canon("..", top);
	assert_int_equal(chdir(cwd), 0);
	hk_autoerr struct hk_error *err = NULL;
	char *out = NULL;
	assert_int_equal(hk_store_canonical_path("", &out, &err), -1);
	assert_non_null(strstr(err->msg, "empty"));
}

/* Every accessor of a store opened as root with -P. */
static void test_root_with_P(void **state)
{
	(void)state;
	if (getuid() != 0)
		skip();
	hk_autoerr struct hk_error *err = NULL;
	hk_autostore struct hk_store *st = NULL;
	assert_int_equal(hk_store_open(pathf("%s/lxc", top), &st, &err), 0);
	assert_true(hk_store_is_root(st));
	assert_int_equal(hk_store_uid(st), 0);
	assert_int_equal(hk_store_gid(st), getgid());
	assert_string_equal(hk_store_user(st), "root");
	assert_string_equal(hk_store_path(st), pathf("%s/lxc", top));
	assert_string_equal(hk_store_conf_dir(st), "/etc/hako");
	assert_string_equal(hk_store_default_conf(st), "/etc/hako/default.conf");
	assert_string_equal(hk_store_cache_dir(st), "/var/cache/hako");
	const char *run = hk_store_run_dir(st);
	assert_true(hk_str_has_prefix(run, pathf("%s/run/s-", top))); /* HAKO_RUN_DIR */
	hk_autofree char *d = hk_store_container_dir(st, "c1");
	hk_autofree char *c = hk_store_config_path(st, "c1");
	hk_autofree char *r = hk_store_rootfs_default(st, "c1");
	hk_autofree char *rd = hk_store_container_run_dir(st, "c1");
	assert_string_equal(d, pathf("%s/lxc/c1", top));
	assert_string_equal(c, pathf("%s/lxc/c1/config", top));
	assert_string_equal(r, pathf("%s/lxc/c1/rootfs", top));
	assert_string_equal(rd, pathf("%s/c1", run));
	const struct hk_settings *set = hk_store_settings(st);
	assert_string_equal(set->bridge, "hakobr0");
	/* Nothing was created. */
	struct stat sb;
	assert_int_equal(stat(pathf("%s/lxc", top), &sb), -1);
	assert_int_equal(stat(pathf("%s/run", top), &sb), -1);
	/* Relative -P becomes absolute. */
	char cwd[PATH_MAX];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(top), 0);
	hk_autostore struct hk_store *rel = NULL;
	assert_int_equal(hk_store_open("some/where", &rel, &err), 0);
	assert_int_equal(chdir(cwd), 0);
	assert_string_equal(hk_store_path(rel), pathf("%s/some/where", top));
}

/* Root defaults (resolved as strings only). */
static void test_root_defaults(void **state)
{
	(void)state;
	struct stat sb;
	if (stat("/etc/hako/hako.conf", &sb) == 0)
		skip(); /* this host's hako.conf could name another container path */
	unsetenv("HAKO_RUN_DIR");
	struct hk_store *st = xcalloc(1, sizeof(*st));
	st->is_root = true;
	hk_settings_init(&st->settings);
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_store_resolve_paths(st, NULL, &err), 0);
	assert_string_equal(st->path, "/var/lib/hako");
	assert_string_equal(st->conf_dir, "/etc/hako");
	assert_string_equal(st->cache_dir, "/var/cache/hako");
	assert_string_equal(st->run_base, "/run/hako");
	assert_string_equal(st->run_dir,
			    pathf("/run/hako/s-%016" PRIx64, hk_store_path_hash("/var/lib/hako")));
	hk_store_free(st);
}

static void test_user_xdg(void **state)
{
	(void)state;
	unsetenv("HAKO_RUN_DIR");
	setenv("XDG_DATA_HOME", pathf("%s/data", top), 1);
	setenv("XDG_CONFIG_HOME", pathf("%s/conf", top), 1);
	setenv("XDG_CACHE_HOME", pathf("%s/cache", top), 1);
	mkdirs(pathf("%s/xdgrun", top));
	setenv("XDG_RUNTIME_DIR", pathf("%s/xdgrun", top), 1);
	hk_autoerr struct hk_error *err = NULL;
	struct hk_store *st = user_store(getuid(), NULL, &err);
	assert_non_null(st);
	assert_false(hk_store_is_root(st));
	assert_string_equal(hk_store_path(st), pathf("%s/data/hako", top));
	assert_string_equal(hk_store_conf_dir(st), pathf("%s/conf/hako", top));
	assert_string_equal(hk_store_default_conf(st), pathf("%s/conf/hako/default.conf", top));
	assert_string_equal(hk_store_cache_dir(st), pathf("%s/cache/hako", top));
	assert_string_equal(st->run_base, pathf("%s/xdgrun/hako", top));
	assert_true(hk_str_has_prefix(hk_store_run_dir(st), pathf("%s/xdgrun/hako/s-", top)));
	hk_store_free(st);
	/* Relative XDG values are ignored (the XDG spec says so). */
	setenv("XDG_DATA_HOME", "rel/data", 1);
	st = user_store(getuid(), NULL, &err);
	assert_string_equal(hk_store_path(st), pathf("%s/home/.local/share/hako", top));
	hk_store_free(st);
	/* HOME not needed when every XDG variable is set. */
	setenv("XDG_DATA_HOME", pathf("%s/data", top), 1);
	unsetenv("HOME");
	st = user_store(getuid(), NULL, &err);
	assert_non_null(st);
	hk_store_free(st);
}

static void test_user_fallbacks(void **state)
{
	(void)state;
	unsetenv("HAKO_RUN_DIR");
	hk_autofree char *home = xstrdup(pathf("%s/home", top));
	hk_autoerr struct hk_error *err = NULL;
	/* Not set: ~/.local/share, ~/.config, ~/.cache; an unowned uid has no
	 * /run/user/UID, so the run dir falls back to ~/.cache/hako/run. */
	uid_t nobody_uid = 54321;
	struct hk_store *st = user_store(nobody_uid, NULL, &err);
	assert_non_null(st);
	assert_string_equal(hk_store_path(st), pathf("%s/.local/share/hako", home));
	assert_string_equal(hk_store_conf_dir(st), pathf("%s/.config/hako", home));
	assert_string_equal(hk_store_cache_dir(st), pathf("%s/.cache/hako", home));
	assert_string_equal(st->run_base, pathf("%s/.cache/hako/run", home));
	hk_store_free(st);
	/* XDG_RUNTIME_DIR not owned by the user, or not a directory: ignored. */
	mkdirs(pathf("%s/xdgrun", top));
	setenv("XDG_RUNTIME_DIR", pathf("%s/xdgrun", top), 1);
	st = user_store(nobody_uid, NULL, &err);
	assert_string_equal(st->run_base, pathf("%s/.cache/hako/run", home));
	hk_store_free(st);
	write_file(pathf("%s/xdgfile", top), "");
	setenv("XDG_RUNTIME_DIR", pathf("%s/xdgfile", top), 1);
	st = user_store(getuid(), NULL, &err);
	assert_false(hk_str_has_prefix(st->run_base, pathf("%s/xdgfile", top)));
	hk_store_free(st);
	/* /run/user/UID when it exists and is ours. */
	unsetenv("XDG_RUNTIME_DIR");
	struct stat sb;
	const char *run_user = pathf("/run/user/%u", (unsigned)getuid());
	st = user_store(getuid(), NULL, &err);
	if (stat(run_user, &sb) == 0 && S_ISDIR(sb.st_mode) && sb.st_uid == getuid())
		assert_string_equal(st->run_base, pathf("%s/hako", run_user));
	else
		assert_string_equal(st->run_base, pathf("%s/.cache/hako/run", home));
	hk_store_free(st);
	/* No HOME: the password database's. */
	unsetenv("HOME");
	st = user_store(getuid(), NULL, &err);
	assert_non_null(st);
	assert_true(hk_str_has_suffix(hk_store_path(st), "/.local/share/hako"));
	hk_store_free(st);
	/* No HOME and no passwd entry: a clear error. */
	st = user_store(4000000000u, NULL, &err);
	assert_null(st);
	assert_non_null(strstr(err->msg, "set HOME"));
}

/* lxcpath: -P > hako.conf > default; a bad hako.conf fails the open. */
static void test_lxcpath_precedence(void **state)
{
	(void)state;
	setenv("XDG_CONFIG_HOME", pathf("%s/conf", top), 1);
	hk_autoerr struct hk_error *err = NULL;
	mkdirs(pathf("%s/conf/hako", top));
	write_file(pathf("%s/conf/hako/hako.conf", top),
		   pathf("[paths]\nlxcpath = %s/fromconf\n[net]\nbridge = br9\n", top));
	struct hk_store *st = user_store(getuid(), NULL, &err);
	assert_non_null(st);
	assert_string_equal(hk_store_path(st), pathf("%s/fromconf", top));
	assert_string_equal(hk_store_settings(st)->bridge, "br9");
	hk_store_free(st);
	st = user_store(getuid(), pathf("%s/fromP", top), &err);
	assert_string_equal(hk_store_path(st), pathf("%s/fromP", top));
	hk_store_free(st);
	write_file(pathf("%s/conf/hako/hako.conf", top), "[net]\n\nbridge = \n");
	st = user_store(getuid(), NULL, &err);
	assert_null(st);
	assert_non_null(strstr(err->msg, pathf("%s/conf/hako/hako.conf:3:", top)));
}

/* A real ordinary user (nobody), through hk_store_open. */
static void test_real_user(void **state)
{
	(void)state;
	if (getuid() != 0)
		skip(); /* needs root to become another user */
	unsetenv("HAKO_RUN_DIR");
	setenv("XDG_RUNTIME_DIR", "/nonexistent-run", 1);
	assert_int_equal(chmod(top, 0755), 0); /* nobody may look for hako.conf */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(10);
		struct hk_store *st = NULL;
		if (hk_store_open(NULL, &st, NULL) < 0)
			_exit(11);
		int bad = 0;
		bad |= hk_store_is_root(st) ? 1 : 0;
		bad |= hk_store_uid(st) != 65534 ? 2 : 0;
		bad |= strcmp(hk_store_user(st), "nobody") != 0 ? 4 : 0;
		bad |= strcmp(hk_store_path(st), pathf("%s/home/.local/share/hako", top)) ? 8 : 0;
		bad |= !hk_str_has_prefix(hk_store_run_dir(st),
					  pathf("%s/home/.cache/hako/run/s-", top))
			       ? 16
			       : 0;
		hk_store_free(st);
		_exit(bad);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static bool list_equals(const struct hk_strv *v, ...)
{
	va_list ap;
	va_start(ap, v);
	size_t i = 0;
	bool ok = true;
	for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *), i++)
		ok = ok && i < v->n && strcmp(v->v[i], s) == 0;
	va_end(ap);
	return ok && i == v->n;
}

static void test_list(void **state)
{
	(void)state;
	hk_autoerr struct hk_error *err = NULL;
	hk_autostore struct hk_store *st = NULL;
	hk_autofree char *p = xstrdup(pathf("%s/lxc", top));
	assert_int_equal(hk_store_open(p, &st, &err), 0);
	/* Missing container path: empty, no error. */
	struct hk_strv names = { 0 };
	assert_int_equal(hk_store_list(st, &names, &err), 0);
	assert_int_equal(names.n, 0);
	const char *with_config[] = { "zeta", "alpha", "m.1", ".hidden", "-dash", "bad name" };
	for (size_t i = 0; i < HK_ARRAY_SIZE(with_config); i++) {
		mkdirs(pathf("%s/%s", p, with_config[i]));
		write_file(pathf("%s/%s/config", p, with_config[i]), "lxc.uts.name = x\n");
	}
	mkdirs(pathf("%s/noconfig/rootfs", p));
	mkdirs(pathf("%s/zzz-noconfig", p));	 /* last: a failed stat must not look like */
	mkdirs(pathf("%s/0-noconfig", p));	 /* a readdir error */
	mkdirs(pathf("%s/configdir/config", p)); /* config that is a directory */
	write_file(pathf("%s/plainfile", p), "");
	assert_int_equal(symlink("alpha", pathf("%s/linked", p)), 0);
	assert_int_equal(symlink(pathf("%s/alpha/config", p), pathf("%s/noconfig/config", p)), 0);
	assert_int_equal(hk_store_list(st, &names, &err), 0);
	if (!list_equals(&names, "alpha", "m.1", "noconfig", "zeta", NULL)) {
		for (size_t i = 0; i < names.n; i++)
			print_message("got %s\n", names.v[i]);
		fail();
	}
	hk_strv_clear(&names);
	assert_true(hk_store_exists(st, "alpha"));
	assert_true(hk_store_exists(st, "noconfig")); /* symlinked config counts */
	assert_false(hk_store_exists(st, "configdir"));
	assert_false(hk_store_exists(st, "nothere"));
	assert_false(hk_store_exists(st, ".hidden")); /* invalid name */
	assert_false(hk_store_exists(st, "../lxc/alpha"));
}

static void test_list_errors(void **state)
{
	(void)state;
	hk_autoerr struct hk_error *err = NULL;
	hk_autofree char *file = xstrdup(pathf("%s/afile", top));
	write_file(file, "");
	hk_autostore struct hk_store *st = NULL;
	assert_int_equal(hk_store_open(file, &st, &err), 0);
	struct hk_strv names = { 0 };
	assert_int_equal(hk_store_list(st, &names, &err), -1);
	assert_int_equal(err->code, ENOTDIR);
	assert_non_null(strstr(err->msg, file));
	if (getuid() != 0)
		return;
	/* Unreadable for an ordinary user. */
	mkdirs(pathf("%s/locked/c1", top));
	write_file(pathf("%s/locked/c1/config", top), "");
	assert_int_equal(chmod(top, 0755), 0);
	assert_int_equal(chmod(pathf("%s/locked", top), 0700), 0);
	pid_t pid = fork();
	if (pid == 0) {
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(10);
		struct hk_store *s = NULL;
		struct hk_error *e = NULL;
		if (hk_store_open(pathf("%s/locked", top), &s, NULL) < 0)
			_exit(11);
		int r = hk_store_list(s, &names, &e);
		_exit(r == -1 && e->code == EACCES && strstr(e->msg, "you may read") ? 0 : 12);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Sets a file's mtime to a fixed value, to fake "unchanged" or "changed"
 * independently of the content. */
static void set_mtime(const char *path, time_t sec)
{
	struct timespec ts[2] = { { sec, 0 }, { sec, 0 } };
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

/* Rewrites a file in place (same inode). */
static void rewrite(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* A store TOP/lxc (*p) with container c1: its config (*cfgp) names
 * uts aaaa and includes *inc, which sets init.cmd /bin/one. */
static struct hk_store *store_with_c1(char **p, char **cfgp, char **inc)
{
	struct hk_store *st = NULL;
	*p = xstrdup(pathf("%s/lxc", top));
	assert_int_equal(hk_store_open(*p, &st, NULL), 0);
	*cfgp = xstrdup(pathf("%s/c1/config", *p));
	*inc = xstrdup(pathf("%s/c1/extra.conf", *p));
	mkdirs(pathf("%s/c1", *p));
	write_file(*inc, "lxc.init.cmd = /bin/one\n");
	write_file(*cfgp, pathf("lxc.uts.name = aaaa\nlxc.include = %s\n", *inc));
	return st;
}

/* A listing's rows read the configs as that listing found them (its stat
 * of each NAME/config vouches for the cached parse); everything else sees
 * the file as it is now; an included file is always looked at. */
static void test_config_listed(void **state)
{
	(void)state;
	hk_autoerr struct hk_error *err = NULL;
	hk_autofree char *p = NULL, *cfgp = NULL, *inc = NULL;
	hk_autostore struct hk_store *st = store_with_c1(&p, &cfgp, &inc);
	/* no listing yet: as hk_store_config */
	const struct hk_config *c = hk_store_config_listed(st, "c1", &err);
	assert_non_null(c);
	assert_string_equal(c->uts_name, "aaaa");
	hk_autostrv struct hk_strv names = { 0 };
	assert_int_equal(hk_store_list(st, &names, &err), 0);
	assert_int_equal(names.n, 1);
	assert_ptr_equal(hk_store_config_listed(st, "c1", &err), c);
	/* changed after the listing: its rows keep what it saw; a direct read
	 * and the next listing see the change */
	write_file(cfgp, pathf("lxc.uts.name = bbbbb\nlxc.include = %s\n", inc));
	assert_string_equal(hk_store_config_listed(st, "c1", &err)->uts_name, "aaaa");
	assert_string_equal(hk_store_config(st, "c1", &err)->uts_name, "bbbbb");
	write_file(cfgp, pathf("lxc.uts.name = cccccc\nlxc.include = %s\n", inc));
	hk_strv_clear(&names);
	assert_int_equal(hk_store_list(st, &names, &err), 0);
	c = hk_store_config_listed(st, "c1", &err);
	assert_string_equal(c->uts_name, "cccccc");
	/* an included file changed since: re-parsed */
	write_file(inc, "lxc.init.cmd = /bin/two\n");
	assert_string_equal(hk_store_config_listed(st, "c1", &err)->init_cmd, "/bin/two");
	/* a bad name is refused as hk_store_config refuses it */
	assert_null(hk_store_config_listed(st, "../x", &err));
	assert_non_null(err);
}

static void test_config_cache(void **state)
{
	(void)state;
	hk_autoerr struct hk_error *err = NULL;
	hk_autofree char *p = NULL, *cfgp = NULL, *inc = NULL;
	hk_autostore struct hk_store *st = store_with_c1(&p, &cfgp, &inc);
	set_mtime(cfgp, 1000000);
	const struct hk_config *c = hk_store_config(st, "c1", &err);
	if (!c)
		fail_msg("%s", err->msg);
	assert_string_equal(c->uts_name, "aaaa");
	assert_string_equal(c->init_cmd, "/bin/one");
	/* Unchanged: the same object, not re-parsed. */
	assert_ptr_equal(hk_store_config(st, "c1", &err), c);
	/* Same size, same mtime, same inode: still the cached one (proves
	 * that only stat decides). */
	rewrite(cfgp, pathf("lxc.uts.name = bbbb\nlxc.include = %s\n", inc));
	set_mtime(cfgp, 1000000);
	c = hk_store_config(st, "c1", &err);
	assert_string_equal(c->uts_name, "aaaa");
	/* mtime changed: re-parsed. */
	set_mtime(cfgp, 1000001);
	c = hk_store_config(st, "c1", &err);
	assert_string_equal(c->uts_name, "bbbb");
	/* size changed, mtime kept: re-parsed. */
	rewrite(cfgp, pathf("lxc.uts.name = ccccc\nlxc.include = %s\n", inc));
	set_mtime(cfgp, 1000001);
	c = hk_store_config(st, "c1", &err);
	assert_string_equal(c->uts_name, "ccccc");
	/* inode changed (atomic replace), size and mtime kept: re-parsed. */
	write_file(cfgp, pathf("lxc.uts.name = ddddd\nlxc.include = %s\n", inc));
	set_mtime(cfgp, 1000001);
	c = hk_store_config(st, "c1", &err);
	assert_string_equal(c->uts_name, "ddddd");
	/* An included file changed: re-parsed. */
	write_file(inc, "lxc.init.cmd = /bin/two\n");
	c = hk_store_config(st, "c1", &err);
	assert_string_equal(c->init_cmd, "/bin/two");
	assert_ptr_equal(hk_store_config(st, "c1", &err), c);
	/* A second container has its own entry. */
	mkdirs(pathf("%s/a0", p));
	write_file(pathf("%s/a0/config", p), "lxc.uts.name = first\n");
	const struct hk_config *a0 = hk_store_config(st, "a0", &err);
	assert_string_equal(a0->uts_name, "first");
	assert_ptr_equal(hk_store_config(st, "c1", &err), c);
	assert_ptr_equal(hk_store_config(st, "a0", &err), a0);
	/* Broken config: error naming file:line; then fixed again. */
	write_file(cfgp, "lxc.uts.name = x\nlxc.no.such.key = 1\n");
	assert_null(hk_store_config(st, "c1", &err));
	if (!strstr(err->msg, cfgp) || !strstr(err->msg, "2"))
		fail_msg("%s", err->msg);
	hk_error_free(err);
	err = NULL;
	write_file(cfgp, "lxc.uts.name = fixed\n");
	c = hk_store_config(st, "c1", &err);
	assert_string_equal(c->uts_name, "fixed");
	/* Gone, invalid name. */
	assert_int_equal(unlink(cfgp), 0);
	assert_null(hk_store_config(st, "c1", &err));
	hk_error_free(err);
	err = NULL;
	assert_null(hk_store_config(st, "../c1", &err));
	assert_int_equal(err->code, EINVAL);
	assert_ptr_equal(hk_store_config(st, "a0", NULL), a0);
}

/* 500 containers: listing and the cached configs stay fast. */
static void test_many(void **state)
{
	(void)state;
	hk_autoerr struct hk_error *err = NULL;
	hk_autostore struct hk_store *st = NULL;
	hk_autofree char *p = xstrdup(pathf("%s/many", top));
	assert_int_equal(hk_store_open(p, &st, &err), 0);
	for (int i = 0; i < 500; i++) {
		mkdirs(pathf("%s/c%03d", p, i));
		write_file(pathf("%s/c%03d/config", p, i), pathf("lxc.uts.name = c%03d\n", i));
	}
	struct hk_strv names = { 0 };
	assert_int_equal(hk_store_list(st, &names, &err), 0);
	assert_int_equal(names.n, 500);
	assert_string_equal(names.v[0], "c000");
	assert_string_equal(names.v[499], "c499");
	for (size_t i = 0; i < names.n; i++)
		assert_non_null(hk_store_config(st, names.v[i], &err));
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int round = 0; round < 10; round++)
		for (size_t i = 0; i < names.n; i++)
			assert_non_null(hk_store_config(st, names.v[i], &err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	print_message("10 x 500 cached configs: %.1f ms\n", ms);
	assert_true(ms < 1000);
	hk_strv_clear(&names);
}

static bool exists(const char *path)
{
	struct stat sb;
	return lstat(path, &sb) == 0;
}

/* The run directories of containers that are gone: a store open removes
 * a NAME whose config is gone and whose lock is free, then s-HASH when
 * nothing is left; a running (locked) one and one with a config stay; an
 * s-HASH from before .path is removed only when empty. */
/* The store at top/ct, with run directories for a and b. */
static struct hk_store *store_with_runs_a_b(void)
{
	hk_autoerr struct hk_error *err = NULL;
	struct hk_store *st = NULL;
	assert_int_equal(hk_store_open(pathf("%s/ct", top), &st, &err), 0);
	hk_autofree char *da = NULL, *db = NULL;
	assert_int_equal(hk_store_make_run_dir(st, "a", &da, &err), 0);
	assert_int_equal(hk_store_make_run_dir(st, "b", &db, &err), 0);
	return st;
}

static void test_sweep(void **state)
{
	(void)state;
	hk_autoerr struct hk_error *err = NULL;
	hk_autofree char *p = xstrdup(pathf("%s/ct", top)); /* pathf's buffers rotate */
	hk_autostore struct hk_store *st = store_with_runs_a_b();
	const char *run = hk_store_run_dir(st);
	assert_true(exists(pathf("%s/.path", run)));
	hk_autolock struct hk_lock *lock = NULL;
	assert_int_equal(hk_test_lock(st, "c", HK_LOCK_TRY, 0, &lock, &err), 0);
	mkdirs(pathf("%s/a", p));
	write_file(pathf("%s/a/config", p), "lxc.uts.name = a\n");
	write_file(pathf("%s/b/state", run), "STOPPED\n");
	mkdirs(pathf("%s/run/s-0000000000000000", top));
	mkdirs(pathf("%s/run/s-0000000000000001/x", top));

	hk_autostore struct hk_store *again = NULL;
	assert_int_equal(hk_store_open(p, &again, &err), 0);
	assert_true(exists(pathf("%s/a", run)));  /* its config is there */
	assert_false(exists(pathf("%s/b", run))); /* gone, and free */
	assert_true(exists(pathf("%s/c", run)));  /* gone, but locked */
	assert_false(exists(pathf("%s/run/s-0000000000000000", top)));
	assert_true(exists(pathf("%s/run/s-0000000000000001/x", top)));

	hk_lock_releasep(&lock);
	hk_store_freep(&again);
	assert_int_equal(hk_store_open(p, &again, &err), 0);
	assert_false(exists(pathf("%s/c", run)));
	assert_true(exists(pathf("%s/.path", run)));
	assert_int_equal(unlink(pathf("%s/a/config", p)), 0);
	assert_int_equal(rmdir(pathf("%s/a", p)), 0);
	hk_store_freep(&again);
	assert_int_equal(hk_store_open(p, &again, &err), 0);
	assert_false(exists(run));
	/* and a lock taken afterwards makes it again */
	assert_int_equal(hk_test_lock(again, "d", HK_LOCK_TRY, 0, &lock, &err), 0);
	assert_true(exists(pathf("%s/d/lock", run)));
	assert_true(exists(pathf("%s/.path", run)));
}

/* A whole sweep notes what PATH looked like (.swept), and a store open
 * skips that s-HASH while PATH looks the same (one stat instead of an
 * access per run directory): a config removed by hand from a directory
 * that stays keeps its run directory; a container directory removed
 * changes PATH, and the next open sweeps both.  A PATH changed less than
 * 2 s before the look (or ahead of the clock) is not noted. */
static void test_sweep_notes_path(void **state)
{
	(void)state;
	hk_autoerr struct hk_error *err = NULL;
	hk_autofree char *p = xstrdup(pathf("%s/ct", top));
	hk_autostore struct hk_store *st = store_with_runs_a_b();
	const char *run = hk_store_run_dir(st);
	mkdirs(pathf("%s/a", p));
	mkdirs(pathf("%s/b", p));
	write_file(pathf("%s/a/config", p), "lxc.uts.name = a\n");
	write_file(pathf("%s/b/config", p), "lxc.uts.name = b\n");

	hk_autostore struct hk_store *again = NULL;
	set_mtime(p, time(NULL) + 60); /* changed at the look, whatever the load */
	assert_int_equal(hk_store_open(p, &again, &err), 0);
	assert_false(exists(pathf("%s/.swept", run))); /* PATH not settled */
	set_mtime(p, time(NULL) - 60);		       /* as nobody changed it lately */
	hk_store_freep(&again);
	assert_int_equal(hk_store_open(p, &again, &err), 0);
	assert_true(exists(pathf("%s/.swept", run)));

	assert_int_equal(unlink(pathf("%s/a/config", p)), 0);
	hk_store_freep(&again);
	assert_int_equal(hk_store_open(p, &again, &err), 0);
	assert_true(exists(pathf("%s/a", run))); /* PATH looks the same: skipped */

	assert_int_equal(unlink(pathf("%s/b/config", p)), 0);
	assert_int_equal(rmdir(pathf("%s/b", p)), 0);
	hk_store_freep(&again);
	assert_int_equal(hk_store_open(p, &again, &err), 0);
	assert_false(exists(pathf("%s/b", run)));
	assert_false(exists(pathf("%s/a", run)));
	assert_false(exists(run)); /* nothing left in it */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_canonical, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_with_P, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_xdg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_fallbacks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lxcpath_precedence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_listed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sweep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sweep_notes_path, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
