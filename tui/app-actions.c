/* app-actions.c - what the dashboard's keys do.  Every action on a
 * container calls the same core function as the CLI command (hk_start,
 * hk_stop, hk_freeze, hk_console_run, hk_attach, hk_create, hk_destroy);
 * errors open a dialog with the whole message.  With --read-only every
 * changing action is refused, saying so.  A remote's row (HOST:NAME,
 * `hako --remote`) is sent to its host: the same verb of the remote
 * hako as a job (app-remote.c), console and attach with ssh -t. */
#include <errno.h>
#include <ncurses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app-internal.h"
#include "attach.h"
#include "clone.h"
#include "config-edit.h"
#include "rename.h"
#include "config.h"
#include "console.h"
#include "create.h"
#include "device.h"
#include "lifecycle.h"
#include "pty.h"
#include "sanitize.h"
#include "state.h"

/* The containers an action applies to: the marked ones, else the
 * selected one.  Caller frees the vector. */
static void targets(struct hk_app *app, struct hk_strv *out)
{
	if (app->screen == HK_SCREEN_LIST && hkw_table_mark_count(app->table) > 0) {
		for (size_t i = 0; i < app->list.n; i++)
			if (hkw_table_marked(app->table, app->list.rows[i].name))
				hk_strv_push(out, app->list.rows[i].name);
		return;
	}
	const char *sel = hk_app_selected(app);
	if (sel)
		hk_strv_push(out, sel);
}

/* Stop as `hako stop -t [tui] stop_timeout` does. */
static int stop_gently(struct hk_app *app, const char *name, struct hk_error **err)
{
	struct hk_stop_opts so = { .timeout_s = hk_store_settings(app->st)->stop_timeout };
	return hk_stop(app->st, name, &so, err);
}

/* With marks, s and p act in one direction, chosen by the first target
 * (the selected one without marks): the ones already there are left. */
static bool is_active(struct hk_app *app, const char *name)
{
	const struct hk_list_row *r = hk_app_row(app, name);
	return r && hk_state_is_active(r->state);
}

static bool is_frozen(struct hk_app *app, const char *name)
{
	const struct hk_list_row *r = hk_app_row(app, name);
	return r && r->state == HK_STATE_FROZEN;
}

/* A remote's row: HOST:NAME (a container name never holds ':'). */
static bool is_remote(const char *name)
{
	return strchr(name, ':') != NULL;
}

#define REMOTE_VERB_MS 60000u /* a remote start, freeze...: ssh's own timeout comes first */

/* `hako ARGS` on the host of the remote row name ("{}": its name there). */
static int remote_verb(struct hk_app *app, const char *name, const char *const *args,
		       struct hk_error **err)
{
	return hk_app_remote_run(app, name, args, REMOTE_VERB_MS, NULL, err);
}

/* The remote's stop, with this dashboard's [tui] stop_timeout. */
static int remote_stop(struct hk_app *app, const char *name, struct hk_error **err)
{
	unsigned t = hk_store_settings(app->st)->stop_timeout;
	hk_autofree char *secs = xasprintf("%u", t);
	const char *args[] = { "stop", "-t", secs, "{}", NULL };
	return hk_app_remote_run(app, name, args, REMOTE_VERB_MS + t * 1000u, NULL, err);
}

static int do_start(struct hk_app *app, const char *name, struct hk_error **err)
{
	pid_t pid = 0;
	if (is_active(app, name))
		return 0;
	if (is_remote(name))
		return remote_verb(app, name, (const char *[]){ "start", "{}", NULL }, err);
	return hk_start(app->st, name, NULL, &pid, err);
}

static int do_stop(struct hk_app *app, const char *name, struct hk_error **err)
{
	if (!is_active(app, name))
		return 0;
	return is_remote(name) ? remote_stop(app, name, err) : stop_gently(app, name, err);
}

static int do_restart(struct hk_app *app, const char *name, struct hk_error **err)
{
	const struct hk_list_row *r = hk_app_row(app, name);
	if (r && hk_state_is_active(r->state) && do_stop(app, name, err) < 0)
		return -1;
	pid_t pid = 0;
	if (is_remote(name))
		return remote_verb(app, name, (const char *[]){ "start", "{}", NULL }, err);
	return hk_start(app->st, name, NULL, &pid, err);
}

static int do_kill(struct hk_app *app, const char *name, struct hk_error **err)
{
	struct hk_stop_opts so = { .kill = true };
	if (is_remote(name))
		return remote_verb(app, name, (const char *[]){ "stop", "-k", "{}", NULL }, err);
	return hk_stop(app->st, name, &so, err);
}

static int do_freeze(struct hk_app *app, const char *name, struct hk_error **err)
{
	if (!is_active(app, name) || is_frozen(app, name))
		return 0;
	if (is_remote(name))
		return remote_verb(app, name, (const char *[]){ "freeze", "{}", NULL }, err);
	return hk_freeze(app->st, name, true, err);
}

