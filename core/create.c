/* create.c - `hako create`: from a name and a template to PATH/NAME/config
 * and PATH/NAME/rootfs, leaving nothing behind on failure (see create.h).
 * Also the template table, which create is the only user of.
 *
 * A create is a struct job filled step by step; every step that changes
 * the disk pushes its undo on the job's cleanup stack, which runs back
 * unless the last step (writing the config) succeeded.
 */
#include "create.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/btrfs.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "container.h"
#include "log.h"
#include "net-text.h"
#include "storage.h"
#include "template.h"
#include "userns-exec.h"
#include "util.h"

#define SUBUID_FILE "/etc/subuid"
#define SUBGID_FILE "/etc/subgid"
#define UNPRIV_IDS  65536UL

/* ---- the template table ---- */

static const struct hk_template *const templates[] = {
	&hk_template_busybox,
	&hk_template_download,
	&hk_template_tar,
	&hk_template_dir,
};

size_t hk_template_count(void)
{
	return HK_ARRAY_SIZE(templates);
}

const struct hk_template *hk_template_at(size_t i)
{
	return i < HK_ARRAY_SIZE(templates) ? templates[i] : NULL;
}

/* The template for "NAME" or "NAME:SOURCE", or NULL with *why set. */
static const struct hk_template *lookup(const char *name, const char **source, const char **why)
{
	const char *colon = strchr(name, ':');
	size_t len = colon ? (size_t)(colon - name) : strlen(name);
	for (size_t i = 0; i < HK_ARRAY_SIZE(templates); i++) {
		const struct hk_template *t = templates[i];
		if (strlen(t->name) != len || strncmp(t->name, name, len))
			continue;
		if (t->needs_source && (!colon || !colon[1])) {
			*why = "needs its source after a colon";
			return NULL;
		}
		if (!t->needs_source && colon) {
			*why = "takes nothing after a colon (its arguments go after --)";
			return NULL;
		}
		if (source)
			*source = colon ? colon + 1 : NULL;
		return t;
	}
	return NULL;
}

const struct hk_template *hk_template_find(const char *name, const char **source,
					   struct hk_error **err)
{
	struct hk_buf names = { 0 };
	const char *why = NULL;
	const struct hk_template *t = name ? lookup(name, source, &why) : NULL;
	if (t)
		return t;
	for (size_t i = 0; i < HK_ARRAY_SIZE(templates); i++)
		hk_buf_printf(&names, "%s%s%s", i ? ", " : "", templates[i]->name,
			      templates[i]->needs_source ? ":SOURCE" : "");
	if (why)
		hk_error_set(err, EINVAL, "template \"%s\" %s; the templates are: %s", name, why,
			     names.data);
	else if (!name)
		hk_error_set(err, 0, "no template given; choose one with -t (%s)", names.data);
	else
		hk_error_set(err, 0, "no template \"%s\"; the templates are: %s", name, names.data);
	hk_buf_free(&names);
	return NULL;
}

/* ---- one create ---- */

struct job {
	struct hk_store *st;
	const struct hk_create_opts *o;
	const struct hk_template *tpl;
	struct hk_template_ctx tctx;
	enum hk_backend backend;
	struct hk_ct *ct; /* the container to be (its dir, config path, run dir) */
	char *rootfs;	  /* PATH/NAME/rootfs */
	char *text;	  /* the config file's text */
	struct hk_config cfg;
	int rootfd;
	struct hk_cleanup cs;
};

static void job_free(struct job *j)
{
	hk_cleanup_done(&j->cs); /* runs back whatever was not committed */
	if (j->tpl && j->tpl->release)
		j->tpl->release(&j->tctx);
	if (j->rootfd >= 0)
		close(j->rootfd);
	hk_ct_free(j->ct);
	free(j->rootfs);
	free(j->text);
	hk_config_free(&j->cfg);
}

