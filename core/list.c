/* list.c - builds the rows of `hako ls` from the store: cached config,
 * lock probe and state file per container that has a run directory (one
 * look at the run directory and the bound sockets for all: list-probe.h),
 * nothing forked.  Cheap enough
 * for a dashboard refreshing hundreds of containers every second. */
#include "list.h"

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup-manage.h"
#include "cgroup-systemd.h"
#include "idmap.h"
#include "list-probe.h"
#include "log.h"
#include "net.h"

static void fill_from_config(struct hk_store *st, const struct hk_config *cfg,
			     struct hk_list_row *row)
{
	row->cfg = cfg;
	row->unprivileged = cfg->idmap.n > 0 || !hk_store_is_root(st);
	/* A top-level container's map is in this host's ids already. */
	row->idmap_host = hk_idmap_format_list(&cfg->idmap);
	row->autostart = cfg->start_auto;
	hk_strv_copy(&row->groups, &cfg->groups);
	if (cfg->rootfs.raw && cfg->rootfs.raw[0])
		row->rootfs = xstrdup(cfg->rootfs.raw);
	enum hk_backend b = cfg->rootfs.backend ? cfg->rootfs.backend : HK_BACKEND_DIR;
	row->backend = xstrdup(hk_backend_name(b));
	for (size_t i = 0; i < cfg->n_nets; i++)
		hk_strv_push(&row->interfaces, cfg->nets[i].link ? cfg->nets[i].link : "");
}

/* The state letter of a /proc/PID/stat text (R, S, T, Z...), '\0' if none. */
static char proc_stat_state(const char *stat)
{
	const char *s = strrchr(stat, ')'); /* the command may hold spaces and ')' */
	return s && s[1] == ' ' ? s[2] : '\0';
}

/* A monitor in state T or t (SIGSTOP, or stopped by a tracer) would not
 * answer a command: ls says so without asking it (it never talks to
 * monitors, so it cannot block behind one). */
static bool monitor_stopped(pid_t pid)
{
	char path[64];
	hk_autofree char *stat = NULL;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (pid <= 0 || hk_read_file(path, &stat, NULL, NULL) < 0)
		return false;
	char c = proc_stat_state(stat);
	return c == 'T' || c == 't';
}

/* Stopped as far as this hako knows: LXC (or another hako) may run it.
 * Not while its lock is held: a start of this hako's is under way, and
 * its monitor already holds LXC's name. */
static void fill_foreign(const struct hk_store *st, const char *name,
			 const struct hk_list_probe *probe, struct hk_list_row *row)
{
	if (!hk_list_probe_may_have_runner(probe, st, name))
		return;
	if (hk_list_probe_may_have_run_dir(probe, name) && hk_lock_probe(st, name) != 0)
		return;
	struct hk_runner r;
	hk_runner_probe(st, name, &r);
	if (r.kind == HK_RUNNER_NONE)
		return;
	row->runner = r.kind;
	row->state = r.state;
	row->init_pid = r.init_pid;
	row->runner_pid = r.monitor_pid;
	row->runner_uid = r.uid;
}

/* row's state, init and runner: hako's own state, an unresponsive
 * monitor, or the state of another program that runs it.  probe (may be
 * NULL) spares the probes of a container with no run directory.
 * *monitor (may be NULL): the monitor's pid from the state file, 0 for
 * none. */
static void fill_state(struct hk_store *st, const char *name, const struct hk_list_probe *probe,
		       struct hk_list_row *row, pid_t *monitor)
{
	if (monitor)
		*monitor = 0;
	if (!hk_list_probe_may_have_run_dir(probe, name)) {
		row->state = HK_STATE_STOPPED;
		fill_foreign(st, name, probe, row);
		return;
	}
	struct hk_state_file sf;
	row->state = hk_state_effective(st, name, &sf);
	if (monitor)
		*monitor = sf.monitor_pid;
	if (hk_state_is_active(row->state))
		row->init_pid = sf.init_pid;
	if (hk_state_is_active(row->state) && row->state != HK_STATE_ORPHANED &&
	    monitor_stopped(sf.monitor_pid))
		row->state = HK_STATE_UNRESPONSIVE;
	if (hk_state_is_active(row->state))
		row->runner = HK_RUNNER_HAKO;
	else if (row->state == HK_STATE_STOPPED)
		fill_foreign(st, name, probe, row);
}

