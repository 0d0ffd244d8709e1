/* cgroup-manage.h - a container's own cgroup, across every hierarchy.
 *
 * A container NAME gets BASE/hako/NAME in each hierarchy: BASE is the top
 * of the hierarchy for root, and the user's delegated cgroup for an
 * ordinary user.  Its processes live in the leaf NAME/payload (see
 * HK_CGROUP_LEAF), its limits on NAME.  v1 hierarchies and the v2 one are driven through one ops
 * table per version (cgroup-v1.c, cgroup-v2.c); hybrid hosts use both.
 * Every file is written through a descriptor of the container's cgroup
 * directory, checked to be a cgroup filesystem (fstatfs), never by a path
 * string built from container-controlled names.
 */
#ifndef HAKO_CGROUP_MANAGE_H
#define HAKO_CGROUP_MANAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "config.h"
#include "error.h"
#include "store.h"

struct hk_ct;

struct hk_cgroup;

/* The leaf below BASE/hako/NAME that holds the container's processes and
 * is the root of its cgroup namespace; the limits stay on NAME, out of
 * the container's reach. */
#define HK_CGROUP_LEAF "payload"
/* cgroup v2 lets a cgroup that gives controllers to children hold no
 * processes.  A nested hako that needs controllers at its namespace root
 * moves the processes it finds there into this leaf (as systemd moves
 * itself into init.scope); */
#define HK_CGROUP_INIT_LEAF "init.scope"
/* and once a container's root cgroup has done so, processes attached from
 * outside join this leaf of it (LXC's ".lxc"). */
#define HK_CGROUP_ATTACH_LEAF ".hako"

/* Computes the container's cgroup paths; changes nothing.  deleg is NULL
 * for root (the hierarchy tops are used); for a user it must be ok. */
struct hk_cgroup *hk_cgroup_open(const struct hk_cgroup_info *info,
				 const struct hk_cgroup_delegation *deleg, const char *name);
/* The same with the v2 hierarchy's base set to v2_base (systemd's
 * transient scope, cgroup-systemd.h) when it is not NULL. */
struct hk_cgroup *hk_cgroup_open_scoped(const struct hk_cgroup_info *info,
					const struct hk_cgroup_delegation *deleg, const char *name,
					const char *v2_base);
/* A container's cgroup as its other processes find it: cgroup_name
 * (store.h's hk_store_cgroup_name) under the scope its monitor recorded in
 * run_dir, if any (deleg NULL for root). */
struct hk_cgroup *hk_cgroup_open_container(const struct hk_cgroup_info *info,
					   const struct hk_cgroup_delegation *deleg,
					   const char *cgroup_name, const char *run_dir);
/* The cgroups a running process is in, in every hierarchy used: those of
 * a container another program runs (runner.h), for reading only (stats,
 * pids, frozen).  A trailing HK_CGROUP_INIT_LEAF (where systemd inside
 * moves itself) is left for the container's cgroup above it.  text is
 * /proc/PID/cgroup; NULL when it does not parse. */
struct hk_cgroup *hk_cgroup_open_proc_text(const struct hk_cgroup_info *info, const char *text);
struct hk_cgroup *hk_cgroup_open_proc(const struct hk_cgroup_info *info, pid_t pid);
void hk_cgroup_free(struct hk_cgroup *cg);
void hk_cgroup_freep(struct hk_cgroup **cg);
#define hk_autocgroup __attribute__((cleanup(hk_cgroup_freep)))

/* true when the container has its own cgroup in hierarchy h (h is one of
 * the info's): hierarchies that were not delegated to its user, or that
 * root may not write, are not the container's. */
bool hk_cgroup_has_hier(const struct hk_cgroup *cg, const struct hk_cgroup_hier *h);
/* The container's directory in the first hierarchy (v2 if any), for logs. */
const char *hk_cgroup_main_dir(const struct hk_cgroup *cg);
/* How many hierarchies cg uses; the i-th one (*h) and the container's
 * directory in it (NAME, below the base: a systemd scope, a delegated
 * cgroup or the hierarchy's top), for views of its tree. */
size_t hk_cgroup_count(const struct hk_cgroup *cg);
const char *hk_cgroup_dir_at(const struct hk_cgroup *cg, size_t i, const struct hk_cgroup_hier **h);

/* Makes the cgroups (NAME; its leaf comes with the first attach, after
 * the limits).  An existing empty one (left by a crash) is removed
 * and made again; a populated one is an error naming its PIDs and the fix
 * (`hako stop -k NAME`).  v1 cpuset gets cpuset.cpus/mems copied from its
 * parent, so that entering never fails with ENOSPC. */
