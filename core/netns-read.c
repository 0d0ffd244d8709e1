/* netns-read.c - a running container's addresses for the list, read with
 * netlink inside its network namespace without running anything in the
 * container: a short-lived thread setns()es into /proc/PID/ns/net (a
 * network namespace is per thread), dumps the addresses and exits, so the
 * caller's own namespace never changes.  The socket has a receive timeout,
 * so a list never hangs on one container. */
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
#include <sys/socket.h>
#include <sys/time.h>
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

static void *read_thread(void *arg)
{
	struct read_job *j = arg;
	if (setns(j->nsfd, CLONE_NEWNET) < 0) {
		j->sys_errno = errno;
		j->rc = -1;
		return NULL;
	}
	struct nl_sock *sk = nl_socket_alloc();
	if (!sk || (j->nlerr = nl_connect(sk, NETLINK_ROUTE)) < 0) {
		j->rc = -1;
		nl_socket_free(sk);
		return NULL;
	}
	struct timeval tv = { .tv_sec = 1 };
	setsockopt(nl_socket_get_fd(sk), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	struct nl_cache *cache = NULL;
	if ((j->nlerr = rtnl_addr_alloc_cache(sk, &cache)) < 0) {
		j->rc = -1;
	} else {
		nl_cache_foreach(cache, collect, j);
		nl_cache_free(cache);
	}
	nl_socket_free(sk);
	return NULL;
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
	int rc = pthread_create(&t, NULL, read_thread, &j);
	if (rc == 0)
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
