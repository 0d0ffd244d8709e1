/* cgroup-v2to1.c - v2 limits in v1 files (see cgroup-v2to1.h).  The
 * conversions are the ones systemd made when it ran units on either
 * layout (cpu.weight -> cpu.shares, io.weight -> blkio.weight). */
#include "cgroup-v2to1.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const struct {
	const char *prefix; /* v2 file name prefix */
	const char *v1;	    /* controller */
} controllers[] = {
	{ "memory.", "memory" }, { "pids.", "pids" }, { "cpu.", "cpu" },
	{ "cpuset.", "cpuset" }, { "io.", "blkio" },  { "hugetlb.", "hugetlb" },
	{ "rdma.", "rdma" },
};

const char *hk_cgroup_v1_controller_of(const char *key)
{
	for (size_t i = 0; i < HK_ARRAY_SIZE(controllers); i++)
		if (hk_str_has_prefix(key, controllers[i].prefix))
			return controllers[i].v1;
	return NULL;
}

/* A decimal number below limit, or -1. */
static long long number(const char *s, long long limit)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > limit)
		return -1;
	return v;
}

static int bad_value(const char *key, const char *value, const char *want, struct hk_error **err)
{
	return hk_error_set(err, EINVAL, "lxc.cgroup2.%s = %s: not a value cgroup v2 takes (%s)",
			    key, value, want);
}

/* cpu.max "QUOTA [PERIOD]", QUOTA "max": the CFS bandwidth pair. */
static int cpu_max(const char *value, struct hk_kvlist *out, struct hk_error **err)
{
	char quota[32], period[32] = "100000";
	int n = sscanf(value, "%31s %31s", quota, period);
	bool unlimited = n >= 1 && strcmp(quota, "max") == 0;
	if (n < 1 || (!unlimited && number(quota, 1LL << 40) < 1) || number(period, 1000000) < 1000)
		return bad_value("cpu.max", value,
				 "\"QUOTA PERIOD\" in microseconds, QUOTA may be max", err);
	hk_kvlist_add(out, "cpu.cfs_period_us", period);
	hk_kvlist_add(out, "cpu.cfs_quota_us", unlimited ? "-1" : quota);
	return 1;
}

/* cpu.weight 1-10000 (100 by default) -> cpu.shares (1024 by default). */
static int cpu_weight(const char *value, struct hk_kvlist *out, struct hk_error **err)
{
	long long w = number(value, 10000);
	if (w < 1)
		return bad_value("cpu.weight", value, "1 to 10000", err);
	hk_autofree char *shares = xasprintf("%lld", w * 1024 / 100 < 2 ? 2 : w * 1024 / 100);
	hk_kvlist_add(out, "cpu.shares", shares);
	return 1;
}

/* io.weight 1-10000 (100) -> blkio.weight 10-1000 (500), "default W" or a
 * device's "MAJ:MIN W" (blkio.weight_device). */
static int io_weight(const char *value, struct hk_kvlist *out, struct hk_error **err)
{
	char dev[32] = "default", w[32] = "", extra[2];
	int n = sscanf(value, "%31s %31s %1s", dev, w, extra);
	if (n == 1) {
		memcpy(w, dev, sizeof(w));
		strcpy(dev, "default");
	}
	long long v = n == 1 || n == 2 ? number(w, 10000) : -1;
	if (v < 1)
		return bad_value("io.weight", value, "[default|MAJ:MIN] 1 to 10000", err);
	long long b = v * 500 / 100 < 10 ? 10 : v * 500 / 100 > 1000 ? 1000 : v * 500 / 100;
	hk_autofree char *text =
		strcmp(dev, "default") == 0 ? xasprintf("%lld", b) : xasprintf("%s %lld", dev, b);
	hk_kvlist_add(out, strcmp(dev, "default") == 0 ? "blkio.weight" : "blkio.weight_device",
		      text);
	return 1;
}

/* io.max "MAJ:MIN rbps=N wbps=N riops=N wiops=N" (N or max) -> one
 * blkio.throttle file per limit; "max" is v1's 0 (no limit). */
