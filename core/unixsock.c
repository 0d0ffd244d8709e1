/* unixsock.c - listening, connecting, peer checks and frame transfer on
 * the monitor's unix socket.
 *
 * Transfers are bounded by a deadline on CLOCK_MONOTONIC: every wait is a
 * poll() with what is left of it, and reads use MSG_DONTWAIT after poll,
 * so a peer that stops sending mid-frame never holds a reader longer than
 * it asked for.  A frame is read as its 4-byte length word and then exactly
 * that many bytes, never more, so the next frame (and any descriptor sent
 * with it) stays in the socket.
 */
#include "unixsock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define LISTEN_BACKLOG 16
#define MAX_RECV_FDS   8 /* room to see (and close) a few surplus descriptors */

/* ---- paths ---- */

/* Splits path into its directory and last component. */
static int split_path(const char *path, char **dir, char **base, struct hk_error **err)
{
	const char *slash = strrchr(path, '/');
	const char *b = slash ? slash + 1 : path;
	if (!*b || strcmp(b, ".") == 0 || strcmp(b, "..") == 0)
		return hk_error_set(err, EINVAL, "socket path \"%s\" does not end in a file name",
				    path);
	*dir = slash ? (slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path)))
		     : xstrdup(".");
	*base = xstrdup(b);
	return 0;
}

/* Fills sa with path, or with /proc/self/fd/DIRFD/BASE when dirfd >= 0. */
static int make_addr(const char *path, int dirfd, const char *base, struct sockaddr_un *sa,
		     socklen_t *salen, struct hk_error **err)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	int n = dirfd >= 0 ? snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s",
				      dirfd, base)
			   : snprintf(sa->sun_path, sizeof(sa->sun_path), "%s", path);
	if (n < 0 || (size_t)n >= sizeof(sa->sun_path))
		return hk_error_set(err, ENAMETOOLONG,
				    "socket name \"%s\" is too long for a unix socket; use a "
				    "shorter container name or path",
				    dirfd >= 0 ? base : path);
	*salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n + 1);
	return 0;
}

/* Creates dir with mode 0700 if missing; returns an O_PATH fd of it after
 * checking it is a real directory of ours that nobody else can enter. */
static int open_private_dir(const char *dir, struct hk_error **err)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return hk_error_errno(err, "cannot create socket directory \"%s\"", dir);
	hk_autoclose int dfd = open(dir, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return hk_error_errno(err, "cannot open socket directory \"%s\"", dir);
	struct stat st;
	if (fstat(dfd, &st) < 0)
		return hk_error_errno(err, "cannot inspect socket directory \"%s\"", dir);
	if (!S_ISDIR(st.st_mode))
		return hk_error_set(err, ENOTDIR,
				    "socket directory \"%s\" is a symlink or not a directory; "
				    "remove it",
				    dir);
	if (st.st_uid != geteuid())
		return hk_error_set(err, EPERM,
				    "socket directory \"%s\" belongs to uid %u, not to uid %u; "
				    "remove it",
				    dir, (unsigned)st.st_uid, (unsigned)geteuid());
	if (st.st_mode & 077)
		return hk_error_set(err, EPERM,
				    "socket directory \"%s\" has mode %04o: others can reach the "
				    "socket; chmod 0700 it",
				    dir, (unsigned)(st.st_mode & 07777));
	return hk_steal_fd(&dfd);
}

/* Removes a stale socket left by a dead monitor; anything else is kept. */
static int remove_stale(int dfd, const char *path, const char *base, struct hk_error **err)
{
	struct stat st;
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : hk_error_errno(err, "cannot inspect \"%s\"", path);
	if (!S_ISSOCK(st.st_mode))
		return hk_error_set(err, EEXIST, "\"%s\" exists and is not a socket; remove it",
				    path);
	if (unlinkat(dfd, base, 0) < 0 && errno != ENOENT)
		return hk_error_errno(err, "cannot remove stale socket \"%s\"", path);
	return 0;
}

int hk_unixsock_listen(const char *path, struct hk_error **err)
{
	hk_autofree char *dir = NULL;
	hk_autofree char *base = NULL;
	if (split_path(path, &dir, &base, err) < 0)
		return -1;
	hk_autoclose int dfd = open_private_dir(dir, err);
	if (dfd < 0 || remove_stale(dfd, path, base, err) < 0)
		return -1;
	hk_autoclose int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return hk_error_errno(err, "cannot create a unix socket for \"%s\"", path);
	struct sockaddr_un sa;
	socklen_t salen;
	if (make_addr(path, dfd, base, &sa, &salen, err) < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, salen) < 0)
		return hk_error_errno(err, "cannot bind unix socket \"%s\" (is /proc mounted?)",
				      path);
	if (listen(fd, LISTEN_BACKLOG) < 0)
		return hk_error_errno(err, "cannot listen on unix socket \"%s\"", path);
	return hk_steal_fd(&fd);
}

