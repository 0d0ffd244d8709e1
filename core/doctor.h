/* doctor.h - `hako doctor`: checks that a host can run hako's containers,
 * as lxc-checkconfig does and more (user namespaces and their sysctls,
 * newuidmap, sub-id ranges, cgroup layout and delegation, overlay inside a
 * user namespace, storage backends, the bridge, seccomp, capabilities, a
 * static busybox).  Every check that is not OK says how to fix it.
 *
 * Checks judge the host for one user (the caller by default): root gets
 * WARN where an ordinary user would get FAIL for things only unprivileged
 * containers need.  Files are read below opts->root so that tests can
 * point the file-based checks at a fake host; the checks that prove
 * something by doing it (creating a user namespace, mounting overlay)
 * always act on the running kernel.
 */
#ifndef HAKO_DOCTOR_H
#define HAKO_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

enum hk_doctor_status { HK_DOCTOR_OK, HK_DOCTOR_WARN, HK_DOCTOR_FAIL, HK_DOCTOR_SKIP };

/* "OK", "WARN", "FAIL", "SKIP" */
const char *hk_doctor_status_name(enum hk_doctor_status status);

struct hk_doctor_check {
	const char *name; /* "user namespaces" */
	enum hk_doctor_status status;
	const char *detail; /* "enabled (max 96365)" */
	const char *fix;    /* what to do, or NULL (always set for WARN and FAIL) */
};

/* Called once per check, in order; the strings live until it returns. */
typedef void (*hk_doctor_cb)(void *ctx, const struct hk_doctor_check *check);

struct hk_doctor_opts {
	uid_t uid; /* whose host this is: the caller by default */
	gid_t gid;
	const char *user;   /* that user's name */
	const char *root;   /* prefix for /proc, /sys, /etc, /lib/modules, /bin; "" = the host */
	const char *bridge; /* hako.conf [net] bridge; NULL = "hakobr0" */
	const char *tmpdir; /* for the overlay probe; NULL = $TMPDIR or /tmp */
	bool no_probes;	    /* skip the checks that fork (userns creation, overlay) */
	const char *store_path; /* the container path whose directories are checked, or NULL */
};

/* Fills opts for the calling user (getuid, getgid, the passwd name). */
void hk_doctor_opts_init(struct hk_doctor_opts *opts);

/* Runs every check, calling cb for each; returns how many FAILed, or -1
 * when the checks could not run at all. */
int hk_doctor_run(const struct hk_doctor_opts *opts, hk_doctor_cb cb, void *ctx,
		  struct hk_error **err);

/* Whether a security.capability xattr value grants capability `cap` in its
 * permitted set (any revision).  Exposed for tests. */
bool hk_doctor_fcaps_permit(const void *xattr, size_t len, unsigned cap);

#endif