enum hk_backend hk_create_backend(const struct hk_store *st, const struct hk_create_opts *o)
{
	if (o->backend != HK_BACKEND_UNSET)
		return o->backend;
	const char *name = hk_store_settings(st)->default_backend;
	return hk_backend_from_name(name && *name ? name : "dir");
}

/* ---- backends ---- */

static int check_dir(struct job *j, struct hk_error **err)
{
	(void)j;
	(void)err;
	return 0;
}

static int check_btrfs(struct job *j, struct hk_error **err)
{
	const char *path = hk_store_path(j->st);
	long type = hk_storage_fs_type(path);
	if (type < 0)
		return hk_error_errno(err, "backend btrfs: cannot find the filesystem of \"%s\"",
				      path);
	if (type != (long)BTRFS_SUPER_MAGIC)
		return hk_error_set(err, 0,
				    "backend btrfs: the container path \"%s\" is not on a btrfs "
				    "filesystem; use -P with a path on a btrfs mount, or -B dir",
				    path);
	return 0;
}

static int make_dir_rootfs(struct job *j, struct hk_error **err)
{
	if (mkdir(j->rootfs, 0700) < 0)
		return hk_error_errno(err, "cannot create rootfs \"%s\"", j->rootfs);
	return 0;
}

static int make_btrfs_rootfs(struct job *j, struct hk_error **err)
{
	hk_autoclose int dfd = open(j->ct->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return hk_error_errno(err, "cannot open \"%s\"", j->ct->dir);
	struct btrfs_ioctl_vol_args args = { 0 };
	strcpy(args.name, "rootfs");
	if (ioctl(dfd, BTRFS_IOC_SUBVOL_CREATE, &args) < 0)
		return hk_error_errno(err, "cannot create btrfs subvolume \"%s\"", j->rootfs);
	if (chmod(j->rootfs, 0700) < 0)
		return hk_error_errno(err, "cannot set the mode of \"%s\"", j->rootfs);
	return 0;
}

struct backend_ops {
	enum hk_backend backend;
	int (*check)(struct job *j, struct hk_error **err);
	int (*make)(struct job *j, struct hk_error **err);
	const char *missing; /* why create cannot use it (when check is NULL) */
};

static const struct backend_ops backends[] = {
	{ HK_BACKEND_DIR, check_dir, make_dir_rootfs, NULL },
	{ HK_BACKEND_BTRFS, check_btrfs, make_btrfs_rootfs, NULL },
	{ HK_BACKEND_OVERLAY, NULL, NULL,
	  "overlay is a snapshot backend: it comes with `hako clone -s`; create supports dir and "
	  "btrfs" },
	{ HK_BACKEND_AUFS, NULL, NULL,
	  "aufs is a snapshot backend (and needs an aufs kernel); create supports dir and btrfs" },
	{ HK_BACKEND_ZFS, NULL, NULL,
	  "zfs is not supported yet (it needs the zfs tools and a pool); create supports dir and "
	  "btrfs" },
	{ HK_BACKEND_LVM, NULL, NULL,
	  "lvm is not supported yet (it needs lvm2 and a volume group); create supports dir and "
	  "btrfs" },
};

static const struct backend_ops *backend_find(enum hk_backend b)
{
	for (size_t i = 0; i < HK_ARRAY_SIZE(backends); i++)
		if (backends[i].backend == b)
			return &backends[i];
	return NULL;
}

static int resolve_backend(struct job *j, struct hk_error **err)
{
	j->backend = hk_create_backend(j->st, j->o);
	const struct backend_ops *b = backend_find(j->backend);
	if (!b)
		return hk_error_set(err, EINVAL,
				    "hako.conf: [create] backend \"%s\" is unknown "
				    "(use dir or btrfs)",
				    hk_store_settings(j->st)->default_backend);
	if (!b->check)
		return hk_error_set(err, EOPNOTSUPP, "backend %s: %s", hk_backend_name(j->backend),
				    b->missing);
	return b->check(j, err);
}

/* ---- the config ---- */

/* Parses one source on its own so that its errors name its own file:line. */
static int validate_file(const char *path, struct hk_error **err)
{
	struct hk_config c;
	hk_config_init(&c);
	int rc = hk_config_parse_file(&c, path, err);
	hk_config_free(&c);
	return rc;
}

static int append_file(struct hk_buf *b, const char *path, const char *what, bool optional,
		       struct hk_error **err)
{
	if (optional && access(path, F_OK) < 0 && errno == ENOENT)
		return 0;
	hk_autofree char *text = NULL;
	if (hk_read_file(path, &text, NULL, err) < 0 || validate_file(path, err) < 0)
		return hk_error_prefix(err, "%s", what);
	hk_buf_printf(b, "# From %s\n%s", path, text);
	if (*text && text[strlen(text) - 1] != '\n')
		hk_buf_puts(b, "\n");
	return 0;
}

/* Fills `xx` wildcards of every hwaddr line once, so the MAC is kept. */
static char *fill_hwaddrs(const char *text)
{
	struct hk_buf out = { 0 };
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		hk_autofree char *line = xstrndup(p, len);
		p += len + (p[len] == '\n');
		char *eq = strchr(line, '=');
		if (eq && line[strspn(line, " \t")] != '#') {
			hk_autofree char *k = xstrndup(line, (size_t)(eq - line));
			hk_autofree char *v = xstrdup(eq + 1);
			char *key = hk_str_trim(k), *val = hk_str_trim(v);
			if (hk_str_has_suffix(key, ".hwaddr") && strpbrk(val, "xX") &&
			    hk_hwaddr_fill(val)) {
				hk_buf_printf(&out, "%s = %s\n", key, val);
				continue;
			}
		}
		hk_buf_printf(&out, "%s\n", line);
	}
	return hk_buf_steal(&out);
}

