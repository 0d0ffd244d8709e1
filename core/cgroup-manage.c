/* cgroup-manage.c - creating, filling, freezing, killing and removing a
 * container's cgroup in every hierarchy of the host's layout.
 *
 * struct hk_cgroup holds, per hierarchy used, the base directory (the top,
 * or the user's delegated cgroup) and the container's directory
 * BASE/hako/NAME, both as paths with the detection ROOT in front, plus the
 * ops table of that hierarchy's version.  The hk_cgroup_info it was opened
 * from must outlive it.
 *
 * Inner/outer split (LXC 4's): limits go on BASE/hako/NAME, while init
 * and everything attached live in its leaf child HK_CGROUP_LEAF, which
 * becomes the root of the container's cgroup namespace.  The limit files
 * of NAME are then above that root, unreachable from inside, so a
 * container root that owns its cgroup cannot raise its own limits.
 * Freeze, kill, stats, `hako cgroup` and removal act on NAME, whose
 * totals and state include the leaf. */
#include "cgroup-manage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-devices.h"
#include "cgroup-systemd.h"
#include "cgroup-v2to1.h"
#include "container.h"
#include "log.h"
#include "storage.h"

struct ct_hier {
	const struct hk_cgroup_hier *h;
	const struct hk_cgroup_ops *ops;
	char *base; /* ROOT + base cgroup directory */
	char *dir;  /* base + "/hako/NAME" */
	/* dir, opened once for all the files of one hk_cgroup_apply */
	int apply_fd;
	bool apply_open;
};

struct hk_cgroup {
	const struct hk_cgroup_info *info; /* outlives this */
	struct ct_hier *hs;
	size_t n;
	char *rel;	   /* "hako/NAME" */
	bool attach_aside; /* v2: join HK_CGROUP_ATTACH_LEAF, see hk_cgroup_attach_aside */
	struct hk_kvlist dev_v1, dev_v2; /* device rules in force, see hk_cgroup_device_rules */
};

int hk_cgroup_write_at(int dir_fd, const char *file, const char *value, struct hk_error **err)
{
	hk_autoclose int fd = openat(dir_fd, file, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return hk_error_errno(err, "cannot open cgroup file \"%s\"", file);
	size_t len = strlen(value);
	ssize_t w = write(fd, value, len);
	if (w < 0 || (size_t)w != len)
		return hk_error_errno(err, "cannot write \"%s\" to cgroup file \"%s\"", value,
				      file);
	return 0;
}

char *hk_cgroup_read_at(int dir_fd, const char *file)
{
	char *text = NULL;
	if (hk_read_file_at(dir_fd, file, &text, NULL, 1 << 20, NULL) < 0)
		return NULL;
	return text;
}

int64_t hk_cgroup_parse_number(const char *text)
{
	if (!text)
		return -1;
	hk_autofree char *line = xstrndup(text, strcspn(text, "\n"));
	long v;
	return hk_parse_long(line, &v) ? v : -1;
}

int hk_cgroup_freeze_and_wait(int dir_fd, const char *file, const char *value, int (*frozen)(int),
			      int want, struct hk_error **err)
{
	if (hk_cgroup_write_at(dir_fd, file, value, err) < 0)
		return -1;
	long long end = hk_now_ms() + 5000; /* up to 5 s for the whole tree to settle */
	for (struct hk_backoff b = HK_BACKOFF_INIT;; hk_backoff_sleep(&b)) {
		if (frozen(dir_fd) == want)
			return 0;
		if (hk_now_ms() >= end)
			break;
	}
	return hk_error_set(err, ETIMEDOUT, "the cgroup did not %s within 5 s",
			    want ? "freeze" : "thaw");
}

/* Opens a cgroup directory and checks that it is on a cgroup filesystem. */
static int open_cgroup_dir(const char *path, struct hk_error **err)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return hk_error_errno(err, "cannot open cgroup \"%s\"", path);
	struct statfs sfs;
	if (fstatfs(fd, &sfs) < 0 ||
	    (sfs.f_type != CGROUP_SUPER_MAGIC && sfs.f_type != CGROUP2_SUPER_MAGIC)) {
		close(fd);
		return hk_error_set(err, EPERM, "\"%s\" is not on a cgroup filesystem; refusing",
				    path);
	}
	return fd;
}

static bool hier_used(const struct hk_cgroup_hier *h)
{
	if (h->version == 2)
		return true;
	/* v1: hierarchies with controllers, and systemd's named one. */
	return h->controllers.n > 0 || (h->name && strcmp(h->name, "systemd") == 0);
}

static bool dir_writable(const struct hk_cgroup_info *info, const char *dir)
{
	hk_autofree char *path = hk_cgroup_path(info, dir);
	hk_autofree char *procs = xasprintf("%s/cgroup.procs", path);
	return access(path, W_OK) == 0 && access(procs, W_OK) == 0;
}

struct hk_cgroup *hk_cgroup_open(const struct hk_cgroup_info *info,
				 const struct hk_cgroup_delegation *deleg, const char *name)
{
	return hk_cgroup_open_scoped(info, deleg, name, NULL);
}

struct hk_cgroup *hk_cgroup_open_scoped(const struct hk_cgroup_info *info,
					const struct hk_cgroup_delegation *deleg, const char *name,
					const char *v2_base)
{
	struct hk_cgroup *cg = xcalloc(1, sizeof(*cg));
	cg->info = info;
	cg->rel = xasprintf("hako/%s", name);
	cg->hs = xcalloc(info->n ? info->n : 1, sizeof(*cg->hs));
	for (size_t i = 0; i < info->n; i++) {
		const struct hk_cgroup_hier *h = &info->h[i];
		if (!hier_used(h))
			continue;
		const char *base_dir = h->mountpoint;
		/* A hybrid's v2 tree carries no controller: root skips it where
		 * it may not write it (inside a container whose owner had none). */
		if (!deleg && !v2_base && h->version == 2 && info->layout != HK_CGROUP_V2 &&
		    !dir_writable(info, base_dir))
			continue;
		if (h->version == 2 && v2_base) {
			base_dir = v2_base; /* systemd's scope, delegated to the caller */
		} else if (deleg) {
			if (i >= deleg->n || !deleg->a[i].writable)
				continue; /* not delegated: the user cannot use it */
			base_dir = deleg->a[i].dir;
		}
		struct ct_hier *c = &cg->hs[cg->n++];
		c->h = h;
		c->ops = h->version == 2 ? &hk_cgroup_v2_ops : &hk_cgroup_v1_ops;
		c->base = hk_cgroup_path(info, base_dir);
		c->dir = xasprintf("%s/%s", c->base, cg->rel);
	}
	return cg;
}

