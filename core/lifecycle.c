/* lifecycle.c - starting a container (fork its monitor and wait for the
 * readiness line) and the requests that stop or freeze it. */
#include "lifecycle.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-manage.h"
#include "cgroup-systemd.h"
#include "cgroup-v2to1.h"
#include "container.h"
#include "execute.h"
#include "init-probe.h"
#include "log.h"
#include "monitor.h"
#include "nest.h"
#include "net.h"
#include "nic-client.h"
#include "runner.h"
#include "safepath.h"
#include "state.h"
#include "timing.h"
#include "unixsock.h"
#include "userns-exec.h"

int hk_ct_refuse_not_running(const struct hk_ct *ct, struct hk_error **err)
{
	if (!hk_ct_exists(ct))
		return hk_ct_refuse_missing(ct, err);
	hk_autofree char *p = hk_store_path_arg(ct->st);
	return hk_error_say(err, ESRCH,
			    "container \"%s\" is not running; start it with \"hako start %s%s\"",
			    ct->name, ct->name, p);
}

int hk_config_load_for_start(const struct hk_ct *ct, const struct hk_strv *overrides,
			     struct hk_config *cfg, struct hk_error **err)
{
	hk_config_init(cfg);
	if (hk_config_parse_file(cfg, ct->config_path, err) < 0)
		return -1;
	for (size_t i = 0; overrides && i < overrides->n; i++) {
		const char *kv = overrides->v[i];
		const char *eq = strchr(kv, '=');
		if (!eq)
			return hk_error_set(err, EINVAL, "-s \"%s\": expected KEY=VALUE", kv);
		hk_autofree char *key = xstrndup(kv, (size_t)(eq - kv));
		hk_autofree char *value = xstrdup(eq + 1);
		if (hk_config_set(cfg, hk_str_trim(key), hk_str_trim(value), err) < 0)
			return hk_error_prefix(err, "-s %s", kv);
	}
	return 0;
}

/* The interfaces are planned (and checked) before anything starts; an
 * ordinary user's veths are made by the setuid helper hako-nic. */
static int check_nets(const struct hk_store *st, const char *name, const struct hk_config *cfg,
		      struct hk_error **err)
{
	struct hk_net_state plan;
	if (hk_net_plan(cfg, name, 0, &plan, err) < 0)
		return hk_error_prefix(err, "container \"%s\"", name);
	if (plan.n && !hk_store_is_root(st) && hk_nic_check_plan(&plan, err) < 0)
		return hk_error_prefix(err, "container \"%s\"", name);
	if (!hk_store_is_root(st))
		hk_nic_plan_warn(&plan, name);
	return 0;
}

/* The first limit an ordinary user's config sets ("lxc.cgroup2.pids.max"),
 * or NULL; device rules do not count: a user namespace reaches no device
 * anyway. */
static char *first_limit(const struct hk_config *cfg)
{
	for (size_t i = 0; i < cfg->cgroup_v2.n; i++)
		if (!hk_str_has_prefix(cfg->cgroup_v2.v[i].key, "devices."))
			return xasprintf("lxc.cgroup2.%s", cfg->cgroup_v2.v[i].key);
	for (size_t i = 0; i < cfg->cgroup_v1.n; i++)
		if (!hk_str_has_prefix(cfg->cgroup_v1.v[i].key, "devices."))
			return xasprintf("lxc.cgroup.%s", cfg->cgroup_v1.v[i].key);
	return NULL;
}

/* An ordinary user without a cgroup to use: the container runs without
 * its own (warned, with doctor's words and fix), unless it sets limits,
 * which would then be silently lost, or its init is systemd, which cannot
 * boot without a cgroup of its own (both refused). */
