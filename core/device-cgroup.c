/* device-cgroup.c - a node's major:minor in the container's device policy
 * while `hako device` gives it (device-internal.h).
 *
 * Where the monitor put rules at start (the records' v1 and v2 lines), the
 * node's allow goes there too: on the v1 devices controller it is written
 * to NAME and then every cgroup below it, top-down (a v1 child copies its
 * parent's rules only when it is made; a deny propagates down by itself);
 * on cgroup v2 the program on NAME is replaced in place by the program of
 * the start rules plus an allow for every node given.  Where there are no
 * rules, hako limits no device there and nothing is written. */
#include "device-internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-manage.h"
#include "container.h"
#include "util.h"

#define RWM (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)

/* Writes the allow in dir_fd and every cgroup below it, parents first. */
static int allow_tree(int dir_fd, const char *value, unsigned depth, struct hk_error **err)
{
	if (hk_cgroup_write_at(dir_fd, "devices.allow", value, err) < 0)
		return -1;
	int dup = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dup < 0 ? NULL : fdopendir(dup);
	if (!d) {
		if (dup >= 0)
			close(dup);
		return hk_error_errno(err, "cannot list a devices cgroup");
	}
	int rc = 0;
	for (struct dirent *e; rc == 0 && depth < 32 && (e = readdir(d));) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		hk_autoclose int sub =
			openat(dir_fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		rc = sub < 0 ? hk_error_errno(err, "cannot open devices cgroup \"%s\"", e->d_name)
			     : allow_tree(sub, value, depth + 1, err);
	}
	closedir(d);
	return rc;
}

/* Puts the policy of version v in force: for v1 the one rule `value`
 * (devices.allow or devices.deny in key), for v2 the whole program. */
static int apply(struct hk_cgroup *cg, int v, const char *key, const char *value,
		 const struct hk_dev_policy *pol, struct hk_error **err)
{
	hk_autoclose int fd = hk_cgroup_devices_dir(cg, v, err);
	if (fd < 0)
		return -1;
	if (v == 2)
		return hk_dev_policy_replace(pol, fd, hk_cgroup_main_dir(cg), err);
	if (strcmp(key, "devices.deny") == 0)
		return hk_cgroup_write_at(fd, key, value, err);
	return allow_tree(fd, value, 0, err);
}

static int open_cg(const struct hk_ct *ct, struct hk_ct_cgroup *c, struct hk_error **err)
{
	if (hk_ct_cgroup_open(ct, c, err) < 0)
		return -1;
	if (!c->cg) {
		hk_ct_cgroup_close(c);
		return hk_error_set(err, ENOENT, "container \"%s\" has no cgroup of its own",
				    ct->name);
	}
	return 0;
}

/* Undoes the allow of version v (from a failed add). */
static void undo(struct hk_cgroup *cg, int v, const struct hk_device_records *r, const char *value)
{
	struct hk_dev_policy pol;
	if (hk_device_policy(r, v, (size_t)-1, &pol))
		apply(cg, v, "devices.deny", value, &pol, NULL);
	hk_dev_policy_free(&pol);
}

int hk_device_cgroup_allow(const struct hk_ct *ct, const struct hk_device_records *r,
			   struct hk_device_node *n, struct hk_error **err)
{
	hk_autofree char *value = xasprintf("%c %ld:%ld rwm", n->type, n->major, n->minor);
	struct hk_ct_cgroup c = { 0 };
	bool opened = false;
	int rc = 0;
	n->added = 0;
	for (int v = 1; v <= 2 && rc == 0; v++) {
		struct hk_dev_policy pol;
		if (!hk_device_policy(r, v, (size_t)-1, &pol) ||
		    hk_dev_policy_allows(&pol, n->type, n->major, n->minor, RWM)) {
			hk_dev_policy_free(&pol);
			continue;
		}
		hk_dev_policy_add(&pol, "devices.allow", value, "devices.allow", NULL);
		if (!hk_dev_policy_allows(&pol, n->type, n->major, n->minor, RWM))
			rc = hk_error_say(
				err, EPERM,
				"the device rules of \"%s\" deny %s with a deny rule that an allow "
				"cannot lift (lxc.cgroup%s.devices.deny); change them and restart "
				"it",
				ct->name, value, v == 1 ? "" : "2");
		else if (!opened && (rc = open_cg(ct, &c, err)) == 0)
			opened = true;
		if (rc == 0 && (rc = apply(c.cg, v, "devices.allow", value, &pol, err)) == 0)
			n->added |= (unsigned)v;
		hk_dev_policy_free(&pol);
	}
	if (rc < 0 && (n->added & 1))
		undo(c.cg, 1, r, value);
	if (opened)
		hk_ct_cgroup_close(&c);
	return rc < 0 ? hk_error_prefix(err, "allow %s in the device cgroup", value) : 0;
}

int hk_device_cgroup_revoke(const struct hk_ct *ct, const struct hk_device_records *r, size_t i,
			    struct hk_error **err)
{
	const struct hk_device_node *n = &r->nodes[i];
	unsigned bits = n->added;
	for (size_t j = 0; j < r->n_nodes; j++)
		if (j != i && r->nodes[j].type == n->type && r->nodes[j].major == n->major &&
		    r->nodes[j].minor == n->minor)
			bits &= ~r->nodes[j].added; /* still needed by that one */
	if (!bits)
		return 0;
	hk_autofree char *value = xasprintf("%c %ld:%ld rwm", n->type, n->major, n->minor);
	struct hk_ct_cgroup c;
	if (open_cg(ct, &c, err) < 0)
		return -1;
	int rc = 0;
	for (int v = 1; v <= 2 && rc == 0; v++) {
		struct hk_dev_policy pol;
		hk_dev_policy_init(&pol);
		if ((bits & (unsigned)v) && hk_device_policy(r, v, i, &pol))
			rc = apply(c.cg, v, "devices.deny", value, &pol, err);
		hk_dev_policy_free(&pol);
	}
	hk_ct_cgroup_close(&c);
	return rc < 0 ? hk_error_prefix(err, "revoke %s in the device cgroup", value) : 0;
}
