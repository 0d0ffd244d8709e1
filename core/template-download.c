/* template-download.c - the download template: a root filesystem from an
 * LXC-style image server (meta/1.0/index-system, then PATH/rootfs.tar.xz,
 * PATH/meta.tar.xz and their .asc signatures), checked with gpgv, kept in a
 * cache and unpacked with the container's id map.
 *
 * Cache: CACHE/download/SERVER/DIST/RELEASE/ARCH/VARIANT/ holds meta.tar.xz,
 * rootfs.tar.xz, their .asc files and build_id, which is written last (and
 * removed first when a new build comes), so a cache entry with a build_id
 * is complete.  A file being downloaded is FILE.BUILD.partial; a broken
 * download leaves it there and the next create resumes it.  A .lock file
 * serialises creates sharing an entry.  Cached files are checked against
 * their signatures again at every use; the metadata's expiry (unix time)
 * makes the entry stale, unless --force-cache.
 *
 * prepare (in the caller, before the container exists) does all of the
 * network and signature work, so a failure there leaves nothing on disk but
 * the cache; build only unpacks the open, checked rootfs file.
 */
#include "image.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define DEFAULT_SERVER	"https://images.linuxcontainers.org"
#define SYSTEM_KEYRING	"/etc/hako/keyring"
#define INDEX_PATH	"meta/1.0/index-system"
#define INDEX_MAX	(16u << 20)
#define SIG_MAX		(64u << 10)
#define META_FILE_MAX	(16ull << 20)
#define ROOTFS_FILE_MAX (16ull << 30)
#define DOWNLOAD_USAGE                                                                             \
	"-d DIST -r RELEASE [-a ARCH] [--variant V] [--server URL] [--keyring FILE] "              \
	"[--no-validate] [--flush-cache] [--force-cache] [--cache-dir DIR] | --list"

struct dl_opts {
	const char *dist, *release, *arch, *variant, *server, *keyring, *cache_dir;
	bool no_validate, flush, force, list;
};

struct download {
	struct dl_opts o;
	char *keyring; /* NULL with --no-validate */
	char *dir;     /* the cache entry */
	char *build;
	int lock_fd;
	int rootfs_fd;
	struct hk_image_meta meta;
	struct hk_strv templates, excludes;
};

/* ---- arguments ---- */

struct arg_spec {
	const char *s, *l;
	bool flag;  /* a bool, else a const char * taking the next argument */
	size_t off; /* where in struct dl_opts */
};

#define STR(s, l, f)                                                                               \
	{                                                                                          \
		s, l, false, offsetof(struct dl_opts, f)                                           \
	}
#define FLAG(l, f)                                                                                 \
	{                                                                                          \
		NULL, l, true, offsetof(struct dl_opts, f)                                         \
	}
static const struct arg_spec arg_table[] = {
	STR("-d", "--dist", dist),
	STR("-r", "--release", release),
	STR("-a", "--arch", arch),
	STR(NULL, "--variant", variant),
	STR(NULL, "--server", server),
	STR(NULL, "--keyring", keyring),
	STR(NULL, "--cache-dir", cache_dir),
	FLAG("--no-validate", no_validate),
	FLAG("--flush-cache", flush),
	FLAG("--force-cache", force),
	FLAG("--list", list),
};

static const char *host_arch(void)
{
	static const char *const map[][2] = {
		{ "x86_64", "amd64" },	  { "aarch64", "arm64" },   { "armv7l", "armhf" },
		{ "i686", "i386" },	  { "ppc64le", "ppc64el" }, { "s390x", "s390x" },
		{ "riscv64", "riscv64" },
	};
	static struct utsname u;
	if (uname(&u) < 0)
		return "amd64";
	for (size_t i = 0; i < HK_ARRAY_SIZE(map); i++)
		if (!strcmp(u.machine, map[i][0]))
			return map[i][1];
	return u.machine;
}

static int parse_one(struct dl_opts *o, char *const *args, size_t *i, struct hk_error **err)
{
	const char *a = args[*i];
	for (size_t k = 0; k < HK_ARRAY_SIZE(arg_table); k++) {
		const struct arg_spec *s = &arg_table[k];
		if (strcmp(a, s->l) && (!s->s || strcmp(a, s->s)))
			continue;
		if (s->flag) {
			*(bool *)((char *)o + s->off) = true;
			return 0;
		}
		if (!args[*i + 1])
			return hk_error_set(err, EINVAL, "template download: %s needs a value", a);
		*(const char **)((char *)o + s->off) = args[++*i];
		return 0;
	}
	return hk_error_set(err, EINVAL, "template download: unknown argument \"%s\" (usage: %s)",
			    a, DOWNLOAD_USAGE);
}

