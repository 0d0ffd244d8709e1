/* monitor-restore.c - the monitor's other way to get an init: `criu
 * restore` of a checkpoint (checkpoint.h) instead of a spawn.  The monitor
 * has made the container's cgroup as for a start; here it sets the
 * limits, opens new terminals (the old ones' other ends died with the old
 * monitor), and runs criu in a mount namespace of its own where the
 * rootfs is a mount point.  criu restores the processes below the
 * container's leaf cgroup and, with --restore-sibling, as children of
 * the monitor, which then owns init as if it had spawned it. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checkpoint.h"
#include "container.h"
#include "device.h"
#include "log.h"
#include "monitor-internal.h"
#include "nest.h"
#include "storage.h"
#include "timing.h"

struct restore_child {
	const char *rootfs;
	const struct hk_rootfs_spec *spec;
	const int *keep; /* descriptors criu inherits (--inherit-fd) */
	size_t n_keep;
};

/* In criu's child: a mount namespace where nothing propagates back to
 * the host and the rootfs is a mount point (criu's --root). */
static int restore_prep(void *ctx, struct hk_error **err)
{
	const struct restore_child *c = ctx;
	if (unshare(CLONE_NEWNS) < 0)
		return hk_error_errno(err, "cannot make a mount namespace for criu");
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return hk_error_errno(err, "cannot make the mount tree private");
	if (hk_storage_needs_mount(c->spec) && hk_storage_mount_rootfs(c->spec, c->rootfs, err) < 0)
		return -1;
	if (mount(c->rootfs, c->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return hk_error_errno(err, "cannot bind rootfs \"%s\"", c->rootfs);
	for (size_t i = 0; i < c->n_keep; i++)
		if (fcntl(c->keep[i], F_SETFD, 0) < 0)
			return hk_error_errno(err, "terminal for criu");
	return 0;
}

/* New terminals, one per console and tty; their masters as a spawn
 * leaves them (non-blocking, 24x80). */
static int open_terms(struct hk_monitor *m, const struct hk_ckpt_info *info, struct hk_error **err)
{
	for (size_t i = 0; i < info->n_ttys; i++)
		if (info->ttys[i].index >= m->n_terms)
			return hk_error_say(
				err, EINVAL,
				"the checkpoint holds tty%u, but lxc.tty.max is now %zu; "
				"set it back to at least %u",
				info->ttys[i].index, m->n_terms - 1, info->ttys[i].index);
	for (size_t i = 0; i < m->n_terms; i++) {
		if (hk_pty_open(&m->terms[i].pty, err) < 0)
			return hk_error_prefix(err, "terminal %zu", i);
		hk_pty_set_winsize(m->terms[i].pty.master, 24, 80, NULL);
		int fl = fcntl(m->terms[i].pty.master, F_GETFL);
		if (fl >= 0)
			(void)fcntl(m->terms[i].pty.master, F_SETFL, fl | O_NONBLOCK);
	}
	return 0;
}

/* Runs criu restore; init's pid from its pidfile. */
static int run_restore(struct hk_monitor *m, const char *rootfs, const char *pidfile,
		       struct hk_error **err)
{
	const struct hk_restore_req *r = m->restore;
	struct hk_ckpt_mounts mounts;
	if (hk_ckpt_mounts_of(m->cfg, &mounts, err) < 0) {
		hk_ckpt_mounts_free(&mounts);
		return -1;
	}
	hk_autostrv struct hk_strv roots = { 0 }, argv = { 0 };
	hk_ckpt_cgroup_roots(m->cgroup, &roots, NULL);
	int fds[HK_CKPT_MAX_TTYS];
	char *paths[HK_CKPT_MAX_TTYS];
	for (size_t i = 0; i < r->info.n_ttys; i++) {
		const struct hk_pty *p = &m->terms[r->info.ttys[i].index].pty;
		fds[i] = p->peer;
		paths[i] = xasprintf("/dev/pts/%u", p->index);
	}
	struct hk_criu_restore cr = { .criu = r->criu,
				      .dir = r->dir,
				      .root = rootfs,
				      .pidfile = pidfile,
				      .cgroup_roots = &roots,
				      .mounts = mounts.v,
				      .n_mounts = mounts.n,
				      .ttys = &r->info,
				      .tty_fds = fds,
				      .tty_paths = (const char *const *)paths,
				      .verbose = r->verbose };
	hk_criu_restore_argv(&cr, &argv);
	struct restore_child c = {
		.rootfs = rootfs, .spec = &m->cfg->rootfs, .keep = fds, .n_keep = r->info.n_ttys
	};
	int rc = hk_ckpt_run_criu(&argv, r->dir, "restore", restore_prep, &c, err);
	for (size_t i = 0; i < r->info.n_ttys; i++)
		free(paths[i]);
	hk_ckpt_mounts_free(&mounts);
	return rc;
}

/* The restored init, from criu's pidfile: a child of this monitor. */
static int take_init(struct hk_monitor *m, const char *pidfile, struct hk_error **err)
{
	hk_autofree char *text = NULL;
	unsigned long pid = 0;
	if (hk_read_file(pidfile, &text, NULL, err) < 0)
		return hk_error_prefix(err, "criu's pidfile");
	unlink(pidfile);
	if (!hk_parse_ulong(hk_str_trim(text), &pid) || pid < 2 || pid > 0x7fffffffUL)
		return hk_error_say(err, EINVAL, "criu's pidfile \"%s\" holds no pid", pidfile);
	siginfo_t si = { 0 };
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return hk_error_errno(err, "the restored init (pid %lu) is not the monitor's child",
				      pid);
	m->pidfd = hk_pidfd_open((pid_t)pid);
	if (m->pidfd < 0)
		return hk_error_errno(err, "the restored init (pid %lu)", pid);
	m->init_pid = (pid_t)pid;
	m->state.init_start = hk_proc_start_time(m->init_pid);
	return 0;
}

int hk_monitor_restore_init(struct hk_monitor *m, struct hk_error **err)
{
	int64_t t = hk_timing_now();
	hk_autofree char *rootfs = hk_monitor_rootfs_dir(m, err);
	if (!rootfs || open_terms(m, &m->restore->info, err) < 0 ||
	    hk_monitor_apply_limits(m, err) < 0)
		return -1;
	hk_autofree char *pidfile = xasprintf("%s/criu-restore.pid", m->ct->run_dir);
	unlink(pidfile);
	t = hk_timing_add("prepare", t);
	int rc = run_restore(m, rootfs, pidfile, err);
	t = hk_timing_add("criu-restore", t);
	if (rc < 0) {
		unlink(pidfile);
		return -1;
	}
	if (take_init(m, pidfile, err) < 0)
		return -1;
	if (hk_device_record_start(m->ct, m->cgroup, err) < 0)
		return hk_error_prefix(err, "container \"%s\"", m->name);
	if (m->cgroup && m->cfg->idmap.n &&
	    hk_cgroup_delegate_to_ct_root(m->cgroup, &m->cfg->idmap, err) < 0)
		return hk_error_prefix(err, "container \"%s\"", m->name);
	hk_timing_add("cgroup-attach", t);
	return 0;
}
