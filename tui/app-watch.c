/* app-watch.c - the dashboard's use of the store watcher
 * (core/store-watch.c): inotify on the container path, the store's run
 * directory and each container's run directory, so the list refreshes
 * when the monitor writes a new state, not a second later.  Without
 * inotify the refresh timer still does the work. */
#include "app-internal.h"

void hk_app_watch_init(struct hk_app *app)
{
	app->watch = hk_store_watch_new(app->st, NULL); /* NULL: the timer still refreshes */
}

void hk_app_watch_update(struct hk_app *app)
{
	/* over many hosts, only this host's rows are this store's */
	hk_store_watch_update(app->watch, app->nhosts ? &app->local : &app->list);
}

bool hk_app_watch_drain(struct hk_app *app)
{
	return hk_store_watch_drain(app->watch);
}

void hk_app_watch_close(struct hk_app *app)
{
	hk_store_watch_freep(&app->watch);
}
