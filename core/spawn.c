/* spawn.c - clone3, the staged handshake, and the container child's setup.
 * The child runs only async-signal-safe-enough code paths of our own (no
 * locks are held across fork in this single-threaded program). */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/keyctl.h>
#include <linux/sched.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
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

#include "cleanup.h"
#include "log.h"
#include "mountfd.h"
#include "pty.h"
#include "safepath.h"
#include "storage.h"
#include "stub.h"
#include "timing.h"
#include "util.h"

/* One message of the handshake: hako-stub's struct (stub-proto.h), so that
 * the stub can report a failed exec of init the same way. */
#define sync_msg hk_stub_msg

static int sync_send(int fd, enum hk_spawn_stage stage, int code, const char *text)
{
	struct sync_msg m = { .stage = stage, .code = code };
	if (text)
		snprintf(m.text, sizeof(m.text), "%s", text);
	ssize_t w = send(fd, &m, sizeof(m), MSG_NOSIGNAL);
	return w == (ssize_t)sizeof(m) ? 0 : -1;
}

/* 1 = message, 0 = EOF (the child exec'd), -1 = error. */
static int sync_recv(int fd, struct sync_msg *m)
{
	memset(m, 0, sizeof(*m)); /* a short message leaves no stale text */
	struct iovec iov = { m, sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t r = hk_recvmsg_queued(fd, &mh, 0);
	if (r == 0)
		return 0;
	if (r != (ssize_t)sizeof(*m))
		return -1;
	m->text[sizeof(m->text) - 1] = '\0';
	return 1;
}

/* Sends the pty masters and peers (2 * n descriptors) with one message. */
static int send_terms(int sock, const struct hk_plan_fds *fds, unsigned n)
{
	struct sync_msg m = { .stage = HK_SPAWN_CHILD_TERMS, .code = (int32_t)n };
	int list[2 * HK_MAX_TERMS] = { 0 };
	if (n == 0 || n > HK_MAX_TERMS)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		if (fds->masters[i] < 0 || fds->peers[i] < 0)
			return -1;
		list[i] = fds->masters[i];
		list[n + i] = fds->peers[i];
	}
	struct iovec iov = { &m, sizeof(m) };
	char cbuf[CMSG_SPACE(sizeof(list))];
	memset(cbuf, 0, sizeof(cbuf));
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = CMSG_SPACE(2 * n * sizeof(int)) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(2 * n * sizeof(int));
	memcpy(CMSG_DATA(cm), list, 2 * n * sizeof(int));
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == (ssize_t)sizeof(m) ? 0 : -1;
}

/* Receives send_terms' message into out (masters then peers): 1 when it
 * came, 2 when the child sent an error instead (in *m), 0 at EOF, -1 on a
 * protocol error. */
static int recv_terms(int sock, unsigned n, struct hk_spawned *out, struct sync_msg *m)
{
	struct iovec iov = { m, sizeof(*m) };
	char cbuf[CMSG_SPACE(2 * HK_MAX_TERMS * sizeof(int))];
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	ssize_t r = hk_recvmsg_queued(sock, &mh, MSG_CMSG_CLOEXEC);
	if (r == 0)
		return 0;
	if (r != (ssize_t)sizeof(*m))
		return -1;
	m->text[sizeof(m->text) - 1] = '\0';
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	if (m->stage == HK_SPAWN_CHILD_ERROR && !cm)
		return 2;
	if (!cm || cm->cmsg_type != SCM_RIGHTS || m->stage != HK_SPAWN_CHILD_TERMS ||
	    (unsigned)m->code != n || cm->cmsg_len != CMSG_LEN(2 * n * sizeof(int)))
		return -1;
	int list[2 * HK_MAX_TERMS];
	memcpy(list, CMSG_DATA(cm), 2 * n * sizeof(int));
	for (unsigned i = 0; i < n; i++) {
		out->masters[i] = list[i];
		out->peers[i] = list[n + i];
	}
	return 1;
}

static __attribute__((noreturn)) void child_fail(int sock, struct hk_error *e)
{
	sync_send(sock, HK_SPAWN_CHILD_ERROR, e ? e->code : 0,
		  e ? e->msg : "container setup failed");
	_exit(127);
}