static int check_user_cgroup(const struct hk_store *st, const char *name,
			     const struct hk_config *cfg, bool systemd_init, struct hk_error **err)
{
	struct hk_cgroup_info info;
	if (hk_cgroup_detect("", &info, NULL) < 0)
		return 0; /* no cgroups at all: the monitor says so */
	struct hk_cgroup_verdict v;
	hk_cgroup_verdict_get(&info, hk_store_uid(st), hk_store_gid(st), hk_store_user(st), &v);
	hk_cgroup_info_free(&info);
	hk_autofree char *limit = v.usable ? NULL : first_limit(cfg);
	int rc = 0;
	if (limit)
		rc = hk_error_set(err, EPERM, "container \"%s\" sets %s, but %s; %s", name, limit,
				  v.what, v.fix);
	else if (!v.usable && systemd_init)
		rc = hk_error_set(
			err, EPERM,
			"container \"%s\": its init is systemd, which needs a cgroup of its own "
			"to boot, but %s; %s",
			name, v.what, v.fix);
	else if (!v.usable)
		hk_log(HK_LOG_WARN,
		       "\"%s\" will run without its own cgroup, so limits, freeze and usage "
		       "figures are unavailable: %s; %s",
		       name, v.what, v.fix);
	else
		hk_cgroup_systemd_preflight(); /* a delegation of its own, but no scope */
	hk_cgroup_verdict_free(&v);
	return rc;
}

/* An application's command is in the rootfs, where execvp will look for
 * it (its PATH, or its working directory for a relative path). */
static int check_app_cmd(const struct hk_config *cfg, int root, const char *cmd,
			 struct hk_error **err)
{
	struct hk_strv cands = { 0 };
	const char *path = hk_execute_path_of(&cfg->environment);
	hk_execute_candidates(cmd, path, &cands);
	bool found = false;
	for (size_t i = 0; i < cands.n && !found; i++) {
		const char *c = cands.v[i];
		hk_autofree char *at =
			c[0] != '/' && cfg->init_cwd ? xasprintf("%s/%s", cfg->init_cwd, c) : NULL;
		hk_autoclose int fd = hk_safe_open(root, at ? at : c, O_PATH, 0, 0, NULL);
		found = fd >= 0;
	}
	hk_strv_clear(&cands);
	if (found)
		return 0;
	if (strchr(cmd, '/'))
		return hk_error_set(err, ENOENT,
				    "the command \"%s\" is not in rootfs \"%s\"; give a program "
				    "the container has",
				    cmd, cfg->rootfs.path);
	return hk_error_set(err, ENOENT,
			    "the command \"%s\" is in no directory of its PATH (%s) in rootfs "
			    "\"%s\"; give a program the container has, or its full path",
			    cmd, path, cfg->rootfs.path);
}

/* The init (or an application's command) is in the rootfs (resolved
 * inside it); *systemd when init is systemd.  Only dir and btrfs rootfs
 * are looked at: the others are checked when mounted. */
static int check_init(const char *name, const struct hk_config *cfg, const struct hk_app *app,
		      bool *systemd, struct hk_error **err)
{
	const char *rootfs = cfg->rootfs.path;
	if (!rootfs)
		return hk_error_set(err, EINVAL, "container \"%s\" has no lxc.rootfs.path", name);
	if (cfg->rootfs.backend != HK_BACKEND_DIR && cfg->rootfs.backend != HK_BACKEND_BTRFS)
		return 0;
	hk_autoclose int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return hk_error_errno(err, "container \"%s\": rootfs \"%s\"", name, rootfs);
	if (app)
		return check_app_cmd(cfg, root, app->argv[0], err);
	const char *cmd = cfg->init_cmd && *cfg->init_cmd ? cfg->init_cmd : "/sbin/init";
	hk_autofree char *init = xstrndup(cmd, strcspn(cmd, " \t"));
	hk_autoclose int fd = hk_safe_open(root, init, O_PATH, 0, 0, NULL);
	if (fd < 0)
		return hk_error_set(err, ENOENT,
				    "container \"%s\": init \"%s\" is not in rootfs \"%s\"; "
				    "install it or set lxc.init.cmd",
				    name, init, rootfs);
	*systemd = hk_init_file_is_systemd(fd);
	return 0;
}

