/* nic-ops.c - hako-nic's privileged work: the record database under its
 * lock, culling stale records, and the create, delete and list requests
 * (nic.h).  Order inside a create, all under the database lock: policy,
 * cull, count, the MTU judged (before any link is touched), a pending
 * record (ifindex 0) written first, then the veth, then the lease, then
 * the finished record; so a helper killed at any point leaves a pending
 * record, which the next call culls with its veth.  hako-nic runs this in
 * a child its caller cannot signal (tui/hako-nic.c), and the lock is
 * taken with a deadline (hk_flock_timed). */
#include "nic.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "net-lease.h"
#include "net-link.h"

#define DB_FILE	 "nics"
#define DB_TMP	 "nics.tmp"
#define DB_LOCK	 "lock"
#define TEXT_MAX (8u << 20)

struct nic_db {
	int dirfd, lockfd;
	const char *dir;
	struct hk_nic_record *r;
	size_t n;
	bool dirty;
};

static void db_close(struct nic_db *db)
{
	free(db->r);
	if (db->lockfd >= 0)
		close(db->lockfd); /* releases the lock */
	if (db->dirfd >= 0)
		close(db->dirfd);
	db->r = NULL;
	db->lockfd = db->dirfd = -1;
}

static int planted(const char *dir, const char *file, struct hk_error **err)
{
	return hk_error_set(
		err, ELOOP,
		"hako-nic's \"%s/%s\" is a symbolic link or not a regular file; hako-nic "
		"never makes one, so someone planted it: as root, remove it and check who "
		"can write to %s",
		dir, file, dir);
}

static int read_fd(int fd, const char *dir, char **out, struct hk_error **err)
{
	struct hk_buf b = { 0 };
	char chunk[8192];
	ssize_t r;
	while ((r = read(fd, chunk, sizeof(chunk))) > 0 && b.len < TEXT_MAX)
		hk_buf_append(&b, chunk, (size_t)r);
	if (r < 0) {
		hk_buf_free(&b);
		return hk_error_errno(err, "cannot read hako-nic's records in \"%s\"", dir);
	}
	*out = hk_buf_steal(&b);
	return 0;
}