static int check_field(const char *what, const char *v, struct hk_error **err)
{
	if (v && !hk_image_field_ok(v))
		return hk_error_set(err, EINVAL,
				    "template download: %s \"%s\" is not a plain name (letters, "
				    "digits, . _ - + :)",
				    what, v);
	return 0;
}

static int parse_args(char *const *args, struct dl_opts *o, struct hk_error **err)
{
	*o = (struct dl_opts){ .server = DEFAULT_SERVER };
	for (size_t i = 0; args && args[i]; i++)
		if (parse_one(o, args, &i, err) < 0)
			return -1;
	if (!o->list && !o->arch) /* --list filters only by what was given */
		o->arch = host_arch();
	if (!o->list && !o->variant)
		o->variant = "default";
	if (!o->list && (!o->dist || !o->release))
		return hk_error_set(err, EINVAL,
				    "template download: -d DIST and -r RELEASE are needed (see "
				    "`hako create -t download -- --list`)");
	if (o->force && o->flush)
		return hk_error_set(err, EINVAL,
				    "template download: --force-cache and --flush-cache "
				    "contradict each other; give one");
	if (strncasecmp(o->server, "http://", 7) && !hk_image_url_is_https(o->server))
		return hk_error_set(err, EINVAL,
				    "template download: --server \"%s\" is not an http:// or "
				    "https:// URL",
				    o->server);
	if (check_field("-d", o->dist, err) < 0 || check_field("-r", o->release, err) < 0 ||
	    check_field("-a", o->arch, err) < 0 || check_field("--variant", o->variant, err) < 0)
		return -1;
	return 0;
}

/* The keyring to check against, or NULL with --no-validate (allowed over
 * https only: over plain http nothing would vouch for the bytes). */
static int pick_keyring(const struct dl_opts *o, const char *conf_dir, char **out,
			struct hk_error **err)
{
	*out = NULL;
	if (o->no_validate) {
		if (!hk_image_url_is_https(o->server))
			return hk_error_set(err, EINVAL,
					    "template download: --no-validate over plain HTTP "
					    "(\"%s\") is refused: nothing would vouch for the "
					    "image; use an https:// server or drop --no-validate",
					    o->server);
		hk_log(HK_LOG_WARN, "template download: --no-validate: the image's signatures "
				    "are NOT checked; only HTTPS vouches for it");
		return 0;
	}
	if (o->keyring) {
		*out = xstrdup(o->keyring);
		return 0;
	}
	hk_autofree char *mine = conf_dir ? xasprintf("%s/keyring", conf_dir) : NULL;
	if (mine && access(mine, R_OK) == 0) {
		*out = hk_steal_ptr(&mine);
		return 0;
	}
	if (access(SYSTEM_KEYRING, R_OK) == 0) {
		*out = xstrdup(SYSTEM_KEYRING);
		return 0;
	}
	return hk_error_set(err, ENOENT,
			    "template download: no keyring to check the image's signature "
			    "with; put the image server's public key in %s%s%s (gpg --export "
			    "KEYID > FILE) or give --keyring FILE",
			    SYSTEM_KEYRING, mine ? " or " : "", mine ? mine : "");
}

/* ---- signatures ---- */

static int mem_fd(const char *data, size_t len, struct hk_error **err)
{
	int fd = memfd_create("hako-sig", MFD_CLOEXEC);
	if (fd < 0)
		return hk_error_errno(err, "cannot create a memory file");
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return hk_error_errno(err, "cannot fill a memory file");
	}
	return fd;
}

static int verify_mem(const char *keyring, int data_fd, const char *sig, size_t siglen,
		      const char *shown, struct hk_error **err)
{
	if (!keyring)
		return 0;
	hk_autoclose int sfd = mem_fd(sig, siglen, err);
	if (sfd < 0)
		return -1;
	hk_autofree char *fpr = NULL;
	if (hk_image_verify(keyring, data_fd, sfd, shown, &fpr, err) < 0)
		return -1;
	hk_log(HK_LOG_INFO, "\"%s\": good signature from key %s", shown, fpr);
	return 0;
}

