/* remote-ssh.c - ssh as hako's transport (remote-ssh.h): argument
 * vectors, remote command lines, the control socket directory, running
 * ssh and telling its failures apart. */
#include "remote-ssh.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store-internal.h"

#define ERR_TAIL  16384
#define SOCK_ROOM (107 - 41) /* sun_path minus "/" and %C's 40 hex digits */

char *hk_shell_quote(const char *word)
{
	struct hk_buf b = { 0 };
	hk_buf_puts(&b, "'");
	for (const char *p = word; *p; p++) {
		if (*p == '\'')
			hk_buf_puts(&b, "'\\''");
		else
			hk_buf_append(&b, p, 1);
	}
	hk_buf_puts(&b, "'");
	return hk_buf_steal(&b);
}

char *hk_ssh_remote_command(char *const *words, size_t n)
{
	struct hk_buf b = { 0 };
	hk_buf_puts(&b, "hako");
	for (size_t i = 0; i < n; i++) {
		hk_autofree char *q = hk_shell_quote(words[i]);
		hk_buf_printf(&b, " %s", q);
	}
	return hk_buf_steal(&b);
}

/* -o KEY=VALUE */
static void push_opt(struct hk_strv *argv, const char *key, const char *value)
{
	hk_strv_push(argv, "-o");
	hk_strv_push_owned(argv, xasprintf("%s=%s", key, value));
}

/* "[USER@]HOST" as ssh and a person write it. */
static char *destination(const struct hk_remote *r)
{
	return r->user ? xasprintf("%s@%s", r->user, r->host) : xstrdup(r->host);
}

void hk_ssh_argv(const struct hk_ssh *s, const struct hk_remote *r, enum hk_ssh_mode mode,
		 const char *remote_cmd, struct hk_strv *argv)
{
	hk_strv_push(argv, "ssh");
	if (s->config) {
		hk_strv_push(argv, "-F");
		hk_strv_push(argv, s->config);
	}
	if (s->control_dir) {
		push_opt(argv, "ControlMaster", mode == HK_SSH_MASTER ? "yes" : "auto");
		hk_autofree char *path = xasprintf("%s/%%C", s->control_dir);
		push_opt(argv, "ControlPath", path);
		hk_autofree char *persist = xasprintf("%d", HK_SSH_PERSIST_S);
		push_opt(argv, "ControlPersist", persist);
	}
	if (s->batch)
		push_opt(argv, "BatchMode", "yes");
	if (s->connect_timeout) {
		hk_autofree char *t = xasprintf("%u", s->connect_timeout);
		push_opt(argv, "ConnectTimeout", t);
	}
	if (r->port) {
		hk_strv_push(argv, "-p");
		hk_strv_push_owned(argv, xasprintf("%u", r->port));
	}
	if (r->user) {
		hk_strv_push(argv, "-l");
		hk_strv_push(argv, r->user);
	}
	switch (mode) {
	case HK_SSH_RUN:
		hk_strv_push(argv, s->tty ? "-t" : "-T");
		break;
	case HK_SSH_CHECK:
	case HK_SSH_EXIT:
		hk_strv_push(argv, "-O");
		hk_strv_push(argv, mode == HK_SSH_CHECK ? "check" : "exit");
		break;
	case HK_SSH_MASTER:
		hk_strv_push(argv, "-f");
		hk_strv_push(argv, "-N");
		break;
	}
	hk_strv_push(argv, "--");
	hk_strv_push(argv, r->host);
	if (mode == HK_SSH_RUN && remote_cmd)
		hk_strv_push(argv, remote_cmd);
}

char *hk_ssh_login_command(const struct hk_ssh *s, const struct hk_remote *r)
{
	struct hk_buf b = { 0 };
	hk_buf_puts(&b, "ssh");
	if (s->config) {
		hk_autofree char *q = hk_shell_quote(s->config);
		hk_buf_printf(&b, " -F %s", q);
	}
	if (r->port)
		hk_buf_printf(&b, " -p %u", r->port);
	hk_autofree char *dest = destination(r);
	hk_buf_printf(&b, " %s", dest);
	return hk_buf_steal(&b);
}

/* ---- the control socket directory ------------------------------------ */

/* dir exists (made 0700 when it did not), is a directory reached without
 * a symlink, owned by us and closed to group and others. */
static int private_dir(const char *dir, struct hk_error **err)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return hk_error_errno(err, "cannot make the ssh socket directory \"%s\"", dir);
	hk_autoclose int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return hk_error_errno(err,
				      "cannot open the ssh socket directory \"%s\" (a symlink is "
				      "refused); remove it and try again",
				      dir);
	struct stat sb;
	if (fstat(fd, &sb) < 0)
		return hk_error_errno(err, "cannot stat \"%s\"", dir);
	if (sb.st_uid != geteuid())
		return hk_error_say(err, EPERM,
				    "the ssh socket directory \"%s\" belongs to uid %u, not to "
				    "you (uid %u): someone else made it; remove it",
				    dir, (unsigned)sb.st_uid, (unsigned)geteuid());
	if ((sb.st_mode & 077) && fchmod(fd, 0700) < 0)
		return hk_error_errno(err, "cannot make \"%s\" private (chmod 700)", dir);
	return 0;
}

