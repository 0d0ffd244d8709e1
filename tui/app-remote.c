/* app-remote.c - the dashboard over many hosts (`hako --remote NAME|all`).
 *
 * Each remote is a host here: its `hako ls --json --watch --heartbeat 1`
 * runs over the transport (core/remote-ssh.h, BatchMode: nobody answers
 * a prompt from a dashboard), its standard output is a non-blocking
 * pipe polled by the dashboard's loop with the keyboard, and whatever
 * comes is fed to the stream reader (core/remote-watch.h).  The local
 * host keeps its own engine (core/list.c and the store watcher).
 *
 * Data model: hosts[] in the order given (local first with all), each
 * with its reader while a stream runs, the rows last known (kept, and
 * shown as unreachable, while the host is down), why it is down, and
 * its timing (core/remote-link.h: heartbeat silence, backoff).  The
 * list screen merges every host's rows into app->list, a remote row
 * named HOST:NAME, the spelling the CLI takes, so that every action can
 * tell a remote row by its ':' (a container name never has one) and
 * send it to its host: a job running the remote hako (hk_ssh_capture),
 * or, for console and attach, ssh -t in the foreground. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app-internal.h"
#include "cli.h"
#include "log.h"
#include "remote-ssh.h"
#include "remote-watch.h"
#include "sanitize.h"

#define READ_MAX (1u << 20) /* bytes read from one stream per wake, so no host starves the rest */

static void host_clear(struct hk_app_host *h)
{
	free(h->name);
	hk_remote_clear(&h->r);
	hk_rwatch_free(h->w);
	hk_list_free(&h->rows);
	free(h->why);
}

static void copy_remote(const struct hk_remote *r, struct hk_remote *out)
{
	*out = (struct hk_remote){ .name = xstrdup(r->name),
				   .user = r->user ? xstrdup(r->user) : NULL,
				   .host = xstrdup(r->host),
				   .ipv6 = r->ipv6,
				   .port = r->port,
				   .path = r->path ? xstrdup(r->path) : NULL };
}

static bool has_host(const struct hk_app *app, const char *name)
{
	for (size_t i = 0; i < app->nhosts; i++)
		if (strcmp(app->hosts[i].name, name) == 0)
			return true;
	return false;
}

static void add_host(struct hk_app *app, const char *name, const struct hk_remote *r)
{
	if (has_host(app, name))
		return;
	app->hosts = xrealloc(app->hosts, (app->nhosts + 1) * sizeof(*app->hosts));
	struct hk_app_host *h = &app->hosts[app->nhosts++];
	*h = (struct hk_app_host){ .name = xstrdup(name), .local = !r };
	h->p = (struct hk_ssh_proc){ .pid = -1, .in_fd = -1, .out_fd = -1, .err_fd = -1 };
	if (r)
		copy_remote(r, &h->r);
	else
		app->show_local = true;
}

/* One word of --remote: local, all, or a remote of hako.conf. */
static int add_word(struct hk_app *app, const char *word, const char *conf)
{
	const struct hk_settings *s = hk_store_settings(app->st);
	if (strcasecmp(word, HK_REMOTE_LOCAL) == 0) {
		add_host(app, HK_REMOTE_LOCAL, NULL);
		return 0;
	}
	if (strcasecmp(word, HK_REMOTE_ALL) == 0) {
		add_host(app, HK_REMOTE_LOCAL, NULL);
		for (size_t i = 0; i < s->n_remotes; i++)
			add_host(app, s->remotes[i].name, &s->remotes[i]);
		return 0;
	}
	const struct hk_remote *r = hk_settings_remote(s, word);
	if (!r) {
		fprintf(stderr,
			"hako: error: --remote: no remote \"%s\" in [remotes] of %s; add it with "
			"`hako remote add %s ssh://[USER@]HOST[:PORT]`, or see `hako remote "
			"list`\n",
			word, conf, word);
		return -1;
	}
	add_host(app, r->name, r);
	return 0;
}

int hk_app_remote_init(struct hk_app *app, const char *spec)
{
	if (!spec)
		return 0;
	hk_autofree char *conf = xasprintf("%s/hako.conf", hk_store_conf_dir(app->st));
	hk_autofree char *copy = xstrdup(spec);
	char *save = NULL;
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
		if (add_word(app, w, conf) < 0)
			return -1;
	if (app->nhosts == 0) {
		fprintf(stderr, "hako: error: --remote: no host named; write NAME, NAME,NAME, "
				"local or all\n");
		return -1;
	}
	app->multi = app->nhosts > 1;
	hk_autoerr struct hk_error *err = NULL;
	if (hk_cli_ssh_init(&app->ssh, true, false, &err) < 0) {
		hk_autofree char *m = hk_error_render(err);
		fprintf(stderr, "hako: error: %s\n", m);
		return -1;
	}
	app->ssh_ok = true;
	return 0;
}

