/* net-bridge.c - the bridge of `hako net setup` (made, addressed, up,
 * idempotently) and `hako net remove`. */
#include "net.h"

#include <errno.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

int hk_net_bridge_setup(const char *bridge, const char *cidr, struct hk_net_bridge_report *rep,
			struct hk_error **err)
{
	memset(rep, 0, sizeof(*rep));
	struct hk_net_ip ip;
	if (hk_net_ifname_validate(bridge, "bridge", err) < 0 ||
	    hk_net_ip_parse(cidr, AF_INET, &ip, err) < 0)
		return -1;
	hk_autonl struct nl_sock *sk = hk_net_nl_open(err);
	if (!sk)
		return -1;
	bool is_bridge = false;
	int idx = hk_net_ifindex(sk, bridge, &is_bridge, err);
	if (idx < 0)
		return -1;
	if (idx > 0 && !is_bridge)
		return hk_error_set(err, EEXIST,
				    "interface \"%s\" exists and is not a bridge; pick another "
				    "name ([net] bridge in hako.conf)",
				    bridge);
	if (idx == 0) {
		int rc = rtnl_link_bridge_add(sk, bridge);
		if (rc < 0)
			return hk_net_nl_error(err, rc, "cannot create bridge \"%s\"", bridge);
		rep->created = true;
		if ((idx = hk_net_ifindex(sk, bridge, NULL, err)) <= 0)
			return hk_error_set(err, ENODEV, "bridge \"%s\" vanished after it was made",
					    bridge);
	}
	struct hk_net_ip have;
	bool found;
	if (hk_net_find_addr(sk, idx, AF_INET, &have, &found, err) < 0)
		return -1;
	if (!found || have.prefix != ip.prefix || memcmp(have.bytes, ip.bytes, 4)) {
		if (hk_net_add_addr(sk, idx, &ip, true, err) < 0)
			return hk_error_prefix(err, "bridge \"%s\"", bridge);
		rep->addr_added = true;
	}
	return hk_net_link_up(sk, bridge, &rep->brought_up, err);
}

int hk_net_bridge_delete(const char *bridge, struct hk_error **err)
{
	hk_autonl struct nl_sock *sk = hk_net_nl_open(err);
	if (!sk)
		return -1;
	bool is_bridge = false;
	int idx = hk_net_ifindex(sk, bridge, &is_bridge, err);
	if (idx <= 0)
		return idx;
	if (!is_bridge)
		return hk_error_set(err, EINVAL,
				    "interface \"%s\" is not a bridge: not deleting it", bridge);
	struct rtnl_link *l = rtnl_link_alloc();
	rtnl_link_set_ifindex(l, idx);
	int rc = rtnl_link_delete(sk, l);
	rtnl_link_put(l);
	if (rc < 0)
		return hk_net_nl_error(err, rc, "cannot delete bridge \"%s\"", bridge);
	return 0;
}
