/* cgroup-v1.c - operations on a legacy (v1) hierarchy. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-manage.h"

/* cpuset: a new cgroup starts with empty cpus and mems, and entering it
 * then fails with ENOSPC (the guides' CentOS failure); copy the parent's. */
static int copy_if_empty(int parent_fd, int dir_fd, const char *file, struct hk_error **err)
{
	hk_autofree char *mine = hk_cgroup_read_at(dir_fd, file);
	if (mine && strspn(mine, " \n") != strlen(mine))
		return 0;
	hk_autofree char *parent = hk_cgroup_read_at(parent_fd, file);
	if (!parent)
		return hk_error_errno(err, "cannot read the parent's %s", file);
	parent[strcspn(parent, "\n")] = '\0';
	return hk_cgroup_write_at(dir_fd, file, parent, err);
}

static int v1_init_dir(int parent_fd, int dir_fd, const struct hk_cgroup_hier *h,
		       struct hk_error **err)
{
	if (!hk_strv_contains(&h->controllers, "cpuset"))
		return 0;
	if (copy_if_empty(parent_fd, dir_fd, "cpuset.cpus", err) < 0 ||
	    copy_if_empty(parent_fd, dir_fd, "cpuset.mems", err) < 0)
		return hk_error_prefix(err, "initialise cpuset");
	return 0;
}

static int v1_frozen(int dir_fd)
{
	hk_autofree char *state = hk_cgroup_read_at(dir_fd, "freezer.state");
	if (!state)
		return -1;
	return strncmp(state, "FROZEN", 6) == 0;
}

static int v1_freeze(int dir_fd, bool freeze, struct hk_error **err)
{
	return hk_cgroup_freeze_and_wait(dir_fd, "freezer.state", freeze ? "FROZEN" : "THAWED",
					 v1_frozen, freeze, err);
}

static int v1_kill(int dir_fd)
{
	(void)dir_fd;
	return 0; /* v1 has no cgroup.kill */
}

/* Each controller's usage file.  Block I/O: the container's nested
 * cgroups' included where the kernel has the _recursive file (it counts
 * only the cgroup itself otherwise). */
static const struct {
	const char *controller, *file;
} v1_stat_files[] = {
	{ "memory", "memory.usage_in_bytes" },
	{ "cpuacct", "cpuacct.usage" },
	{ "pids", "pids.current" },
	{ "blkio", "blkio.throttle.io_service_bytes_recursive|blkio.throttle.io_service_bytes" },
};

static size_t v1_files(const struct hk_cgroup_hier *h, const char **names)
{
	size_t n = 0;
	for (size_t i = 0; i < HK_ARRAY_SIZE(v1_stat_files); i++)
		if (hk_strv_contains(&h->controllers, v1_stat_files[i].controller))
			names[n++] = v1_stat_files[i].file;
	return n;
}

static void v1_parse(const char *name, const char *text, struct hk_cgroup_stats *out)
{
	int64_t v = strncmp(name, "blkio.", 6) == 0 ? hk_cgroup_io_v1_bytes(text)
						    : hk_cgroup_parse_number(text);
	if (v < 0)
		return;
	if (strcmp(name, "memory.usage_in_bytes") == 0)
		out->memory_bytes = v;
	else if (strcmp(name, "cpuacct.usage") == 0)
		out->cpu_usec = v / 1000;
	else if (strcmp(name, "pids.current") == 0)
		out->pids = v;
	else
		out->io_bytes = v;
}

const struct hk_cgroup_ops hk_cgroup_v1_ops = {
	.version = 1,
	.init_dir = v1_init_dir,
	.freeze = v1_freeze,
	.frozen = v1_frozen,
	.kill = v1_kill,
	.stat_files = v1_files,
	.stat_parse = v1_parse,
};
