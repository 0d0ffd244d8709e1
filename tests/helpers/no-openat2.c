/* no-openat2.c - runs a command with openat2(2) made to fail with ENOSYS,
 * as on a kernel older than 5.6, so that the test suite exercises hako's
 * fallback path walker (core/safepath.c) for real (crun's tests do the
 * same).  Usage: no-openat2 CMD [ARG...].
 *
 * A classic-BPF seccomp filter, not libseccomp: the helpers are linked
 * statically and the filter is four instructions.  openat2 is number 437
 * on every architecture (the unified numbering since 5.1), and 437 with
 * the x32 bit too, so no architecture check is needed.  Root installs the
 * filter without no_new_privs, so it survives setuid programs (newuidmap)
 * that the command runs later; anyone else gets no_new_privs, which the
 * kernel requires.  Before exec the helper proves the filter works. */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NR_OPENAT2 437
#define X32_BIT	   0x40000000u

static int install(void)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_OPENAT2, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_OPENAT2 | X32_BIT, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
	};
	struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };

	if (geteuid() != 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: no-openat2 CMD [ARG...]\n");
		return 2;
	}
	if (install() < 0) {
		fprintf(stderr, "no-openat2: cannot install the seccomp filter: %s\n",
			strerror(errno));
		return 1;
	}
	struct {
		unsigned long long flags, mode, resolve;
	} how = { O_PATH | O_CLOEXEC, 0, 0 };
	long fd = syscall(NR_OPENAT2, AT_FDCWD, "/", &how, sizeof(how));
	if (fd >= 0 || errno != ENOSYS) {
		fprintf(stderr, "no-openat2: openat2 still works after the filter\n");
		return 1;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "no-openat2: cannot run \"%s\": %s\n", argv[1], strerror(errno));
	return 127;
}
