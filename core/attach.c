/* attach.c - hk_attach: parent (host side, proxies I/O), child A (joins
 * the namespaces, takes the container's limits, reads its passwd, opens
 * the pty, then execs the sealed hako-stub, core/stub.h), and the stub's
 * child B (in the container's pid namespace; becomes the user and execs
 * the command).  Errors from A and B come back as one struct hk_stub_msg
 * on a seqpacket socket; the pty master comes back by SCM_RIGHTS. */
#include "attach.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/keyctl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "cgroup-manage.h"
#include "nest.h"
#include "config.h"
#include "container.h"
#include "lifecycle.h"
#include "log.h"
#include "pty.h"
#include "runner.h"
#include "seccomp.h"
#include "state.h"
#include "stub.h"
#include "timing.h"
#include "unixsock.h"

bool hk_attach_parse_id(const char *s, unsigned long *id)
{
	if (!s || !*s || strlen(s) > 10)
		return false;
	for (const char *p = s; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	if (s[0] == '0' && s[1]) /* no octal-looking or padded forms */
		return false;
	unsigned long v = strtoul(s, NULL, 10);
	if (v >= 4294967295UL)
		return false;
	*id = v;
	return true;
}

struct attach_ctx {
	const struct hk_attach_opts *o;
	struct hk_config cfg;
	struct hk_caps_plan caps;
	struct hk_seccomp_plan *seccomp;
	struct hk_seccomp_prog sprog; /* compiled before the fork of A */
	int pidfd;
	int errsock[2]; /* [0] parent, [1] children */
	int fdsock[2];	/* pty master from B */
	int pipes[3][2];
	int stubfd;		 /* the sealed hako-stub */
	struct hk_ct_cgroup cgs; /* opened before A is made */
	bool cgs_open;
	struct hk_cgroup *join; /* cgs.cg when it exists, else NULL: nothing to join */
	bool born;		/* A was born in join's v2 directory */
};

/* The stage of A's --timing message on the error socket (hako-stub's
 * errors carry stage 0). */
#define ATTACH_TIMES_STAGE 0x54494d45u

/* The same message hako-stub sends (struct hk_stub_msg). */
static __attribute__((noreturn)) void child_fail(struct attach_ctx *c, struct hk_error *e)
{
	struct hk_stub_msg m = { .code = e ? e->code : 0 };
	snprintf(m.text, sizeof(m.text), "%s", e ? e->msg : "attach failed");
	if (send(c->errsock[1], &m, sizeof(m), MSG_NOSIGNAL) < 0)
		_exit(126);
	_exit(126);
}

/* ---- in the container's namespaces, before the stub (A) ---- */

struct pw_entry {
	char name[64];
	unsigned long uid, gid;
	char home[256];
	char shell[256];
};

/* Finds a user in the container's /etc/passwd, by name (by_uid false) or
 * uid, reading it as text: no NSS module of the container is ever loaded. */
static bool passwd_find(const char *name, unsigned long uid, bool by_uid, struct pw_entry *out)
{
	char *text = NULL;
	if (hk_read_file("/etc/passwd", &text, NULL, NULL) < 0)
		return false;
	bool found = false;
	for (char *save, *line = strtok_r(text, "\n", &save); line && !found;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f[7] = { 0 };
		char *p = line;
		for (int i = 0; i < 7 && p; i++) {
			f[i] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = '\0';
		}
		unsigned long u, g;
		if (!f[6] || !hk_parse_ulong(f[2], &u) || !hk_parse_ulong(f[3], &g))
			continue;
		if (by_uid ? u != uid : strcmp(f[0], name) != 0)
			continue;
		snprintf(out->name, sizeof(out->name), "%s", f[0]);
		out->uid = u;
		out->gid = g;
		snprintf(out->home, sizeof(out->home), "%s", *f[5] ? f[5] : "/");
		snprintf(out->shell, sizeof(out->shell), "%s", *f[6] ? f[6] : "/bin/sh");
		found = true;
	}
	free(text);
	return found;
}

static bool group_find(const char *name, unsigned long *gid)
{
	char *text = NULL;
	if (hk_read_file("/etc/group", &text, NULL, NULL) < 0)
		return false;
	bool found = false;
	for (char *save, *line = strtok_r(text, "\n", &save); line && !found;
	     line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL,
		     *c3 = c2 ? strchr(c2 + 1, ':') : NULL;
		if (!c3)
			continue;
		*c1 = *c3 = '\0';
		if (strcmp(line, name) == 0 && hk_parse_ulong(c2 + 1, gid))
			found = true;
	}
	free(text);
	return found;
}

static int resolve_user(const struct hk_attach_opts *o, struct pw_entry *pw, struct hk_error **err)
{
	unsigned long id;
	memset(pw, 0, sizeof(*pw));
	if (!o->user) {
		if (!passwd_find(NULL, 0, true, pw))
			*pw = (struct pw_entry){ "root", 0, 0, "/root", "/bin/sh" };
	} else if (hk_attach_parse_id(o->user, &id)) {
		if (!passwd_find(NULL, id, true, pw))
			*pw = (struct pw_entry){ "", id, id, "/", "/bin/sh" };
		pw->uid = id; /* exactly what was written, whatever passwd says */
	} else if (!passwd_find(o->user, 0, false, pw)) {
		return hk_error_set(err, ENOENT,
				    "user \"%s\" is neither a uid nor a name in the container's "
				    "/etc/passwd",
				    o->user);
	}
	if (o->group) {
		if (!hk_attach_parse_id(o->group, &id) && !group_find(o->group, &id))
			return hk_error_set(err, ENOENT,
					    "group \"%s\" is neither a gid nor a name in the "
					    "container's /etc/group",
					    o->group);
		pw->gid = id;
	}
	return 0;
}

/* A pty from the container's own devpts: its master goes to the parent,
 * its peer (returned) becomes the command's terminal in the stub. */
static int open_pty(struct attach_ctx *c, struct hk_error **err)
{
	hk_autoclose int master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	struct stat st;
	if (master < 0 || fstat(master, &st) < 0)
		return hk_error_errno(err, "cannot open the container's /dev/pts/ptmx");
	if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 5 || minor(st.st_rdev) != 2)
		return hk_error_set(err, EPERM,
				    "the container's /dev/pts/ptmx is not a pty multiplexer");
	if (unlockpt(master) < 0)
		return hk_error_errno(err, "unlockpt");
	int peer = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (peer < 0)
		return hk_error_errno(err, "cannot open the pty peer");
	if (hk_unixsock_send_one_fd(c->fdsock[1], master) < 0) {
		close(peer);
		return hk_error_errno(err, "cannot pass the pty to hako");
	}
	return peer;
}

