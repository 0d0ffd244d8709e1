/* list.h - the rows of `hako ls` and of the dashboard's container list.
 *
 * A row is built from the store alone, without forking: the container's
 * parsed config (cached by the store by mtime/size/inode), the lock probe
 * and state file (state.h), and, for a running container, hooks that will
 * read its addresses (netlink) and usage (cgroup).  A container whose
 * config does not parse is still a row: its state is known, config_error
 * says why the rest is empty.
 */
#ifndef HAKO_LIST_H
#define HAKO_LIST_H

#include <stdbool.h>
#include <sys/types.h>

#include "config.h"
#include "error.h"
#include "runner.h"
#include "state.h"
#include "store.h"
#include "util.h"

struct hk_list_row {
	char *name;
	enum hk_state state;
	pid_t init_pid;		   /* 0 = none */
	bool unprivileged;	   /* the config has an id map, or the store is a user's */
	bool autostart;		   /* lxc.start.auto */
	struct hk_strv groups;	   /* lxc.group */
	char *backend;		   /* "dir", "btrfs", ... from the rootfs spec; NULL = unknown */
	char *rootfs;		   /* the rootfs spec as written, NULL = unknown */
	struct hk_strv interfaces; /* link of each interface ("" when none) */
	struct hk_strv ipv4;	   /* filled by hk_list_fill_addresses */
	struct hk_strv ipv6;
	long long mem_bytes;	     /* -1 = unknown; filled by hk_list_fill_usage */
	long long swap_bytes;	     /* -1 = unknown */
	double cpu_seconds;	     /* < 0 = unknown */
	long long pids;		     /* -1 = unknown */
	long long io_bytes;	     /* block I/O read + written, -1 = unknown */
	long long usage_at_us;	     /* CLOCK_MONOTONIC of the usage read, 0 = none */
	char *config_error;	     /* NULL when the config parsed */
	const struct hk_config *cfg; /* the store's parsed config, NULL on error */
	/* Nesting (nest.h, hk_list_add_nested): 0 for the store's own
	 * containers; N for one found N levels down, named "PARENT/NAME". */
	unsigned depth;
	char *idmap_host;  /* the id map in host ids ("u 0 231072 65536; g ..."), NULL = none */
	char *cgroup_host; /* its cgroup directory on the host (first hierarchy), NULL = unknown */
	/* Who runs it (runner.h): this hako, or LXC or another program that
	 * holds LXC's command socket for it; NONE when it does not run. */
	enum hk_runner_kind runner;
	pid_t runner_pid; /* another runner's monitor, 0 = unknown or this hako's */
	uid_t runner_uid; /* another runner's uid */
};

struct hk_list {
	struct hk_list_row *rows;
	size_t n;
};

/* What hk_list_build keeps.  regex: POSIX extended, matched against the
 * name (unanchored, like lxc-ls); NULL = all. running: only containers
 * with processes (hk_state_is_active); stopped: only STOPPED ones; both
 * false (or both true) = every state. */
struct hk_list_filter {
	const char *regex;
	bool running;
	bool stopped;
	/* No usage read (mem, swap, CPU, pids, I/O stay -1): the caller shows
	 * none of it, and at scale the cgroup reads were most of a listing. */
	bool no_usage;
};

/* Rows for every container of the store that passes the filter, sorted
 * by name.  Fails only on a bad regex or an unreadable container path. */
int hk_list_build(struct hk_store *st, const struct hk_list_filter *filter, struct hk_list *out,
		  struct hk_error **err);
/* One row (for `hako info`): also for a name hk_store_list would skip. */
void hk_list_row_fill(struct hk_store *st, const char *name, struct hk_list_row *row);
/* Reads again what changes while a listed container runs: its state,
 * init, runner, addresses and usage (the dashboard's rows on screen
 * between two full listings).  The config, backend and nesting stay as
 * listed.  True when the state or init changed: the caller lists again
 * (a stopped container's row is more than its state).  state_watched:
 * the caller watches the store (hk_store_watch_sees_states) and lists
 * again at each rewrite of a state file; the state is then read only
 * when the container's monitor has gone or stopped, which one read of
 * its kept /proc/PID/stat tells. */
bool hk_list_row_update(struct hk_store *st, struct hk_list_row *row, bool state_watched);
void hk_list_row_free(struct hk_list_row *row);
/* A deep copy of src named name (the dashboard's HOST:NAME rows); cfg
 * is borrowed as src's is. */
void hk_list_row_copy(const struct hk_list_row *src, const char *name, struct hk_list_row *dst);
/* The STATE column of one container alone (hako's state, or that of
 * another program that runs it), without the usage and address reads;
 * *runner (may be NULL): who runs it. */
enum hk_state hk_list_state_of(struct hk_store *st, const char *name, enum hk_runner_kind *runner);
void hk_list_free(struct hk_list *l);

/* Adds, after each running container, the containers hako runs inside it
 * (and inside those, up to 4 levels), with depth > 0: read from the host
 * through the parent's cgroup tree and, for stopped ones and id maps, its
 * stores (/var/lib/hako, /home/USER/.local/share/hako) opened inside
 * /proc/INIT/root; nothing inside runs, and nothing it wrote is trusted
 * beyond names checked like any container name and id maps composed down
 * to host ids (nest-list.c). */
void hk_list_add_nested(struct hk_list *l);

/* Hooks that fill a running container's addresses and resource usage
 * (a container another program runs: from its init's cgroups).
 * Until networking and cgroup reading land they leave the row as it is
 * (empty lists, -1), which the front ends show as "-". */
void hk_list_fill_addresses(struct hk_store *st, struct hk_list_row *row);
void hk_list_fill_usage(struct hk_store *st, struct hk_list_row *row);

#endif