static int db_read(struct nic_db *db, struct hk_error **err)
{
	hk_autoclose int fd =
		openat(db->dirfd, DB_FILE, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	struct stat st;
	if (fd < 0 && errno != ELOOP)
		return hk_error_errno(err, "cannot open hako-nic's records \"%s/%s\"", db->dir,
				      DB_FILE);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return planted(db->dir, DB_FILE, err);
	if (st.st_uid != 0 || (st.st_mode & 022))
		return hk_error_set(
			err, EPERM,
			"hako-nic's records \"%s/%s\" are not root's alone (uid %u, mode "
			"%04o); as root, remove the file",
			db->dir, DB_FILE, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	hk_autofree char *text = NULL;
	if (read_fd(fd, db->dir, &text, err) < 0)
		return -1;
	unsigned bad = 0;
	db->n = hk_nic_records_parse(text, &db->r, &bad);
	if (bad) {
		hk_log(HK_LOG_WARN, "%s/%s: dropped %u malformed records", db->dir, DB_FILE, bad);
		db->dirty = true;
	}
	return 0;
}

/* The directory (made if missing), trusted; its lock taken; records read. */
static int db_open(const struct hk_nic_paths *p, struct nic_db *db, struct hk_error **err)
{
	*db = (struct nic_db){ .dirfd = -1, .lockfd = -1, .dir = p->db_dir };
	if (mkdir(p->db_dir, 0755) < 0 && errno != EEXIST)
		return hk_error_errno(err, "cannot create hako-nic's directory \"%s\"", p->db_dir);
	db->dirfd = hk_nic_open_trusted(p->db_dir, true, "hako-nic's directory", err);
	if (db->dirfd < 0)
		return -1;
	db->lockfd = openat(db->dirfd, DB_LOCK,
			    O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	struct stat st;
	if (db->lockfd < 0 && errno != ELOOP)
		return hk_error_errno(err, "cannot open hako-nic's lock \"%s/%s\"", p->db_dir,
				      DB_LOCK);
	if (db->lockfd < 0 || fstat(db->lockfd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0)
		return planted(p->db_dir, DB_LOCK, err);
	hk_autofree char *lock = xasprintf("%s/%s", p->db_dir, DB_LOCK);
	if (hk_flock_timed(db->lockfd, lock, "hako-nic's lock", HK_FLOCK_WAIT_MS, err) < 0)
		return -1;
	return db_read(db, err);
}

static int db_write(struct nic_db *db, struct hk_error **err)
{
	struct hk_buf b = { 0 };
	for (size_t i = 0; i < db->n; i++)
		hk_nic_record_format(&db->r[i], &b);
	hk_autofree char *text = hk_buf_steal(&b);
	unlinkat(db->dirfd, DB_TMP, 0);
	hk_autoclose int fd = openat(db->dirfd, DB_TMP,
				     O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	size_t len = strlen(text);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) < 0 ||
	    renameat(db->dirfd, DB_TMP, db->dirfd, DB_FILE) < 0) {
		hk_error_errno(err, "cannot write hako-nic's records \"%s/%s\"", db->dir, DB_FILE);
		unlinkat(db->dirfd, DB_TMP, 0);
		return -1;
	}
	fsync(db->dirfd);
	db->dirty = false;
	return 0;
}

static void db_drop(struct nic_db *db, size_t i)
{
	memmove(&db->r[i], &db->r[i + 1], (db->n - i - 1) * sizeof(*db->r));
	db->n--;
	db->dirty = true;
}

/* ---- links ---- */

static bool link_is(struct nl_sock *sk, unsigned long ifindex, const char *name)
{
	struct rtnl_link *l = NULL;
	if (!ifindex || rtnl_link_get_kernel(sk, (int)ifindex, NULL, &l) < 0)
		return false;
	const char *n = rtnl_link_get_name(l);
	bool same = n && !strcmp(n, name);
	rtnl_link_put(l);
	return same;
}

/* The nic's host end (which takes its peer along) and its lease. */
static void remove_nic(struct nl_sock *sk, const struct hk_nic_record *r)
{
	if (!r->ifindex || link_is(sk, r->ifindex, r->host)) {
		struct rtnl_link *l = rtnl_link_alloc();
		if (r->ifindex)
			rtnl_link_set_ifindex(l, (int)r->ifindex);
		else
			rtnl_link_set_name(l, r->host);
		int rc = rtnl_link_delete(sk, l);
		rtnl_link_put(l);
		if (rc < 0 && rc != -NLE_OBJ_NOTFOUND && rc != -NLE_NODEV)
			hk_log(HK_LOG_WARN, "cannot delete interface \"%s\": %s", r->host,
			       nl_geterror(rc));
	}
	hk_autoerr struct hk_error *err = NULL;
	if (strcmp(r->lease, "-") && hk_net_lease_release(r->lease, (pid_t)r->pid, &err) < 0)
		hk_log(HK_LOG_WARN, "lease %s: %s", r->lease, err->msg);
}

/* Pending records (a helper that died), gone processes, gone host ends. */
static void db_cull(struct nic_db *db, struct nl_sock *sk)
{
	for (size_t i = db->n; i-- > 0;) {
		const struct hk_nic_record *r = &db->r[i];
		if (r->ifindex && hk_net_pid_alive((pid_t)r->pid, r->start) &&
		    link_is(sk, r->ifindex, r->host))
			continue;
		remove_nic(sk, r);
		db_drop(db, i);
	}
}

/* ---- create ---- */

char *hk_nic_usernet_read(const char *path, struct hk_error **err)
{
	hk_autofree char *copy = xstrdup(path);
	hk_autoclose int dfd =
		hk_nic_open_trusted(dirname(copy), true, "the directory of the usernet file", err);
	if (dfd < 0)
		return NULL;
	hk_autoclose int fd = hk_nic_open_trusted(path, false, "usernet file", err);
	if (fd < 0 && err && *err && (*err)->code == ENOENT &&
	    access(HK_NIC_LXC_USERNET, F_OK) == 0)
		hk_error_prefix(
			err,
			"no ordinary user may have a network interface until root writes a line "
			"\"USER veth BRIDGE COUNT\" there: hako does not read LXC's %s; copy its lines, "
			"or run \"hako setup-user USER -n COUNT -b BRIDGE\" (see hako-nic(8))",
			HK_NIC_LXC_USERNET);
	else if (fd < 0 && err && *err && (*err)->code == ENOENT)
		hk_error_prefix(
			err,
			"no ordinary user may have a network interface until root writes a line "
			"\"USER veth BRIDGE COUNT\" (see hako-nic(8))");
	char *text = NULL;
	if (fd < 0 || read_fd(fd, path, &text, err) < 0)
		return NULL;
	return text;
}

/* The caller's quota for the request (> 0), or an error. */
static int policy_quota(const struct hk_nic_paths *p, const struct hk_nic_request *req,
			const struct hk_nic_caller *c, struct hk_error **err)
{
	hk_autofree char *text = hk_nic_usernet_read(p->usernet, err);
	if (!text)
		return -1;
	unsigned q = hk_nic_usernet_quota(text, c->user, &c->groups, req->type, req->bridge, NULL);
	if (q == 0)
		return hk_error_set(
			err, EPERM,
			"user \"%s\" may not put a %s on bridge \"%s\": %s has no line for "
			"it; as root, add \"%s %s %s 1\" to %s",
			c->user, req->type, req->bridge, p->usernet, c->user, req->type,
			req->bridge, p->usernet);
	return (int)q;
}

static int bridge_index(struct nl_sock *sk, const char *bridge, struct hk_error **err)
{
	bool is_bridge = false;
	int idx = hk_net_ifindex(sk, bridge, &is_bridge, err);
	if (idx < 0)
		return -1;
	if (idx == 0)
		return hk_error_set(
			err, ENODEV,
			"bridge \"%s\" does not exist; as root, make it with \"hako net "
			"setup -b %s\"",
			bridge, bridge);
	if (!is_bridge)
		return hk_error_set(err, EINVAL,
				    "\"%s\" is not a bridge; name a bridge listed for you in %s",
				    bridge, HK_NIC_USERNET);
	return idx;
}

static unsigned count_used(const struct nic_db *db, const struct hk_nic_caller *c,
			   const struct hk_nic_request *req)
{
	unsigned n = 0;
	for (size_t i = 0; i < db->n; i++)
		n += db->r[i].uid == c->uid && !strcmp(db->r[i].type, req->type) &&
		     !strcmp(db->r[i].bridge, req->bridge);
	return n;
}

/* The pair: host end named by hako-nic, peer born in the verified
 * namespace (by descriptor, never by pid), host end on the bridge, up. */
static int make_pair(struct nl_sock *sk, struct hk_nic_record *r, const char *peer_name, int nsfd,
		     int bridge, struct hk_error **err)
{
	struct rtnl_link *l = rtnl_link_veth_alloc();
	if (!l)
		abort();
	rtnl_link_set_name(l, r->host);
	struct rtnl_link *peer = rtnl_link_veth_get_peer(l);
	rtnl_link_set_name(peer, peer_name);
	rtnl_link_set_ns_fd(peer, nsfd);
	rtnl_link_put(peer);
	int rc = rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(l);
	if (rc < 0)
		return hk_net_nl_error(
			err, rc,
			"cannot create veth \"%s\" with \"%s\" in the container (is the "
			"name taken there?)",
			r->host, peer_name);
	int idx = hk_net_ifindex(sk, r->host, NULL, err);
	if (idx <= 0)
		return idx < 0 ? -1
			       : hk_error_set(err, ENODEV, "the new veth \"%s\" vanished", r->host);
	r->ifindex = (unsigned long)idx;
	return hk_net_host_attach(sk, r->host, bridge, 0, err);
}

static unsigned link_mtu(struct nl_sock *sk, int ifindex)
{
	struct rtnl_link *l = NULL;
	if (rtnl_link_get_kernel(sk, ifindex, NULL, &l) < 0)
		return 0;
	unsigned mtu = rtnl_link_get_mtu(l);
	rtnl_link_put(l);
	return mtu;
}

/* The MTU the kernel gives a bridge that follows its ports (one whose
 * MTU root never set): its smallest port's, 1500 with none (the
 * kernel's br_mtu_min); 0 when the links cannot be read. */
static unsigned follow_mtu(struct nl_sock *sk, int bridge)
{
	struct nl_cache *cache = NULL;
	if (rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache) < 0)
		return 0;
	unsigned min = 0;
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		unsigned m = rtnl_link_get_mtu(l);
		if (rtnl_link_get_master(l) == bridge && (!min || m < min))
			min = m;
	}
	nl_cache_free(cache);
	return min ? min : 1500;
}

/* The host end's MTU, so it matches the container's end (lxc.net.N.mtu).
 * LXC's lxc-user-nic gives both ends the bridge's MTU; hako-nic takes the
 * caller's value but never one that reaches past the shared bridge: above
 * the bridge's MTU the port would take frames the bridge cannot pass on,
 * and below it a bridge whose MTU root did not pin follows its smallest
 * port, so one user would shrink it for every container and the host
 * (under 1280 the bridge loses every IPv6 address, for good).  So this is
 * decided before any link is touched: a lower MTU only on a bridge that
 * is certainly pinned, one whose MTU is not what following its ports
 * gives.  The kernel does not report the pin itself; a bridge pinned at
 * exactly that value is refused too, and the message says how to pin. */
static int mtu_allowed(struct nl_sock *sk, const char *name, int bridge, unsigned mtu,
		       unsigned *before, struct hk_error **err)
{
	*before = link_mtu(sk, bridge);
	unsigned follows = follow_mtu(sk, bridge);
	if (!*before || !follows)
		return hk_error_set(err, ENODEV,
				    "cannot read the MTU of bridge \"%s\" and its ports", name);
	if (mtu > *before)
		return hk_error_set(err, EINVAL,
				    "MTU %u is above the %u of bridge \"%s\"; set lxc.net.N.mtu to "
				    "at most %u",
				    mtu, *before, name, *before);
	if (mtu < *before && *before == follows)
		return hk_error_set(
			err, EPERM,
			"MTU %u would lower bridge \"%s\" from %u to %u for every "
			"container on it; set lxc.net.N.mtu to %u, or as root pin the "
			"bridge's MTU (ip link set %s mtu N, N other than its current MTU)",
			mtu, name, *before, mtu, *before, name);
	return 0;
}

/* Sets the host end's MTU (mtu_allowed said yes); should the bridge move
 * all the same (root unpinned it meanwhile), refuses, and the caller
 * removes the nic, which gives the bridge its MTU back. */
static int set_host_mtu(struct nl_sock *sk, const struct hk_nic_record *r, int bridge, unsigned mtu,
			unsigned before, struct hk_error **err)
{
	if (hk_net_host_attach(sk, r->host, 0, mtu, err) < 0)
		return -1;
	unsigned after = link_mtu(sk, bridge);
	if (after != before)
		return hk_error_set(
			err, EPERM,
			"MTU %u would lower bridge \"%s\" from %u to %u for every container "
			"on it; set lxc.net.N.mtu to %u, or as root pin the bridge's MTU "
			"(ip link set %s mtu N, N other than its current MTU)",
			mtu, r->bridge, before, after, before, r->bridge);
	return 0;
}

static int take_lease(const struct hk_nic_request *req, const struct hk_nic_caller *c,
		      struct hk_nic_record *r, unsigned *prefix, struct hk_error **err)
{
	struct hk_net_ip br;
	hk_autoerr struct hk_error *no_addr = NULL;
	if (hk_net_link_addr(req->bridge, AF_INET, &br, &no_addr) < 0) {
		if (no_addr->code == EADDRNOTAVAIL)
			return 0; /* nothing to lease from: no address, as with LXC */
		hk_error_propagate(err, &no_addr);
		return hk_error_prefix(err, "bridge \"%s\"", req->bridge);
	}
	hk_autofree char *dir = hk_net_lease_dir();
	hk_autofree char *parent = xstrdup(dir);
	if (mkdir(dirname(parent), 0755) < 0 && errno != EEXIST)
		return hk_error_errno(err, "cannot create \"%s\"", parent);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return hk_error_errno(err, "cannot create \"%s\"", dir);
	hk_autoclose int d1 = hk_nic_open_trusted(parent, true, "the run directory", err);
	hk_autoclose int d2 =
		d1 < 0 ? -1 : hk_nic_open_trusted(dir, true, "the lease directory", err);
	if (d2 < 0)
		return -1;
	hk_autofree char *owner = xasprintf("%s:%s", c->user, req->name);
	*prefix = br.prefix;
	return hk_net_lease_acquire(&br, owner, req->pid, r->start, r->lease, err);
}

/* A host end name nobody uses: checked under the lock, and only hako-nic
 * makes "hkn" names (root's containers use hkPID_N), so a pending record
 * never names someone else's interface. */
static int free_name(struct nl_sock *sk, char out[HK_IFNAME_SIZE], struct hk_error **err)
{
	for (int tries = 0; tries < 16; tries++) {
		unsigned v = 0;
		if (getrandom(&v, sizeof(v), 0) != sizeof(v))
			v = (unsigned)getpid() * 2654435761u + (unsigned)tries;
		snprintf(out, HK_IFNAME_SIZE, "hkn%08x", v);
		int idx = hk_net_ifindex(sk, out, NULL, err);
		if (idx <= 0)
			return idx;
	}
	return hk_error_set(err, EEXIST,
			    "no free host interface name after 16 tries; delete stale hkn* "
			    "interfaces (as root: ip link del NAME)");
}

/* Under the lock: the pending record, the pair, the lease, the record. */
static int create_locked(struct nic_db *db, struct nl_sock *sk, const struct hk_nic_request *req,
			 const struct hk_nic_caller *c, int nsfd, long long start, int bridge,
			 struct hk_buf *out, struct hk_error **err)
{
	struct hk_nic_record r = { .uid = c->uid, .pid = req->pid, .start = start };
	snprintf(r.type, sizeof(r.type), "%s", req->type);
	snprintf(r.bridge, sizeof(r.bridge), "%s", req->bridge);
	snprintf(r.lease, sizeof(r.lease), "-");
	snprintf(r.name, sizeof(r.name), "%s", req->name);
	unsigned br_mtu = 0;
	if ((req->mtu && mtu_allowed(sk, req->bridge, bridge, req->mtu, &br_mtu, err) < 0) ||
	    free_name(sk, r.host, err) < 0)
		return -1;
	db->r = xrealloc(db->r, (db->n + 1) * sizeof(*db->r));
	db->r[db->n++] = r;
	if (db_write(db, err) < 0)
		return -1;
	unsigned prefix = 0;
	if (make_pair(sk, &r, req->ifname, nsfd, bridge, err) < 0 ||
	    (req->mtu && set_host_mtu(sk, &r, bridge, req->mtu, br_mtu, err) < 0) ||
	    (req->lease && take_lease(req, c, &r, &prefix, err) < 0)) {
		remove_nic(sk, &r);
		db_drop(db, db->n - 1);
		db_write(db, NULL);
		return -1;
	}
	db->r[db->n - 1] = r;
	if (db_write(db, err) < 0)
		return -1;
	if (prefix)
		hk_buf_printf(out, "%s %s %s/%u\n", r.host, req->ifname, r.lease, prefix);
	else
		hk_buf_printf(out, "%s %s -\n", r.host, req->ifname);
	return 0;
}

static int do_create(const struct hk_nic_paths *p, const struct hk_nic_request *req,
		     const struct hk_nic_caller *c, struct hk_buf *out, struct hk_error **err)
{
	int quota = policy_quota(p, req, c, err);
	if (quota < 0)
		return -1;
	long long start;
	hk_autoclose int nsfd = hk_nic_netns_open(req->pid, c->uid, c->gid, &start, err);
	if (nsfd < 0)
		return -1;
	hk_autonl struct nl_sock *sk = hk_net_nl_open(err);
	int bridge = sk ? bridge_index(sk, req->bridge, err) : -1;
	if (bridge < 0)
		return -1;
	struct nic_db db;
	int rc = db_open(p, &db, err);
	if (rc == 0) {
		db_cull(&db, sk);
		unsigned used = count_used(&db, c, req);
		if (used >= (unsigned)quota)
			rc = hk_error_set(
				err, EDQUOT,
				"user \"%s\" already has %u of the %d %s interfaces %s allows "
				"on bridge \"%s\"; stop a container that uses one, or ask "
				"root to raise the count",
				c->user, used, quota, req->type, p->usernet, req->bridge);
		else
			rc = create_locked(&db, sk, req, c, nsfd, start, bridge, out, err);
	}
	if (db.dirty && db.dirfd >= 0 && db.lockfd >= 0)
		db_write(&db, NULL);
	db_close(&db);
	return rc;
}

/* ---- delete, list ---- */

static int do_delete_list(const struct hk_nic_paths *p, const struct hk_nic_request *req,
			  const struct hk_nic_caller *c, struct hk_buf *out, struct hk_error **err)
{
	hk_autonl struct nl_sock *sk = hk_net_nl_open(err);
	struct nic_db db;
	if (!sk)
		return -1;
	if (db_open(p, &db, err) < 0) {
		db_close(&db);
		return -1;
	}
	db_cull(&db, sk);
	unsigned deleted = 0;
	for (size_t i = db.n; i-- > 0;) {
		const struct hk_nic_record *r = &db.r[i];
		if (r->uid != c->uid)
			continue;
		if (req->op == HK_NIC_LIST) {
			hk_buf_printf(out, "%s %ld %s %s %s\n", r->name, r->pid, r->bridge, r->host,
				      r->lease);
		} else if (r->pid == req->pid && !strcmp(r->name, req->name)) {
			remove_nic(sk, r);
			db_drop(&db, i);
			deleted++;
		}
	}
	if (req->op == HK_NIC_DELETE)
		hk_buf_printf(out, "deleted %u\n", deleted);
	int rc = db.dirty ? db_write(&db, err) : 0;
	db_close(&db);
	return rc;
}

int hk_nic_run(const struct hk_nic_paths *p, const struct hk_nic_request *req,
	       const struct hk_nic_caller *c, struct hk_buf *out, struct hk_error **err)
{
	if (req->op == HK_NIC_CREATE)
		return do_create(p, req, c, out, err);
	return do_delete_list(p, req, c, out, err);
}
