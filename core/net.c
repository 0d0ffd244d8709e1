/* net.c - networking plan and the host-side orchestration: lxc.net.N.*
 * becomes a struct hk_net_state (plain data, see net.h), then the host
 * ends are made, addresses leased, and on any failure or at stop undone. */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "nic-client.h"
#include "sanitize.h"
#include "util.h"

struct hk_net_state *hk_net_state_new_shared(void)
{
	void *p = mmap(NULL, sizeof(struct hk_net_state), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		abort(); /* like xmalloc: out of memory */
	return p;
}

void hk_net_state_free_shared(struct hk_net_state *st)
{
	if (st)
		munmap(st, sizeof(*st));
}

void hk_net_host_name(pid_t child, unsigned index, char out[HK_IFNAME_SIZE])
{
	snprintf(out, HK_IFNAME_SIZE, "hk%u_%u", (unsigned)child % 100000000u, index % 100u);
}

static int bad_value(struct hk_error **err, const char *s, const char *why)
{
	hk_autofree char *shown = hk_sanitize_line(s);
	return hk_error_set(err, EINVAL, "\"%s\" %s", shown, why);
}

static const struct {
	const char *type;
	enum hk_net_kind kind; /* 0: nothing to make */
} net_types[] = {
	{ "veth", HK_NET_VETH },
	{ "macvlan", HK_NET_MACVLAN },
	{ "empty", 0 },
	{ "none", 0 },
};

/* -1: a type hako cannot set up. */
static int kind_of(const char *type)
{
	if (!type || !*type)
		return 0;
	for (size_t i = 0; i < HK_ARRAY_SIZE(net_types); i++)
		if (!strcmp(type, net_types[i].type))
			return (int)net_types[i].kind;
	return -1;
}

bool hk_net_wanted(const struct hk_config *cfg)
{
	for (size_t i = 0; i < cfg->n_nets; i++)
		if (kind_of(cfg->nets[i].type) > 0)
			return true;
	return false;
}

static int copy_name(char dst[HK_IFNAME_SIZE], const char *src, const char *what,
		     struct hk_error **err)
{
	if (hk_net_ifname_validate(src, what, err) < 0)
		return -1;
	snprintf(dst, HK_IFNAME_SIZE, "%s", src);
	return 0;
}

static int plan_gateway(const char *gw, int family, struct hk_net_ip *out, bool *is_auto,
			struct hk_error **err)
{
	if (!gw || !*gw)
		return 0;
	if (!strcmp(gw, "auto")) {
		*is_auto = true;
		return 0;
	}
	if (!strcmp(gw, "dev")) { /* a route through the device, no gateway */
		memset(out, 0, sizeof(*out));
		out->family = family;
		return 0;
	}
	if (hk_net_ip_parse(gw, family, out, err) < 0)
		return -1;
	out->prefix = family == AF_INET ? 32 : 128;
	return 0;
}

static int plan_addrs(const struct hk_net_spec *ns, struct hk_net_iface *ifc, struct hk_error **err)
{
	const struct hk_strv *lists[2] = { &ns->ipv4, &ns->ipv6 };
	const int fams[2] = { AF_INET, AF_INET6 };
	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < lists[l]->n; i++) {
			if (ifc->n_addrs == HK_NET_MAX_ADDRS)
				return hk_error_set(err, EINVAL,
						    "at most %d addresses per interface",
						    HK_NET_MAX_ADDRS);
			if (hk_net_ip_parse(lists[l]->v[i], fams[l], &ifc->addrs[ifc->n_addrs++],
					    err) < 0)
				return -1;
		}
	if (plan_gateway(ns->ipv4_gateway, AF_INET, &ifc->gw4, &ifc->gw4_auto, err) < 0 ||
	    plan_gateway(ns->ipv6_gateway, AF_INET6, &ifc->gw6, &ifc->gw6_auto, err) < 0)
		return -1;
	return 0;
}

static int plan_hwaddr(const char *mac, struct hk_net_iface *ifc, struct hk_error **err)
{
	if (!mac || !*mac)
		return 0;
	snprintf(ifc->hwaddr, sizeof(ifc->hwaddr), "%s", mac);
	/* Fills any xx still there (create/clone fill them for good). */
	if (strlen(mac) != 17 || !hk_hwaddr_fill(ifc->hwaddr))
		return bad_value(err, mac, "is not a MAC address (like 00:16:3e:xx:xx:xx)");
	return 0;
}

