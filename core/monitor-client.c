/* monitor-client.c - the monitor socket's clients: a table of request
 * handlers for control connections, and console viewers (proxy mode),
 * each reading the terminal's ring buffer at its own pace. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "timing.h"
#include "monitor-internal.h"
#include "unixsock.h"

#define CONTROL_TIMEOUT_MS 200

typedef int (*request_fn)(struct hk_monitor *m, size_t i, const struct hk_msg *req,
			  struct hk_buf *reply, struct hk_error **err);

static int reply_ok(struct hk_buf *reply, struct hk_error **err)
{
	return hk_proto_encode_simple(reply, HK_MSG_OK, err);
}

static int on_hello(struct hk_monitor *m, size_t i, const struct hk_msg *req, struct hk_buf *reply,
		    struct hk_error **err)
{
	(void)m, (void)i, (void)req;
	size_t s = hk_proto_begin(reply, HK_MSG_HELLO, 0);
	hk_proto_put_u32(reply, HK_TAG_VERSION, HK_PROTO_VERSION);
	return hk_proto_end(reply, s, err);
}

static int on_state_get(struct hk_monitor *m, size_t i, const struct hk_msg *req,
			struct hk_buf *reply, struct hk_error **err)
{
	(void)i, (void)req;
	size_t s = hk_proto_begin(reply, HK_MSG_STATE, 0);
	hk_proto_put_str(reply, HK_TAG_STATE, hk_state_name(m->state.state));
	hk_proto_put_u32(reply, HK_TAG_INIT_PID, (uint32_t)m->init_pid);
	hk_proto_put_u32(reply, HK_TAG_MONITOR_PID, (uint32_t)getpid());
	hk_proto_put_i64(reply, HK_TAG_STARTED, m->state.started);
	return hk_proto_end(reply, s, err);
}

static int on_stop(struct hk_monitor *m, size_t i, const struct hk_msg *req, struct hk_buf *reply,
		   struct hk_error **err)
{
	uint32_t timeout = hk_msg_u32_or(req, HK_TAG_TIMEOUT_MS, 30000);
	bool kill_now = hk_msg_u32_or(req, HK_TAG_KILL, 0);
	bool reboot = hk_msg_u32_or(req, HK_TAG_REBOOT, 0);
	if (hk_msg_u32_or(req, HK_TAG_TIMING, 0) && !reboot) {
		m->clients[i].wants_times = true;
		hk_timing_enable_as(HK_TIMING_MONITOR);
	}
	if (hk_monitor_request_stop(m, timeout, kill_now, reboot, err) < 0)
		return -1;
	m->clients[i].awaits_stop = !kill_now && !reboot;
	m->clients[i].stop_client = !reboot;
	return reply_ok(reply, err);
}

static int on_kill(struct hk_monitor *m, size_t i, const struct hk_msg *req, struct hk_buf *reply,
		   struct hk_error **err)
{
	(void)i;
	uint32_t sig;
	if (hk_msg_get_u32(req, HK_TAG_SIGNAL, &sig, err) < 0)
		return -1;
	if (sig == 0 || sig >= 65)
		return hk_error_set(err, EINVAL, "signal %u is out of range", sig);
	if (hk_pidfd_signal(m->pidfd, (int)sig) < 0)
		return hk_error_errno(err, "cannot signal init of \"%s\"", m->name);
	return reply_ok(reply, err);
}

static int on_freeze(struct hk_monitor *m, size_t i, const struct hk_msg *req, struct hk_buf *reply,
		     struct hk_error **err)
{
	(void)i;
	if (hk_monitor_set_frozen(m, req->type == HK_MSG_FREEZE, err) < 0)
		return -1;
	return reply_ok(reply, err);
}

static int on_console_attach(struct hk_monitor *m, size_t i, const struct hk_msg *req,
			     struct hk_buf *reply, struct hk_error **err)
{
	uint32_t tty = hk_msg_u32_or(req, HK_TAG_TTY, 0);
	if (tty >= m->n_terms)
		return hk_error_set(err, ENOENT,
				    "container \"%s\" has no tty %u (lxc.tty.max = %zu)", m->name,
				    tty, m->n_terms - 1);
	size_t s = hk_proto_begin(reply, HK_MSG_CONSOLE, 0);
	hk_proto_put_u32(reply, HK_TAG_TTY, tty);
	hk_proto_put_u32(reply, HK_TAG_CONSOLE_MODE, HK_CONSOLE_PROXY);
	if (hk_proto_end(reply, s, err) < 0)
		return -1;
	/* After this reply the connection carries raw console bytes. */
	struct mon_client *c = &m->clients[i];
	c->mode = CLIENT_PROXY;
	c->tty = tty;
	hk_ringbuf_reader_init(m->terms[tty].ring, &c->reader,
			       hk_msg_u32_or(req, HK_TAG_WANT_LOG, 0));
	return 0;
}

