/* store.c - a store: the calling user's identity, the resolved paths (see
 * store-paths.c), container listing and the cache of parsed configs.
 *
 * The cache keeps one parsed struct hk_config per container name, each
 * with the (mtime, size, inode) of every file it was read from; a lookup
 * only stats those files and re-parses when one of them changed, so a
 * dashboard refreshing 500 containers does 500 x (a few stat calls).
 * Entries are individually allocated so a config's address stays the same
 * while its files do not change.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "store-internal.h"

struct file_stamp {
	struct timespec mtim;
	off_t size;
	ino_t ino;
	dev_t dev;
	bool missing;
};

struct cache_entry {
	char *name;
	char *path; /* PATH/NAME/config */
	struct hk_config cfg;
	struct file_stamp *stamps; /* one per cfg.files entry, plus the top file */
	size_t n_stamps;
	unsigned listed; /* the listing whose stat of the top file matched stamps[0] */
};

struct hk_store_cache {
	struct cache_entry **v; /* sorted by name */
	size_t n, cap;
	unsigned listing; /* hk_store_list calls so far */
	/* The caller's user name, looked up at the first hk_store_user: most
	 * commands never ask, and the lookup may go to sssd or LDAP. */
	char *user;
};

static void stamp_of(const struct stat *sb, struct file_stamp *fs);
static bool stamp_equal(const struct file_stamp *a, const struct file_stamp *b);
static size_t cache_find(const struct hk_store_cache *c, const char *name, bool *found);

int hk_store_open(const char *lxcpath, struct hk_store **out, struct hk_error **err)
{
	struct hk_store *st = xcalloc(1, sizeof(*st));
	st->uid = getuid();
	st->gid = getgid();
	st->is_root = st->uid == 0;
	st->cache = xcalloc(1, sizeof(*st->cache));
	hk_settings_init(&st->settings);
	if (hk_store_resolve_paths(st, lxcpath, err) < 0) {
		hk_store_free(st);
		return -1;
	}
	hk_store_sweep_run_dirs(st);
	*out = st;
	return 0;
}

static void cache_entry_free(struct cache_entry *e)
{
	if (!e)
		return;
	free(e->name);
	free(e->path);
	hk_config_free(&e->cfg);
	free(e->stamps);
	free(e);
}

void hk_store_free(struct hk_store *st)
{
	if (!st)
		return;
	if (st->cache) {
		for (size_t i = 0; i < st->cache->n; i++)
			cache_entry_free(st->cache->v[i]);
		free(st->cache->v);
		free(st->cache->user);
		free(st->cache);
	}
	free(st->path);
	free(st->conf_dir);
	free(st->default_conf);
	free(st->cache_dir);
	free(st->run_base);
	free(st->run_dir);
	hk_settings_free(&st->settings);
	free(st);
}

void hk_store_freep(struct hk_store **st)
{
	if (st) {
		hk_store_free(*st);
		*st = NULL;
	}
}

bool hk_store_is_root(const struct hk_store *st)
{
	return st->is_root;
}

const char *hk_store_path(const struct hk_store *st)
{
	return st->path;
}

const char *hk_store_conf_dir(const struct hk_store *st)
{
	return st->conf_dir;
}

const char *hk_store_cache_dir(const struct hk_store *st)
{
	return st->cache_dir;
}

const char *hk_store_run_dir(const struct hk_store *st)
{
	return st->run_dir;
}

const char *hk_store_default_conf(const struct hk_store *st)
{
	return st->default_conf;
}

const struct hk_settings *hk_store_settings(const struct hk_store *st)
{
	return &st->settings;
}

uid_t hk_store_uid(const struct hk_store *st)
{
	return st->uid;
}

gid_t hk_store_gid(const struct hk_store *st)
{
	return st->gid;
}

const char *hk_store_user(const struct hk_store *st)
{
	if (!st->cache->user) {
		struct passwd *pw = getpwuid(st->uid);
		st->cache->user = pw && pw->pw_name ? xstrdup(pw->pw_name)
						    : xasprintf("%u", (unsigned)st->uid);
	}
	return st->cache->user;
}

char *hk_store_container_dir(const struct hk_store *st, const char *name)
{
	return xasprintf("%s/%s", st->path, name);
}

char *hk_store_config_path(const struct hk_store *st, const char *name)
{
	return xasprintf("%s/%s/config", st->path, name);
}

