/* destroy.c - `hako destroy`: removes a stopped container's rootfs,
 * directory and run directory (see create.h).  A rootfs that belongs to
 * sub-ids is removed from inside a user namespace holding the container's
 * map; nothing is removed across a mount point, and a rootfs the config
 * places outside the container directory is left alone.
 */
#include "create.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "container.h"
#include "lifecycle.h"
#include "log.h"
#include "mountinfo.h"
#include "runner.h"
#include "state.h"
#include "storage.h"
#include "userns-exec.h"
#include "util.h"

static int rm_in_userns(void *arg, struct hk_error **err)
{
	return hk_rm_rf(arg, err);
}

int hk_destroy_tree(const char *path, const struct hk_idmap *map, struct hk_error **err)
{
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return 0;
	if (!map || map->n == 0 || geteuid() == 0)
		return hk_rm_rf(path, err);
	return hk_userns_run(map, HK_USERNS_MAP_SELF, rm_in_userns, (void *)path, err);
}

/* Refuses when anything is mounted at or below dir. */
static int refuse_mounts(const char *name, const char *dir, struct hk_error **err)
{
	struct hk_mountinfo mi = { 0 };
	if (hk_mountinfo_load("/proc/self/mountinfo", &mi, err) < 0)
		return -1;
	size_t len = strlen(dir);
	int rc = 0;
	for (size_t i = 0; i < mi.n && rc == 0; i++) {
		const char *mp = mi.e[i].mountpoint;
		if (!strncmp(mp, dir, len) && (mp[len] == '\0' || mp[len] == '/'))
			rc = hk_error_set(err, EBUSY,
					  "\"%s\" is mounted inside container \"%s\"; "
					  "unmount it first (is the container running?)",
					  mp, name);
	}
	hk_mountinfo_free(&mi);
	return rc;
}

/* (hk_stop takes the store, whose config cache the monitor may change.) */
static int lock_container(struct hk_store *st, const struct hk_ct *ct, unsigned flags,
			  struct hk_lock **lock, struct hk_error **err)
{
	const char *name = ct->name;
	hk_autoerr struct hk_error *e = NULL;
	if (hk_ct_lock(ct, HK_LOCK_TRY, 0, lock, &e) == 0)
		return 0;
	if (e->code != EBUSY) {
		hk_error_propagate(err, &e);
		return -1;
	}
	pid_t pid = hk_ct_lock_probe(ct);
	struct hk_state_file sf;
	bool active = hk_state_is_active(hk_state_effective_ct(ct, &sf));
	if ((flags & HK_DESTROY_FORCE) && active) {
		/* -f: kill it, then take the lock its monitor gave up. */
		struct hk_stop_opts so = { .kill = true };
		if (hk_stop(st, name, &so, err) < 0 ||
		    hk_ct_lock(ct, HK_LOCK_WAIT, 10000, lock, err) < 0)
			return -1;
		return 0;
	}
	if (active) { /* init's pid, as ls and info show it, not the monitor's */
		hk_autofree char *init = sf.init_pid > 0
						 ? xasprintf(" (init pid %d)", (int)sf.init_pid)
						 : xstrdup("");
		hk_autofree char *p = hk_store_path_arg(st);
		return hk_error_set(
			err, 0,
			"container \"%s\" is running%s; stop it first (\"hako stop %s%s\") "
			"or destroy it with -f",
			name, init, name, p);
	}
	hk_autofree char *who = pid > 0 ? xasprintf(" (pid %d)", (int)pid) : xstrdup("");
	return hk_error_set(err, 0, "container \"%s\" is busy: its lock is held%s; try again later",
			    name, who);
}

/* What the config says about the rootfs and the id map; a config that no
 * longer parses still lets the directory go. */
static void read_config(struct hk_store *st, const char *name, char **rootfs, struct hk_idmap *map)
{
	hk_autoerr struct hk_error *e = NULL;
	const struct hk_config *cfg = hk_store_config(st, name, &e);
	if (!cfg) {
		hk_autofree char *msg = hk_error_render(e);
		hk_log(HK_LOG_WARN, "destroy \"%s\": %s; removing the container directory anyway",
		       name, msg);
		return;
	}
	hk_idmap_copy(map, &cfg->idmap);
	if (cfg->rootfs.path &&
	    (cfg->rootfs.backend == HK_BACKEND_DIR || cfg->rootfs.backend == HK_BACKEND_BTRFS))
		*rootfs = xstrdup(cfg->rootfs.path);
}