static int on_console_log(struct hk_monitor *m, size_t i, const struct hk_msg *req,
			  struct hk_buf *reply, struct hk_error **err)
{
	(void)i;
	int64_t offset = 0;
	if (hk_msg_has(req, HK_TAG_OFFSET) && hk_msg_get_i64(req, HK_TAG_OFFSET, &offset, err) < 0)
		return -1;
	const struct hk_ringbuf *rb = m->terms[0].ring;
	hk_autofree char *chunk = xmalloc(HK_PROTO_MAX_LOG_CHUNK);
	uint64_t start = 0, lost = 0;
	size_t n = hk_ringbuf_read_from(rb, offset < 0 ? 0 : (uint64_t)offset, chunk,
					HK_PROTO_MAX_LOG_CHUNK, &start, &lost);
	size_t s = hk_proto_begin(reply, HK_MSG_CONSOLE_LOG, 0);
	hk_proto_put_i64(reply, HK_TAG_OFFSET, (int64_t)start);
	hk_proto_put_i64(reply, HK_TAG_TOTAL, (int64_t)hk_ringbuf_total(rb));
	hk_proto_put_i64(reply, HK_TAG_LOST, (int64_t)lost);
	hk_proto_put_bytes(reply, HK_TAG_DATA, chunk, n);
	return hk_proto_end(reply, s, err);
}

static int on_winsize(struct hk_monitor *m, size_t i, const struct hk_msg *req,
		      struct hk_buf *reply, struct hk_error **err)
{
	(void)i;
	uint32_t rows, cols;
	if (hk_msg_get_u32(req, HK_TAG_ROWS, &rows, err) < 0 ||
	    hk_msg_get_u32(req, HK_TAG_COLS, &cols, err) < 0)
		return -1;
	if (rows == 0 || cols == 0 || rows > 10000 || cols > 10000)
		return hk_error_set(err, EINVAL, "window size %ux%u is out of range", cols, rows);
	uint32_t tty = hk_msg_u32_or(req, HK_TAG_TTY, 0);
	if (tty >= m->n_terms)
		return hk_error_set(err, ENOENT, "no tty %u", tty);
	if (hk_pty_set_winsize(m->terms[tty].pty.master, (unsigned short)rows, (unsigned short)cols,
			       err) < 0)
		return -1;
	return reply_ok(reply, err);
}

static const request_fn handlers[HK_MSG__COUNT] = {
	[HK_MSG_HELLO] = on_hello,
	[HK_MSG_STATE_GET] = on_state_get,
	[HK_MSG_STOP] = on_stop,
	[HK_MSG_KILL] = on_kill,
	[HK_MSG_FREEZE] = on_freeze,
	[HK_MSG_THAW] = on_freeze,
	[HK_MSG_CONSOLE_ATTACH] = on_console_attach,
	[HK_MSG_CONSOLE_LOG_GET] = on_console_log,
	[HK_MSG_WINSIZE] = on_winsize,
};

/* A viewer that left with typed input still held makes room for a new
 * client when the table is full; its input is lost (and logged). */