/* The line of /proc/PID/cgroup for hierarchy h: v2's is "0::", a v1
 * one names its controllers (or name=NAME). */
static const struct hk_proc_cgroup_entry *proc_entry_for(const struct hk_proc_cgroup *pc,
							 const struct hk_cgroup_hier *h)
{
	for (size_t i = 0; i < pc->n; i++) {
		const struct hk_proc_cgroup_entry *e = &pc->e[i];
		if (h->version == 2) {
			if (e->id == 0)
				return e;
			continue;
		}
		hk_autofree char *want = h->controllers.n ? xstrdup(h->controllers.v[0])
					 : h->name	  ? xasprintf("name=%s", h->name)
							  : NULL;
		hk_autofree char *list = xasprintf(",%s,", e->controllers);
		hk_autofree char *item = want ? xasprintf(",%s,", want) : NULL;
		if (e->id != 0 && item && strstr(list, item))
			return e;
	}
	return NULL;
}

/* A path of /proc/PID/cgroup below the hierarchy's mount root, without a
 * trailing init leaf; NULL when it is outside what is mounted here. */
static char *proc_rel(const struct hk_cgroup_hier *h, const char *path)
{
	const char *root = h->mount_root && strcmp(h->mount_root, "/") ? h->mount_root : "";
	size_t n = strlen(root);
	if (strncmp(path, root, n) != 0 || (path[n] && path[n] != '/') || strstr(path, "/.."))
		return NULL;
	char *rel = xstrdup(path + n);
	size_t len = strlen(rel), leaf = strlen("/" HK_CGROUP_INIT_LEAF);
	if (len > leaf && strcmp(rel + len - leaf, "/" HK_CGROUP_INIT_LEAF) == 0)
		rel[len - leaf] = '\0';
	if (strcmp(rel, "/") == 0)
		rel[0] = '\0';
	return rel;
}

struct hk_cgroup *hk_cgroup_open_proc_text(const struct hk_cgroup_info *info, const char *text)
{
	struct hk_proc_cgroup pc;
	if (!text || hk_cgroup_parse_proc(text, &pc, NULL) < 0)
		return NULL;
	struct hk_cgroup *cg = xcalloc(1, sizeof(*cg));
	cg->info = info;
	cg->hs = xcalloc(info->n ? info->n : 1, sizeof(*cg->hs));
	for (size_t i = 0; i < info->n; i++) {
		const struct hk_cgroup_hier *h = &info->h[i];
		const struct hk_proc_cgroup_entry *e = hier_used(h) ? proc_entry_for(&pc, h) : NULL;
		hk_autofree char *rel = e ? proc_rel(h, e->path) : NULL;
		if (!rel)
			continue;
		struct ct_hier *c = &cg->hs[cg->n++];
		c->h = h;
		c->ops = h->version == 2 ? &hk_cgroup_v2_ops : &hk_cgroup_v1_ops;
		c->base = hk_cgroup_path(info, h->mountpoint);
		c->dir = xasprintf("%s%s", c->base, rel);
		if (!cg->rel)
			cg->rel = xstrdup(*rel ? rel + 1 : "");
	}
	if (!cg->rel)
		cg->rel = xstrdup("");
	hk_proc_cgroup_free(&pc);
	return cg;
}

struct hk_cgroup *hk_cgroup_open_proc(const struct hk_cgroup_info *info, pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	hk_autofree char *text = NULL;
	if (pid <= 0 || hk_read_file(path, &text, NULL, NULL) < 0)
		return NULL;
	return hk_cgroup_open_proc_text(info, text);
}

bool hk_cgroup_has_hier(const struct hk_cgroup *cg, const struct hk_cgroup_hier *h)
{
	for (size_t i = 0; cg && i < cg->n; i++)
		if (cg->hs[i].h == h)
			return true;
	return false;
}

void hk_cgroup_free(struct hk_cgroup *cg)
{
	if (!cg)
		return;
	for (size_t i = 0; i < cg->n; i++) {
		free(cg->hs[i].base);
		free(cg->hs[i].dir);
	}
	free(cg->hs);
	free(cg->rel);
	hk_kvlist_clear(&cg->dev_v1);
	hk_kvlist_clear(&cg->dev_v2);
	free(cg);
}

void hk_cgroup_freep(struct hk_cgroup **cg)
{
	hk_cgroup_free(*cg);
	*cg = NULL;
}

const char *hk_cgroup_main_dir(const struct hk_cgroup *cg)
{
	return cg->n ? cg->hs[0].dir : "";
}

size_t hk_cgroup_count(const struct hk_cgroup *cg)
{
	return cg ? cg->n : 0;
}

const char *hk_cgroup_dir_at(const struct hk_cgroup *cg, size_t i, const struct hk_cgroup_hier **h)
{
	*h = cg->hs[i].h;
	return cg->hs[i].dir;
}

bool hk_cgroup_exists(const struct hk_cgroup *cg)
{
	for (size_t i = 0; i < cg->n; i++)
		if (access(cg->hs[i].dir, F_OK) == 0)
			return true;
	return false;
}

/* Appends the PIDs of dir and every cgroup below it. */
static void collect_pids(int dir_fd, pid_t **pids, size_t *n)
{
	hk_autofree char *procs = hk_cgroup_read_at(dir_fd, "cgroup.procs");
	for (char *save, *l = procs ? strtok_r(procs, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save)) {
		long v;
		if (hk_parse_long(l, &v) && v > 0) {
			*pids = xrealloc(*pids, (*n + 1) * sizeof(pid_t));
			(*pids)[(*n)++] = (pid_t)v;
		}
	}
	int dup_fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		hk_autoclose int sub =
			openat(dir_fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			collect_pids(sub, pids, n);
	}
	closedir(d);
}

int hk_cgroup_pids(const struct hk_cgroup *cg, pid_t **pids, size_t *n)
{
	*pids = NULL;
	*n = 0;
	for (size_t i = 0; i < cg->n; i++) {
		hk_autoclose int fd = open_cgroup_dir(cg->hs[i].dir, NULL);
		if (fd < 0)
			continue;
		collect_pids(fd, pids, n);
		return 0;
	}
	return 0;
}

static char *pid_list(const pid_t *pids, size_t n)
{
	struct hk_buf b = { 0 };
	for (size_t i = 0; i < n && i < 10; i++)
		hk_buf_printf(&b, "%s%d", i ? " " : "", (int)pids[i]);
	if (n > 10)
		hk_buf_printf(&b, " and %zu more", n - 10);
	return hk_buf_steal(&b);
}