static int do_thaw(struct hk_app *app, const char *name, struct hk_error **err)
{
	if (!is_frozen(app, name))
		return 0;
	if (is_remote(name))
		return remote_verb(app, name, (const char *[]){ "unfreeze", "{}", NULL }, err);
	return hk_freeze(app->st, name, false, err);
}

static bool is_autostart(struct hk_app *app, const char *name)
{
	const struct hk_list_row *r = hk_app_row(app, name);
	return r && r->autostart;
}

/* lxc.start.auto, as `hako config NAME lxc.start.auto 0|1` sets it (also
 * while the container runs). */
static int set_autostart(struct hk_app *app, const char *name, bool on, struct hk_error **err)
{
	const char *v = on ? "1" : "0";
	if (is_remote(name))
		return remote_verb(app, name,
				   (const char *[]){ "config", "{}", "lxc.start.auto", v, NULL },
				   err);
	return hk_config_edit(app->st, name, "lxc.start.auto", v, err);
}

static int do_autostart_on(struct hk_app *app, const char *name, struct hk_error **err)
{
	return set_autostart(app, name, true, err);
}

static int do_autostart_off(struct hk_app *app, const char *name, struct hk_error **err)
{
	return set_autostart(app, name, false, err);
}

/* A running container was said to be killed first when D asked. */
static int do_destroy(struct hk_app *app, const char *name, struct hk_error **err)
{
	bool force = is_active(app, name);
	if (is_remote(name))
		return remote_verb(app, name,
				   force ? (const char *[]){ "destroy", "-f", "{}", NULL }
					 : (const char *[]){ "destroy", "{}", NULL },
				   err);
	return hk_destroy(app->st, name, force ? HK_DESTROY_FORCE : 0, err);
}

struct targets_job {
	struct hk_strv names;
	int (*fn)(struct hk_app *, const char *, struct hk_error **);
};

/* In the job's child: fn on every target, stopping at the first error. */
static int run_targets(struct hk_app *app, void *arg, struct hk_error **err)
{
	struct targets_job *j = arg;
	for (size_t i = 0; i < j->names.n; i++)
		if (j->fn(app, j->names.v[i], err) < 0)
			return -1;
	return 0;
}

/* Runs fn on every target as a background job; what says what it does
 * ("Starting").  Returns how many targets the job has (0: none started). */
static size_t for_targets(struct hk_app *app, const char *what,
			  int (*fn)(struct hk_app *, const char *, struct hk_error **))
{
	struct targets_job j = { .fn = fn };
	targets(app, &j.names);
	if (!j.names.n) {
		hkw_status_set(app->status, HKW_STATUS, "No container selected.");
		return 0;
	}
	hk_autofree char *label = j.names.n == 1 ? xasprintf("%s \"%s\"", what, j.names.v[0])
						 : xasprintf("%s %zu containers", what, j.names.n);
	size_t n = hk_app_job_start(app, label, run_targets, &j) ? j.names.n : 0;
	hk_strv_clear(&j.names);
	return n;
}

/* pred() of the first target: the first marked one in list order, else
 * the selected one. */
static bool first_target_is(struct hk_app *app, const char *sel,
			    bool (*pred)(struct hk_app *, const char *))
{
	hk_autostrv struct hk_strv names = { 0 };
	targets(app, &names);
	bool r = pred(app, names.n ? names.v[0] : sel);
	return r;
}

static void ask_about_targets(struct hk_app *app, enum hk_pending what, const char *verb);
static void stop_targets(struct hk_app *app);

/* Whether any target is pred (running, frozen); when none is, says so
 * ("Nothing to freeze: \"c4\" is STOPPED.") instead of a job that would
 * report a success that did nothing. */
static bool some_target(struct hk_app *app, bool (*pred)(struct hk_app *, const char *),
			const char *verb)
{
	hk_autostrv struct hk_strv names = { 0 };
	targets(app, &names);
	bool any = false;
	for (size_t i = 0; i < names.n && !any; i++)
		any = pred(app, names.v[i]);
	const struct hk_list_row *r = names.n == 1 ? hk_app_row(app, names.v[0]) : NULL;
	if (!any && r)
		hkw_status_set(app->status, HKW_ERROR, "Nothing to %s: \"%s\" is %s.", verb,
			       names.v[0], hk_state_name(r->state));
	else if (!any && names.n)
		hkw_status_set(app->status, HKW_ERROR,
			       "Nothing to %s: none of the %zu marked "
			       "containers is running.",
			       verb, names.n);
	else if (!any)
		hkw_status_set(app->status, HKW_STATUS, "No container selected.");
	return any;
}

/* What needs a running container (a shell, a command, the console). */
static bool selected_runs(struct hk_app *app, const char *sel, const char *what)
{
	const struct hk_list_row *r = hk_app_row(app, sel);
	if (r && hk_state_is_active(r->state))
		return true;
	hkw_status_set(app->status, HKW_ERROR, "Cannot %s \"%s\": it is %s; start it first (s).",
		       what, sel, r ? hk_state_name(r->state) : "gone");
	return false;
}

