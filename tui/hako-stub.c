/* hako-stub.c - the only program hako runs inside a container's pid
 * namespace before the container's own command.  Built static, embedded in
 * hako (hk_stub_blob), copied into a sealed memfd and exec'd from there
 * (core/stub.c), so /proc/PID/exe and /proc/PID/map_files of any process a
 * container can see name that private, unwritable copy and no file of the
 * host (runc's answer to CVE-2019-5736).  A magic link the container plants
 * (a login shell that is /proc/self/exe, an ELF interpreter or #! line
 * naming it) reaches this stub, which refuses to run without hako's
 * arguments.
 *
 *   hako-stub MAGIC exec   ERRFD STAGE PATH ARGV...
 *       execve(PATH, ARGV, environ)
 *   hako-stub MAGIC attach ERRFD STAGE PTY FD0 FD1 FD2 UID GID HOME WAY ARGV...
 *       fork; the child: stdio from FD0..2 (with PTY 1, FD0 is a pty peer
 *       made the controlling terminal of a new session), no_new_privs
 *       unless UID is 0, groups, gid, uid, chdir HOME (or /), then
 *       WAY "search": execvp(ARGV[0], ARGV); WAY "path": execve(ARGV[0],
 *       ARGV + 1).  The parent waits and exits with the child's status.
 *   hako-stub MAGIC init   ERRFD STAGE UID GID ARGV...
 *       `hako execute`: pid 1 of an application container (app_init).
 *       Forks; the child takes its stdin as controlling terminal when it
 *       is one, becomes UID/GID (-1: stays root) and execvp(ARGV[0],
 *       ARGV).  The parent reaps every process re-parented to it, passes
 *       on each signal it gets to the command (SIGPWR, hako's halt signal,
 *       as SIGTERM), and once the command has ended kills what is left of
 *       the container and exits with the command's status (128+N when
 *       signal N killed it, as a shell reports it).
 * A failure before the exec goes to ERRFD as one struct hk_stub_msg with
 * STAGE, then exit 126.  Everything else (namespaces, capabilities,
 * seccomp) was done by hako before it exec'd the stub. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stub-proto.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static int err_fd = -1;
static unsigned err_stage;

static __attribute__((noreturn, format(printf, 2, 3))) void fail(int code, const char *fmt, ...)
{
	struct hk_stub_msg m = { .stage = err_stage, .code = code };
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m.text, sizeof(m.text), fmt, ap);
	va_end(ap);
	if (err_fd < 0 || send(err_fd, &m, sizeof(m), MSG_NOSIGNAL) != (ssize_t)sizeof(m))
		dprintf(2, "hako-stub: %s\n", m.text);
	_exit(126);
}

static int parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_fd(const char *s)
{
	long v;
	if (parse_int(s, 0, 1 << 20, &v) < 0)
		fail(EINVAL, "hako-stub: bad descriptor \"%s\"", s);
	return (int)v;
}

static void become_user(unsigned long uid, unsigned long gid)
{
	gid_t g = (gid_t)gid;
	if (setgroups(1, &g) < 0 && setgroups(0, NULL) < 0 && errno != EPERM)
		fail(errno, "cannot set groups");
	if (setresgid(g, g, g) < 0)
		fail(errno, "cannot become gid %lu in the container", gid);
	if (setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) < 0)
		fail(errno, "cannot become uid %lu in the container", uid);
}

static void take_stdio(bool pty, const int fds[3])
{
	if (pty && (setsid() < 0 || ioctl(fds[0], TIOCSCTTY, 0) < 0))
		fail(errno, "cannot make the pty the controlling terminal");
	for (int i = 0; i < 3; i++)
		if (dup2(fds[i], i) < 0)
			fail(errno, "dup2");
	for (int i = 0; i < 3; i++)
		if (fds[i] > 2)
			close(fds[i]);
}

/* argv: PTY FD0 FD1 FD2 UID GID HOME WAY ARGV... */
static __attribute__((noreturn)) void attach(int argc, char **argv)
{
	long pty, uid, gid;
	if (argc < 9 || parse_int(argv[0], 0, 1, &pty) < 0 ||
	    parse_int(argv[4], 0, 4294967294L, &uid) < 0 ||
	    parse_int(argv[5], 0, 4294967294L, &gid) < 0 ||
	    (strcmp(argv[7], "search") != 0 && strcmp(argv[7], "path") != 0) ||
	    (strcmp(argv[7], "path") == 0 && argc < 10))
		fail(EINVAL, "hako-stub: bad attach arguments");
	int fds[3] = { parse_fd(argv[1]), parse_fd(argv[2]), parse_fd(argv[3]) };
	char **cmd = argv + 8;
	pid_t b = fork();
	if (b < 0)
		fail(errno, "fork");
	if (b > 0) {
		/* No end of the command's stdio stays here: it must see the end
		 * of its input when hako closes the write end. */
		for (int i = 0; i < 3; i++)
			if (fds[i] > 2)
				close(fds[i]);
		close(err_fd);
		int status;
		while (waitpid(b, &status, 0) < 0)
			if (errno != EINTR)
				_exit(126);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	}
	take_stdio(pty == 1, fds);
	if (uid != 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail(errno, "no_new_privs");
	become_user((unsigned long)uid, (unsigned long)gid);
	if (chdir(argv[6]) < 0 && chdir("/") < 0)
		fail(errno, "chdir");
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	fcntl(err_fd, F_SETFD, FD_CLOEXEC);
	if (strcmp(argv[7], "search") == 0) {
		execvp(cmd[0], cmd);
		fail(errno, "cannot run \"%s\" in the container", cmd[0]);
	}
	execv(cmd[0], cmd + 1);
	fail(errno, "cannot run the login shell \"%s\" in the container", cmd[0]);
}

/* The command's side of app_init: what hako's child left it (stdio,
 * namespaces, capabilities, seccomp), a new session, default signals. */
static __attribute__((noreturn)) void app_exec(const sigset_t *mask, long uid, long gid, char **cmd)
{
	for (int s = 1; s < NSIG; s++)
		signal(s,
		       SIG_DFL); /* the monitor's ignored SIGINT/SIGHUP/SIGPIPE must not stay so */
	sigprocmask(SIG_SETMASK, mask, NULL);
	/* Its own session, and the console as its controlling terminal when
	 * stdin is the console (as LXC's init.lxc does): ^C typed there is
	 * SIGINT to the command's foreground job. */
	setsid();
	if (isatty(0))
		(void)ioctl(0, TIOCSCTTY, 0);
	if (gid >= 0 || uid >= 0)
		become_user((unsigned long)(uid >= 0 ? uid : 0),
			    (unsigned long)(gid >= 0 ? gid : 0));
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	fcntl(err_fd, F_SETFD, FD_CLOEXEC);
	execvp(cmd[0], cmd);
	fail(errno, "cannot run \"%s\" in the container", cmd[0]);
}

/* Reaps every child that has ended; true once app was among them (its
 * wait status in *status). */
static bool reap(pid_t app, int *status)
{
	bool done = false;
	int st;
	pid_t p;
	while ((p = waitpid(-1, &st, WNOHANG)) > 0)
		if (p == app) {
			*status = st;
			done = true;
		}
	return done;
}

/* argv: UID GID ARGV...  Pid 1 of `hako execute`'s container. */
static __attribute__((noreturn)) void app_init(int argc, char **argv)
{
	long uid, gid;
	if (argc < 3 || parse_int(argv[0], -1, 4294967294L, &uid) < 0 ||
	    parse_int(argv[1], -1, 4294967294L, &gid) < 0)
		fail(EINVAL, "hako-stub: bad init arguments");
	/* Its end kills every process it may signal (kill(-1)): only what
	 * its own pid namespace holds, so only as that namespace's pid 1. */
	if (getpid() != 1)
		fail(EPERM, "hako-stub: init runs only as pid 1 of a container");
	/* Every signal is taken by sigwaitinfo below, none by a handler: a
	 * blocked signal reaches pid 1 even from inside its namespace, where
	 * an unhandled one would be dropped. */
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid_t app = fork();
	if (app < 0)
		fail(errno, "cannot fork the command");
	if (app == 0)
		app_exec(&old, uid, gid, argv + 2);
	/* hako reads its end of the channel as "the command runs" once no
	 * process holds this end: the command's copy closes at its exec. */
	close(err_fd);
	prctl(PR_SET_NAME, "init");
	int status = 0;
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);
		if (sig < 0)
			continue;
		if (sig == SIGCHLD) {
			if (reap(app, &status))
				break;
			continue;
		}
		kill(app, sig == SIGPWR ? SIGTERM : sig);
	}
	/* The command ended: so does the container.  kill(-1) from pid 1
	 * reaches every other process of its pid namespace and nothing
	 * outside it. */
	kill(-1, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

int main(int argc, char **argv)
{
	/* Not traceable by the container's root (unless it holds
	 * CAP_SYS_PTRACE over the host: a privileged container), and a name
	 * that says what runs. */
	prctl(PR_SET_DUMPABLE, 0);
	prctl(PR_SET_NAME, "hako-stub");
	long stage;
	if (argc < 6 || strcmp(argv[1], HK_STUB_MAGIC) != 0) {
		dprintf(2,
			"hako-stub: hako's sealed helper runs only for hako (start, attach and execute)\n");
		return 127;
	}
	err_fd = parse_fd(argv[3]);
	if (parse_int(argv[4], 0, 1000, &stage) < 0)
		fail(EINVAL, "hako-stub: bad stage \"%s\"", argv[4]);
	err_stage = (unsigned)stage;
	if (fcntl(err_fd, F_SETFD, FD_CLOEXEC) < 0)
		fail(errno, "hako-stub: no error channel");
	if (strcmp(argv[2], "attach") == 0)
		attach(argc - 5, argv + 5);
	if (strcmp(argv[2], "init") == 0)
		app_init(argc - 5, argv + 5);
	if (strcmp(argv[2], "exec") != 0 || argc < 7)
		fail(EINVAL, "hako-stub: bad arguments for mode \"%s\"", argv[2]);
	execv(argv[5], argv + 6);
	fail(errno, "cannot run init \"%s\" in the container", argv[5]);
}
