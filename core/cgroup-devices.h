/* cgroup-devices.h - device rules on cgroup v2: lxc.cgroup2.devices.allow
 * and .deny, which v2 has no files for, become an eBPF program of type
 * BPF_PROG_TYPE_CGROUP_DEVICE attached to the container's cgroup (as LXC,
 * runc and crun do).
 *
 * The rules mean what they mean in v1's devices controller: a policy starts
 * by allowing everything; "a" sets the default ("deny = a": nothing but the
 * exceptions that follow) and forgets the exceptions; a rule against the
 * default becomes an exception, one with the default removes an identical
 * exception.  A rule is "TYPE MAJOR:MINOR ACCESS": TYPE a, b or c, MAJOR
 * and MINOR a number or *, ACCESS a non-empty subset of rwm.
 *
 * The program is attached to NAME (never the leaf), out of the container's
 * reach, with BPF_F_ALLOW_MULTI: the programs of every ancestor (systemd's
 * DevicePolicy) still run, and all must allow.  Attaching needs
 * CAP_SYS_ADMIN on the host: hako does it for root's containers. */
#ifndef HAKO_CGROUP_DEVICES_H
#define HAKO_CGROUP_DEVICES_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct hk_dev_rule {
	char type;	   /* 'b' or 'c', or 'a' for both */
	long major, minor; /* -1: any */
	unsigned access;   /* BPF_DEVCG_ACC_* bits */
};

struct hk_dev_policy {
	bool default_allow;
	struct hk_dev_rule *rules; /* exceptions to the default */
	size_t n;
};

void hk_dev_policy_init(struct hk_dev_policy *p);
void hk_dev_policy_free(struct hk_dev_policy *p);

/* Adds one rule: key "devices.allow" or "devices.deny", value as in the
 * file ("c 1:3 rwm", "a").  Errors name cfgkey and the value. */
int hk_dev_policy_add(struct hk_dev_policy *p, const char *key, const char *value,
		      const char *cfgkey, struct hk_error **err);

/* The program for p (caller frees *insns).  For tests and attach. */
void hk_dev_policy_program(const struct hk_dev_policy *p, struct bpf_insn **insns, size_t *n);

/* Whether p lets a request of type ('b' or 'c'), major, minor and access
 * (BPF_DEVCG_ACC_* bits) through, as its program would. */
bool hk_dev_policy_allows(const struct hk_dev_policy *p, char type, long major, long minor,
			  unsigned access);

/* Loads the program and attaches it to the cgroup2 directory cgroup_fd. */
int hk_dev_policy_attach(const struct hk_dev_policy *p, int cgroup_fd, const char *shown,
			 struct hk_error **err);

/* Replaces, atomically (BPF_F_REPLACE), the one device program attached
 * to cgroup_fd by the program of p: `hako device` on a running container.
 * Refused when not exactly one program is attached there. */
int hk_dev_policy_replace(const struct hk_dev_policy *p, int cgroup_fd, const char *shown,
			  struct hk_error **err);

#endif
