/* snapshot.c - snapshots of one container (see snapshot.h).  Making one
 * and restoring one as a new container are clones between the container
 * path and the container's own snaps/ path; restoring in place clones the
 * snapshot into PATH/NAME/.restore, then swaps the rootfs parts in and
 * writes the snapshot's config, all while holding the container's lock.
 */
#include "snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "clone.h"
#include "config.h"
#include "container.h"
#include "create.h"
#include "log.h"
#include "runner.h"
#include "storage.h"
#include "userns-exec.h"

bool hk_snapshot_name_ok(const char *snap, unsigned long *n)
{
	unsigned long v;
	if (!snap || !hk_str_has_prefix(snap, "snap") || !hk_parse_ulong(snap + 4, &v))
		return false;
	if (n)
		*n = v;
	return true;
}

static int check_snap_name(const char *snap, struct hk_error **err)
{
	if (hk_snapshot_name_ok(snap, NULL))
		return 0;
	return hk_error_set(err, EINVAL,
			    "\"%s\" is not a snapshot name (snap0, snap1 ...; see `hako "
			    "snapshot NAME -L`)",
			    snap ? snap : "");
}

/* The store of PATH/NAME/snaps. */
static struct hk_store *snap_store(const struct hk_ct *ct, struct hk_error **err)
{
	hk_autofree char *snaps = xasprintf("%s/snaps", ct->dir);
	struct hk_store *out = NULL;
	if (hk_store_open(snaps, &out, err) < 0)
		return NULL;
	return out;
}

static int next_index(struct hk_store *ss, unsigned long *next, struct hk_error **err)
{
	hk_autostrv struct hk_strv names = { 0 };
	if (hk_store_list(ss, &names, err) < 0)
		return -1;
	*next = 0;
	for (size_t i = 0; i < names.n; i++) {
		unsigned long n;
		if (hk_snapshot_name_ok(names.v[i], &n) && n + 1 > *next)
			*next = n + 1;
	}
	return 0;
}

static int write_meta(struct hk_store *ss, const char *snap, const char *comment,
		      struct hk_error **err)
{
	hk_autofree char *dir = hk_store_container_dir(ss, snap);
	hk_autofree char *ts = xasprintf("%s/ts", dir);
	char when[32];
	time_t now = time(NULL);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", gmtime(&now));
	if (hk_write_file_atomic(ts, when, strlen(when), 0644, err) < 0)
		return -1;
	if (!comment || !*comment)
		return 0;
	hk_autofree char *c = xasprintf("%s/comment", dir);
	hk_autofree char *text = xasprintf("%s\n", comment);
	return hk_write_file_atomic(c, text, strlen(text), 0644, err);
}

int hk_snapshot_create(struct hk_store *st, const char *name, const char *comment, char **snap,
		       struct hk_error **err)
{
	hk_autoct struct hk_ct *ct = NULL;
	if (hk_ct_open(st, name, HK_CT_MAY_BE_MISSING, &ct, err) < 0)
		return hk_error_prefix(err, "snapshot");
	name = ct->name;
	hk_autostore struct hk_store *ss = snap_store(ct, err);
	unsigned long n;
	if (!ss || next_index(ss, &n, err) < 0)
		return hk_error_prefix(err, "snapshot \"%s\"", name);
	hk_autofree char *sname = xasprintf("snap%lu", n);
	struct hk_clone_opts o = { .src = name, .dst = sname };
	if (hk_clone_between(st, ss, &o, HK_CLONE_CHEAPEST, true, NULL, err) < 0)
		return -1;
	if (write_meta(ss, sname, comment, err) < 0) {
		hk_autoerr struct hk_error *e = NULL;
		if (hk_storage_destroy_container(ss, sname, &e) < 0)
			hk_log(HK_LOG_WARN, "snapshot \"%s\": cannot remove %s again", name, sname);
		return hk_error_prefix(err, "snapshot \"%s\"", name);
	}
	hk_log(HK_LOG_INFO, "snapshot \"%s\": made %s", name, sname);
	if (snap)
		*snap = hk_steal_ptr(&sname);
	return 0;
}

