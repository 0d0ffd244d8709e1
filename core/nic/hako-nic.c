/* hako-nic.c - main of hako-nic, the setuid-root helper that gives an
 * ordinary user's container a veth on a bridge /etc/hako/usernet allows
 * (man hako-nic(8); the work is in nic-*.c beside it).  It is the one file
 * of core/ that prints (its messages go to its caller, the monitor), as a
 * front end's main does.  Built alone, without ncurses, from its own
 * archive and a small base of core/ (make nic-link-check).  Before reading a single argument it
 * trusts nothing of what the caller handed over:
 *  - the environment: before any library's constructor runs (libnl reads
 *    NLDBG, NLCB and NLSYSCONFDIR in its own), it starts itself again
 *    with an empty one (clean_start below);
 *  - descriptors above 2 are closed (0-2 opened on /dev/null if missing),
 *    it is never dumpable, and signals wait until it is done;
 *  - its own process: the caller is its real uid, so the caller may stop
 *    it (SIGSTOP cannot be blocked) or freeze its cgroup.  Everything done
 *    under a lock is therefore done by a child that is root through and
 *    through (real, effective and saved ids), in its own session, in the
 *    root cgroups, with the scheduling and limits of a fresh process: a
 *    process the caller can neither signal, freeze nor starve.  The
 *    parent only waits and passes on what the child wrote. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "mountinfo.h"
#include "nic.h"

/* Runs from DT_PREINIT_ARRAY: the dynamic loader calls an executable's
 * preinit functions before the constructor of any shared library (libnl,
 * libc's own), which an executable's constructor, whatever its priority,
 * never is (those run last, after every library's), nor an ELF entry
 * point (the loader has run every constructor by then).  With a non-empty
 * environment it executes itself again, through /proc/self/exe (the very
 * file it runs, even if its path was replaced since), with none, so
 * nothing the caller set is ever seen by a library.  The loader still
 * reads the environment before this, as it must; in secure mode (AT_SECURE,
 * a setuid start) it drops what is unsafe.  Raw system calls only. */
static void clean_start(int argc, char **argv, char **envp)
{
	static const char no_args[] = "hako-nic: started without arguments; refused\n";
	static const char no_exec[] =
		"hako-nic: cannot start again with an empty environment through "
		"/proc/self/exe (is /proc mounted?)\n";
	if (argc < 1 || !argv || !argv[0]) {
		(void)!write(2, no_args, sizeof(no_args) - 1);
		_exit(125);
	}
	if (!envp || !envp[0])
		return;
	char *const none[] = { NULL };
	int fd = open("/proc/self/exe", O_PATH | O_CLOEXEC);
	if (fd >= 0)
		syscall(SYS_execveat, fd, "", argv, none, AT_EMPTY_PATH);
	(void)!write(2, no_exec, sizeof(no_exec) - 1);
	_exit(125);
}

__attribute__((section(".preinit_array"),
	       used)) static void (*const preinit)(int, char **, char **) = clean_start;

static void harden(void)
{
	if (syscall(SYS_close_range, 3, ~0U, 0) < 0)
		for (int fd = 3; fd < 65536; fd++)
			close(fd);
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
			_exit(125);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		_exit(125);
	prctl(PR_SET_NAME, "hako-nic", 0, 0, 0); /* started through a descriptor, it would be "3" */
	if (clearenv() != 0 || setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1) < 0)
		_exit(125);
	umask(022);
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL); /* SIGKILL still works: see nic-ops.c */
}

static void log_sink(void *ctx, enum hk_log_level level, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "hako-nic: %s: %s\n", hk_log_level_name(level), msg);
}

static int fail(struct hk_error *err)
{
	hk_autofree char *msg = hk_error_render(err);
	fprintf(stderr, "hako-nic: %s\n", msg);
	hk_error_free(err);
	return 1;
}

/* Into the root cgroup of every hierarchy: a caller with a delegated
 * cgroup could otherwise freeze (cgroup.freeze) or throttle (cpu.max,
 * io.max) the cgroup the child was born in.  Where a move fails (an odd
 * layout) the lock deadlines still bound every wait. */
static void leave_callers_cgroups(void)
{
	struct hk_mountinfo mi = { 0 };
	if (hk_mountinfo_load("/proc/self/mountinfo", &mi, NULL) < 0)
		return;
	char pid[24];
	int n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	for (size_t i = 0; i < mi.n; i++) {
		const struct hk_mountinfo_entry *e = &mi.e[i];
		if ((strcmp(e->fstype, "cgroup2") && strcmp(e->fstype, "cgroup")) ||
		    strcmp(e->root, "/"))
			continue;
		hk_autofree char *procs = xasprintf("%s/cgroup.procs", e->mountpoint);
		hk_autoclose int fd = open(procs, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || write(fd, pid, (size_t)n) != n)
			hk_log(HK_LOG_DEBUG, "cannot move to \"%s\": %s", procs, strerror(errno));
	}
	hk_mountinfo_free(&mi);
}

