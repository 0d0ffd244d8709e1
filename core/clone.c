/* clone.c - `hako clone` (see clone.h).  A clone is a struct job: plan
 * (names, source config, backend: nothing on disk), lock both containers,
 * then the container directory, the rootfs through the backend's copy or
 * snapshot op, and last the config file, each pushing its undo.
 */
#include "clone.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "container.h"
#include <fcntl.h>

#include "safepath.h"
#include "create.h"
#include "log.h"
#include "net-text.h"
#include "runner.h"
#include "state.h"
#include "storage.h"
#include "timing.h"

/* ---- the rootfs ---- */

enum hk_backend hk_clone_pick_backend(const struct hk_rootfs_spec *src, enum hk_clone_mode mode,
				      enum hk_backend requested)
{
	if (requested != HK_BACKEND_UNSET)
		return requested;
	if (mode == HK_CLONE_COPY)
		return HK_BACKEND_DIR;
	switch (src->backend) {
	case HK_BACKEND_BTRFS:
	case HK_BACKEND_ZFS:
	case HK_BACKEND_AUFS:
	case HK_BACKEND_OVERLAY:
		return src->backend;
	default:
		return mode == HK_CLONE_SNAPSHOT ? HK_BACKEND_OVERLAY : HK_BACKEND_DIR;
	}
}

int hk_clone_rootfs(const struct hk_clone_src *src, const char *dst_dir, const char *lxcpath,
		    enum hk_clone_mode mode, enum hk_backend backend, unsigned copy_flags,
		    const struct hk_progress *progress, char **new_spec, struct hk_error **err)
{
	backend = hk_clone_pick_backend(src->spec, mode, backend);
	const struct hk_storage_ops *ops = hk_storage_find(backend, err);
	if (!ops || ops->support(lxcpath, err) < 0)
		return -1;
	struct hk_storage_req req = {
		.src = src->spec,
		.src_dir = src->dir,
		.dst_dir = dst_dir,
		.map = src->map,
		.as_user = geteuid() != 0 && src->map->n > 0,
		.copy_flags = copy_flags,
		.progress = progress,
	};
	int rc;
	if (mode == HK_CLONE_COPY || (mode == HK_CLONE_CHEAPEST && !ops->snapshot))
		rc = ops->copy(&req, err);
	else if (!ops->snapshot)
		rc = hk_error_set(err, EOPNOTSUPP,
				  "backend %s has no snapshots; use -B overlay (or btrfs on a "
				  "btrfs container path), or clone without -s",
				  ops->name);
	else
		rc = ops->snapshot(&req, err);
	if (rc < 0) {
		free(req.new_spec);
		return -1;
	}
	*new_spec = req.new_spec;
	return 0;
}

void hk_clone_remove_dir(const char *dst_dir, const struct hk_idmap *map)
{
	hk_autofree char *rootfs = xasprintf("%s/rootfs", dst_dir);
	hk_autoerr struct hk_error *e = NULL;
	struct hk_rootfs_spec spec = { .backend = HK_BACKEND_BTRFS, .path = rootfs };
	struct stat sb;
	/* a subvolume is its own "mount" to rm -rf: drop it first */
	if (lstat(rootfs, &sb) == 0 && sb.st_ino == 256 && geteuid() == 0)
		hk_storage_btrfs.destroy(&spec, NULL);
	if (hk_destroy_tree(rootfs, map, &e) < 0 || hk_destroy_tree(dst_dir, map, &e) < 0) {
		hk_autofree char *msg = hk_error_render(e);
		hk_log(HK_LOG_WARN, "cleanup: %s", msg);
	}
}

/* ---- the config ---- */

char *hk_clone_new_mac(const char *mac)
{
	if (!mac || strlen(mac) != 17)
		return NULL;
	hk_autofree char *probe = xstrdup(mac);
	if (!hk_hwaddr_fill(probe))
		return NULL;
	char *out = xasprintf("%.8s:xx:xx:xx", probe);
	hk_hwaddr_fill(out);
	return out;
}

