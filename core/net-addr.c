/* net-addr.c - the container side of networking, run in the container's
 * child inside its own network namespace before init: each interface the
 * host made under a temporary name is renamed, given its MAC and MTU,
 * brought up, addressed, and given its default routes; lo comes up too. */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <string.h>

#include "util.h"

static int set_link(struct nl_sock *sk, const struct hk_net_iface *ifc, struct hk_error **err)
{
	struct rtnl_link *l = NULL;
	int rc = rtnl_link_get_kernel(sk, 0, ifc->tmp, &l);
	if (rc < 0)
		return hk_net_nl_error(err, rc, "interface \"%s\" did not arrive in the container",
				       ifc->tmp);
	struct rtnl_link *c = rtnl_link_alloc();
	rtnl_link_set_name(c, ifc->name);
	struct nl_addr *mac = NULL;
	if (*ifc->hwaddr) {
		char filled[sizeof(ifc->hwaddr)];
		memcpy(filled, ifc->hwaddr, sizeof(filled));
		hk_hwaddr_fill(filled); /* still patterned: fill it now */
		rc = nl_addr_parse(filled, AF_LLC, &mac);
		if (rc < 0) {
			rtnl_link_put(c);
			rtnl_link_put(l);
			return hk_error_set(err, EINVAL, "\"%s\" is not a MAC address",
					    ifc->hwaddr);
		}
		rtnl_link_set_addr(c, mac);
	}
	if (ifc->mtu)
		rtnl_link_set_mtu(c, ifc->mtu);
	if (ifc->up)
		rtnl_link_set_flags(c, IFF_UP);
	rc = rtnl_link_change(sk, l, c, 0);
	if (mac)
		nl_addr_put(mac);
	rtnl_link_put(c);
	rtnl_link_put(l);
	if (rc < 0)
		return hk_net_nl_error(err, rc, "cannot set up \"%s\" (name, MAC, MTU, up)",
				       ifc->name);
	return 0;
}

/* Adds one address to interface idx; an IPv6 one without duplicate
 * address detection, so that it is usable at once, before init runs.
 * exist_ok: an address already there is fine (an idempotent bridge setup). */
int hk_net_add_addr(struct nl_sock *sk, int idx, const struct hk_net_ip *ip, bool exist_ok,
		    struct hk_error **err)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local =
		nl_addr_build(ip->family, ip->bytes, ip->family == AF_INET ? 4 : 16);
	nl_addr_set_prefixlen(local, (int)ip->prefix);
	rtnl_addr_set_ifindex(a, idx);
	rtnl_addr_set_family(a, ip->family);
	rtnl_addr_set_local(a, local);
	rtnl_addr_set_prefixlen(a, (int)ip->prefix);
	if (ip->family == AF_INET6)
		rtnl_addr_set_flags(a, IFA_F_NODAD);
	int rc = rtnl_addr_add(sk, a, 0);
	nl_addr_put(local);
	rtnl_addr_put(a);
	if (rc < 0 && !(exist_ok && rc == -NLE_EXIST)) {
		char txt[HK_NET_IP_STRLEN + 4];
		hk_net_ip_format(ip, true, txt);
		return hk_net_nl_error(err, rc, "cannot add address %s", txt);
	}
	return 0;
}

static int add_default(struct nl_sock *sk, int idx, const struct hk_net_ip *gw,
		       struct hk_error **err)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct nl_addr *dst = NULL,
		       *via = nl_addr_build(gw->family, gw->bytes, gw->family == AF_INET ? 4 : 16);
	nl_addr_parse("default", gw->family, &dst);
	rtnl_route_set_family(r, (uint8_t)gw->family);
	rtnl_route_set_dst(r, dst);
	rtnl_route_set_table(r, RT_TABLE_MAIN);
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	rtnl_route_nh_set_ifindex(nh, idx);
	static const unsigned char zero[16];
	if (memcmp(gw->bytes, zero, sizeof(zero))) /* else "dev": no gateway */
		rtnl_route_nh_set_gateway(nh, via);
	rtnl_route_add_nexthop(r, nh);
	int rc = rtnl_route_add(sk, r, NLM_F_CREATE);
	nl_addr_put(dst);
	nl_addr_put(via);
	rtnl_route_put(r);
	if (rc < 0) {
		char txt[HK_NET_IP_STRLEN + 4];
		hk_net_ip_format(gw, false, txt);
		return hk_net_nl_error(err, rc, "cannot add the default route via %s", txt);
	}
	return 0;
}

static int setup_one(struct nl_sock *sk, const struct hk_net_iface *ifc, struct hk_error **err)
{
	if (set_link(sk, ifc, err) < 0)
		return -1;
	int idx = hk_net_ifindex(sk, ifc->name, NULL, err);
	if (idx <= 0)
		return idx < 0 ? -1
			       : hk_error_set(err, ENODEV, "interface \"%s\" vanished", ifc->name);
	for (unsigned i = 0; i < ifc->n_addrs; i++)
		if (hk_net_add_addr(sk, idx, &ifc->addrs[i], false, err) < 0)
			return -1;
	/* A default route needs the link up. */
	if (ifc->gw4.family && ifc->up && add_default(sk, idx, &ifc->gw4, err) < 0)
		return -1;
	if (ifc->gw6.family && ifc->up && add_default(sk, idx, &ifc->gw6, err) < 0)
		return -1;
	return 0;
}

int hk_net_child_setup(const struct hk_net_state *st, struct hk_error **err)
{
	hk_autonl struct nl_sock *sk = hk_net_nl_open(err);
	if (!sk)
		return -1;
	if (hk_net_link_up(sk, "lo", NULL, err) < 0)
		return -1;
	for (unsigned i = 0; i < st->n && i < HK_NET_MAX_IFACES; i++)
		if (setup_one(sk, &st->ifs[i], err) < 0)
			return hk_error_prefix(err, "lxc.net.%u", st->ifs[i].index);
	return 0;
}
