/* monitor.c - a container's monitor: the process that owns one running
 * container.  It holds the container's lock for its whole life, opens the
 * console and tty ptys, makes the cgroup, spawns init, answers its socket,
 * keeps the last console output in a ring buffer, and when init exits
 * kills and removes what is left and records how the container ended.
 * An init killed by SIGHUP asked for a reboot (reboot(2) in a pid
 * namespace): the container is started again. */
#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "cgroup-systemd.h"
#include "cleanup.h"
#include "container.h"
#include "device.h"
#include "log.h"
#include "monitor-internal.h"
#include "nest.h"
#include "rootfs.h"
#include "init-probe.h"
#include "sanitize.h"
#include "seccomp.h"
#include "spawn.h"
#include "storage.h"
#include "timing.h"
#include "unixsock.h"

char *hk_monitor_socket_in(const char *run_dir)
{
	return xasprintf("%s/monitor.sock", run_dir);
}

void hk_monitor_write_state(struct hk_monitor *m, enum hk_state s)
{
	m->state.state = s;
	m->state.monitor_pid = getpid();
	m->state.init_pid = m->init_pid;
	const char *boot = hk_state_boot_id(NULL);
	if (boot)
		snprintf(m->state.boot_id, sizeof(m->state.boot_id), "%s", boot);
	hk_autoerr struct hk_error *err = NULL;
	if (hk_state_write_ct(m->ct, &m->state, &err) < 0)
		hk_log(HK_LOG_WARN, "monitor of \"%s\": %s", m->name, err->msg);
	if (s != HK_STATE_STOPPED) /* STOPPED: at the end (hk_monitor_lxc_finish) */
		hk_monitor_lxc_notify(m);
}

/* ---- terminals ---- */

/* Ring buffers for the console and ttys; their ptys come from the
 * container's devpts at spawn (take_terms). */