char *hk_store_rootfs_default(const struct hk_store *st, const char *name)
{
	return xasprintf("%s/%s/rootfs", st->path, name);
}

char *hk_store_container_run_dir(const struct hk_store *st, const char *name)
{
	return xasprintf("%s/%s", st->run_dir, name);
}

/* NAME/config below an open container path: a regular file (a symlinked
 * config is allowed, LXC allows it) in a real directory, whose stat goes
 * to cfg.  is_dir: readdir's d_type said NAME is a directory already. */
static bool config_at(int dirfd, const char *name, bool is_dir, struct stat *cfg)
{
	struct stat sb;
	if (!is_dir && (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(sb.st_mode)))
		return false;
	hk_autofree char *path = xasprintf("%s/config", name);
	return fstatat(dirfd, path, cfg, 0) == 0 && S_ISREG(cfg->st_mode);
}

static bool has_config_at(int dirfd, const char *name)
{
	struct stat sb;
	return config_at(dirfd, name, false, &sb);
}

/* The listing's stat of NAME/config: a cached config it still matches
 * need not be stat'ed again by the listing's hk_store_config_listed. */
static void note_listed(struct hk_store_cache *c, const char *name, const struct stat *sb)
{
	bool found;
	size_t i = cache_find(c, name, &found);
	struct file_stamp now;
	stamp_of(sb, &now);
	if (found && stamp_equal(&now, &c->v[i]->stamps[0]))
		c->v[i]->listed = c->listing;
}

bool hk_store_dir_has_config(const char *dir)
{
	return has_config_at(AT_FDCWD, dir);
}

bool hk_store_exists(const struct hk_store *st, const char *name)
{
	if (hk_name_validate(name, NULL) < 0)
		return false;
	hk_autofree char *dir = hk_store_container_dir(st, name);
	return has_config_at(AT_FDCWD, dir);
}

int hk_store_refuse_missing(const struct hk_store *st, const char *name, struct hk_error **err)
{
	hk_autofree char *p = hk_store_path_arg(st);
	return hk_error_say(err, ENOENT,
			    "container \"%s\" does not exist in %s; create it with "
			    "\"hako create %s -t busybox%s\"",
			    name, hk_store_path(st), name, p);
}

int hk_store_list(const struct hk_store *st, struct hk_strv *names, struct hk_error **err)
{
	DIR *d = opendir(st->path); /* glibc opens it O_CLOEXEC */
	if (!d) {
		if (errno == ENOENT)
			return 0; /* nothing created yet */
		return hk_error_errno(err,
				      "cannot read the container path \"%s\"; check that it "
				      "is a directory you may read",
				      st->path);
	}
	hk_autostrv struct hk_strv found = { 0 };
	/* The cache is the store's memo, not its state: a const store's may
	 * learn what this listing saw. */
	st->cache->listing++;
	for (;;) {
		errno = 0; /* readdir() leaves it alone at the end */
		struct dirent *de = readdir(d);
		if (!de)
			break;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		struct stat cfg;
		if (!config_at(dirfd(d), de->d_name, de->d_type == DT_DIR, &cfg))
			continue;
		hk_autoerr struct hk_error *e = NULL;
		if (hk_name_validate(de->d_name, &e) < 0) {
			hk_log(HK_LOG_DEBUG, "%s: skipped: %s", st->path, e->msg);
			continue;
		}
		note_listed(st->cache, de->d_name, &cfg);
		hk_strv_push(&found, de->d_name);
	}
	int saved = errno;
	closedir(d);
	if (saved) {
		errno = saved;
		return hk_error_errno(err, "cannot read the container path \"%s\"", st->path);
	}
	hk_strv_sort(&found);
	for (size_t i = 0; i < found.n; i++)
		hk_strv_push_owned(names, hk_steal_ptr(&found.v[i]));
	return 0;
}

static void stamp_of(const struct stat *sb, struct file_stamp *fs)
{
	*fs = (struct file_stamp){ sb->st_mtim, sb->st_size, sb->st_ino, sb->st_dev, false };
}

static void stamp_file(const char *path, struct file_stamp *fs)
{
	struct stat sb;
	*fs = (struct file_stamp){ 0 };
	if (stat(path, &sb) < 0) {
		fs->missing = true;
		return;
	}
	stamp_of(&sb, fs);
}