/* v2 limits that this host's v1 controllers cannot take: one note each. */
static int note_v2_limits(const char *name, const struct hk_config *cfg, struct hk_error **err)
{
	struct hk_cgroup_info info;
	if (cfg->cgroup_v2.n == 0 || hk_cgroup_detect("", &info, NULL) < 0)
		return 0;
	hk_autostrv struct hk_strv notes = { 0 };
	int rc = hk_cgroup_v2_on_v1_notes(&info, &cfg->cgroup_v2, &notes, err);
	hk_cgroup_info_free(&info);
	for (size_t i = 0; i < notes.n; i++)
		hk_log(HK_LOG_WARN, "container \"%s\": %s", name, notes.v[i]);
	return rc < 0 ? hk_error_prefix(err, "container \"%s\"", name) : 0;
}

/* Checks that can fail early, with messages better than the child's. */
static int preflight(const struct hk_store *st, const char *name, const struct hk_config *cfg,
		     const struct hk_app *app, struct hk_error **err)
{
	for (size_t i = 0; i < cfg->host_notes.n; i++)
		hk_log(HK_LOG_WARN, "container \"%s\": %s", name, cfg->host_notes.v[i]);
	if (note_v2_limits(name, cfg, err) < 0 || check_nets(st, name, cfg, err) < 0)
		return -1;
	if (!hk_store_is_root(st) && cfg->idmap.n == 0)
		return hk_error_set(
			err, EPERM,
			"container \"%s\" has no lxc.idmap, and an ordinary user can only run "
			"unprivileged containers; add \"lxc.idmap = u 0 START 65536\" and a g line "
			"from your /etc/subuid and /etc/subgid ranges",
			name);
	struct hk_idmap window;
	if (hk_nest_window(&window)) { /* hako runs inside a container */
		hk_idmap_free(&window);
		if (hk_nest_preflight(cfg, hk_store_is_root(st), err) < 0)
			return hk_error_prefix(err, "container \"%s\"", name);
	}
	if (cfg->idmap.n && hk_userns_check_map(&cfg->idmap, err) < 0)
		return hk_error_prefix(err, "container \"%s\"", name);
	bool systemd_init = false;
	if (check_init(name, cfg, app, &systemd_init, err) < 0)
		return -1;
	if (hk_store_is_root(st))
		hk_cgroup_systemd_preflight();
	else if (check_user_cgroup(st, name, cfg, systemd_init, err) < 0)
		return -1;
	return 0;
}

static char *overrides_path(const char *run_dir)
{
	return xasprintf("%s/overrides", run_dir);
}

/* Records the -s overrides so that attach applies the same config (caps,
 * seccomp, no_new_privs) as the running container got. */
static int save_overrides(const struct hk_ct *ct, const struct hk_strv *o, struct hk_error **err)
{
	struct hk_buf b = { 0 };
	for (size_t i = 0; o && i < o->n; i++)
		hk_buf_printf(&b, "%s\n", o->v[i]);
	hk_autofree char *path = overrides_path(ct->run_dir);
	int rc = hk_write_run_file(path, b.data ? b.data : "", b.len, 0600, err);
	hk_buf_free(&b);
	return rc;
}

void hk_start_overrides_load(const struct hk_ct *ct, struct hk_strv *out)
{
	hk_autofree char *path = overrides_path(ct->run_dir);
	hk_autofree char *text = NULL;
	if (hk_read_file(path, &text, NULL, NULL) < 0)
		return;
	for (char *save, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (*l)
			hk_strv_push(out, l);
}

/* The monitor is forked, never exec'd, and outlives its caller: every
 * descriptor hako opened is close-on-exec but still here, as it needs
 * them (the lock, the ready pipe); one that is not close-on-exec came
 * from whoever ran hako (a terminal, an ssh session's pipe, a test
 * runner's) and would be held open for as long as the container runs.
 * Those are closed. */
static void close_inherited(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return;
	/* closed after the walk, not while /proc/self/fd is being read */
	int doomed[256];
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d)) && n < HK_ARRAY_SIZE(doomed);) {
		int fd = atoi(e->d_name);
		if (fd <= 2 || fd == dirfd(d))
			continue;
		int flags = fcntl(fd, F_GETFD);
		if (flags >= 0 && !(flags & FD_CLOEXEC))
			doomed[n++] = fd;
	}
	closedir(d);
	for (size_t i = 0; i < n; i++)
		close(doomed[i]);
}

