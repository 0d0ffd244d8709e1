/* store-paths.c - where a store's directories are, for root and for an
 * ordinary user (the XDG base directories), and the canonical container
 * path whose hash names the run-time directory RUNDIR/s-HASH.
 *
 * Environment: HOME, XDG_DATA_HOME, XDG_CONFIG_HOME, XDG_CACHE_HOME,
 * XDG_RUNTIME_DIR (a user only; relative values are ignored, as the XDG
 * spec says), and HAKO_RUN_DIR, which replaces RUNDIR for anyone (the tests
 * use it so that they never touch /run/hako).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "store-internal.h"

uint64_t hk_store_path_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Appends the components of `rest` to `out` lexically: "." dropped, ".."
 * removes the last component, repeated slashes collapse. */
static void append_clean(struct hk_buf *out, const char *rest)
{
	while (*rest) {
		while (*rest == '/')
			rest++;
		size_t n = strcspn(rest, "/");
		if (n == 0)
			break;
		if (n == 2 && rest[0] == '.' && rest[1] == '.') {
			char *slash = out->len ? strrchr(out->data, '/') : NULL;
			if (slash) {
				out->len = (size_t)(slash - out->data);
				out->data[out->len] = '\0';
			}
		} else if (!(n == 1 && rest[0] == '.')) {
			hk_buf_puts(out, "/");
			hk_buf_append(out, rest, n);
		}
		rest += n;
	}
}

int hk_store_canonical_path(const char *path, char **out, struct hk_error **err)
{
	if (!path || !*path)
		return hk_error_set(err, EINVAL, "the container path is empty; give a directory");
	struct hk_buf abs = { 0 };
	if (path[0] != '/') {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof(cwd)))
			return hk_error_errno(
				err, "cannot make \"%s\" absolute: no current directory", path);
		append_clean(&abs, cwd);
	}
	append_clean(&abs, path);
	hk_autofree char *lex = hk_buf_steal(&abs);
	/* Resolve symlinks in the longest existing prefix. */
	size_t cut = strlen(lex);
	for (;;) {
		char saved = lex[cut];
		lex[cut] = '\0';
		char *real = realpath(*lex ? lex : "/", NULL);
		lex[cut] = saved;
		if (real) {
			struct hk_buf b = { 0 };
			if (strcmp(real, "/") != 0)
				hk_buf_puts(&b, real);
			free(real);
			append_clean(&b, lex + cut);
			if (!b.len)
				hk_buf_puts(&b, "/");
			*out = hk_buf_steal(&b);
			return 0;
		}
		if (cut == 0)
			return hk_error_errno(err, "cannot resolve the container path \"%s\"",
					      path);
		while (cut > 0 && lex[cut - 1] != '/')
			cut--;
		if (cut > 0)
			cut--; /* drop the slash too: "/a/b" -> "/a" -> "" (the root) */
	}
}

/* $VAR when set and absolute, else NULL (the XDG spec ignores relative). */
static const char *abs_env(const char *var)
{
	const char *v = getenv(var);
	return v && v[0] == '/' ? v : NULL;
}

static int home_dir(uid_t uid, char **out, struct hk_error **err)
{
	const char *h = getenv("HOME");
	if (h && *h) {
		*out = xstrdup(h);
		return 0;
	}
	struct passwd *pw = getpwuid(uid);
	if (pw && pw->pw_dir && pw->pw_dir[0] == '/') {
		*out = xstrdup(pw->pw_dir);
		return 0;
	}
	return hk_error_set(err, ENOENT,
			    "cannot find the home directory of uid %u: HOME is not set and the "
			    "password database has none; set HOME",
			    (unsigned)uid);
}

/* $XDG_VAR/hako, else HOME/fallback/hako. */
static char *xdg_dir(const char *var, const char *home, const char *fallback)
{
	const char *v = abs_env(var);
	return v ? xasprintf("%s/hako", v) : xasprintf("%s/%s/hako", home, fallback);
}