static bool make_room(struct hk_monitor *m)
{
	for (size_t i = 0; i < m->n_clients; i++) {
		if (m->clients[i].fd >= 0)
			continue;
		hk_log(HK_LOG_NOTICE,
		       "console of \"%s\": %zu bytes typed by a viewer that left were not read by the "
		       "container and are dropped to make room for a new client",
		       m->name, m->clients[i].in_len);
		hk_monitor_drop_client(m, i);
		return true;
	}
	return false;
}

void hk_monitor_accept(struct hk_monitor *m)
{
	hk_autoerr struct hk_error *err = NULL;
	int fd = hk_unixsock_accept(m->listen_fd, &err);
	if (fd < 0)
		return;
	if (hk_unixsock_peer_allowed(fd, getuid(), &err) < 0 ||
	    (m->n_clients == HK_MONITOR_MAX_CLIENTS && !make_room(m))) {
		hk_log(HK_LOG_WARN, "monitor of \"%s\": refused a client: %s", m->name,
		       err ? err->msg : "too many clients");
		close(fd);
		return;
	}
	m->clients[m->n_clients++] = (struct mon_client){ .fd = fd, .mode = CLIENT_CONTROL };
}

void hk_monitor_add_viewer(struct hk_monitor *m, int fd)
{
	if (m->n_clients == HK_MONITOR_MAX_CLIENTS && !make_room(m)) {
		close(fd); /* not at a start: the table is empty then */
		return;
	}
	struct mon_client *c = &m->clients[m->n_clients++];
	*c = (struct mon_client){ .fd = fd, .mode = CLIENT_PROXY, .tty = 0 };
	hk_ringbuf_reader_init(m->terms[0].ring, &c->reader, true);
}

void hk_monitor_flush_viewers(struct hk_monitor *m, int timeout_ms)
{
	long long end = hk_now_ms() + timeout_ms;
	for (size_t i = 0; i < m->n_clients; i++) {
		struct mon_client *c = &m->clients[i];
		if (c->mode != CLIENT_PROXY || c->fd < 0 || c->tty >= m->n_terms)
			continue;
		while (hk_ringbuf_reader_pending(m->terms[c->tty].ring, &c->reader)) {
			long long left = end - hk_now_ms();
			struct pollfd pf = { .fd = c->fd, .events = POLLOUT };
			if (left <= 0 || poll(&pf, 1, (int)left) <= 0 || !(pf.revents & POLLOUT) ||
			    !hk_monitor_client_output(m, i))
				break;
		}
	}
}

void hk_monitor_drop_client(struct hk_monitor *m, size_t i)
{
	if (m->clients[i].fd >= 0)
		close(m->clients[i].fd);
	free(m->clients[i].in);
	m->clients[i] = m->clients[--m->n_clients];
}

void hk_monitor_client_gone(struct hk_monitor *m, size_t i)
{
	struct mon_client *c = &m->clients[i];
	if (c->mode != CLIENT_PROXY || !c->in_len || c->fd < 0) {
		hk_monitor_drop_client(m, i);
		return;
	}
	close(c->fd);
	c->fd = -1;
}

void hk_monitor_sweep_clients(struct hk_monitor *m)
{
	for (size_t i = m->n_clients; i-- > 0;)
		if (m->clients[i].fd < 0 && !m->clients[i].in_len)
			hk_monitor_drop_client(m, i);
}

/* One request on a control connection; a malformed frame gets an ERROR
 * reply and the connection is closed (the monitor itself stays up). */
static bool control_input(struct hk_monitor *m, size_t i)
{
	hk_automsg struct hk_msg req;
	hk_msg_init(&req);
	hk_autoerr struct hk_error *err = NULL;
	struct hk_buf reply = { 0 };
	int fd = m->clients[i].fd;
	bool keep = true;
	int got = hk_unixsock_recv_msg(fd, &req, CONTROL_TIMEOUT_MS, &err);
	if (got == 1) /* the client hung up between requests: nothing to answer */
		return false;
	if (got < 0) {
		keep = false;
	} else if (req.type >= HK_MSG__COUNT || !handlers[req.type]) {
		hk_error_set(&err, EPROTO, "message %s is not a request",
			     hk_msg_type_name(req.type));
	} else {
		handlers[req.type](m, i, &req, &reply, &err);
	}
	if (err) {
		hk_buf_free(&reply);
		hk_proto_encode_error(&reply, err->code, err->msg, NULL);
	}
	if (reply.len &&
	    hk_unixsock_send(fd, reply.data, reply.len, -1, CONTROL_TIMEOUT_MS, NULL) < 0)
		keep = false;
	hk_buf_free(&reply);
	return keep;
}

