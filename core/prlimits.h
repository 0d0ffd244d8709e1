/* prlimits.h - lxc.prlimit.* and lxc.sysctl.* for a container's init.
 *
 * Both are checked when the start is planned (clear errors naming the key)
 * and applied in the container child before pivot_root.  Sysctls are
 * written through the host's /proc/sys as seen by the child, which the
 * kernel resolves in the child's own namespaces; only namespaced sysctls
 * (net.*, the IPC ones, fs.mqueue.*, kernel.hostname/domainname) are
 * accepted, so a container config can never change the host's. */
#ifndef HAKO_PRLIMITS_H
#define HAKO_PRLIMITS_H

#include <stddef.h>
#include <sys/resource.h>

#include "config.h"
#include "error.h"

struct hk_rlimit {
	int resource;
	struct rlimit value;
};

struct hk_limits {
	struct hk_rlimit *rlimits;
	size_t n_rlimits;
	const struct hk_kvlist *sysctls; /* checked, borrowed from the config */
};

/* "nofile" = "1024" | "1024:4096" | "unlimited" | "1024:unlimited". */
int hk_limits_plan(const struct hk_config *cfg, struct hk_limits *out, struct hk_error **err);
void hk_limits_free(struct hk_limits *l);
/* In the container child, before pivot_root (needs the host's /proc). */
int hk_limits_apply(const struct hk_limits *l, struct hk_error **err);

#endif
