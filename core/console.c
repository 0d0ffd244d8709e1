/* console.c - the viewer side of a container console: two connections to
 * the monitor, one turned into a raw byte stream (proxy mode), one for
 * control messages (window size). */
#include "console.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"
#include "lifecycle.h"
#include "proto.h"
#include "runner.h"
#include "sanitize.h"
#include "state.h"
#include "unixsock.h"

static int send_winsize(int ctl, int tty_fd, unsigned tty)
{
	struct winsize ws;
	if (ioctl(tty_fd, TIOCGWINSZ, &ws) < 0 || !ws.ws_row || !ws.ws_col)
		return 0;
	struct hk_buf req = { 0 };
	size_t s = hk_proto_begin(&req, HK_MSG_WINSIZE, 0);
	hk_proto_put_u32(&req, HK_TAG_ROWS, ws.ws_row);
	hk_proto_put_u32(&req, HK_TAG_COLS, ws.ws_col);
	(void)tty;
	hk_automsg struct hk_msg reply;
	hk_msg_init(&reply);
	int rc = hk_proto_end(&req, s, NULL);
	if (rc == 0)
		rc = hk_monitor_call(ctl, &req, &reply, 2000, NULL);
	hk_buf_free(&req);
	return rc;
}

static int open_view(const struct hk_ct *ct, const struct hk_console_opts *o, struct hk_error **err)
{
	const char *name = ct->name;
	int fd = hk_ct_monitor_connect(ct, err);
	if (fd < 0)
		return -1;
	struct hk_buf req = { 0 };
	size_t s = hk_proto_begin(&req, HK_MSG_CONSOLE_ATTACH, 0);
	hk_proto_put_u32(&req, HK_TAG_TTY, o->tty);
	hk_proto_put_u32(&req, HK_TAG_WANT_LOG, o->replay);
	hk_automsg struct hk_msg reply;
	hk_msg_init(&reply);
	int rc = hk_proto_end(&req, s, err);
	if (rc == 0)
		rc = hk_monitor_call(fd, &req, &reply, 5000, err);
	hk_buf_free(&req);
	if (rc == 0 && (reply.type != HK_MSG_CONSOLE ||
			hk_msg_u32_or(&reply, HK_TAG_CONSOLE_MODE, 0) != HK_CONSOLE_PROXY))
		rc = hk_error_set(err, EPROTO,
				  "the monitor of \"%s\" answered the console request oddly", name);
	if (rc < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

void hk_console_opts_init(struct hk_console_opts *o, const struct hk_store *st)
{
	const struct hk_settings *s = st ? hk_store_settings(st) : NULL;
	*o = (struct hk_console_opts){ .escape = s ? s->console_escape : HK_ESCAPE_DEFAULT,
				       .replay = s ? s->console_replay : true,
				       .filter = s && s->console_filter };
}

enum proxy_end { GO_ON, DETACHED, GONE };

/* One viewer: what was typed goes to the monitor without waiting (held
 * in typed[sent..], at most HK_CONSOLE_TYPED_MAX), what the container
 * wrote comes back, through the filter when asked for. */
struct proxy {
	int in, out,
		view; /* in -1: nothing is typed here (hako execute with stdin not a terminal) */
	int tty;      /* the terminal whose size the console follows, or -1 */
	bool in_open, in_tty, no_escape;
	struct hk_escape esc;
	struct hk_buf typed;
	size_t sent;
	struct hk_term_filter *filter; /* NULL: bytes as they are */
	struct hk_buf shown;
};

/* false when the monitor is gone. */
static bool send_typed(struct proxy *p)
{
	while (p->sent < p->typed.len) {
		ssize_t w = send(p->view, p->typed.data + p->sent, p->typed.len - p->sent,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno == EAGAIN;
		p->sent += (size_t)w;
	}
	p->typed.len = p->sent = 0;
	return true;
}

static enum proxy_end read_typed(struct proxy *p)
{
	char buf[8192], keyed[sizeof(buf) + 1];
	ssize_t n = read(p->in, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return GO_ON;
	if (n <= 0) {
		/* A terminal that hung up ends the session; a file or a pipe
		 * that ended is sent in full first. */
		p->in_open = false;
		return p->in_tty ? DETACHED : GO_ON;
	}
	size_t f = (size_t)n;
	if (p->no_escape)
		memcpy(keyed, buf, f);
	else
		f = hk_escape_feed(&p->esc, buf, (size_t)n, keyed);
	if (p->sent) {
		memmove(p->typed.data, p->typed.data + p->sent, p->typed.len - p->sent);
		p->typed.len -= p->sent;
		p->sent = 0;
	}
	hk_buf_append(&p->typed, keyed, f);
	if (!send_typed(p))
		return GONE;
	return p->esc.detached ? DETACHED : GO_ON;
}

static enum proxy_end show_output(struct proxy *p)
{
	char buf[8192];
	ssize_t n = read(p->view, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return GO_ON;
	if (n <= 0)
		return GONE;
	const char *show = buf;
	size_t len = (size_t)n;
	if (p->filter) {
		p->shown.len = 0;
		hk_term_filter_feed(p->filter, buf, len, &p->shown);
		show = p->shown.data, len = p->shown.len;
	}
	return len && hk_write_all(p->out, show, len, NULL) < 0 ? DETACHED : GO_ON;
}

static enum proxy_end proxy_step(struct proxy *p, int ctl, int sigfd, unsigned tty)
{
	bool held = p->sent < p->typed.len;
	if (p->in >= 0 && !p->in_open && !held)
		return DETACHED;
	bool room = p->in_open && p->typed.len - p->sent < HK_CONSOLE_TYPED_MAX;
	struct pollfd pf[3] = { { room ? p->in : -1, POLLIN, 0 },
				{ p->view, (short)(POLLIN | (held ? POLLOUT : 0)), 0 },
				{ sigfd, POLLIN, 0 } };
	if (poll(pf, sigfd >= 0 ? 3 : 2, -1) < 0)
		return errno == EINTR ? GO_ON : GONE;
	enum proxy_end e = GO_ON;
	if ((pf[1].revents & POLLOUT) && !send_typed(p))
		return GONE;
	if (pf[1].revents & (POLLIN | POLLHUP | POLLERR))
		e = show_output(p);
	if (e == GO_ON && pf[0].revents)
		e = read_typed(p);
	if (e == GO_ON && sigfd >= 0 && pf[2].revents) {
		struct signalfd_siginfo si;
		if (read(sigfd, &si, sizeof(si)) > 0)
			send_winsize(ctl, p->tty, tty);
	}
	return e;
}

/* The proxy loop; returns 1 on detach, 0 when the container went away. */
static int proxy(int in, int out, int view, int ctl, int sigfd, const struct hk_console_opts *o)
{
	struct hk_term_filter filter;
	bool in_tty = in >= 0 && isatty(in);
	struct proxy p = {
		.in = in,
		.out = out,
		.view = view,
		.in_open = in >= 0,
		.in_tty = in_tty,
		.tty = in_tty	     ? in
		       : isatty(out) ? out
				     : -1,
		.no_escape = o->no_escape,
	};
	hk_escape_init(&p.esc, o->escape ? o->escape : HK_ESCAPE_DEFAULT);
	if (o->filter) {
		hk_term_filter_init(&filter);
		p.filter = &filter;
	}
	enum proxy_end e;
	while ((e = proxy_step(&p, ctl, sigfd, o->tty)) == GO_ON)
		;
	hk_buf_free(&p.typed);
	hk_buf_free(&p.shown);
	return e == DETACHED;
}

int hk_console_proxy(int view, int ctl, int in, int out, const struct hk_console_opts *o,
		     struct hk_error **err)
{
	bool raw = in >= 0 && isatty(in);
	int tty = raw ? in : isatty(out) ? out : -1;
	if (raw && hk_pty_raw_enter(in, err) < 0)
		return -1;
	if (tty >= 0 && ctl >= 0)
		send_winsize(ctl, tty, o->tty);
	sigset_t mask, old;
	sigemptyset(&mask);
	sigaddset(&mask, SIGWINCH);
	sigprocmask(SIG_BLOCK, &mask, &old);
	hk_autoclose int sigfd = tty >= 0 && ctl >= 0 ? signalfd(-1, &mask, SFD_CLOEXEC) : -1;
	int detached = proxy(in, out, view, ctl, sigfd, o);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (raw)
		hk_pty_raw_restore();
	return detached;
}

/* The container's handle and a connection to its monitor: -1 with the
 * refusal (a bad name, another runner's container, not running). */
static int connect_monitor(const struct hk_store *st, const char *name, struct hk_ct **ct,
			   struct hk_error **err)
{
	if (hk_ct_open(st, name, HK_CT_MAY_BE_MISSING, ct, err) < 0 ||
	    hk_runner_refuse(*ct, HK_OP_CONSOLE, err) < 0)
		return -1;
	return hk_ct_monitor_connect(*ct, err);
}

int hk_console_run(const struct hk_store *st, const char *name, const struct hk_console_opts *o,
		   int *exit_status, struct hk_error **err)
{
	int in = o->in_fd, out = o->in_fd == 0 && o->out_fd == 0 ? 1 : o->out_fd;
	hk_autoct struct hk_ct *ct = NULL;
	hk_autoclose int ctl = connect_monitor(st, name, &ct, err);
	if (ctl < 0)
		return hk_error_prefix(err, "console \"%s\"", name);
	name = ct->name;
	hk_autoclose int view = open_view(ct, o, err);
	if (view < 0)
		return hk_error_prefix(err, "console \"%s\"", name);
	bool tty = isatty(in);
	if (tty) {
		char c = (char)('a' + (o->escape ? o->escape : 1) - 1);
		dprintf(out,
			"Connected to the %s of \"%s\": type Ctrl+%c q to detach, Ctrl+%c Ctrl+%c for Ctrl+%c.\r\n",
			o->tty ? "tty" : "console", name, c, c, c, c);
	}
	int detached = hk_console_proxy(view, ctl, in, out, o, err);
	if (detached < 0)
		return -1;
	if (tty)
		dprintf(out, "\r\n%s \"%s\".\r\n",
			detached ? "Detached from" : "The container stopped:", name);
	if (exit_status) {
		*exit_status = 0;
		struct hk_state_file sf;
		if (!detached && hk_state_effective_ct(ct, &sf) == HK_STATE_STOPPED &&
		    sf.exit_status > 0)
			*exit_status = WIFEXITED(sf.exit_status) ? WEXITSTATUS(sf.exit_status)
								 : 128 + WTERMSIG(sf.exit_status);
	}
	return 0;
}

int hk_console_log(const struct hk_store *st, const char *name, struct hk_buf *out,
		   struct hk_error **err)
{
	hk_autoct struct hk_ct *ct = NULL;
	hk_autoclose int fd = connect_monitor(st, name, &ct, err);
	if (fd < 0)
		return hk_error_prefix(err, "console log of \"%s\"", name);
	int64_t offset = 0;
	for (int rounds = 0; rounds < 64; rounds++) {
		struct hk_buf req = { 0 };
		size_t s = hk_proto_begin(&req, HK_MSG_CONSOLE_LOG_GET, 0);
		hk_proto_put_i64(&req, HK_TAG_OFFSET, offset);
		hk_automsg struct hk_msg reply;
		hk_msg_init(&reply);
		int rc = hk_proto_end(&req, s, err);
		if (rc == 0)
			rc = hk_monitor_call(fd, &req, &reply, 5000, err);
		hk_buf_free(&req);
		const void *data = NULL;
		size_t len = 0;
		int64_t start = 0, total = 0;
		if (rc < 0 || hk_msg_get_i64(&reply, HK_TAG_OFFSET, &start, err) < 0 ||
		    hk_msg_get_i64(&reply, HK_TAG_TOTAL, &total, err) < 0 ||
		    hk_msg_get_bytes(&reply, HK_TAG_DATA, &data, &len, err) < 0)
			return hk_error_prefix(err, "console log of \"%s\"", name);
		hk_buf_append(out, data, len);
		offset = start + (int64_t)len;
		if (len == 0 || offset >= total)
			return 0;
	}
	return 0;
}
