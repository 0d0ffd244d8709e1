/* storage-aufs.c - the aufs backend (the guides' `lxc-clone -s -B aufs`):
 * snapshot clones like overlay, aufs:LOWER:PATH/NEW/delta0, mounted with
 * `br=UPPER=rw:LOWER=ro`.  aufs is an out-of-tree module (not in this
 * kernel: the error names it); inside a user namespace it mounts only
 * when the module was loaded with allow_userns=1.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "mountfd.h"
#include "storage.h"

#define AUFS_USERNS_PARAM "/sys/module/aufs/parameters/allow_userns"

static int aufs_support(const char *lxcpath, struct hk_error **err)
{
	(void)lxcpath;
	if (hk_storage_need_fs(
		    "aufs", "aufs",
		    "use a kernel with the aufs module, or -B overlay, which does the same job",
		    err) < 0)
		return -1;
	if (hk_storage_in_init_userns())
		return 0;
	hk_autofree char *v = NULL;
	if (hk_read_file(AUFS_USERNS_PARAM, &v, NULL, NULL) < 0 || (v[0] != 'Y' && v[0] != '1'))
		return hk_error_set(err, EPERM,
				    "backend aufs: mounting aufs in a user namespace needs the "
				    "module option allow_userns=1 (%s is off); as root: `echo Y > "
				    "%s` or load it with `modprobe aufs allow_userns=1`",
				    AUFS_USERNS_PARAM, AUFS_USERNS_PARAM);
	return 0;
}

static int aufs_create(const char *path, struct hk_error **err)
{
	return hk_error_set(err, EOPNOTSUPP,
			    "backend aufs cannot create \"%s\": it is a snapshot backend (hako "
			    "clone -s -B aufs)",
			    path);
}

static int aufs_copy(struct hk_storage_req *req, struct hk_error **err)
{
	(void)req;
	return hk_error_set(err, EOPNOTSUPP,
			    "backend aufs only makes snapshot clones: add -s, or use -B dir");
}

static int aufs_snapshot(struct hk_storage_req *req, struct hk_error **err)
{
	if (aufs_support(NULL, err) < 0)
		return -1;
	return hk_storage_layers_snapshot(req, "aufs", false, err);
}

static int aufs_mount(const struct hk_rootfs_spec *spec, const char *target, struct hk_error **err)
{
	if (!spec->path || !spec->upper)
		return hk_error_set(err, EINVAL, "aufs rootfs \"%s\" needs LOWER:UPPER",
				    spec->raw ? spec->raw : "");
	hk_autofree char *opts = xasprintf("br=%s=rw:%s=ro", spec->upper, spec->path);
	hk_autoclose int fd = open(target, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return hk_error_errno(err, "cannot open mount point \"%s\"", target);
	return hk_mount_new("aufs", "none", opts, 0, fd, err);
}

static int aufs_unmount(const char *target, struct hk_error **err)
{
	if (umount2(target, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return hk_error_errno(err, "cannot unmount \"%s\"", target);
	return 0;
}

static int aufs_destroy(const struct hk_rootfs_spec *spec, struct hk_error **err)
{
	return spec->upper ? hk_rm_rf(spec->upper, err) : 0;
}

static int aufs_size(const struct hk_rootfs_spec *spec, uint64_t *bytes, struct hk_error **err)
{
	return hk_storage_tree_size(spec->upper ? spec->upper : spec->path, bytes, err);
}

const struct hk_storage_ops hk_storage_aufs = {
	.backend = HK_BACKEND_AUFS,
	.name = "aufs",
	.support = aufs_support,
	.needs_mount = true,
	.create = aufs_create,
	.copy = aufs_copy,
	.snapshot = aufs_snapshot,
	.mount = aufs_mount,
	.unmount = aufs_unmount,
	.destroy = aufs_destroy,
	.size = aufs_size,
};
