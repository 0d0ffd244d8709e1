/* procfs.h - opening a file in /proc that hako means to write (a sysctl,
 * an id map), verified to be the kernel's procfs and the file itself.
 *
 * A fake procfs - a tmpfs over /proc, or a bind mount of a regular file
 * or of another proc file over /proc/sys/kernel/hostname - would take
 * hako's write somewhere else.  The file is opened below a /proc
 * descriptor checked with fstatfs (PROC_SUPER_MAGIC), its directory and
 * the file itself are checked the same way, and the file must sit on the
 * same mount as its directory (nothing mounted over it).  Symlinks are
 * not followed in the last component. */
#ifndef HAKO_PROCFS_H
#define HAKO_PROCFS_H

#include "error.h"

/* path: "/proc/..." (no /proc/self: name the pid).  flags as for open(2);
 * O_CLOEXEC and O_NOFOLLOW are added.  Returns the descriptor. */
int hk_procfs_open(const char *path, int flags, struct hk_error **err);

#endif