/* The monitor process: detached from the terminal, holding the lock. */
static __attribute__((noreturn)) void monitor_child(struct hk_store *st, const struct hk_ct *ct,
						    struct hk_config *cfg, struct hk_lock *lock,
						    int ready, int lxc_fd, const struct hk_app *app,
						    const struct hk_restore_req *restore)
{
	/* hako execute's ends of its channel and view stay with it alone:
	 * its death must close them. */
	if (app && app->peer_chan >= 0)
		close(app->peer_chan);
	if (app && app->peer_view >= 0)
		close(app->peer_view);
	setsid();
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		if (hk_log_get_level() > HK_LOG_INFO || !isatty(2))
			dup2(null, 2);
		close(null);
	}
	if (chdir("/") < 0)
		_exit(1);
	close_inherited();
	/* hako execute's handlers (which it blocked around the fork) are its
	 * own: the defaults back, in a session of its own now. */
	if (app && app->chan >= 0)
		hk_execute_child_signals();
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	hk_lock_set_holder(lock, getpid());
	/* The handle's name is its own copy: the caller's may live in the
	 * argv rewritten below. */
	const char *own_name = ct->name;
	/* So may an application's words, and its TERM in the environment. */
	struct hk_app own_app;
	struct hk_strv words = { 0 };
	if (app) {
		own_app = *app;
		for (char *const *w = app->argv; *w; w++)
			hk_strv_push(&words, *w);
		own_app.argv = words.v;
		own_app.term = app->term ? xstrdup(app->term) : NULL;
		app = &own_app;
	}
	hk_autofree char *p = hk_store_path_arg(st);
	hk_autofree char *title = xasprintf("hako monitor %s%s", own_name, p);
	if (strlen(title) > hk_proctitle_room()) /* a cut path would mislead */
		title[strlen("hako monitor ") + strlen(own_name)] = '\0';
	hk_proctitle_set(title);
	struct hk_monitor_args a = { .st = st,
				     .ct = ct,
				     .cfg = cfg,
				     .ready_fd = ready,
				     .lock = lock,
				     .lxc_fd = lxc_fd,
				     .app = app,
				     .restore = restore };
	_exit(hk_monitor_run(&a));
}

/* Reads the monitor's "OK PID" or "ERR CODE MESSAGE" (which may hold
 * lines: the console's last ones); the monitor closes the pipe after. */
