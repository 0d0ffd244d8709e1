/* monitor-lxc.c - the monitor's second socket: LXC's command socket name
 * of its container (lxc-cmd.h), claimed by `hako start` and listened on
 * here, so that lxc-start refuses to start the container a second time
 * and lxc-info and lxc-ls see it running.
 *
 * Each connection carries one request: its 16-byte header is gathered
 * into the client's slot, the data that may follow is read and thrown
 * away (but lxc-wait's list of states), the answer (hk_lxc_answer) is
 * sent without waiting and the connection closed.  lxc-wait's
 * ADD_STATE_CLIENT is kept open when the container is not yet in a state
 * it waits for, and told when it is (hk_monitor_lxc_notify, on each
 * state the monitor writes; STOPPED at the very end, once the lock and
 * the name are free, so that a start right after lxc-wait works).  Nothing a client sends is
 * trusted or kept beyond the header: a malformed or oversized request just closes the connection, a
 * peer that is neither root nor the container's owner is answered -EPERM (as LXC answers it), and
 * at most HK_MONITOR_LXC_CLIENTS are served at once: a new one replaces the oldest, so connections
 * left idle cannot keep LXC's tools out, and all that wait are taken at each wakeup, so a flood
 * cannot fill the backlog while the monitor reads. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "lxc-cmd.h"
#include "monitor-internal.h"

void hk_monitor_lxc_listen(struct hk_monitor *m)
{
	if (m->lxc_fd < 0)
		return;
	/* Non-blocking: a wakeup accepts all that wait, never more. */
	int fl = fcntl(m->lxc_fd, F_GETFL);
	if (fl >= 0 && fcntl(m->lxc_fd, F_SETFL, fl | O_NONBLOCK) == 0 &&
	    listen(m->lxc_fd, 16) == 0)
		return;
	hk_log(HK_LOG_WARN,
	       "\"%s\": cannot listen on LXC's command socket (%m): LXC's tools will see it "
	       "stopped, but lxc-start of it still fails",
	       m->name);
}

/* The client that came first: the one a newcomer replaces when all
 * slots are taken, so that idle connections cannot keep LXC's tools out. */
static size_t oldest(const struct hk_monitor *m)
{
	size_t o = 0;
	for (size_t i = 1; i < m->n_lxc; i++)
		if (m->lxc[i].seq < m->lxc[o].seq)
			o = i;
	return o;
}