static int plan_one(const struct hk_net_spec *ns, unsigned ordinal, pid_t child,
		    struct hk_net_iface *ifc, struct hk_error **err)
{
	ifc->index = ns->index;
	ifc->kind = (enum hk_net_kind)kind_of(ns->type);
	ifc->up = ns->flags && strstr(ns->flags, "up");
	ifc->mtu = ns->mtu;
	if (ifc->mtu && ifc->mtu < HK_NIC_MTU_MIN)
		return hk_error_set(err, EINVAL,
				    "lxc.net.%u.mtu = %u: the MTU must be from %u to %u", ns->index,
				    ifc->mtu, HK_NIC_MTU_MIN, HK_NIC_MTU_MAX);
	if (ns->link && *ns->link && copy_name(ifc->link, ns->link, "lxc.net.N.link", err) < 0)
		return -1;
	if (ifc->kind == HK_NET_MACVLAN && !*ifc->link)
		return hk_error_set(err, EINVAL,
				    "a macvlan interface needs lxc.net.%u.link (the host device)",
				    ns->index);
	if (ns->macvlan_mode)
		snprintf(ifc->macvlan_mode, sizeof(ifc->macvlan_mode), "%s", ns->macvlan_mode);
	if (ns->veth_pair && *ns->veth_pair) {
		if (copy_name(ifc->host, ns->veth_pair, "lxc.net.N.veth.pair", err) < 0)
			return -1;
		ifc->pair_set = true;
	} else {
		hk_net_host_name(child, ns->index, ifc->host);
	}
	snprintf(ifc->tmp, sizeof(ifc->tmp), "hkc%u_%u", (unsigned)child % 10000000u,
		 ns->index % 100u);
	char def[HK_IFNAME_SIZE];
	snprintf(def, sizeof(def), "eth%u", ordinal);
	if (copy_name(ifc->name, ns->name && *ns->name ? ns->name : def, "lxc.net.N.name", err) < 0)
		return -1;
	if (plan_hwaddr(ns->hwaddr, ifc, err) < 0)
		return -1;
	return plan_addrs(ns, ifc, err);
}

int hk_net_plan(const struct hk_config *cfg, const char *name, pid_t child,
		struct hk_net_state *out, struct hk_error **err)
{
	memset(out, 0, sizeof(*out));
	out->child = child;
	snprintf(out->owner, sizeof(out->owner), "%s", name ? name : "-");
	for (size_t i = 0; i < cfg->n_nets; i++) {
		const struct hk_net_spec *ns = &cfg->nets[i];
		int kind = kind_of(ns->type);
		if (kind < 0) {
			hk_autofree char *shown = hk_sanitize_line(ns->type);
			return hk_error_set(
				err, ENOTSUP,
				"lxc.net.%u.type = %s is not supported by hako; use veth (on a bridge), "
				"macvlan, empty (loopback only) or none (the host's network)",
				ns->index, shown);
		}
		if (kind == 0)
			continue;
		if (out->n == HK_NET_MAX_IFACES)
			return hk_error_set(err, EINVAL,
					    "at most %d network interfaces per container",
					    HK_NET_MAX_IFACES);
		if (plan_one(ns, out->n, child, &out->ifs[out->n], err) < 0)
			return hk_error_prefix(err, "lxc.net.%u", ns->index);
		out->n++;
	}
	return 0;
}

static bool has_ipv4(const struct hk_net_iface *ifc)
{
	for (unsigned i = 0; i < ifc->n_addrs; i++)
		if (ifc->addrs[i].family == AF_INET)
			return true;
	return false;
}

/* Leases an address on the bridge when the interface has no IPv4 of its
 * own (hako-nic already did for an ordinary user), and resolves "auto"
 * gateways to the bridge's addresses. */
