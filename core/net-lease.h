/* net-lease.h - IPv4 leases on a bridge's subnet (net-lease.c).
 *
 * Leases: LEASEDIR/leases (LEASEDIR = $HAKO_RUN_DIR/net, default
 * /run/hako/net), lines `IP NAME PID START` under an flock on
 * LEASEDIR/leases.lock.  PID and START (field 22 of /proc/PID/stat) name the
 * container's init: a lease whose init is gone is stale and reclaimed.  A
 * line `IP NAME` (no pid) is a manual reservation, kept forever.
 * Root's monitors and hako-nic (for ordinary users) take them. */
#ifndef HAKO_NET_LEASE_H
#define HAKO_NET_LEASE_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "net-text.h"

typedef bool (*hk_net_alive_fn)(pid_t pid, long long start);
bool hk_net_pid_alive(pid_t pid, long long start); /* pid runs with that start time */
/* Pure text functions: each returns the new file text (caller frees). */
char *hk_net_lease_take(const char *text, const struct hk_net_ip *bridge, const char *name,
			pid_t pid, long long start, hk_net_alive_fn alive,
			char ip[HK_NET_IP_STRLEN], struct hk_error **err);
char *hk_net_lease_drop(const char *text, const char *ip, pid_t pid); /* pid 0: any */
char *hk_net_lease_prune(const char *text, hk_net_alive_fn alive, unsigned *dropped);
/* The same under the lock on the lease file. */
char *hk_net_lease_dir(void);
int hk_net_lease_acquire(const struct hk_net_ip *bridge, const char *name, pid_t pid,
			 long long start, char ip[HK_NET_IP_STRLEN], struct hk_error **err);
int hk_net_lease_release(const char *ip, pid_t pid, struct hk_error **err);
/* Drops leases whose init is gone (a monitor that died); returns how many. */
int hk_net_cleanup_stale(void);
/* The lease file's text ("" when none), for `hako net leases`. */
char *hk_net_lease_list(struct hk_error **err);

#endif
