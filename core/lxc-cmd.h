/* lxc-cmd.h - LXC's command socket, spoken from both ends.
 *
 * LXC names every container it runs by an abstract unix socket that its
 * monitor listens on: "@LXCPATH/NAME/command", or, when that does not fit
 * in sun_path (105 bytes of name), "@lxc/HASH/command" with HASH the
 * 64-bit FNV-1a of "LXCPATH/NAME" in 16 hex digits.  Its tools connect
 * there: a refused connection means STOPPED (lxc-info, lxc-ls, the
 * "already running" check of lxc-start), and lxc-start cannot start a
 * container whose name another process holds (its bind fails).  lxc-ls
 * also finds running containers by these names in /proc/net/unix.
 *
 * hako uses it both ways (runner.h says when):
 *   - as a client, to see a container that LXC runs: its state and init
 *     pid, and to stop it the way lxc-stop does;
 *   - as a server: a hako monitor holds the name of the container it runs
 *     and answers the read-only requests (state, init pid, name, path), so
 *     that LXC's tools see it RUNNING and lxc-start refuses to start it a
 *     second time.  Stop, freeze and unfreeze are answered -EPERM (LXC's
 *     tools do not act on a container hako runs), anything else -ENOSYS.
 *
 * Wire format (LXC 1.0 to 6.0, host byte order, the native ABI): a request
 * is the struct {int cmd; int datalen; void *data} (16 bytes on 64-bit),
 * sent with SCM_CREDENTIALS, then datalen bytes; a response is
 * {int ret; int datalen; void *data}, maybe carrying one descriptor, then
 * datalen bytes.  Small answers (a state, a pid) travel in the bits of the
 * data pointer with datalen 0.  One request per connection; the server
 * closes it after answering (LXC_CMD_STOP: when the container is gone).
 *
 * An abstract name has no permissions: anyone in the network namespace
 * can bind or connect to it.  Both ends therefore check the peer's
 * kernel-given credentials (SO_PEERCRED), never what it says.
 */
#ifndef HAKO_LXC_CMD_H
#define HAKO_LXC_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include "error.h"

/* LXC's command numbers (lxc_cmd_t) that hako sends or answers. */
enum hk_lxc_cmd {
	HK_LXC_CMD_STOP = 2,
	HK_LXC_CMD_GET_STATE = 3,
	HK_LXC_CMD_GET_INIT_PID = 4,
	HK_LXC_CMD_GET_NAME = 8,
	HK_LXC_CMD_GET_LXCPATH = 9,
	HK_LXC_CMD_ADD_STATE_CLIENT = 10,
	HK_LXC_CMD_FREEZE = 15,
	HK_LXC_CMD_UNFREEZE = 16,
	HK_LXC_CMD_GET_INIT_PIDFD = 18,
};

/* LXC's states (lxc_state_t), as GET_STATE answers them. */
enum hk_lxc_state {
	HK_LXC_STOPPED,
	HK_LXC_STARTING,
	HK_LXC_RUNNING,
	HK_LXC_STOPPING,
	HK_LXC_ABORTING,
	HK_LXC_FREEZING,
	HK_LXC_FROZEN,
	HK_LXC_THAWED,
	HK_LXC_MAX_STATE,
};

/* LXC_CMD_ADD_STATE_CLIENT (lxc-wait): its data is one int per LXC state,
 * non-zero for those the client waits for.  The answer's ret and data
 * are the container's state when it is in one of them already (the
 * client is done), else HK_LXC_MAX_STATE: the connection stays open and
 * the server sends one hk_lxc_msg when the container reaches one. */
struct hk_lxc_msg {
	int32_t type; /* 0: a state */
	char name[256];
	int32_t value; /* the state */
};

/* LXC refuses request and response data longer than this (2 * PATH_MAX). */
#define HK_LXC_DATA_MAX 8192

struct hk_lxc_req {
	int32_t cmd;
	int32_t datalen;
	uintptr_t data; /* a pointer in the sender's memory: meaningless here */
};

struct hk_lxc_rsp {
	int32_t ret; /* 0, or -errno */
	int32_t datalen;
	uintptr_t data; /* datalen 0: the answer itself (state, pid) */
};

/* "/var/lib/lxc/c1/command" or "lxc/0123456789abcdef/command": the name
 * without its leading NUL, as /proc/net/unix shows it after '@'.
 * Caller frees. */
char *hk_lxc_sock_name(const char *lxcpath, const char *name);
/* The abstract address of that name; returns the length to pass to bind
 * or connect (it ends with the name: no trailing NUL, as LXC does). */
socklen_t hk_lxc_sock_addr(const char *lxcpath, const char *name, struct sockaddr_un *addr);

