/* net-text.h - the text forms of networking that the config, the engine
 * and hako-nic (core/nic/) all check: interface names, IP addresses with
 * their prefix, MAC addresses with LXC's xx wildcards.
 *
 * A leaf: net-text.c needs only the base (util, error, sanitize), so the
 * setuid helper that validates its arguments with it links nothing of the
 * config parser or the engine (make nic-link-check proves it).
 */
#ifndef HAKO_NET_TEXT_H
#define HAKO_NET_TEXT_H

#include <stdbool.h>

#include "error.h"

#define HK_IFNAME_SIZE	 16 /* IFNAMSIZ: 15 bytes and the NUL */
#define HK_NET_IP_STRLEN 46

struct hk_net_ip {
	int family; /* AF_INET, AF_INET6; 0 = none */
	unsigned prefix;
	unsigned char bytes[16];
};

/* Interface names: 1..15 bytes, not "." or "..", no '/', ':', '%' or
 * whitespace or control characters.  `what` names it in the message. */
int hk_net_ifname_validate(const char *name, const char *what, struct hk_error **err);

/* "10.0.3.5/24", "10.0.3.5" (default /24; /64 for IPv6); family 0 = either. */
int hk_net_ip_parse(const char *s, int family, struct hk_net_ip *out, struct hk_error **err);
void hk_net_ip_format(const struct hk_net_ip *ip, bool prefix, char out[HK_NET_IP_STRLEN + 4]);

/* Fills `xx` wildcards of a MAC in place with random hex (kept forever
 * after create/clone writes it). Returns false if mac is not a MAC pattern. */
bool hk_hwaddr_fill(char *mac);

#endif