/* Every `...hwaddr = MAC` line that is not a comment gets a new MAC. */
static char *regen_macs(const char *text)
{
	struct hk_buf out = { 0 };
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		hk_autofree char *line = xstrndup(p, len);
		bool nl = p[len] == '\n';
		p += len + nl;
		char *eq = strchr(line, '=');
		if (eq && line[strspn(line, " \t")] != '#') {
			hk_autofree char *k = xstrndup(line, (size_t)(eq - line));
			hk_autofree char *v = xstrdup(eq + 1);
			hk_autofree char *mac = hk_clone_new_mac(hk_str_trim(v));
			if (hk_str_has_suffix(hk_str_trim(k), ".hwaddr") && mac) {
				hk_buf_printf(&out, "%s = %s%s", hk_str_trim(k), mac,
					      nl ? "\n" : "");
				continue;
			}
		}
		hk_buf_printf(&out, "%s%s", line, nl ? "\n" : "");
	}
	return hk_buf_steal(&out);
}

/* Replaces every line of key, or appends one when there is none. */
static char *set_or_append(char *text, const char *key, const char *value)
{
	char *next = hk_config_text_replace_all(text, key, value);
	hk_autofree char *probe = hk_config_text_replace_all(text, key, "\x01");
	if (!strcmp(probe, text)) { /* no line of that key */
		free(next);
		size_t n = strlen(text);
		next = xasprintf("%s%s%s = %s\n", text, n && text[n - 1] != '\n' ? "\n" : "", key,
				 value);
	}
	free(text);
	return next;
}

char *hk_clone_config_text(const char *text, const char *rootfs, const char *name, bool regen,
			   bool ephemeral)
{
	char *t = regen ? regen_macs(text) : xstrdup(text);
	t = set_or_append(t, "lxc.rootfs.path", rootfs);
	if (name)
		t = set_or_append(t, "lxc.uts.name", name);
	if (ephemeral)
		t = set_or_append(t, "lxc.ephemeral", "1");
	return t;
}

/* ---- the hostname inside the rootfs ---- */

struct hostname_job {
	const char *root;  /* the tree to write in (an overlay's upper) */
	const char *lower; /* the tree to read from, for overlay/aufs; else NULL */
	const char *old_name, *new_name;
};

/* The rootfs's etc/hostname opened with flags (resolved inside it), only
 * when it is a regular file: a FIFO there would hang the clone, a device
 * node be opened by root.  The type is checked on an O_PATH descriptor,
 * and the same inode reopened, so nothing can be swapped in between.
 * -1 with ENOENT when there is none. */
static int open_hostname_file(int rfd, int flags, struct hk_error **err)
{
	hk_autoclose int pfd = hk_safe_open(rfd, "etc/hostname", O_PATH, 0, 0, err);
	if (pfd < 0)
		return -1;
	struct stat sb;
	if (fstat(pfd, &sb) < 0)
		return hk_error_errno(err, "cannot look at /etc/hostname");
	if (!S_ISREG(sb.st_mode))
		return hk_error_set(err, EINVAL, "/etc/hostname is not a regular file: left alone");
	char path[32];
	hk_fd_path(pfd, path);
	int fd = open(path, flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return hk_error_errno(err, "cannot open /etc/hostname");
	return fd;
}

/* true when rootfs/etc/hostname (read inside the rootfs) names old_name. */
static bool names_old(const char *root, const char *old_name)
{
	hk_autoclose int rfd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	hk_autoclose int fd = rfd < 0 ? -1 : open_hostname_file(rfd, O_RDONLY, NULL);
	char buf[128] = { 0 };
	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) < 0)
		return false;
	return !strcmp(hk_str_trim(buf), old_name);
}

/* Runs as root of the container's user namespace for ordinary users. */
static int write_hostname(void *arg, struct hk_error **err)
{
	struct hostname_job *h = arg;
	if (!names_old(h->lower ? h->lower : h->root, h->old_name))
		return 0; /* the user changed it: leave it */
	hk_autoclose int rfd = open(h->root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rfd < 0)
		return hk_error_errno(err, "cannot open \"%s\"", h->root);
	if (h->lower) {
		int d = hk_safe_mkdir_p(rfd, "etc", 0755, 0, err);
		if (d < 0)
			return -1;
		close(d);
	}
	/* The upper of an overlay may not have it yet: a new file, then. */
	hk_autoerr struct hk_error *why = NULL;
	hk_autoclose int fd = open_hostname_file(rfd, O_WRONLY | O_TRUNC, &why);
	if (fd < 0 && why->code == ENOENT)
		fd = hk_safe_open(rfd, "etc/hostname", O_WRONLY | O_CREAT, 0644, 0, err);
	else if (fd < 0)
		hk_error_propagate(err, &why);
	if (fd < 0)
		return hk_error_prefix(err, "hostname of the clone");
	hk_autofree char *line = xasprintf("%s\n", h->new_name);
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line))
		return hk_error_errno(err, "cannot write the clone's /etc/hostname");
	return 0;
}

