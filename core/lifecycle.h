/* lifecycle.h - start, stop, freeze: what `hako start|stop|freeze|unfreeze`
 * and the dashboard call.  A started container is owned by its monitor
 * process (monitor.c); these functions talk to it over its socket. */
#ifndef HAKO_LIFECYCLE_H
#define HAKO_LIFECYCLE_H

#include <stdbool.h>
#include <sys/types.h>

#include "config.h"
#include "error.h"
#include "proto.h"
#include "store.h"

struct hk_app;
struct hk_restore_req;

struct hk_start_opts {
	const struct hk_strv *overrides; /* "KEY=VALUE" for this start only */
	/* hako execute (execute.h): this application instead of init, or
	 * NULL.  Messages then say "execute" rather than "start". */
	const struct hk_app *app;
	/* hako restore (checkpoint.h): init from this checkpoint, or NULL.
	 * Messages then say "restore". */
	const struct hk_restore_req *restore;
};

/* Starts a container and returns once its init runs (or failed). */
int hk_start(struct hk_store *st, const char *name, const struct hk_start_opts *o, pid_t *init_pid,
	     struct hk_error **err);

struct hk_stop_opts {
	unsigned timeout_s; /* wait for init to halt, then kill; default 30 */
	bool kill;	    /* kill at once */
	bool reboot;	    /* ask init to reboot instead */
};

/* Stops a running container and waits until it has stopped.  A container
 * whose monitor died (ORPHANED) is killed through its cgroup. */
int hk_stop(struct hk_store *st, const char *name, const struct hk_stop_opts *o,
	    struct hk_error **err);

int hk_freeze(struct hk_store *st, const char *name, bool freeze, struct hk_error **err);

struct hk_ct;

/* Loads a container's config for a start (fresh, mutable), with overrides. */
int hk_config_load_for_start(const struct hk_ct *ct, const struct hk_strv *overrides,
			     struct hk_config *cfg, struct hk_error **err);

/* The -s overrides the running container was started with (recorded in
 * its run directory), appended to out; nothing when there were none. */
void hk_start_overrides_load(const struct hk_ct *ct, struct hk_strv *out);

/* Connects to a running container's monitor (SOCK_CLOEXEC); a clear error
 * when the container is not running. */
int hk_ct_monitor_connect(const struct hk_ct *ct, struct hk_error **err);

/* The refusal for a container that does not run: "does not exist in PATH;
 * create it with ..." (ENOENT) when there is no such container, else "is
 * not running; start it with ..." (ESRCH).  Returns -1. */
int hk_ct_refuse_not_running(const struct hk_ct *ct, struct hk_error **err);
/* Sends one request frame and receives the reply; an ERROR reply becomes
 * err.  reply must be initialised with hk_msg_init. */
int hk_monitor_call(int fd, const struct hk_buf *req, struct hk_msg *reply, int timeout_ms,
		    struct hk_error **err);

#endif
