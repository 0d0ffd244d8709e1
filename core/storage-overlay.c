/* storage-overlay.c - the overlay backend: snapshot clones.  A clone's
 * config says overlay:LOWER:PATH/NEW/delta0; the work dir is
 * PATH/NEW/olwork (the layout lxc-copy uses, so LXC reads it too) and the
 * merged tree is mounted on PATH/NEW/rootfs when the container starts.
 * The lower is the source's rootfs; a clone of an overlay clone shares its
 * lower and gets a copy of its upper.  For an unprivileged container the
 * upper and work dirs are made as root of its user namespace, so they
 * belong to the mapped root, and the mount then uses `userxattr` (Linux >=
 * 5.11 allows overlay mounts in a user namespace).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "copy.h"
#include "mountfd.h"
#include "storage.h"

static int ovl_support(const char *lxcpath, struct hk_error **err)
{
	(void)lxcpath;
	return hk_storage_need_fs("overlay", "overlay",
				  "use a kernel with CONFIG_OVERLAY_FS, or -B dir", err);
}

static int ovl_create(const char *path, struct hk_error **err)
{
	return hk_error_set(err, EOPNOTSUPP,
			    "backend overlay cannot create \"%s\": it is a snapshot backend; make "
			    "the container with dir or btrfs, then `hako clone -s`",
			    path);
}

static int mkdir_like(const char *path, const struct stat *like, mode_t mode, struct hk_error **err)
{
	if (mkdir(path, 0700) < 0)
		return hk_error_errno(err, "cannot create \"%s\"", path);
	if (like && chown(path, like->st_uid, like->st_gid) < 0)
		return hk_error_errno(err, "cannot give \"%s\" to the container's root", path);
	if (chmod(path, like ? like->st_mode & 07777 : mode) < 0)
		return hk_error_errno(err, "cannot set the mode of \"%s\"", path);
	return 0;
}

struct snap_job {
	struct hk_storage_req *req;
	char *upper;
	char *work;
	char *mnt;
	bool want_work; /* aufs has no work dir */
};

/* Runs as root of the container's user namespace for ordinary users. */
static int make_layers(void *arg, struct hk_error **err)
{
	struct snap_job *j = arg;
	const struct hk_rootfs_spec *src = j->req->src;
	struct stat lower;
	if (stat(src->path, &lower) < 0 || !S_ISDIR(lower.st_mode))
		return hk_error_errno(err, "cannot use \"%s\" as the lower layer", src->path);
	if (src->upper) {
		if (hk_copy_tree_progress(src->upper, j->upper, j->req->copy_flags,
					  j->req->progress, NULL, err) < 0)
			return -1;
	} else if (mkdir_like(j->upper, &lower, 0, err) < 0) {
		return -1;
	}
	if (j->want_work && mkdir_like(j->work, NULL, 0700, err) < 0)
		return -1;
	return mkdir_like(j->mnt, &lower, 0, err);
}

int hk_storage_layers_snapshot(struct hk_storage_req *req, const char *prefix, bool want_work,
			       struct hk_error **err)
{
	const struct hk_rootfs_spec *src = req->src;
	if (src->backend == HK_BACKEND_ZFS || !src->path)
		return hk_error_set(err, EINVAL,
				    "%s snapshot of \"%s\": the source must be a directory rootfs "
				    "(dir, btrfs, overlay or aufs)",
				    prefix, src->raw ? src->raw : "");
	if (strpbrk(src->path, ":,") || strpbrk(req->dst_dir, ":,"))
		return hk_error_set(err, EINVAL,
				    "%s snapshot: paths with ':' or ',' cannot be layers (\"%s\", "
				    "\"%s\")",
				    prefix, src->path, req->dst_dir);
	struct snap_job j = { req, xasprintf("%s/delta0", req->dst_dir),
			      xasprintf("%s/olwork", req->dst_dir),
			      xasprintf("%s/rootfs", req->dst_dir), want_work };
	int rc = hk_storage_run(req, make_layers, &j, err);
	if (rc == 0)
		req->new_spec = xasprintf("%s:%s:%s", prefix, src->path, j.upper);
	free(j.upper);
	free(j.work);
	free(j.mnt);
	return rc;
}

/* (hk_clone_rootfs has checked ovl_support already) */
static int ovl_snapshot(struct hk_storage_req *req, struct hk_error **err)
{
	return hk_storage_layers_snapshot(req, "overlay", true, err);
}

static int ovl_copy(struct hk_storage_req *req, struct hk_error **err)
{
	(void)req;
	return hk_error_set(err, EOPNOTSUPP,
			    "backend overlay only makes snapshot clones: add -s, or use -B dir "
			    "for a full copy");
}

static int ovl_mount(const struct hk_rootfs_spec *spec, const char *target, struct hk_error **err)
{
	if (!spec->path || !spec->upper)
		return hk_error_set(err, EINVAL, "overlay rootfs \"%s\" needs LOWER:UPPER",
				    spec->raw ? spec->raw : "");
	hk_autofree char *work = hk_storage_workdir(spec->upper);
	if (access(work, F_OK) < 0 && mkdir(work, 0700) < 0)
		return hk_error_errno(err, "cannot create the overlay work dir \"%s\"", work);
	hk_autofree char *opts =
		xasprintf("lowerdir=%s,upperdir=%s,workdir=%s%s", spec->path, spec->upper, work,
			  hk_storage_in_init_userns() ? "" : ",userxattr");
	hk_autoclose int fd = open(target, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return hk_error_errno(err, "cannot open mount point \"%s\"", target);
	if (hk_mount_new("overlay", "overlay", opts, 0, fd, err) < 0)
		return hk_error_prefix(err, "overlay on \"%s\"%s", target,
				       hk_storage_in_init_userns()
					       ? ""
					       : " (in a user namespace: needs Linux >= 5.11)");
	return 0;
}

static int ovl_unmount(const char *target, struct hk_error **err)
{
	if (umount2(target, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return hk_error_errno(err, "cannot unmount \"%s\"", target);
	return 0;
}

static int ovl_destroy(const struct hk_rootfs_spec *spec, struct hk_error **err)
{
	if (!spec->upper)
		return 0;
	hk_autofree char *work = hk_storage_workdir(spec->upper);
	if (hk_rm_rf(spec->upper, err) < 0)
		return -1;
	return hk_rm_rf(work, err);
}

static int ovl_size(const struct hk_rootfs_spec *spec, uint64_t *bytes, struct hk_error **err)
{
	return hk_storage_tree_size(spec->upper ? spec->upper : spec->path, bytes, err);
}

const struct hk_storage_ops hk_storage_overlay = {
	.backend = HK_BACKEND_OVERLAY,
	.name = "overlay",
	.support = ovl_support,
	.needs_mount = true,
	.create = ovl_create,
	.copy = ovl_copy,
	.snapshot = ovl_snapshot,
	.mount = ovl_mount,
	.unmount = ovl_unmount,
	.destroy = ovl_destroy,
	.size = ovl_size,
};
