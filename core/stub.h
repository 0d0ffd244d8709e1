/* stub.h - running hako-stub (tui/hako-stub.c) from a sealed copy.
 *
 * Every process hako puts into a container's pid namespace execs the
 * stub from a memfd sealed against any write (F_SEAL_WRITE, _GROW,
 * _SHRINK, _SEAL) before it can be seen there: the host's hako binary and
 * its shared libraries are then mapped by no process the container can
 * reach through /proc/PID/exe or /proc/PID/map_files. */
#ifndef HAKO_STUB_H
#define HAKO_STUB_H

#include <stddef.h>

#include "error.h"
#include "stub-proto.h"

/* A new sealed, close-on-exec memfd holding the stub. */
int hk_stub_open(struct hk_error **err);

/* execveat(fd, "", argv, envp, AT_EMPTY_PATH); returns only on failure,
 * with errno set.  argv[1] must be HK_STUB_MAGIC. */
void hk_stub_exec(int fd, char *const argv[], char *const envp[]);

/* The size of the embedded stub (for tests). */
size_t hk_stub_size(void);

#endif
