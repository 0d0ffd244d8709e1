/* execute.c - the caller's side of `hako execute` (see execute.h): the
 * channel and the console view, the start, passing signals on, and CMD's
 * status at the end. */
#include "execute.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "console.h"
#include "container.h"
#include "lifecycle.h"
#include "log.h"

int hk_execute_exit_code(int wait_status)
{
	if (WIFSIGNALED(wait_status))
		return 128 + WTERMSIG(wait_status);
	return WEXITSTATUS(wait_status);
}

int hk_execute_parse_end(const char *line, int *wait_status)
{
	long v;
	if (!hk_str_has_prefix(line, "EXIT ") || !hk_parse_long(line + 5, &v) || v < 0 ||
	    v > 0xffff)
		return -1;
	*wait_status = (int)v;
	return 0;
}

void hk_execute_candidates(const char *cmd, const char *path, struct hk_strv *out)
{
	if (strchr(cmd, '/')) {
		hk_strv_push(out, cmd);
		return;
	}
	for (const char *p = path;;) {
		size_t len = strcspn(p, ":");
		if (len == 0)
			hk_strv_push(out, cmd); /* an empty entry: the working directory */
		else
			hk_strv_push_owned(out, xasprintf("%.*s/%s", (int)len, p, cmd));
		if (!p[len])
			break;
		p += len + 1;
	}
}

const char *hk_execute_path_of(const struct hk_strv *environment)
{
	const char *path = HK_CONTAINER_PATH;
	for (size_t i = 0; environment && i < environment->n; i++)
		if (hk_str_has_prefix(environment->v[i], "PATH="))
			path = environment->v[i] + 5;
	return path;
}

/* ---- signals: one byte each to the monitor ---- */

/* What `hako execute` passes on (SIGINT and SIGQUIT too: on a terminal
 * that is not raw, ^C and ^\ reach this process, not CMD).  They are
 * caught from before the start: CMD may run (and a script send it a
 * signal) before hk_start returns here.  Blocked meanwhile, so that the
 * monitor, forked with these handlers, takes none before it resets them. */