enum hk_state hk_list_state_of(struct hk_store *st, const char *name, enum hk_runner_kind *runner)
{
	struct hk_list_row row = { 0 };
	fill_state(st, name, NULL, &row, NULL);
	if (runner)
		*runner = row.runner;
	return row.state;
}

static void row_fill(struct hk_store *st, const char *name, const struct hk_list_probe *probe,
		     bool usage, struct hk_list_row *row)
{
	memset(row, 0, sizeof(*row));
	row->name = xstrdup(name);
	row->mem_bytes = row->swap_bytes = row->pids = row->io_bytes = -1;
	row->cpu_seconds = -1;
	row->unprivileged = !hk_store_is_root(st);
	fill_state(st, name, probe, row, NULL);

	hk_autoerr struct hk_error *err = NULL;
	/* a listing's row (probe) reads the config as that listing found it */
	const struct hk_config *cfg =
		probe ? hk_store_config_listed(st, name, &err) : hk_store_config(st, name, &err);
	if (cfg)
		fill_from_config(st, cfg, row);
	else if (err->code != ENOENT ||
		 row->state != HK_STATE_BUSY) /* BUSY: being made or destroyed */
		row->config_error = hk_error_render(err);

	if (hk_state_is_active(row->state)) {
		hk_list_fill_addresses(st, row);
		if (usage)
			hk_list_fill_usage(st, row);
	}
}

void hk_list_row_fill(struct hk_store *st, const char *name, struct hk_list_row *row)
{
	row_fill(st, name, NULL, true, row);
}

void hk_list_fill_addresses(struct hk_store *st, struct hk_list_row *row)
{
	(void)st;
	if (row->init_pid <= 0 || !hk_state_is_active(row->state))
		return; /* none either where it shares our namespace: see net.h */
	hk_autoerr struct hk_error *err = NULL;
	if (hk_netns_read_addrs(row->init_pid, &row->ipv4, &row->ipv6, &err) < 0)
		hk_log(HK_LOG_DEBUG, "addresses of \"%s\": %s", row->name, err->msg);
}

/* The host's cgroup layout and the caller's delegation, detected once per
 * process: neither changes while hako runs. */
static struct {
	bool tried, ok, usable;
	struct hk_cgroup_info info;
	struct hk_cgroup_delegation deleg;
} layout;

/* Root reads every container's cgroup; an ordinary user those below its
 * delegated cgroup, or below the systemd scopes its monitors recorded
 * (a user in a login session has no writable cgroup of its own). */
static bool layout_ready(const struct hk_store *st)
{
	if (!layout.tried) {
		layout.tried = true;
		layout.ok = hk_cgroup_detect("", &layout.info, NULL) == 0;
		layout.usable = layout.ok && hk_store_is_root(st);
		if (layout.ok && !hk_store_is_root(st)) {
			hk_cgroup_check_delegation(&layout.info, hk_store_uid(st), hk_store_gid(st),
						   &layout.deleg);
			layout.usable = layout.deleg.ok ||
					hk_cgroup_systemd_mode(&layout.info, hk_store_uid(st)) ==
						HK_SD_SCOPE;
		}
	}
	return layout.usable;
}

static void take_stats(struct hk_list_row *row, const struct hk_cgroup_stats *stats)
{
	row->mem_bytes = stats->memory_bytes;
	row->cpu_seconds = stats->cpu_usec >= 0 ? (double)stats->cpu_usec / 1e6 : -1;
	row->pids = stats->pids;
	row->io_bytes = stats->io_bytes;
	row->usage_at_us = hk_now_us();
}

