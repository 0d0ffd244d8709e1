/* app.c - the dashboard's main loop: it owns the screens (list, details,
 * help), lays them out on every draw (so a resize anywhere is just a
 * redraw), reads keys with a timeout equal to the time left until the
 * next refresh, and routes each key: to an open dialog first, then to
 * the filter being typed, then to the binding table (keys.c), and last to
 * the focused widget.  Nothing writes to stderr while curses owns the
 * screen: core's log goes to a ring shown in the status line. */
#include <limits.h>
#include <ncurses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app-internal.h"
#include "keyname.h"
#include "log.h"
#include "sanitize.h"
#include "term.h"

static void log_sink(void *ctx, enum hk_log_level level, const char *msg)
{
	struct hk_app *app = ctx;
	size_t i = app->log_next++ % HK_APP_LOG_LINES;
	free(app->log[i]);
	app->log[i] = xasprintf("%s %s", hk_log_level_name(level), msg);
	if (level >= HK_LOG_WARN) {
		hk_autofree char *safe = hk_sanitize_line(msg);
		hkw_status_set(app->status, level >= HK_LOG_ERROR ? HKW_ERROR : HKW_STATUS, "%s",
			       safe);
	}
}

const char *hk_app_selected(const struct hk_app *app)
{
	if (app->screen == HK_SCREEN_DETAILS)
		return app->details_name;
	return hkw_table_selected(app->table);
}

const struct hk_list_row *hk_app_row(const struct hk_app *app, const char *name)
{
	for (size_t i = 0; name && i < app->list.n; i++)
		if (strcmp(app->list.rows[i].name, name) == 0)
			return &app->list.rows[i];
	return NULL;
}

static void open_dialog(struct hk_app *app, struct hkw_dialog *d)
{
	if (app->dialog)
		hkw_destroy(hkw_dialog_widget(app->dialog));
	app->dialog = d;
	app->pending = HK_PENDING_NONE;
}

void hk_app_message(struct hk_app *app, const char *title, const char *text)
{
	open_dialog(app, hkw_dialog_message(title, text, HKW_ERROR));
}

void hk_app_error(struct hk_app *app, const char *title, const struct hk_error *err)
{
	hk_autofree char *msg = err ? hk_error_render(err) : xstrdup("unknown error");
	/* Messages can quote what a container controls: make it harmless. */
	hk_autofree char *safe = hk_sanitize_line(msg);
	hk_app_message(app, title, safe);
	hkw_status_set(app->status, HKW_ERROR, "%s", safe);
}

void hk_app_suspend(struct hk_app *app)
{
	(void)app;
	hk_term_suspend();
	hk_log_set_sink(hk_log_sink_stderr, NULL);
}

void hk_app_resume(struct hk_app *app)
{
	hk_log_set_sink(log_sink, app);
	hk_term_resume();
	hkw_cursescanvas_resize(&app->canvas);
	hk_app_remote_touch(app);
}

/* Places every widget for the current screen size. */
static void layout(struct hk_app *app)
{
	struct hkw_canvas *c = &app->canvas.base;
	int h = c->h, w = c->w;
	hkw_resize(hkw_table_widget(app->table), 1, 0, h - 3, w);
	hkw_resize(hkw_status_widget(app->status), h - 2, 0, 1, w);
	hkw_resize(hkw_keybar_widget(app->keybar), h - 1, 0, 1, w);
	hkw_resize(hkw_tabs_widget(app->tabs), 1, 0, 1, w);
	hkw_resize(hkw_textview_widget(app->text), 2, 0, h - 4, w);
	hkw_resize(hkw_tree_widget(app->tree), 2, 0, h - 4, w);
	hkw_resize(hkw_textview_widget(app->help), 1, 0, h - 3, w);
	if (app->screen == HK_SCREEN_HELP && app->help_width != w)
		hk_app_help_fill(app); /* rewrapped for the new width */
	if (app->dialog)
		hkw_resize(hkw_dialog_widget(app->dialog), 0, 0, h, w);
}

