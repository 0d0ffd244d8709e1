/* cgroup-v2.c - operations on a cgroup2 hierarchy. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-manage.h"

/* Enables in the parent's subtree_control every controller the parent
 * has, so that limits can be set on the child. */
static int v2_init_dir(int parent_fd, int dir_fd, const struct hk_cgroup_hier *h,
		       struct hk_error **err)
{
	(void)dir_fd;
	(void)h;
	(void)err;
	/* A parent that holds processes gives nothing: the threaded
	 * controllers (cpu, pids) would be accepted and make it a thread root,
	 * below which no cgroup may hold processes (EOPNOTSUPP on entering).
	 * The true root cgroup (no cgroup.freeze) is exempt. */
	hk_autofree char *procs = hk_cgroup_read_at(parent_fd, "cgroup.procs");
	if (procs && *procs && faccessat(parent_fd, "cgroup.freeze", F_OK, 0) == 0)
		return 0;
	hk_autofree char *avail = hk_cgroup_read_at(parent_fd, "cgroup.controllers");
	if (!avail)
		return 0;
	for (char *save, *c = strtok_r(avail, " \n", &save); c; c = strtok_r(NULL, " \n", &save)) {
		hk_autofree char *word = xasprintf("+%s", c);
		/* A controller the parent cannot delegate (e.g. it holds
		 * processes) is skipped; limits on it then fail with a clear
		 * error when set. */
		hk_cgroup_write_at(parent_fd, "cgroup.subtree_control", word, NULL);
	}
	return 0;
}

static int v2_frozen(int dir_fd)
{
	hk_autofree char *events = hk_cgroup_read_at(dir_fd, "cgroup.events");
	if (!events)
		return -1;
	return strstr(events, "frozen 1") != NULL;
}

static int v2_freeze(int dir_fd, bool freeze, struct hk_error **err)
{
	return hk_cgroup_freeze_and_wait(dir_fd, "cgroup.freeze", freeze ? "1" : "0", v2_frozen,
					 freeze, err);
}

static int v2_kill(int dir_fd)
{
	return hk_cgroup_write_at(dir_fd, "cgroup.kill", "1", NULL) == 0 ? 1 : 0;
}

/* A controller's files exist below the root only where the root has it
 * (cgroup.controllers): those of a controller the host keeps on v1 (a
 * hybrid host) are not looked for. */
static void v2_stats(int dir_fd, const struct hk_cgroup_hier *h, struct hk_cgroup_stats *out)
{
	int64_t v;
	if (hk_strv_contains(&h->controllers, "memory") &&
	    (v = hk_cgroup_read_number(dir_fd, "memory.current")) >= 0)
		out->memory_bytes = v;
	if (hk_strv_contains(&h->controllers, "pids") &&
	    (v = hk_cgroup_read_number(dir_fd, "pids.current")) >= 0)
		out->pids = v;
	/* cpu.stat's usage_usec is the core's, there without the cpu controller */
	hk_autofree char *cpu = hk_cgroup_read_at(dir_fd, "cpu.stat");
	const char *u = cpu ? strstr(cpu, "usage_usec ") : NULL;
	if (u)
		out->cpu_usec = strtoll(u + strlen("usage_usec "), NULL, 10);
	/* io.stat is there only where the io controller is enabled */
	hk_autofree char *io = hk_strv_contains(&h->controllers, "io")
				       ? hk_cgroup_read_at(dir_fd, "io.stat")
				       : NULL;
	if ((v = hk_cgroup_io_v2_bytes(io)) >= 0)
		out->io_bytes = v;
}

static bool v2_has_stats(const struct hk_cgroup_hier *h)
{
	(void)h;
	return true; /* cpu.stat */
}

const struct hk_cgroup_ops hk_cgroup_v2_ops = {
	.version = 2,
	.init_dir = v2_init_dir,
	.freeze = v2_freeze,
	.frozen = v2_frozen,
	.kill = v2_kill,
	.stats = v2_stats,
	.has_stats = v2_has_stats,
};
