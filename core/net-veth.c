/* net-veth.c - the host side of one interface: a veth pair whose host end
 * joins a bridge and whose peer is born in the container's network
 * namespace (IFLA_NET_NS_PID), or a macvlan on a host device, born there
 * too.  Nothing is ever moved after creation, so a failure leaves at most
 * the one link recorded in the iface, which hk_net_host_unmake deletes. */
#include "net.h"

#include <errno.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/macvlan.h>
#include <netlink/route/link/veth.h>
#include <string.h>

#include "log.h"
#include "util.h"

/* The bridge must exist and be a bridge: say how to get one otherwise. */
static int check_bridge(struct nl_sock *sk, const struct hk_net_iface *ifc, struct hk_error **err)
{
	bool is_bridge = false;
	int idx = hk_net_ifindex(sk, ifc->link, &is_bridge, err);
	if (idx < 0)
		return -1;
	if (idx == 0)
		return hk_error_set(err, ENODEV,
				    "bridge \"%s\" (lxc.net.%u.link) does not exist; make it with "
				    "\"hako net setup\" (as root) or name an existing bridge",
				    ifc->link, ifc->index);
	if (!is_bridge)
		return hk_error_set(err, EINVAL,
				    "lxc.net.%u.link = %s is not a bridge; a veth needs a bridge "
				    "(\"hako net setup\" makes one)",
				    ifc->index, ifc->link);
	return idx;
}

static int make_veth(struct nl_sock *sk, struct hk_net_iface *ifc, pid_t child,
		     struct hk_error **err)
{
	int bridge = 0;
	if (*ifc->link && (bridge = check_bridge(sk, ifc, err)) < 0)
		return -1;
	if (hk_net_ifindex(sk, ifc->host, NULL, err) != 0)
		return hk_error_set(err, EEXIST,
				    "interface \"%s\" already exists on the host; pick another "
				    "lxc.net.%u.veth.pair",
				    ifc->host, ifc->index);
	int rc = rtnl_link_veth_add(sk, ifc->host, ifc->tmp, child);
	if (rc < 0)
		return hk_net_nl_error(err, rc, "cannot create veth pair \"%s\"", ifc->host);
	ifc->host_made = true;
	return hk_net_host_attach(sk, ifc->host, bridge, ifc->mtu, err);
}

static int make_macvlan(struct nl_sock *sk, struct hk_net_iface *ifc, pid_t child,
			struct hk_error **err)
{
	int parent = hk_net_ifindex(sk, ifc->link, NULL, err);
	if (parent < 0)
		return -1;
	if (parent == 0)
		return hk_error_set(err, ENODEV,
				    "host device \"%s\" (lxc.net.%u.link) does not exist",
				    ifc->link, ifc->index);
	int mode = rtnl_link_macvlan_str2mode(*ifc->macvlan_mode ? ifc->macvlan_mode : "private");
	if (mode < 0)
		return hk_error_set(err, EINVAL,
				    "lxc.net.%u.macvlan.mode = %s: use private, vepa, bridge "
				    "or passthru",
				    ifc->index, ifc->macvlan_mode);
	struct rtnl_link *l = rtnl_link_macvlan_alloc();
	rtnl_link_set_name(l, ifc->tmp);
	rtnl_link_set_link(l, parent);
	rtnl_link_macvlan_set_mode(l, (uint32_t)mode);
	rtnl_link_set_ns_pid(l, child);
	int rc = rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(l);
	if (rc < 0)
		return hk_net_nl_error(err, rc, "cannot create a macvlan on \"%s\"", ifc->link);
	/* Born in the container: it dies with its network namespace. */
	return 0;
}

int hk_net_host_make(struct nl_sock *sk, struct hk_net_iface *ifc, pid_t child,
		     struct hk_error **err)
{
	if (ifc->kind == HK_NET_VETH)
		return make_veth(sk, ifc, child, err);
	if (ifc->kind == HK_NET_MACVLAN)
		return make_macvlan(sk, ifc, child, err);
	return hk_error_set(err, ENOTSUP, "unknown interface kind %d", (int)ifc->kind);
}

void hk_net_host_unmake(struct nl_sock *sk, struct hk_net_iface *ifc)
{
	if (!ifc->host_made)
		return;
	struct rtnl_link *l = rtnl_link_alloc();
	rtnl_link_set_name(l, ifc->host);
	int rc = rtnl_link_delete(sk, l);
	rtnl_link_put(l);
	/* Gone already: the container's namespace took the pair with it. */
	if (rc < 0 && rc != -NLE_OBJ_NOTFOUND && rc != -NLE_NODEV)
		hk_log(HK_LOG_WARN, "cannot delete interface \"%s\": %s", ifc->host,
		       nl_geterror(rc));
	ifc->host_made = false;
}
