/* storage.h - where a container's rootfs lives and how it is copied,
 * snapshotted, mounted and removed: one const ops table per backend (dir,
 * overlay, btrfs, zfs, aufs), chosen by hk_storage_find().
 *
 * Backends and what `lxc.rootfs.path` records:
 *   dir      dir:PATH/NAME/rootfs            full copies (copy.h)
 *   btrfs    btrfs:PATH/NAME/rootfs          a subvolume; snapshots with
 *                                            BTRFS_IOC_SNAP_CREATE_V2
 *   overlay  overlay:LOWER:PATH/NAME/delta0  snapshot clones only: the
 *            upper dir and PATH/NAME/olwork (the work dir) over the
 *            source's rootfs, mounted on PATH/NAME/rootfs at start
 *   aufs     aufs:LOWER:PATH/NAME/delta0     same, with aufs (br=U=rw:L=ro)
 *   zfs      zfs:POOL/DATASET                `zfs snapshot` + `zfs clone`
 * aufs and zfs are not in every kernel: support() then names what is
 * missing (/proc/filesystems, /sys/module/NAME).
 *
 * Functions that build or remove trees of an unprivileged container run as
 * root of a user namespace holding the container's map (userns-exec.h),
 * so that an ordinary user can do them; `req->map` says which map.
 */
#ifndef HAKO_STORAGE_H
#define HAKO_STORAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "error.h"
#include "idmap.h"
#include "progress.h"
#include "store.h"
#include "util.h"

/* One rootfs operation: from the source container's rootfs to a new one
 * in dst_dir (PATH/NEW).  The backend fills new_spec (the value for
 * lxc.rootfs.path) and new_rootfs (the tree to remove on failure). */
struct hk_storage_req {
	const struct hk_rootfs_spec *src;   /* the source's lxc.rootfs.path */
	const char *src_dir;		    /* PATH/SRC */
	const char *dst_dir;		    /* PATH/NEW, made by the caller */
	const struct hk_idmap *map;	    /* the container's id map (n == 0: none) */
	bool as_user;			    /* caller is not root and map is set */
	unsigned copy_flags;		    /* hk_copy_tree flags */
	const struct hk_progress *progress; /* a full copy reports here (may be NULL) */
	char *new_spec;			    /* out: "dir:PATH/NEW/rootfs" ... */
};

struct hk_storage_ops {
	enum hk_backend backend;
	const char *name;
	/* Can this host use it for a container path (which may not exist
	 * yet)?  0, or -1 with an error naming what is missing. */
	int (*support)(const char *lxcpath, struct hk_error **err);
	/* Whether the rootfs must be mounted before start (overlay, aufs). */
	bool needs_mount;
	/* An empty rootfs at `path` (create). */
	int (*create)(const char *path, struct hk_error **err);
	/* A full, independent copy of req->src into req->dst_dir. */
	int (*copy)(struct hk_storage_req *req, struct hk_error **err);
	/* A cheap snapshot clone (shares data with the source); NULL when
	 * the backend has none. */
	int (*snapshot)(struct hk_storage_req *req, struct hk_error **err);
	/* Makes the rootfs appear at target (a directory). */
	int (*mount)(const struct hk_rootfs_spec *spec, const char *target, struct hk_error **err);
	int (*unmount)(const char *target, struct hk_error **err);
	/* Removes what spec names (the rootfs tree, upper+work, subvolume,
	 * dataset); runs in the user namespace for unprivileged containers. */
	int (*destroy)(const struct hk_rootfs_spec *spec, struct hk_error **err);
	/* Bytes used by the rootfs (for an overlay: its upper dir). */
	int (*size)(const struct hk_rootfs_spec *spec, uint64_t *bytes, struct hk_error **err);
};

extern const struct hk_storage_ops hk_storage_dir;
extern const struct hk_storage_ops hk_storage_overlay;
extern const struct hk_storage_ops hk_storage_btrfs;
extern const struct hk_storage_ops hk_storage_zfs;
extern const struct hk_storage_ops hk_storage_aufs;

/* The ops of a backend; NULL (with an error listing them) for UNSET/lvm. */
const struct hk_storage_ops *hk_storage_find(enum hk_backend b, struct hk_error **err);
size_t hk_storage_count(void);
const struct hk_storage_ops *hk_storage_at(size_t i);

/* Whether spec's backend must be mounted before the container starts
 * (overlay, aufs; zfs datasets mount themselves). */