static const int forwarded[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
static int forward_fd = -1;
static struct sigaction saved[HK_ARRAY_SIZE(forwarded)];

static void forward_signal(int sig)
{
	int e = errno;
	unsigned char b = (unsigned char)sig;
	(void)send(forward_fd, &b, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	errno = e;
}

static void forwarded_set(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < HK_ARRAY_SIZE(forwarded); i++)
		sigaddset(set, forwarded[i]);
}

/* Blocks them (the mask before in *old) and installs the handler; a
 * signal that comes is held until forward_signals_go. */
static void forward_signals(int chan, sigset_t *old)
{
	sigset_t set;
	forwarded_set(&set);
	sigprocmask(SIG_BLOCK, &set, old);
	forward_fd = chan;
	struct sigaction sa = { .sa_handler = forward_signal, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < HK_ARRAY_SIZE(forwarded); i++)
		sigaction(forwarded[i], &sa, &saved[i]);
}

static void forward_signals_go(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
}

/* The handlers as they were; a signal still held is dropped (it was for
 * CMD, which is gone), not acted on with the old disposition. */
static void forward_signals_end(const sigset_t *old)
{
	sigset_t set;
	forwarded_set(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	struct sigaction ign = { .sa_handler = SIG_IGN };
	for (size_t i = 0; i < HK_ARRAY_SIZE(forwarded); i++) {
		sigaction(forwarded[i], &ign, NULL); /* discards a pending one */
		sigaction(forwarded[i], &saved[i], NULL);
	}
	forward_fd = -1;
	sigprocmask(SIG_SETMASK, old, NULL);
}

void hk_execute_child_signals(void)
{
	sigset_t set;
	forwarded_set(&set);
	for (size_t i = 0; i < HK_ARRAY_SIZE(forwarded); i++)
		signal(forwarded[i], SIG_DFL);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

/* ---- the caller's side ---- */

struct caller {
	int chan, view;	     /* this side's ends, or -1 */
	int tty_in, tty_out; /* the terminal to proxy: fds of this process, or -1 */
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* The monitor's ends and CMD's stdio: the monitor holds its own copies
 * once started. */
static void close_app_ends(struct hk_app *app)
{
	close_fd(&app->chan);
	close_fd(&app->view);
	for (int i = 0; i < 3; i++)
		close_fd(&app->stdio[i]);
}

/* CMD's stdio: this process's descriptors, but the console wherever one
 * is a terminal (never handed to the container) or is closed; a view of
 * the console for this side when any is a terminal.  A directory is
 * refused: openat() from it reaches the host's files beside whatever the
 * container may see (`hako execute c1 -- cmd < /`). */
static int caller_open(struct caller *c, struct hk_app *app, struct hk_error **err)
{
	static const char *const names[] = { "standard input", "standard output",
					     "standard error" };
	int pair[2];
	for (int fd = 0; fd < 3; fd++) {
		struct stat st;
		if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
			return hk_error_set(
				err, EISDIR,
				"%s is a directory of the host (the container could "
				"open any file under it); give the command a file, a pipe or "
				"a terminal",
				names[fd]);
		if (isatty(fd)) {
			if (fd == 0)
				c->tty_in = 0;
			else if (c->tty_out < 0)
				c->tty_out = fd;
			continue;
		}
		app->stdio[fd] = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	}
	if (c->tty_in >= 0 && c->tty_out < 0)
		c->tty_out = 0; /* the echo of what is typed goes back where it was typed */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
		return hk_error_errno(err, "cannot make the channel to the monitor");
	c->chan = app->peer_chan = pair[0];
	app->chan = pair[1];
	if (c->tty_out < 0)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
		return hk_error_errno(err, "cannot make the console view");
	c->view = app->peer_view = pair[0];
	app->view = pair[1];
	app->term = getenv("TERM");
	struct winsize ws;
	if (ioctl(c->tty_out, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
		app->rows = ws.ws_row;
		app->cols = ws.ws_col;
	}
	return 0;
}

/* The monitor's last line: CMD's wait status, once all is cleaned up. */
static int read_end(int chan, const char *name, int *wait_status, struct hk_error **err)
{
	char line[64] = { 0 };
	size_t len = 0;
	while (len < sizeof(line) - 1) {
		ssize_t r = read(chan, line + len, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || line[len] == '\n')
			break;
		len++;
	}
	line[len] = '\0';
	if (hk_execute_parse_end(line, wait_status) < 0)
		return hk_error_set(err, EPROTO,
				    "the monitor of \"%s\" ended without telling how the command "
				    "ended; \"hako info %s\" shows the container's state",
				    name, name);
	return 0;
}

/* The console view until the monitor closes it (the container stopped);
 * its window size follows this terminal through a control connection. */
static void show_console(const struct hk_ct *ct, const struct caller *c)
{
	struct hk_console_opts co;
	hk_console_opts_init(&co, ct->st);
	co.no_escape = true;
	hk_autoclose int ctl = hk_ct_monitor_connect(ct, NULL);
	hk_autoerr struct hk_error *err = NULL;
	if (hk_console_proxy(c->view, ctl, c->tty_in, c->tty_out, &co, &err) < 0)
		hk_log(HK_LOG_WARN, "execute \"%s\": %s", ct->name, err->msg);
}

/* Starts the container with CMD (argv) and, unless -d, waits for its end.
 * (hk_start takes the store, whose config cache the monitor may change, so
 * it opens its own handle.) */
static int run(struct hk_store *st, const struct hk_ct *ct, const struct hk_execute_opts *o,
	       char *const *argv, int *code, struct hk_error **err)
{
	const char *name = ct->name;
	struct hk_app app = { .argv = argv,
			      .uid = o->uid,
			      .gid = o->gid,
			      .stdio = { -1, -1, -1 },
			      .chan = -1,
			      .view = -1,
			      .peer_chan = -1,
			      .peer_view = -1 };
	struct caller c = { .chan = -1, .view = -1, .tty_in = -1, .tty_out = -1 };
	if (!o->daemon && caller_open(&c, &app, err) < 0) {
		close_app_ends(&app);
		close_fd(&c.chan);
		close_fd(&c.view);
		return hk_error_prefix(err, "execute \"%s\"", name);
	}
	struct hk_start_opts so = { .overrides = o->overrides, .app = &app };
	sigset_t mask;
	if (!o->daemon)
		forward_signals(c.chan, &mask);
	int rc = hk_start(st, name, &so, NULL, err);
	close_app_ends(&app);
	if (rc == 0 && !o->daemon) {
		forward_signals_go(&mask);
		if (c.view >= 0)
			show_console(ct, &c);
		int status = 0;
		rc = read_end(c.chan, name, &status, err);
		if (rc == 0)
			*code = hk_execute_exit_code(status);
	}
	if (!o->daemon)
		forward_signals_end(&mask);
	close_fd(&c.chan);
	close_fd(&c.view);
	return rc;
}

/* No command given: lxc.execute.cmd's words (LXC's default), into *words. */
static int default_cmd(const struct hk_ct *ct, const struct hk_execute_opts *o,
		       struct hk_strv *words, struct hk_error **err)
{
	const char *name = ct->name;
	struct hk_config cfg;
	if (hk_config_load_for_start(ct, o->overrides, &cfg, err) < 0)
		return hk_error_prefix(err, "execute \"%s\"", name);
	hk_autofree char *copy = xstrdup(cfg.execute_cmd ? cfg.execute_cmd : "");
	hk_config_free(&cfg);
	for (char *save, *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		hk_strv_push(words, w);
	if (words->n == 0)
		return hk_error_set(err, EINVAL,
				    "execute \"%s\": which command? give it after --: \"hako "
				    "execute %s -- CMD [ARGS...]\", or set lxc.execute.cmd",
				    name, name);
	return 0;
}

int hk_execute(struct hk_store *st, const char *name, const struct hk_execute_opts *o, int *code,
	       struct hk_error **err)
{
	*code = 0;
	hk_autoct struct hk_ct *ct = NULL;
	if (hk_ct_open(st, name, HK_CT_EXISTING, &ct, err) < 0)
		return hk_error_prefix(err, "execute \"%s\"", name);
	hk_autostrv struct hk_strv words = { 0 };
	bool given = o->argv && o->argv[0] && *o->argv[0];
	if (!given && default_cmd(ct, o, &words, err) < 0)
		return -1;
	return run(st, ct, o, given ? o->argv : words.v, code, err);
}