/* ---- listing ---- */

static char *read_small(const char *dir, const char *file)
{
	hk_autofree char *path = xasprintf("%s/%s", dir, file);
	char *text = NULL;
	if (hk_read_file(path, &text, NULL, NULL) < 0)
		return xstrdup("");
	text[strcspn(text, "\n")] = '\0';
	return text;
}

static int by_number(const void *a, const void *b)
{
	unsigned long x = 0, y = 0;
	hk_snapshot_name_ok(((const struct hk_snapshot_info *)a)->name, &x);
	hk_snapshot_name_ok(((const struct hk_snapshot_info *)b)->name, &y);
	return x < y ? -1 : x > y;
}

int hk_snapshot_list(struct hk_store *st, const char *name, struct hk_snapshot_list *out,
		     struct hk_error **err)
{
	hk_autoct struct hk_ct *ct = NULL;
	if (hk_ct_open(st, name, HK_CT_MAY_BE_MISSING, &ct, err) < 0)
		return hk_error_prefix(err, "snapshot");
	if (!hk_ct_exists(ct))
		return hk_ct_refuse_missing(ct, err);
	name = ct->name;
	hk_autostore struct hk_store *ss = snap_store(ct, err);
	hk_autostrv struct hk_strv names = { 0 };
	if (!ss || hk_store_list(ss, &names, err) < 0)
		return hk_error_prefix(err, "snapshots of \"%s\"", name);
	for (size_t i = 0; i < names.n; i++) {
		if (!hk_snapshot_name_ok(names.v[i], NULL))
			continue;
		hk_autofree char *dir = hk_store_container_dir(ss, names.v[i]);
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		struct hk_snapshot_info *s = &out->v[out->n++];
		s->name = xstrdup(names.v[i]);
		s->date = read_small(dir, "ts");
		s->comment = read_small(dir, "comment");
		const struct hk_config *cfg = hk_store_config(ss, names.v[i], NULL);
		s->backend = xstrdup(cfg ? hk_backend_name(cfg->rootfs.backend) : "?");
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), by_number);
	return 0;
}

void hk_snapshot_list_free(struct hk_snapshot_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].date);
		free(l->v[i].comment);
		free(l->v[i].backend);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* ---- destroying ---- */

int hk_snapshot_destroy(struct hk_store *st, const char *name, const char *snap,
			struct hk_error **err)
{
	hk_autoct struct hk_ct *ct = NULL, *snap_ct = NULL;
	if (hk_ct_open(st, name, HK_CT_MAY_BE_MISSING, &ct, err) < 0 ||
	    check_snap_name(snap, err) < 0)
		return hk_error_prefix(err, "snapshot");
	name = ct->name;
	hk_autostore struct hk_store *ss = snap_store(ct, err);
	if (!ss || hk_ct_open(ss, snap, HK_CT_MAY_BE_MISSING, &snap_ct, err) < 0)
		return -1;
	if (!hk_ct_exists(snap_ct))
		return hk_error_set(err, ENOENT, "container \"%s\" has no snapshot %s", name, snap);
	hk_autolock struct hk_lock *lock = NULL;
	if (hk_ct_lock(snap_ct, HK_LOCK_TRY, 0, &lock, err) < 0 ||
	    hk_storage_destroy_container(ss, snap, err) < 0)
		return hk_error_prefix(err, "snapshot \"%s\": destroy %s", name, snap);
	hk_lock_release(hk_steal_ptr(&lock));
	hk_rm_rf(snap_ct->run_dir, NULL);
	return 0;
}

/* ---- restoring ---- */

struct swap {
	char *from; /* PATH/NAME/.restore */
	char *to;   /* PATH/NAME */
};