/* What the caller set on the process and the child would inherit: a low
 * priority (nice, SCHED_IDLE, the idle I/O class) or a huge timer slack
 * would stretch the time it holds a lock; low limits would make it fail. */
static void fresh_process(void)
{
	static const int unlimited[] = { RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_AS, RLIMIT_DATA };
	struct sched_param sp = { 0 };
	sched_setscheduler(0, SCHED_OTHER, &sp);
	setpriority(PRIO_PROCESS, 0, 0);
	syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, 0 /* none: follows nice */);
	prctl(PR_SET_TIMERSLACK, 0, 0, 0, 0);
	for (size_t i = 0; i < HK_ARRAY_SIZE(unlimited); i++)
		setrlimit(unlimited[i], &(struct rlimit){ RLIM_INFINITY, RLIM_INFINITY });
	setrlimit(RLIMIT_NOFILE, &(struct rlimit){ 1024, 1024 });
}

/* The child: root through and through, then the request.  Writes its
 * answer to out and its messages to errs; returns the exit status. */
static int child_run(const struct hk_nic_request *req, const struct hk_nic_caller *c, int out,
		     int errs)
{
	if (setsid() < 0 || setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 ||
	    setresuid(0, 0, 0) < 0)
		return 125;
	if (dup2(out, 1) < 0 || dup2(errs, 2) < 0)
		return 125;
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) < 0)
		return 125;
	close(null);
	leave_callers_cgroups();
	fresh_process();
	const struct hk_nic_paths paths = { .usernet = HK_NIC_USERNET, .db_dir = HK_NIC_DB_DIR };
	struct hk_buf answer = { 0 };
	struct hk_error *err = NULL;
	int rc = hk_nic_run(&paths, req, c, &answer, &err);
	hk_autofree char *text = hk_buf_steal(&answer); /* "" when nothing was written */
	if (rc < 0)
		return fail(err);
	fputs(text, stdout);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* Copies what the child left in fd to f. */
static void pass_on(int fd, FILE *f)
{
	char chunk[8192];
	ssize_t r;
	lseek(fd, 0, SEEK_SET);
	while ((r = read(fd, chunk, sizeof(chunk))) > 0)
		fwrite(chunk, 1, (size_t)r, f);
	fflush(f);
}

/* Runs the request in the child and waits for it.  Its output goes to
 * memory files, not pipes: a caller that never reads could otherwise
 * hold up a child that holds the lock. */
static int run_in_child(const struct hk_nic_request *req, const struct hk_nic_caller *c)
{
	struct hk_error *err = NULL;
	hk_autoclose int out = memfd_create("hako-nic-out", MFD_CLOEXEC);
	hk_autoclose int errs = memfd_create("hako-nic-err", MFD_CLOEXEC);
	pid_t pid = out < 0 || errs < 0 ? -1 : fork();
	if (pid == 0)
		_exit(child_run(req, c, out, errs));
	if (pid < 0) {
		hk_error_errno(&err, "hako-nic cannot start the process that does its work");
		return fail(err);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			hk_error_errno(&err,
				       "hako-nic lost the process that does its work (pid %d)",
				       (int)pid);
			return fail(err);
		}
	pass_on(errs, stderr);
	pass_on(out, stdout);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	fprintf(stderr,
		"hako-nic: the process that does its work (pid %d) was killed by signal %d\n",
		(int)pid, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return 1;
}

int main(int argc, char **argv)
{
	harden();
	hk_log_set_sink(log_sink, NULL);
	hk_log_set_level(HK_LOG_WARN);
	struct hk_error *err = NULL;
	if (geteuid() != 0) {
		hk_error_set(&err, EPERM,
			     "not running as root; as root, install it setuid root "
			     "(make install does: chown root:root and chmod 4755)");
		return fail(err);
	}
	/* What it creates (its directory, records, leases) is root:root. */
	if (setegid(0) < 0) {
		hk_error_errno(&err, "hako-nic cannot switch to group root");
		return fail(err);
	}
	struct hk_nic_request req;
	if (hk_nic_request_parse(argc - 1, argv + 1, &req, &err) < 0)
		return fail(err);
	struct hk_nic_caller c;
	if (hk_nic_caller_get(&c, &err) < 0)
		return fail(err);
	int rc = run_in_child(&req, &c);
	hk_nic_caller_free(&c);
	return rc;
}