/* mkdir of one level; returns an fd of the (new or existing) directory. */
static int make_level(int parent_fd, const char *name, const struct ct_hier *c, bool *created,
		      struct hk_error **err)
{
	*created = false;
	if (mkdirat(parent_fd, name, 0755) == 0)
		*created = true;
	else if (errno != EEXIST)
		return hk_error_errno(err, "cannot create cgroup \"%s\" in \"%s\"", name, c->base);
	int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return hk_error_errno(err, "cannot open cgroup \"%s\" in \"%s\"", name, c->base);
	if (c->ops->init_dir(parent_fd, fd, c->h, err) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Moves every process listed in dir_fd's cgroup.procs into to_fd; a few
 * rounds, since a process may fork meanwhile.  0 once dir_fd is empty,
 * 1 when what is left is outside our pid namespace (listed as pid 0, so
 * not ours to move: a process attached from the host), -1 otherwise. */
static int move_all(int dir_fd, int to_fd)
{
	for (int round = 0; round < 10; round++) {
		hk_autofree char *procs = hk_cgroup_read_at(dir_fd, "cgroup.procs");
		size_t ours = 0, foreign = 0;
		for (char *save, *l = procs ? strtok_r(procs, "\n", &save) : NULL; l;
		     l = strtok_r(NULL, "\n", &save)) {
			if (strcmp(l, "0") == 0) {
				foreign++;
				continue;
			}
			ours++;
			hk_cgroup_write_at(to_fd, "cgroup.procs", l, NULL); /* a pid may be gone */
		}
		if (!ours)
			return foreign ? 1 : 0;
	}
	return -1;
}

int hk_cgroup_v2_make_room(const char *dir, struct hk_error **err)
{
	hk_autoclose int fd = open_cgroup_dir(dir, err);
	if (fd < 0)
		return -1;
	/* The true root has no cgroup.freeze and may hold processes anyway. */
	hk_autofree char *procs = hk_cgroup_read_at(fd, "cgroup.procs");
	if (faccessat(fd, "cgroup.freeze", F_OK, 0) < 0 || !procs || !*procs)
		return 0;
	if (mkdirat(fd, HK_CGROUP_INIT_LEAF, 0755) < 0 && errno != EEXIST)
		return hk_error_errno(err, "cannot create cgroup \"%s/%s\"", dir,
				      HK_CGROUP_INIT_LEAF);
	hk_autoclose int leaf =
		openat(fd, HK_CGROUP_INIT_LEAF, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int rc = leaf < 0 ? -1 : move_all(fd, leaf);
	if (rc != 0)
		return hk_error_set(
			err, EBUSY,
			"cannot move the processes of cgroup \"%s\" into its leaf \"%s\"%s, "
			"so it cannot give controllers to containers (cgroup v2 lets a "
			"cgroup hold processes or delegate controllers, not both)",
			dir, HK_CGROUP_INIT_LEAF,
			rc > 0 ? " (some were put there from outside this container: "
				 "attach with a hako that knows nesting on v2)"
			       : "");
	hk_log(HK_LOG_INFO,
	       "moved the processes of \"%s\" into \"%s\" to give controllers below it", dir,
	       HK_CGROUP_INIT_LEAF);
	return 0;
}

static int create_one(struct ct_hier *c, const char *root, const char *name, struct hk_error **err)
{
	/* At the top of a nested hako's cgroup2 mount: its container's own
	 * processes leave the namespace root first. */
	if (c->h->version == 2 && strcmp(c->base + strlen(root), c->h->mountpoint) == 0 &&
	    hk_cgroup_v2_make_room(c->base, err) < 0)
		return -1;
	hk_autoclose int base = open_cgroup_dir(c->base, err);
	if (base < 0)
		return -1;
	bool created;
	hk_autoclose int mid = make_level(base, "hako", c, &created, err);
	if (mid < 0)
		return -1;
	hk_autoclose int outer = make_level(mid, name, c, &created, err);
	if (outer < 0)
		return -1;
	return 0;
}

/* The leaf is made on the first attach, after the limits: v1 devices
 * refuses a new default ("devices.deny = a") on a cgroup with children,
 * and a new v1 devices child copies its parent's rules. */
static int open_leaf(struct ct_hier *c, struct hk_error **err)
{
	hk_autoclose int outer = open_cgroup_dir(c->dir, err);
	if (outer < 0)
		return -1;
	bool created;
	return make_level(outer, HK_CGROUP_LEAF, c, &created, err);
}

int hk_cgroup_create(struct hk_cgroup *cg, struct hk_error **err)
{
	if (cg->n == 0)
		return hk_error_set(err, ENOENT, "no cgroup hierarchy is usable for \"%s\"",
				    cg->rel);
	pid_t *pids;
	size_t n;
	hk_cgroup_pids(cg, &pids, &n);
	if (n > 0) {
		hk_autofree char *list = pid_list(pids, n);
		free(pids);
		return hk_error_set(err, EBUSY,
				    "cgroup \"%s\" still holds processes (%s) from an earlier run; "
				    "clear it with \"hako stop -k\"",
				    hk_cgroup_main_dir(cg), list);
	}
	free(pids);
	/* An empty leftover (a crash before cleanup) is removed and reused. */
	if (hk_cgroup_exists(cg) && hk_cgroup_remove(cg, err) < 0)
		return -1;
	const char *name = strrchr(cg->rel, '/') + 1;
	for (size_t i = 0; i < cg->n; i++) {
		if (create_one(&cg->hs[i], cg->info->root, name, err) < 0) {
			hk_cgroup_remove(cg, NULL);
			return -1;
		}
	}
	return 0;
}

/* The files that make a cgroup usable by whoever owns them: creating
 * children (the directory), moving processes (cgroup.procs, tasks) and
 * enabling controllers below (cgroup.subtree_control). */
static const char *const delegation_files[] = {
	"cgroup.procs",		  "tasks",	    "cgroup.clone_children",
	"cgroup.subtree_control", "cgroup.threads",
};

/* chown, then g+w when asked, of one file (NULL: the directory itself). */
static int give_one(int dir_fd, const char *file, uid_t uid, gid_t gid, bool group_write)
{
	hk_autoclose int fd = file ? openat(dir_fd, file, O_PATH | O_NOFOLLOW | O_CLOEXEC)
				   : fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return file && errno == ENOENT ? 0 : -1;
	struct stat st;
	hk_autofree char *proc = xasprintf("/proc/self/fd/%d", fd);
	if (fstat(fd, &st) < 0 || fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0)
		return -1;
	/* chmod through the O_PATH descriptor's magic link, never by name. */
	return group_write ? chmod(proc, (st.st_mode & 07777) | S_IWGRP) : 0;
}

int hk_cgroup_chown(struct hk_cgroup *cg, uid_t uid, gid_t gid, bool group_write,
		    struct hk_error **err)
{
	for (size_t i = 0; i < cg->n; i++) {
		hk_autoclose int fd = open_leaf(&cg->hs[i], err);
		if (fd < 0)
			return -1;
		if (give_one(fd, NULL, uid, gid, group_write) < 0)
			return hk_error_errno(err, "cannot give cgroup \"%s\" to uid %u",
					      cg->hs[i].dir, (unsigned)uid);
		for (size_t f = 0; f < HK_ARRAY_SIZE(delegation_files); f++)
			if (give_one(fd, delegation_files[f], uid, gid, group_write) < 0)
				return hk_error_errno(err, "cannot give \"%s/%s\" to uid %u",
						      cg->hs[i].dir, delegation_files[f],
						      (unsigned)uid);
	}
	return 0;
}

/* Whether pid's cgroup in the v2 hierarchy is leaf (a path without the
 * detection root). */
static bool v2_member(const struct hk_cgroup_info *info, pid_t pid, const char *leaf)
{
	const struct hk_cgroup_hier *u = hk_cgroup_unified(info);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	hk_autofree char *text = NULL;
	struct hk_proc_cgroup pc;
	if (!u || hk_read_file(path, &text, NULL, NULL) < 0 ||
	    hk_cgroup_parse_proc(text, &pc, NULL) < 0)
		return false;
	bool in = false;
	size_t mlen = strlen(u->mountpoint);
	for (size_t i = 0; i < pc.n; i++) {
		if (pc.e[i].id != 0)
			continue;
		const char *cgp = pc.e[i].path, *rel = leaf + mlen;
		if (strcmp(u->mount_root, "/") != 0 && hk_str_has_prefix(cgp, u->mount_root))
			cgp += strlen(u->mount_root);
		in = strcmp(cgp, rel) == 0;
	}
	hk_proc_cgroup_free(&pc);
	return in;
}

/* systemd moves pid into dir (a path below the detection root). */
static int systemd_move(const struct hk_cgroup *cg, const char *dir, pid_t pid,
			struct hk_error **err)
{
	if (hk_cgroup_systemd_attach(cg->info, dir, pid, err) < 0)
		return -1;
	if (!v2_member(cg->info, pid, dir))
		return hk_error_set(err, 0,
				    "systemd said it moved process %d, but it is not in \"%s\"",
				    (int)pid, dir);
	return 0;
}

/* A process in a login session's scope may not leave it for a cgroup its
 * user owns elsewhere (v2 checks the common ancestor, root's): systemd,
 * which delegated that cgroup, moves it for the user: into the leaf, or
 * its HK_CGROUP_ATTACH_LEAF when attaches go aside or the leaf gives
 * controllers to children (systemd inside the container). */
static int enter_via_systemd(const struct hk_cgroup *cg, const struct ct_hier *c, int leaf_fd,
			     pid_t pid, struct hk_error **err)
{
	size_t rlen = strlen(cg->info->root);
	hk_autofree char *leaf = xasprintf("%s/%s", c->dir + rlen, HK_CGROUP_LEAF);
	hk_autofree char *aside = xasprintf("%s/%s", leaf, HK_CGROUP_ATTACH_LEAF);
	hk_autoerr struct hk_error *serr = NULL;
	int rc = cg->attach_aside ? -1 : systemd_move(cg, leaf, pid, &serr);
	if (rc < 0) {
		hk_error_freep(&serr);
		if (mkdirat(leaf_fd, HK_CGROUP_ATTACH_LEAF, 0755) < 0 && errno != EEXIST)
			hk_error_errno(&serr, "cannot make \"%s\"", aside);
		else
			rc = systemd_move(cg, aside, pid, &serr);
	}
	if (rc < 0) {
		char *msg = xasprintf("%s (the caller's cgroup is not its user's to leave), and %s",
				      (*err)->msg, serr->msg);
		free((*err)->msg);
		(*err)->msg = msg;
		return -1;
	}
	hk_error_free(*err);
	*err = NULL;
	return 0;
}

void hk_cgroup_attach_aside(struct hk_cgroup *cg)
{
	cg->attach_aside = true;
}

/* The leaf's HK_CGROUP_ATTACH_LEAF, made on first use. */
static int open_attach_leaf(int leaf_fd)
{
	if (mkdirat(leaf_fd, HK_CGROUP_ATTACH_LEAF, 0755) < 0 && errno != EEXIST)
		return -1;
	return openat(leaf_fd, HK_CGROUP_ATTACH_LEAF,
		      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* The container's root gives controllers to children (a nested hako
 * made room): join its leaf HK_CGROUP_ATTACH_LEAF instead. */
static int join_attach_leaf(int leaf_fd, const char *pid, struct hk_error **err)
{
	hk_autoclose int fd = open_attach_leaf(leaf_fd);
	if (fd < 0 || hk_cgroup_write_at(fd, "cgroup.procs", pid, NULL) < 0)
		return -1;
	hk_error_free(*err);
	*err = NULL;
	return 0;
}

/* Joins the leaf (made on first use), never NAME itself: NAME holds the
 * limits and stays out of the container's cgroup namespace.  skip_v2:
 * pid was born there (hk_cgroup_clone_target). */
static int attach_pid(struct hk_cgroup *cg, pid_t pid, bool skip_v2, struct hk_error **err)
{
	hk_autoerr struct hk_error *ignored = NULL;
	if (!err)
		err = &ignored;
	char buf[32];
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < cg->n; i++) {
		struct ct_hier *c = &cg->hs[i];
		if (skip_v2 && c->h->version == 2)
			continue;
		hk_autoclose int fd = open_leaf(c, err);
		if (fd >= 0 && c->h->version == 2 && cg->attach_aside &&
		    join_attach_leaf(fd, buf, err) == 0)
			continue;
		if (fd >= 0 && hk_cgroup_write_at(fd, "cgroup.procs", buf, err) == 0)
			continue;
		int code = *err ? (*err)->code : 0;
		if (fd >= 0 && c->h->version == 2 && code == EBUSY &&
		    join_attach_leaf(fd, buf, err) == 0)
			continue;
		if (fd >= 0 && c->h->version == 2 && (code == EACCES || code == EPERM) &&
		    hk_cgroup_systemd_mode(cg->info, geteuid()) != HK_SD_NONE &&
		    enter_via_systemd(cg, c, fd, pid, err) == 0)
			continue;
		hk_autofree char *label = hk_cgroup_hier_label(c->h);
		return hk_error_prefix(err, "enter cgroup \"%s/%s\" (%s)", c->dir, HK_CGROUP_LEAF,
				       label);
	}
	return 0;
}

int hk_cgroup_attach(struct hk_cgroup *cg, pid_t pid, struct hk_error **err)
{
	return attach_pid(cg, pid, false, err);
}

int hk_cgroup_attach_born(struct hk_cgroup *cg, pid_t pid, struct hk_error **err)
{
	return attach_pid(cg, pid, true, err);
}

int hk_cgroup_clone_target(struct hk_cgroup *cg)
{
	for (size_t i = 0; i < cg->n; i++)
		if (cg->hs[i].h->version == 2 && !cg->attach_aside)
			return open_leaf(&cg->hs[i], NULL);
	return -1;
}

/* The leaf holds no process of its own once it gives controllers to
 * children (systemd inside enabled them): a process born or moved there
 * is refused (EBUSY). */
static bool gives_controllers(int leaf_fd)
{
	hk_autofree char *text = hk_cgroup_read_at(leaf_fd, "cgroup.subtree_control");
	return text && *hk_str_trim(text);
}

int hk_cgroup_attach_target(struct hk_cgroup *cg)
{
	for (size_t i = 0; i < cg->n; i++) {
		if (cg->hs[i].h->version != 2)
			continue;
		int leaf = open_leaf(&cg->hs[i], NULL);
		if (leaf < 0 || (!cg->attach_aside && !gives_controllers(leaf)))
			return leaf;
		int aside = open_attach_leaf(leaf);
		close(leaf);
		return aside;
	}
	return -1;
}

static struct ct_hier *find_v1(struct hk_cgroup *cg, const char *controller)
{
	for (size_t i = 0; i < cg->n; i++)
		if (cg->hs[i].h->version == 1 &&
		    hk_strv_contains(&cg->hs[i].h->controllers, controller))
			return &cg->hs[i];
	return NULL;
}

static struct ct_hier *find_v2(struct hk_cgroup *cg)
{
	for (size_t i = 0; i < cg->n; i++)
		if (cg->hs[i].h->version == 2)
			return &cg->hs[i];
	return NULL;
}

/* A v2 limit file that is missing: its controller was not given to the
 * container's cgroup.  Says which and why, or nothing (-1 kept). */
static int explain_missing_v2(struct ct_hier *c, int fd, const char *key, const char *cfgkey,
			      struct hk_error **err)
{
	hk_autofree char *controller = xstrndup(key, strcspn(key, "."));
	hk_autofree char *have = hk_cgroup_read_at(fd, "cgroup.controllers");
	char *save = NULL;
	for (char *w = have ? strtok_r(have, " \n", &save) : NULL; w;
	     w = strtok_r(NULL, " \n", &save))
		if (!strcmp(w, controller))
			return -1; /* there: the file itself is unknown */
	hk_error_free(*err);
	*err = NULL;
	return hk_error_set(
		err, ENOENT,
		"%s: the \"%s\" controller is not available to the container's cgroup \"%s\": "
		"its base \"%s\" does not have it, or holds processes (cgroup v2 gives "
		"controllers only to children of a cgroup without processes); start the "
		"container from a cgroup delegated to you that holds no other processes, "
		"or drop the limit",
		cfgkey, controller, c->dir, c->base);
}

/* The hierarchy's directory for hk_cgroup_apply: opened (and checked to
 * be a cgroup filesystem) at its first file, kept until the end of the
 * apply (close_apply_dirs), instead of once per file: LXC's default
 * device rules alone are 14 files. */
static int apply_dir(struct ct_hier *c, struct hk_error **err)
{
	if (!c->apply_open) {
		c->apply_fd = open_cgroup_dir(c->dir, err);
		if (c->apply_fd < 0)
			return -1;
		c->apply_open = true;
	}
	return c->apply_fd;
}

static void close_apply_dirs(struct hk_cgroup *cg)
{
	for (size_t i = 0; i < cg->n; i++) {
		if (cg->hs[i].apply_open)
			close(cg->hs[i].apply_fd);
		cg->hs[i].apply_open = false;
	}
}

static int apply_one(struct ct_hier *c, const char *key, const char *value, const char *cfgkey,
		     struct hk_error **err)
{
	if (strchr(key, '/') || key[0] == '.')
		return hk_error_set(err, EINVAL, "%s: \"%s\" is not a cgroup file name", cfgkey,
				    key);
	int fd = apply_dir(c, err);
	if (fd < 0)
		return hk_error_prefix(err, "%s = %s", cfgkey, value);
	if (hk_cgroup_write_at(fd, key, value, err) == 0)
		return 0;
	if (err && *err && (*err)->code == ENOENT && c->h->version == 2 &&
	    explain_missing_v2(c, fd, key, cfgkey, err) < 0 &&
	    hk_str_has_prefix((*err)->msg, cfgkey))
		return -1;
	return hk_error_prefix(err, "%s = %s", cfgkey, value);
}

/* lxc.cgroup2.devices.*: one eBPF program on NAME for all of them.  Only
 * the host's root may attach one; a user namespace reaches no device
 * anyway, so elsewhere the rules are skipped (said in the debug log). */
static int apply_v2_devices(struct hk_cgroup *cg, struct ct_hier *c, const struct hk_kvlist *v2,
			    struct hk_error **err)
{
	struct hk_dev_policy pol;
	hk_dev_policy_init(&pol);
	size_t rules = 0;
	int rc = 0;
	for (size_t i = 0; rc == 0 && v2 && i < v2->n; i++) {
		if (!hk_str_has_prefix(v2->v[i].key, "devices."))
			continue;
		hk_autofree char *cfgkey = xasprintf("lxc.cgroup2.%s", v2->v[i].key);
		rules++;
		rc = hk_dev_policy_add(&pol, v2->v[i].key, v2->v[i].value, cfgkey, err);
	}
	if (rc == 0 && rules && (geteuid() != 0 || !hk_storage_in_init_userns()))
		hk_log(HK_LOG_DEBUG, "%s: device rules skipped: not the host's root", c->dir);
	else if (rc == 0 && rules) {
		hk_autoclose int fd = open_cgroup_dir(c->dir, err);
		rc = fd < 0 ? -1 : hk_dev_policy_attach(&pol, fd, c->dir, err);
		for (size_t i = 0; rc == 0 && i < v2->n; i++)
			if (hk_str_has_prefix(v2->v[i].key, "devices."))
				hk_kvlist_add(&cg->dev_v2, v2->v[i].key, v2->v[i].value);
	}
	hk_dev_policy_free(&pol);
	return rc;
}

/* A v2 limit whose controller is on v1 here: written in the v1 files
 * that mean the same, or skipped (start said so: hk_cgroup_v2_on_v1_notes). */
static int apply_v2_on_v1(struct ct_hier *c, const char *key, const char *value, const char *cfgkey,
			  struct hk_error **err)
{
	struct hk_kvlist files = { 0 };
	const char *why;
	int rc = hk_cgroup_v2_to_v1(key, value, &files, &why, err);
	for (size_t i = 0; rc == 1 && i < files.n; i++)
		if (apply_one(c, files.v[i].key, files.v[i].value, cfgkey, err) < 0)
			rc = -1;
	if (rc == 0)
		hk_log(HK_LOG_DEBUG, "%s = %s: skipped on cgroup v1: %s", cfgkey, value, why);
	hk_kvlist_clear(&files);
	return rc < 0 ? -1 : 0;
}

static int apply_all(struct hk_cgroup *cg, const struct hk_kvlist *v1, const struct hk_kvlist *v2,
		     struct hk_error **err)
{
	for (size_t i = 0; v1 && i < v1->n; i++) {
		const char *key = v1->v[i].key;
		hk_autofree char *controller = xstrndup(key, strcspn(key, "."));
		hk_autofree char *cfgkey = xasprintf("lxc.cgroup.%s", key);
		struct ct_hier *c = find_v1(cg, controller);
		if (!c)
			return hk_error_set(
				err, ENOENT,
				"%s: this host has no cgroup v1 \"%s\" hierarchy (layout without it); "
				"use the lxc.cgroup2.* spelling of the limit",
				cfgkey, controller);
		if (apply_one(c, key, v1->v[i].value, cfgkey, err) < 0)
			return -1;
		if (strcmp(controller, "devices") == 0)
			hk_kvlist_add(&cg->dev_v1, key, v1->v[i].value);
	}
	for (size_t i = 0; v2 && i < v2->n; i++) {
		hk_autofree char *cfgkey = xasprintf("lxc.cgroup2.%s", v2->v[i].key);
		struct ct_hier *c = find_v2(cg);
		if (hk_str_has_prefix(v2->v[i].key, "devices."))
			continue; /* no such files: below */
		const char *v1c = hk_cgroup_v1_controller_of(v2->v[i].key);
		struct ct_hier *h1 = v1c ? find_v1(cg, v1c) : NULL;
		if (h1) {
			if (apply_v2_on_v1(h1, v2->v[i].key, v2->v[i].value, cfgkey, err) < 0)
				return -1;
			continue;
		}
		if (!c)
			return hk_error_set(
				err, ENOENT,
				"%s: this host has no cgroup v2 hierarchy; use the lxc.cgroup.* spelling",
				cfgkey);
		if (apply_one(c, v2->v[i].key, v2->v[i].value, cfgkey, err) < 0)
			return -1;
	}
	struct ct_hier *c2 = find_v2(cg), *dev1 = find_v1(cg, "devices");
	if (c2)
		return apply_v2_devices(cg, c2, v2, err);
	/* A v1 host: the same rules, in the v1 controller's own files. */
	for (size_t i = 0; v2 && dev1 && i < v2->n; i++) {
		hk_autofree char *cfgkey = xasprintf("lxc.cgroup2.%s", v2->v[i].key);
		if (!hk_str_has_prefix(v2->v[i].key, "devices."))
			continue;
		if (apply_one(dev1, v2->v[i].key, v2->v[i].value, cfgkey, err) < 0)
			return -1;
		hk_kvlist_add(&cg->dev_v1, v2->v[i].key, v2->v[i].value);
	}
	return 0;
}

int hk_cgroup_apply(struct hk_cgroup *cg, const struct hk_kvlist *v1, const struct hk_kvlist *v2,
		    struct hk_error **err)
{
	int rc = apply_all(cg, v1, v2, err);
	close_apply_dirs(cg);
	return rc;
}

/* Freezing and killing prefer v2 (cgroup.freeze and cgroup.kill are core
 * files, present even on a hybrid host's controller-less hierarchy), then
 * the v1 freezer. */
static struct ct_hier *freezer(struct hk_cgroup *cg)
{
	struct ct_hier *c = find_v2(cg);
	if (c && access(c->dir, F_OK) == 0) {
		hk_autofree char *f = xasprintf("%s/cgroup.freeze", c->dir);
		if (access(f, F_OK) == 0)
			return c;
	}
	return find_v1(cg, "freezer");
}

int hk_cgroup_freeze(struct hk_cgroup *cg, bool freeze, struct hk_error **err)
{
	struct ct_hier *c = freezer(cg);
	if (!c)
		return hk_error_set(err, ENOTSUP,
				    "no freezer for \"%s\": the host has neither cgroup v2 "
				    "nor the v1 freezer controller",
				    cg->rel);
	hk_autoclose int fd = open_cgroup_dir(c->dir, err);
	if (fd < 0)
		return -1;
	return c->ops->freeze(fd, freeze, err);
}

bool hk_cgroup_is_frozen(struct hk_cgroup *cg)
{
	struct ct_hier *c = freezer(cg);
	if (!c)
		return false;
	hk_autoclose int fd = open_cgroup_dir(c->dir, NULL);
	return fd >= 0 && c->ops->frozen(fd) == 1;
}

static bool wait_empty(struct hk_cgroup *cg, unsigned timeout_ms)
{
	long long end = hk_now_ms() + timeout_ms;
	for (struct hk_backoff b = HK_BACKOFF_INIT;; hk_backoff_sleep(&b)) {
		pid_t *pids;
		size_t n;
		hk_cgroup_pids(cg, &pids, &n);
		free(pids);
		if (n == 0)
			return true;
		if (hk_now_ms() >= end)
			return false;
	}
}

/* Thaws every v1 freezer cgroup at or below dir_fd (depth-bounded): a
 * child the container froze itself stays FROZEN when its parent thaws,
 * and a frozen task never takes its SIGKILL. */
static void thaw_v1_tree(int dir_fd, int depth)
{
	hk_autofree char *state = hk_cgroup_read_at(dir_fd, "freezer.state");
	if (state && strncmp(state, "THAWED", 6) != 0)
		hk_cgroup_write_at(dir_fd, "freezer.state", "THAWED", NULL);
	int dup_fd = depth < 32 ? dup(dir_fd) : -1;
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		return;
	}
	for (struct dirent *de; (de = readdir(d));) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		hk_autoclose int sub = openat(dirfd(d), de->d_name,
					      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			thaw_v1_tree(sub, depth + 1);
	}
	closedir(d);
}

static void thaw_v1(struct hk_cgroup *cg)
{
	struct ct_hier *f = find_v1(cg, "freezer");
	hk_autoclose int fd = f ? open_cgroup_dir(f->dir, NULL) : -1;
	if (fd >= 0)
		thaw_v1_tree(fd, 0);
}

void hk_cgroup_thaw_all(struct hk_cgroup *cg)
{
	hk_cgroup_freeze(cg, false, NULL);
	thaw_v1(cg);
}

int hk_cgroup_kill(struct hk_cgroup *cg, unsigned timeout_ms, struct hk_error **err)
{
	struct ct_hier *v2 = find_v2(cg);
	if (v2) {
		hk_autoclose int fd = open_cgroup_dir(v2->dir, NULL);
		bool killed = fd >= 0 && v2->ops->kill(fd) == 1;
		if (killed)
			thaw_v1(cg); /* the SIGKILLs are pending: let them land */
		if (killed && wait_empty(cg, timeout_ms))
			return 0;
	}
	/* Nothing left (init's end took its pid namespace with it, as after
	 * every stop): nothing can fork or need a kill.  Anything that came
	 * in later keeps the removal from succeeding, as before. */
	if (wait_empty(cg, 0))
		return 0;
	/* No cgroup.kill: freeze so nothing forks, kill every pid, thaw so
	 * the signals are delivered.  Frozen pids cannot be reused.  The thaw
	 * comes even when the freeze timed out: the request stays written,
	 * the tasks freeze later, and a frozen task never takes its SIGKILL. */
	hk_cgroup_freeze(cg, true, NULL);
	pid_t *pids;
	size_t n;
	hk_cgroup_pids(cg, &pids, &n);
	for (size_t i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	free(pids);
	hk_cgroup_freeze(cg, false, NULL);
	thaw_v1(cg);
	if (!wait_empty(cg, timeout_ms))
		return hk_error_set(err, EBUSY, "processes of \"%s\" survived SIGKILL for %u ms",
				    cg->rel, timeout_ms);
	return 0;
}

/* rmdir of a cgroup and everything below it, deepest first. */
static int remove_tree_at(int parent_fd, const char *name, const char *shown, struct hk_error **err)
{
	int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0
				       : hk_error_errno(err, "cannot open cgroup \"%s\"", shown);
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return hk_error_errno(err, "cannot read cgroup \"%s\"", shown);
	}
	int rc = 0;
	struct dirent *de;
	while (rc == 0 && (de = readdir(d))) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue; /* ".hako" (HK_CGROUP_ATTACH_LEAF) is a cgroup too */
		hk_autofree char *sub = xasprintf("%s/%s", shown, de->d_name);
		rc = remove_tree_at(dirfd(d), de->d_name, sub, err);
	}
	closedir(d);
	if (rc == 0 && unlinkat(parent_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		rc = hk_error_errno(err, "cannot remove cgroup \"%s\"", shown);
	return rc;
}

/* NAME as hako made it: its leaf, with the attach leaf when attaches went
 * aside, removed by name.  True when NAME is gone; false when anything
 * else is there (a nested hako's cgroups), for remove_tree_at's walk,
 * which reads every directory of the tree (each a kernfs listing of all
 * its control files: most of a stop's cgroup removal). */
static bool remove_as_made(int mid, const char *name)
{
	hk_autoclose int fd = openat(mid, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT;
	if (unlinkat(fd, HK_CGROUP_LEAF "/" HK_CGROUP_ATTACH_LEAF, AT_REMOVEDIR) < 0 &&
	    errno != ENOENT)
		return false;
	if (unlinkat(fd, HK_CGROUP_LEAF, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return false;
	return unlinkat(mid, name, AT_REMOVEDIR) == 0 || errno == ENOENT;
}

int hk_cgroup_remove(struct hk_cgroup *cg, struct hk_error **err)
{
	const char *name = strrchr(cg->rel, '/') + 1;
	int rc = 0;
	for (size_t i = 0; i < cg->n; i++) {
		hk_autofree char *mid_path = xasprintf("%s/hako", cg->hs[i].base);
		int mid = open(mid_path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (mid < 0)
			continue;
		if (!remove_as_made(mid, name) &&
		    remove_tree_at(mid, name, cg->hs[i].dir, rc ? NULL : err) < 0)
			rc = -1;
		/* The shared "hako" level goes when its last container does. */
		close(mid);
		if (rmdir(mid_path) < 0 && errno != ENOTEMPTY && errno != EBUSY && errno != ENOENT)
			hk_log(HK_LOG_DEBUG, "cannot remove \"%s\": %m", mid_path);
	}
	return rc;
}

/* The first of "A|B" that dir_fd holds, opened; -1 when none. */
static int open_stat_file(int dir_fd, const char *spec)
{
	for (const char *p = spec; *p;) {
		size_t len = strcspn(p, "|");
		hk_autofree char *name = xstrndup(p, len);
		int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			return fd;
		p += len + (p[len] == '|');
	}
	return -1;
}

/* A stat file's whole text, read from its start: kernfs makes it afresh
 * at offset 0, so a kept descriptor serves again and again.  A read that
 * leaves room in the buffer had all there was (kernfs fills it as far as
 * the text goes), which spares the read that would return 0.  NULL when
 * it cannot be read (its cgroup removed). */
static char *read_stat_file(int fd)
{
	size_t cap = 4096, len = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		ssize_t n = pread(fd, buf + len, cap - len - 1, (off_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return NULL;
		}
		len += (size_t)n;
		if (n == 0 || len < cap - 1)
			break;
		cap *= 2;
		buf = xrealloc(buf, cap);
	}
	buf[len] = '\0';
	return buf;
}

static void parse_stat_file(int fd, const struct hk_cgroup_ops *ops, const char *name,
			    struct hk_cgroup_stats *out)
{
	hk_autofree char *text = read_stat_file(fd);
	if (text)
		ops->stat_parse(name, text, out);
}

/* The stat files of cg's hierarchy i.  On a hybrid host v1's cpuacct
 * counts the CPU time: the unified hierarchy's cpu.stat, which it would
 * override, is not read. */
static size_t stat_files_of(const struct hk_cgroup *cg, size_t i, const char **names)
{
	size_t n = cg->hs[i].ops->stat_files(cg->hs[i].h, names), kept = 0;
	bool cpuacct = false;
	for (size_t k = 0; cg->hs[i].h->version == 2 && k < cg->n; k++)
		cpuacct |= cg->hs[k].h->version == 1 &&
			   hk_strv_contains(&cg->hs[k].h->controllers, "cpuacct");
	for (size_t k = 0; k < n; k++)
		if (!cpuacct || strcmp(names[k], "cpu.stat") != 0)
			names[kept++] = names[k];
	return kept;
}

struct hk_cgroup_stats_files {
	size_t n;
	struct {
		int fd;
		const char *name; /* as stat_files gave it: static */
		const struct hk_cgroup_ops *ops;
	} f[];
};

struct hk_cgroup_stats_files *hk_cgroup_stats_files_open(const struct hk_cgroup *cg)
{
	struct hk_cgroup_stats_files *sf =
		xcalloc(1, sizeof(*sf) + (cg->n * HK_CGROUP_STAT_FILES + 1) * sizeof(sf->f[0]));
	for (size_t i = 0; i < cg->n; i++) {
		const char *names[HK_CGROUP_STAT_FILES];
		size_t n = stat_files_of(cg, i, names);
		hk_autoclose int dir = n ? open_cgroup_dir(cg->hs[i].dir, NULL) : -1;
		for (size_t k = 0; dir >= 0 && k < n; k++) {
			int fd = open_stat_file(dir, names[k]);
			if (fd < 0)
				continue;
			sf->f[sf->n].fd = fd;
			sf->f[sf->n].name = names[k];
			sf->f[sf->n++].ops = cg->hs[i].ops;
		}
	}
	if (sf->n == 0) {
		free(sf);
		return NULL;
	}
	return sf;
}

void hk_cgroup_stats_files_read(const struct hk_cgroup_stats_files *sf, struct hk_cgroup_stats *out)
{
	*out = (struct hk_cgroup_stats){ -1, -1, -1, -1 };
	for (size_t i = 0; sf && i < sf->n; i++)
		parse_stat_file(sf->f[i].fd, sf->f[i].ops, sf->f[i].name, out);
}

void hk_cgroup_stats_files_free(struct hk_cgroup_stats_files *sf)
{
	for (size_t i = 0; sf && i < sf->n; i++)
		close(sf->f[i].fd);
	free(sf);
}

/* A single read is the kept files' open, read and close: one way to the
 * figures. */
void hk_cgroup_stats_read(const struct hk_cgroup *cg, struct hk_cgroup_stats *out)
{
	struct hk_cgroup_stats_files *sf = hk_cgroup_stats_files_open(cg);
	hk_cgroup_stats_files_read(sf, out);
	hk_cgroup_stats_files_free(sf);
}

/* The directory holding KEY: the v1 hierarchy of its controller, else v2. */
static struct ct_hier *hier_for_key(struct hk_cgroup *cg, const char *key)
{
	hk_autofree char *controller = xstrndup(key, strcspn(key, "."));
	struct ct_hier *c = find_v1(cg, controller);
	for (size_t i = 0; !c && i < cg->n; i++) {
		if (cg->hs[i].h->version != 2)
			continue;
		hk_autofree char *f = xasprintf("%s/%s", cg->hs[i].dir, key);
		if (access(f, F_OK) == 0)
			c = &cg->hs[i];
	}
	return c;
}

int hk_cgroup_file_access(struct hk_cgroup *cg, const char *key, const char *value, char **out,
			  struct hk_error **err)
{
	if (!*key || strchr(key, '/') || key[0] == '.' || !strchr(key, '.'))
		return hk_error_set(err, EINVAL,
				    "\"%s\" is not a cgroup file name (like memory.max or "
				    "pids.max)",
				    key);
	if (!hk_cgroup_exists(cg))
		return hk_error_set(
			err, 0, "cgroup \"%s\" does not exist: is the container running?", cg->rel);
	struct ct_hier *c = hier_for_key(cg, key);
	if (!c)
		return hk_error_set(err, ENOENT, "no cgroup hierarchy of this host has \"%s\"",
				    key);
	hk_autoclose int fd = open_cgroup_dir(c->dir, err);
	if (fd < 0)
		return -1;
	if (value)
		return hk_cgroup_write_at(fd, key, value, err);
	*out = hk_cgroup_read_at(fd, key);
	if (!*out)
		return hk_error_errno(err, "cannot read \"%s\" in \"%s\"", key, c->dir);
	return 0;
}

int hk_ct_cgroup_open(const struct hk_ct *ct, struct hk_ct_cgroup *out, struct hk_error **err)
{
	const struct hk_store *st = ct->st;
	memset(out, 0, sizeof(*out));
	if (hk_cgroup_detect("", &out->info, err) < 0)
		return -1;
	if (hk_store_is_root(st)) {
		out->cg = hk_cgroup_open_container(&out->info, NULL, ct->cgroup_name, ct->run_dir);
		return 0;
	}
	hk_cgroup_check_delegation(&out->info, hk_store_uid(st), hk_store_gid(st), &out->deleg);
	/* With systemd, the monitor gets its delegation from a scope. */
	if (out->deleg.ok || hk_cgroup_systemd_mode(&out->info, hk_store_uid(st)) == HK_SD_SCOPE)
		out->cg = hk_cgroup_open_container(&out->info, &out->deleg, ct->cgroup_name,
						   ct->run_dir);
	return 0;
}

struct hk_cgroup *hk_cgroup_open_container(const struct hk_cgroup_info *info,
					   const struct hk_cgroup_delegation *deleg,
					   const char *cgroup_name, const char *run_dir)
{
	hk_autofree char *scope = hk_cgroup_scope_recorded(info, run_dir);
	return hk_cgroup_open_scoped(info, deleg, cgroup_name, scope);
}

void hk_ct_cgroup_close(struct hk_ct_cgroup *c)
{
	hk_cgroup_free(c->cg);
	c->cg = NULL;
	hk_cgroup_delegation_free(&c->deleg);
	hk_cgroup_info_free(&c->info);
}

const struct hk_kvlist *hk_cgroup_device_rules(const struct hk_cgroup *cg, int version)
{
	return version == 1 ? &cg->dev_v1 : &cg->dev_v2;
}

int hk_cgroup_devices_dir(const struct hk_cgroup *cg, int version, struct hk_error **err)
{
	for (size_t i = 0; i < cg->n; i++) {
		const struct ct_hier *c = &cg->hs[i];
		if (c->h->version != version ||
		    (version == 1 && !hk_strv_contains(&c->h->controllers, "devices")))
			continue;
		return open_cgroup_dir(c->dir, err);
	}
	return hk_error_set(err, ENOENT, "cgroup \"%s\" has no %s", cg->rel,
			    version == 1 ? "v1 devices hierarchy" : "cgroup v2 hierarchy");
}
