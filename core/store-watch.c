/* store-watch.c - notices state changes at once: inotify watches on the
 * container path (containers made or removed), the store's run directory
 * (a container's run directory appearing) and each container's run
 * directory (its state file rewritten), and each directory of the
 * container path that is no container yet (its config arriving) or of
 * the run directory whose container is not listed, so the
 * list refreshes when the monitor writes a new state, not a second later.
 * Watches are added again only when the set of containers changed or an
 * event came (a run directory made again needs a new watch), not on every
 * refresh: with hundreds of containers that is hundreds of system calls a
 * second.  Used by the dashboard (tui/app-watch.c) and by `hako ls --json
 * --watch` (tui/cmd-ls.c). */
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "store-watch.h"
#include "util.h"

/* State files are replaced by rename (IN_MOVED_TO).  No IN_CLOSE_WRITE:
 * probing a lock opens and closes its file, and would wake us forever. */
#define DIR_EVENTS (IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM)

/* While a row is BUSY, how soon to look again (see the header). */
#define BUSY_RECHECK_MS 250

struct hk_store_watch {
	struct hk_store *st;
	int fd;
	struct hk_strv watched; /* containers whose run directory is watched */
	bool rewatch;		/* an event came: add every watch again */
	bool run_dir_watched;
	bool states_watched; /* every active row's run directory (sees_states) */
};

static bool add_dir(struct hk_store_watch *w, const char *dir)
{
	return inotify_add_watch(w->fd, dir, DIR_EVENTS | IN_ONLYDIR) >= 0;
}

struct hk_store_watch *hk_store_watch_new(struct hk_store *st, struct hk_error **err)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0) {
		hk_error_errno(err,
			       "watch container path \"%s\": inotify_init1 (raise "
			       "fs.inotify.max_user_instances, or close another watcher)",
			       hk_store_path(st));
		return NULL;
	}
	struct hk_store_watch *w = xcalloc(1, sizeof(*w));
	w->st = st;
	w->fd = fd;
	/* A container path not made yet is added by the next update. */
	add_dir(w, hk_store_path(st));
	w->run_dir_watched = add_dir(w, hk_store_run_dir(st));
	w->rewatch = true;
	return w;
}

void hk_store_watch_free(struct hk_store_watch *w)
{
	if (!w)
		return;
	close(w->fd);
	hk_strv_clear(&w->watched);
	free(w);
}

void hk_store_watch_freep(struct hk_store_watch **w)
{
	hk_store_watch_free(*w);
	*w = NULL;
}

int hk_store_watch_fd(const struct hk_store_watch *w)
{
	return w ? w->fd : -1;
}

/* True when the list holds exactly the containers watched last time. */
static bool same_names(const struct hk_store_watch *w, const struct hk_list *l)
{
	if (w->watched.n != l->n)
		return false;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(w->watched.v[i], l->rows[i].name) != 0)
			return false;
	return true;
}

static bool listed(const struct hk_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->rows[i].name, name) == 0)
			return true;
	return false;
}

/* Watches each directory under path whose name is not listed:
 * - in the container path, a directory that is no container yet: another
 *   program's create, whose config lands in it later (by rename).
 *   Without a watch on it the container showed only at the next timed
 *   refresh;
 * - in the run directory, the run directory of a container the list
 *   leaves out (ls --running: a stopped one), whose start is seen only
 *   there (its state file). */
static void watch_unlisted(struct hk_store_watch *w, const char *path, const struct hk_list *l)
{
	DIR *d = opendir(path); /* O_CLOEXEC: glibc's opendir sets it */
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.' || (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) ||
		    listed(l, e->d_name))
			continue;
		hk_autofree char *dir = xasprintf("%s/%s", path, e->d_name);
		add_dir(w, dir);
	}
	closedir(d);
}

bool hk_store_watch_update(struct hk_store_watch *w, const struct hk_list *l)
{
	if (!w)
		return false;
	/* The run directory is made by the first start: until then, try. */
	if (!w->run_dir_watched && add_dir(w, hk_store_run_dir(w->st))) {
		w->run_dir_watched = true;
		w->rewatch = true;
	}
	if (!w->rewatch && same_names(w, l))
		return false;
	/* Adding an existing watch is cheap and returns the same one; it
	 * also covers directories made (or made again) since the last time. */
	add_dir(w, hk_store_path(w->st));
	add_dir(w, hk_store_run_dir(w->st));
	watch_unlisted(w, hk_store_path(w->st), l);
	watch_unlisted(w, hk_store_run_dir(w->st), l);
	struct hk_strv now = { 0 };
	bool added = false;
	w->states_watched = w->run_dir_watched;
	for (size_t i = 0; i < l->n; i++) {
		hk_autofree char *dir = hk_store_container_run_dir(w->st, l->rows[i].name);
		if (!add_dir(w, dir) && hk_state_is_active(l->rows[i].state))
			w->states_watched = false;
		added = added || !hk_strv_contains(&w->watched, l->rows[i].name);
		hk_strv_push(&now, l->rows[i].name);
	}
	hk_strv_clear(&w->watched);
	w->watched = now;
	w->rewatch = false;
	return added;
}

bool hk_store_watch_sees_states(const struct hk_store_watch *w)
{
	return w && w->states_watched && !w->rewatch;
}

bool hk_store_watch_drain(struct hk_store_watch *w)
{
	char buf[sizeof(struct inotify_event) + NAME_MAX + 1] __attribute__((aligned(8)));
	bool any = false;
	while (w && read(w->fd, buf, sizeof(buf)) > 0)
		any = true;
	if (any)
		w->rewatch = true;
	return any;
}

int hk_store_watch_recheck_ms(const struct hk_list *l, int idle_ms)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->rows[i].state == HK_STATE_BUSY)
			return idle_ms < BUSY_RECHECK_MS ? idle_ms : BUSY_RECHECK_MS;
	return idle_ms;
}