/* A container another program runs: its init's cgroups, which anyone
 * may read. */
static void fill_foreign_usage(struct hk_list_row *row)
{
	if (!layout.ok || row->init_pid <= 0)
		return;
	struct hk_cgroup *cg = hk_cgroup_open_proc(&layout.info, row->init_pid);
	if (!cg)
		return;
	struct hk_cgroup_stats stats;
	hk_cgroup_stats_read(cg, &stats);
	take_stats(row, &stats);
	free(row->cgroup_host);
	row->cgroup_host = *hk_cgroup_main_dir(cg) ? xstrdup(hk_cgroup_main_dir(cg)) : NULL;
	hk_cgroup_free(cg);
}

/* What a dashboard's tick (hk_list_row_update) keeps open for each
 * running row it reads, for one run of the container (one init):
 *  - its cgroup stat files: a usage read is then one pread a file;
 *  - its monitor's /proc/PID/stat.  While a watch sees every rewrite of
 *    the state files, a running container's state changes behind its back
 *    only when its monitor dies (ORPHANED, or STOPPED once its lock is let
 *    go) or is stopped by a signal (UNRESPONSIVE); one pread of that file
 *    answers both (it fails once that process is gone, even if its pid is
 *    used again).  It replaces a lock probe, a state file read and an open
 *    of the same stat file (about 40 % of a tick at 100 running).
 * Keyed by run directory; a new init empties the record (a container
 * started again may have a new cgroup).  At most KEPT_MAX (a screenful,
 * and far below the file limit); dropped by the next whole listing when
 * no tick used it since the one before (kept_sweep). */
#define KEPT_MAX 64 /* of up to 6 descriptors each */
static struct kept {
	char *run_dir;
	pid_t init;
	struct hk_cgroup_stats_files *usage; /* NULL: not open */
	int monitor_fd;			     /* -1: not open */
	enum hk_state state;		     /* what monitor_fd vouches for */
	bool used;
} kept[KEPT_MAX];
static size_t nkept;

static struct kept *kept_find(const char *run_dir)
{
	for (size_t i = 0; i < nkept; i++)
		if (strcmp(kept[i].run_dir, run_dir) == 0)
			return &kept[i];
	return NULL;
}

static void kept_close_monitor(struct kept *k)
{
	if (k->monitor_fd >= 0)
		close(k->monitor_fd);
	k->monitor_fd = -1;
}

static void kept_close(struct kept *k)
{
	kept_close_monitor(k);
	hk_cgroup_stats_files_free(k->usage);
	k->usage = NULL;
}

/* run_dir's record for the run of init, marked used: found, emptied when
 * it held another run's files, or new; NULL when the table is full. */
static struct kept *kept_for(const char *run_dir, pid_t init)
{
	struct kept *k = kept_find(run_dir);
	if (k && k->init != init) {
		kept_close(k);
		k->init = init;
	}
	if (!k && nkept < KEPT_MAX) {
		k = &kept[nkept++];
		*k = (struct kept){ .run_dir = xstrdup(run_dir), .init = init, .monitor_fd = -1 };
	}
	if (k)
		k->used = true;
	return k;
}

static void kept_sweep(void)
{
	for (size_t i = 0; i < nkept;) {
		if (kept[i].used) {
			kept[i++].used = false;
			continue;
		}
		kept_close(&kept[i]);
		free(kept[i].run_dir);
		kept[i] = kept[--nkept];
	}
}