/* Takes one waiting connection; false when none waits. */
static bool accept_one(struct hk_monitor *m)
{
	int fd = accept4(m->lxc_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return errno == EINTR || errno == ECONNABORTED;
	if (m->n_lxc == HK_MONITOR_LXC_CLIENTS) {
		hk_log(HK_LOG_DEBUG,
		       "\"%s\": too many clients on LXC's command socket: the oldest dropped",
		       m->name);
		hk_monitor_lxc_drop(m, oldest(m));
	}
	struct ucred cr;
	socklen_t len = sizeof(cr);
	bool allowed = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 &&
		       len == sizeof(cr) && (cr.uid == 0 || cr.uid == getuid());
	m->lxc[m->n_lxc++] =
		(struct mon_lxc_client){ .fd = fd, .allowed = allowed, .seq = ++m->lxc_seq };
	return true;
}

void hk_monitor_lxc_accept(struct hk_monitor *m)
{
	/* All that wait (a flood's extra ones are closed at once), bounded
	 * so that the container's console is still read in between. */
	for (int i = 0; i < 64 && accept_one(m); i++)
		;
}

void hk_monitor_lxc_drop(struct hk_monitor *m, size_t i)
{
	close(m->lxc[i].fd);
	m->lxc[i] = m->lxc[--m->n_lxc];
}

static enum hk_lxc_state lxc_state_of(enum hk_state s)
{
	switch (s) {
	case HK_STATE_STARTING:
		return HK_LXC_STARTING;
	case HK_STATE_STOPPING:
		return HK_LXC_STOPPING;
	case HK_STATE_FROZEN:
		return HK_LXC_FROZEN;
	case HK_STATE_ABORTING:
		return HK_LXC_ABORTING;
	default: /* running, or cleaning up: the name is still held */
		return HK_LXC_RUNNING;
	}
}

static void answer(struct hk_monitor *m, struct mon_lxc_client *c, const struct hk_lxc_req *req)
{
	struct hk_lxc_facts f = { .state = lxc_state_of(m->state.state),
				  .init_pid = m->init_pid,
				  .name = m->name,
				  .lxcpath = hk_store_path(m->st) };
	struct hk_lxc_rsp rsp;
	const void *data;
	size_t len;
	hk_lxc_answer(req, &f, c->allowed, &rsp, &data, &len);
	/* Both fit in an empty socket buffer: a client that does not read
	 * loses its answer, never the monitor its time. */
	if (send(c->fd, &rsp, sizeof(rsp), MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)sizeof(rsp) &&
	    len)
		(void)send(c->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* lxc-wait: answered now, or kept (true) to be told of a state later. */
static bool answer_state_client(struct hk_monitor *m, struct mon_lxc_client *c,
				const struct hk_lxc_req *req)
{
	struct hk_lxc_rsp rsp;
	bool wait = hk_lxc_answer_state_client(req, &c->conn, lxc_state_of(m->state.state),
					       c->allowed, &rsp, &c->waits_for);
	if (send(c->fd, &rsp, sizeof(rsp), MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)sizeof(rsp))
		return false;
	if (!wait)
		c->waits_for = 0;
	return wait;
}

bool hk_monitor_lxc_input(struct hk_monitor *m, size_t i)
{
	struct mon_lxc_client *c = &m->lxc[i];
	char buf[4096];
	if (c->waits_for) /* it sends nothing more: readable means gone */
		return recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT) < 0 &&
		       (errno == EAGAIN || errno == EINTR);
	size_t want = hk_lxc_conn_want(&c->conn);
	if (want == 0)
		return false; /* malformed */
	ssize_t r = recv(c->fd, buf, want < sizeof(buf) ? want : sizeof(buf), MSG_DONTWAIT);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (r <= 0)
		return false; /* gone, or an error: nothing to answer */
	struct hk_lxc_req req;
	size_t used;
	int whole = hk_lxc_conn_feed(&c->conn, buf, (size_t)r, &used, &req);
	if (whole > 0 && req.cmd == HK_LXC_CMD_ADD_STATE_CLIENT)
		return answer_state_client(m, c, &req);
	if (whole > 0)
		answer(m, c, &req);
	return whole == 0;
}

/* The state a waiting client is told, or -1: LXC reports passing states
 * hako skips (FREEZING on the way to FROZEN, THAWED on the way back to
 * RUNNING), so those who wait for them hear of them then. */
static int state_for(unsigned waits_for, enum hk_lxc_state now)
{
	if (waits_for & (1u << now))
		return (int)now;
	if (now == HK_LXC_FROZEN && (waits_for & (1u << HK_LXC_FREEZING)))
		return HK_LXC_FREEZING;
	if (now == HK_LXC_RUNNING && (waits_for & (1u << HK_LXC_THAWED)))
		return HK_LXC_THAWED;
	return -1;
}

static void tell_waiters(struct hk_monitor *m, enum hk_lxc_state now)
{
	for (size_t i = m->n_lxc; i-- > 0;) {
		int s = m->lxc[i].waits_for ? state_for(m->lxc[i].waits_for, now) : -1;
		if (s < 0)
			continue;
		struct hk_lxc_msg msg;
		hk_lxc_state_msg(m->name, (enum hk_lxc_state)s, &msg);
		(void)send(m->lxc[i].fd, &msg, sizeof(msg), MSG_DONTWAIT | MSG_NOSIGNAL);
		hk_monitor_lxc_drop(m, i);
	}
}

void hk_monitor_lxc_notify(struct hk_monitor *m)
{
	tell_waiters(m, lxc_state_of(m->state.state));
}

void hk_monitor_lxc_close(struct hk_monitor *m)
{
	for (size_t i = m->n_lxc; i-- > 0;)
		if (!m->lxc[i].waits_for)
			hk_monitor_lxc_drop(m, i);
	if (m->lxc_fd >= 0)
		close(m->lxc_fd);
	m->lxc_fd = -1;
}

void hk_monitor_lxc_finish(struct hk_monitor *m)
{
	tell_waiters(m, HK_LXC_STOPPED);
	for (size_t i = m->n_lxc; i-- > 0;)
		hk_monitor_lxc_drop(m, i);
}
