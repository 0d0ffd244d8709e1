/* device-run.c - `hako device` from refusal checks to the records
 * (device.h): the container held by its init's pidfd, the records under
 * their lock, and each step undone when a later one fails. */
#include "device-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "container.h"
#include "lifecycle.h"
#include "log.h"
#include "runner.h"
#include "state.h"
#include "storage.h"
#include "util.h"

/* ---- the container ---- */

/* The host id that `inside` id 0 maps to in /proc/PID/{u,g}id_map. */
static int map_root(pid_t pid, const char *file, unsigned long *out, struct hk_error **err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	hk_autofree char *text = NULL;
	if (hk_read_file(path, &text, NULL, err) < 0)
		return -1;
	for (char *save, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned long in, host, count;
		if (sscanf(l, "%lu %lu %lu", &in, &host, &count) == 3 && in == 0 && count > 0) {
			*out = host;
			return 0;
		}
	}
	return hk_error_say(err, EPERM, "the container maps no root (%s has no line for id 0)",
			    path);
}

static bool same_ns(pid_t pid, const char *ns)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns);
	hk_autofree char *self = xasprintf("/proc/self/ns/%s", ns);
	struct stat a, b;
	return stat(path, &a) == 0 && stat(self, &b) == 0 && a.st_ino == b.st_ino &&
	       a.st_dev == b.st_dev;
}

static void ct_close(struct hk_device_ct *ct)
{
	if (ct->pidfd >= 0)
		close(ct->pidfd);
	if (ct->rootfd >= 0)
		close(ct->rootfd);
	ct->pidfd = ct->rootfd = -1;
}

/* Opens what of init the work needs; the state file must name the same
 * init after, and the pidfd still live: then /proc/PID was that init's. */
static int ct_open(const struct hk_ct *handle, const struct hk_state_file *sf,
		   struct hk_device_ct *ct, struct hk_error **err)
{
	*ct = (struct hk_device_ct){ .handle = handle,
				     .name = handle->name,
				     .pid = sf->init_pid,
				     .pidfd = -1,
				     .rootfd = -1 };
	ct->pidfd = hk_pidfd_open(sf->init_pid);
	if (ct->pidfd < 0)
		return hk_error_errno(err, "its init (pid %d) is gone", (int)sf->init_pid);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/root", (int)ct->pid);
	ct->rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ct->rootfd < 0)
		return hk_error_errno(err, "cannot open its root (%s)", path);
	ct->userns = !same_ns(ct->pid, "user");
	unsigned long uid = 0, gid = 0;
	if (ct->userns && (map_root(ct->pid, "uid_map", &uid, err) < 0 ||
			   map_root(ct->pid, "gid_map", &gid, err) < 0))
		return -1;
	ct->root_uid = (uid_t)uid;
	ct->root_gid = (gid_t)gid;
	struct hk_state_file again;
	enum hk_state s = hk_state_effective_ct(handle, &again);
	if ((s != HK_STATE_RUNNING && s != HK_STATE_FROZEN) || again.init_pid != sf->init_pid ||
	    again.started != sf->started || hk_pidfd_signal(ct->pidfd, 0) < 0)
		return hk_error_set(err, ESRCH, "it stopped meanwhile");
	return 0;
}

/* ---- nodes ---- */

static int write_records(const struct hk_device_ct *ct, const struct hk_device_records *r,
			 struct hk_error **err)
{
	hk_autofree char *text = hk_device_records_format(r);
	hk_autofree char *path = hk_device_records_path(ct->handle->run_dir);
	return hk_write_run_file(path, text, strlen(text), 0644, err);
}