static void draw_filter_line(struct hk_app *app, struct hkw_canvas *c)
{
	int y = c->h - 2;
	int used = hkw_text(c, y, 0, c->w, HKW_STATUS, "Filter (regex, !RE inverts): /");
	hkw_input_draw(&app->filter_in, c, y, used, c->w - used, true);
}

static void draw(struct hk_app *app)
{
	struct hkw_canvas *c = &app->canvas.base;
	erase();
	app->canvas.cur_y = -1;
	layout(app);
	hk_list_screen_draw_header(app, c);
	switch (app->screen) {
	case HK_SCREEN_LIST:
		hkw_draw(hkw_table_widget(app->table), c);
		break;
	case HK_SCREEN_DETAILS:
		hkw_draw(hkw_tabs_widget(app->tabs), c);
		hkw_draw(hk_details_body(app), c);
		break;
	case HK_SCREEN_HELP:
		hkw_draw(hkw_textview_widget(app->help), c);
		break;
	}
	if (app->filtering)
		draw_filter_line(app, c);
	else
		hkw_draw(hkw_status_widget(app->status), c);
	hkw_draw(hkw_keybar_widget(app->keybar), c);
	if (app->dialog)
		hkw_draw(hkw_dialog_widget(app->dialog), c);
	hk_term_present(app->canvas.cur_y, app->canvas.cur_x);
}

void hk_app_redraw_now(struct hk_app *app)
{
	draw(app);
}

void hk_app_refresh_data(struct hk_app *app)
{
	hk_list_screen_refresh(app);
	hk_app_watch_update(app);
	if (app->screen == HK_SCREEN_DETAILS)
		hk_details_refresh(app);
}

void hk_app_tick(struct hk_app *app)
{
	hk_list_screen_tick(app);
	hk_app_watch_update(app);
	if (app->screen == HK_SCREEN_DETAILS)
		hk_details_refresh(app);
}

/* A key that does nothing says so (htop's F2 setup, a typo), rather than
 * being swallowed. */
static void unknown_key(struct hk_app *app, int key)
{
	if (key == KEY_RESIZE || key == KEY_MOUSE || key < 0)
		return;
	char buf[32];
	const char *name = hkw_key_name(key, buf, sizeof(buf));
	hkw_status_set(app->status, HKW_STATUS, "%s does nothing here; ? lists the keys.",
		       name && *name ? name : "That key");
}

static void filter_key(struct hk_app *app, int key)
{
	if (key == 27) {
		app->filtering = false;
		hk_list_screen_filter_set(app, NULL, NULL);
	} else if (key == '\n') {
		app->filtering = false;
		if (app->filter_error) /* applied, but matches nothing: say why */
			hkw_status_set(app->status, HKW_ERROR, "%s", app->filter_error);
	} else {
		hkw_input_key(&app->filter_in, key);
	}
	hk_autoerr struct hk_error *err = NULL;
	if (app->filtering && hk_list_screen_filter_set(app, app->filter_in.buf, &err) < 0)
		hkw_status_set(app->status, HKW_ERROR, "%s", err->msg);
	else if (app->filtering)
		hkw_status_set(app->status, HKW_STATUS, " ");
	hk_list_screen_merge(app); /* the rows in memory, filtered again */
}

static void dialog_key(struct hk_app *app, int key)
{
	unsigned r = hkw_handle_key(hkw_dialog_widget(app->dialog), key);
	if (r & HKW_CLOSE)
		hk_app_dialog_done(app);
}

static struct hkw_widget *focused(struct hk_app *app)
{
	switch (app->screen) {
	case HK_SCREEN_LIST:
		return hkw_table_widget(app->table);
	case HK_SCREEN_DETAILS:
		return hk_details_body(app);
	case HK_SCREEN_HELP:
		return hkw_textview_widget(app->help);
	}
	return NULL;
}

static struct hkw_widget *focused(struct hk_app *app);