/* The parent of the socket directory: made as the store makes its run
 * base when missing (0755 for root, 0700 for a user), never changed
 * when it exists (it is /run/hako or XDG_RUNTIME_DIR/hako). */
static int parent_dir(const char *base, struct hk_error **err)
{
	struct stat sb;
	if (lstat(base, &sb) == 0)
		return S_ISDIR(sb.st_mode) ? 0
					   : hk_error_say(err, ENOTDIR,
							  "\"%s\" is not a directory; remove it "
							  "so that hako can make it",
							  base);
	return hk_mkdir_p(base, geteuid() == 0 ? 0755 : 0700, err);
}

static char *user_base(void)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	struct stat sb;
	if (xdg && xdg[0] == '/' && stat(xdg, &sb) == 0 && S_ISDIR(sb.st_mode) &&
	    sb.st_uid == geteuid())
		return xasprintf("%s/hako", xdg);
	return NULL;
}

int hk_ssh_control_dir(char **out, struct hk_error **err)
{
	const char *env = getenv("HAKO_RUN_DIR");
	hk_autofree char *base = env && env[0] == '/' ? xstrdup(env)
				 : geteuid() == 0     ? xstrdup("/run/hako")
						      : user_base();
	hk_autofree char *dir = base ? xasprintf("%s/ssh", base) : NULL;
	if (dir && strlen(dir) <= SOCK_ROOM) {
		if (parent_dir(base, err) < 0 || private_dir(dir, err) < 0)
			return -1;
		*out = hk_steal_ptr(&dir);
		return 0;
	}
	/* No runtime directory, or one too long for a socket path: /tmp is
	 * sticky, so what private_dir checks cannot be swapped under us. */
	free(dir);
	dir = xasprintf("/tmp/hako-ssh-%u", (unsigned)geteuid());
	if (private_dir(dir, err) < 0)
		return -1;
	*out = hk_steal_ptr(&dir);
	return 0;
}

/* ---- failures ---------------------------------------------------------- */

static bool has(const char *text, const char *s)
{
	return text && strstr(text, s);
}

enum hk_ssh_fault hk_ssh_classify(int status, const char *t)
{
	if (status == 0)
		return HK_SSH_OK;
	if (status == 255) {
		if (has(t, "REMOTE HOST IDENTIFICATION HAS CHANGED"))
			return HK_SSH_KEY_CHANGED;
		if (has(t, "Host key verification failed") ||
		    has(t, "No ED25519 host key is known") || has(t, "host key is known for"))
			return HK_SSH_KEY_UNKNOWN;
		if (has(t, "Permission denied") || has(t, "Too many authentication failures"))
			return HK_SSH_AUTH;
		static const char *const down[] = {
			"Connection refused",
			"No route to host",
			"Connection timed out",
			"timed out",
			"Network is unreachable",
			"Could not resolve hostname",
			"Connection reset",
			"Connection closed by",
			"kex_exchange_identification",
		};
		for (size_t i = 0; i < HK_ARRAY_SIZE(down); i++)
			if (has(t, down[i]))
				return HK_SSH_UNREACHABLE;
		return HK_SSH_SSH_FAILED;
	}
	if (status == 127)
		return HK_SSH_NO_HAKO;
	return HK_SSH_REMOTE_FAILED;
}

/* The last non-empty line of ssh's message, for the report. */
static char *last_line(const char *t)
{
	if (!t)
		return xstrdup("");
	hk_autofree char *copy = xstrdup(t);
	char *last = NULL;
	for (char *save, *l = strtok_r(copy, "\r\n", &save); l; l = strtok_r(NULL, "\r\n", &save))
		if (*hk_str_trim(l))
			last = l;
	char *line = last ? hk_str_trim(last) : copy;
	if (!last)
		line[0] = '\0';
	size_t n = strlen(line);
	if (n > 0 && line[n - 1] == '.') /* the message goes on after it */
		line[n - 1] = '\0';
	return hk_str_escape(line, 200);
}