/* Binds the container's name (SOCK_STREAM|SOCK_CLOEXEC) without listening:
 * while the descriptor is open, lxc-start of it fails at its own bind and
 * LXC's clients see it stopped (their connect is refused); listen() on it
 * makes it a server.  -1 with EADDRINUSE when another socket holds it. */
int hk_lxc_sock_claim(const char *lxcpath, const char *name, struct hk_error **err);
/* Connects to the container's name.  -1 with ECONNREFUSED when nobody
 * listens there (nobody holds it, or a claim without listen). */
int hk_lxc_sock_connect(const char *lxcpath, const char *name, struct hk_error **err);

/* The kernel's credentials of a connected socket's peer (for a client:
 * the process that called listen, translated into our namespaces; pid 0
 * when it is not visible from here). */
int hk_lxc_peer_cred(int fd, pid_t *pid, uid_t *uid, struct hk_error **err);

/* ---- the client side ---- */

struct hk_lxc_reply {
	int ret;	/* the response's ret: 0 or -errno */
	intptr_t value; /* the data word, for answers carried in it */
	char *data;	/* datalen bytes plus a NUL, or NULL */
	size_t len;
	int fd;	     /* a descriptor that came with it (O_CLOEXEC), or -1 */
	bool closed; /* the server closed the connection without answering */
};
void hk_lxc_reply_init(struct hk_lxc_reply *r);
void hk_lxc_reply_clear(struct hk_lxc_reply *r);

/* Sends one request on a connected socket (with the caller's credentials,
 * as LXC's clients do) and reads its response, waiting at most timeout_ms
 * in all.  A server that closes the connection without a response is not
 * an error: reply->closed (LXC_CMD_STOP answers so once the container is
 * gone).  More than HK_LXC_DATA_MAX bytes of data, or more than one
 * descriptor, is refused (EPROTO). */
int hk_lxc_request(int fd, int cmd, const void *data, int datalen, struct hk_lxc_reply *reply,
		   int timeout_ms, struct hk_error **err);

/* ---- the server side (pure: unit-tested and fuzzed) ---- */

/* What a hako monitor tells LXC's clients about its container. */
struct hk_lxc_facts {
	enum hk_lxc_state state;
	pid_t init_pid; /* 0 while it starts */
	const char *name;
	const char *lxcpath;
};

/* Reads a request from the bytes received so far: 0 = incomplete (*need:
 * how many bytes make it whole), 1 = whole (*need: its size, header and
 * data), -1 = malformed (a negative or oversized datalen): close it. */
int hk_lxc_req_parse(const void *buf, size_t len, struct hk_lxc_req *req, size_t *need);

/* One connection on the server's side: its request as it arrives, in
 * pieces of any size.  The header is kept, and of the data after it only
 * what fits in states (no other request hako answers needs its data). */
struct hk_lxc_conn {
	unsigned char hdr[sizeof(struct hk_lxc_req)];
	size_t got; /* bytes taken: the header, then the data */
	/* The first bytes of the data: ADD_STATE_CLIENT's states. */
	int32_t states[HK_LXC_MAX_STATE];
};
/* How many more bytes the request needs (0 once it is whole). */
size_t hk_lxc_conn_want(const struct hk_lxc_conn *c);
/* Takes up to n bytes, never more than hk_lxc_conn_want(): 1 when the
 * request is whole (req set; then take nothing more), 0 when it needs
 * more, -1 when it is malformed (close the connection).  *used: the
 * bytes taken. */
int hk_lxc_conn_feed(struct hk_lxc_conn *c, const void *bytes, size_t n, size_t *used,
		     struct hk_lxc_req *req);

/* The response to a request: rsp, and data and len (pointing into facts)
 * for the bytes that follow it.  allowed false: -EPERM (the peer is
 * neither root nor the container's owner), as LXC answers. */
void hk_lxc_answer(const struct hk_lxc_req *req, const struct hk_lxc_facts *f, bool allowed,
		   struct hk_lxc_rsp *rsp, const void **data, size_t *len);
/* ADD_STATE_CLIENT: the states c's request waits for, as a mask of
 * 1u << enum hk_lxc_state (0 for a malformed request: its data must be
 * exactly the array of HK_LXC_MAX_STATE ints), and the answer: true when
 * the client is to wait (its connection kept), false when it is answered
 * and done (in a state it waits for, refused, or malformed). */
bool hk_lxc_answer_state_client(const struct hk_lxc_req *req, const struct hk_lxc_conn *c,
				enum hk_lxc_state now, bool allowed, struct hk_lxc_rsp *rsp,
				unsigned *mask);
/* The message that tells a waiting client its container reached state. */
void hk_lxc_state_msg(const char *name, enum hk_lxc_state state, struct hk_lxc_msg *msg);

#endif
