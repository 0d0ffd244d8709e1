/* app-watch.c - notices state changes at once: inotify watches on the
 * container path (containers made or removed), the store's run directory
 * (a container's run directory appearing) and each container's run
 * directory (its state file rewritten), so the list refreshes when the
 * monitor writes a new state, not a second later. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "app-internal.h"

/* State files are replaced by rename (IN_MOVED_TO).  No IN_CLOSE_WRITE:
 * probing a lock opens and closes its file, and would wake us forever. */
#define DIR_EVENTS (IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM)

void hk_app_watch_init(struct hk_app *app)
{
	app->watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (app->watch_fd < 0)
		return; /* the timer still refreshes */
	inotify_add_watch(app->watch_fd, hk_store_path(app->st), DIR_EVENTS | IN_ONLYDIR);
	inotify_add_watch(app->watch_fd, hk_store_run_dir(app->st), DIR_EVENTS | IN_ONLYDIR);
}

void hk_app_watch_update(struct hk_app *app)
{
	if (app->watch_fd < 0)
		return;
	/* Adding an existing watch is cheap and returns the same one; doing
	 * it every refresh also covers directories made (or made again)
	 * since the last one. */
	inotify_add_watch(app->watch_fd, hk_store_path(app->st), DIR_EVENTS | IN_ONLYDIR);
	inotify_add_watch(app->watch_fd, hk_store_run_dir(app->st), DIR_EVENTS | IN_ONLYDIR);
	for (size_t i = 0; i < app->list.n; i++) {
		hk_autofree char *dir = hk_store_container_run_dir(app->st, app->list.rows[i].name);
		inotify_add_watch(app->watch_fd, dir, DIR_EVENTS | IN_ONLYDIR);
	}
}

bool hk_app_watch_drain(struct hk_app *app)
{
	char buf[sizeof(struct inotify_event) + NAME_MAX + 1] __attribute__((aligned(8)));
	bool any = false;
	while (app->watch_fd >= 0 && read(app->watch_fd, buf, sizeof(buf)) > 0)
		any = true;
	return any;
}

void hk_app_watch_close(struct hk_app *app)
{
	if (app->watch_fd >= 0)
		close(app->watch_fd);
	app->watch_fd = -1;
}