static void start_stop(struct hk_app *app, const char *sel)
{
	if (!first_target_is(app, sel, is_active)) {
		for_targets(app, "Starting", do_start);
		return;
	}
	if (hk_store_settings(app->st)->confirm_stop)
		ask_about_targets(app, HK_PENDING_STOP, "Stop");
	else
		stop_targets(app);
}

/* Say how long a stop may take ([tui] stop_timeout); for one container,
 * count down to the kill. */
static void stop_targets(struct hk_app *app)
{
	unsigned timeout = hk_store_settings(app->st)->stop_timeout;
	hk_autofree char *what = xasprintf("Stopping (kill after %us)", timeout);
	if (for_targets(app, what, do_stop) == 1)
		hk_app_job_countdown(app, timeout);
}

/* console or attach of a remote row: the remote hako on this terminal
 * with ssh -t, so that its own detach key (Ctrl-a q) works. */
static void remote_interactive(struct hk_app *app, const char *name, const char *const *args,
			       const char *what)
{
	hk_autoerr struct hk_error *err = NULL;
	hk_app_suspend(app);
	printf("\r\nhako: %s \"%s\" over ssh; %s\r\n", args[0], name,
	       strcmp(args[0], "console") == 0 ? "Ctrl-a q comes back to the dashboard"
					       : "exit it to come back to the dashboard");
	fflush(stdout);
	int rc = hk_app_remote_foreground(app, name, args, &err);
	hk_app_resume(app);
	if (rc < 0)
		hk_app_error(app, what, err);
	else
		hkw_status_set(app->status, HKW_STATUS, "%s of \"%s\" ended (%d).", args[0], name,
			       rc);
}

static void console(struct hk_app *app, const char *name)
{
	if (is_remote(name)) {
		remote_interactive(app, name, (const char *[]){ "console", "{}", NULL },
				   "Console failed");
		return;
	}
	hk_autoerr struct hk_error *err = NULL;
	hk_app_suspend(app);
	struct hk_console_opts co;
	hk_console_opts_init(&co, app->st); /* hako.conf's [console] filter and replay */
	int rc = hk_console_run(app->st, name, &co, NULL, &err);
	hk_app_resume(app);
	if (rc < 0)
		hk_app_error(app, "Console failed", err);
	hk_list_screen_refresh(app);
}

static void attach(struct hk_app *app, const char *name)
{
	if (is_remote(name)) {
		remote_interactive(app, name, (const char *[]){ "attach", "{}", NULL },
				   "Attach failed");
		return;
	}
	hk_autoerr struct hk_error *err = NULL;
	int code = 0;
	hk_app_suspend(app);
	printf("\r\nhako: shell in \"%s\"; exit it to come back to the dashboard\r\n", name);
	fflush(stdout);
	struct hk_attach_opts ao = { .pty = true };
	int rc = hk_attach(app->st, name, &ao, &code, &err);
	hk_app_resume(app);
	if (rc < 0)
		hk_app_error(app, "Attach failed", err);
	else
		hkw_status_set(app->status, HKW_STATUS, "Shell in \"%s\" exited with %d.", name,
			       code);
}

/* A form about container name, whose "yes" does what. */
void hk_app_open_form(struct hk_app *app, const char *title, const char *const *labels,
		      const char *const *defaults, size_t n, enum hk_pending what, const char *name)
{
	if (app->dialog)
		hkw_destroy(hkw_dialog_widget(app->dialog));
	app->dialog = hkw_dialog_form(title, labels, defaults, n);
	app->pending = what;
	free(app->pending_name);
	app->pending_name = xstrdup(name);
}

static void exec_dialog(struct hk_app *app, const char *name)
{
	static const char *const labels[] = { "Command" };
	hk_autofree char *title = xasprintf("Run in \"%s\" (through /bin/sh -c)", name);
	hk_app_open_form(app, title, labels, NULL, 1, HK_PENDING_EXEC, name);
}

/* Runs the command with a pty on the real terminal, then waits for Enter
 * so that its output can be read before the dashboard comes back. */
static void do_exec(struct hk_app *app)
{
	hk_autofree char *cmd = xstrdup(hkw_dialog_value(app->dialog, 0));
	hkw_destroy(hkw_dialog_widget(app->dialog));
	app->dialog = NULL;
	if (!*cmd)
		return;
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", cmd, NULL };
	struct hk_attach_opts ao = { .argv = argv, .pty = true };
	hk_autoerr struct hk_error *err = NULL;
	int code = 0;
	hk_app_suspend(app);
	int rc;
	if (is_remote(app->pending_name)) {
		const char *args[] = { "attach", "{}", "--", "/bin/sh", "-c", cmd, NULL };
		code = rc = hk_app_remote_foreground(app, app->pending_name, args, &err);
		rc = rc < 0 ? -1 : 0;
	} else {
		rc = hk_attach(app->st, app->pending_name, &ao, &code, &err);
	}
	if (rc == 0) {
		printf("\r\n[exit status %d; press Enter to go back to the dashboard]", code);
		fflush(stdout);
		int c;
		while ((c = getchar()) != EOF && c != '\n' && c != '\r')
			;
	}
	hk_app_resume(app);
	if (rc < 0)
		hk_app_error(app, "Run failed", err);
	else
		hkw_status_set(app->status, HKW_STATUS, "The command exited with %d.", code);
}