static int host_addresses(struct hk_net_state *st, struct hk_net_iface *ifc, struct hk_error **err)
{
	bool has4 = has_ipv4(ifc);
	if (ifc->kind != HK_NET_VETH || !*ifc->link)
		return 0;
	struct hk_net_ip br;
	hk_autoerr struct hk_error *no_addr = NULL;
	if ((!has4 || ifc->gw4_auto) && hk_net_link_addr(ifc->link, AF_INET, &br, &no_addr) < 0) {
		/* A bridge without IPv4 (its addresses come from elsewhere, or
		 * none at all): like LXC, the container gets no address from
		 * hako, unless it asked for the bridge as its gateway. */
		if (no_addr->code != EADDRNOTAVAIL || ifc->gw4_auto) {
			hk_error_propagate(err, &no_addr);
			return hk_error_prefix(err, "bridge \"%s\"", ifc->link);
		}
		hk_log(HK_LOG_INFO,
		       "bridge \"%s\" has no IPv4 address: no lease, no IPv4 for the container",
		       ifc->link);
		has4 = true; /* nothing to lease */
	}
	if (!has4 && ifc->n_addrs < HK_NET_MAX_ADDRS) {
		if (!ifc->lease[0] && hk_net_lease_acquire(&br, st->owner, st->child,
							   st->child_start, ifc->lease, err) < 0)
			return -1;
		struct hk_net_ip *a = &ifc->addrs[ifc->n_addrs++];
		hk_net_ip_parse(ifc->lease, AF_INET, a, NULL);
		a->prefix = br.prefix;
		if (!ifc->gw4.family)
			ifc->gw4_auto = true;
	}
	if (ifc->gw4_auto) {
		ifc->gw4 = br;
		ifc->gw4.prefix = 32;
	}
	if (ifc->gw6_auto) {
		if (hk_net_link_addr(ifc->link, AF_INET6, &ifc->gw6, err) < 0)
			return hk_error_prefix(err, "lxc.net.%u.ipv6.gateway = auto", ifc->index);
		ifc->gw6.prefix = 128;
	}
	return 0;
}

int hk_net_host_setup(const struct hk_config *cfg, const char *name, pid_t child,
		      struct hk_net_state *out, struct hk_error **err)
{
	if (hk_net_plan(cfg, name, child, out, err) < 0)
		return -1;
	out->child_start = hk_proc_start_time(child);
	if (out->n == 0)
		return 0;
	bool user = geteuid() != 0;
	if (user && hk_nic_check_plan(out, err) < 0)
		return hk_error_prefix(err, "container \"%s\"", out->owner);
	hk_autonl struct nl_sock *sk = hk_net_nl_open(err);
	if (!sk)
		return -1;
	for (unsigned i = 0; i < out->n; i++) {
		struct hk_net_iface *ifc = &out->ifs[i];
		bool lease = !has_ipv4(ifc) && ifc->n_addrs < HK_NET_MAX_ADDRS;
		int rc = user ? hk_nic_client_make(out, ifc, lease, err)
			      : hk_net_host_make(sk, ifc, child, err);
		if (rc < 0 || host_addresses(out, ifc, err) < 0) {
			hk_error_prefix(err, "container \"%s\": lxc.net.%u", out->owner,
					ifc->index);
			hk_net_host_teardown(out);
			return -1;
		}
	}
	return 0;
}

/* hako-nic deletes what it made (the veths and their leases). */
static void helper_teardown(struct hk_net_state *st)
{
	hk_autoerr struct hk_error *err = NULL;
	if (hk_nic_client_delete(st->owner, st->child, &err) < 0)
		hk_log(HK_LOG_WARN, "network cleanup of \"%s\": %s", st->owner, err->msg);
	for (unsigned i = 0; i < st->n; i++) {
		st->ifs[i].host_made = false;
		st->ifs[i].lease[0] = '\0';
	}
	st->helper = false;
}

void hk_net_host_teardown(struct hk_net_state *st)
{
	if (!st || st->n == 0)
		return;
	if (st->helper) {
		helper_teardown(st);
		return;
	}
	hk_autoerr struct hk_error *err = NULL;
	hk_autonl struct nl_sock *sk = hk_net_nl_open(&err);
	for (unsigned i = 0; i < st->n; i++) {
		struct hk_net_iface *ifc = &st->ifs[i];
		if (sk)
			hk_net_host_unmake(sk, ifc);
		if (ifc->lease[0]) {
			hk_autoerr struct hk_error *e2 = NULL;
			if (hk_net_lease_release(ifc->lease, st->child, &e2) < 0)
				hk_log(HK_LOG_WARN, "lease %s of \"%s\": %s", ifc->lease, st->owner,
				       e2->msg);
			ifc->lease[0] = '\0';
		}
	}
	if (!sk)
		hk_log(HK_LOG_WARN, "network cleanup of \"%s\": %s", st->owner, err->msg);
}