/* Sets KEY=VALUE in env, replacing an earlier KEY (getenv and the shell
 * take the first, so a later duplicate would be silently ignored). */
static void env_put(struct hk_strv *env, char *kv)
{
	size_t klen = strcspn(kv, "=") + 1;
	for (size_t i = 0; i < env->n; i++)
		if (!strncmp(env->v[i], kv, klen)) {
			free(env->v[i]);
			env->v[i] = kv;
			return;
		}
	hk_strv_push_owned(env, kv);
}

static void build_env(const struct hk_attach_opts *o, const struct pw_entry *pw,
		      struct hk_strv *env)
{
	const char *term = getenv("TERM");
	if (o->keep_env)
		for (char **e = environ; *e; e++)
			hk_strv_push(env, *e);
	else if (term)
		hk_strv_push_owned(env, xasprintf("TERM=%s", term));
	env_put(env, xstrdup("container=lxc"));
	/* --keep-env keeps the caller's PATH, as lxc-attach does. */
	if (!o->keep_env || !getenv("PATH"))
		env_put(env,
			xstrdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
	env_put(env, xasprintf("HOME=%s", pw->home));
	if (*pw->name) {
		env_put(env, xasprintf("USER=%s", pw->name));
		env_put(env, xasprintf("LOGNAME=%s", pw->name));
	}
	for (size_t i = 0; o->env && i < o->env->n; i++)
		env_put(env, xstrdup(o->env->v[i]));
}

/* The stub's command line (tui/hako-stub.c, mode "attach"). */
static void stub_argv(const struct attach_ctx *c, const struct pw_entry *pw, const int fds[3],
		      struct hk_strv *v)
{
	const struct hk_attach_opts *o = c->o;
	hk_strv_push(v, "hako-stub");
	hk_strv_push(v, HK_STUB_MAGIC);
	hk_strv_push(v, "attach");
	hk_strv_push_owned(v, xasprintf("%d", c->errsock[1]));
	hk_strv_push(v, "0");
	hk_strv_push(v, o->pty ? "1" : "0");
	for (int i = 0; i < 3; i++)
		hk_strv_push_owned(v, xasprintf("%d", fds[i]));
	hk_strv_push_owned(v, xasprintf("%lu", pw->uid));
	hk_strv_push_owned(v, xasprintf("%lu", pw->gid));
	hk_strv_push(v, pw->home);
	if (o->argv && o->argv[0]) {
		hk_strv_push(v, "search");
		for (char *const *a = o->argv; *a; a++)
			hk_strv_push(v, *a);
	} else {
		const char *base = strrchr(pw->shell, '/');
		hk_strv_push(v, "path");
		hk_strv_push(v, pw->shell);
		hk_strv_push_owned(v, xasprintf("-%s", base ? base + 1 : pw->shell));
	}
}

/* Leaves exactly stdio (/dev/null), the error socket and the command's
 * descriptors open across the exec of the stub. */
static int keep_for_stub(const struct attach_ctx *c, const int fds[3], struct hk_error **err)
{
	if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return hk_error_errno(err, "cannot mark descriptors close-on-exec");
	if (fcntl(c->errsock[1], F_SETFD, 0) < 0)
		return hk_error_errno(err, "fcntl");
	for (int i = 0; i < 3; i++)
		if (fcntl(fds[i], F_SETFD, 0) < 0)
			return hk_error_errno(err, "fcntl");
	return 0;
}

/* ---- A: joins the namespaces, forks B into the pid namespace ---- */

/* Done in A before B exists: B is in the container's pid namespace from
 * its fork to its exec, where a root holding CAP_SYS_PTRACE over the host
 * (a privileged container) can trace it; it must then hold no more than
 * the container's own root.  A new session keyring (the caller's keys out of reach; before seccomp,
 * which may deny keyctl), the bounding set, no_new_privs, seccomp, and last the effective and
 * permitted sets cut to the container's. */
static int confine(struct attach_ctx *c, struct hk_error **err)
{
	syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL);
	if (hk_caps_apply(&c->caps, err) < 0)
		return -1;
	if (c->cfg.no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return hk_error_errno(err, "no_new_privs");
	if (c->seccomp && hk_seccomp_install(&c->sprog, err) < 0)
		return -1;
	return hk_caps_limit(&c->caps, err);
}

/* In a user namespace, A becomes its root before the exec of the stub:
 * the kernel gives root's capabilities (the bounding set) across exec only
 * to the namespace's uid 0, and the caller's own uid may be unmapped. */
static int become_ns_root(struct hk_error **err)
{
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return hk_error_errno(
			err, "cannot become the container's root (uid and gid 0 must be mapped)");
	return 0;
}

/* --timing: A's steps to the parent, the last one (the stub's exec and
 * the command's run) left open: the parent ends it when A has exited. */
static void send_times(const struct attach_ctx *c)
{
	if (!hk_timing.on)
		return;
	hk_timing_add_as(HK_TIMING_CHILD, "exec-run", hk_timing_clock(), 0);
	struct hk_buf b = { 0 };
	hk_timing_encode(&hk_timing, 0, &b);
	struct hk_stub_msg m = { .stage = ATTACH_TIMES_STAGE };
	snprintf(m.text, sizeof(m.text), "%s", b.data);
	(void)send(c->errsock[1], &m, sizeof(m), MSG_NOSIGNAL);
	hk_buf_free(&b);
}

/* A runs hako's code in the container's namespaces but stays in the
 * host's pid namespace, where the container sees nothing of it.  What
 * enters the container's pid namespace is forked by the sealed stub that A
 * becomes: no process there ever maps the host's hako or its libraries. */
static __attribute__((noreturn)) void child_a(struct attach_ctx *c)
{
	struct hk_error *err = NULL;
	char go;
	prctl(PR_SET_DUMPABLE, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* Nothing of the caller's terminal goes along into the namespaces. */
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
		_exit(126);
	close(null);
	if (read(c->errsock[1], &go, 1) != 1)
		_exit(126);
	int64_t t = hk_timing_now();
	int ns = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
		 CLONE_NEWCGROUP;
	if (c->cfg.idmap.n)
		ns |= CLONE_NEWUSER;
	if (setns(c->pidfd, ns) < 0) {
		hk_error_errno(&err, "cannot join the container's namespaces");
		child_fail(c, err);
	}
	t = hk_timing_add("setns", t);
	struct pw_entry pw;
	int fds[3];
	if ((c->cfg.idmap.n && become_ns_root(&err) < 0) || confine(c, &err) < 0)
		child_fail(c, err);
	t = hk_timing_add("confine", t);
	if (resolve_user(c->o, &pw, &err) < 0)
		child_fail(c, err);
	if (c->o->pty) {
		fds[0] = fds[1] = fds[2] = open_pty(c, &err);
		if (fds[0] < 0)
			child_fail(c, err);
	} else {
		fds[0] = c->pipes[0][0], fds[1] = c->pipes[1][1], fds[2] = c->pipes[2][1];
	}
	struct hk_strv env = { 0 }, argv = { 0 };
	build_env(c->o, &pw, &env);
	stub_argv(c, &pw, fds, &argv);
	if (keep_for_stub(c, fds, &err) < 0)
		child_fail(c, err);
	hk_timing_add("user", t);
	send_times(c);
	hk_stub_exec(c->stubfd, argv.v, env.v);
	hk_error_errno(
		&err,
		"cannot run hako's sealed stub in the container (vm.memfd_noexec must be 0 or 1, and "
		"a seccomp profile must allow execveat)");
	child_fail(c, err);
}

/* ---- the parent ---- */

static int init_pidfd(const struct hk_ct *ct, struct hk_error **err)
{
	const char *name = ct->name;
	struct hk_state_file sf;
	enum hk_state s = hk_state_effective_ct(ct, &sf);
	if (s == HK_STATE_STOPPED && hk_runner_refuse(ct, HK_OP_ATTACH, err) < 0)
		return -1;
	if (s != HK_STATE_RUNNING && s != HK_STATE_FROZEN)
		return hk_ct_refuse_not_running(ct, err);
	if (s == HK_STATE_FROZEN)
		return hk_error_set(err, EAGAIN, "container \"%s\" is frozen; unfreeze it first",
				    name);
	int pidfd = hk_pidfd_open(sf.init_pid);
	if (pidfd < 0)
		return hk_error_errno(err, "container \"%s\": its init (pid %d) is gone", name,
				      (int)sf.init_pid);
	/* The pid could only have been reused if init was reaped, which
	 * changes the state file: check it still names the same init. */
	struct hk_state_file again;
	if (hk_state_effective_ct(ct, &again) != s || again.init_pid != sf.init_pid ||
	    again.started != sf.started) {
		close(pidfd);
		return hk_error_set(err, ESRCH, "container \"%s\" stopped while attaching", name);
	}
	return pidfd;
}

static int prepare(const struct hk_ct *ct, struct attach_ctx *c, struct hk_error **err)
{
	struct hk_strv overrides = { 0 };
	hk_start_overrides_load(ct, &overrides);
	int64_t t = hk_timing_now();
	int rc = hk_config_load_for_start(ct, &overrides, &c->cfg, err);
	hk_strv_clear(&overrides);
	t = hk_timing_add("config", t);
	if (rc < 0)
		return -1;
	if (hk_caps_plan(&c->cfg.cap_drop, &c->cfg.cap_keep, &c->caps, err) < 0 ||
	    hk_seccomp_plan_resolve(c->cfg.seccomp_profile, &c->seccomp, err) < 0)
		return -1;
	if (c->cfg.idmap.n == 0)
		hk_seccomp_add_host_guard(&c->seccomp);
	if (c->seccomp &&
	    hk_seccomp_prepare_cached(c->seccomp, hk_store_cache_dir(ct->st), &c->sprog, err) < 0)
		return -1;
	t = hk_timing_add("seccomp", t);
	if ((c->stubfd = hk_stub_open(err)) < 0)
		return -1;
	hk_timing_add("stub", t);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, c->errsock) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, c->fdsock) < 0)
		return hk_error_errno(err, "socketpair");
	for (int i = 0; i < 3 && !c->o->pty; i++)
		if (pipe2(c->pipes[i], O_CLOEXEC) < 0)
			return hk_error_errno(err, "pipe");
	return 0;
}