static int become_root(bool userns, struct hk_error **err)
{
	if (!userns)
		return 0;
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return hk_error_errno(err, "cannot become root of the user namespace");
	/* setgroups may be denied (newgidmap as a user writes "deny"). */
	if (setgroups(0, NULL) < 0 && errno != EPERM)
		return hk_error_errno(err, "cannot drop supplementary groups");
	return 0;
}

static int loopback_up(struct hk_error **err)
{
	hk_autoclose int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return hk_error_errno(err, "cannot read the loopback interface");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return hk_error_errno(err, "cannot bring the loopback interface up");
	return 0;
}

/* Between the plan's first mounts and its cgroup hierarchies: the
 * monitor's word that this process is in its cgroups (spawn.h, after_go),
 * then a cgroup namespace rooted there. */
struct cgroup_wait {
	int sock;
	int64_t *t;
};

static int enter_cgroup_ns(void *ctx, struct hk_error **err)
{
	struct cgroup_wait *w = ctx;
	struct sync_msg m;
	*w->t = hk_timing_add("mounts-early", *w->t);
	if (sync_recv(w->sock, &m) != 1 || m.stage != HK_SPAWN_PARENT_CGROUP)
		_exit(126); /* the monitor gave up on us */
	if (unshare(CLONE_NEWCGROUP) < 0)
		return hk_error_errno(err, "cannot make a cgroup namespace");
	*w->t = hk_timing_add("cgroup-wait", *w->t);
	return 0;
}

/* Mounts the rootfs on itself (pivot_root needs a mount point), runs the
 * plan (entering the cgroup namespace on the way, enter_cgroup_ns) and
 * pivots.  Afterwards "/" is the container's root.  *t: the timeline's
 * stamp (--timing), moved past the mounts and the pivot. */
