/* app-internal.h - the dashboard's state, shared by app.c (the loop and
 * layout), app-actions.c (what keys do to containers), app-theme.c
 * (theme files), screen-list.c (the container list) and screen-details.c
 * (the tabs of one container). */
#ifndef HAKO_APP_INTERNAL_H
#define HAKO_APP_INTERNAL_H

#include <regex.h>
#include <stdbool.h>
#include <stdint.h>

#include "app.h"
#include "bars.h"
#include "cgroup-manage.h"
#include "cgroup.h"
#include "dialog.h"
#include "input.h"
#include "keys.h"
#include "list.h"
#include "remote-link.h"
#include "remote-ssh.h"
#include "remote-watch.h"
#include "store-watch.h"
#include "store.h"
#include "style.h"
#include "wtable.h"
#include "tabs.h"
#include "textview.h"
#include "tree.h"
#include "widget.h"

enum hk_screen { HK_SCREEN_LIST, HK_SCREEN_DETAILS, HK_SCREEN_HELP };

/* What a dialog's "yes" will do. */
enum hk_pending {
	HK_PENDING_NONE,
	HK_PENDING_KILL,
	HK_PENDING_STOP,
	HK_PENDING_RESTART,
	HK_PENDING_DESTROY,
	HK_PENDING_CREATE,
	HK_PENDING_CLONE,
	HK_PENDING_RENAME,
	HK_PENDING_EXEC,
	HK_PENDING_DEVICE,
	HK_PENDING_CHECKPOINT,
	HK_PENDING_RESTORE,
};

/* CPU time seen at the last refresh, for CPU%. */
struct hk_cpu_sample {
	char *name;
	int64_t cpu_usec;
	int64_t at_usec; /* monotonic */
	double pct;	 /* the last CPU% worked out, < 0 unknown */
};

enum hk_tab { HK_TAB_INFO, HK_TAB_CGROUPS, HK_TAB_IDMAPS, HK_TAB_CONFIG, HK_TAB_LOG, HK_TAB_COUNT };

#define HK_APP_LOG_LINES 64
#define HK_APP_MERGE_MS	 400
#define HK_APP_FETCH_MS	 5000

/* One host of a many-host dashboard (app-remote.c): this one ("local",
 * rows from its own engine) or a remote, rows from its watch stream. */
struct hk_app_host {
	char *name;
	bool local;
	struct hk_remote r;   /* a remote's address (hako.conf [remotes]) */
	struct hk_rwatch *w;  /* the stream's reader while one runs, else NULL */
	struct hk_ssh_proc p; /* the stream's ssh; pid -1 when none */
	struct hk_rlink link;
	bool tried;	     /* a first stream was started */
	struct hk_list rows; /* the rows last known, kept while it is down */
	char *why;	     /* why it is down (with the fix), NULL while up */
};

struct hk_app {
	const struct hk_app_opts *opts;
	struct hk_store *st;
	bool read_only;
	unsigned refresh_ms;
	int rescan_ms; /* [tui] rescan: -1 auto, else the longest wait between full listings */
	bool quit;

	/* Host facts for the header. */
	char hostname[256];
	struct hk_cgroup_info cg;
	bool cg_ok;
	struct hk_cgroup_delegation deleg;

	/* Data of the last refresh. */
	struct hk_list list;
	struct hk_cpu_sample *samples;
	size_t nsamples;
	double *cpu_pct; /* per list row, < 0 unknown */
	int64_t *mem;	 /* per list row, -1 unknown */
	int64_t *pids;
	size_t *table_row; /* per list row, its row in app->table, SIZE_MAX filtered out */
	unsigned running, stopped;
	/* The full listing and the ticks between two (screen-list.c). */
	long long listed_ms;	   /* hk_now_ms of the last full listing */
	long long list_cost_us[5]; /* what the last five cost (a ring) */
	size_t list_costs;	   /* how many were made */

	/* Filter: the regex being typed, and the one applied. */
	bool filtering;
	struct hkw_input filter_in;
	char *filter;
	bool filter_invert;
	regex_t filter_re;
	bool filter_ok;
	char *filter_error; /* the typed filter is no regex: why; no row passes */
	char *empty_text;   /* what the list shows with no row (and no filter error) */

	enum hk_screen screen;
	struct hkw_cursescanvas canvas;
	struct hkw_table *table;
	struct hkw_keybar *keybar;
	struct hkw_status *status;
	struct hkw_tabs *tabs;
	struct hkw_textview *text; /* Info, ID maps, Config, Console log */
	struct hkw_tree *tree;	   /* Cgroups */
	struct hkw_textview *help;
	int help_width; /* the width its text was wrapped for */
	char *details_name;