static int read_ready(int fd, const char *name, pid_t *init_pid, struct hk_error **err)
{
	char all[2400 + HK_TIMING_MAX * 80] = { 0 };
	size_t len = 0;
	while (len < sizeof(all) - 1) {
		ssize_t r = read(fd, all + len, sizeof(all) - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	while (len && all[len - 1] == '\n')
		all[--len] = '\0';
	/* --timing: the monitor's and the child's steps come first. */
	char *line = all;
	while (*line == 'T' && strchr(line, '\n'))
		line = strchr(line, '\n') + 1;
	if (hk_timing.on)
		hk_timing_decode_all(&hk_timing, all, (size_t)(line - all));
	int code = 0, off = 0;
	if (sscanf(line, "OK %d", &code) == 1) {
		if (init_pid)
			*init_pid = code;
		return 0;
	}
	if (sscanf(line, "ERR %d %n", &code, &off) == 1 && off > 0)
		return hk_error_set(err, code, "%s", line + off);
	return hk_error_set(err, EPROTO,
			    "the monitor of \"%s\" exited before the container started; "
			    "run with --logfile FILE --logpriority DEBUG to see why",
			    name);
}

int hk_start(struct hk_store *st, const char *name, const struct hk_start_opts *o, pid_t *init_pid,
	     struct hk_error **err)
{
	int64_t t = hk_timing_now();
	const char *verb = o && o->app ? "execute" : o && o->restore ? "restore" : "start";
	const struct hk_app *app = o ? o->app : NULL;
	hk_autoct struct hk_ct *ct = NULL;
	if (hk_ct_open(st, name, HK_CT_EXISTING, &ct, err) < 0)
		return -1;
	name = ct->name;
	hk_autolock struct hk_lock *lock = NULL;
	if (hk_ct_lock(ct, HK_LOCK_TRY, 0, &lock, err) < 0) {
		struct hk_state_file sf;
		enum hk_state s = hk_state_effective_ct(ct, &sf);
		if (hk_state_is_active(s) && sf.init_pid > 0) {
			hk_error_freep(err);
			return hk_error_set(err, EBUSY,
					    "container \"%s\" is already running (pid %d)%s", name,
					    (int)sf.init_pid,
					    app ? "; stop it first, or run the command in it "
						  "with \"hako attach\""
						: "");
		}
		if (hk_state_is_active(s)) { /* its monitor is still setting it up */
			hk_error_freep(err);
			return hk_error_set(err, EBUSY,
					    "container \"%s\" is already starting (monitor pid %d)",
					    name, (int)sf.monitor_pid);
		}
		return -1;
	}
	/* One runner: not while LXC runs it, and lxc-start not while hako does. */
	hk_autoclose int lxc_fd = hk_runner_claim(st, name, HK_OP_START, err);
	if (lxc_fd == -1)
		return hk_error_prefix(err, "%s \"%s\"", verb, name);
	t = hk_timing_add("lock", t);
	struct hk_config cfg;
	int rc = hk_config_load_for_start(ct, o ? o->overrides : NULL, &cfg, err);
	t = hk_timing_add("config", t);
	if (rc == 0 && (preflight(st, name, &cfg, app, err) < 0 ||
			save_overrides(ct, o ? o->overrides : NULL, err) < 0))
		rc = -1;
	t = hk_timing_add("preflight", t);
	if (rc < 0) {
		hk_config_free(&cfg);
		return hk_error_prefix(err, "%s \"%s\"", verb, name);
	}
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		hk_config_free(&cfg);
		return hk_error_errno(err, "%s \"%s\": pipe", verb, name);
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		hk_config_free(&cfg);
		close(pipefd[0]);
		close(pipefd[1]);
		return hk_error_errno(err, "%s \"%s\": fork", verb, name);
	}
	if (pid == 0) {
		hk_timing_become(HK_TIMING_MONITOR);
		hk_timing_add("fork", t);
		close(pipefd[0]);
		monitor_child(st, ct, &cfg, lock, pipefd[1], lxc_fd, app, o ? o->restore : NULL);
	}
	close(pipefd[1]);
	rc = read_ready(pipefd[0], name, init_pid, err);
	close(pipefd[0]);
	hk_config_free(&cfg);
	if (rc < 0) {
		waitpid(pid, NULL, 0);
		return hk_error_prefix(err, "%s \"%s\"", verb, name);
	}
	return 0;
}

int hk_ct_monitor_connect(const struct hk_ct *ct, struct hk_error **err)
{
	if (hk_ct_lock_probe(ct) == 0)
		return hk_ct_refuse_not_running(ct, err);
	hk_autofree char *path = hk_monitor_socket_in(ct->run_dir);
	int fd = hk_unixsock_connect(path, err);
	if (fd < 0)
		return hk_error_prefix(err, "container \"%s\": its monitor does not answer",
				       ct->name);
	return fd;
}

int hk_monitor_call(int fd, const struct hk_buf *req, struct hk_msg *reply, int timeout_ms,
		    struct hk_error **err)
{
	if (hk_unixsock_send(fd, req->data, req->len, -1, timeout_ms, err) < 0 ||
	    hk_unixsock_recv_msg(fd, reply, timeout_ms, err) < 0)
		return -1;
	if (reply->type == HK_MSG_ERROR) {
		const char *msg = "the monitor refused the request";
		uint32_t code = hk_msg_u32_or(reply, HK_TAG_ERRNO, 0);
		hk_msg_get_str(reply, HK_TAG_MESSAGE, &msg, NULL);
		return hk_error_set(err, (int)code, "%s", msg);
	}
	return 0;
}

/* Waits until the monitor closes the connection (it does once the
 * container is gone): 0, or 1 when it said it had to kill init
 * (HK_STOP_KILLED_NOTICE), -1 on timeout; *done when it said the stop
 * is complete (HK_STOP_DONE_NOTICE: else it died on the way).  The
 * notices come first, --timing's "T" lines after, each on its own line. */
static int wait_monitor_gone(int fd, int timeout_ms, bool *done)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN };
	struct hk_buf got = { 0 };
	int rc = 0;
	for (;;) {
		int r = poll(&pf, 1, timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		char chunk[1024];
		ssize_t n = r > 0 ? recv(fd, chunk, sizeof(chunk), 0) : -1;
		if (r <= 0)
			rc = -1;
		if (n <= 0)
			break;
		hk_buf_append(&got, chunk, (size_t)n);
	}
	*done = false;
	bool killed = false;
	for (size_t i = 0; i < got.len && got.data[i] != '\n'; i++) {
		killed |= got.data[i] == HK_STOP_KILLED_NOTICE;
		*done |= got.data[i] == HK_STOP_DONE_NOTICE;
	}
	if (rc == 0 && killed)
		rc = 1;
	if (hk_timing.on && got.len)
		hk_timing_decode_all(&hk_timing, got.data, got.len);
	hk_buf_free(&got);
	return rc;
}

