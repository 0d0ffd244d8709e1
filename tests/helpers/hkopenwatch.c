/* tests/helpers/hkopenwatch.c - did a command open a file?  Watches FILE
 * with inotify (IN_OPEN: any open(2) of it by anyone, whatever the path
 * taken, a symbolic link included), runs COMMAND with the same standard
 * descriptors, waits for it, and prints on stderr "opens N" (N: the opens
 * of FILE seen meanwhile).  Exits with the command's status.  Used by
 * tests/security/nic-helper.sh, where no strace may exist (the guest).
 *
 *   hkopenwatch FILE COMMAND [ARG...] */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: hkopenwatch FILE COMMAND [ARG...]\n");
		return 2;
	}
	int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (in < 0 || inotify_add_watch(in, argv[1], IN_OPEN) < 0) {
		perror("hkopenwatch: inotify");
		return 2;
	}
	pid_t pid = fork();
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror("hkopenwatch: exec");
		_exit(127);
	}
	int status = 0;
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	unsigned long opens = 0;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t r;
	while ((r = read(in, buf, sizeof(buf))) > 0)
		for (char *p = buf; p < buf + r;
		     p += sizeof(struct inotify_event) + ((struct inotify_event *)p)->len)
			opens += (((struct inotify_event *)p)->mask & IN_OPEN) != 0;
	fprintf(stderr, "opens %lu\n", opens);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}
