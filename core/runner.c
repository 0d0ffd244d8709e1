/* runner.c - who else runs a container, found through LXC's command
 * socket, and what hako does about it: refuse, claim the name, or stop a
 * container LXC runs as lxc-stop would (runner.h). */
#include "runner.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "container.h"
#include "init-probe.h"
#include "log.h"
#include "lxc-cmd.h"
#include "util.h"

static const char *const kind_names[] = {
	[HK_RUNNER_NONE] = "-",
	[HK_RUNNER_HAKO] = "hako",
	[HK_RUNNER_LXC] = "lxc",
	[HK_RUNNER_OTHER] = "other",
};

const char *hk_runner_kind_name(enum hk_runner_kind k)
{
	return (unsigned)k < HK_ARRAY_SIZE(kind_names) ? kind_names[k] : "-";
}

/* ---- the probe ---- */

/* Root, the caller and the owner of the container's directory may run it:
 * a listener with another uid only squats on the name. */
static bool believed(const struct hk_store *st, const char *name, uid_t uid)
{
	if (uid == 0 || uid == getuid() || uid == hk_store_uid(st))
		return true;
	hk_autofree char *dir = hk_store_container_dir(st, name);
	struct stat sb;
	return stat(dir, &sb) == 0 && sb.st_uid == uid;
}

static enum hk_state state_of_lxc(intptr_t s)
{
	switch (s) {
	case HK_LXC_STARTING:
		return HK_STATE_STARTING;
	case HK_LXC_STOPPING:
	case HK_LXC_STOPPED: /* still listening: on its way down */
		return HK_STATE_STOPPING;
	case HK_LXC_ABORTING:
		return HK_STATE_ABORTING;
	case HK_LXC_FREEZING:
	case HK_LXC_FROZEN:
		return HK_STATE_FROZEN;
	default:
		return HK_STATE_RUNNING;
	}
}

/* One request on a fresh connection; false when it was not answered. */
static bool ask(const struct hk_store *st, const char *name, int cmd, intptr_t *value)
{
	hk_autoclose int fd = hk_lxc_sock_connect(hk_store_path(st), name, NULL);
	struct hk_lxc_reply r;
	hk_lxc_reply_init(&r);
	hk_autoerr struct hk_error *err = NULL;
	bool ok = fd >= 0 &&
		  hk_lxc_request(fd, cmd, NULL, 0, &r, HK_RUNNER_TIMEOUT_MS, &err) == 0 &&
		  !r.closed && r.ret == 0;
	if (err)
		hk_log(HK_LOG_DEBUG, "\"%s\": LXC's command socket: %s", name, err->msg);
	*value = r.value;
	hk_lxc_reply_clear(&r);
	return ok;
}

static pid_t ppid_of(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	hk_autofree char *text = NULL;
	if (hk_read_file(path, &text, NULL, NULL) < 0)
		return 0;
	const char *p = strstr(text, "\nPPid:");
	long v;
	return p && sscanf(p + 6, "%ld", &v) == 1 && v > 0 ? (pid_t)v : 0;
}

/* The runner's monitor: init's parent (LXC listens in a process that is
 * gone once lxc-start -d has daemonised), else the listener. */
static void identify(struct hk_runner *r, pid_t listener)
{
	pid_t mon = r->init_pid > 0 ? ppid_of(r->init_pid) : 0;
	if (mon <= 0 && listener > 0 && kill(listener, 0) == 0)
		mon = listener;
	r->monitor_pid = mon;
	r->kind = HK_RUNNER_OTHER;
	if (mon <= 0)
		return;
	char path[64];
	hk_autofree char *cmdline = NULL, *comm = NULL;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)mon);
	if (hk_read_file(path, &comm, NULL, NULL) == 0)
		snprintf(r->comm, sizeof(r->comm), "%.*s", (int)strcspn(comm, "\n"), comm);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)mon);
	bool lxc_title = hk_read_file(path, &cmdline, NULL, NULL) == 0 &&
			 hk_str_has_prefix(cmdline, "[lxc monitor] ");
	if (lxc_title || strcmp(r->comm, "lxc-start") == 0)
		r->kind = HK_RUNNER_LXC;
}

