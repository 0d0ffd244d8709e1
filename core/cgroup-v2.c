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
/* cpu.stat's usage_usec is the core's, there without the cpu controller;
 * io.stat only where the io controller is enabled. */
static size_t v2_files(const struct hk_cgroup_hier *h, const char **names)
{
	size_t n = 0;
	if (hk_strv_contains(&h->controllers, "memory"))
		names[n++] = "memory.current";
	if (hk_strv_contains(&h->controllers, "pids"))
		names[n++] = "pids.current";
	names[n++] = "cpu.stat";
	if (hk_strv_contains(&h->controllers, "io"))
		names[n++] = "io.stat";
	return n;
}

static void v2_parse(const char *name, const char *text, struct hk_cgroup_stats *out)
{
	int64_t v;
	if (strcmp(name, "cpu.stat") == 0) {
		const char *u = strstr(text, "usage_usec ");
		if (u)
			out->cpu_usec = strtoll(u + strlen("usage_usec "), NULL, 10);
	} else if (strcmp(name, "io.stat") == 0) {
		if ((v = hk_cgroup_io_v2_bytes(text)) >= 0)
			out->io_bytes = v;
	} else if ((v = hk_cgroup_parse_number(text)) >= 0) {
		*(strcmp(name, "memory.current") == 0 ? &out->memory_bytes : &out->pids) = v;
	}
}

const struct hk_cgroup_ops hk_cgroup_v2_ops = {
	.version = 2,
	.init_dir = v2_init_dir,
	.freeze = v2_freeze,
	.frozen = v2_frozen,
	.kill = v2_kill,
	.stat_files = v2_files,
	.stat_parse = v2_parse,
};
