/* checkpoint.h - `hako checkpoint` and `hako restore` (lxc-checkpoint):
 * a running container's processes dumped by CRIU into a directory, and
 * brought back from it later as the same processes (same pids, open
 * files, memory), owned by a new monitor like a started container.
 * Root only: CRIU needs CAP_SYS_ADMIN in the initial user namespace. */
#ifndef HAKO_CHECKPOINT_H
#define HAKO_CHECKPOINT_H

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup-manage.h"
#include "config.h"
#include "criu.h"
#include "error.h"
#include "store.h"

struct hk_checkpoint_opts {
	const char *dir; /* made when missing; must be empty */
	bool stop;	 /* -s: the container stops after the dump */
	bool verbose;	 /* -v: criu logs in detail */
};

/* Dumps a running container into o->dir.  Without stop it runs on; with
 * stop it is gone (stopped, as after hako stop) when this returns. */
int hk_checkpoint(struct hk_store *st, const char *name, const struct hk_checkpoint_opts *o,
		  struct hk_error **err);

/* What the monitor needs to restore (monitor-restore.c). */
struct hk_restore_req {
	char *dir; /* absolute */
	char *criu;
	struct hk_ckpt_info info;
	bool verbose;
};

struct hk_restore_opts {
	const char *dir;
	bool verbose;
};

/* Restores a stopped container from o->dir, which hako checkpoint made
 * for it; returns once it runs again (*init_pid: its init). */
int hk_restore(struct hk_store *st, const char *name, const struct hk_restore_opts *o,
	       pid_t *init_pid, struct hk_error **err);

/* ---- shared by the dump and the restore ---- */

/* The bind mounts of the config (lxc.mount.entry ... bind): criu takes
 * them as external mounts, id = their target, source = the host path
 * with its symlinks resolved (as the start's mount followed them). */
struct hk_ckpt_mounts {
	struct hk_criu_ext_mount *v;
	size_t n;
	struct hk_strv strings; /* what v points into */
};
int hk_ckpt_mounts_of(const struct hk_config *cfg, struct hk_ckpt_mounts *out,
		      struct hk_error **err);
void hk_ckpt_mounts_free(struct hk_ckpt_mounts *m);

/* criu's --cgroup-root values for the container's leaf cgroup in each
 * hierarchy, and (when freeze is not NULL) the leaf's directory that
 * criu freezes: the v1 freezer's, else the v2 one. */
void hk_ckpt_cgroup_roots(const struct hk_cgroup *cg, struct hk_strv *roots, char **freeze);

/* Runs criu (argv) for action "dump" or "restore" on checkpoint dir;
 * prep (may be NULL) runs in the child first.  A failure says where
 * criu's log is and shows its last error lines; one that hangs is
 * killed after HK_CRIU_TIMEOUT_MS. */
#define HK_CRIU_TIMEOUT_MS 300000 /* a criu run that takes longer is killed */
int hk_ckpt_run_criu(const struct hk_strv *argv, const char *dir, const char *action,
		     int (*prep)(void *ctx, struct hk_error **err), void *ctx,
		     struct hk_error **err);

#endif