static int setup_rootfs(const struct hk_spawn_spec *s, int sock, struct hk_plan_fds *fds,
			int64_t *t, struct hk_error **err)
{
	/* Nothing we mount may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return hk_error_errno(err, "cannot make the mount tree private");
	if (s->rootfs_spec && hk_storage_needs_mount(s->rootfs_spec) &&
	    hk_storage_mount_rootfs(s->rootfs_spec, s->rootfs, err) < 0)
		return -1;
	hk_autoclose int dir = open(s->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0 && errno == EACCES && s->idmap && s->idmap->n)
		return hk_error_set(
			err, EACCES,
			"the container's root (a mapped id) cannot reach rootfs \"%s\": a "
			"directory on that path is not searchable by others (the guides' 0770 "
			"problem); run \"chmod o+x\" on each directory of the path",
			s->rootfs);
	if (dir < 0)
		return hk_error_errno(err, "cannot open rootfs \"%s\"", s->rootfs);
	if (hk_mount_bind(dir, dir, HK_MNT_RECURSIVE, err) < 0)
		return hk_error_prefix(err, "bind rootfs \"%s\"", s->rootfs);
	hk_autoclose int root = open(s->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return hk_error_errno(err, "cannot open rootfs \"%s\"", s->rootfs);
	struct cgroup_wait w = { .sock = sock, .t = t };
	if (hk_mount_plan_execute_split(s->plan, root, fds, enter_cgroup_ns, &w, err) < 0)
		return -1;
	*t = hk_timing_add("mounts", *t);
	if (fchdir(root) < 0)
		return hk_error_errno(err, "cannot enter rootfs");
	/* pivot_root(".", ".") stacks the old root under the new one; the
	 * lazy unmount then drops the host's tree from this namespace. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return hk_error_errno(err, "pivot_root into \"%s\"", s->rootfs);
	if (umount2(".", MNT_DETACH) < 0)
		return hk_error_errno(err, "cannot detach the host's root");
	if (chdir("/") < 0)
		return hk_error_errno(err, "chdir /");
	*t = hk_timing_add("pivot", *t);
	return 0;
}

/* The console becomes init's stdio but not its controlling terminal: a
 * getty in another session must be able to take it, and in a user
 * namespace stealing a controlling terminal needs the host's CAP_SYS_ADMIN.
 * An application (hako execute) gets the caller's descriptors where it
 * passed them: never a terminal (the console stands in for those). */
static int take_console(int console, const struct hk_spawn_app *app, struct hk_error **err)
{
	if (setsid() < 0)
		return hk_error_errno(err, "setsid");
	if (console < 0)
		return hk_error_set(err, EINVAL, "no console was allocated");
	for (int fd = 0; fd < 3; fd++)
		if (dup2(app && app->stdio[fd] >= 0 ? app->stdio[fd] : console, fd) < 0)
			return hk_error_errno(err, "cannot set up stdio");
	/* The caller's window size before the command can ask for it. */
	if (app && app->rows && app->cols)
		hk_pty_set_winsize(console, app->rows, app->cols, NULL);
	return 0;
}

static int setup_security(const struct hk_spawn_spec *s, int64_t *t, struct hk_error **err)
{
	if (s->caps && hk_caps_apply(s->caps, err) < 0)
		return hk_error_prefix(err, "capabilities");
	*t = hk_timing_add("caps", *t);
	if (s->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return hk_error_errno(err, "cannot set no_new_privs");
	if (s->seccomp && hk_seccomp_install(s->seccomp, err) < 0)
		return hk_error_prefix(err, "seccomp");
	*t = hk_timing_add("seccomp", *t);
	return 0;
}

/* Init's working directory, resolved in the new root with magic links
 * refused (a cwd of /proc/self/fd/N would reach whatever descriptor the
 * setup holds), then checked to lie under that root. */
static int enter_cwd(const char *cwd, struct hk_error **err)
{
	char buf[PATH_MAX];
	hk_autoclose int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	hk_autoclose int fd =
		root < 0 ? -1 : hk_safe_open(root, cwd, O_PATH | O_DIRECTORY, 0, 0, err);
	if (root < 0 || (fd >= 0 && fchdir(fd) < 0))
		hk_error_errno(err, "cannot change to \"%s\"", cwd);
	if (root < 0 || fd < 0 || *err)
		return hk_error_prefix(err, "lxc.init.cwd");
	if (!getcwd(buf, sizeof(buf)) || buf[0] != '/')
		return hk_error_set(
			err, EPERM,
			"lxc.init.cwd \"%s\" is outside the container: give a path inside it", cwd);
	return 0;
}

/* Init is exec'd by the sealed hako-stub (core/stub.h), not by hako: an
 * init path that is, or whose #! line or ELF interpreter is, a magic link
 * such as /proc/self/exe then reaches that unwritable copy, which refuses
 * to run, and never the host's hako or its libraries.  For an application
 * (hako execute) the stub itself stays as pid 1 (its "init" mode): the
 * container's /proc/1/exe is that sealed memfd, never hako's binary. */
static __attribute__((noreturn)) void exec_init(const struct hk_spawn_spec *s, int sock, int stub)
{
	struct hk_error *err = NULL;
	struct hk_strv v = { 0 };
	hk_strv_push(&v, "hako-stub");
	hk_strv_push(&v, HK_STUB_MAGIC);
	hk_strv_push(&v, s->app ? "init" : "exec");
	hk_strv_push_owned(&v, xasprintf("%d", sock));
	hk_strv_push_owned(&v, xasprintf("%d", (int)HK_SPAWN_CHILD_ERROR));
	if (s->app) {
		hk_strv_push_owned(&v, xasprintf("%ld", s->app->uid));
		hk_strv_push_owned(&v, xasprintf("%ld", s->app->gid));
	} else {
		hk_strv_push(&v, s->argv[0]);
	}
	for (char *const *a = s->argv; *a; a++)
		hk_strv_push(&v, *a);
	if (fcntl(sock, F_SETFD, 0) < 0) {
		hk_error_errno(&err, "fcntl");
		child_fail(sock, err);
	}
	hk_stub_exec(stub, v.v, s->envp);
	fcntl(sock, F_SETFD, FD_CLOEXEC);
	hk_error_errno(
		&err,
		"cannot run hako's sealed stub in the container (vm.memfd_noexec must be 0 or 1, "
		"and a seccomp profile must allow execveat)");
	child_fail(sock, err);
}

/* --timing: the child's steps go to the monitor before the exec, which
 * is left open: the monitor ends it when the exec closes the socket. */
static void send_times(int sock)
{
	if (!hk_timing.on)
		return;
	hk_timing_add_as(HK_TIMING_CHILD, "exec", hk_timing_clock(), 0);
	struct hk_buf b = { 0 };
	hk_timing_encode(&hk_timing, 0, &b);
	sync_send(sock, HK_SPAWN_CHILD_TIMES, 0, b.data); /* a line cut short is dropped */
	hk_buf_free(&b);
}

/* t_clone: the monitor's stamp before clone3 (--timing). */
static __attribute__((noreturn)) void child_main(const struct hk_spawn_spec *s, int sock,
						 int64_t t_clone)
{
	struct hk_error *err = NULL;
	struct sync_msg m;
	bool userns = s->idmap && s->idmap->n > 0;
	hk_timing_become(HK_TIMING_CHILD);
	hk_timing_add_as(HK_TIMING_MONITOR, "clone", t_clone, hk_timing_now());
	/* A monitor that dies takes its container with it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (sync_send(sock, HK_SPAWN_CHILD_READY, 0, NULL) < 0 || sync_recv(sock, &m) != 1 ||
	    m.stage != HK_SPAWN_PARENT_GO)
		_exit(126);
	int64_t t = hk_timing_now();
	if (become_root(userns, &err) < 0)
		child_fail(sock, err);
	/* The caller's session keyring must not reach init: a new one, owned by
	 * the container's root.  Failure (no keyring support) leaves none. */
	syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL);
	if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0) {
		hk_error_errno(&err, "cannot set the hostname \"%s\"", s->hostname);
		child_fail(sock, err);
	}
	t = hk_timing_add("root", t);
	int stub = hk_stub_open(&err);
	if (stub < 0)
		child_fail(sock, err);
	t = hk_timing_add("stub", t);
	struct hk_cleanup steps = HK_CLEANUP_INIT;
	struct hk_plan_fds fds;
	if (hk_cleanup_at(&steps, HK_STEP_START_NETWORK, &err) < 0 ||
	    (s->net && s->net->n && hk_net_child_setup(s->net, &err) < 0) ||
	    (!s->share_net && loopback_up(&err) < 0))
		child_fail(sock, err);
	t = hk_timing_add("net-inside", t);
	if (s->limits && hk_limits_apply(s->limits, &err) < 0)
		child_fail(sock, err);
	t = hk_timing_add("limits", t);
	if (hk_cleanup_at(&steps, HK_STEP_START_ROOTFS, &err) < 0 ||
	    setup_rootfs(s, sock, &fds, &t, &err) < 0 ||
	    hk_cleanup_at(&steps, HK_STEP_START_CONSOLE, &err) < 0 ||
	    take_console(fds.peers[0], s->app, &err) < 0)
		child_fail(sock, err);
	if (send_terms(sock, &fds, s->n_terms) < 0) {
		hk_error_set(&err, EPROTO, "cannot pass the console to the monitor");
		child_fail(sock, err);
	}
	t = hk_timing_add("console", t);
	if (enter_cwd(s->cwd ? s->cwd : "/", &err) < 0)
		child_fail(sock, err);
	t = hk_timing_add("cwd", t);
	if (hk_cleanup_at(&steps, HK_STEP_START_SECURITY, &err) < 0 ||
	    setup_security(s, &t, &err) < 0)
		child_fail(sock, err);
	/* Only stdio (the console) and the sync socket (CLOEXEC) cross exec. */
	if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		hk_error_errno(&err, "cannot mark descriptors close-on-exec");
		child_fail(sock, err);
	}
	hk_timing_add("close-fds", t);
	/* From here on the container outlives a monitor that dies (it then
	 * shows as ORPHANED and can be stopped through its cgroup). */
	prctl(PR_SET_PDEATHSIG, 0);
	send_times(sock);
	exec_init(s, sock, stub);
}