/* --mouse: a click selects a row (a click on the selected row opens its
 * details), the wheel moves. */
static void mouse(struct hk_app *app)
{
	MEVENT ev;
	if (getmouse(&ev) != OK || app->dialog)
		return;
	if (ev.bstate & BUTTON4_PRESSED) {
		hkw_handle_key(focused(app), KEY_UP);
	} else if (ev.bstate & BUTTON5_PRESSED) {
		hkw_handle_key(focused(app), KEY_DOWN);
	} else if (app->screen == HK_SCREEN_LIST && (ev.bstate & BUTTON1_CLICKED)) {
		const char *before = hkw_table_selected(app->table);
		hk_autofree char *was = before ? xstrdup(before) : NULL;
		if (hkw_table_click(app->table, ev.y) && was &&
		    strcmp(was, hkw_table_selected(app->table)) == 0)
			hk_app_action(app, HK_ACT_DETAILS);
	}
}

static void handle_key(struct hk_app *app, int key)
{
	if (key == KEY_MOUSE) {
		mouse(app);
		return;
	}
	if (key == KEY_RESIZE) {
		hkw_cursescanvas_resize(&app->canvas);
		return;
	}
	if (app->dialog) {
		dialog_key(app, key);
		return;
	}
	if (app->filtering) {
		filter_key(app, key);
		return;
	}
	/* Tabs take Tab/S-Tab on the details screen before the bindings. */
	if (app->screen == HK_SCREEN_DETAILS) {
		unsigned r = hkw_handle_key(hkw_tabs_widget(app->tabs), key);
		if (r & HKW_RESCAN) {
			bool log = hkw_tabs_active(app->tabs) == HK_TAB_LOG;
			hkw_textview_follow(app->text, log);
			hkw_textview_set_top(app->text, 0);
			hk_details_refresh(app);
			return;
		}
	}
	/* In the details and help, the view's own keys (+ - * f ...) come
	 * first; on the list the bindings do, so that a remap always wins. */
	if (app->screen != HK_SCREEN_LIST && (hkw_handle_key(focused(app), key) & HKW_HANDLED))
		return;
	enum hk_action a = hk_keys_action(key);
	if (a != HK_ACT_NONE) {
		hk_app_action(app, a);
		return;
	}
	if (app->screen == HK_SCREEN_LIST && !(hkw_handle_key(focused(app), key) & HKW_HANDLED))
		unknown_key(app, key);
}

/* The descriptors the loop waits on besides the keyboard. */
static size_t loop_fds(const struct hk_app *app, int *fds, size_t max)
{
	size_t n = 0;
	if (hk_store_watch_fd(app->watch) >= 0)
		fds[n++] = hk_store_watch_fd(app->watch);
	if (hk_app_job_running(app))
		fds[n++] = app->job_fd;
	return n + hk_app_remote_fds(app, fds + n, max - n);
}