/* Like lxc-copy: a rootfs whose /etc/hostname names the source gets the
 * clone's name.  Failing here only warns: the config's lxc.uts.name is
 * what the container gets anyway. */
void hk_clone_rename_in_rootfs(const char *spec_text, const struct hk_idmap *map,
			       const char *old_name, const char *new_name)
{
	struct hk_rootfs_spec spec = { 0 };
	if (hk_rootfs_spec_parse(spec_text, &spec, NULL) < 0)
		return;
	struct hostname_job h = { spec.upper ? spec.upper : spec.path,
				  spec.upper ? spec.path : NULL, old_name, new_name };
	struct hk_storage_req req = { .map = map, .as_user = geteuid() != 0 && map->n };
	hk_autoerr struct hk_error *e = NULL;
	if (spec.backend != HK_BACKEND_ZFS && hk_storage_run(&req, write_hostname, &h, &e) < 0) {
		hk_autofree char *msg = hk_error_render(e);
		hk_log(HK_LOG_WARN, "clone \"%s\": %s", new_name, msg);
	}
	hk_rootfs_spec_free(&spec);
}

/* ---- one clone ---- */

struct job {
	struct hk_store *st; /* the source's store */
	struct hk_store *dst_st;
	bool keep_name; /* snapshots keep hostname and MACs */
	const struct hk_clone_opts *o;
	char *dst;
	struct hk_ct *src, *dst_ct; /* the two containers (container.h) */
	char *text;		    /* the source config's text */
	char *src_uts;		    /* the source's lxc.uts.name */
	struct hk_rootfs_spec spec;
	struct hk_idmap map;
	enum hk_clone_mode mode;
	struct hk_cleanup cs;
};

static void job_free(struct job *j)
{
	hk_cleanup_done(&j->cs);
	free(j->dst);
	hk_ct_free(j->src);
	hk_ct_free(j->dst_ct);
	free(j->text);
	free(j->src_uts);
	hk_rootfs_spec_free(&j->spec);
	hk_idmap_free(&j->map);
}

static char *ephemeral_name(const char *src)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[6];
	while (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		;
	char suffix[7];
	for (size_t i = 0; i < 6; i++)
		suffix[i] = chars[r[i] % (sizeof(chars) - 1)];
	suffix[6] = '\0';
	return xasprintf("%.*s-%s", HK_NAME_MAX - 7, src, suffix);
}

static int plan(struct job *j, struct hk_error **err)
{
	const struct hk_clone_opts *o = j->o;
	j->dst = o->dst ? xstrdup(o->dst) : o->ephemeral ? ephemeral_name(o->src) : NULL;
	if (!j->dst)
		return hk_error_set(err, EINVAL, "no name for the new container");
	if (hk_ct_open(j->st, o->src, HK_CT_MAY_BE_MISSING, &j->src, err) < 0 ||
	    hk_ct_open(j->dst_st, j->dst, HK_CT_MAY_BE_MISSING, &j->dst_ct, err) < 0)
		return -1;
	if (!strcmp(o->src, j->dst))
		return hk_error_set(err, EINVAL, "the clone needs a name other than its source's");
	if (!hk_ct_exists(j->src))
		return hk_ct_refuse_missing(j->src, err);
	const struct hk_config *cfg = hk_store_config(j->st, o->src, err);
	if (!cfg)
		return -1;
	if (!cfg->rootfs.raw || hk_rootfs_spec_parse(cfg->rootfs.raw, &j->spec, err) < 0)
		return hk_error_set(err, EINVAL, "container \"%s\" has no usable lxc.rootfs.path",
				    o->src);
	hk_idmap_copy(&j->map, &cfg->idmap);
	j->src_uts = cfg->uts_name ? xstrdup(cfg->uts_name) : NULL;
	if (j->mode != HK_CLONE_CHEAPEST)
		j->mode = o->snapshot || o->ephemeral ? HK_CLONE_SNAPSHOT : HK_CLONE_COPY;
	if (o->ephemeral && o->backend != HK_BACKEND_UNSET && o->backend != HK_BACKEND_OVERLAY)
		return hk_error_set(err, EINVAL,
				    "an ephemeral clone is an overlay clone (-B %s "
				    "cannot be used with -e)",
				    hk_backend_name(o->backend));
	return hk_read_file(j->src->config_path, &j->text, NULL, err);
}