/* An orphan without a cgroup of its own (an ordinary user without
 * delegation): SIGKILL to its init, which ends its pid namespace.  The
 * pid is trusted only with the start time recorded next to it. */
static int kill_orphan_init(const struct hk_state_file *sf, const char *name, struct hk_error **err)
{
	hk_autoclose int pidfd = sf->init_pid > 0 ? hk_pidfd_open(sf->init_pid) : -1;
	if (pidfd < 0 || hk_proc_start_time(sf->init_pid) != sf->init_start)
		return hk_error_set(err, ESRCH, "container \"%s\": its init is already gone", name);
	if (hk_pidfd_signal(pidfd, SIGKILL) < 0)
		return hk_error_errno(err, "cannot kill init (pid %d) of \"%s\"", (int)sf->init_pid,
				      name);
	struct pollfd pf = { .fd = pidfd, .events = POLLIN };
	if (poll(&pf, 1, 5000) <= 0)
		return hk_error_set(err, ETIMEDOUT,
				    "init (pid %d) of \"%s\" survived SIGKILL for 5 s",
				    (int)sf->init_pid, name);
	return 0;
}

/* The recorded init no longer runs (or never did). */
static bool init_gone(const struct hk_state_file *sf)
{
	return sf->init_pid <= 0 || hk_proc_start_time(sf->init_pid) != sf->init_start;
}

/* A container without a monitor: kill through its cgroup, else its init. */
static int stop_orphan(struct hk_store *st, const struct hk_ct *ct, const struct hk_state_file *sf,
		       struct hk_error **err)
{
	const char *name = ct->name;
	struct hk_ct_cgroup c;
	if (hk_ct_cgroup_open(ct, &c, err) < 0)
		return -1;
	int rc = 0;
	if (!c.cg || !hk_cgroup_exists(c.cg)) {
		if (hk_state_is_active(sf->state) && init_gone(sf))
			hk_log(HK_LOG_INFO, "\"%s\": its init is gone already", name);
		else
			rc = kill_orphan_init(sf, name, err);
	} else if (hk_cgroup_kill(c.cg, 5000, err) < 0 ||
		   hk_cgroup_remove_as_ct(c.cg, hk_store_config(st, name, NULL), err) < 0) {
		rc = -1;
	}
	hk_ct_cgroup_close(&c);
	/* An ordinary user's veths and leases: hako-nic removes those of the
	 * dead init (its monitor, which would have, is gone). */
	hk_autofree char *helper = hk_nic_helper_path();
	if (rc == 0 && !hk_store_is_root(st) && sf->init_pid > 0 && access(helper, X_OK) == 0)
		hk_nic_client_delete(name, sf->init_pid, NULL);
	if (rc == 0) {
		struct hk_state_file done;
		hk_state_file_init(&done);
		done.stopped = time(NULL);
		hk_state_write_ct(ct, &done, NULL);
	}
	return rc;
}

