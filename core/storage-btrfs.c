/* storage-btrfs.c - the btrfs backend: the rootfs is a subvolume
 * (PATH/NAME/rootfs); a snapshot clone is a subvolume snapshot
 * (BTRFS_IOC_SNAP_CREATE_V2).  A full copy of a subvolume on the same
 * btrfs is a snapshot too: it depends on nothing of its source (destroy
 * either, the other stays whole) and shares every extent, which is all a
 * FICLONE of each file would do, in one ioctl instead of a walk of the
 * tree.  A subvolume inside the source comes out an empty directory
 * either way (the copy engine copies another device's directory empty,
 * as a mount point).  Where the source is not a subvolume on the same
 * btrfs, the copy engine fills a new subvolume (its FICLONE shares
 * extents anyway).
 * An ordinary user
 * snapshots the subvolumes of its containers from inside their user
 * namespace, where it owns them; removing an empty subvolume with rmdir
 * needs Linux >= 4.18.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/btrfs.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "copy.h"
#include "storage.h"

#define BTRFS_FIRST_FREE_OBJECTID 256 /* the inode of a subvolume's root */

static int btrfs_support(const char *lxcpath, struct hk_error **err)
{
	if (hk_storage_need_fs("btrfs", "btrfs", "use a kernel with CONFIG_BTRFS_FS, or -B dir",
			       err) < 0)
		return -1;
	if (!lxcpath)
		return 0;
	long type = hk_storage_fs_type(lxcpath);
	if (type != (long)BTRFS_SUPER_MAGIC)
		return hk_error_set(err, EOPNOTSUPP,
				    "backend btrfs: the container path \"%s\" is not on a btrfs "
				    "filesystem; use -P with a path on a btrfs mount, or -B dir",
				    lxcpath);
	return 0;
}

/* Makes subvolume NAME in the directory `dir`. */
static int subvol_create(const char *dir, const char *name, struct hk_error **err)
{
	hk_autoclose int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return hk_error_errno(err, "cannot open \"%s\"", dir);
	struct btrfs_ioctl_vol_args args = { 0 };
	if (strlen(name) >= sizeof(args.name))
		return hk_error_set(err, ENAMETOOLONG, "subvolume name \"%s\" is too long", name);
	strcpy(args.name, name);
	if (ioctl(dfd, BTRFS_IOC_SUBVOL_CREATE, &args) < 0)
		return hk_error_errno(err, "cannot create btrfs subvolume \"%s/%s\"", dir, name);
	return 0;
}

static int btrfs_create(const char *path, struct hk_error **err)
{
	hk_autofree char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return hk_error_set(err, EINVAL, "rootfs path \"%s\" has no parent", path);
	*slash = '\0';
	return subvol_create(dir, slash + 1, err);
}

struct btrfs_job {
	struct hk_storage_req *req;
	char *dst;
};

/* The full copy as a snapshot where that is one (see the top): 1 done,
 * 0 not here (nothing made: the copy engine's turn), -1 failed. */
