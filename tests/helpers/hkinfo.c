/* tests/helpers/hkinfo.c - copied into a container's rootfs and run there
 * (by attach or as init's child) to report what a process inside sees, one
 * "key=value" line each: its pid and parent pid (pid namespace), its ids,
 * the name of pid 1, its open descriptors (without the one it lists them
 * with), the hostname, the inheritable capabilities, the seccomp mode and
 * no_new_privs.  Static, no libc surprises, no dependency on the rootfs. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <unistd.h>

/* Prints the first line of FILE whose start is PREFIX, as KEY=rest. */
static void status_field(const char *key, const char *prefix)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	size_t n = strlen(prefix);

	if (!f) {
		printf("%s=?\n", key);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, prefix, n) == 0) {
			char *v = line + n;
			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = '\0';
			printf("%s=%s\n", key, v);
			fclose(f);
			return;
		}
	}
	fclose(f);
	printf("%s=?\n", key);
}

static void pid1_name(void)
{
	char buf[64] = "?";
	int fd = open("/proc/1/comm", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		close(fd);
	}
	printf("pid1=%s\n", buf);
}

/* The descriptors open when main() started, comma-separated. */
static void open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int self = d ? dirfd(d) : -1;
	int first = 1;

	printf("fds=");
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' || atoi(e->d_name) == self)
			continue;
		printf("%s%s", first ? "" : ",", e->d_name);
		first = 0;
	}
	printf("\n");
	if (d)
		closedir(d);
}

int main(void)
{
	struct utsname u;

	printf("pid=%d\nppid=%d\n", (int)getpid(), (int)getppid());
	printf("uid=%d\ngid=%d\neuid=%d\n", (int)getuid(), (int)getgid(), (int)geteuid());
	pid1_name();
	open_fds();
	printf("hostname=%s\n", uname(&u) == 0 ? u.nodename : "?");
	status_field("capinh", "CapInh:");
	status_field("capbnd", "CapBnd:");
	status_field("seccomp", "Seccomp:");
	printf("nnp=%d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	return 0;
}
