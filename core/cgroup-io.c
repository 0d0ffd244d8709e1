/* cgroup-io.c - bytes of block I/O a cgroup has done, from the kernel's
 * text: what lxc-top shows as "BlkIO" and sorts by. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-manage.h"
#include "util.h"

/* Adds the number after "key=" in one io.stat line: 1 done, 0 absent,
 * -1 not a number. */
static int add_field(const char *line, size_t len, const char *key, int64_t *sum)
{
	size_t klen = strlen(key);
	for (const char *p = line; p + klen < line + len; p++) {
		if ((p == line || p[-1] == ' ') && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			char *end;
			long long v = strtoll(p + klen + 1, &end, 10);
			if (end == p + klen + 1 || v < 0)
				return -1;
			*sum += v;
			return 1;
		}
	}
	return 0;
}

/* cgroup v2 io.stat: one line per device, "MAJ:MIN rbytes=N wbytes=N
 * rios=N wios=N dbytes=N dios=N"; read plus written bytes of every
 * device.  An empty file (no I/O yet) is 0. */
int64_t hk_cgroup_io_v2_bytes(const char *io_stat)
{
	if (!io_stat)
		return -1;
	int64_t sum = 0;
	for (const char *line = io_stat; *line;) {
		size_t len = strcspn(line, "\n");
		if (len) {
			int r = add_field(line, len, "rbytes", &sum);
			int w = add_field(line, len, "wbytes", &sum);
			if (r < 0 || w < 0 || (r == 0 && w == 0))
				return -1;
		}
		line += len + (line[len] == '\n');
	}
	return sum;
}

/* cgroup v1 blkio.throttle.io_service_bytes[_recursive]: "MAJ:MIN OP N"
 * lines (Read, Write, Sync, Async, Discard, Total) and a last "Total N"
 * over every device: read plus written bytes, as the per-device Read and
 * Write lines say (Total also counts discards).  Only "Total 0" and no
 * device is unknown, not 0: recent kernels (6.x) count a v1 cgroup's
 * I/O only on devices that have a throttle limit in it. */
int64_t hk_cgroup_io_v1_bytes(const char *service_bytes)
{
	if (!service_bytes)
		return -1;
	int64_t sum = 0;
	bool devices = false;
	for (const char *line = service_bytes; *line;) {
		size_t len = strcspn(line, "\n");
		char op[16];
		long long v;
		hk_autofree char *copy = xstrndup(line, len);
		if (sscanf(copy, "%*u:%*u %15s %lld", op, &v) == 2 && v >= 0) {
			devices = true;
			if (strcmp(op, "Read") == 0 || strcmp(op, "Write") == 0)
				sum += v;
		}
		line += len + (line[len] == '\n');
	}
	return devices ? sum : -1;
}