/* A runtime directory is usable when it is a directory the user owns. */
static bool runtime_dir_ok(const char *dir, uid_t uid)
{
	struct stat sb;
	if (!dir || stat(dir, &sb) < 0)
		return false;
	return S_ISDIR(sb.st_mode) && sb.st_uid == uid;
}

static char *user_run_base(const struct hk_store *st)
{
	const char *xdg = abs_env("XDG_RUNTIME_DIR");
	if (xdg && runtime_dir_ok(xdg, st->uid))
		return xasprintf("%s/hako", xdg);
	if (xdg)
		hk_log(HK_LOG_DEBUG,
		       "ignoring XDG_RUNTIME_DIR \"%s\": not a directory owned by uid %u", xdg,
		       (unsigned)st->uid);
	hk_autofree char *run_user = xasprintf("/run/user/%u", (unsigned)st->uid);
	if (runtime_dir_ok(run_user, st->uid))
		return xasprintf("%s/hako", run_user);
	return xasprintf("%s/run", st->cache_dir);
}

static int user_dirs(struct hk_store *st, char **data_dir, struct hk_error **err)
{
	hk_autofree char *home = NULL;
	/* HOME is needed only for a variable that is not set. */
	bool need_home = !abs_env("XDG_DATA_HOME") || !abs_env("XDG_CONFIG_HOME") ||
			 !abs_env("XDG_CACHE_HOME");
	if (need_home && home_dir(st->uid, &home, err) < 0)
		return -1;
	*data_dir = xdg_dir("XDG_DATA_HOME", home, ".local/share");
	st->conf_dir = xdg_dir("XDG_CONFIG_HOME", home, ".config");
	st->cache_dir = xdg_dir("XDG_CACHE_HOME", home, ".cache");
	st->run_base = user_run_base(st);
	return 0;
}

/* LXC's config directory beside hako's: /etc/lxc, or ~/.config/lxc. */
static char *lxc_conf_dir(const struct hk_store *st)
{
	if (st->is_root)
		return xstrdup("/etc/lxc");
	const char *slash = strrchr(st->conf_dir, '/');
	return xasprintf("%.*s/lxc", (int)(slash ? slash - st->conf_dir : 0), st->conf_dir);
}

/* lxc.lxcpath from LXC's lxc.conf (the guides set it there), or NULL. */
static char *lxc_conf_lxcpath(const struct hk_store *st)
{
	hk_autofree char *dir = lxc_conf_dir(st);
	hk_autofree char *path = xasprintf("%s/lxc.conf", dir);
	hk_autofree char *text = NULL;
	if (hk_read_file(path, &text, NULL, NULL) < 0)
		return NULL;
	char *found = NULL;
	for (char *save, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(l, '=');
		if (!eq || *hk_str_trim(l) == '#')
			continue;
		*eq = '\0';
		if (strcmp(hk_str_trim(l), "lxc.lxcpath") == 0 && *hk_str_trim(eq + 1)) {
			free(found);
			found = xstrdup(hk_str_trim(eq + 1));
		}
	}
	if (found)
		hk_log(HK_LOG_DEBUG, "container path %s: lxc.lxcpath of %s", found, path);
	return found;
}

