/* rename.c - a stopped container takes another name (rename.h).
 *
 * The directory is renamed in place (renameat2 RENAME_NOREPLACE: a btrfs
 * subvolume or an overlay's layers inside it go along, nothing is copied),
 * then the configs that name paths in it are rewritten: its own, its
 * snapshots' (PATH/NEW/snaps/snapN/config) and those of its snapshot
 * clones (their overlay lower is its rootfs).  Every step pushes its undo,
 * so a failure, or a signal between steps, leaves the container as it
 * was.  OLD's lock is held throughout, NEW's too (nobody may create NEW
 * meanwhile), and each snapshot clone's (none may start on a lower that
 * is moving). */
#include "rename.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "clone.h"
#include "config.h"
#include "container.h"
#include "log.h"
#include "runner.h"
#include "snapshot.h"
#include "state.h"
#include "storage.h"
#include "util.h"

/* ---- paths in a config's text ---- */

static bool path_starts(char c)
{
	return c == ':' || c == ',' || c == ' ' || c == '\t' || c == '=';
}

static bool path_ends(char c)
{
	return c == '/' || c == '\0' || c == '\n' || c == ':' || c == ',' || c == ' ' || c == '\t';
}

/* One key line's value (from '=' on) with the paths moved. */
static void move_value(struct hk_buf *out, const char *v, size_t n, const char *from,
		       const char *to)
{
	size_t flen = strlen(from);
	for (size_t i = 0; i < n;) {
		if (i > 0 && path_starts(v[i - 1]) && n - i >= flen && !memcmp(v + i, from, flen) &&
		    path_ends(i + flen < n ? v[i + flen] : '\0')) {
			hk_buf_puts(out, to);
			i += flen;
			continue;
		}
		hk_buf_append(out, v + i, 1);
		i++;
	}
}

/* A bare value with its paths moved. */
static char *moved_value(const char *value, const char *from, const char *to)
{
	struct hk_buf out = { 0 };
	hk_autofree char *v = xasprintf("=%s", value);
	move_value(&out, v, strlen(v), from, to);
	char *s = hk_buf_steal(&out);
	memmove(s, s + 1, strlen(s)); /* the '=' */
	return s;
}

char *hk_rename_config_paths(const char *text, const char *from, const char *to)
{
	struct hk_buf out = { 0 };
	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n");
		len += line[len] == '\n';
		const char *p = line + strspn(line, " \t");
		const char *eq = memchr(line, '=', len);
		if (*p == '#' || !eq)
			hk_buf_append(&out, line, len);
		else {
			hk_buf_append(&out, line, (size_t)(eq - line));
			move_value(&out, eq, len - (size_t)(eq - line), from, to);
		}
		line += len;
	}
	return hk_buf_steal(&out);
}

/* ---- the job ---- */

struct edit {
	char *file; /* where it is once the directory has moved */
	char *before, *after;
};

struct job {
	struct hk_store *st;
	const char *old, *new;
	struct hk_ct *old_ct, *new_ct; /* the container and its name to be (container.h) */
	struct hk_lock *locks[64];     /* OLD's, NEW's, each snapshot clone's */
	size_t n_locks;
	struct edit *edits;
	size_t n_edits;
	const struct hk_config *cfg; /* OLD's */
	char *spec;		     /* OLD's lxc.rootfs.path with its paths moved */
	struct hk_cleanup cs;
};

static void job_free(struct job *j)
{
	hk_cleanup_done(&j->cs);
	for (size_t i = 0; i < j->n_edits; i++) {
		free(j->edits[i].file);
		free(j->edits[i].before);
		free(j->edits[i].after);
	}
	free(j->edits);
	for (size_t i = j->n_locks; i-- > 0;)
		hk_lock_release(j->locks[i]);
	hk_ct_free(j->old_ct);
	hk_ct_free(j->new_ct);
	free(j->spec);
}

/* OLD's lock: refused while it runs or while another command has it. */
static int lock_old(struct job *j, struct hk_error **err)
{
	hk_autoerr struct hk_error *e = NULL;
	if (hk_ct_lock(j->old_ct, HK_LOCK_TRY, 0, &j->locks[j->n_locks], &e) == 0) {
		j->n_locks++;
		return 0;
	}
	enum hk_state s = hk_state_effective_ct(j->old_ct, NULL);
	if (e->code == EBUSY && hk_state_is_active(s)) {
		hk_autofree char *p = hk_store_path_arg(j->st);
		return hk_error_set(err, EBUSY,
				    "container \"%s\" is %s; stop it first (\"hako stop %s%s\")",
				    j->old, hk_state_name(s), j->old, p);
	}
	hk_error_propagate(err, &e);
	return -1;
}

