/* tests/helpers/hkprobe.c - the security tests' probe: copied into a
 * container's rootfs (or run on the host to set a trap) and asked to try
 * one attack, printing "key=result" lines where result is "ok" or the
 * errno name, so a test can tell a seccomp denial (EPERM) from the
 * kernel's own answer (EBADF, ENOENT, EFAULT) to the same bogus call.
 * Every call is made with arguments the kernel rejects, so a probe that
 * gets through does no harm.  Static, no dependency on the rootfs.
 *
 *   hkprobe sti [TEXT]          TIOCSTI TEXT / TIOCLINUX on fd 0, 32- and 64-bit cmd
 *   hkprobe sys                 denied syscalls, native and i386/x32 ABIs
 *   hkprobe strict              the strict profile's kernel-surface calls
 *   hkprobe nested              install a filter of its own (nested runtimes)
 *   hkprobe addkey DESC CMD...  add a user key to the session keyring, run CMD
 *   hkprobe findkey DESC        look for that key from inside
 *   hkprobe exe PID             open /proc/PID/exe for writing
 *   hkprobe capbnd              the bounding set, asked of the kernel (prctl) */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/keyctl.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef AF_ALG
#define AF_ALG 38
#endif
#define X32_BIT		0x40000000L
#define I386_UMOUNT	52
#define I386_KEXEC_LOAD 283

static void report(const char *key, long rc)
{
	printf("%s=%s\n", key, rc >= 0 ? "ok" : strerrorname_np(errno));
	fflush(stdout);
}

#if defined(__x86_64__)
/* A system call through the i386 entry point (int 0x80); ARGS must be
 * addresses below 4 GiB, which a static non-PIE binary's data is. */
static long i386_call(long nr, long a, long b)
{
	long ret;
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b)
			 : "memory", "r8", "r9", "r10", "r11");
	if (ret < 0 && ret > -4096) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

/* Some kernels (ia32_emulation=0, some hypervisors) turn int 0x80 into a
 * SIGSEGV: try getpid through it in a child first. */
static bool i386_works(void)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(i386_call(20 /* getpid */, 0, 0) > 0 ? 0 : 1);
	int st = 0;
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}
#endif

/* Pushes TEXT and a newline into fd 0's input, a byte an ioctl; the
 * result of the first byte is reported. */
static long sti(unsigned long cmd, const char *text)
{
	long rc = 0;
	char nl = '\n';
	for (const char *p = text; *p && rc >= 0; p++)
		rc = syscall(SYS_ioctl, 0, cmd, p);
	if (rc >= 0)
		rc = syscall(SYS_ioctl, 0, cmd, &nl);
	return rc;
}

static int probe_sti(const char *text)
{
	unsigned long cmd64 = (unsigned long)TIOCSTI | (1UL << 32);
	char sub = 0; /* TIOCLINUX subcode 0 (screen dump): rejected either way */
	report("tiocsti", sti(TIOCSTI, text));
	report("tiocsti64", sti(cmd64, text));
	report("tioclinux", ioctl(0, TIOCLINUX, &sub));
	report("tioclinux64", syscall(SYS_ioctl, 0, (unsigned long)TIOCLINUX | (1UL << 32), &sub));
	return 0;
}

static int probe_sys(void)
{
	static const char nowhere[] = "/hkprobe-nonexistent";
	/* Unfiltered, bad descriptors give EBADF (with CAP_SYS_BOOT) or EPERM. */
	report("kexec_file_load", syscall(SYS_kexec_file_load, -1, -1, 0UL, NULL, 0UL));
	/* Unfiltered, a missing path gives ENOENT; MNT_FORCE must be EPERM. */
	report("umount_force", umount2(nowhere, MNT_FORCE));
	report("umount_plain", umount2(nowhere, 0));
	report("open_by_handle_at", syscall(SYS_open_by_handle_at, -1, NULL, 0));
#if defined(__x86_64__)
	if (!i386_works()) {
		printf("i386=unavailable\n");
		fflush(stdout);
	} else {
		report("i386_umount_force",
		       i386_call(I386_UMOUNT, (long)(uintptr_t)nowhere, MNT_FORCE));
		report("i386_umount_plain", i386_call(I386_UMOUNT, (long)(uintptr_t)nowhere, 0));
		report("i386_kexec_load", i386_call(I386_KEXEC_LOAD, 0, 0));
	}
	report("x32_umount_force", syscall(X32_BIT | SYS_umount2, nowhere, MNT_FORCE));
#endif
	return 0;
}

static int probe_strict(void)
{
	report("keyctl", syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
	report("add_key", syscall(SYS_add_key, NULL, NULL, NULL, 0, 0));
	report("io_uring_setup", syscall(SYS_io_uring_setup, 1, NULL));
	report("perf_event_open", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
	report("userfaultfd", syscall(SYS_userfaultfd, -1));
	int fd = socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	report("af_alg", fd);
	if (fd >= 0)
		close(fd);
	return 0;
}

static int probe_nested(void)
{
	struct sock_filter code[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
	struct sock_fprog prog = { .len = 1, .filter = code };
	report("nnp", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	report("filter", prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog));
	return 0;
}

static int probe_addkey(int argc, char **argv)
{
	if (argc < 4)
		return 2;
	long id = syscall(SYS_add_key, "user", argv[2], "hk-secret", 9, KEY_SPEC_SESSION_KEYRING);
	if (id < 0) {
		perror("hkprobe: add_key");
		return 1;
	}
	/* Let the (other-uid) container possess-check fail on permission, not on
	 * the mode: everyone may search and read it if they can reach it. */
	syscall(SYS_keyctl, KEYCTL_SETPERM, id, 0x3f3f3f3f);
	execvp(argv[3], argv + 3);
	perror("hkprobe: exec");
	return 127;
}

static int probe_findkey(const char *desc)
{
	report("session", syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
	report("findkey",
	       syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_SESSION_KEYRING, "user", desc, 0));
	report("findkey_user",
	       syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_USER_SESSION_KEYRING, "user", desc, 0));
	return 0;
}

static int probe_exe(const char *pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%s/exe", pid);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	report("exe_write", fd);
	if (fd >= 0)
		close(fd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	report("exe_read", fd);
	if (fd >= 0)
		close(fd);
	return 0;
}

static int probe_capbnd(void)
{
	unsigned long long set = 0;
	for (int cap = 0; cap < 64; cap++)
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1)
			set |= 1ULL << cap;
	printf("capbnd=%016llx\n", set);
	return 0;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	if (strcmp(what, "sti") == 0)
		return probe_sti(argc > 2 ? argv[2] : "#");
	if (strcmp(what, "sys") == 0)
		return probe_sys();
	if (strcmp(what, "strict") == 0)
		return probe_strict();
	if (strcmp(what, "nested") == 0)
		return probe_nested();
	if (strcmp(what, "addkey") == 0)
		return probe_addkey(argc, argv);
	if (strcmp(what, "findkey") == 0 && argc > 2)
		return probe_findkey(argv[2]);
	if (strcmp(what, "exe") == 0 && argc > 2)
		return probe_exe(argv[2]);
	if (strcmp(what, "capbnd") == 0)
		return probe_capbnd();
	fprintf(stderr,
		"usage: hkprobe sti|sys|strict|nested|addkey DESC CMD...|findkey DESC|exe PID|capbnd\n");
	return 2;
}
