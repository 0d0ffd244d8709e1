/* execute.h - `hako execute NAME -- CMD`: an application container, like
 * lxc-execute.  The container starts as `hako start` starts it (its
 * monitor, cgroup, network, mounts, lock: RUNNING in `hako ls`, stopped
 * by `hako stop`), but its pid 1 is hako's sealed stub in its "init" mode
 * (tui/hako-stub.c), which runs CMD as pid 2, reaps every orphan, passes
 * signals on to CMD, and when CMD ends kills the rest and exits with CMD's
 * status.  The stub runs from a sealed memfd (core/stub.h) as it does for
 * every start and attach, so the container's /proc/1/exe never names the
 * host's hako binary (issue 16): no second copy of an init, no bind mount
 * of a host file into the rootfs.
 *
 * CMD gets the caller's stdin, stdout and stderr, except where one is a
 * terminal: a host terminal is never handed to a container (TIOCSTI
 * would type into the caller's shell), so there CMD gets the container's
 * console, which this side proxies to the terminal (lxc-execute does the
 * same per descriptor).
 *
 * The caller and the monitor share a channel (a socket pair): the monitor
 * writes "EXIT STATUS\n" (init's wait status) on it once everything is
 * cleaned up and the lock is free; the caller writes one byte per signal
 * it got (1..64), which the monitor sends to init, which passes it to
 * CMD.  A caller that goes away (killed) closes it: the monitor then
 * kills the container, as LXC's monitor-bound init dies with lxc-execute.
 */
#ifndef HAKO_EXECUTE_H
#define HAKO_EXECUTE_H

#include <stdbool.h>

#include "error.h"
#include "store.h"
#include "util.h"

/* What the monitor needs to run an application instead of init. */
struct hk_app {
	char *const *argv;	   /* CMD and its arguments */
	long uid, gid;		   /* CMD runs as; -1: lxc.init.uid / lxc.init.gid, else 0 */
	const char *term;	   /* TERM for CMD (the caller's, on a terminal), or NULL */
	unsigned short rows, cols; /* the console's first window size, 0: the default */
	int stdio[3];		   /* CMD's 0, 1, 2; -1: the container's console */
	int chan;		   /* the monitor's end of the channel; -1: none (-d) */
	int view;		   /* the monitor's end of a console view for the caller, or -1 */
	int peer_chan, peer_view;  /* the caller's ends: closed in the monitor */
};

struct hk_execute_opts {
	const struct hk_strv *overrides; /* -s KEY=VALUE */
	char *const *argv;		 /* CMD, NULL-terminated; NULL: lxc.execute.cmd */
	long uid, gid;			 /* -u, -g; -1: not given */
	bool daemon;			 /* -d: start it and return */
};

/* Runs CMD in container NAME (existing, stopped) until it ends; *code
 * gets CMD's exit status (128+N when signal N killed it).  With daemon
 * it returns once CMD runs (*code 0).  Returns -1 (err set) when the
 * container could not run CMD. */
int hk_execute(struct hk_store *st, const char *name, const struct hk_execute_opts *o, int *code,
	       struct hk_error **err);

/* In the monitor, forked by hk_execute while it catches (and blocks) the
 * signals it passes on: their default actions back, unblocked. */
void hk_execute_child_signals(void);

/* ---- pure parts (unit-tested) ---- */

/* A wait status as a shell reports it: the exit code, or 128+N. */
int hk_execute_exit_code(int wait_status);

/* The monitor's last line on the channel: 0 and *wait_status for
 * "EXIT N", -1 for anything else. */
int hk_execute_parse_end(const char *line, int *wait_status);

/* Where execvp would look for cmd inside the container: cmd itself when
 * it holds a '/', else each directory of path (the container's PATH; an
 * empty entry is "."), joined with cmd.  Relative results stay relative
 * (to the command's working directory). */
void hk_execute_candidates(const char *cmd, const char *path, struct hk_strv *out);

/* The container's PATH for its command: lxc.environment's PATH when it
 * sets one, else hako's default. */
const char *hk_execute_path_of(const struct hk_strv *environment);

/* The default PATH of a container's init and command. */
#define HK_CONTAINER_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

#endif
