/* device-link.c - a host network interface moved into a running
 * container's network namespace and back (device-internal.h).
 *
 * Both namespaces are held by descriptor (the container's through
 * /proc/PID/ns/net, checked against init's pidfd), and the container's is
 * read through a netlink socket a short thread made inside it.  One
 * RTM_NEWLINK moves and renames (IFLA_NET_NS_FD with IFLA_IFNAME, as
 * `ip link set DEV netns N name NEW`); the name is checked free first. */
#include "device-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <netlink/route/link.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net.h"
#include "util.h"

struct ns_sock {
	int nsfd;
	int fd;
	int err;
};

static void *sock_thread(void *arg)
{
	struct ns_sock *s = arg;
	s->fd = -1;
	if (setns(s->nsfd, CLONE_NEWNET) < 0 ||
	    (s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) < 0)
		s->err = errno;
	return NULL;
}

/* A netlink route socket in the namespace nsfd. */
static struct nl_sock *nl_in(int nsfd, const char *name, struct hk_error **err)
{
	struct ns_sock s = { .nsfd = nsfd };
	pthread_t t;
	int rc = pthread_create(&t, NULL, sock_thread, &s);
	if (rc != 0)
		return errno = rc, hk_error_errno(err, "cannot start a thread"), NULL;
	pthread_join(t, NULL);
	if (s.fd < 0)
		return errno = s.err,
		       hk_error_errno(err, "cannot enter the network namespace of container \"%s\"",
				      name),
		       NULL;
	struct nl_sock *sk = nl_socket_alloc();
	if (!sk)
		abort();
	rc = nl_socket_set_fd(sk, NETLINK_ROUTE, s.fd);
	if (rc < 0) {
		close(s.fd);
		nl_socket_free(sk);
		hk_net_nl_error(err, rc, "cannot use a netlink socket in container \"%s\"", name);
		return NULL;
	}
	return sk;
}

/* The container's network namespace: its own, or a refusal. */
static int open_netns(const struct hk_device_ct *ct, struct hk_error **err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)ct->pid);
	hk_autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat mine, its;
	if (fd < 0 || hk_pidfd_signal(ct->pidfd, 0) < 0)
		return hk_error_errno(err, "container \"%s\": cannot open its network namespace",
				      ct->name);
	if (stat("/proc/self/ns/net", &mine) < 0 || fstat(fd, &its) < 0)
		return hk_error_errno(err, "cannot compare network namespaces");
	if (mine.st_ino == its.st_ino && mine.st_dev == its.st_dev)
		return hk_error_say(
			err, EINVAL,
			"container \"%s\" shares the host's network namespace (lxc.net.0.type = "
			"none): there is nowhere to move an interface to",
			ct->name);
	return hk_steal_fd(&fd);
}

/* The link called name through sk; NULL (no error) when there is none. */
static struct rtnl_link *get_link(struct nl_sock *sk, const char *name, struct hk_error **err)
{
	struct rtnl_link *l = NULL;
	int rc = rtnl_link_get_kernel(sk, 0, name, &l);
	if (rc == -NLE_OBJ_NOTFOUND || rc == -NLE_NODEV)
		return NULL;
	if (rc < 0)
		hk_net_nl_error(err, rc, "cannot read interface \"%s\"", name);
	return l;
}

/* Moves l (read through from) into nsfd under the name to. */
static int move(struct nl_sock *from, struct rtnl_link *l, int nsfd, const char *to,
		struct hk_error **err)
{
	struct rtnl_link *c = rtnl_link_alloc();
	rtnl_link_set_ns_fd(c, nsfd);
	rtnl_link_set_name(c, to);
	int rc = rtnl_link_change(from, l, c, 0);
	rtnl_link_put(c);
	return rc < 0 ? hk_net_nl_error(err, rc, "cannot move interface \"%s\"",
					rtnl_link_get_name(l))
		      : 0;
}