struct hk_app_host *hk_app_host_of(const struct hk_app *app, const char *key, const char **name)
{
	const char *colon = key ? strchr(key, ':') : NULL;
	if (!colon)
		return NULL;
	for (size_t i = 0; i < app->nhosts; i++) {
		struct hk_app_host *h = &app->hosts[i];
		if (!h->local && strlen(h->name) == (size_t)(colon - key) &&
		    strncmp(h->name, key, (size_t)(colon - key)) == 0) {
			if (name)
				*name = colon + 1;
			return h;
		}
	}
	return NULL;
}

bool hk_app_host_up(const struct hk_app_host *h)
{
	return h->local || (h->link.state == HK_RLINK_UP && h->w && hk_rwatch_ready(h->w));
}

const struct hk_list *hk_app_host_rows(const struct hk_app_host *h)
{
	return hk_app_host_up(h) ? hk_rwatch_list(h->w) : &h->rows;
}

/* ---- the streams ------------------------------------------------------- */

static long long connect_ms(const struct hk_app *app)
{
	return app->ssh.connect_timeout ? app->ssh.connect_timeout * 1000LL : 10000;
}

static void start_stream(struct hk_app *app, struct hk_app_host *h)
{
	struct hk_strv words = { 0 }, argv = { 0 };
	hk_strv_push(&words, "ls");
	hk_strv_push(&words, "--json");
	hk_strv_push(&words, "--watch");
	hk_strv_push(&words, "--heartbeat");
	hk_strv_push_owned(&words, xasprintf("%d", HK_RLINK_BEAT_S));
	if (h->r.path) {
		hk_strv_push(&words, "-P");
		hk_strv_push(&words, h->r.path);
	}
	hk_autofree char *cmd = hk_ssh_remote_command(words.v, words.n);
	hk_strv_clear(&words);
	hk_ssh_argv(&app->ssh, &h->r, HK_SSH_RUN, cmd, &argv);
	hk_autoerr struct hk_error *err = NULL;
	long long now = hk_now_ms();
	int rc = hk_ssh_spawn(argv.v, HK_SSH_PIPE_OUT, &h->p, &err);
	hk_strv_clear(&argv);
	if (rc < 0) {
		free(h->why);
		h->why = hk_error_render(err);
		hk_rlink_down(&h->link, now);
		return;
	}
	hk_rwatch_free(h->w);
	h->w = hk_rwatch_new(h->name);
	hk_rlink_start(&h->link, now);
}

/* Why h's stream ended: the reader's error, or ssh's, with the fix. */
static char *explain(struct hk_app *app, struct hk_app_host *h, int status, const char *text,
		     struct hk_error *feed_err)
{
	if (feed_err)
		return hk_error_render(feed_err);
	hk_autoerr struct hk_error *err = NULL;
	enum hk_ssh_fault f = hk_ssh_classify(status, text);
	if (f != HK_SSH_REMOTE_FAILED && f != HK_SSH_OK) {
		hk_ssh_fail(&app->ssh, &h->r, "watch", status, text, &err);
		return hk_error_render(err);
	}
	if (h->w && !hk_rwatch_ready(h->w)) {
		bool need = false;
		hk_rwatch_explain_end(h->w, status, text, NULL, &need, &err);
		if (need) { /* asking its version would block the screen: say what to run */
			hk_autofree char *login = hk_ssh_login_command(&app->ssh, &h->r);
			return xasprintf("remote \"%s\" runs a hako without `ls --json --watch`; "
					 "install hako %s there (`%s hako --version` shows its "
					 "version)",
					 h->name, HAKO_VERSION, login);
		}
		return hk_error_render(err);
	}
	return xasprintf("remote \"%s\": the ls --watch stream ended (status %d)", h->name, status);
}

/* h is down: its rows are kept (shown as unreachable), why is said in
 * the status line, and the next try is timed by the backoff. */
