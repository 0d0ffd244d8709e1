/* userns-exec.c - run a function as root of a new user namespace (see
 * userns-exec.h).
 *
 * Parent and child talk over a SOCK_SEQPACKET pair, one struct sync_msg per
 * message, through fixed stages:
 *   child  -> UNSHARED  (or FAILED with the reason)
 *   parent -> MAPPED    (after writing the maps; the child exits on EOF)
 *   child  -> RESULT    (the function's errno and message, if it failed)
 */
#include "userns-exec.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "nest.h"
#include "procfs.h"
#include "util.h"

#define NEWUIDMAP   "/usr/bin/newuidmap"
#define NEWGIDMAP   "/usr/bin/newgidmap"
#define SUBUID_FILE "/etc/subuid"
#define SUBGID_FILE "/etc/subgid"
/* The largest id a namespace may use plus one (uid_t -1 is never valid). */
#define ID_LIMIT 4294967295UL

enum sync_stage {
	SYNC_UNSHARED = 1,
	SYNC_MAPPED,
	SYNC_RESULT,
	SYNC_FAILED,
};

struct sync_msg {
	int stage;
	int failed; /* RESULT: the function returned -1 */
	int code;   /* errno of the error */
	char text[2048];
};

static int send_msg(int sock, enum sync_stage stage, const struct hk_error *e)
{
	struct sync_msg m = { .stage = stage };
	if (e) {
		m.failed = 1;
		m.code = e->code;
		snprintf(m.text, sizeof(m.text), "%s", e->msg);
	}
	ssize_t n;
	do
		n = send(sock, &m, sizeof(m), MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(m) ? 0 : -1;
}

/* 0 and *m filled, or -1 on EOF/short read (the peer is gone). */
static int recv_msg(int sock, struct sync_msg *m)
{
	memset(m, 0, sizeof(*m)); /* a short message leaves no stale text */
	struct iovec iov = { m, sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (hk_recvmsg_queued(sock, &mh, 0) != (ssize_t)sizeof(*m))
		return -1;
	m->text[sizeof(m->text) - 1] = '\0';
	return 0;
}

/* ---- the child ---- */

static int become_root(struct hk_error **err)
{
	/* newgidmap leaves setgroups denied when the map holds only the
	 * caller's own gid; there are no groups to drop then. */
	if (setgroups(0, NULL) < 0 && errno != EPERM)
		return hk_error_errno(err, "user namespace: cannot drop supplementary groups");
	if (setresgid(0, 0, 0) < 0)
		return hk_error_errno(err,
				      "user namespace: cannot become gid 0 (is gid 0 mapped?)");
	if (setresuid(0, 0, 0) < 0)
		return hk_error_errno(err,
				      "user namespace: cannot become uid 0 (is uid 0 mapped?)");
	return 0;
}

static __attribute__((noreturn)) void child_main(int sock, hk_userns_fn fn, void *arg)
{
	struct hk_error *e = NULL;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (unshare(CLONE_NEWUSER) < 0) {
		hk_error_errno(&e, "cannot create a user namespace (see `hako doctor`: user "
				   "namespaces may be disabled, kernel.unprivileged_userns_clone "
				   "or user.max_user_namespaces)");
		send_msg(sock, SYNC_FAILED, e);
		_exit(1);
	}
	struct sync_msg m;
	if (send_msg(sock, SYNC_UNSHARED, NULL) < 0 || recv_msg(sock, &m) < 0 ||
	    m.stage != SYNC_MAPPED)
		_exit(1);
	int rc = become_root(&e);
	if (rc == 0)
		rc = fn(arg, &e);
	if (rc < 0 && !e)
		hk_error_set(&e, 0, "user namespace: the function failed without saying why");
	send_msg(sock, SYNC_RESULT, rc < 0 ? e : NULL);
	_exit(rc < 0 ? 1 : 0);
}

/* ---- writing the maps ---- */

void hk_userns_helper_argv(struct hk_strv *out, const char *prog, pid_t pid,
			   const struct hk_idmap *map, char kind)
{
	hk_strv_push(out, prog);
	hk_strv_push_owned(out, xasprintf("%d", (int)pid));
	for (size_t i = 0; i < map->n; i++) {
		const struct hk_idmap_range *r = &map->r[i];
		if (r->kind != kind)
			continue;
		hk_strv_push_owned(out, xasprintf("%lu", r->ns));
		hk_strv_push_owned(out, xasprintf("%lu", r->host));
		hk_strv_push_owned(out, xasprintf("%lu", r->count));
	}
}

static int write_map_direct(pid_t pid, const struct hk_idmap *map, char kind, struct hk_error **err)
{
	hk_autofree char *path = xasprintf("/proc/%d/%cid_map", (int)pid, kind);
	hk_autofree char *text = hk_idmap_format_proc(map, kind);
	hk_autoclose int fd = hk_procfs_open(path, O_WRONLY, err);
	if (fd < 0)
		return hk_error_prefix(err, "write the %cid map", kind);
	size_t len = strlen(text);
	if (write(fd, text, len) != (ssize_t)len)
		return hk_error_errno(err, "cannot write the %cid map to \"%s\"", kind, path);
	return 0;
}

/* Reads what the helper printed (at most a few KiB) for the error text. */
static char *read_all(int fd)
{
	struct hk_buf b = { 0 };
	char chunk[512];
	ssize_t n;
	while (b.len < 4096 &&
	       ((n = read(fd, chunk, sizeof(chunk))) > 0 || (n < 0 && errno == EINTR)))
		if (n > 0)
			hk_buf_append(&b, chunk, (size_t)n);
	char *s = hk_buf_steal(&b);
	size_t l = strlen(s);
	while (l && (s[l - 1] == '\n' || s[l - 1] == ' '))
		s[--l] = '\0';
	return s;
}

static __attribute__((noreturn)) void exec_helper(char **argv, int out_fd)
{
	static char *const envp[] = { (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull >= 0)
		dup2(devnull, STDIN_FILENO);
	dup2(out_fd, STDOUT_FILENO);
	dup2(out_fd, STDERR_FILENO);
	execve(argv[0], argv, envp);
	dprintf(STDERR_FILENO, "cannot run %s: %s", argv[0], strerror(errno));
	_exit(127);
}

/* Runs newuidmap/newgidmap PID ... and turns a failure into an error with
 * what the helper printed. */
static int run_helper(const char *prog, pid_t pid, const struct hk_idmap *map, char kind,
		      struct hk_error **err)
{
	if (access(prog, X_OK) < 0)
		return hk_error_errno(err,
				      "%s is missing; ordinary users need it to map ids "
				      "(apt-get install uidmap)",
				      prog);
	hk_autostrv struct hk_strv argv = { 0 };
	hk_userns_helper_argv(&argv, prog, pid, map, kind);
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return hk_error_errno(err, "cannot create a pipe for %s", prog);
	pid_t h = fork();
	if (h == 0)
		exec_helper(argv.v, p[1]);
	close(p[1]);
	if (h < 0) {
		close(p[0]);
		return hk_error_errno(err, "cannot fork to run %s", prog);
	}
	hk_autofree char *out = read_all(p[0]);
	close(p[0]);
	int status;
	while (waitpid(h, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return hk_error_set(err, 0,
			    "%s refused the %cid map%s%s; check %s for your user (as root: "
			    "`hako setup-user USER`)",
			    prog, kind, *out ? ": " : "", out,
			    kind == 'u' ? SUBUID_FILE : SUBGID_FILE);
}

int hk_userns_write_maps(pid_t pid, const struct hk_idmap *map, struct hk_error **err)
{
	if (geteuid() == 0) {
		if (write_map_direct(pid, map, 'u', err) < 0 ||
		    write_map_direct(pid, map, 'g', err) < 0)
			return -1;
		return 0;
	}
	if (run_helper(NEWUIDMAP, pid, map, 'u', err) < 0 ||
	    run_helper(NEWGIDMAP, pid, map, 'g', err) < 0)
		return -1;
	return 0;
}

/* ---- checks ---- */

static unsigned long next_free_ns(const struct hk_idmap *map, char kind)
{
	unsigned long next = 0;
	for (size_t i = 0; i < map->n; i++)
		if (map->r[i].kind == kind && map->r[i].ns + map->r[i].count > next)
			next = map->r[i].ns + map->r[i].count;
	return next;
}

void hk_userns_effective_map(const struct hk_idmap *map, unsigned flags, uid_t uid, gid_t gid,
			     struct hk_idmap *out)
{
	hk_idmap_copy(out, map);
	if (!(flags & HK_USERNS_MAP_SELF) || uid == 0)
		return;
	unsigned long nu = next_free_ns(map, 'u'), ng = next_free_ns(map, 'g');
	bool own_u = hk_idmap_to_ns(map, 'u', uid, &(unsigned long){ 0 });
	bool own_g = hk_idmap_to_ns(map, 'g', gid, &(unsigned long){ 0 });
	if (!own_u && nu < ID_LIMIT - 1)
		hk_idmap_add(out, 'u', nu, uid, 1);
	if (!own_g && ng < ID_LIMIT - 1)
		hk_idmap_add(out, 'g', ng, gid, 1);
}

static int check_for(const struct hk_idmap *map, uid_t uid, gid_t gid, struct hk_error **err)
{
	struct passwd *pw = getpwuid(uid);
	if (!pw)
		return hk_error_set(err, ENOENT,
				    "uid %u has no entry in the user database; "
				    "id maps need a user name",
				    (unsigned)uid);
	hk_autofree char *user = xstrdup(pw->pw_name);
	struct hk_subids su = { 0 }, sg = { 0 };
	int rc = -1;
	if (hk_subid_load(SUBUID_FILE, user, uid, &su, err) == 0 &&
	    hk_subid_load(SUBGID_FILE, user, uid, &sg, err) == 0)
		rc = hk_idmap_check_allowed(map, user, uid, gid, &su, &sg, err);
	hk_subids_free(&su);
	hk_subids_free(&sg);
	return rc;
}

int hk_userns_check_map(const struct hk_idmap *map, struct hk_error **err)
{
	if (hk_idmap_validate(map, err) < 0)
		return -1;
	/* Inside a container, first the ids its own map holds (nest.h). */
	struct hk_idmap window;
	if (hk_nest_window(&window)) {
		int rc = hk_nest_check_child_map(map, &window, err);
		hk_idmap_free(&window);
		if (rc < 0)
			return -1;
	}
	if (geteuid() == 0)
		return 0;
	return check_for(map, getuid(), getgid(), err);
}

/* ---- the parent ---- */

static int wait_child(pid_t pid, struct hk_error **err)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return hk_error_errno(err, "user namespace: cannot wait for child %d",
					      (int)pid);
	if (WIFSIGNALED(status))
		return hk_error_set(err, 0, "user namespace: child %d died of signal %s", (int)pid,
				    sigabbrev_np(WTERMSIG(status)) ?: "?");
	return WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int fail_child(pid_t pid, struct hk_error **err)
{
	kill(pid, SIGKILL);
	wait_child(pid, NULL);
	return hk_error_set(err, 0, "user namespace: child %d went away", (int)pid);
}

/* Drives the child through the stages once it runs. */
static int parent_main(int sock, pid_t pid, const struct hk_idmap *map, struct hk_error **err)
{
	struct sync_msg m;
	if (recv_msg(sock, &m) < 0)
		return fail_child(pid, err);
	if (m.stage == SYNC_FAILED) {
		wait_child(pid, NULL);
		return hk_error_set(err, m.code, "%s", m.text);
	}
	if (hk_userns_write_maps(pid, map, err) < 0) {
		kill(pid, SIGKILL);
		wait_child(pid, NULL);
		return -1;
	}
	if (send_msg(sock, SYNC_MAPPED, NULL) < 0 || recv_msg(sock, &m) < 0 ||
	    m.stage != SYNC_RESULT) {
		int rc = wait_child(pid, err);
		return rc < 0 ? -1
			      : hk_error_set(err, 0, "user namespace: child %d exited early",
					     (int)pid);
	}
	int rc = wait_child(pid, err);
	if (m.failed)
		return hk_error_set(err, m.code, "%s", m.text);
	return rc;
}

int hk_userns_run(const struct hk_idmap *map, unsigned flags, hk_userns_fn fn, void *arg,
		  struct hk_error **err)
{
	struct hk_idmap eff = { 0 };
	hk_userns_effective_map(map, flags, getuid(), getgid(), &eff);
	int rc = -1;
	if (hk_userns_check_map(&eff, err) < 0)
		goto out;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		hk_error_errno(err, "user namespace: cannot create a socket pair");
		goto out;
	}
	fflush(NULL); /* nothing buffered gets written twice */
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		child_main(sv[1], fn, arg);
	}
	close(sv[1]);
	if (pid < 0)
		hk_error_errno(err, "user namespace: cannot fork");
	else
		rc = parent_main(sv[0], pid, &eff, err);
	close(sv[0]);
out:
	hk_idmap_free(&eff);
	return rc;
}
