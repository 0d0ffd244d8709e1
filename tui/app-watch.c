/* app-watch.c - notices state changes at once: inotify watches on the
 * container path (containers made or removed), the store's run directory
 * (a container's run directory appearing) and each container's run
 * directory (its state file rewritten), and each directory of the
 * container path that is no container yet (its config arriving), so the
 * list refreshes when the monitor writes a new state, not a second later.  Watches are added
 * again only when the set of containers changed or an event came (a run
 * directory made again needs a new watch), not on every refresh: with
 * hundreds of containers that is hundreds of system calls a second. */
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "app-internal.h"

/* State files are replaced by rename (IN_MOVED_TO).  No IN_CLOSE_WRITE:
 * probing a lock opens and closes its file, and would wake us forever. */
#define DIR_EVENTS (IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM)

static bool add_dir(struct hk_app *app, const char *dir)
{
	return inotify_add_watch(app->watch_fd, dir, DIR_EVENTS | IN_ONLYDIR) >= 0;
}

void hk_app_watch_init(struct hk_app *app)
{
	app->watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (app->watch_fd < 0)
		return; /* the timer still refreshes */
	add_dir(app, hk_store_path(app->st));
	app->run_dir_watched = add_dir(app, hk_store_run_dir(app->st));
	app->rewatch = true;
}

/* True when the list holds exactly the containers watched last time. */
static bool same_names(const struct hk_app *app)
{
	if (app->watched.n != app->list.n)
		return false;
	for (size_t i = 0; i < app->list.n; i++)
		if (strcmp(app->watched.v[i], app->list.rows[i].name) != 0)
			return false;
	return true;
}

static bool listed(const struct hk_app *app, const char *name)
{
	for (size_t i = 0; i < app->list.n; i++)
		if (strcmp(app->list.rows[i].name, name) == 0)
			return true;
	return false;
}

/* A directory of the container path that is no container yet: another
 * program's create, whose config lands in it later (by rename).  Without
 * a watch on it the container showed only at the next timed refresh. */
static void watch_unlisted(struct hk_app *app)
{
	DIR *d = opendir(hk_store_path(app->st));
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.' || (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) ||
		    listed(app, e->d_name))
			continue;
		hk_autofree char *dir = xasprintf("%s/%s", hk_store_path(app->st), e->d_name);
		add_dir(app, dir);
	}
	closedir(d);
}

void hk_app_watch_update(struct hk_app *app)
{
	if (app->watch_fd < 0)
		return;
	/* The run directory is made by the first start: until then, try. */
	if (!app->run_dir_watched && add_dir(app, hk_store_run_dir(app->st))) {
		app->run_dir_watched = true;
		app->rewatch = true;
	}
	if (!app->rewatch && same_names(app))
		return;
	/* Adding an existing watch is cheap and returns the same one; it
	 * also covers directories made (or made again) since the last time. */
	add_dir(app, hk_store_path(app->st));
	add_dir(app, hk_store_run_dir(app->st));
	watch_unlisted(app);
	hk_strv_clear(&app->watched);
	for (size_t i = 0; i < app->list.n; i++) {
		hk_autofree char *dir = hk_store_container_run_dir(app->st, app->list.rows[i].name);
		add_dir(app, dir);
		hk_strv_push(&app->watched, app->list.rows[i].name);
	}
	app->rewatch = false;
}

bool hk_app_watch_drain(struct hk_app *app)
{
	char buf[sizeof(struct inotify_event) + NAME_MAX + 1] __attribute__((aligned(8)));
	bool any = false;
	while (app->watch_fd >= 0 && read(app->watch_fd, buf, sizeof(buf)) > 0)
		any = true;
	if (any)
		app->rewatch = true;
	return any;
}

void hk_app_watch_close(struct hk_app *app)
{
	if (app->watch_fd >= 0)
		close(app->watch_fd);
	app->watch_fd = -1;
	hk_strv_clear(&app->watched);
}