static void host_down(struct hk_app *app, struct hk_app_host *h, char *why)
{
	long long now = hk_now_ms();
	if (h->w && hk_rwatch_ready(h->w)) {
		hk_list_free(&h->rows);
		hk_rwatch_steal_list(h->w, &h->rows);
	}
	hk_rwatch_free(h->w);
	h->w = NULL;
	hk_rlink_down(&h->link, now);
	free(h->why);
	h->why = why;
	hk_autofree char *safe = hk_sanitize_line(why);
	/* logged too: the help screen's recent messages keep every host's */
	hk_log(HK_LOG_WARN, "%s: unreachable (again in %llds): %s", h->name,
	       (h->link.next_try_ms - now + 999) / 1000, safe);
	hkw_status_set(app->status, HKW_ERROR, "%s: unreachable (again in %llds): %s", h->name,
		       (h->link.next_try_ms - now + 999) / 1000, safe);
}

/* Ends h's stream (it ended, was refused, or fell silent). */
static void end_stream(struct hk_app *app, struct hk_app_host *h, struct hk_error *feed_err,
		       const char *silence)
{
	if (h->p.out_fd >= 0 || silence || feed_err)
		kill(h->p.pid, SIGTERM);
	int status = 0;
	hk_autofree char *text = NULL;
	hk_ssh_proc_wait(&h->p, &status, &text);
	h->p = (struct hk_ssh_proc){ .pid = -1, .in_fd = -1, .out_fd = -1, .err_fd = -1 };
	host_down(app, h, silence ? xstrdup(silence) : explain(app, h, status, text, feed_err));
}

/* Reads what h's stream has: HK_REMOTE_ROWS when its rows changed,
 * HK_REMOTE_HOSTS when it came up or went down. */
static unsigned read_stream(struct hk_app *app, struct hk_app_host *h)
{
	char buf[65536];
	size_t total = 0;
	unsigned changed = 0;
	while (total < READ_MAX) {
		ssize_t n = read(h->p.out_fd, buf, sizeof(buf));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0) {
			hk_closep(&h->p.out_fd);
			end_stream(app, h, NULL, NULL);
			return HK_REMOTE_HOSTS;
		}
		total += (size_t)n;
		hk_rlink_heard(&h->link, hk_now_ms());
		hk_autoerr struct hk_error *err = NULL;
		bool was_ready = hk_rwatch_ready(h->w);
		if (hk_rwatch_feed(h->w, buf, (size_t)n, &err) < 0) {
			end_stream(app, h, err, NULL);
			return HK_REMOTE_HOSTS;
		}
		if (!was_ready && hk_rwatch_ready(h->w)) {
			hk_rlink_up(&h->link, hk_now_ms());
			hk_list_free(&h->rows);
			free(h->why);
			h->why = NULL;
			hkw_status_set(app->status, HKW_STATUS, "%s: connected (hako %s).", h->name,
				       hk_rwatch_version(h->w));
			changed |= HK_REMOTE_HOSTS;
		}
		struct hk_strv names = { 0 };
		if (hk_rwatch_take_changes(h->w, &names) > 0)
			changed |= HK_REMOTE_ROWS;
		hk_strv_clear(&names);
	}
	return changed;
}

unsigned hk_app_remote_poll(struct hk_app *app)
{
	unsigned changed = 0;
	long long now = hk_now_ms();
	for (size_t i = 0; i < app->nhosts; i++) {
		struct hk_app_host *h = &app->hosts[i];
		if (h->local)
			continue;
		if (h->link.state == HK_RLINK_DOWN) {
			if (hk_rlink_due(&h->link, now) || !h->tried) {
				h->tried = true;
				start_stream(app, h);
				changed |= HK_REMOTE_HOSTS;
			}
			continue;
		}
		if (h->p.out_fd >= 0)
			changed |= read_stream(app, h);
		if (h->link.state == HK_RLINK_DOWN)
			continue;
		if (hk_rlink_silent(&h->link, hk_now_ms(), connect_ms(app))) {
			hk_autofree char *why =
				xasprintf("remote \"%s\" sent nothing for %.1f s (its heartbeat "
					  "comes every %d s): the host or the network stopped "
					  "answering",
					  h->name, HK_RLINK_SILENCE_MS / 1000.0, HK_RLINK_BEAT_S);
			end_stream(app, h, NULL, why);
			changed |= HK_REMOTE_HOSTS;
		}
	}
	return changed;
}

void hk_app_remote_start(struct hk_app *app)
{
	for (size_t i = 0; i < app->nhosts; i++)
		if (!app->hosts[i].local) {
			app->hosts[i].link.state = HK_RLINK_DOWN;
			app->hosts[i].tried = false;
		}
	hk_app_remote_poll(app);
}

size_t hk_app_remote_fds(const struct hk_app *app, int *fds, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < app->nhosts && n < max; i++)
		if (!app->hosts[i].local && app->hosts[i].p.out_fd >= 0)
			fds[n++] = app->hosts[i].p.out_fd;
	return n;
}