/* keep: a tick's read, whose files are worth keeping open. */
static void fill_own_usage(struct hk_store *st, struct hk_list_row *row, bool keep,
			   const char *run_dir)
{
	struct kept *k = keep ? kept_for(run_dir, row->init_pid) : kept_find(run_dir);
	if (k && k->init != row->init_pid)
		k = NULL; /* another run's files */
	struct hk_cgroup_stats stats;
	if (!k || !k->usage) {
		hk_autofree char *cg_name = hk_store_cgroup_name(st, row->name);
		struct hk_cgroup *cg = hk_cgroup_open_container(
			&layout.info, hk_store_is_root(st) ? NULL : &layout.deleg, cg_name,
			run_dir);
		if (k && keep)
			k->usage = hk_cgroup_stats_files_open(cg);
		if (!k || !k->usage)
			hk_cgroup_stats_read(cg, &stats);
		hk_cgroup_free(cg);
	}
	if (k && k->usage)
		hk_cgroup_stats_files_read(k->usage, &stats);
	take_stats(row, &stats);
}

/* run_dir: the row's run directory (NULL: worked out here). */
static void fill_usage(struct hk_store *st, struct hk_list_row *row, bool keep, const char *run_dir)
{
	if (row->runner == HK_RUNNER_LXC || row->runner == HK_RUNNER_OTHER) {
		layout_ready(st);
		fill_foreign_usage(row);
	} else if (layout_ready(st)) {
		hk_autofree char *own = run_dir ? NULL : hk_store_container_run_dir(st, row->name);
		fill_own_usage(st, row, keep, run_dir ? run_dir : own);
	}
}

void hk_list_fill_usage(struct hk_store *st, struct hk_list_row *row)
{
	fill_usage(st, row, false, NULL);
}

/* The kept monitor still runs and is not stopped. */
static bool monitor_alive(const struct kept *k)
{
	char stat[512];
	ssize_t n = pread(k->monitor_fd, stat, sizeof(stat) - 1, 0);
	if (n <= 0)
		return false;
	stat[n] = '\0';
	char c = proc_stat_state(stat);
	return c && !strchr("TtZX", c);
}

/* Keeps the monitor of a row the full probe found running, as found. */
static void monitor_keep(const char *run_dir, const struct hk_list_row *row, pid_t monitor)
{
	if (monitor <= 0 || row->runner != HK_RUNNER_HAKO || row->state == HK_STATE_ORPHANED ||
	    row->state == HK_STATE_UNRESPONSIVE)
		return;
	struct kept *k = kept_for(run_dir, row->init_pid);
	if (!k)
		return;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)monitor);
	k->monitor_fd = open(path, O_RDONLY | O_CLOEXEC);
	k->state = row->state;
}

/* The state the kept monitor vouches for: the row's as last listed, when
 * that is what the full probe found (a listing since may have seen a
 * reboot's new init), and the monitor still runs. */
static bool monitor_vouches(struct kept *k, const struct hk_list_row *row)
{
	if (!k || k->monitor_fd < 0 || k->state != row->state || k->init != row->init_pid ||
	    !monitor_alive(k))
		return false;
	k->used = true;
	return true;
}

bool hk_list_row_update(struct hk_store *st, struct hk_list_row *row, bool state_watched)
{
	enum hk_state was = row->state;
	pid_t init = row->init_pid;
	hk_autofree char *run_dir = hk_store_container_run_dir(st, row->name);
	struct kept *k = state_watched ? kept_find(run_dir) : NULL;
	if (!monitor_vouches(k, row)) {
		if (k)
			kept_close_monitor(k);
		pid_t monitor;
		row->init_pid = row->runner_pid = 0;
		row->runner_uid = 0;
		row->runner = HK_RUNNER_NONE;
		fill_state(st, row->name, NULL, row, &monitor);
		if (state_watched)
			monitor_keep(run_dir, row, monitor);
	}
	hk_strv_clear(&row->ipv4);
	hk_strv_clear(&row->ipv6);
	row->mem_bytes = row->swap_bytes = row->pids = row->io_bytes = -1;
	row->cpu_seconds = -1;
	row->usage_at_us = 0;
	if (hk_state_is_active(row->state)) {
		hk_list_fill_addresses(st, row);
		fill_usage(st, row, true, run_dir);
	}
	return row->state != was || row->init_pid != init;
}