/* Runs as root of the container's user namespace for ordinary users: the
 * rootfs parts belong to its root, and moving a directory to another
 * parent needs write access to it. */
static int swap_in(void *arg, struct hk_error **err)
{
	struct swap *s = arg;
	static const char *const parts[] = { "rootfs", "delta0", "olwork" };
	for (size_t i = 0; i < HK_ARRAY_SIZE(parts); i++) {
		hk_autofree char *a = xasprintf("%s/%s", s->from, parts[i]);
		hk_autofree char *b = xasprintf("%s/%s", s->to, parts[i]);
		if (access(a, F_OK) < 0)
			continue;
		if (rename(a, b) < 0)
			return hk_error_errno(err, "cannot move \"%s\" to \"%s\"", a, b);
	}
	return 0;
}

static char *replace_prefix(const char *spec, const char *from, const char *to)
{
	struct hk_buf b = { 0 };
	size_t n = strlen(from);
	for (const char *p = spec; *p;) {
		if (!strncmp(p, from, n)) {
			hk_buf_puts(&b, to);
			p += n;
		} else {
			hk_buf_append(&b, p++, 1);
		}
	}
	return hk_buf_steal(&b);
}

struct restore {
	struct hk_store *st, *ss;
	const char *name, *snap;
	char *dir, *tmp, *config;
	char *snap_text;
	struct hk_rootfs_spec snap_spec;
	struct hk_idmap map;
	struct hk_cleanup cs;
};

static int restore_prepare(struct restore *r, struct hk_error **err)
{
	const struct hk_config *cfg = hk_store_config(r->ss, r->snap, err);
	if (!cfg ||
	    hk_rootfs_spec_parse(cfg->rootfs.raw ? cfg->rootfs.raw : "", &r->snap_spec, err) < 0)
		return -1;
	hk_idmap_copy(&r->map, &cfg->idmap);
	hk_autofree char *scfg = hk_store_config_path(r->ss, r->snap);
	if (hk_read_file(scfg, &r->snap_text, NULL, err) < 0)
		return -1;
	r->dir = hk_store_container_dir(r->st, r->name);
	r->tmp = xasprintf("%s/.restore", r->dir);
	r->config = hk_store_config_path(r->st, r->name);
	if (access(r->tmp, F_OK) == 0)
		hk_clone_remove_dir(r->tmp, &r->map); /* an earlier restore died */
	if (mkdir(r->tmp, 0755) < 0)
		return hk_error_errno(err, "cannot create \"%s\"", r->tmp);
	return 0;
}

static void undo_tmp(void *arg)
{
	struct restore *r = arg;
	hk_clone_remove_dir(r->tmp, &r->map);
}

static int swap_and_write(struct restore *r, const char *tmp_spec, struct hk_error **err)
{
	const struct hk_config *cfg = hk_store_config(r->st, r->name, err);
	if (!cfg)
		return -1;
	struct hk_idmap cur_map = { 0 };
	hk_idmap_copy(&cur_map, &cfg->idmap);
	hk_autofree char *cur = xstrdup(cfg->rootfs.raw ? cfg->rootfs.raw : "");
	int rc = *cur ? hk_storage_destroy_rootfs(cur, r->dir, &cur_map, err) : 0;
	hk_idmap_free(&cur_map);
	if (rc < 0)
		return -1;
	struct swap sw = { r->tmp, r->dir };
	struct hk_storage_req req = { .map = &r->map, .as_user = geteuid() != 0 && r->map.n };
	if (hk_storage_run(&req, swap_in, &sw, err) < 0)
		return -1;
	hk_autofree char *from = xasprintf("%s/", r->tmp);
	hk_autofree char *to = xasprintf("%s/", r->dir);
	hk_autofree char *spec = replace_prefix(tmp_spec, from, to);
	hk_autofree char *text = hk_clone_config_text(r->snap_text, spec, NULL, false, false);
	return hk_write_file_atomic(r->config, text, strlen(text), 0644, err);
}

