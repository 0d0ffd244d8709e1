/* netns-read.c - a running container's addresses for the list, read with
 * netlink inside its network namespace without running anything in the
 * container.  Root: a short-lived thread setns()es into /proc/PID/ns/net (a
 * network namespace is per thread), dumps the addresses and exits, so the
 * caller's own namespace never changes.  An ordinary user has no
 * CAP_SYS_ADMIN over the host's user namespace, so setns() to the network
 * namespace of a container in his own user namespace needs that user
 * namespace joined first, which a threaded process cannot do: a forked
 * child joins both, makes a netlink socket there, hands it back over a
 * socketpair and exits (a socket stays in the namespace it was made in).
 * The socket has a receive timeout, so a list never hangs on one container.
 *
 * The sockets are kept, one per network namespace (a socket pins its
 * namespace, so the inode that keys it cannot be reused meanwhile): a
 * dashboard refreshing every second starts no thread and forks no process
 * per container per refresh.  hk_netns_cache_sweep() drops the sockets of
 * namespaces that a whole listing did not ask for, so a stopped container's
 * namespace is not kept alive.
 *
 * Beside each kept socket, a second one made with it listens to the
 * namespace's address changes (RTMGRP_IPV4_IFADDR, _IPV6_IFADDR): while
 * it has nothing to read, the addresses are those of the last dump, and
 * a read costs one recv instead of a dump.  It is drained before each
 * dump, so a change during the dump shows in it or waits on the socket. */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <linux/netlink.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unixsock.h"
#include "util.h"

#define WATCH_GROUPS (RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR)

struct ns_sock;

struct read_job {
	int nsfd;	      /* -1 when kept says which namespace */
	struct ns_sock *kept; /* the namespace's kept socket, found by its stat */
	int watch_fd;	      /* the socket made beside it that hears changes, -1 = none */
	bool ours;	      /* the caller's own namespace: nothing to read */
	struct hk_strv *v4, *v6;
	int rc;
	int nlerr;
	int sys_errno;
};

static void collect(struct nl_object *obj, void *arg)
{
	struct read_job *j = arg;
	struct rtnl_addr *a = (struct rtnl_addr *)obj;
	struct nl_addr *local = rtnl_addr_get_local(a);
	int fam = rtnl_addr_get_family(a);
	/* lo's addresses have host scope, fe80:: link scope: both skipped. */
	if (!local || rtnl_addr_get_scope(a) != RT_SCOPE_UNIVERSE ||
	    (fam != AF_INET && fam != AF_INET6))
		return;
	char txt[INET6_ADDRSTRLEN];
	if (!inet_ntop(fam, nl_addr_get_binary_addr(local), txt, sizeof(txt)))
		return;
	hk_strv_push(fam == AF_INET ? j->v4 : j->v6, txt);
}

/* Dumps the addresses through sk (connected, in the right namespace). */
static void dump_addrs(struct read_job *j, struct nl_sock *sk)
{
	struct timeval tv = { .tv_sec = 1 };
	setsockopt(nl_socket_get_fd(sk), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	struct nl_cache *cache = NULL;
	if ((j->nlerr = rtnl_addr_alloc_cache(sk, &cache)) < 0) {
		j->rc = -1;
	} else {
		nl_cache_foreach(cache, collect, j);
		nl_cache_free(cache);
	}
}

/* A bound NETLINK_ROUTE socket in the caller's network namespace, or -1;
 * groups: the multicast groups it hears (then non-blocking). */
static int netlink_socket(unsigned groups)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = groups };
	int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | (groups ? SOCK_NONBLOCK : 0),
			NETLINK_ROUTE);
	if (nl >= 0 && bind(nl, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(nl);
		errno = e;
		return -1;
	}
	return nl;
}

/* Root: a thread joins the namespace (the caller's own stays as it is) and
 * makes the socket there. */
static void *socket_thread(void *arg)
{
	struct read_job *j = arg;
	j->rc = -1;
	if (setns(j->nsfd, CLONE_NEWNET) < 0 || (j->rc = netlink_socket(0)) < 0)
		j->sys_errno = errno;
	else
		j->watch_fd = netlink_socket(WATCH_GROUPS);
	return NULL;
}

/* The forked child: only system calls, then _exit. */
static __attribute__((noreturn)) void socket_child(int usfd, int nsfd, int sock)
{
	if (setns(usfd, CLONE_NEWUSER) < 0 || setns(nsfd, CLONE_NEWNET) < 0)
		_exit(1);
	int nl = netlink_socket(0), watch = netlink_socket(WATCH_GROUPS);
	if (nl < 0)
		_exit(2);
	if (hk_unixsock_send_one_fd(sock, nl) < 0 ||
	    (watch >= 0 && hk_unixsock_send_one_fd(sock, watch) < 0))
		_exit(3);
	_exit(0);
}

