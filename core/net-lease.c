/* net-lease.c - IPv4 leases on a bridge's subnet, so a container without
 * lxc.net.N.ipv4.address gets a free address with no DHCP server.
 *
 * One file for the whole host, LEASEDIR/leases (net.h), lines
 * `IP NAME PID START`; changed only under an flock on LEASEDIR/leases.lock
 * and rewritten atomically.  The text functions are pure (tests cover them
 * without a lock or a file); the locked wrappers read, call one, write. */
#include "net-lease.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

bool hk_net_pid_alive(pid_t pid, long long start)
{
	long long now = hk_proc_start_time(pid);
	return now >= 0 && (start <= 0 || now == start);
}

struct lease {
	char ip[HK_NET_IP_STRLEN];
	char name[128];
	long long pid, start; /* pid 0: a reservation, kept forever */
};

/* false for a line that is not a lease (kept as it is, e.g. a comment). */
static bool lease_parse(const char *line, struct lease *l)
{
	memset(l, 0, sizeof(*l));
	int n = sscanf(line, "%45s %127s %lld %lld", l->ip, l->name, &l->pid, &l->start);
	struct in_addr a;
	return n >= 2 && inet_pton(AF_INET, l->ip, &a) == 1;
}

/* Calls fn for each line; fn returns false to drop it.  Returns the kept text. */
static char *filter_lines(const char *text, bool (*fn)(const char *line, void *ctx), void *ctx)
{
	struct hk_buf out = { 0 };
	const char *p = text ? text : "";
	while (*p) {
		size_t len = strcspn(p, "\n");
		hk_autofree char *line = xstrndup(p, len);
		if (len && fn(line, ctx)) {
			hk_buf_puts(&out, line);
			hk_buf_puts(&out, "\n");
		}
		p += len + (p[len] == '\n');
	}
	return hk_buf_steal(&out);
}

struct prune_ctx {
	hk_net_alive_fn alive;
	unsigned dropped;
};

static bool keep_alive(const char *line, void *ctx)
{
	struct prune_ctx *c = ctx;
	struct lease l;
	if (!lease_parse(line, &l) || l.pid <= 0 || c->alive((pid_t)l.pid, l.start))
		return true;
	c->dropped++;
	return false;
}

char *hk_net_lease_prune(const char *text, hk_net_alive_fn alive, unsigned *dropped)
{
	struct prune_ctx c = { .alive = alive };
	char *out = filter_lines(text, keep_alive, &c);
	if (dropped)
		*dropped = c.dropped;
	return out;
}

struct drop_ctx {
	const char *ip;
	pid_t pid;
};

static bool keep_other(const char *line, void *ctx)
{
	struct drop_ctx *c = ctx;
	struct lease l;
	if (!lease_parse(line, &l) || strcmp(l.ip, c->ip))
		return true;
	return l.pid <= 0 || (c->pid && l.pid != c->pid); /* reservations stay */
}

char *hk_net_lease_drop(const char *text, const char *ip, pid_t pid)
{
	struct drop_ctx c = { .ip = ip, .pid = pid };
	return filter_lines(text, keep_other, &c);
}

static bool ip_taken(const char *text, uint32_t host_order)
{
	char want[INET_ADDRSTRLEN];
	struct in_addr a = { .s_addr = htonl(host_order) };
	inet_ntop(AF_INET, &a, want, sizeof(want));
	const char *p = text;
	while (*p) {
		size_t len = strcspn(p, "\n");
		hk_autofree char *line = xstrndup(p, len);
		struct lease l;
		if (lease_parse(line, &l) && !strcmp(l.ip, want))
			return true;
		p += len + (p[len] == '\n');
	}
	return false;
}

