/* net-link.h - the netlink base (net-link.c) under every net-*.c file and
 * hako-nic: the route socket with libnl's errors turned into hk_errors, a
 * link's index and kind, a link brought up, a link's address, and a host
 * end put on its bridge.  Everything goes through libnl-3 route. */
#ifndef HAKO_NET_LINK_H
#define HAKO_NET_LINK_H

#include <stdbool.h>

#include "error.h"
#include "net-text.h"

struct nl_sock;
struct nl_sock *hk_net_nl_open(struct hk_error **err);
void hk_net_nl_closep(struct nl_sock **sk);
#define hk_autonl __attribute__((cleanup(hk_net_nl_closep)))
/* libnl's errors are its own numbers: its text goes into the message. */
int hk_net_nl_error(struct hk_error **err, int nlerr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ifindex of name (0 when missing); is_bridge (may be NULL) tells its kind. */
int hk_net_ifindex(struct nl_sock *sk, const char *name, bool *is_bridge, struct hk_error **err);
/* Brings name up; *changed (may be NULL): it was down. */
int hk_net_link_up(struct nl_sock *sk, const char *name, bool *changed, struct hk_error **err);
/* The first address of family on link ifindex (a global one for IPv6);
 * *found false when it has none. */
int hk_net_find_addr(struct nl_sock *sk, int ifindex, int family, struct hk_net_ip *out,
		     bool *found, struct hk_error **err);
/* The first IPv4 (family AF_INET) or global IPv6 address of a link;
 * error when the link is missing or has none (EADDRNOTAVAIL). */
int hk_net_link_addr(const char *ifname, int family, struct hk_net_ip *out, struct hk_error **err);
/* A host end onto bridge (index; 0 = none) with that MTU (0 = as is), up. */
int hk_net_host_attach(struct nl_sock *sk, const char *host, int bridge, unsigned mtu,
		       struct hk_error **err);

#endif