/* A netlink socket made inside the user and network namespaces of pid. */
static int socket_via_userns(pid_t pid, int nsfd, struct read_job *j)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	hk_autoclose int usfd = open(path, O_RDONLY | O_CLOEXEC);
	int sv[2];
	if (usfd < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return (j->sys_errno = errno), -1;
	pid_t c = fork();
	if (c == 0)
		socket_child(usfd, nsfd, sv[1]);
	close(sv[1]);
	int fd = c > 0 ? hk_unixsock_recv_one_fd(sv[0]) : -1;
	j->watch_fd = fd >= 0 ? hk_unixsock_recv_one_fd(sv[0]) : -1; /* -1 once the child is gone */
	close(sv[0]);
	int status = 0;
	while (c > 0 && waitpid(c, &status, 0) < 0 && errno == EINTR)
		;
	if (fd < 0)
		j->sys_errno = c < 0 ? errno : EPERM;
	return fd;
}

static int socket_via_thread(struct read_job *j)
{
	pthread_t t;
	int rc = pthread_create(&t, NULL, socket_thread, j);
	if (rc != 0)
		return (j->sys_errno = rc), -1;
	pthread_join(t, NULL);
	return j->rc;
}

/* ---- the socket cache ---- */

struct ns_sock {
	dev_t dev;
	ino_t ino;
	int fd;
	int watch_fd; /* hears address changes, -1 = none */
	bool known;   /* v4, v6 hold the last dump */
	struct hk_strv v4, v6;
	bool used; /* asked for since the last sweep */
};

static struct {
	struct ns_sock *v;
	size_t n, cap;
} cache;

static struct ns_sock *cache_find(const struct stat *sb)
{
	for (size_t i = 0; i < cache.n; i++)
		if (cache.v[i].dev == sb->st_dev && cache.v[i].ino == sb->st_ino)
			return &cache.v[i];
	return NULL;
}

static void cache_drop(struct ns_sock *e)
{
	close(e->fd);
	if (e->watch_fd >= 0)
		close(e->watch_fd);
	hk_strv_clear(&e->v4);
	hk_strv_clear(&e->v6);
	*e = cache.v[--cache.n];
}

void hk_netns_cache_sweep(void)
{
	for (size_t i = 0; i < cache.n;) {
		if (!cache.v[i].used) {
			cache_drop(&cache.v[i]);
			continue;
		}
		cache.v[i++].used = false;
	}
}

/* Two descriptors a namespace: with hundreds of containers running, more
 * than the 1024 a login session's soft limit allows.  The hard limit is
 * the ceiling the admin set (systemd's default is 512K): on EMFILE the soft
 * one is raised to it, once, so that a listing of a small host changes
 * nothing.  True when it was raised. */
static bool raise_nofile(void)
{
	struct rlimit r;
	if (getrlimit(RLIMIT_NOFILE, &r) < 0 || r.rlim_cur >= r.rlim_max)
		return false;
	r.rlim_cur = r.rlim_max;
	return setrlimit(RLIMIT_NOFILE, &r) == 0;
}

/* Whether sb is the caller's own network namespace (which never changes:
 * looked up once). */
static bool our_netns(const struct stat *sb)
{
	static struct stat self;
	static bool known;
	if (!known && stat("/proc/self/ns/net", &self) == 0)
		known = true;
	return known && self.st_dev == sb->st_dev && self.st_ino == sb->st_ino;
}

/* A new kept socket for the namespace sb, nsfd, names. */
static struct ns_sock *cache_add(pid_t pid, struct read_job *j, const struct stat *sb)
{
	int fd = geteuid() != 0 ? socket_via_userns(pid, j->nsfd, j) : socket_via_thread(j);
	if (fd < 0)
		return NULL;
	if (cache.n == cache.cap) {
		cache.cap = cache.cap ? cache.cap * 2 : 16;
		cache.v = xrealloc(cache.v, cache.cap * sizeof(*cache.v));
	}
	struct ns_sock *e = &cache.v[cache.n++];
	*e = (struct ns_sock){
		.dev = sb->st_dev, .ino = sb->st_ino, .fd = fd, .watch_fd = j->watch_fd
	};
	return e;
}