/* The rootfs first (a btrfs subvolume is its own device, which the
 * directory's rm -rf would refuse to enter), then the directory. */
static int remove_container(struct hk_store *st, const struct hk_ct *ct, struct hk_error **err)
{
	const char *name = ct->name, *dir = ct->dir;
	/* A config that parses: its backend removes the rootfs (btrfs
	 * subvolumes, overlay layers) and its snapshots. */
	if (hk_store_config(st, name, NULL)) {
		if (refuse_mounts(name, dir, err) < 0)
			return -1;
		return hk_storage_destroy_container(st, name, err);
	}
	hk_autofree char *rootfs = NULL;
	struct hk_idmap map = { 0 };
	read_config(st, name, &rootfs, &map);
	int rc = refuse_mounts(name, dir, err);
	size_t len = strlen(dir);
	if (rc == 0 && rootfs && !(strncmp(rootfs, dir, len) == 0 && rootfs[len] == '/'))
		hk_log(HK_LOG_NOTICE,
		       "destroy \"%s\": rootfs \"%s\" is outside \"%s\"; left in "
		       "place",
		       name, rootfs, dir);
	else if (rc == 0 && rootfs)
		rc = hk_destroy_tree(rootfs, &map, err);
	if (rc == 0)
		rc = hk_destroy_tree(dir, &map, err);
	hk_idmap_free(&map);
	return rc;
}

static void remove_run_dir(const struct hk_ct *ct)
{
	hk_autoerr struct hk_error *e = NULL;
	if (hk_rm_rf(ct->run_dir, &e) < 0) {
		hk_autofree char *msg = hk_error_render(e);
		hk_log(HK_LOG_WARN, "destroy \"%s\": %s", ct->name, msg);
	}
	hk_store_prune_run_dir(ct->st);
}

/* Snapshot clones (overlay lowers) need this container: refuse, naming
 * them, or destroy them first with HK_DESTROY_SNAPSHOTS. */
static int check_dependents(struct hk_store *st, const char *name, unsigned flags,
			    struct hk_error **err)
{
	hk_autostrv struct hk_strv deps = { 0 };
	if (hk_storage_dependents(st, name, &deps, err) < 0)
		return -1;
	int rc = 0;
	if (deps.n && !(flags & HK_DESTROY_SNAPSHOTS)) {
		struct hk_buf b = { 0 };
		for (size_t i = 0; i < deps.n; i++)
			hk_buf_printf(&b, "%s\"%s\"", i ? ", " : "", deps.v[i]);
		rc = hk_error_set(
			err, 0,
			"snapshot clones depend on it: %s; destroy them first, or use -s to "
			"destroy them too",
			b.data);
		hk_buf_free(&b);
	}
	for (size_t i = 0; rc == 0 && i < deps.n; i++)
		rc = hk_destroy(st, deps.v[i], flags, err);
	return rc;
}

int hk_destroy(struct hk_store *st, const char *name, unsigned flags, struct hk_error **err)
{
	hk_autoct struct hk_ct *ct = NULL;
	if (hk_ct_open(st, name, HK_CT_MAY_BE_MISSING, &ct, err) < 0)
		return hk_error_prefix(err, "destroy");
	name = ct->name;
	hk_autolock struct hk_lock *lock = NULL;
	bool had_run = access(ct->run_dir, F_OK) == 0;
	if (lock_container(st, ct, flags, &lock, err) < 0)
		return hk_error_prefix(err, "destroy \"%s\"", name);
	if (!hk_ct_exists(ct)) {
		if (!had_run) /* the lock made it */
			remove_run_dir(ct);
		return hk_error_set(err, 0,
				    "destroy \"%s\": container \"%s\" does not exist "
				    "in %s",
				    name, name, hk_store_path(st));
	}
	/* Not under a container LXC runs; and lxc-start not while it goes. */
	hk_autoclose int claim = hk_runner_claim(st, name, HK_OP_DESTROY, err);
	if (claim == -1 || check_dependents(st, name, flags, err) < 0)
		return hk_error_prefix(err, "destroy \"%s\"", name);
	/* Once removal starts it runs to the end: an interrupt would leave
	 * half a container that neither start nor create accepts. */
	hk_autocleanup struct hk_cleanup hold = HK_CLEANUP_INIT;
	hk_cleanup_block_signals(&hold);
	if (remove_container(st, ct, err) < 0)
		return hk_error_prefix(err, "destroy \"%s\"", name);
	remove_run_dir(ct);
	hk_log(HK_LOG_INFO, "destroyed container \"%s\" in %s", name, hk_store_path(st));
	return 0;
}
