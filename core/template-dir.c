/* template-dir.c - `-t dir:PATH`: a root filesystem copied from a directory
 * with the full-copy engine (copy.c: owners, modes, xattrs, hard links,
 * never following a symlink, never crossing a mount).
 *
 * prepare checks the source with the caller's own rights and refuses a
 * source that holds the new rootfs (a copy into itself would never end);
 * for an ordinary user it also refuses, naming them, the files the user
 * cannot read (a tree root made: /etc/shadow), before anything is copied.
 * root copies an id-mapped container's tree as itself, each owner shifted
 * into the map (hk_copy_tree_shifted); an ordinary user's copy runs inside
 * the container's user namespace, so the copy is owned by ids of that map
 * where the source's owners are mapped.  An ordinary user's own files (a
 * tree the user unpacked or built as himself) become the container root's:
 * kept as the user's, they would be nobody's inside and no root there could
 * change them.
 */
#include "template.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "copy.h"

struct srcdir {
	char *path; /* canonical */
	uid_t uid;  /* the caller's host ids, from prepare */
	gid_t gid;
};

/* The id that host id `host` has in this process's user namespace (from
 * /proc/self/uid_map or gid_map), or -1 when it is not mapped. */
static long id_in_namespace(const char *map_file, unsigned long host)
{
	hk_autofree char *text = NULL;
	if (hk_read_file(map_file, &text, NULL, NULL) < 0)
		return -1;
	for (char *save, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned long ns, first, count;
		if (sscanf(l, "%lu %lu %lu", &ns, &first, &count) == 3 && host >= first &&
		    host - first < count)
			return (long)(ns + (host - first));
	}
	return -1;
}

/* True when path is dir or lies below it. */
static bool is_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (n == 1 && dir[0] == '/')
		return true;
	return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == '\0');
}

/* path made canonical as far as it exists (the new rootfs does not yet). */
static char *canon_prefix(const char *path)
{
	hk_autofree char *head = xstrdup(path);
	hk_autofree char *tail = xstrdup("");
	for (;;) {
		char *real = realpath(*head ? head : "/", NULL);
		if (real) {
			char *out = xasprintf("%s%s", strcmp(real, "/") ? real : "", tail);
			free(real);
			return out;
		}
		char *slash = strrchr(head, '/');
		if (!slash)
			return xstrdup(path);
		char *t = xasprintf("%s%s", slash, tail);
		free(tail);
		tail = t;
		*slash = '\0';
	}
}

/* What an ordinary user cannot copy: files it may not read, directories
 * it may not list (nftw is not reentrant: one walk at a time). */
static struct {
	struct hk_buf names;
	unsigned n;
} unreadable;

static int note_unreadable(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)ftw;
	bool need = type == FTW_DNR ||
		    (type == FTW_F && S_ISREG(sb->st_mode) && access(path, R_OK) < 0) ||
		    (type == FTW_D && access(path, R_OK | X_OK) < 0);
	if (need && unreadable.n++ < 5)
		hk_buf_printf(&unreadable.names, "%s\"%s\"", unreadable.n > 1 ? ", " : "", path);
	return 0;
}

/* An ordinary user's copy reads each file as that user: refuse, before
 * anything is copied, a tree with files only root may read. */
static int check_readable(const char *path, struct hk_error **err)
{
	unreadable.n = 0;
	hk_buf_free(&unreadable.names);
	if (nftw(path, note_unreadable, 32, FTW_PHYS | FTW_MOUNT) < 0)
		return hk_error_errno(err, "template dir: cannot walk \"%s\"", path);
	int rc = 0;
	if (unreadable.n)
		rc = hk_error_set(
			err, EACCES,
			"template dir: %u file%s of \"%s\" you cannot read, so they cannot be "
			"copied: %s%s; have root create the container, or pack the tree as "
			"root (tar -C %s -cpf FILE .) and use -t tar:FILE",
			unreadable.n, unreadable.n == 1 ? "" : "s", path, unreadable.names.data,
			unreadable.n > 5 ? " ..." : "", path);
	hk_buf_free(&unreadable.names);
	return rc;
}

static int dir_prepare(struct hk_template_ctx *ctx, struct hk_error **err)
{
	if (ctx->args && ctx->args[0])
		return hk_error_set(err, EINVAL,
				    "template dir: takes no arguments (got \"%s\"); the "
				    "directory follows the colon: -t dir:PATH",
				    ctx->args[0]);
	struct srcdir *s = xcalloc(1, sizeof(*s));
	ctx->priv = s;
	s->uid = getuid();
	s->gid = getgid();
	s->path = realpath(ctx->source, NULL);
	struct stat sb;
	if (!s->path || stat(s->path, &sb) < 0)
		return hk_error_errno(err, "template dir: cannot find \"%s\"", ctx->source);
	if (!S_ISDIR(sb.st_mode))
		return hk_error_set(err, ENOTDIR, "template dir: \"%s\" is not a directory",
				    ctx->source);
	if (access(s->path, R_OK | X_OK) < 0)
		return hk_error_errno(err, "template dir: cannot read \"%s\"", ctx->source);
	hk_autofree char *dest = canon_prefix(ctx->rootfs);
	if (is_within(dest, s->path))
		return hk_error_set(err, EINVAL,
				    "template dir: \"%s\" holds the new rootfs \"%s\"; a copy "
				    "into itself never ends: choose a directory outside the "
				    "container path",
				    ctx->source, ctx->rootfs);
	return ctx->user ? check_readable(s->path, err) : 0;
}

static void dir_config(const struct hk_template_ctx *ctx, struct hk_buf *out)
{
	hk_buf_printf(out, "# Template dir: copied from %s\n", ctx->source);
}

static int dir_build(int rootfd, const struct hk_template_ctx *ctx, struct hk_error **err)
{
	(void)rootfd;
	const struct srcdir *s = ctx->priv;
	struct hk_copy_stats st = { 0 };
	uid_t from_uid = (uid_t)-1;
	gid_t from_gid = (gid_t)-1;
	if (ctx->user && ctx->mapped) {
		long u = id_in_namespace("/proc/self/uid_map", s->uid);
		long g = id_in_namespace("/proc/self/gid_map", s->gid);
		from_uid = u > 0 ? (uid_t)u : (uid_t)-1;
		from_gid = g > 0 ? (gid_t)g : (gid_t)-1;
	}
	int rc = ctx->shift ? hk_copy_tree_shifted(s->path, ctx->rootfs, 0, ctx->shift, &st, err)
			    : hk_copy_tree_owned_by_root(s->path, ctx->rootfs, 0, from_uid,
							 from_gid, &st, err);
	if (rc < 0)
		return hk_error_prefix(err, "template dir: copy \"%s\"", ctx->source);
	return 0;
}

static void dir_release(struct hk_template_ctx *ctx)
{
	struct srcdir *s = ctx->priv;
	if (!s)
		return;
	free(s->path);
	free(s);
	ctx->priv = NULL;
}

const struct hk_template hk_template_dir = {
	.name = "dir",
	.needs_source = true,
	.shifts_owners = true,
	.summary = "a rootfs copied from a directory: -t dir:PATH",
	.usage = "(none; the directory follows the colon)",
	.prepare = dir_prepare,
	.config = dir_config,
	.build = dir_build,
	.release = dir_release,
};
