/* unixsock.h - the monitor's unix socket: an owner-only path socket (never
 * abstract: abstract names are reachable from any process in the network
 * namespace and have no permissions), peer credential checks, and sending
 * and receiving whole proto.h frames with at most one descriptor.
 *
 * Long paths: sun_path holds 108 bytes, container paths can be longer.  When
 * a path does not fit, the socket is bound/connected as
 * "/proc/self/fd/N/NAME" where N is an O_PATH fd of its directory.  Chosen
 * over fchdir() in a forked helper because it needs no fork, is safe in a
 * threaded process (the cwd is process-wide), and pins the directory that
 * was checked.  It needs /proc mounted, which the engine needs anyway.
 * hk_unixsock_listen always binds this way (after checking the directory
 * through the same fd), so there is no window between check and bind.
 */
#ifndef HAKO_UNIXSOCK_H
#define HAKO_UNIXSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "proto.h"

/* Creates path's directory (the last component only, mode 0700) or checks
 * that an existing one is a real directory (not a symlink) owned by the
 * caller's euid with no group/other access; replaces a stale socket file
 * at path (anything else there is refused); binds and listens.  Returns a
 * SOCK_STREAM|SOCK_CLOEXEC listening fd. */
int hk_unixsock_listen(const char *path, struct hk_error **err);

/* Connects to path (any length).  SOCK_CLOEXEC. */
int hk_unixsock_connect(const char *path, struct hk_error **err);

/* accept4(SOCK_CLOEXEC); retries EINTR.  -1 with EAGAIN if the listener
 * is non-blocking and nobody waits. */
int hk_unixsock_accept(int lfd, struct hk_error **err);

/* SO_PEERCRED of a connected socket: 0 when its uid is `owner` or root,
 * -1 (EACCES, naming the peer's pid and uid) otherwise or when the
 * credentials cannot be read. */
int hk_unixsock_peer_allowed(int fd, uid_t owner, struct hk_error **err);

/* Sends one encoded frame (frame[0..len) must be a whole frame) and, when
 * pass_fd >= 0, that descriptor with its first byte.  Waits at most
 * timeout_ms (< 0: forever) for room.  MSG_NOSIGNAL: a gone peer is EPIPE,
 * not SIGPIPE. */
/* One descriptor over a socketpair between a process and its fork (one
 * byte carries it).  Only system calls: safe in a forked child.  send:
 * 0 or -1; recv: the descriptor (O_CLOEXEC) or -1. */
int hk_unixsock_send_one_fd(int sock, int fd);
int hk_unixsock_recv_one_fd(int sock);
int hk_unixsock_send(int fd, const void *frame, size_t len, int pass_fd, int timeout_ms,
		     struct hk_error **err);

/* Receives one whole frame into `frame` (replacing its content) and the
 * descriptor that came with it (O_CLOEXEC via MSG_CMSG_CLOEXEC) into
 * *fd_out, or -1.  fd_out NULL means no descriptor is expected: one that
 * comes anyway is closed and the frame refused.  More than one descriptor,
 * one arriving in the middle of a frame, truncated or any other ancillary
 * data: every received descriptor is closed and the frame refused
 * (EBADMSG).  A bad length word is refused (EPROTO/EMSGSIZE) before
 * anything is allocated; the stream is then out of step, so close it.
 * The whole call takes at most timeout_ms (< 0: no limit): ETIMEDOUT.
 * Returns 0 for a frame, 1 when the peer closed the connection cleanly
 * before a frame began, -1 on error (the peer closing mid-frame is
 * ECONNRESET). */
int hk_unixsock_recv(int fd, struct hk_buf *frame, int *fd_out, int timeout_ms,
		     struct hk_error **err);

/* recv + hk_proto_decode; the descriptor lands in m->fd.  The HK_FRAME_FD
 * flag must match whether a descriptor came. Returns like recv. */
int hk_unixsock_recv_msg(int fd, struct hk_msg *m, int timeout_ms, struct hk_error **err);

#endif
