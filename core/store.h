/* store.h - where containers live, who may touch them, and the host-wide
 * settings file.
 *
 * Root:            /var/lib/hako, /etc/hako/hako.conf, /etc/hako/default.conf,
 *                  /var/cache/hako, /run/hako.
 * An ordinary user: $XDG_DATA_HOME/hako (~/.local/share/hako),
 *                  $XDG_CONFIG_HOME/hako/{hako.conf,default.conf},
 *                  $XDG_CACHE_HOME/hako, $XDG_RUNTIME_DIR/hako (falling back
 *                  to /run/user/UID/hako, then ~/.cache/hako/run).
 * -P PATH (or hako.conf `lxcpath =`) selects any other container path, an
 * LXC one included: PATH/NAME/config and PATH/NAME/rootfs.
 *
 * Run-time files (lock, state, monitor socket) of a container live in
 * RUNDIR/s-HASH/NAME/ where HASH identifies the container path, so two
 * container paths may hold the same name.
 *
 * The per-container lock is an OFD lock on RUNDIR/s-HASH/NAME/lock.  It is
 * taken before "is it running?" by create, destroy, start and clone, and
 * the monitor holds it for the container's whole life: lock held and a
 * state file saying RUNNING means running.  Readers (ls, the dashboard) only
 * probe it (F_OFD_GETLK) and never wait.
 *
 * HAKO_RUN_DIR=DIR in the environment replaces RUNDIR (for anyone, root
 * included); the tests use it so that they never touch /run/hako.
 */
#ifndef HAKO_STORE_H
#define HAKO_STORE_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "remote.h"
#include "util.h"

/* Container names: 1..HK_NAME_MAX bytes of [A-Za-z0-9_.-], not starting
 * with '.' or '-'.  (No '/', no control characters, no spaces: a name is a
 * directory name, a cgroup name and the default hostname.) */
#define HK_NAME_MAX 63
int hk_name_validate(const char *name, struct hk_error **err);

/* hako.conf: global settings, INI with sections, read with inih. */
struct hk_settings {
	char *lxcpath;		   /* [paths] lxcpath / top-level lxcpath */
	char *default_backend;	   /* [create] backend, default "dir" */
	char *bridge;		   /* [net] bridge, default "hakobr0" */
	char *subnet;		   /* [net] subnet, default "10.0.100.1/24" */
	char *theme;		   /* [tui] theme, default "default" */
	unsigned refresh_ms;	   /* [tui] refresh, default 1000 */
	int rescan_ms;		   /* [tui] rescan, -1 = auto (the default) */
	unsigned stop_timeout;	   /* [tui] stop_timeout (s), default 30 as `hako stop` */
	bool confirm_stop;	   /* [tui] confirm_stop: `s` asks before a stop, default yes */
	bool console_filter;	   /* [console] filter, default no (hako console --filter) */
	bool console_replay;	   /* [console] replay, default yes (--no-replay) */
	int console_escape;	   /* [console] escape, default Ctrl-a (hako console -e) */
	struct hk_strv keys;	   /* [keys] ACTION = KEY lines, "action=key" */
	struct hk_remote *remotes; /* [remotes] NAME = URL lines, in file order */
	unsigned *remote_lines;	   /* the line of each (for messages) */
	size_t n_remotes;
	char *ssh_config;	      /* [ssh] config: ssh -F FILE, NULL = ssh's own */
	unsigned ssh_connect_timeout; /* [ssh] connect_timeout (s), default 5 */
};
/* The remote called name in s, or NULL. */
const struct hk_remote *hk_settings_remote(const struct hk_settings *s, const char *name);
void hk_settings_init(struct hk_settings *s);
void hk_settings_free(struct hk_settings *s);
/* A missing file is not an error; a bad line names file:line. */
int hk_settings_load(struct hk_settings *s, const char *path, struct hk_error **err);

struct hk_store;
struct hk_config;

/* Resolves the paths for the calling user.  lxcpath: -P, or NULL for the
 * default (hako.conf's, else the built-in).  Creates nothing. */
int hk_store_open(const char *lxcpath, struct hk_store **out, struct hk_error **err);
void hk_store_free(struct hk_store *st);
void hk_store_freep(struct hk_store **st);
#define hk_autostore __attribute__((cleanup(hk_store_freep)))