/* The source's lock, or (with force) the knowledge that it runs. */
static int lock_source(struct job *j, struct hk_lock **lock, struct hk_error **err)
{
	hk_autoerr struct hk_error *e = NULL;
	if (hk_ct_lock(j->src, HK_LOCK_TRY, 0, lock, &e) == 0)
		return 0;
	if (e->code != EBUSY) {
		hk_error_propagate(err, &e);
		return -1;
	}
	enum hk_state s = hk_state_effective_ct(j->src, NULL);
	if (hk_state_is_active(s) && j->o->force) {
		hk_log(HK_LOG_WARN, "clone: \"%s\" is %s; copying it anyway (-f)", j->o->src,
		       hk_state_name(s));
		return 0;
	}
	if (hk_state_is_active(s))
		return hk_error_set(err, EBUSY,
				    "container \"%s\" is %s: a copy of a running container may "
				    "be inconsistent; stop it first, or use -f",
				    j->o->src, hk_state_name(s));
	return hk_error_set(err, EBUSY,
			    "container \"%s\" is busy (being created, cloned or destroyed); try "
			    "again when that is done",
			    j->o->src);
}

static int lock_dest(struct job *j, struct hk_lock **lock, struct hk_error **err)
{
	const char *run = j->dst_ct->run_dir;
	bool had_run = access(run, F_OK) == 0;
	if (hk_ct_lock(j->dst_ct, HK_LOCK_TRY, 0, lock, err) < 0)
		return -1; /* the lock's error names the container and its holder */
	if (!had_run)
		hk_cleanup_push_rm_rf(&j->cs, run);
	if (hk_ct_exists(j->dst_ct))
		return hk_error_set(err, EEXIST,
				    "container \"%s\" already exists in %s; choose another name "
				    "or destroy it first",
				    j->dst, hk_store_path(j->dst_st));
	if (access(j->dst_ct->dir, F_OK) == 0)
		return hk_error_set(err, EEXIST,
				    "\"%s\" exists but holds no container config; remove it or "
				    "choose another name",
				    j->dst_ct->dir);
	return 0;
}

struct dir_undo {
	char *dir;
	struct hk_idmap map;
};

static void undo_dir(void *arg)
{
	struct dir_undo *u = arg;
	hk_clone_remove_dir(u->dir, &u->map);
}

static void free_dir_undo(void *arg)
{
	struct dir_undo *u = arg;
	free(u->dir);
	hk_idmap_free(&u->map);
	free(u);
}

static int make_dst_dir(struct job *j, struct hk_error **err)
{
	const char *path = hk_store_path(j->dst_st);
	if (access(path, F_OK) < 0 && hk_mkdir_p(path, 0755, err) < 0)
		return -1;
	/* 0700 until sealed: the seal below sets the mode it keeps */
	if (mkdir(j->dst_ct->dir, 0700) < 0)
		return hk_error_errno(err, "cannot create \"%s\"", j->dst_ct->dir);
	struct dir_undo *u = xcalloc(1, sizeof(*u));
	u->dir = xstrdup(j->dst_ct->dir);
	hk_idmap_copy(&u->map, &j->map);
	hk_cleanup_push(&j->cs, undo_dir, u, free_dir_undo);
	if (hk_store_seal_container_dir(j->dst_ct->dir, &j->map, err) < 0)
		return -1;
	return 0;
}