static int node_add(const struct hk_device_ct *ct, struct hk_device_records *r,
		    const struct hk_device_req *req, struct hk_error **err)
{
	const char *inside = req->inside ? req->inside : req->what;
	for (size_t i = 0; i < r->n_nodes; i++)
		if (strcmp(r->nodes[i].inside, inside) == 0)
			return hk_error_say(err, EEXIST,
					    "%s was given to it already (from %s); del it first",
					    inside, r->nodes[i].host);
	/* One open, then everything from its fstat: the path cannot change
	 * under us between a check and the use. */
	hk_autoclose int fd = open(req->what, O_PATH | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0)
		return errno == ENOENT
			       ? hk_error_say(err, ENOENT, "the host has no %s", req->what)
			       : hk_error_errno(err, "cannot open %s on the host", req->what);
	if (!S_ISCHR(sb.st_mode) && !S_ISBLK(sb.st_mode))
		return hk_error_say(err, EINVAL,
				    "%s is not a device node (a character or block device); give a "
				    "node such as /dev/loop7",
				    req->what);
	struct hk_device_node n = { S_ISBLK(sb.st_mode) ? 'b' : 'c',
				    (long)major(sb.st_rdev),
				    (long)minor(sb.st_rdev),
				    0,
				    ct->userns,
				    (char *)req->what,
				    (char *)inside };
	if (hk_device_cgroup_allow(ct->handle, r, &n, err) < 0)
		return -1;
	r->nodes = xrealloc(r->nodes, (r->n_nodes + 1) * sizeof(*r->nodes));
	n.host = xstrdup(n.host);
	n.inside = xstrdup(n.inside);
	r->nodes[r->n_nodes++] = n;
	if (hk_device_node_make(ct, &n, sb.st_mode, err) == 0) {
		if (write_records(ct, r, err) == 0)
			return 0;
		hk_device_node_remove(ct, &n, NULL);
	}
	hk_device_cgroup_revoke(ct->handle, r, r->n_nodes - 1, NULL);
	hk_device_records_drop_node(r, r->n_nodes - 1);
	return -1;
}

/* The record del means: both words given, or the name inside, or the
 * host's name; (size_t)-1 when none. */
static size_t find_node(const struct hk_device_records *r, const struct hk_device_req *req)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < r->n_nodes; i++) {
			const struct hk_device_node *n = &r->nodes[i];
			if (req->inside
				    ? !strcmp(n->host, req->what) && !strcmp(n->inside, req->inside)
				    : !strcmp(pass ? n->host : n->inside, req->what))
				return i;
		}
	return (size_t)-1;
}