static bool stamp_equal(const struct file_stamp *a, const struct file_stamp *b)
{
	return a->missing == b->missing && a->mtim.tv_sec == b->mtim.tv_sec &&
	       a->mtim.tv_nsec == b->mtim.tv_nsec && a->size == b->size && a->ino == b->ino &&
	       a->dev == b->dev;
}

/* Stamp i is for the top file, stamps 1.. for cfg.files in order. */
static const char *stamp_path(const struct cache_entry *e, size_t i)
{
	return i == 0 ? e->path : e->cfg.files.v[i - 1];
}

/* from: 1 when the top file is known fresh (the listing saw it). */
static bool entry_fresh(const struct cache_entry *e, size_t from)
{
	for (size_t i = from; i < e->n_stamps; i++) {
		/* cfg.files starts with the top file: one stat of it is enough. */
		if (i > 0 && strcmp(stamp_path(e, i), e->path) == 0)
			continue;
		struct file_stamp now;
		stamp_file(stamp_path(e, i), &now);
		if (!stamp_equal(&now, &e->stamps[i]))
			return false;
	}
	return true;
}

/* Binary search; returns the index of name or where it would go. */
static size_t cache_find(const struct hk_store_cache *c, const char *name, bool *found)
{
	size_t lo = 0, hi = c->n;
	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(c->v[mid]->name, name);
		if (r == 0) {
			*found = true;
			return mid;
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void cache_drop(struct hk_store_cache *c, size_t i)
{
	cache_entry_free(c->v[i]);
	memmove(&c->v[i], &c->v[i + 1], (c->n - i - 1) * sizeof(*c->v));
	c->n--;
}

static void cache_insert(struct hk_store_cache *c, size_t i, struct cache_entry *e)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	memmove(&c->v[i + 1], &c->v[i], (c->n - i) * sizeof(*c->v));
	c->v[i] = e;
	c->n++;
}

/* Parses PATH/NAME/config into a new entry.  The stamps are taken after
 * parsing; if the top file changed meanwhile (its stamp then differs from
 * the fstat of the descriptor the parse read), the parse is repeated so
 * that a stamp never vouches for older contents than were read. */
static struct cache_entry *parse_entry(const struct hk_store *st, const char *name,
				       struct hk_error **err)
{
	hk_autofree char *path = hk_store_config_path(st, name);
	for (int attempt = 0;; attempt++) {
		struct stat read_sb;
		struct file_stamp before;
		struct cache_entry *e = xcalloc(1, sizeof(*e));
		e->name = xstrdup(name);
		e->path = xstrdup(path);
		hk_config_init(&e->cfg);
		if (hk_config_parse_file_stat(&e->cfg, path, &read_sb, err) < 0) {
			cache_entry_free(e);
			return NULL;
		}
		stamp_of(&read_sb, &before);
		e->n_stamps = e->cfg.files.n + 1;
		e->stamps = xcalloc(e->n_stamps, sizeof(*e->stamps));
		for (size_t i = 0; i < e->n_stamps; i++) {
			/* cfg.files starts with the top file: stamped once. */
			if (i > 0 && strcmp(stamp_path(e, i), e->path) == 0)
				e->stamps[i] = e->stamps[0];
			else
				stamp_file(stamp_path(e, i), &e->stamps[i]);
		}
		if (stamp_equal(&before, &e->stamps[0]) || attempt == 3)
			return e;
		cache_entry_free(e);
	}
}

const struct hk_config *hk_store_config(struct hk_store *st, const char *name,
					struct hk_error **err)
{
	if (hk_name_validate(name, err) < 0)
		return NULL;
	struct hk_store_cache *c = st->cache;
	bool found;
	size_t i = cache_find(c, name, &found);
	if (found && entry_fresh(c->v[i], 0))
		return &c->v[i]->cfg;
	if (found)
		cache_drop(c, i);
	struct cache_entry *e = parse_entry(st, name, err);
	if (!e)
		return NULL;
	cache_insert(c, i, e);
	return &e->cfg;
}

const struct hk_config *hk_store_config_listed(struct hk_store *st, const char *name,
					       struct hk_error **err)
{
	struct hk_store_cache *c = st->cache;
	bool found = false;
	size_t i = hk_name_validate(name, NULL) == 0 ? cache_find(c, name, &found) : 0;
	if (c->listing && found && c->v[i]->listed == c->listing && entry_fresh(c->v[i], 1))
		return &c->v[i]->cfg;
	return hk_store_config(st, name, err);
}