/* $VISUAL, $EDITOR or vi on path, through sh so that "code -w" works. */
static int run_editor(const char *path)
{
	const char *ed = getenv("VISUAL");
	if (!ed || !*ed)
		ed = getenv("EDITOR");
	if (!ed || !*ed)
		ed = "vi";
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "exec $HAKO_EDITOR \"$1\"", "sh", path, (char *)NULL);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return 0;
}

static void edit_config(struct hk_app *app, const char *name)
{
	const char *there = NULL;
	const struct hk_app_host *h = hk_app_host_of(app, name, &there);
	if (h) {
		hk_autofree char *login = hk_ssh_login_command(&app->ssh, &h->r);
		hkw_status_set(app->status, HKW_ERROR,
			       "\"%s\" is on %s: edit its config there (%s, then hako config %s "
			       "KEY VALUE, or the file itself); the Config tab shows it.",
			       name, h->name, login, there);
		return;
	}
	hk_autofree char *path = hk_store_config_path(app->st, name);
	const char *ed = getenv("VISUAL");
	if (!ed || !*ed)
		ed = getenv("EDITOR");
	setenv("HAKO_EDITOR", ed && *ed ? ed : "vi", 1);
	hk_app_suspend(app);
	run_editor(path);
	hk_app_resume(app);
	struct hk_config cfg;
	hk_config_init(&cfg);
	hk_autoerr struct hk_error *err = NULL;
	int rc = hk_config_parse_file(&cfg, path, &err);
	hk_config_free(&cfg);
	if (rc < 0) {
		hk_app_error(app, "The config has an error (fix it with E)", err);
		return;
	}
	hkw_status_set(app->status, HKW_STATUS, "Config of \"%s\" checked: OK.", name);
	hk_list_screen_refresh(app);
	if (app->screen == HK_SCREEN_DETAILS)
		hk_details_refresh(app);
}

static void ask(struct hk_app *app, enum hk_pending what, const char *title, const char *text,
		const char *name)
{
	struct hkw_dialog *d = hkw_dialog_confirm(title, text);
	if (app->dialog)
		hkw_destroy(hkw_dialog_widget(app->dialog));
	app->dialog = d;
	app->pending = what;
	free(app->pending_name);
	app->pending_name = name ? xstrdup(name) : NULL;
}

static void ask_about_targets(struct hk_app *app, enum hk_pending what, const char *verb)
{
	hk_autostrv struct hk_strv names = { 0 };
	targets(app, &names);
	if (!names.n) {
		hkw_status_set(app->status, HKW_STATUS, "No container selected.");
		return;
	}
	struct hk_buf b = { 0 };
	hk_buf_printf(&b, "%s ", verb);
	for (size_t i = 0; i < names.n; i++)
		hk_buf_printf(&b, "%s\"%s\"", i ? ", " : "", names.v[i]);
	size_t running = 0;
	for (size_t i = 0; i < names.n; i++)
		running += is_active(app, names.v[i]);
	if (what == HK_PENDING_DESTROY)
		hk_buf_puts(
			&b,
			running ? "?\n\nIt runs: it is killed first. Its root filesystem and "
				  "configuration are removed for good."
				: "?\n\nIts root filesystem and configuration are removed for good.");
	else if (what == HK_PENDING_STOP || what == HK_PENDING_RESTART)
		hk_buf_printf(&b,
			      "?\n\nInit gets its halt signal; what still runs after %us is "
			      "killed%s. ([tui] confirm_stop = no %s without asking.)",
			      hk_store_settings(app->st)->stop_timeout,
			      what == HK_PENDING_RESTART ? "; then it starts again" : "",
			      what == HK_PENDING_RESTART ? "restarts" : "stops");
	else
		hk_buf_puts(&b, "?\n\nIts processes get SIGKILL at once.");
	hk_autofree char *text = hk_buf_steal(&b);
	hk_autofree char *title =
		xasprintf("%s %s", verb, names.n == 1 ? names.v[0] : "containers");
	ask(app, what, title, text, names.v[0]);
}