static int set_key(struct job *j, const char *key, const char *value, struct hk_error **err)
{
	char *next = hk_config_text_set(j->text, key, value, err);
	if (!next)
		return -1;
	free(j->text);
	j->text = next;
	return 0;
}

/* The first sub-id range of at least 65536 ids, or false. */
static bool first_big_range(const char *file, const char *user, uid_t uid, unsigned long *start,
			    struct hk_error **err)
{
	struct hk_subids ids = { 0 };
	bool found = false;
	if (hk_subid_load(file, user, uid, &ids, err) == 0) {
		for (size_t i = 0; i < ids.n && !found; i++)
			if (ids.r[i].count >= UNPRIV_IDS) {
				*start = ids.r[i].start;
				found = true;
			}
	}
	hk_subids_free(&ids);
	return found;
}

/* An ordinary user's container needs an id map: derive it from the
 * user's first big sub-uid and sub-gid ranges. */
static int derive_idmap(struct job *j, struct hk_error **err)
{
	const char *user = hk_store_user(j->st);
	uid_t uid = hk_store_uid(j->st);
	unsigned long us = 0, gs = 0;
	hk_autoerr struct hk_error *e = NULL;
	if (!first_big_range(SUBUID_FILE, user, uid, &us, &e) ||
	    !first_big_range(SUBGID_FILE, user, uid, &gs, &e)) {
		hk_autofree char *why = e ? hk_error_render(e) : NULL;
		return hk_error_set(
			err, EPERM,
			"user \"%s\" has no range of %lu sub-uids and sub-gids in %s and "
			"%s, which an unprivileged container needs%s%s; fix: as root run "
			"`hako setup-user %s` (or `usermod --add-subuids 100000-165535 "
			"--add-subgids 100000-165535 %s`), or put lxc.idmap lines in %s",
			user, UNPRIV_IDS, SUBUID_FILE, SUBGID_FILE, why ? " (" : "", why ? why : "",
			user, user, hk_store_default_conf(j->st));
	}
	hk_autofree char *u = xasprintf("u 0 %lu %lu", us, UNPRIV_IDS);
	hk_autofree char *g = xasprintf("g 0 %lu %lu", gs, UNPRIV_IDS);
	hk_log(HK_LOG_INFO, "create \"%s\": id map from your sub-ids: %s, %s", j->o->name, u, g);
	return set_key(j, "lxc.idmap", u, err) < 0 ? -1 : set_key(j, "lxc.idmap", g, err);
}