/* The kept socket of the namespace nsfd refers to (or the one the caller
 * found already), made when missing. */
static struct ns_sock *ns_socket(pid_t pid, struct read_job *j)
{
	struct ns_sock *e = j->kept;
	if (!e) {
		struct stat sb;
		if (fstat(j->nsfd, &sb) < 0)
			return (j->sys_errno = errno), NULL;
		if (our_netns(&sb)) {
			j->ours = true;
			return NULL;
		}
		e = cache_find(&sb);
		if (!e)
			e = cache_add(pid, j, &sb);
	}
	if (e)
		e->used = true;
	return e;
}

/* True when the namespace's addresses may differ from the last dump:
 * none was made, nothing hears changes, or a change (or an overflow of
 * the socket that hears them) came since; drains what came. */
static bool addrs_changed(struct ns_sock *e)
{
	if (!e->known || e->watch_fd < 0)
		return true;
	char buf[4096] __attribute__((aligned(4)));
	bool any = false;
	ssize_t n;
	while ((n = recv(e->watch_fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0 ||
	       (n < 0 && (errno == ENOBUFS || errno == EINTR)))
		any = true;
	return any;
}

static void addrs_keep(struct ns_sock *e, const struct read_job *j)
{
	hk_strv_clear(&e->v4);
	hk_strv_clear(&e->v6);
	hk_strv_copy(&e->v4, j->v4);
	hk_strv_copy(&e->v6, j->v6);
	e->known = true;
}

/* One dump over a copy of the kept socket (libnl closes what it is given),
 * or the addresses of the last one when nothing changed since. */
static void read_addrs(pid_t pid, struct read_job *j)
{
	struct ns_sock *e = ns_socket(pid, j);
	j->rc = 0;
	if (j->ours)
		return;
	if (e && !addrs_changed(e)) {
		hk_strv_copy(j->v4, &e->v4);
		hk_strv_copy(j->v6, &e->v6);
		return;
	}
	if (e)
		e->known = false;
	int fd = e ? fcntl(e->fd, F_DUPFD_CLOEXEC, 3) : -1;
	if (fd < 0) {
		if (e && !j->sys_errno)
			j->sys_errno = errno;
		j->rc = -1;
		return;
	}
	struct nl_sock *sk = nl_socket_alloc();
	if (!sk)
		abort();
	if ((j->nlerr = nl_socket_set_fd(sk, NETLINK_ROUTE, fd)) < 0) {
		close(fd);
		j->rc = -1;
	} else {
		dump_addrs(j, sk);
	}
	nl_socket_free(sk);
	/* A dump that failed half-way may leave replies queued: start afresh. */
	if (j->rc < 0 && e)
		cache_drop(e);
	else if (e)
		addrs_keep(e, j);
}

static int read_ns_addrs(pid_t pid, struct hk_strv *ipv4, struct hk_strv *ipv6,
			 struct hk_error **err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	struct read_job j = { .v4 = ipv4, .v6 = ipv6, .watch_fd = -1, .nsfd = -1 };
	/* A namespace read before (or ours) needs no descriptor: stat follows
	 * the link to the namespace itself (a dashboard's tick, every row). */
	struct stat sb;
	bool seen = stat(path, &sb) == 0;
	if (seen && our_netns(&sb))
		return 0;
	if (seen && (j.kept = cache_find(&sb)) != NULL) {
		read_addrs(pid, &j);
	} else {
		j.nsfd = open(path, O_RDONLY | O_CLOEXEC);
		if (j.nsfd < 0)
			return hk_error_errno(err, "cannot open the network namespace of pid %d",
					      (int)pid);
		read_addrs(pid, &j);
		close(j.nsfd);
	}
	if (j.sys_errno)
		return hk_error_set(err, j.sys_errno,
				    "cannot enter the network namespace of pid %d", (int)pid);
	if (j.rc < 0)
		return hk_net_nl_error(err, j.nlerr, "cannot read addresses of pid %d", (int)pid);
	return 0;
}

int hk_netns_read_addrs(pid_t pid, struct hk_strv *ipv4, struct hk_strv *ipv6,
			struct hk_error **err)
{
	hk_autoerr struct hk_error *first = NULL;
	if (read_ns_addrs(pid, ipv4, ipv6, &first) == 0)
		return 0;
	if (first->code != EMFILE || !raise_nofile()) {
		hk_error_propagate(err, &first);
		return -1;
	}
	hk_strv_clear(ipv4);
	hk_strv_clear(ipv6);
	return read_ns_addrs(pid, ipv4, ipv6, err);
}