/* Hands a viewer's held input to its terminal without ever waiting (the
 * master is non-blocking): false when the terminal is full, the rest
 * then waits for POLLOUT.  A terminal that fails otherwise is gone: the
 * input is dropped. */
static bool write_input(struct hk_monitor *m, struct mon_client *c)
{
	int master = c->tty < m->n_terms ? m->terms[c->tty].pty.master : -1;
	size_t done = 0;
	int rc = hk_write_all(master, c->in + c->in_off, c->in_len, &done);
	c->in_off += done;
	c->in_len -= done;
	if (rc < 0 && errno == EAGAIN)
		return false;
	if (rc < 0) {
		hk_log(HK_LOG_DEBUG, "console of \"%s\": input dropped: %m", m->name);
		c->in_len = 0;
	}
	c->in_off = 0;
	return true;
}

/* A viewer's keystrokes: taken only while there is room to hold what its
 * terminal does not take at once (hk_monitor_client_events stops polling
 * a viewer whose input is held in full). */
static bool proxy_input(struct hk_monitor *m, size_t i)
{
	struct mon_client *c = &m->clients[i];
	if (!c->in)
		c->in = xmalloc(HK_CONSOLE_INPUT_MAX);
	if (c->in_off) {
		memmove(c->in, c->in + c->in_off, c->in_len);
		c->in_off = 0;
	}
	if (c->in_len == HK_CONSOLE_INPUT_MAX)
		return true;
	ssize_t n = recv(c->fd, c->in + c->in_len, HK_CONSOLE_INPUT_MAX - c->in_len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0)
		return false;
	c->in_len += (size_t)n;
	write_input(m, c);
	return true;
}

short hk_monitor_client_events(const struct hk_monitor *m, size_t i)
{
	const struct mon_client *c = &m->clients[i];
	if (c->fd < 0)
		return 0;
	if (c->mode == CLIENT_CONTROL)
		return POLLIN;
	short ev = c->in_len < HK_CONSOLE_INPUT_MAX ? POLLIN : 0;
	if (c->tty < m->n_terms && hk_ringbuf_reader_pending(m->terms[c->tty].ring, &c->reader))
		ev |= POLLOUT;
	return ev;
}

bool hk_monitor_term_input_pending(const struct hk_monitor *m, size_t t)
{
	for (size_t i = 0; i < m->n_clients; i++) {
		const struct mon_client *c = &m->clients[i];
		if (c->mode == CLIENT_PROXY && c->tty == t && c->in_len)
			return true;
	}
	return false;
}

/* In table order; stops at the first viewer whose input the
 * terminal could not take in full. */
void hk_monitor_term_writable(struct hk_monitor *m, size_t t)
{
	for (size_t i = 0; i < m->n_clients; i++) {
		struct mon_client *c = &m->clients[i];
		if (c->mode == CLIENT_PROXY && c->tty == t && c->in_len && !write_input(m, c))
			return;
	}
}

bool hk_monitor_client_input(struct hk_monitor *m, size_t i)
{
	return m->clients[i].mode == CLIENT_CONTROL ? control_input(m, i) : proxy_input(m, i);
}

bool hk_monitor_client_output(struct hk_monitor *m, size_t i)
{
	struct mon_client *c = &m->clients[i];
	const struct hk_ringbuf *rb = m->terms[c->tty].ring;
	char buf[8192];
	uint64_t start = 0;
	size_t n = hk_ringbuf_read_from(rb, c->reader.pos, buf, sizeof(buf), &start, NULL);
	if (n == 0)
		return true;
	ssize_t w = send(c->fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (w < 0)
		return errno == EAGAIN || errno == EINTR;
	c->reader.pos = start + (uint64_t)w;
	return true;
}