/* The signed index of o->server, parsed. */
static int fetch_index(const struct dl_opts *o, const char *keyring, struct hk_image_index *ix,
		       struct hk_error **err)
{
	hk_autofree char *url = xasprintf("%s/%s", o->server, INDEX_PATH);
	hk_autofree char *asc = xasprintf("%s.asc", url);
	hk_autofree char *text = NULL, *sig = NULL;
	size_t len = 0, siglen = 0;
	if (hk_image_fetch_mem(url, INDEX_MAX, &text, &len, err) < 0 ||
	    (keyring && hk_image_fetch_mem(asc, SIG_MAX, &sig, &siglen, err) < 0))
		return -1;
	hk_autoclose int fd = mem_fd(text, len, err);
	if (fd < 0 || verify_mem(keyring, fd, sig, siglen, url, err) < 0)
		return -1;
	if (hk_image_index_parse(text, len, ix, err) < 0)
		return hk_error_prefix(err, "\"%s\"", url);
	return 0;
}

/* ---- the cache ---- */

static char *server_key(const char *server)
{
	const char *p = strstr(server, "://");
	hk_autofree char *k = xstrdup(p ? p + 3 : server);
	for (char *c = k; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '-'))
			*c = '_';
	return hk_steal_ptr(&k);
}

/* Removes the entry's files ending in suffix ("": all but the lock). */
static int clean_entry(const struct download *d, const char *suffix, struct hk_error **err)
{
	DIR *dir = opendir(d->dir);
	if (!dir)
		return hk_error_errno(err, "cannot read the cache \"%s\"", d->dir);
	int rc = 0;
	for (struct dirent *e; (e = readdir(dir));) {
		if (e->d_name[0] == '.' || !hk_str_has_suffix(e->d_name, suffix))
			continue;
		if (unlinkat(dirfd(dir), e->d_name, 0) < 0 && errno != ENOENT) {
			rc = hk_error_errno(err, "cannot remove \"%s/%s\"", d->dir, e->d_name);
			break;
		}
	}
	closedir(dir);
	return rc;
}

static int open_cache(struct download *d, const char *cache_dir, struct hk_error **err)
{
	const struct dl_opts *o = &d->o;
	hk_autofree char *key = server_key(o->server);
	d->dir = xasprintf("%s/download/%s/%s/%s/%s/%s", o->cache_dir ? o->cache_dir : cache_dir,
			   key, o->dist, o->release, o->arch, o->variant);
	if (hk_mkdir_p(d->dir, 0755, err) < 0)
		return hk_error_prefix(err, "image cache");
	hk_autofree char *lock = xasprintf("%s/.lock", d->dir);
	d->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (d->lock_fd < 0)
		return hk_error_errno(err, "cannot open the cache lock \"%s\"", lock);
	if (flock(d->lock_fd, LOCK_EX) < 0)
		return hk_error_errno(err, "cannot lock the cache \"%s\"", lock);
	if (o->flush && clean_entry(d, "", err) < 0) /* under the lock: no one uses it */
		return hk_error_prefix(err, "--flush-cache");
	return 0;
}

static int open_cached(const struct download *d, const char *file, struct hk_error **err)
{
	hk_autofree char *p = xasprintf("%s/%s", d->dir, file);
	int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return hk_error_errno(err, "cannot open cached \"%s\"", p);
	return fd;
}

/* Checks a cached file against its cached .asc. */
static int verify_cached(const struct download *d, int fd, const char *file, struct hk_error **err)
{
	if (!d->keyring)
		return 0;
	hk_autofree char *asc = xasprintf("%s.asc", file);
	hk_autoclose int sfd = open_cached(d, asc, err);
	hk_autofree char *shown = xasprintf("%s/%s", d->dir, file);
	if (sfd < 0 || hk_image_verify(d->keyring, fd, sfd, shown, NULL, err) < 0)
		return -1;
	return 0;
}

/* Opens and checks the meta and rootfs of the cache entry; reads meta. */
static int use_cache(struct download *d, struct hk_error **err)
{
	hk_autofree char *idp = xasprintf("%s/build_id", d->dir);
	hk_autofree char *id = NULL;
	if (hk_read_file_at(AT_FDCWD, idp, &id, NULL, 256, err) < 0)
		return -1;
	id[strcspn(id, "\n")] = '\0';
	hk_autoclose int mfd = open_cached(d, "meta.tar.xz", err);
	if (mfd < 0 || verify_cached(d, mfd, "meta.tar.xz", err) < 0)
		return -1;
	d->rootfs_fd = open_cached(d, "rootfs.tar.xz", err);
	if (d->rootfs_fd < 0 || verify_cached(d, d->rootfs_fd, "rootfs.tar.xz", err) < 0 ||
	    hk_image_meta_read(mfd, &d->meta, err) < 0)
		return -1;
	d->build = hk_steal_ptr(&id);
	return 0;
}