/* NEW's lock, and NEW free: no container, no directory. */
static int lock_new(struct job *j, struct hk_error **err)
{
	const char *run = j->new_ct->run_dir;
	bool had_run = access(run, F_OK) == 0;
	if (hk_ct_lock(j->new_ct, HK_LOCK_TRY, 0, &j->locks[j->n_locks], err) < 0)
		return -1;
	j->n_locks++;
	if (!had_run)
		hk_cleanup_push_rm_rf(&j->cs, run);
	if (hk_ct_exists(j->new_ct))
		return hk_error_set(err, EEXIST,
				    "container \"%s\" already exists in %s; choose another name",
				    j->new, hk_store_path(j->st));
	if (access(j->new_ct->dir, F_OK) == 0 || errno != ENOENT)
		return hk_error_set(
			err, EEXIST,
			"\"%s\" exists but holds no container config; remove it or choose "
			"another name",
			j->new_ct->dir);
	return 0;
}

/* The snapshot clones whose lower is in OLD: locked, so none starts on
 * a lower that moves; refused when one runs. */
static int lock_dependents(struct job *j, struct hk_strv *deps, struct hk_error **err)
{
	if (hk_storage_dependents(j->st, j->old, deps, err) < 0)
		return -1;
	for (size_t i = 0; i < deps->n; i++) {
		if (j->n_locks == HK_ARRAY_SIZE(j->locks))
			return hk_error_set(err, E2BIG,
					    "more than %zu snapshot clones depend on it",
					    HK_ARRAY_SIZE(j->locks) - 2);
		hk_autoerr struct hk_error *e = NULL;
		hk_autoct struct hk_ct *dep = NULL;
		if (hk_ct_open(j->st, deps->v[i], HK_CT_MAY_BE_MISSING, &dep, err) < 0)
			return -1;
		if (hk_ct_lock(dep, HK_LOCK_TRY, 0, &j->locks[j->n_locks], &e) < 0)
			return hk_error_set(
				err, EBUSY,
				"snapshot clone \"%s\" is built on it and is %s; stop it "
				"first (its config names \"%s\"'s rootfs)",
				deps->v[i], hk_state_name(hk_state_effective_ct(dep, NULL)),
				j->old);
		j->n_locks++;
	}
	return 0;
}

/* An edit of the config at before_path, to be written at after_path;
 * with rename_uts, lxc.uts.name becomes NEW when it was OLD or unset. */
static int plan_edit(struct job *j, const char *before_path, const char *after_path,
		     bool rename_uts, struct hk_error **err)
{
	hk_autofree char *text = NULL;
	if (hk_read_file(before_path, &text, NULL, err) < 0)
		return -1;
	char *after = hk_rename_config_paths(text, j->old_ct->dir, j->new_ct->dir);
	if (rename_uts) {
		char *set = hk_config_text_set(after, "lxc.uts.name", j->new, err);
		free(after);
		if (!set)
			return -1;
		after = set;
	}
	j->edits = xrealloc(j->edits, (j->n_edits + 1) * sizeof(*j->edits));
	j->edits[j->n_edits++] = (struct edit){ xstrdup(after_path), xstrdup(text), after };
	return 0;
}

/* Every config that names OLD's directory: its own, its snapshots',
 * its snapshot clones'. */
static int plan_edits(struct job *j, const struct hk_strv *deps, struct hk_error **err)
{
	hk_autofree char *own = xasprintf("%s/config", j->old_ct->dir);
	hk_autofree char *own_after = xasprintf("%s/config", j->new_ct->dir);
	const char *uts = j->cfg->uts_name;
	if (plan_edit(j, own, own_after, !uts || !strcmp(uts, j->old), err) < 0)
		return -1;
	hk_autofree char *snaps = xasprintf("%s/snaps", j->old_ct->dir);
	DIR *d = opendir(snaps);
	for (struct dirent *e; d && (e = readdir(d));) {
		if (!hk_snapshot_name_ok(e->d_name, NULL))
			continue;
		hk_autofree char *b = xasprintf("%s/%s/config", snaps, e->d_name);
		hk_autofree char *a = xasprintf("%s/snaps/%s/config", j->new_ct->dir, e->d_name);
		if (access(b, F_OK) == 0 && plan_edit(j, b, a, false, err) < 0) {
			closedir(d);
			return -1;
		}
	}
	if (d)
		closedir(d);
	for (size_t i = 0; i < deps->n; i++) {
		hk_autofree char *c = xasprintf("%s/%s/config", hk_store_path(j->st), deps->v[i]);
		if (plan_edit(j, c, c, false, err) < 0)
			return -1;
	}
	return 0;
}