char *hk_net_lease_take(const char *text, const struct hk_net_ip *bridge, const char *name,
			pid_t pid, long long start, hk_net_alive_fn alive,
			char ip[HK_NET_IP_STRLEN], struct hk_error **err)
{
	if (bridge->family != AF_INET || bridge->prefix < 8 || bridge->prefix > 30)
		return hk_error_set(err, EINVAL,
				    "the bridge's subnet must be IPv4 with a prefix of /8 to /30"),
		       NULL;
	hk_autofree char *live = hk_net_lease_prune(text, alive, NULL);
	uint32_t br, mask = bridge->prefix ? ~0u << (32 - bridge->prefix) : 0;
	memcpy(&br, bridge->bytes, 4);
	br = ntohl(br);
	uint32_t net = br & mask, bcast = net | ~mask;
	for (uint32_t h = net + 1; h < bcast; h++) {
		if (h == br || ip_taken(live, h))
			continue;
		struct in_addr a = { .s_addr = htonl(h) };
		inet_ntop(AF_INET, &a, ip, HK_NET_IP_STRLEN);
		struct hk_buf b = { 0 };
		hk_buf_puts(&b, live);
		hk_buf_printf(&b, "%s %s %d %lld\n", ip, name && *name ? name : "-", (int)pid,
			      start);
		return hk_buf_steal(&b);
	}
	char txt[HK_NET_IP_STRLEN + 4];
	hk_net_ip_format(bridge, true, txt);
	return hk_error_set(err, EADDRNOTAVAIL,
			    "no free address left in %s; give the container "
			    "lxc.net.N.ipv4.address or use a larger subnet",
			    txt),
	       NULL;
}

char *hk_net_lease_dir(void)
{
	const char *run = getenv("HAKO_RUN_DIR");
	return xasprintf("%s/net", run && *run ? run : "/run/hako");
}

/* Runs fn on the lease text under the lock and writes the result. */
static int with_leases(char *(*fn)(const char *text, void *ctx, struct hk_error **err), void *ctx,
		       struct hk_error **err)
{
	hk_autofree char *dir = hk_net_lease_dir();
	if (hk_mkdir_p(dir, 0755, err) < 0)
		return hk_error_prefix(err, "lease directory");
	hk_autofree char *lock = xasprintf("%s/leases.lock", dir);
	hk_autofree char *path = xasprintf("%s/leases", dir);
	hk_autoclose int fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return hk_error_errno(err, "cannot open the lease lock \"%s\"", lock);
	if (hk_flock_timed(fd, lock, "the lease lock", HK_FLOCK_WAIT_MS, err) < 0)
		return -1;
	hk_autofree char *text = NULL;
	if (access(path, F_OK) == 0 && hk_read_file(path, &text, NULL, err) < 0)
		return hk_error_prefix(err, "leases");
	hk_autofree char *next = fn(text ? text : "", ctx, err);
	if (!next)
		return -1;
	if ((!text || strcmp(text, next)) &&
	    hk_write_file_atomic(path, next, strlen(next), 0644, err) < 0)
		return hk_error_prefix(err, "leases");
	return 0; /* the lock goes with the descriptor */
}

struct take_ctx {
	const struct hk_net_ip *bridge;
	const char *name;
	pid_t pid;
	long long start;
	char *ip;
};

static char *do_take(const char *text, void *ctx, struct hk_error **err)
{
	struct take_ctx *c = ctx;
	return hk_net_lease_take(text, c->bridge, c->name, c->pid, c->start, hk_net_pid_alive,
				 c->ip, err);
}

int hk_net_lease_acquire(const struct hk_net_ip *bridge, const char *name, pid_t pid,
			 long long start, char ip[HK_NET_IP_STRLEN], struct hk_error **err)
{
	struct take_ctx c = { bridge, name, pid, start, ip };
	return with_leases(do_take, &c, err);
}

static char *do_drop(const char *text, void *ctx, struct hk_error **err)
{
	(void)err;
	struct drop_ctx *c = ctx;
	return hk_net_lease_drop(text, c->ip, c->pid);
}

int hk_net_lease_release(const char *ip, pid_t pid, struct hk_error **err)
{
	struct drop_ctx c = { ip, pid };
	return with_leases(do_drop, &c, err);
}

static char *do_prune(const char *text, void *ctx, struct hk_error **err)
{
	(void)err;
	return hk_net_lease_prune(text, hk_net_pid_alive, ctx);
}

int hk_net_cleanup_stale(void)
{
	unsigned dropped = 0;
	hk_autoerr struct hk_error *err = NULL;
	if (with_leases(do_prune, &dropped, &err) < 0)
		return -1;
	return (int)dropped;
}

char *hk_net_lease_list(struct hk_error **err)
{
	hk_autofree char *dir = hk_net_lease_dir();
	hk_autofree char *path = xasprintf("%s/leases", dir);
	char *text = NULL;
	if (access(path, F_OK) < 0)
		return xstrdup("");
	if (hk_read_file(path, &text, NULL, err) < 0)
		return NULL;
	return text;
}