static void create_dialog(struct hk_app *app)
{
	static const char *const labels[] = { "Name", "Template (<- ->)", "Backend (<- ->)" };
	static const char *const templates[] = { "busybox", "download", "tar:", "dir:" };
	static const char *const backends[] = { "", "dir", "btrfs", "zfs" };
	const char *defaults[] = { "", "busybox", "" };
	if (app->dialog)
		hkw_destroy(hkw_dialog_widget(app->dialog));
	app->dialog = hkw_dialog_form("New container", labels, defaults, 3);
	hkw_dialog_set_choices(app->dialog, 1, templates, HK_ARRAY_SIZE(templates));
	hkw_dialog_set_choices(app->dialog, 2, backends, HK_ARRAY_SIZE(backends));
	app->pending = HK_PENDING_CREATE;
}

static int create_job(struct hk_app *app, void *arg, struct hk_error **err)
{
	return hk_create(app->st, arg, err);
}

static void do_create(struct hk_app *app)
{
	hk_autofree char *n = xstrdup(hkw_dialog_value(app->dialog, 0));
	const char *tmpl = hkw_dialog_value(app->dialog, 1);
	hk_autofree char *t = xstrdup(*tmpl ? tmpl : "busybox");
	hk_autofree char *b = xstrdup(hkw_dialog_value(app->dialog, 2));
	hkw_destroy(hkw_dialog_widget(app->dialog));
	app->dialog = NULL;
	struct hk_create_opts co = { .name = n, .template_name = t };
	hk_autoerr struct hk_error *err = NULL;
	if (*b && (co.backend = hk_backend_from_name(b)) == HK_BACKEND_UNSET) {
		hk_error_set(&err, EINVAL, "backend \"%s\": not known (dir, btrfs, overlay...)", b);
		hk_app_error(app, "Create failed", err);
		return;
	}
	if (hk_name_validate(n, &err) < 0) {
		hk_app_error(app, "Create failed", err);
		return;
	}
	hk_autofree char *label = xasprintf("Creating \"%s\"", n);
	if (hk_app_job_start(app, label, create_job, &co)) {
		free(app->job_select);
		app->job_select = xstrdup(n);
	}
}

/* Rename: only a stopped container (the engine refuses the rest too,
 * but a dialog for nothing would be worse). */
static void rename_dialog(struct hk_app *app, const char *old)
{
	const struct hk_list_row *r = hk_app_row(app, old);
	if (!r || r->state != HK_STATE_STOPPED || r->runner != HK_RUNNER_NONE) {
		hkw_status_set(app->status, HKW_ERROR,
			       "Cannot rename \"%s\": it is %s; stop it first (s).", old,
			       r ? hk_state_name(r->state) : "gone");
		return;
	}
	static const char *const labels[] = { "New name" };
	const char *defaults[] = { old };
	hk_autofree char *title = xasprintf("Rename \"%s\"", old);
	hk_app_open_form(app, title, labels, defaults, 1, HK_PENDING_RENAME, old);
}

static int rename_job(struct hk_app *app, void *arg, struct hk_error **err)
{
	if (is_remote(app->pending_name))
		return remote_verb(app, app->pending_name,
				   (const char *[]){ "rename", "{}", arg, NULL }, err);
	return hk_rename(app->st, app->pending_name, arg, err);
}

static void do_rename(struct hk_app *app)
{
	hk_autofree char *dst = xstrdup(hkw_dialog_value(app->dialog, 0));
	hkw_destroy(hkw_dialog_widget(app->dialog));
	app->dialog = NULL;
	hk_autoerr struct hk_error *err = NULL;
	if (!strcmp(dst, app->pending_name))
		return; /* left as it was: nothing to do */
	if (hk_name_validate(dst, &err) < 0) {
		hk_app_error(app, "Rename failed", err);
		return;
	}
	hk_autofree char *label = xasprintf("Renaming \"%s\" to \"%s\"", app->pending_name, dst);
	if (hk_app_job_start(app, label, rename_job, dst)) {
		free(app->job_select);
		const char *colon = strchr(app->pending_name, ':');
		app->job_select = colon ? xasprintf("%.*s:%s", (int)(colon - app->pending_name),
						    app->pending_name, dst)
					: xstrdup(dst);
	}
}

/* Device: `hako device` on a running container, through a form. */
static void device_dialog(struct hk_app *app, const char *name)
{
	static const char *const labels[] = { "add or del", "Device or interface", "Name inside" };
	const char *defaults[] = { "add", "/dev/", "" };
	hk_autofree char *title = xasprintf("Device for \"%s\" (hako device)", name);
	hk_app_open_form(app, title, labels, defaults, 3, HK_PENDING_DEVICE, name);
}

static int device_job(struct hk_app *app, void *arg, struct hk_error **err)
{
	return hk_device_run(app->st, app->pending_name, arg, err);
}