/* Why the host's link must stay, or NULL. */
static const char *must_stay(struct rtnl_link *l, struct nl_sock *sk, char *why, size_t size)
{
	if ((rtnl_link_get_flags(l) & IFF_LOOPBACK) || strcmp(rtnl_link_get_name(l), "lo") == 0)
		return "it is the host's loopback interface";
	int master = rtnl_link_get_master(l);
	if (master > 0) {
		char bridge[IFNAMSIZ] = "?";
		struct rtnl_link *m = NULL;
		if (rtnl_link_get_kernel(sk, master, NULL, &m) == 0) {
			snprintf(bridge, sizeof(bridge), "%s", rtnl_link_get_name(m));
			rtnl_link_put(m);
		}
		snprintf(why, size,
			 "it is a port of \"%s\" on the host: moving it would take it off that "
			 "bridge (remove "
			 "it first: ip link set %s nomaster)",
			 bridge, rtnl_link_get_name(l));
		return why;
	}
	const char *type = rtnl_link_get_type(l);
	if (type && strcmp(type, "bridge") == 0)
		return "it is a bridge, which the kernel keeps in its namespace (give a port, not "
		       "the bridge)";
	return NULL;
}

int hk_device_link_add(const struct hk_device_ct *ct, const char *host, const char *inside,
		       struct hk_error **err)
{
	hk_autoclose int nsfd = open_netns(ct, err);
	if (nsfd < 0)
		return -1;
	hk_autonl struct nl_sock *hsk = hk_net_nl_open(err);
	hk_autonl struct nl_sock *csk = hsk ? nl_in(nsfd, ct->name, err) : NULL;
	if (!csk)
		return -1;
	struct rtnl_link *l = get_link(hsk, host, err);
	if (!l)
		return err && *err ? -1
				   : hk_error_say(err, ENODEV,
						  "the host has no network interface \"%s\" (ip "
						  "link lists them)",
						  host);
	char buf[256];
	const char *why = must_stay(l, hsk, buf, sizeof(buf));
	struct rtnl_link *there = why ? NULL : get_link(csk, inside, err);
	int rc = 0;
	if (why)
		rc = hk_error_say(err, EPERM, "interface \"%s\" stays on the host: %s", host, why);
	else if (there || (err && *err))
		rc = there ? hk_error_say(err, EEXIST,
					  "container \"%s\" already has an interface \"%s\"; give "
					  "another name "
					  "inside (hako device %s add %s NAME-INSIDE)",
					  ct->name, inside, ct->name, host)
			   : -1;
	else
		rc = move(hsk, l, nsfd, inside, err);
	if (there)
		rtnl_link_put(there);
	rtnl_link_put(l);
	return rc;
}

int hk_device_link_del(const struct hk_device_ct *ct, const struct hk_device_link *rec,
		       struct hk_error **err)
{
	hk_autoclose int nsfd = open_netns(ct, err);
	hk_autoclose int host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return -1;
	if (host_ns < 0)
		return hk_error_errno(err, "cannot open the host's network namespace");
	hk_autonl struct nl_sock *hsk = hk_net_nl_open(err);
	hk_autonl struct nl_sock *csk = hsk ? nl_in(nsfd, ct->name, err) : NULL;
	if (!csk)
		return -1;
	struct rtnl_link *taken = get_link(hsk, rec->host, err);
	if (taken || (err && *err)) {
		if (taken)
			rtnl_link_put(taken);
		return taken ? hk_error_say(err, EEXIST,
					    "the host has an interface \"%s\" again; rename or "
					    "remove it, then "
					    "del again",
					    rec->host)
			     : -1;
	}
	struct rtnl_link *l = get_link(csk, rec->inside, err);
	if (!l)
		return err && *err ? -1
				   : hk_error_say(err, ENODEV,
						  "container \"%s\" has no interface \"%s\" any "
						  "more (renamed or "
						  "deleted inside?)",
						  ct->name, rec->inside);
	int rc = move(csk, l, host_ns, rec->host, err);
	rtnl_link_put(l);
	return rc;
}