static bool expired(const struct download *d)
{
	return d->meta.expiry > 0 && d->meta.expiry < (long long)time(NULL);
}

static void forget_cached(struct download *d)
{
	if (d->rootfs_fd >= 0)
		close(d->rootfs_fd);
	d->rootfs_fd = -1;
	free(d->build);
	d->build = NULL;
	hk_image_meta_free(&d->meta);
}

/* One file of a build: its signature to memory, the file into
 * FILE.BUILD.partial (resumed), checked, then renamed to FILE. */
static int fetch_file(struct download *d, const struct hk_image_entry *e, const char *file,
		      uint64_t max, const struct hk_progress *p, struct hk_error **err)
{
	hk_autofree char *url = xasprintf("%s/%s/%s", d->o.server, e->path, file);
	hk_autofree char *asc_url = xasprintf("%s.asc", url);
	hk_autofree char *sig = NULL;
	size_t siglen = 0;
	if (d->keyring && hk_image_fetch_mem(asc_url, SIG_MAX, &sig, &siglen, err) < 0)
		return -1;
	hk_autofree char *part = xasprintf("%s/%s.%s.partial", d->dir, file, e->build);
	hk_autoclose int fd = open(part, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return hk_error_errno(err, "cannot create \"%s\"", part);
	if (hk_image_fetch(url, fd, max, p, file, err) < 0)
		return -1;
	if (verify_mem(d->keyring, fd, sig, siglen, url, err) < 0) {
		unlink(part); /* a bad file cannot be resumed: start over next time */
		return -1;
	}
	hk_autofree char *final = xasprintf("%s/%s", d->dir, file);
	hk_autofree char *final_asc = xasprintf("%s.asc", final);
	if (d->keyring && hk_write_file_atomic(final_asc, sig, siglen, 0644, err) < 0)
		return -1;
	if (rename(part, final) < 0)
		return hk_error_errno(err, "cannot move \"%s\" into the cache", part);
	return 0;
}

static int download_build(struct download *d, const struct hk_progress *p, struct hk_error **err)
{
	const struct dl_opts *o = &d->o;
	struct hk_image_index ix = { 0 };
	if (fetch_index(o, d->keyring, &ix, err) < 0)
		return -1;
	int rc = -1;
	const struct hk_image_entry *e =
		hk_image_index_find(&ix, o->dist, o->release, o->arch, o->variant);
	hk_autofree char *idp = xasprintf("%s/build_id", d->dir);
	hk_autofree char *line = NULL;
	if (!e) {
		hk_error_set(err, ENOENT,
			     "server \"%s\" has no image %s %s %s (variant %s); see `hako create "
			     "-t download -- --list --server %s`",
			     o->server, o->dist, o->release, o->arch, o->variant, o->server);
		goto out;
	}
	hk_log(HK_LOG_INFO, "downloading %s %s %s %s build %s from %s", o->dist, o->release,
	       o->arch, o->variant, e->build, o->server);
	if (unlink(idp) < 0 && errno != ENOENT) { /* the entry is incomplete from here */
		hk_error_errno(err, "cannot update the cache \"%s\"", idp);
		goto out;
	}
	if (fetch_file(d, e, "meta.tar.xz", META_FILE_MAX, p, err) < 0 ||
	    fetch_file(d, e, "rootfs.tar.xz", ROOTFS_FILE_MAX, p, err) < 0)
		goto out;
	line = xasprintf("%s\n", e->build);
	rc = hk_write_file_atomic(idp, line, strlen(line), 0644, err);
	if (rc == 0 && clean_entry(d, ".partial", NULL) < 0) /* older builds' leftovers */
		hk_log(HK_LOG_DEBUG, "cannot remove old partial downloads in %s", d->dir);
out:
	hk_image_index_free(&ix);
	return rc;
}

/* The cache entry when it is good and fresh (or --force-cache), else a new
 * download. */
static int obtain(struct download *d, const struct hk_progress *p, struct hk_error **err)
{
	hk_autoerr struct hk_error *e = NULL;
	if (use_cache(d, &e) == 0) {
		if (!expired(d) || d->o.force) {
			hk_log(HK_LOG_INFO, "using cached build %s from %s", d->build, d->dir);
			return 0;
		}
		hk_log(HK_LOG_INFO, "cached build %s has expired; downloading again", d->build);
	} else if (d->o.force) {
		hk_autofree char *why = hk_error_render(e);
		return hk_error_set(err, ENOENT,
				    "--force-cache: no usable cached image in \"%s\" (%s); drop "
				    "--force-cache to download it",
				    d->dir, why);
	}
	forget_cached(d);
	if (download_build(d, p, err) < 0 || use_cache(d, err) < 0)
		return -1;
	return 0;
}

/* ---- the template ---- */

static void download_release(struct hk_template_ctx *ctx)
{
	struct download *d = ctx->priv;
	if (!d)
		return;
	forget_cached(d);
	if (d->lock_fd >= 0)
		close(d->lock_fd);
	free(d->keyring);
	free(d->dir);
	hk_strv_clear(&d->templates);
	hk_strv_clear(&d->excludes);
	free(d);
	ctx->priv = NULL;
}

static int download_prepare(struct hk_template_ctx *ctx, struct hk_error **err)
{
	struct download *d = xcalloc(1, sizeof(*d));
	d->lock_fd = d->rootfs_fd = -1;
	ctx->priv = d;
	if (parse_args(ctx->args, &d->o, err) < 0)
		return -1;
	if (d->o.list)
		return hk_error_set(err, EINVAL,
				    "template download: --list takes no container name (`hako "
				    "create -t download -- --list`)");
	if (pick_keyring(&d->o, ctx->conf_dir, &d->keyring, err) < 0 ||
	    open_cache(d, ctx->cache_dir, err) < 0 || obtain(d, &ctx->progress, err) < 0)
		return hk_error_prefix(err, "template download");
	hk_image_lines(d->meta.templates, &d->templates);
	hk_image_lines(d->meta.excludes_user, &d->excludes);
	return 0;
}

static void download_config(const struct hk_template_ctx *ctx, struct hk_buf *out)
{
	const struct download *d = ctx->priv;
	const char *text = ctx->user && d->meta.config_user ? d->meta.config_user : d->meta.config;
	hk_buf_printf(out, "# Template download: %s %s %s %s, build %s, from %s\n", d->o.dist,
		      d->o.release, d->o.arch, d->o.variant, d->build, d->o.server);
	if (!text)
		return;
	hk_autofree char *filled = hk_image_fill(text, ctx->name, ctx->rootfs);
	hk_buf_puts(out, filled);
	if (*filled && filled[strlen(filled) - 1] != '\n')
		hk_buf_puts(out, "\n");
}

static int download_build_rootfs(int rootfd, const struct hk_template_ctx *ctx,
				 struct hk_error **err)
{
	const struct download *d = ctx->priv;
	if (fchmod(rootfd, 0755) < 0)
		return hk_error_errno(err, "cannot set the mode of rootfs \"%s\"", ctx->rootfs);
	hk_autofree char *shown = xasprintf("%s/rootfs.tar.xz", d->dir);
	struct hk_unpack u = {
		.archive_fd = d->rootfs_fd,
		.shown = shown,
		.unprivileged = ctx->mapped,
		.excludes = &d->excludes,
		.templates = &d->templates,
		.name = ctx->name,
		.rootfs = ctx->rootfs,
	};
	return hk_image_unpack(rootfd, &u, err);
}

int hk_template_download_list(const char *conf_dir, char *const *args, struct hk_image_index *out,
			      struct hk_error **err)
{
	struct dl_opts o;
	hk_autofree char *keyring = NULL;
	struct hk_image_index ix = { 0 };
	*out = (struct hk_image_index){ 0 };
	if (parse_args(args, &o, err) < 0 || pick_keyring(&o, conf_dir, &keyring, err) < 0 ||
	    fetch_index(&o, keyring, &ix, err) < 0)
		return hk_error_prefix(err, "template download: --list");
	for (size_t i = 0; i < ix.n; i++) {
		struct hk_image_entry *e = &ix.v[i];
		bool keep = (!o.dist || !strcmp(o.dist, e->dist)) &&
			    (!o.release || !strcmp(o.release, e->release)) &&
			    (!o.arch || !strcmp(o.arch, e->arch)) &&
			    (!o.variant || !strcmp(o.variant, e->variant));
		if (!keep)
			continue;
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		out->v[out->n++] = *e;
		*e = (struct hk_image_entry){ 0 };
	}
	hk_image_index_free(&ix);
	return 0;
}

const struct hk_template hk_template_download = {
	.name = "download",
	.summary = "a prebuilt image from an LXC-style image server (signed, cached)",
	.usage = DOWNLOAD_USAGE,
	.prepare = download_prepare,
	.config = download_config,
	.build = download_build_rootfs,
	.release = download_release,
};