static void do_device(struct hk_app *app)
{
	hk_autofree char *action = xstrdup(hkw_dialog_value(app->dialog, 0));
	hk_autofree char *what = xstrdup(hkw_dialog_value(app->dialog, 1));
	hk_autofree char *inside = xstrdup(hkw_dialog_value(app->dialog, 2));
	hkw_destroy(hkw_dialog_widget(app->dialog));
	app->dialog = NULL;
	const char *in = hk_str_trim(inside);
	struct hk_device_req req;
	hk_autoerr struct hk_error *err = NULL;
	if (hk_device_parse(hk_str_trim(action), hk_str_trim(what), *in ? in : NULL, &req, &err) <
	    0) {
		hk_app_error(app, "Device failed", err);
		return;
	}
	/* The job's child gets a copy of req and the words it points to. */
	hk_autofree char *label = xasprintf("%s %s %s \"%s\"", req.add ? "Giving" : "Taking back",
					    req.what, req.add ? "to" : "from", app->pending_name);
	hk_app_job_start(app, label, device_job, &req);
}

static void clone_dialog(struct hk_app *app, const char *src)
{
	static const char *const labels[] = { "New name", "Snapshot (y/n)", "Backend" };
	hk_autofree char *name = xasprintf("%s-copy", src);
	const char *defaults[] = { name, "n", "" };
	hk_autofree char *title = xasprintf("Clone \"%s\"", src);
	if (app->dialog)
		hkw_destroy(hkw_dialog_widget(app->dialog));
	app->dialog = hkw_dialog_form(title, labels, defaults, 3);
	app->pending = HK_PENDING_CLONE;
	free(app->pending_name);
	app->pending_name = xstrdup(src);
}

static int clone_job(struct hk_app *app, void *arg, struct hk_error **err)
{
	const struct hk_clone_opts *co = arg;
	if (!is_remote(co->src))
		return hk_clone(app->st, arg, NULL, err);
	const char *args[8] = { "clone" };
	size_t n = 1;
	if (co->snapshot)
		args[n++] = "-s";
	if (co->backend != HK_BACKEND_UNSET) {
		args[n++] = "-B";
		args[n++] = hk_backend_name(co->backend);
	}
	args[n++] = "{}";
	args[n++] = co->dst;
	return remote_verb(app, co->src, args, err);
}

static void do_clone(struct hk_app *app)
{
	hk_autofree char *dst = xstrdup(hkw_dialog_value(app->dialog, 0));
	const char *snap = hkw_dialog_value(app->dialog, 1);
	bool snapshot = snap[0] == 'y' || snap[0] == 'Y';
	hk_autofree char *b = xstrdup(hkw_dialog_value(app->dialog, 2));
	hkw_destroy(hkw_dialog_widget(app->dialog));
	app->dialog = NULL;
	struct hk_clone_opts co = { .src = app->pending_name, .dst = dst, .snapshot = snapshot };
	hk_autoerr struct hk_error *err = NULL;
	if (*b && (co.backend = hk_backend_from_name(b)) == HK_BACKEND_UNSET) {
		hk_error_set(&err, EINVAL, "backend \"%s\": not known (dir, btrfs, overlay...)", b);
		hk_app_error(app, "Clone failed", err);
		return;
	}
	if (hk_name_validate(dst, &err) < 0) {
		hk_app_error(app, "Clone failed", err);
		return;
	}
	hk_autofree char *label = xasprintf("Cloning \"%s\" to \"%s\"", co.src, dst);
	if (hk_app_job_start(app, label, clone_job, &co)) {
		free(app->job_select); /* the copy is made on the source's host */
		const char *colon = strchr(co.src, ':');
		app->job_select = colon ? xasprintf("%.*s:%s", (int)(colon - co.src), co.src, dst)
					: xstrdup(dst);
	}
}

void hk_app_dialog_done(struct hk_app *app)
{
	struct hkw_dialog *d = app->dialog;
	bool yes = hkw_dialog_result(d) == HKW_DIALOG_YES;
	enum hk_pending what = app->pending;
	app->pending = HK_PENDING_NONE;
	if (what == HK_PENDING_CREATE && yes) {
		do_create(app); /* reads the form, then frees it */
		return;
	}
	if (what == HK_PENDING_CLONE && yes) {
		do_clone(app);
		return;
	}
	if (what == HK_PENDING_RENAME && yes) {
		do_rename(app);
		return;
	}
	if (what == HK_PENDING_EXEC && yes) {
		do_exec(app);
		return;
	}
	if (what == HK_PENDING_DEVICE && yes) {
		do_device(app);
		return;
	}
	if ((what == HK_PENDING_CHECKPOINT || what == HK_PENDING_RESTORE) && yes) {
		hk_app_checkpoint_done(app, what);
		return;
	}
	hkw_destroy(hkw_dialog_widget(d));
	app->dialog = NULL;
	if (!yes)
		return;
	if (what == HK_PENDING_KILL)
		for_targets(app, "Killing", do_kill);
	else if (what == HK_PENDING_STOP)
		stop_targets(app);
	else if (what == HK_PENDING_RESTART)
		for_targets(app, "Restarting", do_restart);
	else if (what == HK_PENDING_DESTROY) {
		for_targets(app, "Destroying", do_destroy);
		hkw_table_clear_marks(app->table);
		if (app->screen == HK_SCREEN_DETAILS)
			app->screen = HK_SCREEN_LIST;
	}
}

