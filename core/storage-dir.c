/* storage-dir.c - the dir backend: the rootfs is a plain directory, a
 * clone is a full copy (copy.h).  A source that must be mounted (an
 * overlay clone) is copied through its merged view, mounted in a private
 * mount namespace that disappears with the copy.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "copy.h"
#include "storage.h"

static int dir_support(const char *lxcpath, struct hk_error **err)
{
	(void)lxcpath;
	(void)err;
	return 0;
}

static int dir_create(const char *path, struct hk_error **err)
{
	if (mkdir(path, 0700) < 0)
		return hk_error_errno(err, "cannot create rootfs \"%s\"", path);
	return 0;
}

struct copy_job {
	const struct hk_storage_req *req;
	const char *dst;
};

static int copy_in_ns(void *arg, struct hk_error **err)
{
	struct copy_job *j = arg;
	const struct hk_rootfs_spec *src = j->req->src;
	if (!hk_storage_needs_mount(src))
		return hk_copy_tree_progress(src->path, j->dst, j->req->copy_flags,
					     j->req->progress, NULL, err);
	hk_autofree char *target = xasprintf("%s/rootfs", j->req->src_dir);
	if (hk_storage_mount_rootfs(src, target, err) < 0)
		return -1;
	return hk_copy_tree_progress(target, j->dst, j->req->copy_flags, j->req->progress, NULL,
				     err);
}

static int dir_copy(struct hk_storage_req *req, struct hk_error **err)
{
	hk_autofree char *dst = xasprintf("%s/rootfs", req->dst_dir);
	struct copy_job j = { req, dst };
	int rc = hk_storage_needs_mount(req->src) ? hk_storage_run_mountns(req, copy_in_ns, &j, err)
						  : hk_storage_run(req, copy_in_ns, &j, err);
	if (rc < 0)
		return -1;
	req->new_spec = xasprintf("dir:%s", dst);
	return 0;
}

static int dir_mount(const struct hk_rootfs_spec *spec, const char *target, struct hk_error **err)
{
	(void)spec;
	(void)target;
	(void)err;
	return 0; /* the engine uses the directory itself */
}

static int dir_unmount(const char *target, struct hk_error **err)
{
	(void)target;
	(void)err;
	return 0;
}

static int dir_destroy(const struct hk_rootfs_spec *spec, struct hk_error **err)
{
	return hk_rm_rf(spec->path, err);
}

static int dir_size(const struct hk_rootfs_spec *spec, uint64_t *bytes, struct hk_error **err)
{
	return hk_storage_tree_size(spec->path, bytes, err);
}

const struct hk_storage_ops hk_storage_dir = {
	.backend = HK_BACKEND_DIR,
	.name = "dir",
	.support = dir_support,
	.needs_mount = false,
	.create = dir_create,
	.copy = dir_copy,
	.snapshot = NULL,
	.mount = dir_mount,
	.unmount = dir_unmount,
	.destroy = dir_destroy,
	.size = dir_size,
};