bool hk_store_is_root(const struct hk_store *st);	  /* caller is uid 0 */
const char *hk_store_path(const struct hk_store *st);	  /* container path */
const char *hk_store_conf_dir(const struct hk_store *st); /* /etc/hako or ~/.config/hako */
const char *hk_store_cache_dir(const struct hk_store *st);
const char *hk_store_run_dir(const struct hk_store *st);      /* RUNDIR/s-HASH */
const char *hk_store_default_conf(const struct hk_store *st); /* CONF_DIR/default.conf */
const struct hk_settings *hk_store_settings(const struct hk_store *st);
/* Removes the run directories of the store's containers that are gone,
 * then the store's own when none is left (after a stop or a destroy):
 * nothing is left under the run base by a store whose containers are
 * gone (store-sweep.c). */
void hk_store_prune_run_dir(const struct hk_store *st);
uid_t hk_store_uid(const struct hk_store *st);
gid_t hk_store_gid(const struct hk_store *st);
const char *hk_store_user(const struct hk_store *st); /* the caller's user name */

/* " -P PATH" for a command line that a message suggests ("hako start c1
 * -P /srv/ct"), "" for the default container path; PATH single-quoted
 * when the shell would split or expand it. */
char *hk_store_path_arg(const struct hk_store *st);

/* PATH/NAME, PATH/NAME/config, PATH/NAME/rootfs, RUNDIR/s-HASH/NAME. */
char *hk_store_container_dir(const struct hk_store *st, const char *name);
char *hk_store_config_path(const struct hk_store *st, const char *name);
char *hk_store_rootfs_default(const struct hk_store *st, const char *name);
char *hk_store_container_run_dir(const struct hk_store *st, const char *name);

/* Closes a container directory to other host users: a container's rootfs
 * holds what its root made (setuid binaries, device nodes), so no host
 * user may walk into it.  0700 when map is empty; with an id map 0710 and
 * the group of the container's root (its gid 0 on the host), which must
 * reach the rootfs by path when it mounts and pivots in its user
 * namespace.  An ordinary user's directory gets that group from inside a
 * user namespace holding the map. */
struct hk_idmap;
int hk_store_seal_container_dir(const char *dir, const struct hk_idmap *map, struct hk_error **err);

/* The container's cgroup name: NAME in the default container path,
 * NAME@HASH for any other (-P), so two paths may hold the same name. */
char *hk_store_cgroup_name(const struct hk_store *st, const char *name);

/* true when PATH/NAME/config exists. */
bool hk_store_exists(const struct hk_store *st, const char *name);
/* Names of every container (directories holding a `config`), sorted,
 * appended to names.  Invalid names found on disk are skipped with a debug
 * log.  A container path that does not exist yet lists as empty. */
int hk_store_list(const struct hk_store *st, struct hk_strv *names, struct hk_error **err);

/* Parsed config of a container, cached by (mtime, size, inode) of its
 * files so that listing re-parses only what changed.  The returned config
 * belongs to the store and stays valid until the next call for that name
 * or hk_store_free.  (A new *.conf dropped into a directory that the config
 * includes is seen once one of the files read before changes.) */
const struct hk_config *hk_store_config(struct hk_store *st, const char *name,
					struct hk_error **err);
/* The same for a listing, as of its last hk_store_list: a cached config
 * whose file that listing's stat found unchanged is not stat'ed again
 * (included files are).  Only for the rows of that listing: anything
 * else asks hk_store_config, which looks at the file now. */
const struct hk_config *hk_store_config_listed(struct hk_store *st, const char *name,
					       struct hk_error **err);

/* The per-container lock. */
struct hk_lock;
enum hk_lock_mode { HK_LOCK_TRY, HK_LOCK_WAIT };
/* (A container's lock is taken through its handle: container.h's
 * hk_ct_lock.)  Who holds it: 0 when free, else the holder pid written in the lock file
 * (or -1 when held but the pid is unknown).  Never blocks. */
pid_t hk_lock_probe(const struct hk_store *st, const char *name);
/* The descriptor, for handing the lock on to a child (the monitor). */
int hk_lock_fd(const struct hk_lock *l);
/* Records pid as the holder (the monitor, after fork). */
void hk_lock_set_holder(struct hk_lock *l, pid_t pid);
/* The command written next to the holder's pid ("hako start"); the front
 * end sets it once.  Default: the program's name and its first argument
 * unless that is an option.  NULL goes back to the default. */
void hk_lock_set_command(const char *cmd);
void hk_lock_release(struct hk_lock *l);
void hk_lock_releasep(struct hk_lock **l);
#define hk_autolock __attribute__((cleanup(hk_lock_releasep)))

#endif