static int open_terms(struct hk_monitor *m, struct hk_error **err)
{
	unsigned ttys = m->cfg->tty_max < HK_MAX_TERMS - 1 ? m->cfg->tty_max : HK_MAX_TERMS - 1;
	m->n_terms = 1 + ttys;
	m->terms = xcalloc(m->n_terms, sizeof(*m->terms));
	for (size_t i = 0; i < m->n_terms; i++) {
		m->terms[i].pty.master = m->terms[i].pty.peer = -1;
		m->terms[i].ring = hk_ringbuf_new(i ? HK_TTY_RING : HK_CONSOLE_RING);
	}
	m->console_log_fd = -1;
	if (m->cfg->console_logfile) {
		m->console_log_fd =
			open(m->cfg->console_logfile,
			     O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (m->console_log_fd < 0)
			return hk_error_errno(err, "lxc.console.logfile \"%s\"",
					      m->cfg->console_logfile);
	}
	return 0;
}

static void close_terms(struct hk_monitor *m)
{
	for (size_t i = 0; i < m->n_terms; i++) {
		hk_pty_close(&m->terms[i].pty);
		hk_ringbuf_free(m->terms[i].ring);
	}
	free(m->terms);
	m->terms = NULL;
	m->n_terms = 0;
	if (m->console_log_fd >= 0)
		close(m->console_log_fd);
	m->console_log_fd = -1;
}

/* The ptys the container's devpts gave; the monitor keeps a peer of each
 * open so that a terminal nobody in the container holds (a getty between
 * respawns) does not hang up under the poll loop.  Masters are made
 * non-blocking: the monitor reads and writes them only when poll says so,
 * and a full one holds viewers' input back (monitor-client.c). */
static void take_terms(struct hk_monitor *m, const struct hk_spawned *sp)
{
	for (size_t i = 0; i < m->n_terms; i++) {
		m->terms[i].pty.master = sp->masters[i];
		m->terms[i].pty.peer = sp->peers[i];
		if (i > 0 || !m->app ||
		    !m->app->rows) /* else the caller's size, set by the child */
			hk_pty_set_winsize(m->terms[i].pty.master, 24, 80, NULL);
		/* A container that stops reading its terminal must not make the
		 * monitor wait on a write: viewers' input is held instead. */
		int fl = fcntl(sp->masters[i], F_GETFL);
		if (fl >= 0)
			(void)fcntl(sp->masters[i], F_SETFL, fl | O_NONBLOCK);
	}
}

/* Reads what a container wrote on a terminal into its ring buffer. */
static void drain_term(struct hk_monitor *m, size_t t)
{
	char buf[8192];
	ssize_t n = read(m->terms[t].pty.master, buf, sizeof(buf));
	if (n <= 0)
		return;
	hk_ringbuf_append(m->terms[t].ring, buf, (size_t)n);
	if (t == 0 && m->console_log_fd >= 0 && write(m->console_log_fd, buf, (size_t)n) < 0)
		hk_log(HK_LOG_DEBUG, "console log: %m");
}

/* ---- cgroups ---- */

static int setup_cgroup(struct hk_monitor *m, struct hk_error **err)
{
	const char *cg_name = m->ct->cgroup_name;
	hk_autofree char *scope = NULL;
	if (hk_cgroup_detect("", &m->cg_info, err) < 0)
		return -1;
	m->have_cg_info = true;
	/* On a systemd host, systemd's transient scope is the v2 base. */
	if (hk_cgroup_systemd_prepare(&m->cg_info, m->ct, &scope, err) < 0)
		return hk_error_prefix(err, "container \"%s\"", m->name);
	if (getuid() == 0) {
		m->cgroup = hk_cgroup_open_scoped(&m->cg_info, NULL, cg_name, scope);
	} else {
		struct hk_cgroup_delegation d;
		hk_cgroup_check_delegation(&m->cg_info, getuid(), getgid(), &d);
		if (d.ok || scope)
			m->cgroup = hk_cgroup_open_scoped(&m->cg_info, &d, cg_name, scope);
		else
			hk_log(HK_LOG_WARN,
			       "\"%s\" runs without its own cgroup: user %u has no delegated cgroup, so limits, "
			       "freeze and per-container stats are unavailable; run \"hako setup-user\" as root",
			       m->name, (unsigned)getuid());
		hk_cgroup_delegation_free(&d);
	}
	if (m->cgroup && hk_cgroup_create(m->cgroup, err) < 0)
		return hk_error_prefix(err, "container \"%s\"", m->name);
	return 0;
}

/* LXC's default device policy for privileged containers (common.conf):
 * nodes may be made, but only the standard ones opened.  Without it a
 * privileged container could mknod and read the host's disks.  (Unprivileged
 * containers cannot reach host devices at all.) */
static const char *const default_devices[][2] = {
	{ "devices.deny", "a" },
	{ "devices.allow", "c *:* m" },
	{ "devices.allow", "b *:* m" },
	{ "devices.allow", "c 1:3 rwm" },
	{ "devices.allow", "c 1:5 rwm" },
	{ "devices.allow", "c 1:7 rwm" },
	{ "devices.allow", "c 1:8 rwm" },
	{ "devices.allow", "c 1:9 rwm" },
	{ "devices.allow", "c 5:0 rwm" },
	{ "devices.allow", "c 5:1 rwm" },
	{ "devices.allow", "c 5:2 rwm" },
	{ "devices.allow", "c 136:* rwm" },
	{ "devices.allow", "c 10:229 rwm" },
	{ "devices.allow", "c 10:200 rwm" },
};

static bool has_device_rules(const struct hk_config *cfg)
{
	for (size_t i = 0; i < cfg->cgroup_v1.n; i++)
		if (hk_str_has_prefix(cfg->cgroup_v1.v[i].key, "devices."))
			return true;
	for (size_t i = 0; i < cfg->cgroup_v2.n; i++)
		if (hk_str_has_prefix(cfg->cgroup_v2.v[i].key, "devices."))
			return true;
	return false;
}

/* The default rules go to the v1 devices controller where there is one,
 * else to cgroup v2 (an eBPF program, cgroup-devices.h). */
static int apply_default_devices(struct hk_monitor *m, struct hk_error **err)
{
	/* Inside a user namespace (a nested container) the devices cgroup
	 * cannot be written, and no device can be made there anyway. */
	bool v1 = hk_cgroup_v1_for(&m->cg_info, "devices") != NULL;
	if (m->cfg->idmap.n || has_device_rules(m->cfg) || !hk_storage_in_init_userns() ||
	    (!v1 && !hk_cgroup_unified(&m->cg_info)))
		return 0;
	struct hk_kvlist l = { 0 };
	for (size_t i = 0; i < HK_ARRAY_SIZE(default_devices); i++)
		hk_kvlist_add(&l, default_devices[i][0], default_devices[i][1]);
	int rc = hk_cgroup_apply(m->cgroup, v1 ? &l : NULL, v1 ? NULL : &l, err);
	hk_kvlist_clear(&l);
	return rc;
}

int hk_monitor_apply_limits(struct hk_monitor *m, struct hk_error **err)
{
	if (m->cgroup &&
	    (apply_default_devices(m, err) < 0 ||
	     hk_cgroup_apply(m->cgroup, &m->cfg->cgroup_v1, &m->cfg->cgroup_v2, err) < 0))
		return -1;
	return 0;
}

static int before_go(void *ctx, pid_t pid, struct hk_error **err)
{
	struct hk_monitor *m = ctx;
	int64_t t = hk_timing_now();
	/* Interfaces first: the child configures them inside after GO. */
	if (m->net && hk_net_host_setup(m->cfg, m->name, pid, m->net, err) < 0)
		return -1;
	t = hk_timing_add("network", t);
	/* Limits before the leaf exists (see hk_cgroup_attach). */
	int rc = hk_monitor_apply_limits(m, err);
	hk_timing_add("cgroup-limits", t);
	return rc;
}

/* While the child mounts its rootfs, /proc and /sys, where the monitor
 * may (spawn.h, join_after_go). */
static int join_cgroups(void *ctx, pid_t pid, bool born_in_cgroup, struct hk_error **err)
{
	struct hk_monitor *m = ctx;
	int64_t t = hk_timing_now();
	int rc = 0;
	if (m->cgroup && (born_in_cgroup ? hk_cgroup_attach_born(m->cgroup, pid, err)
					 : hk_cgroup_attach(m->cgroup, pid, err)) < 0)
		rc = -1;
	/* What `hako device` adds to (device.h). */
	if (rc == 0 && hk_device_record_start(m->ct, m->cgroup, err) < 0)
		rc = hk_error_prefix(err, "container \"%s\"", m->name);
	/* Last, once the monitor no longer writes it: an id-mapped
	 * container's root makes its own cgroups (systemd's init.scope, a
	 * nesting parent's children) below the one it was given. */
	if (rc == 0 && m->cgroup && m->cfg->idmap.n &&
	    hk_cgroup_delegate_to_ct_root(m->cgroup, &m->cfg->idmap, err) < 0)
		rc = hk_error_prefix(err, "container \"%s\"", m->name);
	hk_timing_add("cgroup-attach", t);
	return rc;
}

/* The hierarchies to mount inside, named as on the host: those where the
 * container has its own cgroup, the root of its cgroup namespace.  Any
 * other would show the host's tree (or its user's) above the container,
 * other containers' names included.  It also picks systemd's mode: on a
 * hybrid host, a user whose unified tree was not delegated gets no
 * "unified" mount, and a systemd before 256 runs in legacy mode instead
 * of failing to make its cgroups there (what LXC does). */
static size_t cgroup_mounts(const struct hk_cgroup_info *info, const struct hk_cgroup *cg,
			    struct hk_cgroup_mount *out, char **opts)
{
	size_t n = 0;
	for (size_t i = 0; i < info->n && n < 16; i++) {
		const struct hk_cgroup_hier *h = &info->h[i];
		if (!hk_cgroup_has_hier(cg, h))
			continue;
		const char *base = strrchr(h->mountpoint, '/');
		base = base ? base + 1 : h->mountpoint;
		if (h->version == 2) {
			bool pure = info->layout == HK_CGROUP_V2;
			out[n++] = (struct hk_cgroup_mount){ pure ? "" : base, "cgroup2", NULL };
			continue;
		}
		struct hk_buf b = { 0 };
		for (size_t c = 0; c < h->controllers.n; c++)
			hk_buf_printf(&b, "%s%s", c ? "," : "", h->controllers.v[c]);
		if (h->name)
			hk_buf_printf(&b, "%sname=%s", b.len ? "," : "", h->name);
		opts[n] = hk_buf_steal(&b);
		out[n] = (struct hk_cgroup_mount){ base, "cgroup", opts[n] };
		n++;
	}
	return n;
}

/* ---- the spawn ---- */

static void split_words(const char *s, struct hk_strv *out)
{
	hk_autofree char *copy = xstrdup(s);
	for (char *save, *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		hk_strv_push(out, w);
}

/* An application on the caller's terminal gets the caller's TERM. */
static void build_env(const struct hk_config *cfg, const struct hk_app *app, struct hk_strv *env)
{
	hk_strv_push(env, "container=lxc");
	hk_strv_push(env, "PATH=" HK_CONTAINER_PATH);
	if (app && app->term && *app->term && !strchr(app->term, '\n'))
		hk_strv_push_owned(env, xasprintf("TERM=%s", app->term));
	else
		hk_strv_push(env, "TERM=linux");
	hk_strv_push(env, "HOME=/root");
	for (size_t i = 0; i < cfg->environment.n; i++)
		if (strchr(cfg->environment.v[i], '='))
			hk_strv_push(env, cfg->environment.v[i]);
}

/* The directory that becomes "/": the rootfs itself, or the mount point
 * PATH/NAME/rootfs of a backend the child mounts (overlay, aufs). */
char *hk_monitor_rootfs_dir(const struct hk_monitor *m, struct hk_error **err)
{
	const struct hk_rootfs_spec *r = &m->cfg->rootfs;
	if (!r->path || !*r->path)
		return hk_error_set(err, EINVAL, "no lxc.rootfs.path in the config"), NULL;
	const struct hk_storage_ops *ops = hk_storage_find(r->backend, err);
	if (!ops || ops->support(NULL, err) < 0)
		return NULL;
	char *target = hk_storage_rootfs_target(r, m->ct->dir);
	if (access(target, F_OK) < 0) {
		hk_error_errno(err, "rootfs \"%s\"", target);
		free(target);
		return NULL;
	}
	return target;
}

struct spawn_parts {
	struct hk_mount_plan plan;
	struct hk_limits limits;
	struct hk_strv entries; /* lxc.mount.fstab lines, then lxc.mount.entry */
	struct hk_caps_plan caps;
	struct hk_seccomp_plan *seccomp;
	struct hk_seccomp_prog sprog;
	struct hk_strv argv, env;
	char *cg_opts[16];
};

static void spawn_parts_free(struct spawn_parts *p)
{
	hk_mount_plan_free(&p->plan);
	hk_limits_free(&p->limits);
	hk_strv_clear(&p->entries);
	hk_seccomp_plan_free(p->seccomp);
	hk_seccomp_prog_free(&p->sprog);
	hk_strv_clear(&p->argv);
	hk_strv_clear(&p->env);
	for (size_t i = 0; i < 16; i++)
		free(p->cg_opts[i]);
}

/* lxc.mount.fstab: fstab lines, same syntax as lxc.mount.entry. */
static int read_fstab(const char *path, struct hk_strv *out, struct hk_error **err)
{
	hk_autofree char *text = NULL;
	if (hk_read_file(path, &text, NULL, err) < 0)
		return hk_error_prefix(err, "lxc.mount.fstab");
	for (char *save, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *t = hk_str_trim(l);
		if (*t && *t != '#')
			hk_strv_push(out, t);
	}
	return 0;
}

static int prepare_parts(struct hk_monitor *m, struct spawn_parts *p, struct hk_error **err)
{
	const struct hk_config *cfg = m->cfg;
	bool userns = cfg->idmap.n > 0;
	struct hk_cgroup_mount cgm[16];
	size_t n_cgm = m->have_cg_info ? cgroup_mounts(&m->cg_info, m->cgroup, cgm, p->cg_opts) : 0;
	if (cfg->mount_fstab && read_fstab(cfg->mount_fstab, &p->entries, err) < 0)
		return -1;
	hk_strv_copy(&p->entries, &cfg->mount_entries);
	if (hk_limits_plan(cfg, &p->limits, err) < 0)
		return -1;
	struct hk_plan_input in = {
		.mount_auto = &cfg->mount_auto,
		.mount_entries = &p->entries,
		.autodev = cfg->autodev,
		.userns = userns,
		.tty_max = (unsigned)m->n_terms - 1,
		.pty_max = cfg->pty_max,
		.console = true,
		.cgroups = cgm,
		.n_cgroups = n_cgm,
	};
	if (hk_mount_plan_build(&in, &p->plan, err) < 0)
		return -1;
	if (hk_caps_plan(&cfg->cap_drop, &cfg->cap_keep, &p->caps, err) < 0)
		return -1;
	if (hk_seccomp_plan_resolve(cfg->seccomp_profile, &p->seccomp, err) < 0)
		return -1;
	if (!userns)
		hk_seccomp_add_host_guard(&p->seccomp);
	if (p->seccomp &&
	    hk_seccomp_prepare_cached(p->seccomp, hk_store_cache_dir(m->st), &p->sprog, err) < 0)
		return -1;
	if (m->app)
		for (char *const *a = m->app->argv; *a; a++)
			hk_strv_push(&p->argv, *a);
	else
		split_words(cfg->init_cmd && *cfg->init_cmd ? cfg->init_cmd : "/sbin/init",
			    &p->argv);
	build_env(cfg, m->app, &p->env);
	return 0;
}

/* hako execute's command: as -u/-g say, else lxc.init.uid/gid, else root;
 * the caller's stdio and window size. */
static void app_spec(const struct hk_monitor *m, struct hk_spawn_app *out)
{
	const struct hk_app *a = m->app;
	*out = (struct hk_spawn_app){ .uid = a->uid >= 0 ? a->uid : m->cfg->init_uid,
				      .gid = a->gid >= 0 ? a->gid : m->cfg->init_gid,
				      .rows = a->rows,
				      .cols = a->cols };
	for (int i = 0; i < 3; i++)
		out->stdio[i] = a->stdio[i];
}

static int spawn_init(struct hk_monitor *m, struct hk_error **err)
{
	int64_t t = hk_timing_now();
	hk_autofree char *rootfs = hk_monitor_rootfs_dir(m, err);
	if (!rootfs)
		return -1;
	struct spawn_parts p = { 0 };
	struct hk_spawn_app app;
	if (m->app)
		app_spec(m, &app);
	int rc = prepare_parts(m, &p, err);
	/* Born in its cgroup v2 leaf where the kernel allows it: no move. */
	hk_autoclose int cg_fd = m->cgroup ? hk_cgroup_clone_target(m->cgroup) : -1;
	hk_timing_add("prepare", t);
	if (rc == 0) {
		struct hk_spawn_spec spec = {
			.name = m->name,
			.rootfs = rootfs,
			.rootfs_spec = &m->cfg->rootfs,
			.hostname = m->cfg->uts_name ? m->cfg->uts_name : m->name,
			.idmap = &m->cfg->idmap,
			.share_net = m->cfg->n_nets && m->cfg->nets[0].type &&
				     strcmp(m->cfg->nets[0].type, "none") == 0,
			.plan = &p.plan,
			.caps = &p.caps,
			.seccomp = p.seccomp ? &p.sprog : NULL,
			.no_new_privs = m->cfg->no_new_privs,
			.limits = &p.limits,
			.n_terms = (unsigned)m->n_terms,
			.argv = p.argv.v,
			.envp = p.env.v,
			.cwd = m->cfg->init_cwd,
			.before_go = before_go,
			.join_cgroups = join_cgroups,
			.join_after_go = geteuid() == 0 && hk_storage_in_init_userns(),
			.ctx = m,
			.app = m->app ? &app : NULL,
			.into_cgroup = cg_fd >= 0,
			.cgroup_fd = cg_fd,
		};
		if (hk_net_wanted(m->cfg)) {
			m->net = hk_net_state_new_shared();
			spec.net = m->net;
		}
		struct hk_spawned sp;
		rc = hk_spawn(&spec, &sp, err);
		if (rc == 0) {
			m->init_pid = sp.pid;
			m->pidfd = sp.pidfd;
			m->state.init_start = hk_proc_start_time(sp.pid);
			take_terms(m, &sp);
		}
	}
	spawn_parts_free(&p);
	return rc;
}

/* ---- stop, freeze ---- */

/* lxc.signal.halt, else what init obeys: SIGRTMIN+3 for systemd (which
 * ignores SIGPWR), SIGPWR for the others (init-probe.h); SIGTERM for hako
 * execute's init, which passes it on to the application. */
static int halt_signal(const struct hk_monitor *m, bool reboot)
{
	/* hako execute: lxc.signal.halt is for the container's own init, which
	 * does not run; the application gets what applications stop on. */
	if (m->app && !reboot)
		return SIGTERM;
	if (reboot)
		return m->cfg->signal_reboot ? m->cfg->signal_reboot : SIGINT;
	return m->cfg->signal_halt ? m->cfg->signal_halt : hk_init_halt_signal(m->init_pid);
}

int hk_monitor_request_stop(struct hk_monitor *m, unsigned timeout_ms, bool kill_now, bool reboot,
			    struct hk_error **err)
{
	hk_cleanup_crash_at(HK_STEP_STOP_REQUESTED);
	int64_t t = hk_timing_now();
	if (reboot && m->app)
		return hk_error_set(err, EINVAL,
				    "container \"%s\" runs an application (hako execute), which "
				    "cannot reboot; stop it, and run it again",
				    m->name);
	if (kill_now) {
		m->stopping = true;
		/* SIGKILL to init ends its pid namespace (the cgroup catches
		 * whatever escaped it); init's end waits for every task in it,
		 * so none may stay frozen, wherever the container froze it. */
		if (hk_pidfd_signal(m->pidfd, SIGKILL) < 0 && errno != ESRCH)
			return hk_error_errno(err, "cannot kill init of \"%s\"", m->name);
		if (m->cgroup)
			hk_cgroup_thaw_all(m->cgroup);
		m->stop_t = hk_timing_add("kill", t);
		return 0;
	}
	if (m->state.state == HK_STATE_FROZEN && m->cgroup)
		hk_cgroup_freeze(m->cgroup, false, NULL);
	if (hk_pidfd_signal(m->pidfd, halt_signal(m, reboot)) < 0 && errno != ESRCH)
		return hk_error_errno(err, "cannot signal init of \"%s\"", m->name);
	if (reboot) {
		m->rebooting = true;
		return 0;
	}
	m->stopping = true;
	hk_monitor_write_state(m, HK_STATE_STOPPING);
	m->stop_t = hk_timing_add("halt-signal", t);
	clock_gettime(CLOCK_MONOTONIC, &m->kill_deadline);
	m->kill_deadline.tv_sec += timeout_ms / 1000;
	m->kill_deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (m->kill_deadline.tv_nsec >= 1000000000L) {
		m->kill_deadline.tv_sec++;
		m->kill_deadline.tv_nsec -= 1000000000L;
	}
	return 0;
}

int hk_monitor_set_frozen(struct hk_monitor *m, bool freeze, struct hk_error **err)
{
	if (!m->cgroup)
		return hk_error_set(err, ENOTSUP,
				    "container \"%s\" has no cgroup of its own (no delegated "
				    "cgroup when it started): it cannot be frozen",
				    m->name);
	if (hk_cgroup_freeze(m->cgroup, freeze, err) < 0)
		return -1;
	hk_monitor_write_state(m, freeze ? HK_STATE_FROZEN : HK_STATE_RUNNING);
	return 0;
}

/* ---- the event loop ---- */

static int ms_until(const struct timespec *deadline)
{
	if (!deadline->tv_sec)
		return -1;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long ms = (deadline->tv_sec - now.tv_sec) * 1000LL +
		       (deadline->tv_nsec - now.tv_nsec) / 1000000L;
	return ms < 0 ? 0 : (int)(ms > 1000 ? 1000 : ms);
}

static void check_deadline(struct hk_monitor *m)
{
	if (!m->kill_deadline.tv_sec || ms_until(&m->kill_deadline) > 0)
		return;
	hk_log(HK_LOG_NOTICE, "\"%s\" did not stop in time: killing it", m->name);
	m->kill_deadline.tv_sec = 0;
	if (m->cgroup)
		hk_cgroup_kill(m->cgroup, 0, NULL);
	hk_pidfd_signal(m->pidfd, SIGKILL);
	const char notice = HK_STOP_KILLED_NOTICE;
	for (size_t i = 0; i < m->n_clients; i++)
		if (m->clients[i].awaits_stop)
			(void)send(m->clients[i].fd, &notice, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* The descriptors polled before the LXC clients: init's pidfd, the
 * monitor socket, LXC's socket, hako execute's channel. */
#define FIXED_FDS 4

/* hako execute's channel: a byte per signal its caller got, passed to
 * init (which passes it to the command); its end, the caller gone
 * (killed), ends the container as LXC's does with lxc-execute. */
static void app_chan_input(struct hk_monitor *m)
{
	unsigned char sig[64];
	ssize_t n = recv(m->app_chan, sig, sizeof(sig), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		hk_log(HK_LOG_NOTICE, "\"%s\": hako execute is gone: stopping its container",
		       m->name);
		close(m->app_chan);
		m->app_chan = -1;
		hk_monitor_request_stop(m, 0, true, false, NULL);
		return;
	}
	for (ssize_t i = 0; i < n; i++)
		if (sig[i] >= 1 && sig[i] <= 64 && hk_pidfd_signal(m->pidfd, sig[i]) < 0)
			hk_log(HK_LOG_DEBUG, "\"%s\": signal %d to init: %m", m->name, sig[i]);
}

/* Polls until init exits. */
static void event_loop(struct hk_monitor *m)
{
	for (;;) {
		struct pollfd pf[FIXED_FDS + HK_MONITOR_LXC_CLIENTS + 16 + HK_MONITOR_MAX_CLIENTS];
		size_t n = 0, terms = m->n_terms > 16 ? 16 : m->n_terms, lxcs = m->n_lxc;
		pf[n++] = (struct pollfd){ .fd = m->pidfd, .events = POLLIN };
		pf[n++] = (struct pollfd){ .fd = m->listen_fd, .events = POLLIN };
		pf[n++] = (struct pollfd){ .fd = m->lxc_fd,
					   .events = POLLIN }; /* -1: ignored by poll */
		pf[n++] = (struct pollfd){ .fd = m->app_chan, .events = POLLIN };
		for (size_t l = 0; l < lxcs; l++)
			pf[n++] = (struct pollfd){ .fd = m->lxc[l].fd, .events = POLLIN };
		for (size_t t = 0; t < terms; t++) {
			short ev = POLLIN | (hk_monitor_term_input_pending(m, t) ? POLLOUT : 0);
			pf[n++] = (struct pollfd){ .fd = m->terms[t].pty.master, .events = ev };
		}
		for (size_t c = 0; c < m->n_clients; c++) {
			short ev = hk_monitor_client_events(m, c); /* 0: not polled at all */
			pf[n++] = (struct pollfd){ .fd = ev ? m->clients[c].fd : -1, .events = ev };
		}
		int r = poll(pf, n, ms_until(&m->kill_deadline));
		if (r < 0 && errno != EINTR)
			break;
		check_deadline(m);
		if (pf[0].revents)
			return;
		/* LXC's clients from the end, so dropping one keeps indexes valid;
		 * new ones only after, at the end of the table. */
		for (size_t l = lxcs; l-- > 0;)
			if ((pf[FIXED_FDS + l].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    !hk_monitor_lxc_input(m, l))
				hk_monitor_lxc_drop(m, l);
		if (pf[2].revents & POLLIN)
			hk_monitor_lxc_accept(m);
		if (pf[3].revents)
			app_chan_input(m);
		size_t tfirst = FIXED_FDS + lxcs;
		for (size_t t = 0; t < terms; t++) {
			if (pf[tfirst + t].revents & POLLIN)
				drain_term(m, t);
			if (pf[tfirst + t].revents & (POLLOUT | POLLERR | POLLHUP))
				hk_monitor_term_writable(m, t);
		}
		/* Clients last, from the end, so dropping one keeps indexes valid. */
		size_t first = tfirst + terms;
		for (size_t c = n - first; c-- > 0;) {
			short re = pf[first + c].revents;
			if (c >= m->n_clients || !re)
				continue;
			bool keep = true;
			if (re & POLLOUT)
				keep = hk_monitor_client_output(m, c);
			if (keep && (re & (POLLIN | POLLHUP | POLLERR)))
				keep = hk_monitor_client_input(m, c);
			if (!keep)
				hk_monitor_client_gone(m, c);
		}
		hk_monitor_sweep_clients(m);
		/* New clients after the table was walked: accepting may drop
		 * a viewer that left (make_room), which moves slots. */
		if (pf[1].revents & POLLIN)
			hk_monitor_accept(m);
	}
}

/* ---- lifecycle of one run ---- */

/* Returns false when the starting `hako start` is gone (interrupted): its
 * start must then be undone, not left running behind the user's back. */
static bool send_ready(int *fd, int code, const char *msg, pid_t pid)
{
	if (*fd < 0)
		return true;
	struct hk_buf b = { 0 };
	hk_timing_encode(&hk_timing, 0, &b); /* --timing: this start's steps first */
	if (msg)
		hk_buf_printf(&b, "ERR %d %.2200s\n", code, msg);
	else
		hk_buf_printf(&b, "OK %d\n", (int)pid);
	bool ok = write(*fd, b.data, b.len) == (ssize_t)b.len;
	hk_buf_free(&b);
	if (!ok)
		hk_log(HK_LOG_NOTICE, "the start of this container was interrupted: undoing it");
	close(*fd);
	*fd = -1;
	return ok;
}

static void teardown(struct hk_monitor *m)
{
	int64_t t = hk_timing_now();
	hk_net_host_teardown(m->net);
	hk_net_state_free_shared(m->net);
	m->net = NULL;
	t = hk_timing_add("net-teardown", t);
	hk_cleanup_crash_at(HK_STEP_STOP_NETWORK_REMOVED);
	if (m->cgroup) {
		hk_autoerr struct hk_error *err = NULL;
		int rc = hk_cgroup_kill(m->cgroup, 5000, &err);
		t = hk_timing_add("cgroup-kill", t);
		if (rc < 0 || hk_cgroup_remove_as_ct(m->cgroup, m->cfg, &err) < 0)
			hk_log(HK_LOG_ERROR, "cleanup of \"%s\": %s", m->name, err->msg);
		hk_cgroup_free(m->cgroup);
		m->cgroup = NULL;
		t = hk_timing_add("cgroup-remove", t);
	}
	hk_cgroup_scope_forget(m->ct);
	if (m->have_cg_info)
		hk_cgroup_info_free(&m->cg_info);
	m->have_cg_info = false;
	if (m->pidfd >= 0)
		close(m->pidfd);
	m->pidfd = -1;
	hk_timing_add("close", t);
}

/* The first moments of init, while `hako start` waits: until it settles
 * into its main loop (two looks in a row, the second at least 2 ms after
 * the first unless its terminals spoke), dies, or HK_START_SETTLE_MS
 * pass; its terminals are read meanwhile.  Until the first calm look,
 * looks come sooner (0.25 ms, backing off to 2 ms): an init that settles
 * at once is found at once, and confirmed 2 ms later.  false when it
 * died. */
static bool settle(struct hk_monitor *m)
{
	long long end = hk_now_ms() + HK_START_SETTLE_MS;
	int calm = 0;
	long wait_ns = 250000L;
	while (hk_now_ms() < end && calm < 2) {
		struct pollfd pf[1 + 16];
		size_t n = 0, terms = m->n_terms > 16 ? 16 : m->n_terms;
		pf[n++] = (struct pollfd){ .fd = m->pidfd, .events = POLLIN };
		for (size_t t = 0; t < terms; t++)
			pf[n++] = (struct pollfd){ .fd = m->terms[t].pty.master, .events = POLLIN };
		struct timespec ts = { 0, calm ? 2000000L : wait_ns };
		if (ppoll(pf, n, &ts, NULL) > 0 && pf[0].revents)
			return false;
		for (size_t t = 0; t < terms; t++)
			if (pf[1 + t].revents & POLLIN)
				drain_term(m, t);
		calm = hk_init_settled(m->init_pid) ? calm + 1 : 0;
		if (!calm && wait_ns < 2000000L)
			wait_ns *= 2;
	}
	return true;
}

/* "exited with status 1" / "was killed by SIGSEGV", and the console's
 * last lines (container text: escaped), for a start that failed. */
static int init_died(struct hk_monitor *m, int status, struct hk_error **err)
{
	for (int rounds = 0; rounds < 64; rounds++) { /* what is still buffered, without blocking */
		struct pollfd pf = { .fd = m->terms[0].pty.master, .events = POLLIN };
		if (poll(&pf, 1, 0) <= 0 || !(pf.revents & POLLIN))
			break;
		drain_term(m, 0);
	}
	struct hk_buf all = { 0 }, tail = { 0 };
	hk_ringbuf_read_all(m->terms[0].ring, &all);
	const char *p = all.data ? all.data + all.len : NULL;
	for (int lines = 0; p && p > all.data && lines <= 5;)
		if (*--p == '\n' && p + 1 < all.data + all.len)
			lines++;
	while (p && p < all.data + all.len) {
		size_t len = strcspn(p, "\n"), shown = len;
		while (shown && p[shown - 1] == '\r') /* a terminal's CR LF */
			shown--;
		hk_autofree char *line = hk_sanitize_line_plain_n(p, shown);
		if (*hk_str_trim(line))
			hk_buf_printf(&tail, "\n  | %.160s", line);
		p += len + 1;
	}
	hk_autofree char *how = WIFSIGNALED(status)
					? xasprintf("was killed by %s", strsignal(WTERMSIG(status)))
					: xasprintf("exited with status %d", WEXITSTATUS(status));
	hk_error_set(err, 0, "its init %s right after it started%s%s", how,
		     tail.len ? "; the last lines of its console:" : " (its console shows nothing)",
		     tail.len ? tail.data : "");
	hk_buf_free(&all);
	hk_buf_free(&tail);
	return -1;
}

/* hako execute's application runs: its caller's view becomes a viewer
 * of the console from the first byte (no later connect could see what an
 * application that ends at once wrote), and the caller's stdio, now held
 * by the container, is let go here. */
static void app_started(struct hk_monitor *m)
{
	if (m->app_view >= 0)
		hk_monitor_add_viewer(m, m->app_view);
	m->app_view = -1;
	for (int i = 0; i < 3; i++)
		if (m->app->stdio[i] >= 0)
			close(m->app->stdio[i]);
}

/* What the application wrote last, to the caller's view before it closes. */
static void app_flush(struct hk_monitor *m)
{
	for (int rounds = 0; rounds < 256; rounds++) {
		struct pollfd pf = { .fd = m->terms[0].pty.master, .events = POLLIN };
		if (poll(&pf, 1, 0) <= 0 || !(pf.revents & POLLIN))
			break;
		drain_term(m, 0);
	}
	hk_monitor_flush_viewers(m, 2000);
}

/* Starts init once and runs until it exits; returns its wait status, or
 * -1 when the start failed (err set). */
static int run_once(struct hk_monitor *m, int *ready_fd, struct hk_error **err)
{
	m->pidfd = -1;
	m->init_pid = 0;
	m->stopping = m->rebooting = false;
	m->kill_deadline.tv_sec = 0;
	m->stop_t = 0;
	m->state.started = time(NULL);
	hk_monitor_write_state(m, HK_STATE_STARTING);
	/* Numbered steps: a test build can make each fail (HAKO_TEST_FAIL_STEP)
	 * to prove that teardown leaves nothing behind. */
	struct hk_cleanup steps = HK_CLEANUP_INIT;
	int64_t t = hk_timing_add("monitor", hk_timing_last());
	bool ok =
		hk_cleanup_at(&steps, HK_STEP_START_TERMINALS, err) == 0 && open_terms(m, err) == 0;
	t = hk_timing_add("terminals", t);
	ok = ok && hk_cleanup_at(&steps, HK_STEP_START_CGROUP, err) == 0 &&
	     setup_cgroup(m, err) == 0;
	hk_timing_add("cgroup", t);
	ok = ok && hk_cleanup_at(&steps, HK_STEP_START_SPAWN, err) == 0 &&
	     (m->restore ? hk_monitor_restore_init(m, err) : spawn_init(m, err)) == 0;
	if (!ok) {
		teardown(m);
		hk_cleanup_done(&steps);
		return -1;
	}
	hk_cleanup_done(&steps);
	t = hk_timing_now();
	if (m->app)
		app_started(m);
	/* An application may end at once: that is its run, not a failed start. */
	if (*ready_fd >= 0 && !m->app && !m->restore && !settle(m)) {
		siginfo_t si = { 0 };
		waitid(P_PIDFD, (id_t)m->pidfd, &si, WEXITED);
		int st = si.si_code == CLD_EXITED ? W_EXITCODE(si.si_status, 0) : si.si_status;
		init_died(m, st, err);
		teardown(m);
		return -1;
	}
	t = hk_timing_add("ready", t);
	hk_monitor_write_state(m, HK_STATE_RUNNING);
	hk_timing_add("state", t);
	if (!send_ready(ready_fd, 0, NULL, m->init_pid))
		hk_monitor_request_stop(m, 0, true, false, NULL);
	event_loop(m);
	siginfo_t si = { 0 };
	waitid(P_PIDFD, (id_t)m->pidfd, &si, WEXITED);
	if (m->stop_t)
		hk_timing_add("init-exit", m->stop_t);
	int status = si.si_code == CLD_EXITED ? W_EXITCODE(si.si_status, 0) : si.si_status;
	if (m->app)
		app_flush(m);
	hk_cleanup_crash_at(HK_STEP_STOP_INIT_EXITED);
	teardown(m);
	return status;
}

/* The container is gone: each client that asked for the stop is told
 * (HK_STOP_DONE_NOTICE, then with --timing the stop's steps on lines of
 * their own) and let go at once, before the work that can wait. */
static void release_stoppers(struct hk_monitor *m)
{
	struct hk_buf b = { 0 };
	for (size_t c = m->n_clients; c-- > 0;) {
		if (!m->clients[c].stop_client || m->clients[c].fd < 0)
			continue;
		hk_buf_puts(&b, "D");
		if (m->clients[c].wants_times) {
			hk_buf_puts(&b, "\n");
			hk_timing_encode(&hk_timing, 0, &b);
		}
		(void)send(m->clients[c].fd, b.data, b.len, MSG_DONTWAIT | MSG_NOSIGNAL);
		b.len = 0;
		hk_monitor_drop_client(m, c);
	}
	hk_buf_free(&b);
}

/* An ephemeral container goes when it stops (lxc.ephemeral = 1), while
 * the lock is still held so nobody can start it in between. */
static void destroy_ephemeral(struct hk_store *st, const char *name)
{
	hk_autoerr struct hk_error *err = NULL;
	if (hk_storage_destroy_container(st, name, &err) < 0) {
		hk_log(HK_LOG_ERROR, "ephemeral \"%s\" was not destroyed: %s", name, err->msg);
		return;
	}
	hk_log(HK_LOG_INFO, "ephemeral container \"%s\" destroyed", name);
}

/* A container that is gone (ephemeral, or its directory removed while it
 * ran) keeps no run directory, and its store none once it is empty; the
 * lock file goes while still held (a waiter sees it replaced). */
static void forget_run_dir(const struct hk_ct *ct)
{
	hk_autoerr struct hk_error *err = NULL;
	if (hk_rm_rf(ct->run_dir, &err) < 0)
		hk_log(HK_LOG_WARN, "run directory of \"%s\": %s", ct->name, err->msg);
	hk_store_prune_run_dir(ct->st);
}

int hk_monitor_run(const struct hk_monitor_args *a)
{
	struct hk_monitor m = { .st = a->st,
				.ct = a->ct,
				.name = a->ct->name,
				.cfg = a->cfg,
				.pidfd = -1,
				.listen_fd = -1,
				.console_log_fd = -1,
				.lxc_fd = a->lxc_fd,
				.app = a->app,
				.app_chan = a->app ? a->app->chan : -1,
				.app_view = a->app ? a->app->view : -1,
				.restore = a->restore };
	hk_state_file_init(&m.state);
	int ready_fd = a->ready_fd;
	hk_autoerr struct hk_error *err = NULL;
	m.sock_path = hk_monitor_socket_in(a->ct->run_dir);
	unlink(m.sock_path); /* a socket file left by a monitor that died */
	m.listen_fd = hk_unixsock_listen(m.sock_path, &err);
	hk_monitor_lxc_listen(&m);
	int status = -1;
	if (m.listen_fd >= 0) {
		for (;;) {
			status = run_once(&m, &ready_fd, &err);
			m.restore = NULL; /* a reboot after a restore boots afresh */
			/* reboot(2) inside a pid namespace kills init with SIGHUP. */
			bool reboot =
				status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGHUP;
			if (!reboot || m.stopping || m.app)
				break;
			close_terms(&m);
			hk_log(HK_LOG_NOTICE, "\"%s\" rebooted: starting it again", m.name);
		}
	}
	if (err)
		send_ready(&ready_fd, err->code, err->msg, 0);
	if (m.listen_fd >= 0)
		close(m.listen_fd);
	unlink(m.sock_path);
	free(m.sock_path);
	m.state.exit_status = status;
	m.state.stopped = time(NULL);
	m.init_pid = 0;
	hk_cleanup_crash_at(HK_STEP_STOP_CGROUP_REMOVED);
	int64_t t = hk_timing_now();
	hk_monitor_write_state(&m, HK_STATE_STOPPED);
	hk_cleanup_crash_at(HK_STEP_STOP_STATE_RECORDED);
	if (a->cfg->ephemeral)
		destroy_ephemeral(a->st, m.name);
	if (!hk_ct_exists(a->ct))
		forget_run_dir(a->ct);
	t = hk_timing_add("state", t);
	/* LXC may start it once hako has let go of everything. */
	hk_monitor_lxc_close(&m);
	/* Release the lock before the waiting clients see EOF, so that a
	 * `stop` returning means the next `start` can go. */
	hk_lock_release(a->lock);
	hk_timing_add("release", t);
	hk_cleanup_crash_at(HK_STEP_STOP_LOCK_RELEASED);
	release_stoppers(&m);
	/* What can wait until `hako stop` has returned. */
	close_terms(&m);
	hk_monitor_lxc_finish(&m);
	for (size_t c = m.n_clients; c-- > 0;)
		hk_monitor_drop_client(&m, c);
	/* hako execute returns with the command's status only now: nothing
	 * of the container is left, and it can be started again. */
	if (m.app_view >= 0)
		close(m.app_view);
	if (m.app_chan >= 0 && status >= 0)
		dprintf(m.app_chan, "EXIT %d\n", status);
	if (m.app_chan >= 0)
		close(m.app_chan);
	return status < 0 ? 1 : 0;
}
