/* monitor-internal.h - the state of a container's monitor process, shared
 * by monitor.c (setup, event loop, teardown) and monitor-client.c (the
 * socket's requests and console viewers). */
#ifndef HAKO_MONITOR_INTERNAL_H
#define HAKO_MONITOR_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "cgroup-manage.h"
#include "config.h"
#include "lxc-cmd.h"
#include "net.h"
#include "proto.h"
#include "pty.h"
#include "ringbuf.h"
#include "state.h"
#include "store.h"

struct hk_restore_req;

#define HK_MONITOR_MAX_CLIENTS 32
#define HK_MONITOR_LXC_CLIENTS 8
#define HK_CONSOLE_RING	       (128 * 1024)
#define HK_TTY_RING	       (16 * 1024)
/* What one viewer typed that its terminal has not taken yet: past this
 * the monitor stops reading that viewer (the container never makes the
 * monitor wait; the viewer waits instead). */
#define HK_CONSOLE_INPUT_MAX (64 * 1024)

enum client_mode { CLIENT_CONTROL, CLIENT_PROXY };

struct mon_client {
	int fd; /* -1: a viewer that left, its typed input still going out */
	enum client_mode mode;
	unsigned tty;	  /* PROXY: 0 = console, N = ttyN */
	bool awaits_stop; /* CONTROL: sent a STOP; told HK_STOP_KILLED_NOTICE */
	bool wants_times; /* CONTROL: sent a STOP with TIMING: gets the steps at the end */
	bool stop_client; /* CONTROL: sent a STOP (not a reboot): told HK_STOP_DONE_NOTICE */
	struct hk_ringbuf_reader reader;
	/* PROXY: typed bytes the terminal did not take yet, at in[in_off..]
	 * (HK_CONSOLE_INPUT_MAX bytes, allocated with the first input). */
	char *in;
	size_t in_off, in_len;
};

/* A client of LXC's command socket (monitor-lxc.c): one request, then
 * it is answered and closed; or, for lxc-wait's ADD_STATE_CLIENT, kept
 * until the container reaches a state it waits for. */
struct mon_lxc_client {
	int fd;
	bool allowed;		 /* root or the owner (SO_PEERCRED): else answered -EPERM */
	struct hk_lxc_conn conn; /* its request, as received so far */
	unsigned long long seq;	 /* order of arrival: the oldest makes room */
	unsigned waits_for;	 /* 1u << enum hk_lxc_state; 0: not waiting */
};

/* One terminal of the container: the console (index 0) or a tty. */
struct mon_term {
	struct hk_pty pty;
	struct hk_ringbuf *ring;
};

struct hk_monitor {
	struct hk_store *st;
	const struct hk_ct *ct; /* its name and directories, joined once (container.h) */
	const char *name;	/* ct->name */
	struct hk_config *cfg;
	struct hk_state_file state;

	struct hk_cgroup_info cg_info;
	bool have_cg_info;
	struct hk_cgroup *cgroup; /* NULL: no cgroup (a user without delegation) */
	struct hk_net_state *net; /* shared with the child; NULL: no interfaces to make */

	struct mon_term *terms; /* [0] console, [1..tty_max] ttys */
	size_t n_terms;
	int console_log_fd; /* lxc.console.logfile, or -1 */

	pid_t init_pid;
	int pidfd;
	int listen_fd;
	char *sock_path;
	struct mon_client clients[HK_MONITOR_MAX_CLIENTS];
	size_t n_clients;
	int lxc_fd; /* LXC's command socket name, claimed by hk_start; -1 = none */
	struct mon_lxc_client lxc[HK_MONITOR_LXC_CLIENTS];
	size_t n_lxc;
	unsigned long long lxc_seq;

	/* hako execute (execute.h): the application, the channel to the
	 * caller (-1: none or gone) and its console view until it is a
	 * viewer (-1 after). */
	const struct hk_app *app;
	int app_chan, app_view;

	/* hako restore (checkpoint.h): init comes from this checkpoint
	 * (monitor-restore.c) instead of a spawn; NULL after the first run. */
	const struct hk_restore_req *restore;

	/* A stop in progress: kill the cgroup at this time (0 = none). */
	struct timespec kill_deadline;
	int64_t stop_t; /* --timing: when the stop was asked for (0: none) */
	bool stopping;
	bool rebooting;
};

/* monitor-client.c */
void hk_monitor_accept(struct hk_monitor *m);
/* Handles readable data on client i; false when the client went away. */
bool hk_monitor_client_input(struct hk_monitor *m, size_t i);
/* Sends pending console bytes to a proxy client; false when it went away. */
bool hk_monitor_client_output(struct hk_monitor *m, size_t i);
/* The poll events client i waits for now: a viewer whose typed input is
 * held back in full is not read (0: nothing to wait for). */
short hk_monitor_client_events(const struct hk_monitor *m, size_t i);
/* Whether some viewer holds input for terminal t, which then waits
 * for POLLOUT; hk_monitor_term_writable passes it on. */
bool hk_monitor_term_input_pending(const struct hk_monitor *m, size_t t);
void hk_monitor_term_writable(struct hk_monitor *m, size_t t);
/* A client that went away: a viewer whose typed input is still held stays
 * (without its socket) until its terminal took it; others are dropped. */
void hk_monitor_client_gone(struct hk_monitor *m, size_t i);
/* Drops the viewers that left once their input went out. */
void hk_monitor_sweep_clients(struct hk_monitor *m);
void hk_monitor_drop_client(struct hk_monitor *m, size_t i);
/* Makes fd (a connected socket, owned from now on) a viewer of the
 * console from its first byte, as if it had asked (hako execute's view). */
void hk_monitor_add_viewer(struct hk_monitor *m, int fd);
/* Sends each viewer what the console holds for it, waiting at most
 * timeout_ms in all: the last words of an application that ended. */
void hk_monitor_flush_viewers(struct hk_monitor *m, int timeout_ms);
/* monitor-lxc.c */
void hk_monitor_lxc_listen(struct hk_monitor *m);
void hk_monitor_lxc_accept(struct hk_monitor *m);
/* Handles readable data on LXC client i; false when it is done with. */
bool hk_monitor_lxc_input(struct hk_monitor *m, size_t i);
void hk_monitor_lxc_drop(struct hk_monitor *m, size_t i);
/* Drops every LXC client and lets go of the name. */
void hk_monitor_lxc_close(struct hk_monitor *m);
/* Tells the clients waiting for the monitor's new state (lxc-wait), and
 * closes their connections. */
void hk_monitor_lxc_notify(struct hk_monitor *m);
/* The end: STOPPED to those waiting for it, every connection closed. */
void hk_monitor_lxc_finish(struct hk_monitor *m);
/* Requests that monitor.c carries out. */
int hk_monitor_request_stop(struct hk_monitor *m, unsigned timeout_ms, bool kill_now, bool reboot,
			    struct hk_error **err);
int hk_monitor_set_frozen(struct hk_monitor *m, bool freeze, struct hk_error **err);
void hk_monitor_write_state(struct hk_monitor *m, enum hk_state s);
/* The cgroup limits and default device rules, before init joins. */
int hk_monitor_apply_limits(struct hk_monitor *m, struct hk_error **err);
/* The directory that becomes the container's "/" (caller frees). */
char *hk_monitor_rootfs_dir(const struct hk_monitor *m, struct hk_error **err);
/* monitor-restore.c: init and its processes from a checkpoint, in the
 * cgroup the monitor made, with new terminals; sets init_pid, pidfd and
 * the terminals as a spawn does. */
int hk_monitor_restore_init(struct hk_monitor *m, struct hk_error **err);

#endif
