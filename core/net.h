/* net.h - container networking: the host's bridge, veth and macvlan
 * interfaces, address leases, the container side (names, MAC, MTU,
 * addresses, routes) and reading a running container's addresses.
 *
 * Every link operation goes through libnl-3 route; nothing runs `ip`.
 *
 * A start runs in three steps:
 *   1. hk_net_plan (no privilege, pure): lxc.net.N.* -> struct hk_net_state
 *      (names, MAC with xx filled, MTU, static addresses, gateways);
 *   2. hk_net_host_setup, in the monitor once the child exists (before GO):
 *      makes the host ends, moves the peers into the child's network
 *      namespace under temporary names, leases addresses;
 *   3. hk_net_child_setup, in the child after GO: renames, MAC, MTU, up,
 *      addresses, default routes, lo up.
 * hk_net_host_teardown undoes step 2 (host veths, leases).
 * An ordinary user's monitor cannot make host interfaces: step 2 then runs
 * the setuid helper hako-nic (core/nic/nic.h, core/nic-client.h) for each
 * veth, which also leases the address (the lease file is root's), and
 * teardown asks it to delete them.
 *
 * struct hk_net_state is plain data with fixed arrays: the child reads the
 * copy the parent filled after the clone, so it must live in memory shared
 * with the child: allocate it with hk_net_state_new_shared() before
 * hk_spawn() (a MAP_SHARED mapping survives clone without CLONE_VM).
 *
 * The pieces hako-nic shares are headers of their own, which this one
 * includes: net-text.h (names, addresses), net-link.h (the netlink base)
 * and net-lease.h (address leases).
 */
#ifndef HAKO_NET_H
#define HAKO_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "error.h"
#include "net-lease.h"
#include "net-link.h"
#include "net-text.h"

#define HK_NET_MAX_IFACES 8
#define HK_NET_MAX_ADDRS  4

enum hk_net_kind {
	HK_NET_VETH = 1,
	HK_NET_MACVLAN,
};

struct hk_net_iface {
	unsigned index; /* N of lxc.net.N */
	enum hk_net_kind kind;
	char link[HK_IFNAME_SIZE]; /* bridge (veth) or parent device (macvlan); "" none */
	char host[HK_IFNAME_SIZE]; /* host end of a veth */
	bool pair_set;		   /* host set by lxc.net.N.veth.pair */
	char tmp[HK_IFNAME_SIZE];  /* name in the container before the rename */
	char name[HK_IFNAME_SIZE]; /* final name in the container */
	char hwaddr[18];	   /* "" = kernel's choice */
	char macvlan_mode[16];	   /* "" = private */
	unsigned mtu;		   /* 0 = default */
	bool up;
	struct hk_net_ip addrs[HK_NET_MAX_ADDRS];
	unsigned n_addrs;
	struct hk_net_ip gw4, gw6; /* family 0 = no default route; all-zero bytes = "dev" */
	bool gw4_auto, gw6_auto;   /* "auto": the bridge's address */
	/* What host setup made (for teardown). */
	bool host_made;
	char lease[HK_NET_IP_STRLEN]; /* leased IPv4, "" = none */
};

struct hk_net_state {
	unsigned n;
	pid_t child; /* the init the leases belong to */
	long long child_start;
	char owner[64]; /* container name, for lease lines */
	bool helper;	/* an ordinary user's: hako-nic made the veths and leases */
	struct hk_net_iface ifs[HK_NET_MAX_IFACES];
};

/* A zeroed state in a MAP_SHARED anonymous mapping; free with _free_shared. */
struct hk_net_state *hk_net_state_new_shared(void);
void hk_net_state_free_shared(struct hk_net_state *st);

/* The host end of a veth without lxc.net.N.veth.pair: "hk" PID "_" N. */
void hk_net_host_name(pid_t child, unsigned index, char out[HK_IFNAME_SIZE]);

/* true when the config asks for interfaces hako makes (veth, macvlan). */
bool hk_net_wanted(const struct hk_config *cfg);
/* Config -> plan; no privilege, touches nothing.  child names the host
 * ends and temporary names (0 in tests is fine). Refuses phys, vlan and
 * unknown types, bad names, MACs, addresses. */
int hk_net_plan(const struct hk_config *cfg, const char *name, pid_t child,
		struct hk_net_state *out, struct hk_error **err);

/* Host side (root): plan, then make every interface and move it into the
 * network namespace of child; leases addresses.  On failure everything made
 * is undone.  out must stay valid until teardown. */
int hk_net_host_setup(const struct hk_config *cfg, const char *name, pid_t child,
		      struct hk_net_state *out, struct hk_error **err);
/* Deletes host veths (their peers go with them) and releases leases.
 * Safe to call twice and on a zeroed state. */
void hk_net_host_teardown(struct hk_net_state *st);
/* Container side: runs inside the child's network namespace. */
int hk_net_child_setup(const struct hk_net_state *st, struct hk_error **err);

/* The bridge of `hako net setup`: made, addressed and up, idempotently. */
struct hk_net_bridge_report {
	bool created, addr_added, brought_up;
};
int hk_net_bridge_setup(const char *bridge, const char *cidr, struct hk_net_bridge_report *rep,
			struct hk_error **err);
/* Deletes a bridge (tests, `hako net remove`); a missing one is fine. */
int hk_net_bridge_delete(const char *bridge, struct hk_error **err);

/* ---- reading a running container's addresses (netns-read.c) ---- */
/* Global IPv4 and IPv6 addresses of every interface but lo in the network
 * namespace of pid, read by a short-lived thread that setns()es into it;
 * none when pid shares the caller's namespace (lxc.net.0.type = none: the
 * addresses are the host's, not the container's). */
int hk_netns_read_addrs(pid_t pid, struct hk_strv *ipv4, struct hk_strv *ipv6,
			struct hk_error **err);
/* Closes the kept netlink sockets of namespaces no read asked for since the
 * previous sweep (hk_list_build sweeps after each listing). */
void hk_netns_cache_sweep(void);

/* ---- for core/net-*.c ---- */
/* Adds ip to interface idx (net-addr.c); exist_ok: already there is fine. */
int hk_net_add_addr(struct nl_sock *sk, int idx, const struct hk_net_ip *ip, bool exist_ok,
		    struct hk_error **err);
int hk_net_host_make(struct nl_sock *sk, struct hk_net_iface *ifc, pid_t child,
		     struct hk_error **err);
void hk_net_host_unmake(struct nl_sock *sk, struct hk_net_iface *ifc);

#endif