void hk_runner_probe(const struct hk_store *st, const char *name, struct hk_runner *out)
{
	memset(out, 0, sizeof(*out));
	out->state = HK_STATE_STOPPED;
	hk_autoclose int fd = hk_lxc_sock_connect(hk_store_path(st), name, NULL);
	pid_t listener;
	uid_t uid;
	if (fd < 0 || hk_lxc_peer_cred(fd, &listener, &uid, NULL) < 0)
		return;
	if (!believed(st, name, uid)) {
		hk_log(HK_LOG_DEBUG,
		       "\"%s\": LXC's command socket is held by uid %u, who cannot run it: ignored",
		       name, (unsigned)uid);
		return;
	}
	out->uid = uid;
	out->may_act = uid == 0 || uid == getuid();
	out->state = HK_STATE_RUNNING;
	struct hk_lxc_reply rep;
	hk_autoerr struct hk_error *err = NULL;
	if (hk_lxc_request(fd, HK_LXC_CMD_GET_INIT_PID, NULL, 0, &rep, HK_RUNNER_TIMEOUT_MS,
			   &err) == 0 &&
	    !rep.closed && rep.ret == 0 && rep.value > 0 && rep.value < 0x40000000)
		out->init_pid = (pid_t)rep.value;
	hk_lxc_reply_clear(&rep);
	intptr_t s; /* (a runner that timed out is not asked twice) */
	if (!err && ask(st, name, HK_LXC_CMD_GET_STATE, &s))
		out->state = state_of_lxc(s);
	identify(out, listener);
}

/* ---- refusals ---- */

/* What to use instead, for a container LXC runs: @N is the name, @P the
 * container path. */
static const struct {
	const char *verb;
	const char *instead;
} op_texts[HK_OP_COUNT] = {
	[HK_OP_START] = { "start",
			  "to run it under hako, stop it with \"lxc-stop -n @N -P @P\" first" },
	[HK_OP_DESTROY] = { "destroy",
			    "stop it with \"lxc-stop -n @N -P @P\" first, or destroy it with "
			    "\"lxc-destroy -f -n @N -P @P\"" },
	[HK_OP_CLONE] = { "clone",
			  "copy it with \"lxc-copy -n @N -P @P -N NEWNAME\", or stop it with "
			  "\"lxc-stop -n @N -P @P\" first" },
	[HK_OP_RESTORE] = { "restore a snapshot over",
			    "stop it with \"lxc-stop -n @N -P @P\" first" },
	[HK_OP_CONFIG] = { "change the config of",
			   "stop it with \"lxc-stop -n @N -P @P\" first (LXC reads "
			   "the config when it starts)" },
	[HK_OP_ATTACH] = { "attach to", "use \"lxc-attach -n @N -P @P -- COMMAND\"" },
	[HK_OP_CONSOLE] = { "open the console of", "use \"lxc-console -n @N -P @P\"" },
	[HK_OP_FREEZE] = { "freeze", "use \"lxc-freeze -n @N -P @P\"" },
	[HK_OP_UNFREEZE] = { "unfreeze", "use \"lxc-unfreeze -n @N -P @P\"" },
	[HK_OP_CGROUP] = { "read or set the cgroup of",
			   "use \"lxc-cgroup -n @N -P @P KEY [VALUE]\"" },
	[HK_OP_STOP] = { "stop", "use \"lxc-stop -n @N -P @P\"" },
	[HK_OP_REBOOT] = { "reboot", "use \"lxc-stop -r -n @N -P @P\"" },
	[HK_OP_RENAME] = { "rename",
			   "stop it with \"lxc-stop -n @N -P @P\" first, or rename it with "
			   "\"lxc-copy -R -n @N -P @P -N NEWNAME\"" },
	[HK_OP_DEVICE] = { "give a device to",
			   "use \"lxc-device -n @N -P @P add|del DEV [NAME-INSIDE]\"" },
	[HK_OP_CHECKPOINT] = { "checkpoint", "use \"lxc-checkpoint -n @N -P @P -D DIR\"" },
	[HK_OP_CRIU_RESTORE] = { "restore a checkpoint into",
				 "it runs already: stop it with \"lxc-stop -n @N -P @P\" first" },
};