static unsigned long clone_flags(const struct hk_spawn_spec *s)
{
	unsigned long f = CLONE_PIDFD | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
	if (!s->share_net)
		f |= CLONE_NEWNET;
	if (s->idmap && s->idmap->n > 0)
		f |= CLONE_NEWUSER;
	return f;
}

static int reap_failed(pid_t pid, int pidfd)
{
	int status;
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	close(pidfd);
	return -1;
}

/* The parent side: maps, cgroup, GO, then wait for exec or an error. */
static int parent_side(const struct hk_spawn_spec *s, int sock, pid_t pid, int pidfd,
		       bool born_in_cgroup, struct hk_spawned *out, struct hk_error **err)
{
	struct sync_msg m;
	if (sync_recv(sock, &m) != 1 || m.stage != HK_SPAWN_CHILD_READY) {
		hk_error_set(err, EPROTO, "the container's init died before it was ready");
		return reap_failed(pid, pidfd);
	}
	struct hk_cleanup steps = HK_CLEANUP_INIT;
	int rc = 0;
	int64_t t0 = hk_timing_now();
	if (hk_cleanup_at(&steps, HK_STEP_START_IDMAPS, err) < 0 ||
	    (s->idmap && s->idmap->n > 0 && hk_userns_write_maps(pid, s->idmap, err) < 0))
		rc = -1;
	hk_timing_add("idmap", t0);
	if (rc == 0 && (hk_cleanup_at(&steps, HK_STEP_START_LIMITS, err) < 0 ||
			(s->before_go && s->before_go(s->ctx, pid, err) < 0)))
		rc = -1;
	if (rc == 0 && !s->join_after_go && s->join_cgroups &&
	    s->join_cgroups(s->ctx, pid, born_in_cgroup, err) < 0)
		rc = -1;
	hk_cleanup_done(&steps);
	if (rc < 0)
		return reap_failed(pid, pidfd);
	if (sync_send(sock, HK_SPAWN_PARENT_GO, 0, NULL) < 0) {
		hk_error_errno(err, "cannot talk to the container's init");
		return reap_failed(pid, pidfd);
	}
	if (s->join_after_go && s->join_cgroups &&
	    s->join_cgroups(s->ctx, pid, born_in_cgroup, err) < 0)
		return reap_failed(pid, pidfd);
	/* A child that failed meanwhile has sent its error: read below. */
	(void)sync_send(sock, HK_SPAWN_PARENT_CGROUP, 0, NULL);
	/* The terminals first (or an error), then EOF from exec, or an error. */
	int t = recv_terms(sock, s->n_terms, out, &m);
	if (t == 1) {
		int r;
		while ((r = sync_recv(sock, &m)) == 1 && m.stage == HK_SPAWN_CHILD_TIMES)
			hk_timing_decode_all(&hk_timing, m.text, strlen(m.text));
		if (r == 0) { /* socket closed by exec: init runs */
			hk_timing_close_open(hk_timing_now());
			return 0;
		}
		for (unsigned i = 0; i < s->n_terms; i++) {
			close(out->masters[i]);
			close(out->peers[i]);
		}
		t = r == 1 && m.stage == HK_SPAWN_CHILD_ERROR ? 2 : -1;
	}
	if (t == 2)
		hk_error_set(err, m.code, "%s", m.text);
	else
		hk_error_set(err, EPROTO, "the container's init died during setup");
	return reap_failed(pid, pidfd);
}