static int restore_in_place(struct restore *r, struct hk_error **err)
{
	hk_autofree char *src_dir = hk_store_container_dir(r->ss, r->snap);
	struct hk_clone_src src = { &r->snap_spec, &r->map, src_dir };
	hk_autofree char *spec = NULL;
	hk_cleanup_push(&r->cs, undo_tmp, r, NULL);
	if (hk_cleanup_at(&r->cs, HK_STEP_SNAPSHOT_ROOTFS, err) < 0 ||
	    hk_clone_rootfs(&src, r->tmp, hk_store_path(r->st), HK_CLONE_CHEAPEST, HK_BACKEND_UNSET,
			    0, NULL, &spec, err) < 0 ||
	    hk_cleanup_at(&r->cs, HK_STEP_SNAPSHOT_SWAP, err) < 0)
		return -1;
	/* past this point the old rootfs goes: no undo can bring it back */
	hk_cleanup_forget(&r->cs);
	int rc = swap_and_write(r, spec, err);
	hk_clone_remove_dir(r->tmp, &r->map);
	return rc;
}

static void restore_free(struct restore *r)
{
	hk_cleanup_done(&r->cs);
	free(r->dir);
	free(r->tmp);
	free(r->config);
	free(r->snap_text);
	hk_rootfs_spec_free(&r->snap_spec);
	hk_idmap_free(&r->map);
}

static int lock_stopped(const struct hk_ct *ct, struct hk_lock **lock, struct hk_error **err)
{
	if (hk_ct_lock(ct, HK_LOCK_TRY, 0, lock, err) == 0)
		return 0;
	if ((*err)->code == EBUSY)
		hk_error_prefix(err, "container \"%s\" is running or busy; stop it first",
				ct->name);
	return -1;
}

int hk_snapshot_restore(struct hk_store *st, const char *name, const char *snap,
			const char *newname, struct hk_error **err)
{
	hk_autoct struct hk_ct *ct = NULL;
	if (hk_ct_open(st, name, HK_CT_MAY_BE_MISSING, &ct, err) < 0 ||
	    check_snap_name(snap, err) < 0)
		return hk_error_prefix(err, "restore");
	name = ct->name;
	hk_autostore struct hk_store *ss = snap_store(ct, err);
	if (!ss)
		return -1;
	if (!hk_store_exists(ss, snap))
		return hk_error_set(err, ENOENT, "restore: container \"%s\" has no snapshot %s",
				    name, snap);
	if (newname && strcmp(newname, name)) {
		struct hk_clone_opts o = { .src = snap, .dst = newname };
		return hk_clone_between(ss, st, &o, HK_CLONE_CHEAPEST, false, NULL, err);
	}
	if (!hk_ct_exists(ct))
		return hk_error_set(err, ENOENT, "restore: container \"%s\" does not exist", name);
	hk_autolock struct hk_lock *lock = NULL;
	struct restore r = {
		.st = st, .ss = ss, .name = name, .snap = snap, .cs = HK_CLEANUP_INIT
	};
	hk_cleanup_block_signals(&r.cs);
	int rc = lock_stopped(ct, &lock, err);
	/* Not over a container LXC runs; and lxc-start not while it changes. */
	hk_autoclose int claim = rc == 0 ? hk_runner_claim(st, name, HK_OP_RESTORE, err) : -1;
	if (rc == 0 && claim == -1)
		rc = -1;
	if (rc == 0)
		rc = restore_prepare(&r, err);
	if (rc == 0)
		rc = restore_in_place(&r, err);
	restore_free(&r);
	if (rc < 0)
		return hk_error_prefix(err, "restore \"%s\" from %s", name, snap);
	hk_log(HK_LOG_INFO, "restored \"%s\" from %s", name, snap);
	return 0;
}
