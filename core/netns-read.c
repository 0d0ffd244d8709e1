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
 * The socket has a receive timeout, so a list never hangs on one container. */
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
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

struct read_job {
	int nsfd;
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
	if (!local || rtnl_addr_get_scope(a) != RT_SCOPE_UNIVERSE || (fam != AF_INET && fam != AF_INET6))
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

static void *read_thread(void *arg)
{
	struct read_job *j = arg;
	if (setns(j->nsfd, CLONE_NEWNET) < 0) {
		j->sys_errno = errno;
		j->rc = -1;
		return NULL;
	}
	struct nl_sock *sk = nl_socket_alloc();
	if (!sk || (j->nlerr = nl_connect(sk, NETLINK_ROUTE)) < 0)
		j->rc = -1;
	else
		dump_addrs(j, sk);
	nl_socket_free(sk);
	return NULL;
}

/* The forked child: only system calls, then _exit. */
static __attribute__((noreturn)) void socket_child(int usfd, int nsfd, int sock)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	if (setns(usfd, CLONE_NEWUSER) < 0 || setns(nsfd, CLONE_NEWNET) < 0)
		_exit(1);
	int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl < 0 || bind(nl, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		_exit(2);
	char byte = 0, cbuf[CMSG_SPACE(sizeof(int))];
	memset(cbuf, 0, sizeof(cbuf));
	struct iovec iov = { &byte, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &nl, sizeof(int));
	_exit(sendmsg(sock, &mh, MSG_NOSIGNAL) == 1 ? 0 : 3);
}

static int recv_fd(int sock)
{
	char byte, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	int fd = -1;
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS && cm->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
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
	int fd = c > 0 ? recv_fd(sv[0]) : -1;
	close(sv[0]);
	int status = 0;
	while (c > 0 && waitpid(c, &status, 0) < 0 && errno == EINTR)
		;
	if (fd < 0)
		j->sys_errno = c < 0 ? errno : EPERM;
	return fd;
}

static void read_via_userns(pid_t pid, struct read_job *j)
{
	int fd = socket_via_userns(pid, j->nsfd, j);
	if (fd < 0) {
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
	nl_socket_free(sk); /* closes fd once it was taken */
}

int hk_netns_read_addrs(pid_t pid, struct hk_strv *ipv4, struct hk_strv *ipv6, struct hk_error **err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	struct read_job j = { .v4 = ipv4, .v6 = ipv6 };
	j.nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (j.nsfd < 0)
		return hk_error_errno(err, "cannot open the network namespace of pid %d", (int)pid);
	pthread_t t;
	int rc = 0;
	if (geteuid() != 0)
		read_via_userns(pid, &j);
	else if ((rc = pthread_create(&t, NULL, read_thread, &j)) == 0)
		pthread_join(t, NULL);
	close(j.nsfd);
	if (rc != 0)
		return hk_error_set(err, rc, "cannot start a thread to read addresses");
	if (j.sys_errno)
		return hk_error_set(err, j.sys_errno, "cannot enter the network namespace of pid %d", (int)pid);
	if (j.rc < 0)
		return hk_net_nl_error(err, j.nlerr, "cannot read addresses of pid %d", (int)pid);
	return 0;
}
