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
 * the setuid helper hako-nic (nic.h) for each veth, which also leases the
 * address (the lease file is root's), and teardown asks it to delete them.
 *
 * struct hk_net_state is plain data with fixed arrays: the child reads the
 * copy the parent filled after the clone, so it must live in memory shared
 * with the child: allocate it with hk_net_state_new_shared() before
 * hk_spawn() (a MAP_SHARED mapping survives clone without CLONE_VM).
 *
 * Leases: LEASEDIR/leases (LEASEDIR = $HAKO_RUN_DIR/net, default
 * /run/hako/net), lines `IP NAME PID START` under an flock on
 * LEASEDIR/leases.lock.  PID and START (field 22 of /proc/PID/stat) name the
 * container's init: a lease whose init is gone is stale and reclaimed.  A
 * line `IP NAME` (no pid) is a manual reservation, kept forever.
 */
#ifndef HAKO_NET_H
#define HAKO_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "error.h"

#define HK_NET_MAX_IFACES 8
#define HK_NET_MAX_ADDRS 4
#define HK_IFNAME_SIZE 16 /* IFNAMSIZ: 15 bytes and the NUL */
#define HK_NET_IP_STRLEN 46

enum hk_net_kind {
	HK_NET_VETH = 1,
	HK_NET_MACVLAN,
};

struct hk_net_ip {
	int family; /* AF_INET, AF_INET6; 0 = none */
	unsigned prefix;
	unsigned char bytes[16];
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

/* Interface names: 1..15 bytes, not "." or "..", no '/', ':', '%' or
 * whitespace or control characters.  `what` names it in the message. */
int hk_net_ifname_validate(const char *name, const char *what, struct hk_error **err);
/* The host end of a veth without lxc.net.N.veth.pair: "hk" PID "_" N. */
void hk_net_host_name(pid_t child, unsigned index, char out[HK_IFNAME_SIZE]);

/* true when the config asks for interfaces hako makes (veth, macvlan). */
bool hk_net_wanted(const struct hk_config *cfg);
/* Config -> plan; no privilege, touches nothing.  child names the host
 * ends and temporary names (0 in tests is fine). Refuses phys, vlan and
 * unknown types, bad names, MACs, addresses. */
int hk_net_plan(const struct hk_config *cfg, const char *name, pid_t child, struct hk_net_state *out,
		struct hk_error **err);

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
/* Drops leases whose init is gone (a monitor that died); returns how many. */
int hk_net_cleanup_stale(void);

/* The bridge of `hako net setup`: made, addressed and up, idempotently. */
struct hk_net_bridge_report {
	bool created, addr_added, brought_up;
};
int hk_net_bridge_setup(const char *bridge, const char *cidr, struct hk_net_bridge_report *rep,
			struct hk_error **err);
/* Deletes a bridge (tests, `hako net remove`); a missing one is fine. */
int hk_net_bridge_delete(const char *bridge, struct hk_error **err);
/* The first IPv4 (family AF_INET) or global IPv6 address of a link;
 * error when the link is missing or has none. */
int hk_net_link_addr(const char *ifname, int family, struct hk_net_ip *out, struct hk_error **err);

/* ---- leases (net-lease.c) ---- */
typedef bool (*hk_net_alive_fn)(pid_t pid, long long start);
bool hk_net_pid_alive(pid_t pid, long long start); /* pid runs with that start time */
/* Pure text functions: each returns the new file text (caller frees). */
char *hk_net_lease_take(const char *text, const struct hk_net_ip *bridge, const char *name, pid_t pid,
			long long start, hk_net_alive_fn alive, char ip[HK_NET_IP_STRLEN],
			struct hk_error **err);
char *hk_net_lease_drop(const char *text, const char *ip, pid_t pid); /* pid 0: any */
char *hk_net_lease_prune(const char *text, hk_net_alive_fn alive, unsigned *dropped);
/* The same under the lock on the lease file. */
char *hk_net_lease_dir(void);
int hk_net_lease_acquire(const struct hk_net_ip *bridge, const char *name, pid_t pid, long long start,
			 char ip[HK_NET_IP_STRLEN], struct hk_error **err);
int hk_net_lease_release(const char *ip, pid_t pid, struct hk_error **err);
/* The lease file's text ("" when none), for `hako net leases`. */
char *hk_net_lease_list(struct hk_error **err);

/* ---- IP text ---- */
/* "10.0.3.5/24", "10.0.3.5" (default /24; /64 for IPv6); family 0 = either. */
int hk_net_ip_parse(const char *s, int family, struct hk_net_ip *out, struct hk_error **err);
void hk_net_ip_format(const struct hk_net_ip *ip, bool prefix, char out[HK_NET_IP_STRLEN + 4]);

/* ---- reading a running container's addresses (netns-read.c) ---- */
/* Global IPv4 and IPv6 addresses of every interface but lo in the network
 * namespace of pid, read by a short-lived thread that setns()es into it. */
int hk_netns_read_addrs(pid_t pid, struct hk_strv *ipv4, struct hk_strv *ipv6, struct hk_error **err);
/* Closes the kept netlink sockets of namespaces no read asked for since the
 * previous sweep (hk_list_build sweeps after each listing). */
void hk_netns_cache_sweep(void);

/* ---- for core/net-*.c ---- */
struct nl_sock;
struct nl_sock *hk_net_nl_open(struct hk_error **err);
void hk_net_nl_closep(struct nl_sock **sk);
#define hk_autonl __attribute__((cleanup(hk_net_nl_closep))) struct nl_sock *
int hk_net_nl_error(struct hk_error **err, int nlerr, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Adds ip to interface idx (net-addr.c); exist_ok: already there is fine. */
int hk_net_add_addr(struct nl_sock *sk, int idx, const struct hk_net_ip *ip, bool exist_ok,
		    struct hk_error **err);
int hk_net_host_make(struct nl_sock *sk, struct hk_net_iface *ifc, pid_t child, struct hk_error **err);
void hk_net_host_unmake(struct nl_sock *sk, struct hk_net_iface *ifc);
/* A host end onto bridge (index; 0 = none) with that MTU (0 = as is), up. */
int hk_net_host_attach(struct nl_sock *sk, const char *host, int bridge, unsigned mtu, struct hk_error **err);
int hk_net_ifindex(struct nl_sock *sk, const char *name, bool *is_bridge, struct hk_error **err);

#endif
