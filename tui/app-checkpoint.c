/* app-checkpoint.c - the dashboard's checkpoint key (hako checkpoint and
 * hako restore, checkpoint.h): on a running container a form asks for
 * the directory (a new one in the container's directory, named by the
 * time) and whether it stops after the dump; on a stopped one, for the
 * directory to restore from (the newest checkpoint there).  Both run as
 * a job, like a start. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app-internal.h"
#include "checkpoint.h"
#include "dialog.h"

#define CKPT_PREFIX "checkpoint-"

/* The newest DIR/checkpoint-* that holds a checkpoint (names sort by
 * time), or NULL. */
static char *newest_checkpoint(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	char *best = NULL;
	for (struct dirent *e; (e = readdir(d));) {
		if (!hk_str_has_prefix(e->d_name, CKPT_PREFIX) ||
		    (best && strcmp(e->d_name, best) <= 0))
			continue;
		hk_autofree char *record = xasprintf("%s/%s/%s", dir, e->d_name, HK_CKPT_FILE);
		if (access(record, F_OK) == 0) {
			free(best);
			best = xstrdup(e->d_name);
		}
	}
	closedir(d);
	char *path = best ? xasprintf("%s/%s", dir, best) : NULL;
	free(best);
	return path;
}

void hk_app_checkpoint_dialog(struct hk_app *app, const char *name)
{
	const struct hk_list_row *r = hk_app_row(app, name);
	bool runs = r && (r->state == HK_STATE_RUNNING || r->state == HK_STATE_FROZEN);
	bool stopped = r && r->state == HK_STATE_STOPPED;
	bool foreign = r && r->runner != HK_RUNNER_NONE && r->runner != HK_RUNNER_HAKO;
	if (strchr(name, ':') || !r || (!runs && !stopped) || foreign) {
		hkw_status_set(
			app->status, HKW_ERROR, "Cannot checkpoint or restore \"%s\": %s.", name,
			strchr(name, ':') ? "it is on another host (run hako checkpoint there)"
			: !r		  ? "it is gone"
			: foreign	  ? "another program runs it"
					  : "it is neither running nor stopped");
		return;
	}
	hk_autofree char *cdir = hk_store_container_dir(app->st, name);
	hk_autofree char *title =
		xasprintf("%s \"%s\" (CRIU)", runs ? "Checkpoint" : "Restore", name);
	if (runs) {
		char stamp[32];
		time_t now = time(NULL);
		strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", gmtime(&now));
		hk_autofree char *dir = xasprintf("%s/" CKPT_PREFIX "%s", cdir, stamp);
		static const char *const labels[] = { "Directory", "Stop after (y/n)" };
		const char *defaults[] = { dir, "n" };
		hk_app_open_form(app, title, labels, defaults, 2, HK_PENDING_CHECKPOINT, name);
		return;
	}
	hk_autofree char *newest = newest_checkpoint(cdir);
	hk_autofree char *guess = newest ? NULL : xasprintf("%s/" CKPT_PREFIX, cdir);
	static const char *const labels[] = { "Directory" };
	const char *defaults[] = { newest ? newest : guess };
	hk_app_open_form(app, title, labels, defaults, 1, HK_PENDING_RESTORE, name);
}

static int checkpoint_job(struct hk_app *app, void *arg, struct hk_error **err)
{
	return hk_checkpoint(app->st, app->pending_name, arg, err);
}

static int restore_job(struct hk_app *app, void *arg, struct hk_error **err)
{
	return hk_restore(app->st, app->pending_name, arg, NULL, err);
}

void hk_app_checkpoint_done(struct hk_app *app, enum hk_pending what)
{
	hk_autofree char *dir_text = xstrdup(hkw_dialog_value(app->dialog, 0));
	hk_autofree char *stop_text =
		what == HK_PENDING_CHECKPOINT ? xstrdup(hkw_dialog_value(app->dialog, 1)) : NULL;
	hkw_destroy(hkw_dialog_widget(app->dialog));
	app->dialog = NULL;
	const char *dir = hk_str_trim(dir_text), *stop = stop_text ? hk_str_trim(stop_text) : NULL;
	if (!*dir) {
		hkw_status_set(app->status, HKW_ERROR, "No directory given: nothing done.");
		return;
	}
	hk_autofree char *label =
		xasprintf("%s \"%s\" %s \"%s\"",
			  what == HK_PENDING_CHECKPOINT ? "Checkpointing" : "Restoring",
			  app->pending_name, what == HK_PENDING_CHECKPOINT ? "into" : "from", dir);
	/* The job's child gets a copy of the options and what they point to. */
	if (what == HK_PENDING_CHECKPOINT) {
		struct hk_checkpoint_opts o = { .dir = dir,
						.stop = stop && (*stop == 'y' || *stop == 'Y') };
		hk_app_job_start(app, label, checkpoint_job, &o);
	} else {
		struct hk_restore_opts o = { .dir = dir };
		hk_app_job_start(app, label, restore_job, &o);
	}
}