static int parse_text(struct job *j, struct hk_error **err)
{
	hk_config_free(&j->cfg);
	hk_config_init(&j->cfg);
	return hk_config_parse_string(&j->cfg, j->text, j->ct->config_path, err);
}

static void header(struct job *j, struct hk_buf *b)
{
	char when[32];
	time_t now = time(NULL);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
	hk_buf_printf(b,
		      "# Container \"%s\", made by hako %s on %s\n"
		      "# with `hako create -t %s` (backend %s).  Edit with care: hako reads\n"
		      "# this file at every start.\n",
		      j->o->name, HAKO_VERSION, when, j->tpl->name, hk_backend_name(j->backend));
	if (j->tpl == &hk_template_busybox)
		hk_buf_puts(b, "# root has no password inside (busybox template); use `hako "
			       "console` or `hako attach`.\n");
}

/* default.conf, the template's keys, -f FILE: the text before the keys
 * create sets itself. */
static char *gather_config(struct job *j, struct hk_error **err)
{
	struct hk_buf b = { 0 };
	header(j, &b);
	if (append_file(&b, hk_store_default_conf(j->st), "default config", true, err) < 0) {
		hk_buf_free(&b);
		return NULL;
	}
	j->tpl->config(&j->tctx, &b);
	if (j->o->extra_config &&
	    append_file(&b, j->o->extra_config, "config file (-f)", false, err) < 0) {
		hk_buf_free(&b);
		return NULL;
	}
	hk_buf_puts(&b, "# Set by hako create\n");
	return hk_buf_steal(&b);
}

static int build_config(struct job *j, struct hk_error **err)
{
	hk_autofree char *raw = gather_config(j, err);
	if (!raw)
		return -1;
	j->text = fill_hwaddrs(raw);
	hk_autofree char *rootfs = xasprintf("%s:%s", hk_backend_name(j->backend), j->rootfs);
	if (set_key(j, "lxc.rootfs.path", rootfs, err) < 0 ||
	    set_key(j, "lxc.uts.name", j->o->name, err) < 0 || parse_text(j, err) < 0)
		return -1;
	if (!hk_store_is_root(j->st) && j->cfg.idmap.n == 0 &&
	    (derive_idmap(j, err) < 0 || parse_text(j, err) < 0))
		return -1;
	if (j->cfg.idmap.n && hk_userns_check_map(&j->cfg.idmap, err) < 0)
		return hk_error_prefix(err, "lxc.idmap");
	return 0;
}

/* ---- the disk ---- */

/* mkdir with an exact mode (the umask must not make it 0700). */
static int make_dir(const char *path, struct hk_error **err)
{
	if (mkdir(path, 0755) < 0)
		return hk_error_errno(err, "cannot create \"%s\"", path);
	if (chmod(path, 0755) < 0)
		return hk_error_errno(err, "cannot set the mode of \"%s\"", path);
	return 0;
}

/* Creates the container path and whatever of its parents is missing,
 * pushing an rmdir for each. */
static int make_container_path(struct job *j, const char *path, struct hk_error **err)
{
	struct stat sb;
	if (stat(path, &sb) == 0)
		return S_ISDIR(sb.st_mode) ? 0
					   : hk_error_set(err, ENOTDIR,
							  "container path \"%s\" is "
							  "not a directory",
							  path);
	if (errno != ENOENT)
		return hk_error_errno(err, "cannot look at container path \"%s\"", path);
	hk_autofree char *parent = xstrdup(path);
	char *slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		if (make_container_path(j, parent, err) < 0)
			return -1;
	}
	if (make_dir(path, err) < 0)
		return -1;
	hk_cleanup_push_rmdir(&j->cs, path);
	return 0;
}

