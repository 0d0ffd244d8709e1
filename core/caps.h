/* caps.h - capabilities of a container's init (lxc.cap.drop / lxc.cap.keep).
 *
 * Plan, then act: hk_caps_plan() turns the config words into the bounding
 * set init keeps (a bitmask, bit N = capability N), with no privilege and no
 * side effect, so unit tests cover every rule.  hk_caps_apply() runs in the
 * container child (and in attached processes): it drops the rest of the
 * bounding set, empties the inheritable and ambient sets and leaves
 * effective/permitted alone so the remaining setup still runs as root in the
 * container; the execve() of init recomputes them from the bounding set.
 *
 * Rules (as LXC): keep and drop are exclusive; "none" in keep keeps nothing
 * (words after it add back); a privileged container (no id map) also loses
 * LXC's default drop list (mac_admin mac_override sys_module sys_rawio
 * sys_time) unless keep is used; an unprivileged one drops only what its
 * config says, its user namespace bounds the rest.
 */
#ifndef HAKO_CAPS_H
#define HAKO_CAPS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/capability.h>

#include "error.h"
#include "util.h"

struct hk_caps_plan {
	uint64_t keep;	   /* bounding set init keeps: bit N = capability N */
	unsigned last_cap; /* highest capability of the running kernel */
};

/* The running kernel's last capability, asked of the kernel with
 * PR_CAPBSET_READ (never of /proc, which a container may fake; never
 * above 63). */
unsigned hk_caps_last_cap(void);

/* Every capability 0..last_cap. */
uint64_t hk_caps_all(unsigned last_cap);

/* One config word ("sys_module", "CAP_SYS_MODULE", "16") to a capability
 * number; -1 with *err naming the word and the fix.  `key` names the config
 * key in messages ("lxc.cap.drop"). */
int hk_caps_parse_name(const char *word, const char *key, unsigned last_cap, struct hk_error **err);

/* Computes the bounding set from the lxc.cap.drop / lxc.cap.keep word lists
 * (an element may hold several words separated by blanks).  Without
 * lxc.cap.keep, LXC's default drops (sys_module, sys_rawio, sys_time,
 * mac_admin, mac_override) come before lxc.cap.drop's. */
int hk_caps_plan(const struct hk_strv *drop, const struct hk_strv *keep, struct hk_caps_plan *out,
		 struct hk_error **err);

/* In the container child or an attached process: PR_CAPBSET_DROP every
 * capability not in p->keep, clear the ambient and inheritable sets.
 * Needs CAP_SETPCAP (root in the container's user namespace). */
int hk_caps_apply(const struct hk_caps_plan *p, struct hk_error **err);

/* Also removes every capability not in p->keep from the effective and
 * permitted sets: for a process that still runs hako's own code where the
 * container can see it (an attach before its exec), so that a container
 * root tracing it gains nothing it does not hold already. */
int hk_caps_limit(const struct hk_caps_plan *p, struct hk_error **err);

/* "chown,dac_override,..." (lower case, no "cap_"), "none" for 0. Caller
 * frees. */
char *hk_caps_format(uint64_t mask);

/* Cleanup attribute for libcap's cap_t. */
void hk_cap_freep(cap_t *c);
#define hk_autocap __attribute__((cleanup(hk_cap_freep)))

#endif
