/* device.h - `hako device NAME add|del DEV|IFACE [NAME-INSIDE]`, as
 * lxc-device: a host device node or network interface given to a running
 * container, and taken back.
 *
 * A device node (a path starting with '/'): its major:minor is allowed in
 * the container's device cgroup (the v1 devices controller, or the eBPF
 * program on cgroup v2, replaced in place), then the node is made inside,
 * at NAME-INSIDE (default: the same path), by a child that joins the
 * container's mount namespace and root: mknod in a container that shares
 * the host's user namespace; in one with an id map (where the kernel
 * refuses device nodes on the container's own filesystems) a node made on
 * a private tmpfs, owned by the container's root, bind-mounted onto an
 * empty file.  The mode is the host node's.  del removes it and revokes
 * the allow when add made one.
 *
 * A network interface: moved into the container's network namespace,
 * renamed NAME-INSIDE when given; del moves it back under its host name.
 *
 * Both need root: an ordinary user can neither change a device policy,
 * make device nodes in a user namespace, mount into a running container
 * from outside its user namespace's owner's mount namespace, nor move
 * host interfaces.
 *
 * What was given is recorded in RUNDIR/s-HASH/NAME/devices, which the
 * monitor starts at each start with the device rules it put in force:
 *
 *   v1 devices.deny a             a rule of the v1 devices controller
 *   v2 devices.allow c 1:3 rwm    a rule of the cgroup v2 program
 *   node c 7 0 ADDED HOW HOST INSIDE
 *                                 ADDED: 0-3, bit 1 = add allowed it on v1,
 *                                 bit 2 on v2; HOW: mknod or bind
 *   link HOST INSIDE              an interface moved in
 */
#ifndef HAKO_DEVICE_H
#define HAKO_DEVICE_H

#include <stdbool.h>
#include <stddef.h>

#include "cgroup-devices.h"
#include "config.h"
#include "error.h"
#include "store.h"

struct hk_cgroup;

struct hk_device_node {
	char type; /* 'b' or 'c' */
	long major, minor;
	unsigned added; /* 1: allowed by add on v1, 2: on v2 */
	bool bind;	/* bind-mounted (id-mapped container), else mknod */
	char *host, *inside;
};

struct hk_device_link {
	char host[16], inside[16];
};

struct hk_device_records {
	struct hk_kvlist v1, v2; /* rules at start: key devices.allow/deny, value */
	struct hk_device_node *nodes;
	size_t n_nodes;
	struct hk_device_link *links;
	size_t n_links;
};

/* Strict parse of the file's text (see above); errors name the line. */
int hk_device_records_parse(const char *text, struct hk_device_records *out, struct hk_error **err);
char *hk_device_records_format(const struct hk_device_records *r);
void hk_device_records_free(struct hk_device_records *r);
/* Removes the i-th node (freeing it) or link. */
void hk_device_records_drop_node(struct hk_device_records *r, size_t i);
void hk_device_records_drop_link(struct hk_device_records *r, size_t i);

/* The policy in force on cgroup version (1 or 2): the start rules, then an
 * allow for every node whose add allowed it there, except node `skip`
 * (an index, or (size_t)-1).  false when there are no start rules: then
 * hako put no device policy on that version. */
bool hk_device_policy(const struct hk_device_records *r, int version, size_t skip,
		      struct hk_dev_policy *out);

/* What a command line asks for. */
struct hk_device_req {
	bool add;
	bool node;	    /* a device node, else an interface */
	const char *what;   /* host path or host interface (del: or the name inside) */
	const char *inside; /* NAME-INSIDE, or NULL */
};

/* Checks the words: "add" or "del"; a device path absolute, without
 * blanks or control characters; NAME-INSIDE of a node absolute, not "/",
 * without "." or ".." components; interface names as hk_net_ifname_validate. */
int hk_device_parse(const char *action, const char *what, const char *inside,
		    struct hk_device_req *out, struct hk_error **err);

/* Does it, on st's container name, which must be RUNNING or FROZEN and run
 * by this hako.  Refusals change nothing; a failure half-way undoes what
 * was done. */
int hk_device_run(const struct hk_store *st, const char *name, const struct hk_device_req *req,
		  struct hk_error **err);

/* The monitor, once the limits are in force: starts the records with the
 * rules cg put in force (cg NULL: none). */
struct hk_ct;
int hk_device_record_start(const struct hk_ct *ct, const struct hk_cgroup *cg,
			   struct hk_error **err);

#endif