/* OSC 52: the terminal (even over SSH) puts the text on the clipboard. */
static void copy_text(struct hk_app *app, const char *name)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct hk_buf b = { 0 };
	size_t n = strlen(name);
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)name[i] << 16;
		v |= i + 1 < n ? (unsigned char)name[i + 1] << 8 : 0;
		v |= i + 2 < n ? (unsigned char)name[i + 2] : 0;
		char q[5] = { b64[v >> 18 & 63], b64[v >> 12 & 63],
			      i + 1 < n ? b64[v >> 6 & 63] : '=', i + 2 < n ? b64[v & 63] : '=',
			      0 };
		hk_buf_puts(&b, q);
	}
	hk_autofree char *enc = hk_buf_steal(&b);
	printf("\033]52;c;%s\a", enc ? enc : "");
	fflush(stdout);
	hkw_status_set(app->status, HKW_STATUS, "Copied \"%s\" to the clipboard (OSC 52).", name);
}

/* The first IPv4 address, else the first IPv6 one. */
static void copy_ip(struct hk_app *app, const char *name)
{
	const struct hk_list_row *r = hk_app_row(app, name);
	const struct hk_strv *v = r && r->ipv4.n ? &r->ipv4 : r ? &r->ipv6 : NULL;
	if (!v || !v->n) {
		hkw_status_set(app->status, HKW_STATUS, "\"%s\" has no IP address to copy.", name);
		return;
	}
	hk_autofree char *safe = hk_sanitize_line(v->v[0]);
	copy_text(app, safe);
}

static bool refuse_read_only(struct hk_app *app, enum hk_action a)
{
	const struct hk_binding *b = hk_keys_binding(a);
	if (!app->read_only || !b || !b->changes)
		return false;
	hkw_status_set(app->status, HKW_ERROR, "Read-only dashboard (--read-only): \"%s\" is off.",
		       b->name);
	return true;
}

/* F5's answer: when the list was read, so a press shows it did something. */
static void refreshed_status(struct hk_app *app)
{
	char when[16];
	time_t now = time(NULL);
	struct tm tm;
	strftime(when, sizeof(when), "%H:%M:%S", localtime_r(&now, &tm));
	hkw_status_set(app->status, HKW_STATUS, "Refreshed at %s.", when);
}

/* Actions about one selected container that need no confirmation. */
static void container_action(struct hk_app *app, enum hk_action a, const char *sel)
{
	switch (a) {
	case HK_ACT_START_STOP:
		start_stop(app, sel);
		break;
	case HK_ACT_RESTART: /* a restart stops it first: asked like s */
		if (first_target_is(app, sel, is_active) &&
		    hk_store_settings(app->st)->confirm_stop)
			ask_about_targets(app, HK_PENDING_RESTART, "Restart");
		else
			for_targets(app, "Restarting", do_restart);
		break;
	case HK_ACT_FREEZE:
		if (first_target_is(app, sel, is_frozen))
			for_targets(app, "Thawing", do_thaw);
		else if (some_target(app, is_active, "freeze"))
			for_targets(app, "Freezing", do_freeze);
		break;
	case HK_ACT_AUTOSTART: /* the first target's opposite, for all */
		if (first_target_is(app, sel, is_autostart))
			for_targets(app, "No autostart for", do_autostart_off);
		else
			for_targets(app, "Autostart for", do_autostart_on);
		break;
	case HK_ACT_KILL:
		if (some_target(app, is_active, "kill"))
			ask_about_targets(app, HK_PENDING_KILL, "Kill");
		break;
	case HK_ACT_DESTROY:
		ask_about_targets(app, HK_PENDING_DESTROY, "Destroy");
		break;
	case HK_ACT_CLONE:
		clone_dialog(app, sel);
		break;
	case HK_ACT_RENAME:
		rename_dialog(app, sel);
		break;
	case HK_ACT_CHECKPOINT:
		hk_app_checkpoint_dialog(app, sel);
		break;
	case HK_ACT_DEVICE:
		if (selected_runs(app, sel, "give a device to"))
			device_dialog(app, sel);
		break;
	case HK_ACT_EXEC:
		if (selected_runs(app, sel, "run a command in"))
			exec_dialog(app, sel);
		break;
	case HK_ACT_CONSOLE:
		if (selected_runs(app, sel, "open the console of"))
			console(app, sel);
		break;
	case HK_ACT_ATTACH:
		if (selected_runs(app, sel, "attach to"))
			attach(app, sel);
		break;
	case HK_ACT_EDIT:
		edit_config(app, sel);
		break;
	case HK_ACT_COPY:
		copy_text(app, sel);
		break;
	case HK_ACT_COPY_IP:
		copy_ip(app, sel);
		break;
	default:
		break;
	}
}

/* The sort in words, beside the header's marker ("Sorted by MEM, largest
 * first."). */