/* The container's cgroup, opened before A is made so that A can be born
 * in it.  A container that has none (an ordinary user without
 * delegation, warned at start) has nothing to join. */
static int open_cgroup(const struct hk_ct *ct, struct attach_ctx *c, struct hk_error **err)
{
	if (hk_ct_cgroup_open(ct, &c->cgs, err) < 0)
		return -1;
	c->cgs_open = true;
	if (c->cgs.cg && hk_nest_enabled(&c->cfg))
		hk_cgroup_attach_aside(c->cgs.cg);
	c->join = c->cgs.cg && hk_cgroup_exists(c->cgs.cg) ? c->cgs.cg : NULL;
	return 0;
}

/* A, born in the container's v2 cgroup when the caller may put a process
 * there (root): never moved there, so the kernel does not wait for an RCU
 * grace period (hk_cgroup_clone_target).  Otherwise forked, and moved by
 * join_cgroup. */
static pid_t fork_a(struct attach_ctx *c)
{
	hk_autoclose int target = c->join && geteuid() == 0 ? hk_cgroup_attach_target(c->join) : -1;
	if (target >= 0) {
		struct clone_args args = { .flags = CLONE_INTO_CGROUP,
					   .cgroup = (uint64_t)target,
					   .exit_signal = SIGCHLD };
		long pid = syscall(SYS_clone3, &args, sizeof(args));
		if (pid >= 0) {
			c->born = true;
			return (pid_t)pid;
		}
		hk_log(HK_LOG_DEBUG, "clone3 into the cgroup refused (%m): moved after");
	}
	return fork();
}

