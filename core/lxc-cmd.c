/* lxc-cmd.c - LXC's command socket: its abstract name, the client that
 * asks LXC about a container it runs, and the pure half of the server a
 * hako monitor runs (lxc-cmd.h).  The layout of the wire structs and the
 * name rules were read from LXC 5.0's commands.c, commands_utils.c and
 * af_unix.c, and checked against lxc-start/lxc-info 5.0.2. */
#include "lxc-cmd.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

_Static_assert(sizeof(struct hk_lxc_req) == 2 * sizeof(int) + sizeof(void *),
	       "struct hk_lxc_req must have LXC's struct lxc_cmd_req layout");
_Static_assert(sizeof(struct hk_lxc_rsp) == 2 * sizeof(int) + sizeof(void *),
	       "struct hk_lxc_rsp must have LXC's struct lxc_cmd_rsp layout");

/* ---- the name ---- */

/* sun_path less the leading NUL of an abstract name and the NUL LXC keeps
 * after it: a longer "LXCPATH/NAME/command" is hashed. */
#define NAME_ROOM (sizeof(((struct sockaddr_un *)0)->sun_path) - 2)

static uint64_t fnv1a64(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

char *hk_lxc_sock_name(const char *lxcpath, const char *name)
{
	char *plain = xasprintf("%s/%s/command", lxcpath, name);
	if (strlen(plain) < NAME_ROOM)
		return plain;
	free(plain);
	hk_autofree char *key = xasprintf("%s/%s", lxcpath, name);
	return xasprintf("lxc/%016" PRIx64 "/command", fnv1a64(key, strlen(key)));
}

socklen_t hk_lxc_sock_addr(const char *lxcpath, const char *name, struct sockaddr_un *addr)
{
	hk_autofree char *n = hk_lxc_sock_name(lxcpath, name);
	size_t len = strlen(n); /* < NAME_ROOM by construction */
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	memcpy(addr->sun_path + 1, n, len);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len);
}

/* Binds (a claim) or connects a stream socket (SOCK_CLOEXEC) to the
 * container's name. */
static int name_socket(const char *lxcpath, const char *name, bool do_connect,
		       struct hk_error **err)
{
	struct sockaddr_un sa;
	socklen_t salen = hk_lxc_sock_addr(lxcpath, name, &sa);
	hk_autoclose int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return hk_error_errno(err, "cannot make a socket for LXC's name \"@%s\"",
				      sa.sun_path + 1);
	int rc;
	do
		rc = do_connect ? connect(fd, (struct sockaddr *)&sa, salen)
				: bind(fd, (struct sockaddr *)&sa, salen);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return hk_error_errno(err,
				      do_connect ? "cannot connect to LXC's command socket \"@%s\""
						 : "cannot hold LXC's name \"@%s\"",
				      sa.sun_path + 1);
	return hk_steal_fd(&fd);
}

int hk_lxc_sock_claim(const char *lxcpath, const char *name, struct hk_error **err)
{
	return name_socket(lxcpath, name, false, err);
}

int hk_lxc_sock_connect(const char *lxcpath, const char *name, struct hk_error **err)
{
	return name_socket(lxcpath, name, true, err);
}

int hk_lxc_peer_cred(int fd, pid_t *pid, uid_t *uid, struct hk_error **err)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 || len != sizeof(cr))
		return hk_error_errno(
			err, "cannot read the credentials of the peer of LXC's command socket");
	*pid = cr.pid;
	*uid = cr.uid;
	return 0;
}

/* ---- the client ---- */

void hk_lxc_reply_init(struct hk_lxc_reply *r)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

void hk_lxc_reply_clear(struct hk_lxc_reply *r)
{
	free(r->data);
	if (r->fd >= 0)
		close(r->fd);
	hk_lxc_reply_init(r);
}

/* Waits for events on fd until the deadline; 0 ready, -1 ETIMEDOUT. */
static int wait_for(int fd, short events, long long deadline, struct hk_error **err)
{
	for (;;) {
		long long left = deadline - hk_now_ms();
		if (left <= 0)
			return hk_error_set(err, ETIMEDOUT,
					    "LXC's command socket did not answer in time");
		struct pollfd pf = { .fd = fd, .events = events };
		int r = poll(&pf, 1, (int)(left > 60000 ? 60000 : left));
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return hk_error_errno(err, "poll on LXC's command socket");
	}
}

/* The request with SCM_CREDENTIALS: LXC's server reads them (and refuses
 * a uid that is neither root nor its own), then the data. */
