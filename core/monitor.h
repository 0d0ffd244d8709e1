/* monitor.h - the per-container monitor process (see monitor.c).  Only
 * lifecycle.c starts one. */
#ifndef HAKO_MONITOR_H
#define HAKO_MONITOR_H

#include "config.h"
#include "execute.h"
#include "store.h"

struct hk_ct;
struct hk_restore_req;

struct hk_monitor_args {
	struct hk_store *st;
	const struct hk_ct *ct; /* the container (its name and directories), of st */
	struct hk_config *cfg;
	int ready_fd;	      /* gets "OK PID\n" or "ERR ERRNO MESSAGE" (lines), then is closed */
	struct hk_lock *lock; /* the container's lock, released when all is cleaned up */
	int lxc_fd; /* LXC's command socket name, bound (runner.h), or -1: listened on, closed at
		       the end */
	const struct hk_app *app;	      /* hako execute's application (execute.h), or NULL */
	const struct hk_restore_req *restore; /* hako restore (checkpoint.h), or NULL */
};

/* How long a start waits at most for init to settle into its main loop
 * (init-probe.h) before it reports the container started; an init that
 * dies before fails the start, with its status and its console's last
 * lines.  An init that settles returns at once (busybox: about 1 ms). */
#define HK_START_SETTLE_MS 1000

/* The one byte a monitor sends, outside any frame, to each client that
 * asked it to stop (and waits for its end), when init did not halt in
 * time and was killed: `hako stop` says so. */
#define HK_STOP_KILLED_NOTICE 'K'
/* The byte a monitor sends each client that asked it to stop once the
 * container is gone (init dead, its cgroup killed and removed, its
 * network torn down, the state STOPPED, the lock let go), before it
 * closes the connection and does what can wait: closing the terminals,
 * answering LXC's clients, freeing its memory, exiting.  `hako stop`
 * returns on it; without it (a monitor that died) it finishes the stop
 * itself. */
#define HK_STOP_DONE_NOTICE 'D'

/* Runs the container until its init exits (restarting it on reboot);
 * returns the monitor's exit status. */
int hk_monitor_run(const struct hk_monitor_args *a);

/* The monitor socket in a container's run directory (container.h's
 * run_dir): RUN_DIR/monitor.sock. */
char *hk_monitor_socket_in(const char *run_dir);

#endif