static int refuse_existing(struct job *j, struct hk_error **err)
{
	if (hk_ct_exists(j->ct))
		return hk_error_set(err, 0,
				    "container \"%s\" already exists in %s; choose "
				    "another name or destroy it first",
				    j->o->name, hk_store_path(j->st));
	if (access(j->ct->dir, F_OK) == 0)
		return hk_error_set(err, 0,
				    "\"%s\" exists but holds no container config; "
				    "remove it or choose another name",
				    j->ct->dir);
	return 0;
}

struct rootfs_undo {
	char *path;
	struct hk_idmap map;
};

static void undo_rootfs(void *arg)
{
	struct rootfs_undo *u = arg;
	hk_autoerr struct hk_error *e = NULL;
	if (hk_destroy_tree(u->path, &u->map, &e) < 0) {
		hk_autofree char *msg = hk_error_render(e);
		hk_log(HK_LOG_WARN, "cleanup: %s", msg);
	}
}

static void free_rootfs_undo(void *arg)
{
	struct rootfs_undo *u = arg;
	free(u->path);
	hk_idmap_free(&u->map);
	free(u);
}

static int make_rootfs(struct job *j, struct hk_error **err)
{
	if (backend_find(j->backend)->make(j, err) < 0)
		return -1;
	struct rootfs_undo *u = xcalloc(1, sizeof(*u));
	u->path = xstrdup(j->rootfs);
	hk_idmap_copy(&u->map, &j->cfg.idmap);
	hk_cleanup_push(&j->cs, undo_rootfs, u, free_rootfs_undo);
	j->rootfd = open(j->rootfs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (j->rootfd < 0)
		return hk_error_errno(err, "cannot open rootfs \"%s\"", j->rootfs);
	return 0;
}

/* Runs as root of the container's user namespace. */
static int build_in_userns(void *arg, struct hk_error **err)
{
	struct job *j = arg;
	if (fchown(j->rootfd, 0, 0) < 0)
		return hk_error_errno(err, "cannot give rootfs \"%s\" to the container's root",
				      j->rootfs);
	return j->tpl->build(j->rootfd, &j->tctx, err);
}

static int run_template(struct job *j, struct hk_error **err)
{
	const struct hk_idmap *map = &j->cfg.idmap;
	if (map->n == 0)
		return j->tpl->build(j->rootfd, &j->tctx, err);
	if (hk_store_is_root(j->st) && j->tpl->shifts_owners) {
		j->tctx.shift = map;
		return j->tpl->build(j->rootfd, &j->tctx, err);
	}
	if (hk_store_is_root(j->st)) {
		/* root is not mapped in the namespace: hand the directory over. */
		unsigned long uid, gid;
		if (!hk_idmap_to_host(map, 'u', 0, &uid) || !hk_idmap_to_host(map, 'g', 0, &gid))
			return hk_error_set(err, EINVAL,
					    "lxc.idmap maps no uid or gid 0: the "
					    "container would have no root");
		if (fchown(j->rootfd, (uid_t)uid, (gid_t)gid) < 0)
			return hk_error_errno(err, "cannot chown rootfs \"%s\"", j->rootfs);
	}
	j->tctx.mapped = true;
	return hk_userns_run(map, HK_USERNS_MAP_SELF, build_in_userns, j, err);
}

static int write_config(struct job *j, struct hk_error **err)
{
	if (hk_write_file_atomic(j->ct->config_path, j->text, strlen(j->text), 0644, err) < 0)
		return -1;
	hk_cleanup_push_unlink(&j->cs, j->ct->config_path);
	return 0;
}

/* Before the disk: everything that may refuse. */
static int plan(struct job *j, struct hk_error **err)
{
	if (hk_ct_open(j->st, j->o->name, HK_CT_MAY_BE_MISSING, &j->ct, err) < 0)
		return -1;
	const char *source = NULL;
	j->tpl = hk_template_find(j->o->template_name, &source, err);
	if (!j->tpl || resolve_backend(j, err) < 0)
		return -1;
	j->rootfs = hk_store_rootfs_default(j->st, j->o->name);
	j->tctx = (struct hk_template_ctx){
		.name = j->o->name,
		.rootfs = j->rootfs,
		.source = source,
		.args = j->o->template_args,
		.conf_dir = hk_store_conf_dir(j->st),
		.cache_dir = hk_store_cache_dir(j->st),
		.user = !hk_store_is_root(j->st),
		.progress = j->o->progress,
	};
	return 0;
}

static int lock_and_check(struct job *j, struct hk_lock **lock, struct hk_error **err)
{
	const char *run = j->ct->run_dir;
	bool had_run = access(run, F_OK) == 0;
	if (hk_ct_lock(j->ct, HK_LOCK_TRY, 0, lock, err) < 0) {
		if ((*err)->code == EBUSY)
			hk_error_prefix(err,
					"container \"%s\" is busy (being created, destroyed or "
					"running); try again when that is done",
					j->o->name);
		return -1;
	}
	if (!had_run)
		hk_cleanup_push_rm_rf(&j->cs, run);
	return refuse_existing(j, err);
}

static int execute(struct job *j, struct hk_error **err)
{
	struct hk_cleanup *c = &j->cs;
	if (hk_cleanup_at(c, HK_STEP_CREATE_TEMPLATE, err) < 0 ||
	    j->tpl->prepare(&j->tctx, err) < 0 ||
	    hk_cleanup_at(c, HK_STEP_CREATE_CONFIG, err) < 0 || build_config(j, err) < 0 ||
	    hk_cleanup_at(c, HK_STEP_CREATE_PATH, err) < 0 ||
	    make_container_path(j, hk_store_path(j->st), err) < 0 ||
	    hk_cleanup_at(c, HK_STEP_CREATE_DIR, err) < 0 || make_dir(j->ct->dir, err) < 0)
		return -1;
	hk_cleanup_push_rmdir(c, j->ct->dir);
	if (hk_store_seal_container_dir(j->ct->dir, &j->cfg.idmap, err) < 0)
		return -1;
	if (hk_cleanup_at(c, HK_STEP_CREATE_ROOTFS, err) < 0 || make_rootfs(j, err) < 0 ||
	    hk_cleanup_at(c, HK_STEP_CREATE_BUILD, err) < 0 || run_template(j, err) < 0 ||
	    hk_cleanup_at(c, HK_STEP_CREATE_CONFIG_FILE, err) < 0 || write_config(j, err) < 0 ||
	    hk_cleanup_at(c, HK_STEP_CREATE_COMMIT, err) < 0)
		return -1;
	hk_cleanup_forget(c);
	return 0;
}

int hk_create(struct hk_store *st, const struct hk_create_opts *o, struct hk_error **err)
{
	hk_autolock struct hk_lock *lock = NULL;
	struct job j = { .st = st, .o = o, .rootfd = -1, .cs = HK_CLEANUP_INIT };
	hk_config_init(&j.cfg);
	hk_cleanup_block_signals(&j.cs);
	int rc = plan(&j, err);
	if (rc == 0)
		rc = lock_and_check(&j, &lock, err);
	if (rc == 0)
		rc = execute(&j, err);
	job_free(&j); /* undoes a failed create while the lock is still held */
	if (rc < 0)
		return hk_error_prefix(err, "create \"%s\"", o->name ? o->name : "");
	hk_log(HK_LOG_INFO, "created container \"%s\" in %s", o->name, hk_store_path(st));
	return 0;
}