/* Puts A (and so the command) into the container's cgroup: every
 * hierarchy, or the v1 ones when A was born in the v2 one.  A failure
 * fails the attach: a command outside the cgroup would escape pids.max
 * and memory.max. */
static int join_cgroup(struct attach_ctx *c, pid_t pid, struct hk_error **err)
{
	if (!c->join)
		return 0;
	return c->born ? hk_cgroup_attach_born(c->join, pid, err)
		       : hk_cgroup_attach(c->join, pid, err);
}

static void copy_once(int from, int to, bool *open_flag)
{
	char buf[8192];
	ssize_t n = read(from, buf, sizeof(buf));
	if (n <= 0) {
		*open_flag = false;
		return;
	}
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));
		if (w <= 0)
			break;
		off += w;
	}
}

static void set_winsize(int from, int to)
{
	struct winsize ws;
	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		ioctl(to, TIOCSWINSZ, &ws);
}

/* Proxies until A has exited and its output is drained. */
static void proxy(struct attach_ctx *c, int a_pidfd, int master, int in, int out, int errfd)
{
	bool in_open = true, out_open = true, err_open = !c->o->pty, a_done = false;
	int src_out = c->o->pty ? master : c->pipes[1][0],
	    src_err = c->o->pty ? -1 : c->pipes[2][0];
	int dst_in = c->o->pty ? master : c->pipes[0][1];
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGWINCH);
	hk_autoclose int sigfd = c->o->pty ? signalfd(-1, &mask, SFD_CLOEXEC) : -1;
	while (out_open || err_open) {
		struct pollfd pf[5] = {
			{ in_open ? in : -1, POLLIN, 0 },
			{ out_open ? src_out : -1, POLLIN, 0 },
			{ err_open ? src_err : -1, POLLIN, 0 },
			{ a_done ? -1 : a_pidfd, POLLIN, 0 },
			{ sigfd, POLLIN, 0 },
		};
		if (poll(pf, 5, a_done ? 200 : -1) == 0)
			break; /* A is gone and nothing more came: done */
		if (pf[1].revents)
			copy_once(src_out, out, &out_open);
		if (pf[2].revents)
			copy_once(src_err, errfd, &err_open);
		if (pf[0].revents) {
			copy_once(in, dst_in, &in_open);
			if (!in_open && !c->o->pty)
				close(c->pipes[0][1]), c->pipes[0][1] = -1;
		}
		if (pf[3].revents)
			a_done = true;
		if (pf[4].revents) {
			struct signalfd_siginfo si;
			if (read(sigfd, &si, sizeof(si)) > 0)
				set_winsize(in, master);
		}
	}
}