static int send_request(int fd, const struct hk_lxc_req *req, const void *data, long long deadline,
			struct hk_error **err)
{
	struct ucred cred = { .pid = getpid(), .uid = getuid(), .gid = getgid() };
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} ctl;
	memset(&ctl, 0, sizeof(ctl));
	struct iovec iov = { .iov_base = (void *)req, .iov_len = sizeof(*req) };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDENTIALS;
	c->cmsg_len = CMSG_LEN(sizeof(cred));
	memcpy(CMSG_DATA(c), &cred, sizeof(cred));
	if (wait_for(fd, POLLOUT, deadline, err) < 0)
		return -1;
	if (sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)sizeof(*req))
		return hk_error_errno(err, "cannot send a request on LXC's command socket");
	size_t done = 0, len = req->datalen > 0 ? (size_t)req->datalen : 0;
	while (done < len) {
		if (wait_for(fd, POLLOUT, deadline, err) < 0)
			return -1;
		ssize_t w = send(fd, (const char *)data + done, len - done,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (w <= 0)
			return hk_error_errno(err, "cannot send a request on LXC's command socket");
		done += (size_t)w;
	}
	return 0;
}

/* Takes the descriptors of one SCM_RIGHTS message: one is kept, any more
 * are closed (and the answer refused). */
static int take_fds(struct msghdr *msg, int *fd_out)
{
	int bad = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*fd_out < 0 && !bad)
				*fd_out = fd;
			else {
				close(fd);
				bad = 1;
			}
		}
	}
	return bad || (msg->msg_flags & MSG_CTRUNC) ? -1 : 0;
}