int hk_unixsock_connect(const char *path, struct hk_error **err)
{
	struct sockaddr_un sa;
	socklen_t salen;
	hk_autoclose int dfd = -1;
	hk_autofree char *dir = NULL;
	hk_autofree char *base = NULL;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		if (split_path(path, &dir, &base, err) < 0)
			return -1;
		dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return hk_error_errno(err, "cannot open socket directory \"%s\"", dir);
	}
	if (make_addr(path, dfd, base, &sa, &salen, err) < 0)
		return -1;
	hk_autoclose int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return hk_error_errno(err, "cannot create a unix socket for \"%s\"", path);
	while (connect(fd, (struct sockaddr *)&sa, salen) < 0)
		if (errno != EINTR)
			return hk_error_errno(err,
					      "cannot connect to \"%s\" (is the monitor "
					      "running?)",
					      path);
	return hk_steal_fd(&fd);
}

int hk_unixsock_accept(int lfd, struct hk_error **err)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			return fd;
		if (errno != EINTR && errno != ECONNABORTED)
			return hk_error_errno(err, "cannot accept on monitor socket");
	}
}

int hk_unixsock_peer_allowed(int fd, uid_t owner, struct hk_error **err)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 || len != sizeof(cr))
		return hk_error_errno(err, "cannot read the credentials of a monitor client");
	if (cr.uid == owner || cr.uid == 0)
		return 0;
	return hk_error_set(err, EACCES,
			    "monitor client pid %d runs as uid %u; only uid %u and root may use "
			    "this container",
			    (int)cr.pid, (unsigned)cr.uid, (unsigned)owner);
}

/* ---- deadlines ---- */

static int64_t deadline_of(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : hk_now_ms() + timeout_ms;
}

/* Waits until fd is ready for events or the deadline (-1: none) passes. */
static int wait_ready(int fd, short events, int64_t deadline, struct hk_error **err)
{
	for (;;) {
		int left = -1;
		if (deadline >= 0) {
			int64_t d = deadline - hk_now_ms();
			left = d > 0 ? (int)d : 0;
		}
		struct pollfd p = { .fd = fd, .events = events };
		int r = poll(&p, 1, left);
		if (r > 0)
			return 0;
		if (r == 0)
			return hk_error_set(err, ETIMEDOUT,
					    "the other end of the monitor socket did not answer in "
					    "time");
		if (errno != EINTR)
			return hk_error_errno(err, "cannot wait on the monitor socket");
	}
}

/* ---- sending ---- */