int hk_cgroup_create(struct hk_cgroup *cg, struct hk_error **err);
/* Gives the container's leaf (its cgroup namespace's root) in every hierarchy, and the files that
 * delegate it (cgroup.procs, tasks, cgroup.clone_children,
 * cgroup.subtree_control, cgroup.threads), to uid/gid (gid -1: the group
 * stays), group-writable too when asked; limit files stay as they are.
 * For nesting (nest.h). */
int hk_cgroup_chown(struct hk_cgroup *cg, uid_t uid, gid_t gid, bool group_write,
		    struct hk_error **err);
/* Moves pid into the container's leaf cgroup in every hierarchy, making
 * the leaf when missing.  Apply the limits first. */
int hk_cgroup_attach(struct hk_cgroup *cg, pid_t pid, struct hk_error **err);
/* The container's leaf on cgroup v2 (made when missing), as a directory
 * fd (O_CLOEXEC) for clone3's CLONE_INTO_CGROUP: a process born there was
 * never moved, and a move is what makes the kernel wait (a write of
 * cgroup.procs takes cgroup_threadgroup_rwsem for writing, which waits
 * for an RCU grace period, 2-18 ms on an idle host).  -1 when the cgroup
 * has no v2 hierarchy (or its attaches go aside). */
int hk_cgroup_clone_target(struct hk_cgroup *cg);
/* Where an attached process (hako attach's first child) can be born on
 * cgroup v2, for the same reason: the leaf, or its HK_CGROUP_ATTACH_LEAF
 * (made when missing) when attaches go aside or the leaf gives
 * controllers to children (systemd inside).  -1 when there is no v2
 * hierarchy.  clone3 still checks the caller may move a process there. */
int hk_cgroup_attach_target(struct hk_cgroup *cg);
/* hk_cgroup_attach for a process born in hk_cgroup_clone_target's or
 * hk_cgroup_attach_target's directory: the v1 hierarchies only. */
int hk_cgroup_attach_born(struct hk_cgroup *cg, pid_t pid, struct hk_error **err);
/* Attaches that follow put processes into the leaf's HK_CGROUP_ATTACH_LEAF
 * on cgroup v2, for a nesting container: a nested hako needs the leaf to
 * hold only the container's own processes, which it can move aside
 * (hk_cgroup_v2_make_room); one attached from outside it could not. */
void hk_cgroup_attach_aside(struct hk_cgroup *cg);
/* Makes room for controllers below the cgroup2 directory dir (with the
 * detection root): when it is not the true root cgroup and holds
 * processes, they are moved into dir/HK_CGROUP_INIT_LEAF.  For the root
 * of a cgroup namespace only (a nested hako's cgroup2 mount). */
int hk_cgroup_v2_make_room(const char *dir, struct hk_error **err);
/* lxc.cgroup.KEY = V go to v1 hierarchies (file KEY in the hierarchy of
 * its controller), lxc.cgroup2.KEY = V to v2. */
int hk_cgroup_apply(struct hk_cgroup *cg, const struct hk_kvlist *v1, const struct hk_kvlist *v2,
		    struct hk_error **err);
/* The device rules (devices.allow/deny, value) hk_cgroup_apply put in
 * force on this cg: version 1 those written to the v1 devices
 * controller, 2 those in the eBPF program on cgroup v2.  The monitor
 * records them for `hako device` (device.h). */
const struct hk_kvlist *hk_cgroup_device_rules(const struct hk_cgroup *cg, int version);
/* The container's directory (NAME, holding the limits) in the v1 devices
 * hierarchy (version 1) or in cgroup v2, checked to be a cgroup. */
int hk_cgroup_devices_dir(const struct hk_cgroup *cg, int version, struct hk_error **err);
int hk_cgroup_freeze(struct hk_cgroup *cg, bool freeze, struct hk_error **err);
/* Thaws the container and every v1 freezer cgroup below it: a child the
 * container froze itself stays frozen when its parent thaws, and a frozen
 * task takes no SIGKILL (a kill does this after signalling). */
void hk_cgroup_thaw_all(struct hk_cgroup *cg);
/* true when the container's cgroup is frozen. */
bool hk_cgroup_is_frozen(struct hk_cgroup *cg);
/* Kills every process in the container's cgroup tree: cgroup.kill where
 * the kernel has it, else freeze, SIGKILL each pid, thaw.  Waits (up to
 * timeout_ms) until the tree is empty. */
int hk_cgroup_kill(struct hk_cgroup *cg, unsigned timeout_ms, struct hk_error **err);
/* Removes the tree bottom-up (nested cgroups included); EBUSY if a
 * process is still inside. */