static void undo_move(void *arg)
{
	struct job *j = arg;
	if (renameat2(AT_FDCWD, j->new_ct->dir, AT_FDCWD, j->old_ct->dir, RENAME_NOREPLACE) < 0)
		hk_log(HK_LOG_ERROR, "rename: cannot move \"%s\" back to \"%s\": %m",
		       j->new_ct->dir, j->old_ct->dir);
}

static void undo_edit(void *arg)
{
	struct edit *e = arg;
	hk_autoerr struct hk_error *err = NULL;
	if (hk_write_file_atomic(e->file, e->before, strlen(e->before), 0644, &err) < 0)
		hk_log(HK_LOG_ERROR, "rename: cannot put back %s: %s", e->file, err->msg);
}

static int move_and_write(struct job *j, struct hk_error **err)
{
	if (hk_cleanup_at(&j->cs, HK_STEP_RENAME_DIR, err) < 0)
		return -1;
	if (renameat2(AT_FDCWD, j->old_ct->dir, AT_FDCWD, j->new_ct->dir, RENAME_NOREPLACE) < 0)
		return hk_error_errno(err, "cannot rename \"%s\" to \"%s\"", j->old_ct->dir,
				      j->new_ct->dir);
	hk_cleanup_push(&j->cs, undo_move, j, NULL);
	if (hk_cleanup_at(&j->cs, HK_STEP_RENAME_CONFIGS, err) < 0)
		return -1;
	/* Last first: the undo of the container's own config (edit 0) runs
	 * last, after the others went back. */
	for (size_t i = j->n_edits; i-- > 0;) {
		struct edit *e = &j->edits[i];
		if (hk_write_file_atomic(e->file, e->after, strlen(e->after), 0644, err) < 0)
			return -1;
		hk_cleanup_push(&j->cs, undo_edit, e, NULL);
	}
	return 0;
}

/* The state file (how it last stopped) goes to NEW's run directory; OLD's
 * goes with the sweep once its lock is let go. */
static void move_run_state(struct job *j)
{
	hk_autofree char *a = hk_state_path_ct(j->old_ct);
	hk_autofree char *b = hk_state_path_ct(j->new_ct);
	if (rename(a, b) < 0 && errno != ENOENT)
		hk_log(HK_LOG_DEBUG, "rename: cannot move %s: %m", a);
}

static int run(struct job *j, struct hk_error **err)
{
	struct hk_strv deps = { 0 };
	int rc = -1;
	hk_autoclose int claim = -1; /* LXC's name, held until the end */
	if (lock_old(j, err) < 0)
		goto out;
	if (!hk_ct_exists(j->old_ct)) {
		hk_ct_refuse_missing(j->old_ct, err);
		goto out;
	}
	claim = hk_runner_claim(j->st, j->old, HK_OP_RENAME, err);
	if (claim == -1 || !(j->cfg = hk_store_config(j->st, j->old, err)) ||
	    lock_new(j, err) < 0 || lock_dependents(j, &deps, err) < 0 ||
	    plan_edits(j, &deps, err) < 0)
		goto out;
	hk_cleanup_block_signals(&j->cs);
	if (move_and_write(j, err) < 0 || hk_cleanup_at(&j->cs, HK_STEP_RENAME_COMMIT, err) < 0)
		goto out;
	hk_cleanup_forget(&j->cs);
	/* After the commit: it only warns, and has no undo. */
	if (j->cfg->rootfs.raw) {
		j->spec = moved_value(j->cfg->rootfs.raw, j->old_ct->dir, j->new_ct->dir);
		hk_clone_rename_in_rootfs(j->spec, &j->cfg->idmap, j->old, j->new);
	}
	move_run_state(j);
	rc = 0;
out:
	hk_strv_clear(&deps);
	return rc;
}

int hk_rename(struct hk_store *st, const char *old, const char *new_name, struct hk_error **err)
{
	struct job j = { .st = st, .old = old, .new = new_name, .cs = HK_CLEANUP_INIT };
	if (hk_ct_open(st, old, HK_CT_MAY_BE_MISSING, &j.old_ct, err) < 0 ||
	    hk_ct_open(st, new_name, HK_CT_MAY_BE_MISSING, &j.new_ct, err) < 0) {
		job_free(&j);
		return hk_error_prefix(err, "rename");
	}
	if (!strcmp(old, new_name)) {
		job_free(&j);
		return hk_error_set(err, EINVAL, "rename \"%s\": the new name is the same", old);
	}
	int rc = run(&j, err);
	job_free(&j);
	if (rc < 0)
		return hk_error_prefix(err, "rename \"%s\" to \"%s\"", old, new_name);
	hk_store_prune_run_dir(st); /* OLD's run directory: its config is gone */
	hk_log(HK_LOG_INFO, "renamed container \"%s\" to \"%s\" in %s", old, new_name,
	       hk_store_path(st));
	return 0;
}
