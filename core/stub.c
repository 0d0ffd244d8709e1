/* stub.c - the embedded hako-stub, copied into a sealed memfd per use.
 * A copy per container start or attach: nothing the container does to
 * its copy (it cannot write it) could reach another.  vm.memfd_noexec = 2
 * forbids executing a memfd: then hako says so rather than fall back to
 * running its own binary inside the container. */
#include "stub.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

extern const unsigned char hk_stub_blob[];
extern const size_t hk_stub_blob_size;

size_t hk_stub_size(void)
{
	return hk_stub_blob_size;
}

int hk_stub_open(struct hk_error **err)
{
	/* MFD_EXEC (Linux 6.3+) says it is meant to run where
	 * vm.memfd_noexec = 1; an older kernel refuses the flag. */
	int fd = memfd_create("hako-stub", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("hako-stub", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return hk_error_errno(err, "cannot make a memfd for hako's sealed stub");
	size_t n = hk_stub_size();
	for (size_t off = 0; off < n;) {
		ssize_t w = write(fd, hk_stub_blob + off, n - off);
		if (w <= 0) {
			int e = w < 0 ? errno : EIO;
			close(fd);
			return hk_error_set(err, e, "cannot write hako's sealed stub");
		}
		off += (size_t)w;
	}
	if (fchmod(fd, 0555) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
		int e = errno;
		close(fd);
		return hk_error_set(err, e, "cannot seal hako's stub memfd");
	}
	return fd;
}

void hk_stub_exec(int fd, char *const argv[], char *const envp[])
{
	syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
}