void hk_list_row_free(struct hk_list_row *row)
{
	free(row->name);
	hk_strv_clear(&row->groups);
	free(row->backend);
	free(row->rootfs);
	hk_strv_clear(&row->interfaces);
	hk_strv_clear(&row->ipv4);
	hk_strv_clear(&row->ipv6);
	free(row->config_error);
	free(row->idmap_host);
	free(row->cgroup_host);
	memset(row, 0, sizeof(*row));
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void hk_list_row_copy(const struct hk_list_row *src, const char *name, struct hk_list_row *dst)
{
	*dst = *src;
	dst->name = xstrdup(name);
	dst->groups = dst->interfaces = dst->ipv4 = dst->ipv6 = (struct hk_strv){ 0 };
	hk_strv_copy(&dst->groups, &src->groups);
	hk_strv_copy(&dst->interfaces, &src->interfaces);
	hk_strv_copy(&dst->ipv4, &src->ipv4);
	hk_strv_copy(&dst->ipv6, &src->ipv6);
	dst->backend = dup_or_null(src->backend);
	dst->rootfs = dup_or_null(src->rootfs);
	dst->config_error = dup_or_null(src->config_error);
	dst->idmap_host = dup_or_null(src->idmap_host);
	dst->cgroup_host = dup_or_null(src->cgroup_host);
}

void hk_list_free(struct hk_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		hk_list_row_free(&l->rows[i]);
	free(l->rows);
	l->rows = NULL;
	l->n = 0;
}

static bool state_wanted(const struct hk_list_filter *f, enum hk_state s)
{
	if (!f || f->running == f->stopped)
		return true;
	return f->running ? hk_state_is_active(s) : s == HK_STATE_STOPPED;
}

static int compile_filter(const struct hk_list_filter *f, regex_t *re, struct hk_error **err)
{
	if (!f || !f->regex)
		return 0;
	int rc = regcomp(re, f->regex, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		char why[256];
		regerror(rc, re, why, sizeof(why));
		return hk_error_set(err, EINVAL,
				    "bad name filter \"%s\": %s (a POSIX extended regex)", f->regex,
				    why);
	}
	return 1;
}

/* Destroyed between listing and reading: not a broken config, just gone. */
static bool vanished(const struct hk_store *st, const struct hk_list_row *row)
{
	hk_autofree char *path = row->config_error ? hk_store_config_path(st, row->name) : NULL;
	return path && access(path, F_OK) < 0 && errno == ENOENT;
}

int hk_list_build(struct hk_store *st, const struct hk_list_filter *filter, struct hk_list *out,
		  struct hk_error **err)
{
	memset(out, 0, sizeof(*out));
	regex_t re;
	int have_re = compile_filter(filter, &re, err);
	if (have_re < 0)
		return -1;
	hk_autostrv struct hk_strv names = { 0 };
	if (hk_store_list(st, &names, err) < 0) {
		if (have_re)
			regfree(&re);
		return -1;
	}
	out->rows = xcalloc(names.n ? names.n : 1, sizeof(*out->rows));
	struct hk_list_probe probe;
	hk_list_probe_take(st, &probe);
	for (size_t i = 0; i < names.n; i++) {
		if (have_re && regexec(&re, names.v[i], 0, NULL, 0) != 0)
			continue;
		struct hk_list_row *row = &out->rows[out->n];
		row_fill(st, names.v[i], &probe, !(filter && filter->no_usage), row);
		if (state_wanted(filter, row->state) && !vanished(st, row))
			out->n++;
		else
			hk_list_row_free(row);
	}
	hk_list_probe_clear(&probe);
	if (have_re)
		regfree(&re);
	/* A listing by regex does not ask for every container: keep all. */
	if (!have_re) {
		hk_netns_cache_sweep();
		kept_sweep();
	}
	return 0;
}
