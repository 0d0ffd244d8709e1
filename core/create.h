/* create.h - making and removing containers: `hako create` and
 * `hako destroy`.
 *
 * create: name check, container lock, the config (default.conf, then the
 * template's keys, then -f FILE, then rootfs path, hostname and, for an
 * ordinary user without one, an id map from the user's sub-ids), validated
 * before anything touches the disk; then PATH/NAME, the rootfs (a directory,
 * or a btrfs subvolume), the template's build (as the mapped root, inside a
 * user namespace, when the config maps ids) and last the config file.  Every
 * step pushes its undo: a failure, or SIGINT/SIGTERM/SIGHUP meanwhile,
 * leaves nothing behind.
 *
 * destroy: name check, lock (a running container holds it), then the
 * rootfs (inside the container's user namespace when its files belong to
 * sub-ids the caller cannot touch directly), the container directory and
 * its run directory.  Never crosses a mount point.
 */
#ifndef HAKO_CREATE_H
#define HAKO_CREATE_H

#include "config.h"
#include "error.h"
#include "idmap.h"
#include "store.h"
#include "template.h"

struct hk_create_opts {
	const char *name;
	const char *template_name;   /* "busybox", "download", "tar:FILE", "dir:PATH" */
	enum hk_backend backend;     /* UNSET = hako.conf's [create] backend, normally dir */
	const char *extra_config;    /* -f FILE, or NULL */
	char **template_args;	     /* NULL-terminated, or NULL */
	struct hk_progress progress; /* downloads report here (may be empty) */
};

int hk_create(struct hk_store *st, const struct hk_create_opts *o, struct hk_error **err);

/* The backend create uses for o (o->backend, else hako.conf's default);
 * HK_BACKEND_UNSET when the setting names no known backend. */
enum hk_backend hk_create_backend(const struct hk_store *st, const struct hk_create_opts *o);

enum hk_destroy_flags {
	HK_DESTROY_FORCE = 1 << 0,     /* -f: kill it first when it runs */
	HK_DESTROY_SNAPSHOTS = 1 << 1, /* -s: destroy its snapshot clones too */
};

int hk_destroy(struct hk_store *st, const char *name, unsigned flags, struct hk_error **err);

/* Removes a rootfs tree (rm -rf, never crossing a mount).  With a non-empty
 * map and an ordinary caller the removal runs as root of a user namespace
 * with that map (plus the caller's own ids), since the files belong to
 * sub-ids; `path` itself must sit in a directory the caller owns. */
int hk_destroy_tree(const char *path, const struct hk_idmap *map, struct hk_error **err);

#endif