	struct hkw_dialog *dialog;
	enum hk_pending pending;
	char *pending_name;

	/* Theme. */
	char *theme;
	struct hkw_style styles[HKW_ROLE_COUNT];

	/* The one background job (create, start, stop...): a child process
	 * running the core call, its error text coming back through a pipe. */
	pid_t job_pid;
	int job_fd;
	char *job_what;
	unsigned job_ticks;
	long long job_deadline_ms; /* a countdown shown while the job runs (hk_now_ms), or 0 */
	struct hk_buf job_out;	   /* what the child wrote so far */
	char *job_select;	   /* select this container when the job is done */

	/* inotify on the container path and the run directories, so that a
	 * state change shows at once (core/store-watch.h); NULL without
	 * inotify: the timer still refreshes. */
	struct hk_store_watch *watch;

	/* --remote: the hosts shown (none: this host alone, as always);
	 * multi: more than one, so rows are HOST:NAME and the HOST column
	 * shows; local: this host's rows when show_local. */
	struct hk_app_host *hosts;
	size_t nhosts;
	bool show_local;
	bool multi;
	struct hk_ssh ssh; /* BatchMode, for the streams and the jobs */
	bool ssh_ok;
	struct hk_list local;
	/* a remote's change waits for the next merge (at most one per
	 * HK_APP_MERGE_MS): 20 hosts' usage figures would otherwise rebuild
	 * the table some ten times a second */
	bool merge_pending;
	long long merged_ms;
	/* the details tab of a remote row as its hako printed it, fetched
	 * again after HK_APP_FETCH_MS (screen-details-remote.c) */
	char *fetched_key;
	size_t fetched_tab;
	long long fetched_ms;
	char *fetched;

	/* The log ring: what core logs while curses owns the screen. */
	char *log[HK_APP_LOG_LINES];
	size_t log_next;
};

/* app.c */
void hk_app_error(struct hk_app *app, const char *title, const struct hk_error *err);
/* A form dialog whose "yes" does what (for container name). */
void hk_app_open_form(struct hk_app *app, const char *title, const char *const *labels,
		      const char *const *defaults, size_t n, enum hk_pending what,
		      const char *name);
/* app-checkpoint.c: the checkpoint key's form (a dump of a running
 * container, a restore of a stopped one), and its "yes". */
void hk_app_checkpoint_dialog(struct hk_app *app, const char *name);
void hk_app_checkpoint_done(struct hk_app *app, enum hk_pending what);
void hk_app_message(struct hk_app *app, const char *title, const char *text);
void hk_app_redraw_now(struct hk_app *app);
/* The help screen's text, wrapped for the current width (its layout calls
 * it again when the width changes). */
void hk_app_help_fill(struct hk_app *app);
/* After a change (a watch's event, an action): the whole list again,
 * the watches, the open tab. */
void hk_app_refresh_data(struct hk_app *app);
/* What the refresh timer does: the rows that can have changed with no
 * event (hk_list_screen_tick), the open tab. */
void hk_app_tick(struct hk_app *app);
/* The selected container's name, or NULL. */
const char *hk_app_selected(const struct hk_app *app);
const struct hk_list_row *hk_app_row(const struct hk_app *app, const char *name);
void hk_app_suspend(struct hk_app *app);
void hk_app_resume(struct hk_app *app);

/* app-actions.c */
void hk_app_action(struct hk_app *app, enum hk_action a);
void hk_app_dialog_done(struct hk_app *app);

/* app-theme.c: loads NAME (a file path when it holds '/') over the
 * built-in default.  On error the default stays in styles. */
int hk_app_theme_load(struct hk_app *app, const char *name, struct hkw_style *styles,
		      struct hk_error **err);
/* Sets and applies a theme; an error opens a dialog and keeps default. */
void hk_app_theme_apply(struct hk_app *app, const char *name);
/* The name of the theme after `current` among the installed ones. */
char *hk_app_theme_next(struct hk_app *app, const char *current);

/* app-jobs.c: runs fn(app, arg, err) in a child; the loop polls it. */
typedef int (*hk_job_fn)(struct hk_app *app, void *arg, struct hk_error **err);
bool hk_app_job_start(struct hk_app *app, const char *what, hk_job_fn fn, void *arg);
/* The running job's status line counts down to "kill in N s" (a stop). */
void hk_app_job_countdown(struct hk_app *app, unsigned seconds);
/* Called by the loop: reaps a finished job (dialog on error). */
void hk_app_job_poll(struct hk_app *app);
bool hk_app_job_running(const struct hk_app *app);
/* Waits for a running job (at quit). */
void hk_app_job_wait(struct hk_app *app);
/* True inside a job's child: no drawing there. */
extern bool hk_app_in_job;