static void loop(struct hk_app *app)
{
	int64_t next = hk_now_ms() + app->refresh_ms;
	size_t max = app->nhosts + 2;
	hk_autofree int *fds = xcalloc(max, sizeof(*fds));
	bool dirty = true;
	while (!app->quit) {
		if (dirty)
			draw(app);
		dirty = true;
		/* A BUSY row (another program's create, clone or destroy
		 * holds its lock) ends with no event the watches see (a lock
		 * goes with a close): the list looks again soon instead of at
		 * the next timed refresh. */
		const struct hk_list *here = app->nhosts ? &app->local : &app->list;
		int64_t soon = hk_now_ms() + hk_store_watch_recheck_ms(here, INT_MAX);
		if (next > soon)
			next = soon;
		int64_t left = next - hk_now_ms();
		if (hk_app_job_running(app) && left > 150)
			left = 150;				/* the spinner */
		long long remote = hk_app_remote_deadline(app); /* silence, a reconnect */
		if (app->merge_pending && (remote < 0 || app->merged_ms + HK_APP_MERGE_MS < remote))
			remote = app->merged_ms + HK_APP_MERGE_MS;
		if (remote >= 0 && remote - hk_now_ms() < left)
			left = remote - hk_now_ms() + 1;
		size_t nfds = loop_fds(app, fds, max);
		int key = hk_term_key(left > 0 ? (int)left : 0, fds, nfds);
		bool job = hk_app_job_running(app);
		hk_app_job_poll(app);
		unsigned what = app->nhosts ? hk_app_remote_poll(app) : 0;
		app->merge_pending |= what != 0;
		bool remote_changed =
			(what & HK_REMOTE_HOSTS) ||
			(app->merge_pending && hk_now_ms() >= app->merged_ms + HK_APP_MERGE_MS);
		if (remote_changed) {
			hk_list_screen_merge(app); /* from memory: no local scan */
			if (app->screen == HK_SCREEN_DETAILS &&
			    hk_app_host_of(app, app->details_name, NULL))
				hk_details_refresh(app);
		}
		if (key == HK_TERM_WAKE && hk_app_watch_drain(app)) {
			hk_app_refresh_data(app);
			continue;
		}
		/* the timer, also when streams keep waking the loop */
		if ((key == ERR || key == HK_TERM_WAKE) && hk_now_ms() >= next) {
			hk_app_tick(app);
			next = hk_now_ms() + app->refresh_ms;
			continue;
		}
		/* a heartbeat, a stream's bytes that changed nothing or a
		 * change left for the next merge: the screen is as it was */
		if ((key == HK_TERM_WAKE || key == ERR) && !remote_changed && !job) {
			dirty = false;
			continue;
		}
		if (key != ERR && key != HK_TERM_WAKE)
			handle_key(app, key);
	}
	if (hk_app_job_running(app)) {
		hkw_status_set(app->status, HKW_BUSY, "Waiting for \"%s\" to finish...",
			       app->job_what);
		draw(app);
		hk_app_job_wait(app);
	}
}

static void make_widgets(struct hk_app *app)
{
	static const char *const tab_titles[HK_TAB_COUNT] = { "Info", "Cgroups", "ID maps",
							      "Config", "Console log" };
	size_t ncols;
	const struct hkw_column *cols = hk_list_screen_columns(app, &ncols);
	app->table = hkw_table_new(cols, ncols);
	hk_autofree char *path = hk_sanitize_line(hk_store_path(app->st));
	app->empty_text = xasprintf("No containers in %s. Press n to create one, or start hako "
				    "with -P PATH for another container path.",
				    path);
	hkw_table_set_empty_text(app->table, app->empty_text);
	app->keybar = hkw_keybar_new();
	hk_keys_fill_keybar(app->keybar, app->read_only);
	app->status = hkw_status_new();
	hkw_status_set(app->status, HKW_STATUS, "%s",
		       app->read_only ? "Read-only: actions are off. Press ? for help."
				      : "Press ? for help.");
	app->tabs = hkw_tabs_new(tab_titles, HK_TAB_COUNT);
	app->text = hkw_textview_new();
	app->tree = hkw_tree_new();
	app->help = hkw_textview_new();
}

static void app_free(struct hk_app *app)
{
	hkw_destroy(hkw_table_widget(app->table));
	hkw_destroy(hkw_keybar_widget(app->keybar));
	hkw_destroy(hkw_status_widget(app->status));
	hkw_destroy(hkw_tabs_widget(app->tabs));
	hkw_destroy(hkw_textview_widget(app->text));
	hkw_destroy(hkw_tree_widget(app->tree));
	hkw_destroy(hkw_textview_widget(app->help));
	if (app->dialog)
		hkw_destroy(hkw_dialog_widget(app->dialog));
	hk_list_free(&app->list);
	for (size_t i = 0; i < app->nsamples; i++)
		free(app->samples[i].name);
	free(app->samples);
	free(app->cpu_pct);
	free(app->mem);
	free(app->pids);
	free(app->table_row);
	if (app->filter_ok)
		regfree(&app->filter_re);
	free(app->filter);
	free(app->filter_error);
	free(app->empty_text);
	free(app->details_name);
	free(app->pending_name);
	free(app->theme);
	free(app->job_what);
	free(app->job_select);
	hk_buf_free(&app->job_out);
	hk_app_watch_close(app);
	hk_app_remote_close(app);
	hk_list_free(&app->local);
	free(app->fetched_key);
	free(app->fetched);
	for (size_t i = 0; i < HK_APP_LOG_LINES; i++)
		free(app->log[i]);
	if (app->cg_ok) {
		hk_cgroup_delegation_free(&app->deleg);
		hk_cgroup_info_free(&app->cg);
	}
	hk_store_free(app->st);
}