int hk_spawn(const struct hk_spawn_spec *s, struct hk_spawned *out, struct hk_error **err)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return hk_error_errno(err, "cannot create the setup socket");
	int pidfd = -1;
	struct clone_args args = {
		.flags = clone_flags(s),
		.pidfd = (uint64_t)(uintptr_t)&pidfd,
		.exit_signal = SIGCHLD,
	};
	if (s->into_cgroup) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)s->cgroup_fd;
	}
	int64_t t_clone = hk_timing_now();
	long pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0 && s->into_cgroup) {
		hk_log(HK_LOG_DEBUG,
		       "clone3 into the cgroup refused (%m): born outside it, moved after");
		args.flags &= ~(uint64_t)CLONE_INTO_CGROUP;
		args.cgroup = 0;
		pid = syscall(SYS_clone3, &args, sizeof(args));
	}
	if (pid < 0) {
		hk_error_errno(err, "cannot create the container's namespaces (clone3)");
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		child_main(s, sv[1], t_clone);
	}
	close(sv[1]);
	for (unsigned i = 0; i < HK_MAX_TERMS; i++)
		out->masters[i] = out->peers[i] = -1;
	int rc = parent_side(s, sv[0], (pid_t)pid, pidfd, (args.flags & CLONE_INTO_CGROUP) != 0,
			     out, err);
	close(sv[0]);
	if (rc < 0)
		return -1;
	out->pid = (pid_t)pid;
	out->pidfd = pidfd;
	return 0;
}