/* The template with @N and @P replaced. */
static char *fill(const char *tmpl, const char *name, const char *path)
{
	struct hk_buf b = { 0 };
	for (const char *p = tmpl; *p; p++) {
		if (p[0] == '@' && (p[1] == 'N' || p[1] == 'P')) {
			hk_buf_puts(&b, p[1] == 'N' ? name : path);
			p++;
		} else {
			hk_buf_append(&b, p, 1);
		}
	}
	return hk_buf_steal(&b);
}

static char *who(const struct hk_runner *r)
{
	hk_autofree char *mon = r->monitor_pid > 0
					? xasprintf("its monitor is pid %d", (int)r->monitor_pid)
					: xstrdup("its monitor is not visible from here");
	if (r->kind == HK_RUNNER_LXC)
		return r->uid ? xasprintf("LXC (uid %u, %s)", (unsigned)r->uid, mon)
			      : xasprintf("LXC (%s)", mon);
	return xasprintf(
		"another program (\"%s\" of uid %u, %s) that holds LXC's command socket for it",
		r->comm[0] ? r->comm : "?", (unsigned)r->uid, mon);
}

int hk_runner_refusal(const struct hk_store *st, const char *name, const struct hk_runner *r,
		      enum hk_runner_op op, struct hk_error **err)
{
	if ((unsigned)op >= HK_OP_COUNT)
		op = HK_OP_STOP;
	hk_autofree char *by = who(r);
	hk_autofree char *instead = NULL;
	if (r->kind != HK_RUNNER_LXC)
		instead = xstrdup("do it with the program that runs it");
	else if (op == HK_OP_STOP && !r->may_act)
		instead = xasprintf("stop it as uid %u with \"lxc-stop -n %s -P %s\"",
				    (unsigned)r->uid, name, hk_store_path(st));
	else
		instead = fill(op_texts[op].instead, name, hk_store_path(st));
	return hk_error_set(err, EBUSY,
			    "container \"%s\" is run by %s, not by hako: hako does not %s a "
			    "container another program runs; %s",
			    name, by, op_texts[op].verb, instead);
}

int hk_runner_refuse(const struct hk_ct *ct, enum hk_runner_op op, struct hk_error **err)
{
	if (hk_ct_lock_probe(ct) != 0)
		return 0; /* this hako runs it (or is busy with it): its own checks apply */
	struct hk_runner r;
	hk_runner_probe(ct->st, ct->name, &r);
	return r.kind == HK_RUNNER_NONE ? 0 : hk_runner_refusal(ct->st, ct->name, &r, op, err);
}

int hk_runner_claim(const struct hk_store *st, const char *name, enum hk_runner_op op,
		    struct hk_error **err)
{
	hk_autofree char *sock = hk_lxc_sock_name(hk_store_path(st), name);
	/* A holder may let go between a failed bind and the probe: try again. */
	for (int tries = 0; tries < 3; tries++) {
		hk_autoerr struct hk_error *e = NULL;
		int fd = hk_lxc_sock_claim(hk_store_path(st), name, &e);
		if (fd >= 0)
			return fd;
		if (e->code != EADDRINUSE) {
			hk_log(HK_LOG_DEBUG, "\"%s\": %s: lxc-start is not kept from it", name,
			       e->msg);
			return HK_RUNNER_UNCLAIMED;
		}
		struct hk_runner r;
		hk_runner_probe(st, name, &r);
		if (r.kind != HK_RUNNER_NONE)
			return hk_runner_refusal(st, name, &r, op, err);
	}
	hk_log(HK_LOG_WARN,
	       "\"%s\": LXC's command socket name \"@%s\" is held by a process that may not run "
	       "this "
	       "container (not root, you or its owner): LXC's tools cannot see or start it while "
	       "it does",
	       name, sock);
	return HK_RUNNER_UNCLAIMED;
}

/* ---- stopping a container LXC runs ---- */

/* init's pidfd: the one LXC holds (LXC_CMD_GET_INIT_PIDFD), else one
 * opened here for the pid LXC named, checked to be the child of LXC's
 * monitor after it was opened (so a reused pid is never signalled). */