bool hk_storage_needs_mount(const struct hk_rootfs_spec *spec);

/* Mounts the rootfs named by spec on target_dir.  For the container child
 * after it unshared its mount namespace: works as host root, and as root
 * of the container's user namespace (overlay then uses the userxattr
 * option; Linux >= 5.11).  For dir and btrfs it does nothing (the engine
 * uses spec->path itself).  target_dir must exist. */
int hk_storage_mount_rootfs(const struct hk_rootfs_spec *spec, const char *target_dir,
			    struct hk_error **err);

/* The directory the container's root is at start: spec->path for dir and
 * btrfs, CONTAINER_DIR/rootfs (the mount point) for backends that must be
 * mounted.  Caller frees. */
char *hk_storage_rootfs_target(const struct hk_rootfs_spec *spec, const char *container_dir);

/* Bytes the rootfs uses (an overlay clone: its upper dir only). */
int hk_storage_size(const struct hk_rootfs_spec *spec, uint64_t *bytes, struct hk_error **err);

/* Containers of the store whose rootfs depends on container `name` (an
 * overlay or aufs lower inside PATH/NAME/), appended to out, sorted.  A
 * config that does not parse is skipped with a warning. */
int hk_storage_dependents(struct hk_store *st, const char *name, struct hk_strv *out,
			  struct hk_error **err);

/* Removes a stopped container: its snapshots, its rootfs through its
 * backend, then PATH/NAME.  The caller holds the container's lock (the
 * monitor, for an ephemeral container that stopped); the run directory is
 * left to it. */
int hk_storage_destroy_container(struct hk_store *st, const char *name, struct hk_error **err);

/* Removes the rootfs a lxc.rootfs.path value names, through its backend
 * (inside map's user namespace for an ordinary user), when it lies inside
 * dir; a lower layer or a tree elsewhere is left alone. */
int hk_storage_destroy_rootfs(const char *value, const char *dir, const struct hk_idmap *map,
			      struct hk_error **err);

/* ---- shared helpers (exposed for the backends and the tests) ---- */

/* Whether the kernel has filesystem `fs`: listed in `filesystems`
 * (/proc/filesystems) or a module directory `sysmod`/fs exists
 * (/sys/module).  Test hooks: both paths may be replaced. */
bool hk_storage_kernel_has(const char *fs, const char *filesystems, const char *sysmod);
/* The module of filesystem fs in modules_dep (NULL: the running kernel's
 * /lib/modules/RELEASE/modules.dep), as listed ("kernel/fs/btrfs/btrfs.ko.xz");
 * NULL when there is none. */
char *hk_storage_fs_module(const char *fs, const char *modules_dep);
/* A backend's check that the kernel can mount fs: built in, loaded, or a
 * module the first mount loads (distribution kernels build overlay and
 * btrfs as modules); ENODEV naming what is missing and fix otherwise. */
int hk_storage_need_fs(const char *backend, const char *fs, const char *fix, struct hk_error **err);
/* true when the calling process is in the initial user namespace. */
bool hk_storage_in_init_userns(void);
/* The filesystem magic of path or its nearest existing ancestor, or -1. */
long hk_storage_fs_type(const char *path);
/* Runs fn(arg) directly, or as root of a user namespace with req's map
 * (plus the caller's ids) when req->as_user. */
int hk_storage_run(const struct hk_storage_req *req, int (*fn)(void *arg, struct hk_error **err),
		   void *arg, struct hk_error **err);
/* Same, but fn runs in a forked child with a private mount namespace,
 * so it may mount a source's overlay to read its merged view. */
int hk_storage_run_mountns(const struct hk_storage_req *req,
			   int (*fn)(void *arg, struct hk_error **err), void *arg,
			   struct hk_error **err);
/* du: bytes of allocated blocks below path, never crossing a mount. */
int hk_storage_tree_size(const char *path, uint64_t *bytes, struct hk_error **err);
/* overlay and aufs: PATH/NEW/delta0 (empty, or a copy of an overlay
 * source's upper), PATH/NEW/olwork when want_work, and the mount point
 * PATH/NEW/rootfs; sets req->new_spec to PREFIX:LOWER:UPPER. */
int hk_storage_layers_snapshot(struct hk_storage_req *req, const char *prefix, bool want_work,
			       struct hk_error **err);
/* PATH/NAME/delta0 -> PATH/NAME/olwork (the overlay/aufs work dir). */
char *hk_storage_workdir(const char *upper);

#endif