/* The record of a container whose monitor is gone, or false. */
static bool read_active_record(const struct hk_ct *ct, struct hk_state_file *sf)
{
	hk_state_file_init(sf);
	hk_autofree char *path = hk_state_path_ct(ct);
	const char *boot = hk_state_boot_id(NULL);
	return hk_state_read(path, sf, NULL) == 0 && boot && strcmp(sf->boot_id, boot) == 0 &&
	       hk_state_is_active(sf->state);
}

/* A monitor that died mid-stop (a crash) left its record active: what it
 * did not finish (the cgroup, the record, a user's veths) is finished
 * here, under the lock, so that no start can run in between.  The lock
 * is waited for: a dying process's files close one by one (its socket
 * before its lock), and a child it forked may hold the lock a moment
 * longer.  Returns 1 when it finished a stop. */
static int finish_dead_monitor(struct hk_store *st, const struct hk_ct *ct, struct hk_error **err)
{
	struct hk_state_file sf;
	if (!read_active_record(ct, &sf))
		return 0;
	hk_autolock struct hk_lock *lock = NULL;
	if (hk_ct_lock(ct, HK_LOCK_WAIT, 3000, &lock, NULL) < 0 || !read_active_record(ct, &sf))
		return 0;
	hk_log(HK_LOG_NOTICE, "the monitor of \"%s\" died while it stopped: finishing its cleanup",
	       ct->name);
	return stop_orphan(st, ct, &sf, err) < 0 ? -1 : 1;
}

/* A container LXC runs: stopped as lxc-stop does (runner.h). */
static int stop_foreign(struct hk_store *st, const char *name, const struct hk_runner *r,
			const struct hk_stop_opts *o, struct hk_error **err)
{
	if (o && o->reboot)
		return hk_runner_refusal(st, name, r, HK_OP_REBOOT, err);
	unsigned timeout = o && o->timeout_s ? o->timeout_s : 30;
	bool killed = false;
	if (hk_runner_stop(st, name, r, timeout, o && o->kill, &killed, err) < 0)
		return hk_error_prefix(err, "stop \"%s\"", name);
	if (killed)
		hk_log(HK_LOG_WARN,
		       "\"%s\" did not halt within %u s of its halt signal and was killed; set "
		       "lxc.signal.halt to the signal its init obeys, or give stop a longer -t",
		       name, timeout);
	return 0;
}