static void ctx_close(struct attach_ctx *c)
{
	int *fds[] = { &c->errsock[0], &c->errsock[1], &c->fdsock[0], &c->fdsock[1] };
	for (size_t i = 0; i < HK_ARRAY_SIZE(fds); i++)
		if (*fds[i] >= 0)
			close(*fds[i]), *fds[i] = -1;
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 2; j++)
			if (c->pipes[i][j] >= 0)
				close(c->pipes[i][j]), c->pipes[i][j] = -1;
	if (c->pidfd >= 0)
		close(c->pidfd);
	c->pidfd = -1;
	if (c->stubfd >= 0)
		close(c->stubfd);
	c->stubfd = -1;
	hk_seccomp_plan_free(c->seccomp);
	c->seccomp = NULL;
	hk_seccomp_prog_free(&c->sprog);
	hk_config_free(&c->cfg);
	if (c->cgs_open)
		hk_ct_cgroup_close(&c->cgs);
	c->cgs_open = false;
	c->join = NULL;
}

static int run_parent(struct attach_ctx *c, const struct hk_ct *ct, pid_t a, int *exit_code,
		      struct hk_error **err)
{
	const char *name = ct->name;
	const struct hk_attach_opts *o = c->o;
	int in = o->in_fd, out = o->in_fd == 0 && o->out_fd == 0 ? 1 : o->out_fd;
	int errfd = o->in_fd == 0 && o->err_fd == 0 ? 2 : o->err_fd;
	close(c->errsock[1]), c->errsock[1] = -1;
	close(c->fdsock[1]), c->fdsock[1] = -1;
	for (int i = 0; i < 3 && !o->pty; i++)
		close(c->pipes[i][i == 0 ? 0 : 1]), c->pipes[i][i == 0 ? 0 : 1] = -1;
	int64_t t = hk_timing_now();
	if (join_cgroup(c, a, err) < 0) {
		kill(a, SIGKILL);
		while (waitpid(a, NULL, 0) < 0 && errno == EINTR)
			;
		return hk_error_prefix(err, "attach \"%s\"", name);
	}
	hk_timing_add("cgroup", t);
	if (write(c->errsock[0], "G", 1) != 1)
		return hk_error_errno(err, "cannot start the attach");
	hk_autoclose int master = -1;
	bool raw = false;
	if (o->pty) {
		master = hk_unixsock_recv_one_fd(c->fdsock[0]);
		if (master >= 0 && isatty(in)) {
			set_winsize(in, master);
			raw = hk_pty_raw_enter(in, NULL) == 0;
		}
	}
	sigset_t mask, old;
	sigemptyset(&mask);
	sigaddset(&mask, SIGWINCH);
	sigprocmask(SIG_BLOCK, &mask, &old);
	hk_autoclose int a_pidfd = hk_pidfd_open(a);
	if (!o->pty || master >= 0)
		proxy(c, a_pidfd, master, in, out, errfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (raw)
		hk_pty_raw_restore();
	int status;
	while (waitpid(a, &status, 0) < 0 && errno == EINTR)
		;
	hk_timing_close_open(hk_timing_now());
	struct hk_stub_msg m;
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	while (hk_recvmsg_queued(c->errsock[0], &mh, MSG_DONTWAIT) == (ssize_t)sizeof(m)) {
		m.text[sizeof(m.text) - 1] = '\0';
		if (m.stage != ATTACH_TIMES_STAGE)
			return hk_error_set(err, m.code, "attach \"%s\": %s", name, m.text);
		if (hk_timing.on) {
			hk_timing_decode_all(&hk_timing, m.text, strlen(m.text));
			hk_timing_close_open(hk_timing_now());
		}
	}
	*exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return 0;
}

int hk_attach(const struct hk_store *st, const char *name, const struct hk_attach_opts *o,
	      int *exit_code, struct hk_error **err)
{
	struct attach_ctx c = { .o = o,
				.pidfd = -1,
				.stubfd = -1,
				.errsock = { -1, -1 },
				.fdsock = { -1, -1 },
				.pipes = { { -1, -1 }, { -1, -1 }, { -1, -1 } } };
	hk_config_init(&c.cfg);
	int64_t t = hk_timing_last();
	hk_autoct struct hk_ct *ct = NULL;
	if (hk_ct_open(st, name, HK_CT_MAY_BE_MISSING, &ct, err) < 0)
		return -1;
	name = ct->name;
	c.pidfd = init_pidfd(ct, err);
	t = hk_timing_add("state", t);
	if (c.pidfd < 0 || prepare(ct, &c, err) < 0 ||
	    (t = hk_timing_now(), open_cgroup(ct, &c, err)) < 0) {
		ctx_close(&c);
		return hk_error_prefix(err, "attach \"%s\"", name);
	}
	t = hk_timing_add("cgroup-open", t);
	fflush(NULL);
	pid_t a = fork_a(&c);
	if (a < 0) {
		ctx_close(&c);
		return hk_error_errno(err, "attach \"%s\": fork", name);
	}
	if (a == 0) {
		hk_timing_become(HK_TIMING_CHILD);
		close(c.errsock[0]);
		close(c.fdsock[0]);
		child_a(&c);
	}
	hk_timing_add("fork", t);
	int rc = run_parent(&c, ct, a, exit_code, err);
	ctx_close(&c);
	return rc;
}