int hk_ssh_fail(const struct hk_ssh *s, const struct hk_remote *r, const char *what, int status,
		const char *t, struct hk_error **err)
{
	hk_autofree char *url = hk_remote_url(r);
	hk_autofree char *login = hk_ssh_login_command(s, r);
	hk_autofree char *why = last_line(t);
	hk_autofree char *dest = destination(r);
	hk_autofree char *port = r->port ? xasprintf("-p %u ", r->port) : xstrdup("");
	hk_autofree char *cfg = s->config ? xasprintf("-F %s ", s->config) : xstrdup("");
	hk_autofree char *keyhost = r->port && r->port != 22
					    ? xasprintf("'[%s]:%u'", r->host, r->port)
					    : xstrdup(r->host);
	const char *name = r->name;
	switch (hk_ssh_classify(status, t)) {
	case HK_SSH_OK:
		return 0;
	case HK_SSH_AUTH:
		return hk_error_say(
			err, EACCES,
			"%s: remote \"%s\" (%s): ssh cannot log in without a password "
			"or a key the host accepts (hako never prompts here: BatchMode): "
			"%s; install your key with `ssh-copy-id %s%s%s`, or log in "
			"once with `%s` to check",
			what, name, url, why, cfg, port, dest, login);
	case HK_SSH_KEY_CHANGED:
		return hk_error_say(
			err, EACCES,
			"%s: remote \"%s\" (%s): the host key of %s has CHANGED since "
			"it was recorded in known_hosts (a reinstalled host, or someone "
			"in between); if the change is expected, run `ssh-keygen -R %s` "
			"and then `%s` once to check and accept the new key",
			what, name, url, r->host, keyhost, login);
	case HK_SSH_KEY_UNKNOWN:
		return hk_error_say(err, EACCES,
				    "%s: remote \"%s\" (%s): the host key of %s is not known "
				    "(ssh: %s); run `%s` once to check the key's fingerprint and "
				    "accept it",
				    what, name, url, r->host, why, login);
	case HK_SSH_UNREACHABLE:
		return hk_error_say(err, EHOSTUNREACH,
				    "%s: remote \"%s\" (%s) cannot be reached: %s; check that the "
				    "host is up and runs sshd on that port, or test with `%s`",
				    what, name, url, why, login);
	case HK_SSH_NO_HAKO:
		return hk_error_say(err, ENOENT,
				    "%s: remote \"%s\" (%s) has no hako on the PATH of its "
				    "non-interactive shell (exit 127: %s); install hako %s there, "
				    "or put it on that PATH",
				    what, name, url, why, HAKO_VERSION);
	case HK_SSH_SSH_FAILED:
		return hk_error_say(err, EIO,
				    "%s: remote \"%s\" (%s): ssh failed: %s; try `%s` to see why",
				    what, name, url, why[0] ? why : "exit 255", login);
	case HK_SSH_REMOTE_FAILED:
		break;
	}
	return hk_error_say(err, EIO, "%s: remote \"%s\" (%s): hako exited with status %d%s%s",
			    what, name, url, status, why[0] ? ": " : "", why);
}

/* ---- running ssh ------------------------------------------------------- */

char *hk_ssh_read_err(int fd)
{
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0)
		return xstrdup("");
	off_t start = sb.st_size > ERR_TAIL ? sb.st_size - ERR_TAIL : 0;
	size_t n = (size_t)(sb.st_size - start);
	char *buf = xmalloc(n + 1);
	ssize_t got = pread(fd, buf, n, start);
	buf[got > 0 ? got : 0] = '\0';
	return buf;
}

static void child(char *const *argv, unsigned flags, const int in[2], const int out[2], int err_fd)
{
	if (!(flags & HK_SSH_INHERIT)) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null < 0 || dup2(flags & HK_SSH_PIPE_IN ? in[0] : null, 0) < 0 ||
		    dup2(flags & HK_SSH_PIPE_OUT ? out[1] : null, 1) < 0 || dup2(err_fd, 2) < 0)
			_exit(126);
	}
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execvp(argv[0], argv);
	dprintf(2, "ssh: cannot run %s: %s (install openssh-client)\n", argv[0], strerror(errno));
	_exit(127);
}

int hk_ssh_spawn(char *const *argv, unsigned flags, struct hk_ssh_proc *p, struct hk_error **err)
{
	*p = (struct hk_ssh_proc){ .pid = -1, .in_fd = -1, .out_fd = -1, .err_fd = -1 };
	int in[2] = { -1, -1 }, out[2] = { -1, -1 };
	p->err_fd = memfd_create("hako-ssh-stderr", MFD_CLOEXEC);
	if (p->err_fd < 0)
		return hk_error_errno(err, "memfd_create");
	if (((flags & HK_SSH_PIPE_IN) && pipe2(in, O_CLOEXEC) < 0) ||
	    ((flags & HK_SSH_PIPE_OUT) && pipe2(out, O_CLOEXEC) < 0)) {
		hk_error_errno(err, "pipe2");
		goto fail;
	}
	p->pid = fork();
	if (p->pid < 0) {
		hk_error_errno(err, "fork");
		goto fail;
	}
	if (p->pid == 0)
		child(argv, flags, in, out, p->err_fd);
	if (in[0] >= 0) {
		close(in[0]);
		p->in_fd = in[1];
		fcntl(p->in_fd, F_SETFL, O_NONBLOCK);
	}
	if (out[1] >= 0) {
		close(out[1]);
		p->out_fd = out[0];
		fcntl(p->out_fd, F_SETFL, O_NONBLOCK);
	}
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		hk_closep(&in[i]);
		hk_closep(&out[i]);
	}
	hk_closep(&p->err_fd);
	return -1;
}

