/* storage-zfs.c - the zfs backend: the rootfs is a dataset
 * (zfs:POOL/PATH/NAME, mounted by zfs itself); a snapshot clone is `zfs
 * snapshot SRC@NEW` then `zfs clone SRC@NEW PARENT/NEW` with the clone's
 * mountpoint at PATH/NEW/rootfs.  Everything goes through /sbin/zfs
 * (fork+exec, no shell, a clean environment).  Kernels without zfs (this
 * one among them) get an error naming the missing module.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "storage.h"

#define ZFS_BIN "/sbin/zfs"

static int zfs_support(const char *lxcpath, struct hk_error **err)
{
	(void)lxcpath;
	if (hk_storage_need_fs(
		    "zfs", "zfs",
		    "install zfs-dkms and run `modprobe zfs`, or use -B dir, overlay or btrfs",
		    err) < 0)
		return -1;
	if (access(ZFS_BIN, X_OK) < 0)
		return hk_error_errno(err, "backend zfs: no %s (install zfsutils-linux)", ZFS_BIN);
	return 0;
}

/* Runs /sbin/zfs ARGS...; its stderr goes to ours. */
static int zfs_run(const char *const *argv, struct hk_error **err)
{
	pid_t pid = fork();
	if (pid < 0)
		return hk_error_errno(err, "cannot fork for %s", ZFS_BIN);
	if (pid == 0) {
		char *const envp[] = { (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
		execve(ZFS_BIN, (char *const *)argv, envp);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return hk_error_set(err, 0, "`zfs %s %s` failed (status %d)", argv[1], argv[2],
				    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}

static int zfs_create(const char *dataset, struct hk_error **err)
{
	if (zfs_support(NULL, err) < 0)
		return -1;
	const char *argv[] = { ZFS_BIN, "create", "-p", dataset, NULL };
	return zfs_run(argv, err);
}

static int zfs_copy(struct hk_storage_req *req, struct hk_error **err)
{
	(void)req;
	if (zfs_support(NULL, err) < 0)
		return -1;
	return hk_error_set(err, EOPNOTSUPP,
			    "backend zfs makes snapshot clones (-s); for a full copy use -B dir");
}

/* POOL/x/SRC -> POOL/x/NEW, where NEW is the last part of dst_dir. */
static char *sibling_dataset(const char *src, const char *dst_dir)
{
	const char *slash = strrchr(src, '/');
	const char *name = strrchr(dst_dir, '/');
	name = name ? name + 1 : dst_dir;
	if (!slash)
		return xasprintf("%s/%s", src, name);
	return xasprintf("%.*s/%s", (int)(slash - src), src, name);
}

static int zfs_snapshot(struct hk_storage_req *req, struct hk_error **err)
{
	if (zfs_support(NULL, err) < 0)
		return -1;
	if (req->src->backend != HK_BACKEND_ZFS)
		return hk_error_set(err, EOPNOTSUPP,
				    "zfs snapshot: \"%s\" is not a zfs dataset; use -B overlay",
				    req->src->raw);
	const char *name = strrchr(req->dst_dir, '/');
	hk_autofree char *snap = xasprintf("%s@%s", req->src->path, name ? name + 1 : "clone");
	hk_autofree char *dataset = sibling_dataset(req->src->path, req->dst_dir);
	hk_autofree char *mp = xasprintf("mountpoint=%s/rootfs", req->dst_dir);
	const char *snap_argv[] = { ZFS_BIN, "snapshot", snap, NULL };
	const char *clone_argv[] = { ZFS_BIN, "clone", "-o", mp, snap, dataset, NULL };
	if (zfs_run(snap_argv, err) < 0 || zfs_run(clone_argv, err) < 0)
		return -1;
	req->new_spec = xasprintf("zfs:%s", dataset);
	return 0;
}

static int zfs_mount(const struct hk_rootfs_spec *spec, const char *target, struct hk_error **err)
{
	(void)spec;
	(void)target;
	return zfs_support(NULL, err); /* zfs mounts its datasets itself */
}

static int zfs_unmount(const char *target, struct hk_error **err)
{
	(void)target;
	(void)err;
	return 0;
}

static int zfs_destroy(const struct hk_rootfs_spec *spec, struct hk_error **err)
{
	if (zfs_support(NULL, err) < 0)
		return -1;
	const char *argv[] = { ZFS_BIN, "destroy", "-r", spec->path, NULL };
	return zfs_run(argv, err);
}

static int zfs_size(const struct hk_rootfs_spec *spec, uint64_t *bytes, struct hk_error **err)
{
	(void)spec;
	*bytes = 0;
	return zfs_support(NULL, err);
}

const struct hk_storage_ops hk_storage_zfs = {
	.backend = HK_BACKEND_ZFS,
	.name = "zfs",
	.support = zfs_support,
	.needs_mount = false,
	.create = zfs_create,
	.copy = zfs_copy,
	.snapshot = zfs_snapshot,
	.mount = zfs_mount,
	.unmount = zfs_unmount,
	.destroy = zfs_destroy,
	.size = zfs_size,
};