long long hk_app_remote_deadline(const struct hk_app *app)
{
	long long t = -1;
	for (size_t i = 0; i < app->nhosts; i++) {
		const struct hk_app_host *h = &app->hosts[i];
		if (h->local)
			continue;
		long long d = hk_rlink_deadline(&h->link, connect_ms(app));
		if (t < 0 || d < t)
			t = d;
	}
	return t;
}

void hk_app_remote_touch(struct hk_app *app)
{
	long long now = hk_now_ms();
	for (size_t i = 0; i < app->nhosts; i++)
		if (!app->hosts[i].local && app->hosts[i].link.state != HK_RLINK_DOWN)
			hk_rlink_heard(&app->hosts[i].link, now);
}

void hk_app_remote_close(struct hk_app *app)
{
	for (size_t i = 0; i < app->nhosts; i++) {
		struct hk_app_host *h = &app->hosts[i];
		if (h->p.pid > 0) {
			kill(h->p.pid, SIGTERM);
			hk_ssh_proc_wait(&h->p, &(int){ 0 }, NULL);
		}
		host_clear(h);
	}
	free(app->hosts);
	app->hosts = NULL;
	app->nhosts = 0;
	if (app->ssh_ok)
		hk_cli_ssh_clear(&app->ssh);
	app->ssh_ok = false;
}

size_t hk_app_hosts_down(const struct hk_app *app, bool first_try, struct hk_buf *names)
{
	size_t n = 0;
	for (size_t i = 0; i < app->nhosts; i++) {
		const struct hk_app_host *h = &app->hosts[i];
		/* a host that never failed and is not up yet is connecting */
		if (hk_app_host_up(h) || first_try != !h->why)
			continue;
		if (names)
			hk_buf_printf(names, "%s%s", n ? "," : "", app->hosts[i].name);
		n++;
	}
	return n;
}

/* ---- verbs on a remote row ------------------------------------------------ */

/* The words for the remote hako: verb, -P PATH, then args with "{}"
 * standing for the container's name there. */
static void verb_words(const struct hk_app_host *h, const char *name, const char *const *args,
		       struct hk_strv *w)
{
	hk_strv_push(w, args[0]);
	if (h->r.path) {
		hk_strv_push(w, "-P");
		hk_strv_push(w, h->r.path);
	}
	for (size_t i = 1; args[i]; i++)
		hk_strv_push(w, strcmp(args[i], "{}") == 0 ? name : args[i]);
}

static struct hk_app_host *live_host(const struct hk_app *app, const char *key, const char **name,
				     struct hk_error **err)
{
	struct hk_app_host *h = hk_app_host_of(app, key, name);
	if (!h) {
		hk_error_set(err, ENOENT, "\"%s\": no such host in this dashboard", key);
		return NULL;
	}
	if (!hk_app_host_up(h)) {
		hk_error_say(err, EHOSTUNREACH, "%s: remote \"%s\" is unreachable: %s", key,
			     h->name, h->why ? h->why : "not connected yet");
		return NULL;
	}
	return h;
}

int hk_app_remote_run(struct hk_app *app, const char *key, const char *const *args,
		      unsigned timeout_ms, char **out, struct hk_error **err)
{
	const char *name = NULL;
	struct hk_app_host *h = live_host(app, key, &name, err);
	if (!h)
		return -1;
	struct hk_strv w = { 0 };
	verb_words(h, name, args, &w);
	hk_autofree char *text = NULL, *captured = NULL;
	int status = 0;
	int rc = hk_ssh_capture(&app->ssh, &h->r, w.v, w.n, timeout_ms, &captured, &status, &text,
				err);
	hk_strv_clear(&w);
	if (rc < 0)
		return -1;
	if (status != 0)
		return hk_ssh_fail(&app->ssh, &h->r, args[0], status, text, err);
	if (out)
		*out = hk_steal_ptr(&captured);
	return 0;
}

int hk_app_remote_foreground(struct hk_app *app, const char *key, const char *const *args,
			     struct hk_error **err)
{
	const char *name = NULL;
	struct hk_app_host *h = live_host(app, key, &name, err);
	if (!h)
		return -1;
	struct hk_ssh s = app->ssh;
	s.tty = true;
	s.batch = false; /* on the terminal: ssh may ask */
	struct hk_strv w = { 0 };
	verb_words(h, name, args, &w);
	int status = hk_ssh_run_foreground(&s, &h->r, w.v, w.n, err);
	hk_strv_clear(&w);
	return status;
}