static int io_max(const char *value, struct hk_kvlist *out, struct hk_error **err)
{
	static const char *const files[][2] = {
		{ "rbps", "blkio.throttle.read_bps_device" },
		{ "wbps", "blkio.throttle.write_bps_device" },
		{ "riops", "blkio.throttle.read_iops_device" },
		{ "wiops", "blkio.throttle.write_iops_device" },
	};
	hk_autofree char *copy = xstrdup(value);
	char *save = NULL, *dev = strtok_r(copy, " \t", &save);
	size_t added = 0;
	for (char *w = dev ? strtok_r(NULL, " \t", &save) : NULL; w;
	     w = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(w, '=');
		size_t i = 0;
		while (eq && i < HK_ARRAY_SIZE(files) &&
		       strncmp(w, files[i][0], (size_t)(eq - w)) != 0)
			i++;
		if (!eq || i == HK_ARRAY_SIZE(files) ||
		    (strcmp(eq + 1, "max") != 0 && number(eq + 1, 1LL << 62) < 0))
			return bad_value("io.max", value,
					 "\"MAJ:MIN rbps=N wbps=N riops=N wiops=N\"", err);
		hk_autofree char *text =
			xasprintf("%s %s", dev, strcmp(eq + 1, "max") ? eq + 1 : "0");
		hk_kvlist_add(out, files[i][1], text);
		added++;
	}
	if (!dev || !strchr(dev, ':') || added == 0)
		return bad_value("io.max", value, "\"MAJ:MIN rbps=N wbps=N riops=N wiops=N\"", err);
	return 1;
}

/* A byte limit: "max" is v1's -1. */
static void bytes_to(const char *v1_file, const char *value, struct hk_kvlist *out)
{
	hk_kvlist_add(out, v1_file, strcmp(value, "max") == 0 ? "-1" : value);
}

/* hugetlb.SIZE.max -> hugetlb.SIZE.limit_in_bytes. */
static int hugetlb(const char *key, const char *value, struct hk_kvlist *out, const char **why)
{
	if (!hk_str_has_suffix(key, ".max")) {
		*why = "cgroup v1's hugetlb controller has only the .max limit (limit_in_bytes)";
		return 0;
	}
	hk_autofree char *file = xasprintf("%.*s.limit_in_bytes", (int)(strlen(key) - 4), key);
	bytes_to(file, value, out);
	return 1;
}

int hk_cgroup_v2_to_v1(const char *key, const char *value, struct hk_kvlist *out, const char **why,
		       struct hk_error **err)
{
	*why = NULL;
	if (!strcmp(key, "memory.max")) {
		bytes_to("memory.limit_in_bytes", value, out);
		return 1;
	}
	if (!strcmp(key, "pids.max") || !strcmp(key, "cpuset.cpus") ||
	    !strcmp(key, "cpuset.mems") || !strcmp(key, "rdma.max")) {
		hk_kvlist_add(out, key, value); /* the same file in v1 */
		return 1;
	}
	if (!strcmp(key, "cpu.max"))
		return cpu_max(value, out, err);
	if (!strcmp(key, "cpu.weight"))
		return cpu_weight(value, out, err);
	if (!strcmp(key, "io.weight"))
		return io_weight(value, out, err);
	if (!strcmp(key, "io.max"))
		return io_max(value, out, err);
	if (hk_str_has_prefix(key, "hugetlb."))
		return hugetlb(key, value, out, why);
	if (!strcmp(key, "memory.swap.max"))
		*why = "cgroup v1 limits memory and swap together (memory.memsw.limit_in_bytes)";
	else if (!strcmp(key, "memory.high") || !strcmp(key, "memory.low") ||
		 !strcmp(key, "memory.min"))
		*why = "cgroup v1 has no such memory threshold (its soft limit is not one)";
	else
		*why = "cgroup v1 has no such file";
	return 0;
}

int hk_cgroup_v2_on_v1_notes(const struct hk_cgroup_info *info, const struct hk_kvlist *v2,
			     struct hk_strv *notes, struct hk_error **err)
{
	for (size_t i = 0; v2 && i < v2->n; i++) {
		const char *key = v2->v[i].key, *value = v2->v[i].value, *why;
		const char *c = hk_cgroup_v1_controller_of(key);
		if (!c || !hk_cgroup_v1_for(info, c))
			continue;
		struct hk_kvlist files = { 0 };
		int rc = hk_cgroup_v2_to_v1(key, value, &files, &why, err);
		hk_kvlist_clear(&files);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			hk_autofree char *note =
				xasprintf("lxc.cgroup2.%s = %s: skipped: this host's %s controller "
					  "is on cgroup "
					  "v1, and %s; to limit it here use an lxc.cgroup.%s.* key",
					  key, value, c, why, c);
			hk_strv_push(notes, note);
		}
	}
	return 0;
}
