/* prlimits.c - parsing and applying lxc.prlimit.* and lxc.sysctl.* */
#include "prlimits.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"
#include "util.h"

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{ "as", RLIMIT_AS },
	{ "core", RLIMIT_CORE },
	{ "cpu", RLIMIT_CPU },
	{ "data", RLIMIT_DATA },
	{ "fsize", RLIMIT_FSIZE },
	{ "locks", RLIMIT_LOCKS },
	{ "memlock", RLIMIT_MEMLOCK },
	{ "msgqueue", RLIMIT_MSGQUEUE },
	{ "nice", RLIMIT_NICE },
	{ "nofile", RLIMIT_NOFILE },
	{ "nproc", RLIMIT_NPROC },
	{ "rss", RLIMIT_RSS },
	{ "rtprio", RLIMIT_RTPRIO },
	{ "rttime", RLIMIT_RTTIME },
	{ "sigpending", RLIMIT_SIGPENDING },
	{ "stack", RLIMIT_STACK },
};

/* Namespaced sysctls: written in the container's own namespaces. */
static const char *const sysctl_prefixes[] = {
	"net.",	      "kernel.shm",	 "kernel.msg",	      "kernel.sem",
	"fs.mqueue.", "kernel.hostname", "kernel.domainname",
};

static bool parse_one_limit(const char *s, rlim_t *out)
{
	unsigned long v;
	if (strcmp(s, "unlimited") == 0) {
		*out = RLIM_INFINITY;
		return true;
	}
	if (!hk_parse_ulong(s, &v))
		return false;
	*out = (rlim_t)v;
	return true;
}

static int plan_rlimit(const char *key, const char *value, struct hk_rlimit *out,
		       struct hk_error **err)
{
	size_t i;
	for (i = 0; i < HK_ARRAY_SIZE(rlimit_names); i++)
		if (strcmp(key, rlimit_names[i].name) == 0)
			break;
	if (i == HK_ARRAY_SIZE(rlimit_names))
		return hk_error_set(
			err, EINVAL,
			"lxc.prlimit.%s: unknown resource; use one of as, core, cpu, "
			"data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, "
			"rtprio, rttime, sigpending, stack",
			key);
	out->resource = rlimit_names[i].resource;
	hk_autofree char *copy = xstrdup(value);
	char *colon = strchr(copy, ':');
	if (colon)
		*colon = '\0';
	if (!parse_one_limit(copy, &out->value.rlim_cur) ||
	    !parse_one_limit(colon ? colon + 1 : copy, &out->value.rlim_max) ||
	    (out->value.rlim_max != RLIM_INFINITY && out->value.rlim_cur > out->value.rlim_max))
		return hk_error_set(err, EINVAL,
				    "lxc.prlimit.%s = %s: expected SOFT[:HARD], numbers or "
				    "\"unlimited\", with SOFT <= HARD",
				    key, value);
	return 0;
}

static int check_sysctl(const char *key, struct hk_error **err)
{
	for (const char *p = key; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("._-", *p)))
			return hk_error_set(err, EINVAL, "lxc.sysctl.%s: not a sysctl name", key);
	if (strstr(key, "..") || key[0] == '.')
		return hk_error_set(err, EINVAL, "lxc.sysctl.%s: not a sysctl name", key);
	for (size_t i = 0; i < HK_ARRAY_SIZE(sysctl_prefixes); i++)
		if (hk_str_has_prefix(key, sysctl_prefixes[i]))
			return 0;
	return hk_error_set(err, EPERM,
			    "lxc.sysctl.%s: this sysctl is not namespaced, so setting it would "
			    "change the host; set it on the host instead",
			    key);
}

int hk_limits_plan(const struct hk_config *cfg, struct hk_limits *out, struct hk_error **err)
{
	memset(out, 0, sizeof(*out));
	out->rlimits = xcalloc(cfg->prlimits.n + 1, sizeof(*out->rlimits));
	for (size_t i = 0; i < cfg->prlimits.n; i++) {
		if (plan_rlimit(cfg->prlimits.v[i].key, cfg->prlimits.v[i].value, &out->rlimits[i],
				err) < 0) {
			hk_limits_free(out);
			return -1;
		}
		out->n_rlimits++;
	}
	for (size_t i = 0; i < cfg->sysctl.n; i++) {
		if (check_sysctl(cfg->sysctl.v[i].key, err) < 0) {
			hk_limits_free(out);
			return -1;
		}
	}
	out->sysctls = &cfg->sysctl;
	return 0;
}

void hk_limits_free(struct hk_limits *l)
{
	free(l->rlimits);
	memset(l, 0, sizeof(*l));
}

static int write_sysctl(const char *key, const char *value, struct hk_error **err)
{
	hk_autofree char *path = xasprintf("/proc/sys/%s", key);
	for (char *p = path + strlen("/proc/sys/"); *p; p++)
		if (*p == '.')
			*p = '/';
	hk_autoclose int fd = hk_procfs_open(path, O_WRONLY, err);
	if (fd < 0)
		return hk_error_prefix(err, "lxc.sysctl.%s", key);
	size_t len = strlen(value);
	if (write(fd, value, len) != (ssize_t)len)
		return hk_error_errno(err, "lxc.sysctl.%s = %s", key, value);
	return 0;
}

int hk_limits_apply(const struct hk_limits *l, struct hk_error **err)
{
	for (size_t i = 0; i < l->n_rlimits; i++)
		if (setrlimit(l->rlimits[i].resource, &l->rlimits[i].value) < 0)
			return hk_error_errno(err, "cannot set resource limit %d",
					      l->rlimits[i].resource);
	for (size_t i = 0; l->sysctls && i < l->sysctls->n; i++)
		if (write_sysctl(l->sysctls->v[i].key, l->sysctls->v[i].value, err) < 0)
			return -1;
	return 0;
}