int hk_store_resolve_paths(struct hk_store *st, const char *lxcpath, struct hk_error **err)
{
	hk_autofree char *data_dir = NULL;
	if (st->is_root) {
		data_dir = xstrdup("/var/lib/hako");
		st->conf_dir = xstrdup("/etc/hako");
		st->cache_dir = xstrdup("/var/cache/hako");
		st->run_base = xstrdup("/run/hako");
	} else if (user_dirs(st, &data_dir, err) < 0) {
		return -1;
	}
	const char *run_env = getenv("HAKO_RUN_DIR");
	if (run_env && *run_env) {
		free(st->run_base);
		st->run_base = NULL;
		if (hk_store_canonical_path(run_env, &st->run_base, err) < 0)
			return hk_error_prefix(err, "HAKO_RUN_DIR");
	}
	st->default_conf = xasprintf("%s/default.conf", st->conf_dir);
	/* An ordinary user who followed LXC's guides wrote
	 * ~/.config/lxc/default.conf: it serves until hako's own exists.
	 * (root's /etc/lxc/default.conf is the lxc package's, for lxcbr0.) */
	hk_autofree char *lxc_dir = lxc_conf_dir(st);
	hk_autofree char *lxc_default = xasprintf("%s/default.conf", lxc_dir);
	if (!st->is_root && access(st->default_conf, F_OK) < 0 && access(lxc_default, R_OK) == 0) {
		free(st->default_conf);
		st->default_conf = hk_steal_ptr(&lxc_default);
	}
	hk_autofree char *conf = xasprintf("%s/hako.conf", st->conf_dir);
	if (hk_settings_load(&st->settings, conf, err) < 0)
		return -1;
	/* hako.conf's lxcpath, else LXC's lxc.lxcpath, else hako's own. */
	hk_autofree char *lxc_path = st->settings.lxcpath ? NULL : lxc_conf_lxcpath(st);
	const char *dflt_src = st->settings.lxcpath ? st->settings.lxcpath
			       : lxc_path	    ? lxc_path
						    : data_dir;
	const char *chosen = lxcpath ? lxcpath : dflt_src;
	if (hk_store_canonical_path(chosen, &st->path, err) < 0)
		return -1;
	hk_autofree char *dflt = NULL;
	st->default_path =
		hk_store_canonical_path(dflt_src, &dflt, NULL) == 0 && strcmp(dflt, st->path) == 0;
	st->run_dir = xasprintf("%s/s-%016" PRIx64, st->run_base, hk_store_path_hash(st->path));
	return 0;
}

static int mkdir_mode(const char *path, mode_t mode, struct hk_error **err)
{
	if (mkdir(path, mode) == 0 || errno == EEXIST)
		return 0;
	return hk_error_errno(err, "cannot create the run directory \"%s\"", path);
}

int hk_store_make_run_dir(const struct hk_store *st, const char *name, char **out,
			  struct hk_error **err)
{
	hk_autofree char *dir = xasprintf("%s/%s", st->run_dir, name);
	if (hk_store_make_run_dir_at(st, dir, err) < 0)
		return -1;
	*out = hk_steal_ptr(&dir);
	return 0;
}

int hk_store_make_run_dir_at(const struct hk_store *st, const char *dir, struct hk_error **err)
{
	/* Parents of RUNDIR (the cache fallback) are private too. */
	if (hk_mkdir_p(st->run_base, st->is_root ? 0755 : 0700, err) < 0)
		return -1;
	/* A destroy elsewhere removes the store's directory once it is
	 * empty (hk_store_prune_run_dir): make it again when that happened
	 * between the two mkdirs. */
	for (int tries = 0;; tries++) {
		if (mkdir_mode(st->run_dir, 0700, err) < 0)
			return -1;
		if (mkdir(dir, 0700) == 0 || errno == EEXIST)
			break;
		if (errno != ENOENT || tries == 8)
			return hk_error_errno(err, "cannot create the run directory \"%s\"", dir);
	}
	hk_store_note_run_path(st);
	return 0;
}

char *hk_store_path_arg(const struct hk_store *st)
{
	if (st->default_path)
		return xstrdup("");
	if (st->path[strspn(st->path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				      "0123456789/._-+,:@")] == '\0')
		return xasprintf(" -P %s", st->path);
	struct hk_buf b = { 0 };
	hk_buf_puts(&b, " -P '");
	for (const char *p = st->path; *p; p++)
		hk_buf_puts(&b, *p == '\'' ? "'\\''" : (char[]){ *p, 0 });
	hk_buf_puts(&b, "'");
	return hk_buf_steal(&b);
}

char *hk_store_cgroup_name(const struct hk_store *st, const char *name)
{
	if (st->default_path)
		return xstrdup(name);
	/* '@' never appears in a container name, so this cannot collide. */
	return xasprintf("%s@%08" PRIx32, name, (uint32_t)hk_store_path_hash(st->path));
}
