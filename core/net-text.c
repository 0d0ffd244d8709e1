/* net-text.c - interface names, IP addresses and MAC patterns as text
 * (net-text.h): pure checks and conversions, used by the config's
 * network plan, the engine and hako-nic alike.  Nothing here may need
 * more than the base (util, error, sanitize): hako-nic links this file. */
#include "net-text.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "sanitize.h"
#include "util.h"

int hk_net_ifname_validate(const char *name, const char *what, struct hk_error **err)
{
	size_t len = name ? strlen(name) : 0;
	/* The name may come from a config a container's owner wrote. */
	hk_autofree char *shown = hk_sanitize_line(name);
	if (len == 0 || len >= HK_IFNAME_SIZE)
		return hk_error_set(err, EINVAL, "%s \"%s\": an interface name needs 1 to %d bytes",
				    what, shown, HK_IFNAME_SIZE - 1);
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return hk_error_set(err, EINVAL, "%s \"%s\" is not a valid interface name", what,
				    shown);
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || *p == '%' || isspace((unsigned char)*p) ||
		    iscntrl((unsigned char)*p))
			return hk_error_set(
				err, EINVAL,
				"%s \"%s\": an interface name may not hold '/', ':', '%%', "
				"blanks or control characters",
				what, shown);
	return 0;
}

static int bad_value(struct hk_error **err, const char *s, const char *why)
{
	hk_autofree char *shown = hk_sanitize_line(s);
	return hk_error_set(err, EINVAL, "\"%s\" %s", shown, why);
}

int hk_net_ip_parse(const char *s, int family, struct hk_net_ip *out, struct hk_error **err)
{
	char buf[128];
	/* LXC allows "ADDR/PREFIX BROADCAST": the first word is the address. */
	snprintf(buf, sizeof(buf), "%s", s ? s : "");
	buf[strcspn(buf, " \t")] = '\0';
	char *slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	memset(out, 0, sizeof(*out));
	if ((family == 0 || family == AF_INET) && inet_pton(AF_INET, buf, out->bytes) == 1)
		out->family = AF_INET;
	else if ((family == 0 || family == AF_INET6) && inet_pton(AF_INET6, buf, out->bytes) == 1)
		out->family = AF_INET6;
	else
		return bad_value(err, s,
				 family == AF_INET    ? "is not an IPv4 address"
				 : family == AF_INET6 ? "is not an IPv6 address"
						      : "is not an IP address");
	unsigned max = out->family == AF_INET ? 32 : 128;
	unsigned long p = out->family == AF_INET ? 24 : 64;
	if (slash && (!hk_parse_ulong(slash, &p) || p > max))
		return bad_value(err, s,
				 max == 32 ? "needs a prefix length of 0 to 32"
					   : "needs a prefix length of 0 to 128");
	out->prefix = (unsigned)p;
	return 0;
}

void hk_net_ip_format(const struct hk_net_ip *ip, bool prefix, char out[HK_NET_IP_STRLEN + 4])
{
	char a[HK_NET_IP_STRLEN] = "";
	if (ip->family)
		inet_ntop(ip->family, ip->bytes, a, sizeof(a));
	if (prefix)
		snprintf(out, HK_NET_IP_STRLEN + 4, "%s/%u", a, ip->prefix);
	else
		snprintf(out, HK_NET_IP_STRLEN + 4, "%s", a);
}

bool hk_hwaddr_fill(char *mac)
{
	static const char hex[] = "0123456789abcdef";
	if (!mac || strlen(mac) != 17)
		return false;
	for (int i = 0; i < 6; i++) {
		const char *g = mac + 3 * i;
		bool wild =
			tolower((unsigned char)g[0]) == 'x' && tolower((unsigned char)g[1]) == 'x';
		if (!(wild || (isxdigit((unsigned char)g[0]) && isxdigit((unsigned char)g[1]))) ||
		    (i < 5 && g[2] != ':'))
			return false;
	}
	for (int i = 0; i < 6; i++) {
		char *g = mac + 3 * i;
		if (tolower((unsigned char)g[0]) != 'x' || tolower((unsigned char)g[1]) != 'x')
			continue;
		unsigned char r;
		while (getrandom(&r, 1, 0) != 1)
			;
		if (i == 0)
			r &= 0xfe; /* unicast */
		g[0] = hex[r >> 4];
		g[1] = hex[r & 15];
	}
	return true;
}
