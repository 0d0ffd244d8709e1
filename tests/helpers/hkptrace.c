/* tests/helpers/hkptrace.c - the attacker of tests/security/hako-exe.sh,
 * run inside a container as its root while the host attaches to it again
 * and again: it watches /proc for every new pid and, for each, tries what
 * runc's CVE-2019-5736 and its relatives did to a runtime process caught
 * before its exec:
 *   - open /proc/PID/exe for writing (exe_write), and keep an O_PATH
 *     descriptor of it (exe_path) to reopen for writing at the end, when
 *     the process has exec'd or gone (exe_reopen_write);
 *   - PTRACE_SEIZE it (seized; seized_hako when it was still hako, before
 *     its exec) and take each of its descriptors with
 *     pidfd_getfd (got_fd); a descriptor naming a file, directory or
 *     device that is not the same inode at that path inside the
 *     container is a host descriptor (host_fd, with its link text);
 *   - a process traced while still hako must hold no capability the
 *     probe lacks (more_caps) and be under seccomp (no_seccomp);
 *   - count the pids caught while their command was still "hako"
 *     (caught_hako), so a run that never caught one proves nothing;
 *     "hako-stub" counts: since issue 16 what enters the container is
 *     hako's sealed stub, a memfd (seized_stub when traced; its exe must
 *     refuse a write of its own first byte back, a memfd opening for
 *     writing to root is no finding by itself).
 * Runs for SECONDS or until the file STOP exists; then prints counters
 * and every host_fd / exe line to OUT.
 *
 *   hkptrace SECONDS STOP OUT */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <dirent.h>
#include <unistd.h>

#define MAX_SEEN  65536
#define MAX_PATHS 256

static unsigned char seen[MAX_SEEN];
static int exe_fds[MAX_PATHS];
static int n_exe_fds;
static unsigned long n_new, n_hako, n_seized, n_seized_hako, n_got, n_exe_path;
static FILE *out;

/* /proc/PID/exe (or an fd of it) names hako's sealed stub? */
static int is_stub(const char *link)
{
	char target[256];
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return 0;
	target[n] = '\0';
	return strncmp(target, "/memfd:hako-stub", 16) == 0;
}

/* Opened for writing: a finding, unless it is the sealed stub and a
 * write of its own first byte back fails. */
static int written(int fd, const char *link)
{
	unsigned char b;
	if (!is_stub(link))
		return 1;
	return pread(fd, &b, 1, 0) == 1 && pwrite(fd, &b, 1, 0) == 1;
}

static int comm_is_hako(int pid)
{
	char path[64], comm[32] = "";
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	return strncmp(comm, "hako", 4) == 0;
}

/* fd (ours now) names something outside the container? */
static void check_fd(int pid, int n, int fd)
{
	char link[64], target[4096];
	struct stat st, here;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t len = readlink(link, target, sizeof(target) - 1);
	if (len < 0 || fstat(fd, &st) < 0)
		return;
	target[len] = '\0';
	n_got++;
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && !S_ISCHR(st.st_mode) &&
	    !S_ISBLK(st.st_mode))
		return; /* pipes, sockets, anon inodes: the attach's own channels */
	if (target[0] == '/' && stat(target, &here) == 0 &&
	    ((here.st_dev == st.st_dev && here.st_ino == st.st_ino) ||
	     ((S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) && here.st_mode == st.st_mode &&
	      here.st_rdev == st.st_rdev)))
		return; /* the same file (or device) inside the container */
	fprintf(out, "host_fd pid=%d fd=%d -> %s\n", pid, n, target);
}

/* "CapEff:\t..." and "Seccomp:\t..." of pid ("self" for us). */
static unsigned long long status_field(const char *pid, const char *key)
{
	char path[64], line[256];
	unsigned long long v = 0;
	snprintf(path, sizeof(path), "/proc/%s/status", pid);
	FILE *f = fopen(path, "re");
	size_t n = strlen(key);
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, key, n) == 0)
			v = strtoull(line + n, NULL, strcmp(key, "Seccomp:") == 0 ? 10 : 16);
	if (f)
		fclose(f);
	return v;
}

