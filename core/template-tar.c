/* template-tar.c - `-t tar:FILE`: a root filesystem from a local tarball,
 * in any compression libarchive reads (gzip, xz, zstd, bzip2, lz4, none).
 *
 * prepare opens FILE with the caller's own rights (so a user cannot unpack
 * a file they could not read); build unpacks the open file through the
 * image unpacker (image-unpack.c: names sanitised, chrooted, no device
 * nodes for an unprivileged container).  The tarball holds the tree itself
 * (./bin, ./etc ...), as LXC's rootfs.tar.xz does.
 */
#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

struct tarball {
	int fd;
};

static int tar_prepare(struct hk_template_ctx *ctx, struct hk_error **err)
{
	if (ctx->args && ctx->args[0])
		return hk_error_set(err, EINVAL,
				    "template tar: takes no arguments (got \"%s\"); the file "
				    "follows the colon: -t tar:FILE",
				    ctx->args[0]);
	struct tarball *t = xcalloc(1, sizeof(*t));
	ctx->priv = t;
	t->fd = open(ctx->source, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (t->fd < 0)
		return hk_error_errno(err, "template tar: cannot open \"%s\"", ctx->source);
	struct stat sb;
	if (fstat(t->fd, &sb) < 0 || !S_ISREG(sb.st_mode))
		return hk_error_set(err, EINVAL, "template tar: \"%s\" is not a regular file",
				    ctx->source);
	return 0;
}

static void tar_config(const struct hk_template_ctx *ctx, struct hk_buf *out)
{
	hk_buf_printf(out, "# Template tar: unpacked from %s\n", ctx->source);
}

static int tar_build(int rootfd, const struct hk_template_ctx *ctx, struct hk_error **err)
{
	const struct tarball *t = ctx->priv;
	if (fchmod(rootfd, 0755) < 0)
		return hk_error_errno(err, "cannot set the mode of rootfs \"%s\"", ctx->rootfs);
	struct hk_unpack u = {
		.archive_fd = t->fd,
		.shown = ctx->source,
		.unprivileged = ctx->mapped,
		.name = ctx->name,
		.rootfs = ctx->rootfs,
	};
	return hk_image_unpack(rootfd, &u, err);
}

static void tar_release(struct hk_template_ctx *ctx)
{
	struct tarball *t = ctx->priv;
	if (!t)
		return;
	if (t->fd >= 0)
		close(t->fd);
	free(t);
	ctx->priv = NULL;
}

const struct hk_template hk_template_tar = {
	.name = "tar",
	.needs_source = true,
	.summary = "a rootfs from a local tarball: -t tar:FILE (any compression)",
	.usage = "(none; the file follows the colon)",
	.prepare = tar_prepare,
	.config = tar_config,
	.build = tar_build,
	.release = tar_release,
};