int hk_stop(struct hk_store *st, const char *name, const struct hk_stop_opts *o,
	    struct hk_error **err)
{
	int64_t t = hk_timing_last();
	hk_autoct struct hk_ct *ct = NULL;
	if (hk_ct_open(st, name, HK_CT_MAY_BE_MISSING, &ct, err) < 0)
		return hk_error_prefix(err, "stop");
	name = ct->name;
	struct hk_state_file sf;
	enum hk_state s = hk_state_effective_ct(ct, &sf);
	/* A running container whose directory was removed can still be
	 * stopped: its run directory knows it. */
	if (!hk_state_is_active(s) && s != HK_STATE_ORPHANED && !hk_ct_exists(ct))
		return hk_ct_refuse_missing(ct, err);
	if (s == HK_STATE_ORPHANED)
		return stop_orphan(st, ct, &sf, err);
	if (!hk_state_is_active(s)) {
		int dead = finish_dead_monitor(st, ct, err);
		if (dead != 0)
			return dead < 0 ? hk_error_prefix(err, "stop \"%s\"", name) : 0;
		struct hk_runner r = { .kind = HK_RUNNER_NONE };
		if (hk_ct_lock_probe(ct) == 0) /* else this hako is starting it */
			hk_runner_probe(st, name, &r);
		if (r.kind != HK_RUNNER_NONE)
			return stop_foreign(st, name, &r, o, err);
		return hk_ct_refuse_not_running(ct, err);
	}
	hk_autoclose int fd = hk_ct_monitor_connect(ct, err);
	if (fd < 0)
		return -1;
	hk_timing_add("connect", t);
	unsigned timeout = o && o->timeout_s ? o->timeout_s : 30;
	struct hk_buf req = { 0 };
	size_t start = hk_proto_begin(&req, HK_MSG_STOP, 0);
	hk_proto_put_u32(&req, HK_TAG_TIMEOUT_MS, timeout * 1000);
	hk_proto_put_u32(&req, HK_TAG_KILL, o && o->kill);
	hk_proto_put_u32(&req, HK_TAG_REBOOT, o && o->reboot);
	if (hk_timing.on)
		hk_proto_put_u32(&req, HK_TAG_TIMING, 1);
	hk_automsg struct hk_msg reply;
	hk_msg_init(&reply);
	int rc = hk_proto_end(&req, start, err);
	if (rc == 0)
		rc = hk_monitor_call(fd, &req, &reply, 5000, err);
	hk_buf_free(&req);
	bool done = false;
	int gone = rc == 0 && !(o && o->reboot)
			   ? wait_monitor_gone(fd, (int)(timeout + 15) * 1000, &done)
			   : 0;
	t = hk_timing_now();
	if (gone < 0)
		return hk_error_set(err, ETIMEDOUT, "stop \"%s\": still running after %u s", name,
				    timeout + 15);
	if (gone > 0)
		hk_log(HK_LOG_WARN,
		       "\"%s\" did not halt within %u s of its halt signal and was killed; set "
		       "lxc.signal.halt to the signal its init obeys, or give stop a longer -t",
		       name, timeout);
	/* Whether the call failed or the monitor went: if it died instead
	 * of finishing (it did not say it was done), the stop is finished
	 * here. */
	hk_autoerr struct hk_error *dead_err = NULL;
	int dead = done ? 0 : finish_dead_monitor(st, ct, &dead_err);
	if (dead != 0 && rc < 0 && err)
		hk_error_freep(err); /* the dead monitor's EOF: superseded */
	if (dead < 0)
		hk_error_propagate(err, &dead_err);
	hk_timing_add("finish", t);
	if (dead > 0)
		return 0;
	return rc < 0 || dead < 0 ? hk_error_prefix(err, "stop \"%s\"", name) : 0;
}

int hk_freeze(struct hk_store *st, const char *name, bool freeze, struct hk_error **err)
{
	hk_autoct struct hk_ct *ct = NULL;
	if (hk_ct_open(st, name, HK_CT_EXISTING, &ct, err) < 0 ||
	    hk_runner_refuse(ct, freeze ? HK_OP_FREEZE : HK_OP_UNFREEZE, err) < 0)
		return -1;
	name = ct->name;
	hk_autoclose int fd = hk_ct_monitor_connect(ct, err);
	if (fd < 0)
		return -1;
	struct hk_buf req = { 0 };
	hk_automsg struct hk_msg reply;
	hk_msg_init(&reply);
	int rc = hk_proto_encode_simple(&req, freeze ? HK_MSG_FREEZE : HK_MSG_THAW, err);
	if (rc == 0)
		rc = hk_monitor_call(fd, &req, &reply, 10000, err);
	hk_buf_free(&req);
	if (rc < 0)
		return hk_error_prefix(err, "%s \"%s\"", freeze ? "freeze" : "unfreeze", name);
	return 0;
}
