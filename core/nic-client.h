/* nic-client.h - the monitor's side of hako-nic (core/nic/nic.h): an
 * ordinary user's monitor cannot make host interfaces, so it asks the
 * setuid helper for each veth and, at stop, to delete them. */
#ifndef HAKO_NIC_CLIENT_H
#define HAKO_NIC_CLIENT_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "net.h"
#include "nic/nic.h"

/* $HAKO_NIC when set (tests), else PREFIX/libexec/hako/hako-nic. */
char *hk_nic_helper_path(void);
/* An ordinary user's plan: veths on a bridge only. */
int hk_nic_check_plan(const struct hk_net_state *plan, struct hk_error **err);
/* Warns (hk_log) once for each interface of an ordinary user's plan
 * that sets lxc.net.N.veth.pair, which hako-nic ignores; returns how many. */
unsigned hk_nic_plan_warn(const struct hk_net_state *plan, const char *name);
/* Makes ifc's veth through hako-nic (host end named by it, peer ifc->tmp
 * in child's network namespace); fills ifc->host, ifc->lease. */
int hk_nic_client_make(struct hk_net_state *st, struct hk_net_iface *ifc, bool lease,
		       struct hk_error **err);
/* Removes every nic of (name, pid) and culls stale ones. */
int hk_nic_client_delete(const char *name, pid_t pid, struct hk_error **err);
/* The caller's nics, from `hako-nic list` (which culls stale ones first).
 * Returns how many (*out, caller frees), -1 with *err. */
ssize_t hk_nic_client_list(struct hk_nic_record **out, struct hk_error **err);
/* Root's view: every user's nic in db_dir's records whose process still
 * runs (read without the lock: the file is replaced atomically).  A
 * missing file is none.  Returns how many, -1 with *err. */
ssize_t hk_nic_records_read(const char *db_dir, struct hk_nic_record **out, struct hk_error **err);

#endif