/* Reads exactly len bytes (the first read may carry a descriptor). */
static int read_exact(int sock, void *buf, size_t len, int *fd_out, long long deadline, bool *eof,
		      struct hk_error **err)
{
	size_t done = 0;
	while (done < len) {
		if (wait_for(sock, POLLIN, deadline, err) < 0)
			return -1;
		union {
			char buf[CMSG_SPACE(4 * sizeof(int))];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = { .iov_base = (char *)buf + done, .iov_len = len - done };
		struct msghdr msg = { .msg_iov = &iov,
				      .msg_iovlen = 1,
				      .msg_control = ctl.buf,
				      .msg_controllen = fd_out ? sizeof(ctl.buf) : 0 };
		ssize_t r = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			return hk_error_errno(err,
					      "cannot read the answer on LXC's command socket");
		if (fd_out && take_fds(&msg, fd_out) < 0)
			return hk_error_set(err, EPROTO,
					    "LXC's command socket sent more than one descriptor");
		if (r == 0) {
			*eof = true;
			return done == 0 ? 0
					 : hk_error_set(err, ECONNRESET,
							"LXC's command socket closed mid-answer");
		}
		done += (size_t)r;
	}
	return 0;
}

int hk_lxc_request(int fd, int cmd, const void *data, int datalen, struct hk_lxc_reply *reply,
		   int timeout_ms, struct hk_error **err)
{
	hk_lxc_reply_init(reply);
	long long deadline = hk_now_ms() + timeout_ms;
	struct hk_lxc_req req = { .cmd = cmd, .datalen = data ? datalen : 0, .data = 0 };
	if (send_request(fd, &req, data, deadline, err) < 0)
		return -1;
	struct hk_lxc_rsp rsp;
	bool eof = false;
	if (read_exact(fd, &rsp, sizeof(rsp), &reply->fd, deadline, &eof, err) < 0)
		return -1;
	if (eof) {
		reply->closed = true;
		return 0;
	}
	reply->ret = rsp.ret;
	reply->value = (intptr_t)rsp.data;
	if (rsp.datalen < 0 || rsp.datalen > HK_LXC_DATA_MAX)
		return hk_error_set(err, EPROTO,
				    "LXC's command socket announced %d bytes of answer",
				    (int)rsp.datalen);
	if (rsp.datalen == 0)
		return 0;
	reply->len = (size_t)rsp.datalen;
	reply->data = xcalloc(1, reply->len + 1);
	if (read_exact(fd, reply->data, reply->len, NULL, deadline, &eof, err) < 0)
		return -1;
	if (eof)
		return hk_error_set(err, ECONNRESET,
				    "LXC's command socket closed before its answer's data");
	return 0;
}

/* ---- the server's answers ---- */

int hk_lxc_req_parse(const void *buf, size_t len, struct hk_lxc_req *req, size_t *need)
{
	if (len < sizeof(*req)) {
		*need = sizeof(*req);
		return 0;
	}
	memcpy(req, buf, sizeof(*req));
	if (req->datalen < 0 || req->datalen > HK_LXC_DATA_MAX)
		return -1;
	*need = sizeof(*req) + (size_t)req->datalen;
	return len >= *need ? 1 : 0;
}

size_t hk_lxc_conn_want(const struct hk_lxc_conn *c)
{
	struct hk_lxc_req req;
	size_t need = sizeof(req);
	if (c->got >= sizeof(c->hdr) && hk_lxc_req_parse(c->hdr, sizeof(c->hdr), &req, &need) < 0)
		return 0; /* malformed: nothing more is taken */
	return need > c->got ? need - c->got : 0;
}

int hk_lxc_conn_feed(struct hk_lxc_conn *c, const void *bytes, size_t n, size_t *used,
		     struct hk_lxc_req *req)
{
	size_t want = hk_lxc_conn_want(c), take = n < want ? n : want;
	if (c->got < sizeof(c->hdr)) { /* the header part goes into the slot */
		size_t h = sizeof(c->hdr) - c->got;
		memcpy(c->hdr + c->got, bytes, take < h ? take : h);
	}
	/* ... and the first bytes of the data into states */
	size_t lo = c->got > sizeof(c->hdr) ? c->got : sizeof(c->hdr);
	size_t hi = c->got + take, cap = sizeof(c->hdr) + sizeof(c->states);
	if (hi > cap)
		hi = cap;
	if (hi > lo)
		memcpy((unsigned char *)c->states + (lo - sizeof(c->hdr)),
		       (const unsigned char *)bytes + (lo - c->got), hi - lo);
	c->got += take;
	*used = take;
	if (c->got < sizeof(c->hdr))
		return 0;
	size_t need;
	int rc = hk_lxc_req_parse(c->hdr, sizeof(c->hdr), req, &need);
	if (rc < 0)
		return -1;
	return c->got >= need ? 1 : 0;
}

void hk_lxc_answer(const struct hk_lxc_req *req, const struct hk_lxc_facts *f, bool allowed,
		   struct hk_lxc_rsp *rsp, const void **data, size_t *len)
{
	memset(rsp, 0, sizeof(*rsp));
	*data = NULL;
	*len = 0;
	const char *text = NULL;
	if (!allowed) {
		rsp->ret = -EPERM;
		return;
	}
	switch (req->cmd) {
	case HK_LXC_CMD_GET_STATE:
		rsp->data = (uintptr_t)(intptr_t)f->state;
		return;
	case HK_LXC_CMD_GET_INIT_PID:
		rsp->data = (uintptr_t)(intptr_t)(f->init_pid > 0 ? f->init_pid : -1);
		return;
	case HK_LXC_CMD_GET_NAME:
		text = f->name;
		break;
	case HK_LXC_CMD_GET_LXCPATH:
		text = f->lxcpath;
		break;
	case HK_LXC_CMD_STOP:
	case HK_LXC_CMD_FREEZE:
	case HK_LXC_CMD_UNFREEZE:
		rsp->ret = -EPERM; /* LXC's tools do not act on a container that hako runs */
		return;
	default:
		rsp->ret = -ENOSYS;
		return;
	}
	size_t n = text ? strlen(text) + 1 : 0;
	if (n == 0 || n > HK_LXC_DATA_MAX) {
		rsp->ret = -ENOENT;
		return;
	}
	rsp->datalen = (int32_t)n;
	*data = text;
	*len = n;
}

bool hk_lxc_answer_state_client(const struct hk_lxc_req *req, const struct hk_lxc_conn *c,
				enum hk_lxc_state now, bool allowed, struct hk_lxc_rsp *rsp,
				unsigned *mask)
{
	memset(rsp, 0, sizeof(*rsp));
	*mask = 0;
	if (!allowed) {
		rsp->ret = -EPERM;
		return false;
	}
	if (req->datalen != (int32_t)sizeof(c->states)) {
		rsp->ret = -EINVAL;
		return false;
	}
	for (int i = 0; i < HK_LXC_MAX_STATE; i++)
		if (c->states[i])
			*mask |= 1u << i;
	if (*mask & (1u << now)) {
		rsp->ret = (int32_t)now;
		rsp->data = (uintptr_t)(intptr_t)now;
		return false;
	}
	rsp->ret = HK_LXC_MAX_STATE;
	rsp->data = (uintptr_t)(intptr_t)HK_LXC_MAX_STATE;
	return *mask != 0;
}

void hk_lxc_state_msg(const char *name, enum hk_lxc_state state, struct hk_lxc_msg *msg)
{
	memset(msg, 0, sizeof(*msg));
	msg->type = 0;
	snprintf(msg->name, sizeof(msg->name), "%s", name);
	msg->value = (int32_t)state;
}