int hk_cgroup_remove(struct hk_cgroup *cg, struct hk_error **err);
/* true when any hierarchy still has the container's directory. */
bool hk_cgroup_exists(const struct hk_cgroup *cg);
/* PIDs in the container's tree (first hierarchy that has them). */
int hk_cgroup_pids(const struct hk_cgroup *cg, pid_t **pids, size_t *n);

struct hk_cgroup_stats {
	int64_t memory_bytes; /* -1 unknown */
	int64_t cpu_usec;     /* total CPU time, -1 unknown */
	int64_t pids;	      /* -1 unknown */
	int64_t io_bytes;     /* block I/O read + written, -1 unknown */
};
void hk_cgroup_stats_read(const struct hk_cgroup *cg, struct hk_cgroup_stats *out);
/* The files hk_cgroup_stats_read reads, opened once (in directories
 * checked to be cgroup directories) for a reader that asks again and
 * again, the dashboard's rows on screen: a read is then one pread a file,
 * with no path walk, no open and no close.  Outlives cg, not cg's
 * hk_cgroup_info.  NULL when no file opened (the cgroup is gone). */
struct hk_cgroup_stats_files;
struct hk_cgroup_stats_files *hk_cgroup_stats_files_open(const struct hk_cgroup *cg);
void hk_cgroup_stats_files_read(const struct hk_cgroup_stats_files *sf,
				struct hk_cgroup_stats *out);
void hk_cgroup_stats_files_free(struct hk_cgroup_stats_files *sf);
/* Block I/O bytes (read + written) in the kernel's text of v2's io.stat
 * and of v1's blkio.throttle.io_service_bytes; -1 when it does not parse
 * (cgroup-io.c). */
int64_t hk_cgroup_io_v2_bytes(const char *io_stat);
int64_t hk_cgroup_io_v1_bytes(const char *service_bytes);

/* Per-version operations (internal to the cgroup-*.c files). */
struct hk_cgroup_ops {
	int version;
	/* Prepare a new child directory of parent_fd named name. */
	int (*init_dir)(int parent_fd, int dir_fd, const struct hk_cgroup_hier *h,
			struct hk_error **err);
	int (*freeze)(int dir_fd, bool freeze, struct hk_error **err);
	int (*frozen)(int dir_fd);
	/* 1 = done by the kernel (cgroup.kill), 0 = not supported */
	int (*kill)(int dir_fd);
	/* The files the usage figures come from in h, into names (at most
	 * HK_CGROUP_STAT_FILES), each "A" or "A|B" (A, else B where the kernel
	 * has no A); how many.  A hierarchy with none (none of the controllers
	 * they belong to: a hybrid host has a dozen) is not opened. */
	size_t (*stat_files)(const struct hk_cgroup_hier *h, const char **names);
	/* What one of them holds, into out; name as stat_files gave it. */
	void (*stat_parse)(const char *name, const char *text, struct hk_cgroup_stats *out);
};
#define HK_CGROUP_STAT_FILES 4
extern const struct hk_cgroup_ops hk_cgroup_v1_ops;
extern const struct hk_cgroup_ops hk_cgroup_v2_ops;

/* Small file helpers shared by the ops (cgroup-manage.c). */
int hk_cgroup_write_at(int dir_fd, const char *file, const char *value, struct hk_error **err);
char *hk_cgroup_read_at(int dir_fd, const char *file);
/* The number such a file holds, -1 when it holds none. */
int64_t hk_cgroup_parse_number(const char *text);
/* Writes `value` to `file` and waits up to 5 s until frozen(dir_fd)
 * reports `want` (1 frozen, 0 thawed). */
int hk_cgroup_freeze_and_wait(int dir_fd, const char *file, const char *value, int (*frozen)(int),
			      int want, struct hk_error **err);

/* `hako cgroup NAME KEY [VALUE]`: reads (value NULL, into *out) or writes
 * one file of a running container's cgroup.  KEY names the file
 * ("memory.limit_in_bytes", "memory.max", "pids.max"); its controller
 * picks the v1 hierarchy, and a v2 hierarchy is used when no v1 one has it. */
int hk_cgroup_file_access(struct hk_cgroup *cg, const char *key, const char *value, char **out,
			  struct hk_error **err);

/* A container's cgroup as the caller sees it: detection, the caller's
 * delegation (none for root) and the opened hk_cgroup, kept together so
 * they are freed together.  cg is NULL when an ordinary user has no
 * delegated cgroup. */
struct hk_ct_cgroup {
	struct hk_cgroup_info info;
	struct hk_cgroup_delegation deleg;
	struct hk_cgroup *cg;
};
int hk_ct_cgroup_open(const struct hk_ct *ct, struct hk_ct_cgroup *out, struct hk_error **err);
void hk_ct_cgroup_close(struct hk_ct_cgroup *c);

#endif