/* app-bench.c: HAKO_BENCH_FRAMES=N (0 when unset or bad). */
struct hk_app_bench_result {
	int64_t first_frame_realtime_ns, first_frame_ns, median_ns, max_ns;
	int64_t full_median_ns, full_max_ns; /* the full listing, forced */
	unsigned frames;
	long rss_kb, hwm_kb;
};
unsigned hk_app_bench_frames(void);
/* Draws the first frame, then `frames` refreshes; started_ns is the
 * CLOCK_MONOTONIC of hk_app_run's start. */
void hk_app_bench(struct hk_app *app, unsigned frames, int64_t started_ns,
		  struct hk_app_bench_result *out);
/* On stderr, once the terminal is restored. */
void hk_app_bench_print(const struct hk_app_bench_result *r);

/* app-watch.c: the dashboard's use of core/store-watch.h. */
void hk_app_watch_init(struct hk_app *app);
/* Adds watches for containers seen in the last refresh. */
void hk_app_watch_update(struct hk_app *app);
/* Drains pending events; true when something changed. */
bool hk_app_watch_drain(struct hk_app *app);
void hk_app_watch_close(struct hk_app *app);

/* app-remote.c: --remote NAME[,NAME...]|local|all; prints why and
 * returns -1 before the screen is up. */
int hk_app_remote_init(struct hk_app *app, const char *spec);
/* Starts every remote's stream (once the screen is up). */
void hk_app_remote_start(struct hk_app *app);
/* Reads the streams, notices silence, reconnects when due; says what
 * changed: a host's rows (merged at most every HK_APP_MERGE_MS), a
 * host's state (merged at once: up, down, trying). */
enum { HK_REMOTE_ROWS = 1 << 0, HK_REMOTE_HOSTS = 1 << 1 };
unsigned hk_app_remote_poll(struct hk_app *app);
/* The open streams' descriptors, for the loop's poll. */
size_t hk_app_remote_fds(const struct hk_app *app, int *fds, size_t max);
/* When hk_app_remote_poll has timed work next (hk_now_ms), -1: none. */
long long hk_app_remote_deadline(const struct hk_app *app);
/* After the terminal was given away (console, editor): the streams were
 * not read meanwhile, which is no silence of theirs. */
void hk_app_remote_touch(struct hk_app *app);
void hk_app_remote_close(struct hk_app *app);
/* The remote host of a row's key HOST:NAME (NULL for a local row), and
 * in *name the container's name there. */
struct hk_app_host *hk_app_host_of(const struct hk_app *app, const char *key, const char **name);
bool hk_app_host_up(const struct hk_app_host *h);
/* A remote's rows: live, or the last known while it is down. */
const struct hk_list *hk_app_host_rows(const struct hk_app_host *h);
/* How many hosts are down (first_try: still on their first connection,
 * never down); their names, comma-separated, into names. */
size_t hk_app_hosts_down(const struct hk_app *app, bool first_try, struct hk_buf *names);
/* Runs `hako ARGS` on the host of key, "{}" in ARGS standing for the
 * container's name there (and -P PATH of [remotes] after the verb);
 * its standard output into *out when wanted.  A failure says the host,
 * the remote hako's last line or ssh's problem with its fix. */
int hk_app_remote_run(struct hk_app *app, const char *key, const char *const *args,
		      unsigned timeout_ms, char **out, struct hk_error **err);
/* The same on this terminal with ssh -t (console, attach); the remote
 * command's exit status. */
int hk_app_remote_foreground(struct hk_app *app, const char *key, const char *const *args,
			     struct hk_error **err);

/* screen-list.c */
/* The full listing: every container, state, config, usage, nesting. */
void hk_list_screen_refresh(struct hk_app *app);
/* A timer's tick: the full listing when one is due (see the .c), else
 * the state, addresses and usage of the running rows on screen (all
 * running rows when a usage column sorts), the rest as listed. */
void hk_list_screen_tick(struct hk_app *app);
/* The rows again from what is in memory (a remote's change): no scan. */
void hk_list_screen_merge(struct hk_app *app);
void hk_list_screen_draw_header(struct hk_app *app, struct hkw_canvas *c);
const struct hkw_column *hk_list_screen_columns(const struct hk_app *app, size_t *n);
int hk_list_screen_filter_set(struct hk_app *app, const char *text, struct hk_error **err);

/* screen-details.c */
void hk_details_open(struct hk_app *app, const char *name);
void hk_details_refresh(struct hk_app *app);
struct hkw_widget *hk_details_body(struct hk_app *app);
/* screen-details-remote.c: tab of a remote's row r (HOST:NAME). */
void hk_details_fill_remote(struct hk_app *app, const struct hk_list_row *r, size_t tab);

#endif
