/* tests/helpers/lib/nss-trap.c - the trap NSS module of
 * tests/security/nss.sh, built by make test-build as
 * build/tests/helpers/nss-trap.so (the test installs it in a rootfs as
 * libnss_hktrap.so.2): its constructor appends "loaded by EXE uid UID"
 * to /hk-nss-trap, so a process of hako's that loads the container's NSS
 * modules leaves a line there.  Built here, not by the test, so that a
 * host without a C compiler (the guest lane's) runs the test too. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

__attribute__((constructor)) static void trap(void)
{
	char exe[256] = "?", line[320];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	int fd = open("/hk-nss-trap", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (fd >= 0) {
		n = snprintf(line, sizeof(line), "loaded by %s uid %d\n", exe, (int)getuid());
		(void)!write(fd, line, (size_t)n);
		close(fd);
	}
}