static int make_rootfs_and_config(struct job *j, struct hk_error **err)
{
	struct hk_clone_src src = { &j->spec, &j->map, j->src->dir };
	hk_autofree char *spec = NULL;
	int64_t t = hk_timing_now();
	if (hk_clone_rootfs(&src, j->dst_ct->dir, hk_store_path(j->dst_st), j->mode, j->o->backend,
			    j->o->copy_flags, &j->o->progress, &spec, err) < 0)
		return -1;
	t = hk_timing_add("rootfs", t);
	if (hk_cleanup_at(&j->cs, HK_STEP_CLONE_CONFIG, err) < 0)
		return -1;
	if (!j->keep_name)
		hk_clone_rename_in_rootfs(spec, &j->map, j->src_uts ? j->src_uts : j->o->src,
					  j->dst);
	hk_autofree char *text = hk_clone_config_text(j->text, spec, j->keep_name ? NULL : j->dst,
						      !j->keep_name, j->o->ephemeral);
	/* Synced, as every config (style.md): a snapshot clone's rootfs is the
	 * source's, already on disk, plus empty upper directories, so with its
	 * config on disk it survives a crash (a full copy's data is written
	 * back later, like cp -a's). */
	if (hk_write_file_atomic(j->dst_ct->config_path, text, strlen(text), 0644, err) < 0)
		return -1;
	hk_cleanup_push_unlink(&j->cs, j->dst_ct->config_path);
	hk_timing_add("config", t);
	return 0;
}

static int execute(struct job *j, struct hk_error **err)
{
	struct hk_cleanup *c = &j->cs;
	int64_t t = hk_timing_now();
	if (hk_cleanup_at(c, HK_STEP_CLONE_DIR, err) < 0 || make_dst_dir(j, err) < 0)
		return -1;
	hk_timing_add("directory", t);
	if (hk_cleanup_at(c, HK_STEP_CLONE_ROOTFS, err) < 0 || make_rootfs_and_config(j, err) < 0 ||
	    hk_cleanup_at(c, HK_STEP_CLONE_COMMIT, err) < 0)
		return -1;
	hk_cleanup_forget(c);
	return 0;
}

int hk_clone(struct hk_store *st, const struct hk_clone_opts *o, char **new_name,
	     struct hk_error **err)
{
	return hk_clone_between(st, st, o, HK_CLONE_COPY, false, new_name, err);
}

int hk_clone_between(struct hk_store *st, struct hk_store *dst_st, const struct hk_clone_opts *o,
		     enum hk_clone_mode mode, bool keep_name, char **new_name,
		     struct hk_error **err)
{
	hk_autolock struct hk_lock *src_lock = NULL;
	hk_autolock struct hk_lock *dst_lock = NULL;
	/* LXC's names of both (runner.h): not a copy of a container LXC runs,
	 * and no lxc-start of either while the copy is made. */
	hk_autoclose int src_claim = -1;
	hk_autoclose int dst_claim = -1;
	struct job j = { .st = st,
			 .dst_st = dst_st,
			 .keep_name = keep_name,
			 .mode = mode,
			 .o = o,
			 .cs = HK_CLEANUP_INIT };
	hk_cleanup_block_signals(&j.cs);
	int64_t t = hk_timing_last();
	int rc = plan(&j, err);
	t = hk_timing_add("plan", t);
	if (rc == 0)
		rc = lock_source(&j, &src_lock, err);
	/* (no lock with -f of a container this hako runs: its monitor holds the name) */
	if (rc == 0 && src_lock &&
	    (src_claim = hk_runner_claim(st, o->src, HK_OP_CLONE, err)) == -1)
		rc = -1;
	if (rc == 0)
		rc = lock_dest(&j, &dst_lock, err);
	if (rc == 0 && (dst_claim = hk_runner_claim(dst_st, j.dst, HK_OP_CLONE, err)) == -1)
		rc = -1;
	hk_timing_add("lock", t);
	if (rc == 0)
		rc = execute(&j, err);
	t = hk_timing_now();
	if (rc == 0 && new_name)
		*new_name = xstrdup(j.dst);
	if (rc < 0)
		hk_error_prefix(err, "clone \"%s\"%s%s%s", o->src ? o->src : "",
				j.dst ? " to \"" : "", j.dst ? j.dst : "", j.dst ? "\"" : "");
	else
		hk_log(HK_LOG_INFO, "cloned \"%s\" to \"%s\" in %s", o->src, j.dst,
		       hk_store_path(dst_st));
	job_free(&j); /* undoes a failed clone while the locks are held */
	hk_timing_add("finish", t);
	return rc;
}
