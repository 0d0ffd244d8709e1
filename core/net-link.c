/* net-link.c - the netlink base every net-*.c file and hako-nic use: the
 * socket and its errors, a link's index and kind, bringing a link up,
 * reading a link's address (a bridge's address is its containers' gateway
 * and names the subnet leases come from), and a host end put on its bridge.
 * Only the base (util, error) below it: hako-nic links this file. */
#include "net-link.h"

#include <errno.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct nl_sock *hk_net_nl_open(struct hk_error **err)
{
	struct nl_sock *sk = nl_socket_alloc();
	if (!sk)
		abort();
	int rc = nl_connect(sk, NETLINK_ROUTE);
	if (rc < 0) {
		nl_socket_free(sk);
		hk_net_nl_error(err, rc, "cannot open a netlink socket");
		return NULL;
	}
	return sk;
}

void hk_net_nl_closep(struct nl_sock **sk)
{
	if (*sk)
		nl_socket_free(*sk);
	*sk = NULL;
}

/* libnl's errors are its own numbers: put its text in the message. */
int hk_net_nl_error(struct hk_error **err, int nlerr, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	hk_autofree char *what = xvasprintf(fmt, ap);
	va_end(ap);
	int code = nlerr == -NLE_PERM				       ? EPERM
		   : nlerr == -NLE_EXIST			       ? EEXIST
		   : nlerr == -NLE_OBJ_NOTFOUND || nlerr == -NLE_NODEV ? ENODEV
								       : 0;
	if (code == EPERM)
		return hk_error_set(err, code, "%s: permission denied (networking needs root)",
				    what);
	return hk_error_set(err, 0, "%s: %s", what, nl_geterror(nlerr));
}

/* ifindex of name (0 when missing); is_bridge tells its kind. */
int hk_net_ifindex(struct nl_sock *sk, const char *name, bool *is_bridge, struct hk_error **err)
{
	struct rtnl_link *l = NULL;
	int rc = rtnl_link_get_kernel(sk, 0, name, &l);
	if (rc == -NLE_OBJ_NOTFOUND || rc == -NLE_NODEV)
		return 0;
	if (rc < 0)
		return hk_net_nl_error(err, rc, "cannot read interface \"%s\"", name);
	int idx = rtnl_link_get_ifindex(l);
	if (is_bridge) {
		const char *t = rtnl_link_get_type(l);
		*is_bridge = t && !strcmp(t, "bridge");
	}
	rtnl_link_put(l);
	return idx;
}

int hk_net_link_up(struct nl_sock *sk, const char *name, bool *changed, struct hk_error **err)
{
	struct rtnl_link *l = NULL;
	int rc = rtnl_link_get_kernel(sk, 0, name, &l);
	if (rc < 0)
		return hk_net_nl_error(err, rc, "cannot read interface \"%s\"", name);
	bool down = !(rtnl_link_get_flags(l) & IFF_UP);
	if (changed)
		*changed = down;
	if (down) {
		struct rtnl_link *c = rtnl_link_alloc();
		rtnl_link_set_flags(c, IFF_UP);
		rc = rtnl_link_change(sk, l, c, 0);
		rtnl_link_put(c);
	}
	rtnl_link_put(l);
	if (rc < 0)
		return hk_net_nl_error(err, rc, "cannot bring \"%s\" up", name);
	return 0;
}

struct addr_find {
	int ifindex, family;
	struct hk_net_ip *out;
	bool found;
};

static void addr_find_cb(struct nl_object *obj, void *arg)
{
	struct addr_find *f = arg;
	struct rtnl_addr *a = (struct rtnl_addr *)obj;
	struct nl_addr *local = rtnl_addr_get_local(a);
	if (f->found || rtnl_addr_get_ifindex(a) != f->ifindex ||
	    rtnl_addr_get_family(a) != f->family || !local ||
	    (f->family == AF_INET6 && rtnl_addr_get_scope(a) != RT_SCOPE_UNIVERSE))
		return;
	unsigned len = nl_addr_get_len(local);
	if (len > sizeof(f->out->bytes))
		return;
	memset(f->out, 0, sizeof(*f->out));
	f->out->family = f->family;
	f->out->prefix = rtnl_addr_get_prefixlen(a);
	memcpy(f->out->bytes, nl_addr_get_binary_addr(local), len);
	f->found = true;
}

int hk_net_find_addr(struct nl_sock *sk, int ifindex, int family, struct hk_net_ip *out,
		     bool *found, struct hk_error **err)
{
	struct nl_cache *cache = NULL;
	int rc = rtnl_addr_alloc_cache(sk, &cache);
	if (rc < 0)
		return hk_net_nl_error(err, rc, "cannot list addresses");
	struct addr_find f = { .ifindex = ifindex, .family = family, .out = out };
	nl_cache_foreach(cache, addr_find_cb, &f);
	nl_cache_free(cache);
	*found = f.found;
	return 0;
}

int hk_net_link_addr(const char *ifname, int family, struct hk_net_ip *out, struct hk_error **err)
{
	hk_autonl struct nl_sock *sk = hk_net_nl_open(err);
	if (!sk)
		return -1;
	int idx = hk_net_ifindex(sk, ifname, NULL, err);
	if (idx < 0)
		return -1;
	if (idx == 0)
		return hk_error_set(err, ENODEV, "interface \"%s\" does not exist", ifname);
	bool found;
	if (hk_net_find_addr(sk, idx, family, out, &found, err) < 0)
		return -1;
	if (!found)
		return hk_error_set(err, EADDRNOTAVAIL,
				    "interface \"%s\" has no %s address; give it one "
				    "(\"hako net setup\" does for the default bridge)",
				    ifname, family == AF_INET ? "IPv4" : "global IPv6");
	return 0;
}

int hk_net_host_attach(struct nl_sock *sk, const char *host, int bridge, unsigned mtu,
		       struct hk_error **err)
{
	struct rtnl_link *l = NULL;
	int rc = rtnl_link_get_kernel(sk, 0, host, &l);
	if (rc < 0)
		return hk_net_nl_error(err, rc, "cannot read the new interface \"%s\"", host);
	struct rtnl_link *c = rtnl_link_alloc();
	if (bridge > 0)
		rtnl_link_set_master(c, bridge);
	if (mtu)
		rtnl_link_set_mtu(c, mtu);
	rtnl_link_set_flags(c, IFF_UP);
	rc = rtnl_link_change(sk, l, c, 0);
	rtnl_link_put(c);
	rtnl_link_put(l);
	if (rc < 0)
		return hk_net_nl_error(err, rc,
				       "cannot attach \"%s\" to its bridge and bring it up", host);
	return 0;
}