static void say_sort(struct hk_app *app)
{
	size_t n, c = hkw_table_sort_col(app->table);
	const struct hkw_column *cols = hk_list_screen_columns(app, &n);
	bool rev = hkw_table_sort_reverse(app->table);
	hkw_status_set(app->status, HKW_STATUS, "Sorted by %s, %s.", cols[c].title,
		       cols[c].desc ? (rev ? "smallest first" : "largest first")
				    : (rev ? "Z to A" : "A to Z"));
}

void hk_app_help_fill(struct hk_app *app)
{
	app->help_width = app->canvas.base.w;
	hk_autofree char *text = hk_keys_help_text(app->read_only, app->help_width);
	hkw_textview_set(app->help, text);
	hkw_textview_add(app->help, HKW_NORMAL, "");
	hkw_textview_add(app->help, HKW_HEADER, "Recent messages:");
	for (size_t i = 0; i < HK_APP_LOG_LINES; i++) {
		const char *l = app->log[(app->log_next + i) % HK_APP_LOG_LINES];
		if (l) {
			hk_autofree char *safe = hk_sanitize_line(l);
			hkw_textview_add(app->help, HKW_DIM, safe);
		}
	}
}

static void view_action(struct hk_app *app, enum hk_action a)
{
	switch (a) {
	case HK_ACT_QUIT:
		/* From help or details q goes back, as in htop. */
		if (app->screen == HK_SCREEN_LIST)
			app->quit = true;
		app->screen = HK_SCREEN_LIST;
		break;
	case HK_ACT_HELP:
		app->screen = HK_SCREEN_HELP;
		hk_app_help_fill(app);
		break;
	case HK_ACT_BACK:
		if (app->screen != HK_SCREEN_LIST)
			app->screen = HK_SCREEN_LIST;
		else if (app->filter) {
			hk_list_screen_filter_set(app, NULL, NULL);
			hk_list_screen_refresh(app);
		} else
			hkw_table_clear_marks(app->table);
		break;
	case HK_ACT_FILTER:
		app->screen = HK_SCREEN_LIST;
		app->filtering = true;
		hkw_input_set(&app->filter_in, app->filter);
		break;
	case HK_ACT_SORT_NEXT:
	case HK_ACT_SORT_PREV:
		hkw_table_sort_step(app->table, a == HK_ACT_SORT_NEXT ? 1 : -1);
		say_sort(app);
		break;
	case HK_ACT_SORT_REVERSE:
		hkw_table_set_sort(app->table, hkw_table_sort_col(app->table),
				   !hkw_table_sort_reverse(app->table));
		say_sort(app);
		break;
	case HK_ACT_MARK:
		hkw_table_toggle_mark(app->table);
		hkw_handle_key(hkw_table_widget(app->table), KEY_DOWN);
		break;
	case HK_ACT_REFRESH:
		hk_list_screen_refresh(app);
		if (app->screen == HK_SCREEN_DETAILS)
			hk_details_refresh(app);
		refreshed_status(app);
		break;
	case HK_ACT_REPAINT:
		clearok(curscr, TRUE);
		break;
	case HK_ACT_FASTER:
	case HK_ACT_SLOWER: {
		unsigned ms = a == HK_ACT_FASTER ? app->refresh_ms / 2 : app->refresh_ms * 2;
		app->refresh_ms = ms < 250 ? 250 : ms > 16000 ? 16000 : ms;
		hkw_status_set(app->status, HKW_STATUS, "Refreshing every %.2fs.",
			       app->refresh_ms / 1000.0);
		break;
	}
	case HK_ACT_THEME: {
		hk_autofree char *next = hk_app_theme_next(app, app->theme);
		hk_app_theme_apply(app, next);
		break;
	}
	default:
		break;
	}
}

void hk_app_action(struct hk_app *app, enum hk_action a)
{
	if (refuse_read_only(app, a))
		return;
	if (a == HK_ACT_CREATE && app->nhosts && !app->show_local) {
		hkw_status_set(app->status, HKW_ERROR,
			       "n creates on this host, which this dashboard does not show (add "
			       "local to --remote); on a remote: hako create REMOTE:NAME.");
		return;
	}
	if (a == HK_ACT_CREATE) {
		create_dialog(app);
		return;
	}
	if (a == HK_ACT_DETAILS) {
		const char *sel = hk_app_selected(app);
		if (sel && app->screen == HK_SCREEN_LIST) {
			hk_autofree char *name = xstrdup(sel);
			hk_details_open(app, name);
		}
		return;
	}
	const struct hk_binding *b = hk_keys_binding(a);
	if (b && (b->changes || a == HK_ACT_COPY || a == HK_ACT_COPY_IP)) {
		const char *sel = hk_app_selected(app);
		if (!sel) {
			hkw_status_set(app->status, HKW_STATUS, "No container selected.");
			return;
		}
		hk_autofree char *name = xstrdup(sel);
		container_action(app, a, name);
		return;
	}
	view_action(app, a);
}
