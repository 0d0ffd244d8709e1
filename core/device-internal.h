/* device-internal.h - the parts of `hako device` (device.h) that act:
 * cgroup (device-cgroup.c), nodes (device-node.c), links (device-link.c). */
#ifndef HAKO_DEVICE_INTERNAL_H
#define HAKO_DEVICE_INTERNAL_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "device.h"

struct hk_ct;

/* A running container as `hako device` holds it: its init by pidfd
 * (checked against the state file after every open through /proc/PID). */
struct hk_device_ct {
	const struct hk_ct *handle; /* the container (container.h) */
	const char *name;	    /* handle->name */
	pid_t pid;
	int pidfd;
	int rootfd;	/* O_PATH of /proc/PID/root: the container's root */
	bool userns;	/* it has a user namespace of its own */
	uid_t root_uid; /* the host ids of its root (0 without a user namespace) */
	gid_t root_gid;
};

/* RUN_DIR/devices: the records of the container whose run directory that is */
char *hk_device_records_path(const char *run_dir);

/* Allows node n (not yet in r) where the records hold device rules; sets
 * n->added to where it had to.  Refused when a deny rule keeps it out. */
int hk_device_cgroup_allow(const struct hk_ct *ct, const struct hk_device_records *r,
			   struct hk_device_node *n, struct hk_error **err);
/* Revokes what the add of r->nodes[i] allowed, unless another node of
 * the records needs the same allow. */
int hk_device_cgroup_revoke(const struct hk_ct *ct, const struct hk_device_records *r, size_t i,
			    struct hk_error **err);

/* Makes n inside with mode (permission bits); hostfd is the host node
 * (O_PATH), for the message only. */
int hk_device_node_make(const struct hk_device_ct *ct, const struct hk_device_node *n, mode_t mode,
			struct hk_error **err);
/* Removes n from inside: 1 done, 0 when what is there is not the node
 * (gone, or replaced: left alone), -1 on error. */
int hk_device_node_remove(const struct hk_device_ct *ct, const struct hk_device_node *n,
			  struct hk_error **err);

/* Moves the host interface host into the container as inside. */
int hk_device_link_add(const struct hk_device_ct *ct, const char *host, const char *inside,
		       struct hk_error **err);
/* Moves the container's interface l->inside back to the host as l->host. */
int hk_device_link_del(const struct hk_device_ct *ct, const struct hk_device_link *l,
		       struct hk_error **err);

#endif