int hk_ssh_proc_wait(struct hk_ssh_proc *p, int *status, char **err_text)
{
	hk_closep(&p->in_fd);
	hk_closep(&p->out_fd);
	int ws = 0;
	while (p->pid > 0 && waitpid(p->pid, &ws, 0) < 0) {
		if (errno != EINTR) {
			ws = 255 << 8;
			break;
		}
	}
	p->pid = -1;
	*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	if (err_text)
		*err_text = hk_ssh_read_err(p->err_fd);
	hk_closep(&p->err_fd);
	return 0;
}

/* Runs ssh with argv to its end, quietly; its status and message. */
static int run_quiet(struct hk_strv *argv, int *status, char **text, struct hk_error **err)
{
	struct hk_ssh_proc p;
	if (hk_ssh_spawn(argv->v, 0, &p, err) < 0)
		return -1;
	return hk_ssh_proc_wait(&p, status, text);
}

int hk_ssh_connect(const struct hk_ssh *s, const struct hk_remote *r, struct hk_error **err)
{
	int status = 0;
	hk_autostrv struct hk_strv check = { 0 };
	hk_ssh_argv(s, r, HK_SSH_CHECK, NULL, &check);
	int rc = run_quiet(&check, &status, NULL, err);
	if (rc < 0 || status == 0)
		return rc;
	/* -f: ssh goes to the background once logged in, and the connection
	 * stays there (ControlPersist) with its stderr: a memfd, not a pipe
	 * whose end would never come. */
	hk_autostrv struct hk_strv open_it = { 0 };
	hk_ssh_argv(s, r, HK_SSH_MASTER, NULL, &open_it);
	hk_autofree char *text = NULL;
	rc = run_quiet(&open_it, &status, &text, err);
	if (rc < 0)
		return -1;
	if (status == 0)
		return 0;
	return hk_ssh_fail(s, r, "connect", status == 127 ? 255 : status, text, err);
}

int hk_ssh_run_foreground(const struct hk_ssh *s, const struct hk_remote *r, char *const *words,
			  size_t n, struct hk_error **err)
{
	hk_autofree char *cmd = hk_ssh_remote_command(words, n);
	hk_autostrv struct hk_strv argv = { 0 };
	hk_ssh_argv(s, r, HK_SSH_RUN, cmd, &argv);
	struct hk_ssh_proc p;
	/* Ctrl-C and Ctrl-\ are for the remote command (with -t they travel
	 * as bytes; without, ssh passes them on): hako waits for its status. */
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	int rc = hk_ssh_spawn(argv.v, HK_SSH_INHERIT, &p, err);
	int status = 0;
	if (rc == 0)
		hk_ssh_proc_wait(&p, &status, NULL);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (rc < 0)
		return -1;
	if (status == 127)
		return hk_ssh_fail(s, r, words[0], status, "hako: command not found", err);
	if (status == 255)
		return hk_ssh_fail(s, r, words[0], status, NULL, err);
	return status;
}

int hk_ssh_capture(const struct hk_ssh *s, const struct hk_remote *r, char *const *words, size_t n,
		   unsigned timeout_ms, char **out, int *status, char **err_text,
		   struct hk_error **err)
{
	hk_autofree char *cmd = hk_ssh_remote_command(words, n);
	hk_autostrv struct hk_strv argv = { 0 };
	hk_ssh_argv(s, r, HK_SSH_RUN, cmd, &argv);
	struct hk_ssh_proc p;
	int rc = hk_ssh_spawn(argv.v, HK_SSH_PIPE_OUT, &p, err);
	if (rc < 0)
		return -1;
	struct hk_buf b = { 0 };
	long long deadline = hk_now_ms() + timeout_ms;
	for (;;) {
		long long left = deadline - hk_now_ms();
		struct pollfd pfd = { .fd = p.out_fd, .events = POLLIN };
		if (left <= 0) {
			kill(p.pid, SIGTERM);
			break;
		}
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			break;
		char buf[4096];
		ssize_t got = read(p.out_fd, buf, sizeof(buf));
		if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR))
			break;
		if (got > 0 && b.len < (1u << 20))
			hk_buf_append(&b, buf, (size_t)got);
	}
	hk_ssh_proc_wait(&p, status, err_text);
	*out = hk_buf_steal(&b);
	return 0;
}