static int init_pidfd(const struct hk_store *st, const char *name, const struct hk_runner *r,
		      struct hk_error **err)
{
	hk_autoclose int fd = hk_lxc_sock_connect(hk_store_path(st), name, err);
	if (fd < 0)
		return -1;
	struct hk_lxc_reply rep;
	if (hk_lxc_request(fd, HK_LXC_CMD_GET_INIT_PIDFD, NULL, 0, &rep, 5000, err) < 0)
		return -1;
	int pidfd = rep.ret == 0 ? hk_steal_fd(&rep.fd) : -1;
	hk_lxc_reply_clear(&rep);
	if (pidfd >= 0)
		return pidfd;
	pidfd = r->init_pid > 0 ? hk_pidfd_open(r->init_pid) : -1;
	if (pidfd >= 0 && r->monitor_pid > 0 && ppid_of(r->init_pid) == r->monitor_pid)
		return pidfd;
	if (pidfd >= 0)
		close(pidfd);
	return hk_error_set(err, ESRCH,
			    "container \"%s\": LXC did not name its init, or it is gone", name);
}

/* The halt signal, as lxc-stop picks it. */
static int halt_signal(struct hk_store *st, const char *name, pid_t init)
{
	const struct hk_config *cfg = hk_store_config(st, name, NULL);
	if (cfg && cfg->signal_halt)
		return cfg->signal_halt;
	return init > 0 ? hk_init_halt_signal(init) : SIGPWR;
}

/* LXC_CMD_STOP: LXC kills init (lxc.signal.stop, SIGKILL by default) and
 * answers only by closing the connection once the container is gone. */
static int lxc_kill(const struct hk_store *st, const char *name, unsigned wait_ms,
		    struct hk_error **err)
{
	hk_autoclose int fd = hk_lxc_sock_connect(hk_store_path(st), name, NULL);
	if (fd < 0)
		return 0; /* gone already */
	struct hk_lxc_reply rep;
	int rc = hk_lxc_request(fd, HK_LXC_CMD_STOP, NULL, 0, &rep, (int)wait_ms, err);
	if (rc == 0 && !rep.closed && rep.ret < 0)
		rc = hk_error_set(err, -rep.ret, "LXC refused to stop container \"%s\"", name);
	hk_lxc_reply_clear(&rep);
	return rc;
}

/* Waits until nobody listens on the container's name any more: LXC's
 * monitor has cleaned up and exited.  An idle connection is held meanwhile,
 * so the wait costs nothing until LXC closes it. */
static int wait_released(const struct hk_store *st, const char *name, long long deadline,
			 struct hk_error **err)
{
	for (;;) {
		hk_autoclose int fd = hk_lxc_sock_connect(hk_store_path(st), name, NULL);
		if (fd < 0)
			return 0;
		long long left = deadline - hk_now_ms();
		if (left <= 0)
			break;
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		if (poll(&pf, 1, (int)(left > 1000 ? 1000 : left)) > 0) {
			/* closed: its listener may linger a moment after the loop */
			struct timespec ts = { 0, 20 * 1000000L };
			nanosleep(&ts, NULL);
		}
	}
	return hk_error_set(err, ETIMEDOUT,
			    "container \"%s\": LXC's monitor still runs after the stop", name);
}

int hk_runner_stop(struct hk_store *st, const char *name, const struct hk_runner *r,
		   unsigned timeout_s, bool kill_now, bool *killed, struct hk_error **err)
{
	*killed = false;
	if (r->kind != HK_RUNNER_LXC || !r->may_act)
		return hk_runner_refusal(st, name, r, HK_OP_STOP, err);
	long long deadline = hk_now_ms() + (long long)timeout_s * 1000 + 30000;
	if (!kill_now) {
		hk_autoclose int pidfd = init_pidfd(st, name, r, err);
		if (pidfd < 0)
			return -1;
		int sig = halt_signal(st, name, r->init_pid);
		if (hk_pidfd_signal(pidfd, sig) < 0 && errno != ESRCH)
			return hk_error_errno(err, "container \"%s\": cannot signal its init",
					      name);
		struct pollfd pf = { .fd = pidfd, .events = POLLIN };
		int rc;
		do
			rc = poll(&pf, 1, (int)timeout_s * 1000);
		while (rc < 0 && errno == EINTR);
		*killed = kill_now = rc == 0;
	}
	if (kill_now && lxc_kill(st, name, (unsigned)(deadline - hk_now_ms()), err) < 0)
		return -1;
	return wait_released(st, name, deadline, err);
}
