/* safepath.h - resolving paths inside a container's rootfs without ever
 * leaving it.
 *
 * A rootfs is hostile: any component of a path inside it may be a symlink
 * to a host path ("/", "../../etc", "/proc/self/root").  Everything hako does
 * inside a rootfs goes through these functions, which resolve a path as if
 * the rootfs directory were "/": absolute symlinks and ".." at the top stay
 * inside (openat2 RESOLVE_IN_ROOT semantics), and procfs magic links are
 * refused.  The kernel's openat2() is used when it exists; otherwise (or
 * when HAKO_NO_OPENAT2=1, for the test run that proves the fallback) a
 * component-by-component walk with O_PATH|O_NOFOLLOW does the same.
 * Callers then act on the returned descriptor, never on a path string.
 */
#ifndef HAKO_SAFEPATH_H
#define HAKO_SAFEPATH_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

/* Opens `path` (absolute or relative, both taken from the rootfs top)
 * inside rootfd with open(2) flags (O_CLOEXEC is always added; O_CREAT
 * implies O_EXCL|O_NOFOLLOW on the last component unless HK_SAFE_CREATE_OK
 * is given in extra).  Returns the fd or -1. */
enum {
	HK_SAFE_CREATE_OK = 1 << 0,	/* O_CREAT may open an existing regular file */
	HK_SAFE_NOFOLLOW_LAST = 1 << 1, /* do not follow a symlink in the last component */
	HK_SAFE_BENEATH = 1 << 2,	/* refuse absolute symlinks and ".." above the top
					 * (RESOLVE_BENEATH): for mount targets */
};
int hk_safe_open(int rootfd, const char *path, int flags, mode_t mode, unsigned extra,
		 struct hk_error **err);

/* mkdir -p inside the rootfs; returns an O_PATH|O_DIRECTORY fd of the last
 * directory.  Existing components may be symlinks that resolve inside. */
int hk_safe_mkdir_p(int rootfd, const char *path, mode_t mode, unsigned extra,
		    struct hk_error **err);

/* Creates an empty regular file (a bind-mount target) if nothing exists
 * at path, and returns an O_PATH fd of what is there; a symlink that
 * resolves inside is followed. */
int hk_safe_touch(int rootfd, const char *path, mode_t mode, unsigned extra, struct hk_error **err);

/* True when this process uses the openat2() path (for logs and tests). */
bool hk_safe_have_openat2(void);
/* Forgets the probe so HAKO_NO_OPENAT2 is read again (tests). */
void hk_safe_reprobe(void);

/* "/proc/self/fd/N" for an fd, for the few calls that only take paths. */
void hk_fd_path(int fd, char buf[32]);

#endif