/* A traced hako process may hold no capability we lack, and must be
 * under seccomp when we are. */
static void check_confined(int pid)
{
	char p[16];
	snprintf(p, sizeof(p), "%d", pid);
	unsigned long long mine = status_field("self", "CapEff:"), its = status_field(p, "CapEff:");
	if (its & ~mine)
		fprintf(out, "more_caps pid=%d capeff=%llx ours=%llx\n", pid, its, mine);
	if (status_field("self", "Seccomp:") && !status_field(p, "Seccomp:"))
		fprintf(out, "no_seccomp pid=%d\n", pid);
}

/* Seizes pid and stops it (so that its comm and exe cannot change under
 * the checks: it cannot exec while stopped), takes its descriptors, lets
 * it go. */
static void seize(int pid)
{
	int status;
	if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0)
		return;
	n_seized++;
	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0)
		return;
	while (waitpid(pid, &status, __WALL) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) || WIFSIGNALED(status))
		return;
	if (comm_is_hako(pid)) { /* traced before its exec: hako's own code */
		char exe[64];
		snprintf(exe, sizeof(exe), "/proc/%d/exe", pid);
		n_seized_hako++;
		fprintf(out, "%s pid=%d\n", is_stub(exe) ? "seized_stub" : "seized_hako", pid);
		check_confined(pid);
	}
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	for (int n = 0; pidfd >= 0 && n < 64; n++) {
		int fd = (int)syscall(SYS_pidfd_getfd, pidfd, n, 0);
		if (fd >= 0) {
			check_fd(pid, n, fd);
			close(fd);
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	ptrace(PTRACE_DETACH, pid, 0, 0);
}

static void probe(int pid)
{
	char path[64];
	n_new++;
	if (comm_is_hako(pid))
		n_hako++;
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		if (written(fd, path))
			fprintf(out, "exe_write pid=%d\n", pid);
		close(fd);
	}
	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd >= 0 && n_exe_fds < MAX_PATHS && comm_is_hako(pid)) {
		exe_fds[n_exe_fds++] = fd;
		n_exe_path++;
	} else if (fd >= 0) {
		close(fd);
	}
	seize(pid);
}

static void scan(int self)
{
	DIR *d = opendir("/proc");
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		int pid = atoi(de->d_name);
		if (pid <= 1 || pid == self || pid >= MAX_SEEN || seen[pid])
			continue;
		seen[pid] = 1;
		probe(pid);
	}
	closedir(d);
	/* Forget pids that are gone, so that a reused one is probed again. */
	for (int pid = 2; pid < MAX_SEEN; pid++) {
		if (!seen[pid])
			continue;
		char path[32];
		snprintf(path, sizeof(path), "/proc/%d", pid);
		if (access(path, F_OK) < 0)
			seen[pid] = 0;
	}
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: hkptrace SECONDS STOP OUT\n");
		return 2;
	}
	out = fopen(argv[3], "we");
	if (!out)
		return 1;
	int self = getpid();
	/* Whatever runs already is not an attach: mark it seen. */
	DIR *d = opendir("/proc");
	for (struct dirent *de; d && (de = readdir(d));) {
		int pid = atoi(de->d_name);
		if (pid > 0 && pid < MAX_SEEN)
			seen[pid] = 1;
	}
	if (d)
		closedir(d);
	fprintf(out, "ready\n");
	fflush(out);
	time_t end = time(NULL) + atol(argv[1]);
	while (time(NULL) < end && access(argv[2], F_OK) < 0)
		scan(self);
	for (int i = 0; i < n_exe_fds; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", exe_fds[i]);
		int fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			if (written(fd, path))
				fprintf(out, "exe_reopen_write fd=%d\n", exe_fds[i]);
			close(fd);
		}
	}
	fprintf(out, "new=%lu caught_hako=%lu seized=%lu seized_hako=%lu got_fd=%lu exe_path=%lu\n",
		n_new, n_hako, n_seized, n_seized_hako, n_got, n_exe_path);
	fclose(out);
	return 0;
}