static int node_del(const struct hk_device_ct *ct, struct hk_device_records *r,
		    const struct hk_device_req *req, struct hk_error **err)
{
	size_t i = find_node(r, req);
	if (i == (size_t)-1)
		return hk_error_say(
			err, ENOENT,
			"%s%s%s was not given to it with \"hako device %s add\"; nothing to del",
			req->what, req->inside ? " at " : "", req->inside ? req->inside : "",
			ct->name);
	int rc = hk_device_node_remove(ct, &r->nodes[i], err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		hk_log(HK_LOG_WARN,
		       "%s: %s inside is not the node given any more (gone or replaced): left "
		       "alone",
		       ct->name, r->nodes[i].inside);
	if (hk_device_cgroup_revoke(ct->handle, r, i, err) < 0)
		return -1;
	hk_device_records_drop_node(r, i);
	return write_records(ct, r, err);
}

/* ---- links ---- */

static int link_add(const struct hk_device_ct *ct, struct hk_device_records *r,
		    const struct hk_device_req *req, struct hk_error **err)
{
	struct hk_device_link l = { 0 };
	snprintf(l.host, sizeof(l.host), "%s", req->what);
	snprintf(l.inside, sizeof(l.inside), "%s", req->inside ? req->inside : req->what);
	if (hk_device_link_add(ct, l.host, l.inside, err) < 0)
		return -1;
	r->links = xrealloc(r->links, (r->n_links + 1) * sizeof(*r->links));
	r->links[r->n_links++] = l;
	if (write_records(ct, r, err) == 0)
		return 0;
	hk_device_link_del(ct, &l, NULL);
	r->n_links--;
	return -1;
}

static int link_del(const struct hk_device_ct *ct, struct hk_device_records *r,
		    const struct hk_device_req *req, struct hk_error **err)
{
	size_t i = (size_t)-1;
	for (int pass = 0; pass < 2 && i == (size_t)-1; pass++)
		for (size_t k = 0; k < r->n_links && i == (size_t)-1; k++) {
			const struct hk_device_link *l = &r->links[k];
			if (req->inside
				    ? !strcmp(l->host, req->what) && !strcmp(l->inside, req->inside)
				    : !strcmp(pass ? l->host : l->inside, req->what))
				i = k;
		}
	if (i == (size_t)-1)
		return hk_error_say(
			err, ENOENT,
			"interface \"%s\" was not given to it with \"hako device %s add\"; "
			"nothing to del",
			req->what, ct->name);
	if (hk_device_link_del(ct, &r->links[i], err) < 0)
		return -1;
	hk_device_records_drop_link(r, i);
	return write_records(ct, r, err);
}

/* ---- the whole ---- */

static int refuse_user(const struct hk_device_req *req, struct hk_error **err)
{
	if (!req->node)
		return hk_error_say(
			err, EPERM,
			"moving a host interface into a container's network namespace needs "
			"CAP_NET_ADMIN on the host: run it as root (an ordinary user's "
			"containers get veths from hako-nic, see hako-nic(8))");
	return hk_error_say(
		err, EPERM,
		"an ordinary user cannot give a device node to a running container: the kernel "
		"refuses mknod in a user namespace, and mounting a host node into the container "
		"needs CAP_SYS_ADMIN over the host's mount namespace; bind it at start with "
		"\"lxc.mount.entry = %s %s none bind,create=file\" and restart, or run it as root",
		req->what, (req->inside ? req->inside : req->what) + 1);
}

static int with_records(const struct hk_device_ct *ct, const struct hk_device_req *req,
			struct hk_error **err)
{
	hk_autofree char *path = hk_device_records_path(ct->handle->run_dir);
	hk_autofree char *lock = xasprintf("%s.lock", path);
	hk_autoclose int lfd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lfd < 0 || hk_flock_timed(lfd, lock, "hako device", 10000, err) < 0)
		return lfd < 0 ? hk_error_errno(err, "cannot open %s", lock) : -1;
	hk_autofree char *text = NULL;
	hk_autoerr struct hk_error *e = NULL;
	if (hk_read_file(path, &text, NULL, &e) < 0)
		return e->code == ENOENT ? hk_error_say(err, ENOENT,
							"it was started by a hako that kept no "
							"device records (%s); "
							"restart it",
							path)
					 : (hk_error_propagate(err, &e), -1);
	struct hk_device_records r;
	if (hk_device_records_parse(text, &r, err) < 0)
		return hk_error_prefix(err, "%s", path);
	int rc = req->node ? (req->add ? node_add : node_del)(ct, &r, req, err)
			   : (req->add ? link_add : link_del)(ct, &r, req, err);
	hk_device_records_free(&r);
	return rc;
}

int hk_device_run(const struct hk_store *st, const char *name, const struct hk_device_req *req,
		  struct hk_error **err)
{
	hk_autoct struct hk_ct *handle = NULL;
	if (hk_ct_open(st, name, HK_CT_EXISTING, &handle, err) < 0 ||
	    hk_runner_refuse(handle, HK_OP_DEVICE, err) < 0)
		return -1;
	name = handle->name;
	struct hk_state_file sf;
	enum hk_state s = hk_state_effective_ct(handle, &sf);
	if (s != HK_STATE_RUNNING && s != HK_STATE_FROZEN)
		return hk_ct_refuse_not_running(handle, err);
	if (!hk_store_is_root(st) || !hk_storage_in_init_userns())
		return refuse_user(req, err) < 0 ? hk_error_prefix(err, "device \"%s\"", name) : 0;
	struct hk_device_ct ct;
	int rc = ct_open(handle, &sf, &ct, err);
	if (rc == 0)
		rc = with_records(&ct, req, err);
	ct_close(&ct);
	return rc < 0 ? hk_error_prefix(err, "device \"%s\" %s %s", name, req->add ? "add" : "del",
					req->what)
		      : 0;
}