static int copy_by_snapshot(const struct btrfs_job *j, struct hk_error **err)
{
	const char *src = j->req->src->path;
	if (j->req->copy_flags & HK_COPY_NO_REFLINK)
		return 0;
	hk_autoclose int sfd = open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat sb;
	if (sfd < 0 || fstat(sfd, &sb) < 0 || sb.st_ino != BTRFS_FIRST_FREE_OBJECTID ||
	    hk_storage_fs_type(src) != (long)BTRFS_SUPER_MAGIC)
		return 0;
	hk_autoclose int dfd =
		open(j->req->dst_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return hk_error_errno(err, "cannot open \"%s\"", j->req->dst_dir);
	struct btrfs_ioctl_vol_args_v2 args = { .fd = sfd };
	strcpy(args.name, "rootfs");
	if (ioctl(dfd, BTRFS_IOC_SNAP_CREATE_V2, &args) == 0)
		return 1;
	if (errno == EXDEV || errno == EPERM || errno == EACCES || errno == EOPNOTSUPP)
		return 0; /* another btrfs, or not the caller's to snapshot: copy */
	return hk_error_errno(err, "cannot snapshot btrfs subvolume \"%s\" to \"%s\"", src, j->dst);
}

static int copy_in_ns(void *arg, struct hk_error **err)
{
	struct btrfs_job *j = arg;
	int snap = copy_by_snapshot(j, err);
	if (snap != 0)
		return snap < 0 ? -1 : 0;
	if (subvol_create(j->req->dst_dir, "rootfs", err) < 0)
		return -1;
	return hk_copy_tree_progress(j->req->src->path, j->dst, j->req->copy_flags,
				     j->req->progress, NULL, err);
}

static int btrfs_copy(struct hk_storage_req *req, struct hk_error **err)
{
	if (btrfs_support(req->dst_dir, err) < 0)
		return -1;
	if (hk_storage_needs_mount(req->src) || !req->src->path)
		return hk_error_set(err, EOPNOTSUPP,
				    "backend btrfs copies dir and btrfs rootfs only; copy \"%s\" "
				    "with -B dir",
				    req->src->raw ? req->src->raw : "");
	struct btrfs_job j = { req, xasprintf("%s/rootfs", req->dst_dir) };
	int rc = hk_storage_run(req, copy_in_ns, &j, err);
	if (rc == 0)
		req->new_spec = xasprintf("btrfs:%s", j.dst);
	free(j.dst);
	return rc;
}

static int snap_in_ns(void *arg, struct hk_error **err)
{
	struct btrfs_job *j = arg;
	const char *src = j->req->src->path;
	hk_autoclose int sfd = open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	hk_autoclose int dfd =
		open(j->req->dst_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0 || dfd < 0)
		return hk_error_errno(err, "cannot open \"%s\"", sfd < 0 ? src : j->req->dst_dir);
	struct btrfs_ioctl_vol_args_v2 args = { .fd = sfd };
	strcpy(args.name, "rootfs");
	if (ioctl(dfd, BTRFS_IOC_SNAP_CREATE_V2, &args) < 0)
		return hk_error_errno(err, "cannot snapshot btrfs subvolume \"%s\" to \"%s\"", src,
				      j->dst);
	return 0;
}

static int btrfs_snapshot(struct hk_storage_req *req, struct hk_error **err)
{
	if (btrfs_support(req->dst_dir, err) < 0)
		return -1;
	struct stat sb;
	const char *src = req->src->path;
	if (req->src->backend != HK_BACKEND_BTRFS && req->src->backend != HK_BACKEND_DIR)
		return hk_error_set(err, EOPNOTSUPP,
				    "btrfs snapshot: \"%s\" is not a btrfs subvolume; clone "
				    "without -s, or with -B overlay",
				    req->src->raw);
	if (stat(src, &sb) < 0)
		return hk_error_errno(err, "btrfs snapshot: cannot look at \"%s\"", src);
	if (hk_storage_fs_type(src) != (long)BTRFS_SUPER_MAGIC ||
	    sb.st_ino != BTRFS_FIRST_FREE_OBJECTID)
		return hk_error_set(err, EOPNOTSUPP,
				    "btrfs snapshot: \"%s\" is not a btrfs subvolume (only a "
				    "subvolume can be snapshotted); clone without -s, or with -B "
				    "overlay",
				    src);
	struct btrfs_job j = { req, xasprintf("%s/rootfs", req->dst_dir) };
	int rc = hk_storage_run(req, snap_in_ns, &j, err);
	if (rc == 0)
		req->new_spec = xasprintf("btrfs:%s", j.dst);
	free(j.dst);
	return rc;
}

static int btrfs_mount(const struct hk_rootfs_spec *spec, const char *target, struct hk_error **err)
{
	(void)spec;
	(void)target;
	(void)err;
	return 0; /* a subvolume is a directory */
}

static int btrfs_unmount(const char *target, struct hk_error **err)
{
	(void)target;
	(void)err;
	return 0;
}

/* SNAP_DESTROY drops the whole subvolume at once where allowed (root, or
 * user_subvol_rm_allowed); otherwise empty it and rmdir it. */
static int btrfs_destroy(const struct hk_rootfs_spec *spec, struct hk_error **err)
{
	hk_autofree char *dir = xstrdup(spec->path);
	char *slash = strrchr(dir, '/');
	if (access(spec->path, F_OK) < 0)
		return 0;
	if (slash && slash != dir) {
		*slash = '\0';
		hk_autoclose int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		struct btrfs_ioctl_vol_args args = { 0 };
		if (dfd >= 0 && strlen(slash + 1) < sizeof(args.name)) {
			strcpy(args.name, slash + 1);
			if (ioctl(dfd, BTRFS_IOC_SNAP_DESTROY, &args) == 0)
				return 0;
		}
	}
	return hk_rm_rf(spec->path, err);
}

static int btrfs_size(const struct hk_rootfs_spec *spec, uint64_t *bytes, struct hk_error **err)
{
	return hk_storage_tree_size(spec->path, bytes, err);
}

const struct hk_storage_ops hk_storage_btrfs = {
	.backend = HK_BACKEND_BTRFS,
	.name = "btrfs",
	.support = btrfs_support,
	.needs_mount = false,
	.create = btrfs_create,
	.copy = btrfs_copy,
	.snapshot = btrfs_snapshot,
	.mount = btrfs_mount,
	.unmount = btrfs_unmount,
	.destroy = btrfs_destroy,
	.size = btrfs_size,
};