/* Host facts read once: host name, cgroup layout and delegation. */
static void read_host(struct hk_app *app)
{
	if (gethostname(app->hostname, sizeof(app->hostname) - 1) < 0)
		snprintf(app->hostname, sizeof(app->hostname), "?");
	hk_autoerr struct hk_error *err = NULL;
	app->cg_ok = hk_cgroup_detect("", &app->cg, &err) == 0;
	if (app->cg_ok && !hk_store_is_root(app->st))
		hk_cgroup_check_delegation(&app->cg, hk_store_uid(app->st), hk_store_gid(app->st),
					   &app->deleg);
}

static int setup(struct hk_app *app, const struct hk_app_opts *o)
{
	hk_autoerr struct hk_error *err = NULL;
	if (hk_store_open(o->lxcpath, &app->st, &err) < 0) {
		hk_autofree char *m = hk_error_render(err);
		fprintf(stderr, "hako: error: %s\n", m);
		return -1;
	}
	const struct hk_settings *s = hk_store_settings(app->st);
	app->refresh_ms = s->refresh_ms >= 100 ? s->refresh_ms : 1000;
	app->rescan_ms = s->rescan_ms;
	hk_keys_reset();
	read_host(app);
	return hk_app_remote_init(app, o->remote);
}

/* [keys] remaps; a bad line is shown once the screen is up. */
static void apply_keys(struct hk_app *app)
{
	hk_autoerr struct hk_error *err = NULL;
	if (hk_keys_remap(&hk_store_settings(app->st)->keys, &err) < 0)
		hk_app_error(app, "hako.conf [keys]: the default is kept for this line", err);
	hk_keys_fill_keybar(app->keybar, app->read_only);
}

int hk_app_run(const struct hk_app_opts *o)
{
	int64_t started_ns = hk_clock_ns(CLOCK_MONOTONIC);
	unsigned bench = hk_app_bench_frames();
	struct hk_app_bench_result br = { 0 };
	struct hk_app app = { .opts = o, .read_only = o->read_only, .job_fd = -1 };
	if (setup(&app, o) < 0) {
		app_free(&app);
		return 1;
	}
	struct hk_term_opts to = { .mouse = o->mouse };
	if (!hk_term_init(&to)) {
		fprintf(stderr, "hako: error: %s\n", hk_term_error());
		app_free(&app);
		return 1;
	}
	hk_log_set_sink(log_sink, &app);
	hkw_cursescanvas_init(&app.canvas, hk_term_attrs(), hk_term_ascii());
	make_widgets(&app);
	const char *theme = o->theme ? o->theme : hk_store_settings(app.st)->theme;
	hk_app_theme_apply(&app, theme ? theme : "default");
	apply_keys(&app);
	hk_app_remote_start(&app);
	hk_list_screen_refresh(&app);
	if (app.show_local || !app.nhosts)
		hk_app_watch_init(&app);
	hk_app_watch_update(&app);
	if (bench)
		hk_app_bench(&app, bench, started_ns, &br);
	else
		loop(&app);
	hk_term_end();
	hk_log_set_sink(hk_log_sink_stderr, NULL);
	if (bench)
		hk_app_bench_print(&br);
	app_free(&app);
	return 0;
}