static ssize_t send_part(int fd, const uint8_t *p, size_t len, int pass_fd)
{
	struct iovec iov = { .iov_base = (void *)p, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	if (pass_fd >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}
	return sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
}

int hk_unixsock_send_one_fd(int sock, int fd)
{
	char byte = 'F';
	struct iovec iov = { &byte, 1 };
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

int hk_unixsock_recv_one_fd(int sock)
{
	char byte;
	struct iovec iov = { &byte, 1 };
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) != 1 || (mh.msg_flags & MSG_CTRUNC))
		return -1;
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

int hk_unixsock_send(int fd, const void *frame, size_t len, int pass_fd, int timeout_ms,
		     struct hk_error **err)
{
	const uint8_t *p = frame;
	int64_t deadline = deadline_of(timeout_ms);
	size_t done = 0;
	while (done < len) {
		ssize_t n = send_part(fd, p + done, len - done, done == 0 ? pass_fd : -1);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return hk_error_errno(err, "cannot send on the monitor socket");
		if (wait_ready(fd, POLLOUT, deadline, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- receiving ---- */

struct rx {
	int fd;
	int64_t deadline;
	int fds[MAX_RECV_FDS];
	size_t nfds;
	bool bad_ctl; /* ancillary data other than SCM_RIGHTS, or truncated */
	bool late_fd; /* a descriptor after the frame's first byte */
	size_t got;   /* bytes of the current frame read so far */
};

static void rx_close_fds(struct rx *rx)
{
	for (size_t i = 0; i < rx->nfds; i++)
		close(rx->fds[i]);
	rx->nfds = 0;
}

/* Takes the descriptors out of a received control message. */
static void rx_collect(struct rx *rx, struct msghdr *mh)
{
	if (mh->msg_flags & MSG_CTRUNC)
		rx->bad_ctl = true;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
			rx->bad_ctl = true;
			continue;
		}
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int v;
			memcpy(&v, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (rx->nfds < MAX_RECV_FDS)
				rx->fds[rx->nfds++] = v;
			else
				close(v);
			if (rx->got > 0)
				rx->late_fd = true;
		}
	}
}

/* Reads exactly len bytes; returns 0, 1 on EOF before the first byte of
 * the frame, -1 on error. */
static int rx_read(struct rx *rx, uint8_t *dst, size_t len, struct hk_error **err)
{
	size_t done = 0;
	while (done < len) {
		union {
			char buf[CMSG_SPACE(sizeof(int) * MAX_RECV_FDS)];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = { .iov_base = dst + done, .iov_len = len - done };
		struct msghdr mh = { .msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = ctl.buf,
				     .msg_controllen = sizeof(ctl.buf) };
		int flags = MSG_CMSG_CLOEXEC | (rx->deadline >= 0 ? MSG_DONTWAIT : 0);
		ssize_t n = recvmsg(rx->fd, &mh, flags);
		if (n > 0 || (n == 0 && mh.msg_controllen > 0))
			rx_collect(rx, &mh);
		if (n > 0) {
			done += (size_t)n;
			rx->got += (size_t)n;
			continue;
		}
		if (n == 0 && rx->got == 0)
			return 1;
		if (n == 0)
			return hk_error_set(err, ECONNRESET,
					    "the other end closed the monitor socket in the middle "
					    "of a frame");
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return hk_error_errno(err, "cannot read from the monitor socket");
		if (wait_ready(rx->fd, POLLIN, rx->deadline, err) < 0)
			return -1;
	}
	return 0;
}

/* Reads the length word and the rest of one frame into out. */
static int rx_frame(struct rx *rx, struct hk_buf *out, struct hk_error **err)
{
	uint8_t hdr[4];
	/* The first byte alone: the kernel glues stream segments of one
	 * writer, so only a one-byte read tells a descriptor sent with the
	 * frame's first byte from one sent with a later byte. */
	int r = rx_read(rx, hdr, 1, err);
	if (r != 0)
		return r;
	if (rx_read(rx, hdr + 1, sizeof(hdr) - 1, err) < 0)
		return -1;
	uint32_t len = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 |
		       (uint32_t)hdr[3] << 24;
	if (hk_proto_check_length(len, err) < 0)
		return -1;
	uint8_t *body = xmalloc(len);
	/* got > 0 from here on, so rx_read cannot report a clean end. */
	r = rx_read(rx, body, len, err);
	if (r == 0) {
		hk_buf_append(out, hdr, sizeof(hdr));
		hk_buf_append(out, body, len);
	}
	free(body);
	return r;
}

/* Decides about the descriptors received with a frame. */
static int rx_check_fds(struct rx *rx, int *fd_out, struct hk_error **err)
{
	if (rx->bad_ctl || rx->late_fd || rx->nfds > 1 || (rx->nfds == 1 && !fd_out)) {
		size_t n = rx->nfds;
		rx_close_fds(rx);
		if (rx->bad_ctl)
			return hk_error_set(err, EBADMSG,
					    "monitor frame came with unexpected ancillary data");
		return hk_error_set(err, EBADMSG,
				    "monitor frame came with %zu unexpected descriptor(s)", n);
	}
	if (fd_out)
		*fd_out = rx->nfds ? rx->fds[0] : -1;
	rx->nfds = 0;
	return 0;
}

int hk_unixsock_recv(int fd, struct hk_buf *frame, int *fd_out, int timeout_ms,
		     struct hk_error **err)
{
	struct rx rx = { .fd = fd, .deadline = deadline_of(timeout_ms) };
	frame->len = 0;
	if (fd_out)
		*fd_out = -1;
	int r = rx_frame(&rx, frame, err);
	if (r != 0) {
		rx_close_fds(&rx);
		frame->len = 0;
		return r;
	}
	if (rx_check_fds(&rx, fd_out, err) < 0) {
		frame->len = 0;
		return -1;
	}
	return 0;
}

int hk_unixsock_recv_msg(int fd, struct hk_msg *m, int timeout_ms, struct hk_error **err)
{
	struct hk_buf b = { 0 };
	hk_autoclose int pfd = -1;
	int r = hk_unixsock_recv(fd, &b, &pfd, timeout_ms, err);
	if (r == 0 && hk_proto_decode(b.data, b.len, m, err) < 0)
		r = -1;
	hk_buf_free(&b);
	if (r != 0)
		return r;
	if (!(m->flags & HK_FRAME_FD) != (pfd < 0)) {
		hk_msg_clear(m);
		return hk_error_set(err, EBADMSG,
				    pfd < 0 ? "monitor frame announces a descriptor that did not "
					      "come"
					    : "monitor frame came with a descriptor it does not "
					      "announce");
	}
	m->fd = hk_steal_fd(&pfd);
	return 0;
}
