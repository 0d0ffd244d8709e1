/* app-jobs.c - long work without freezing the screen.  A job forks: the
 * child runs the same core call the CLI makes (hk_create, hk_start...)
 * and writes the rendered error, if any, to a pipe; the parent keeps
 * drawing and refreshing (a spinner in the status line) and, when the
 * child is done, shows the error in a dialog or says it is done.  One job
 * at a time: the screen stays usable, changing actions wait. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app-internal.h"
#include "log.h"
#include "sanitize.h"

bool hk_app_in_job;

bool hk_app_job_running(const struct hk_app *app)
{
	return app->job_pid > 0;
}

static void quiet_sink(void *ctx, enum hk_log_level level, const char *msg)
{
	(void)ctx;
	(void)level;
	(void)msg;
}

/* In the child: never touch the terminal, die of signals plainly. */
static void child_run(struct hk_app *app, int fd, hk_job_fn fn, void *arg)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGSEGV,
				    SIGBUS,  SIGFPE, SIGILL, SIGABRT, SIGWINCH };
	for (size_t i = 0; i < HK_ARRAY_SIZE(sigs); i++)
		signal(sigs[i], SIG_DFL);
	hk_app_in_job = true;
	hk_log_set_sink(quiet_sink, NULL);
	struct hk_error *err = NULL;
	int rc = fn(app, arg, &err);
	if (rc < 0) {
		char *m = err ? hk_error_render(err) : xstrdup("failed");
		size_t len = strlen(m), off = 0;
		while (off < len) {
			ssize_t w = write(fd, m + off, len - off);
			if (w <= 0)
				break;
			off += (size_t)w;
		}
	}
	_exit(rc < 0 ? 1 : 0);
}

bool hk_app_job_start(struct hk_app *app, const char *what, hk_job_fn fn, void *arg)
{
	if (hk_app_job_running(app)) {
		hkw_status_set(app->status, HKW_BUSY, "Busy: %s; wait for it to finish.",
			       app->job_what);
		return false;
	}
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		hkw_status_set(app->status, HKW_ERROR, "cannot make a pipe: %s", strerror(errno));
		return false;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		hkw_status_set(app->status, HKW_ERROR, "cannot fork: %s", strerror(errno));
		return false;
	}
	if (pid == 0) {
		close(p[0]);
		child_run(app, p[1], fn, arg);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	app->job_pid = pid;
	app->job_fd = p[0];
	free(app->job_what);
	app->job_what = xstrdup(what);
	app->job_ticks = 0;
	app->job_deadline_ms = 0;
	hk_buf_free(&app->job_out);
	hkw_status_set(app->status, HKW_BUSY, "%s...", what);
	return true;
}

static void read_pipe(int fd, struct hk_buf *b)
{
	char chunk[4096];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		hk_buf_append(b, chunk, (size_t)n);
}

static void finish(struct hk_app *app, int status, struct hk_buf *msg)
{
	close(app->job_fd);
	app->job_pid = 0;
	app->job_fd = -1;
	bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (ok) {
		hkw_status_set(app->status, HKW_STATUS, "%s: done.", app->job_what);
	} else {
		hk_autofree char *text =
			msg->len ? hk_buf_steal(msg)
				 : xasprintf("the job ended with status %d", status);
		hk_autofree char *safe = hk_sanitize_line(text);
		hk_autofree char *title = xasprintf("%s failed", app->job_what);
		hk_app_message(app, title, safe);
		hkw_status_set(app->status, HKW_ERROR, "%s", safe);
	}
	hk_buf_free(msg);
	hk_list_screen_refresh(app);
	if (ok && app->job_select)
		hkw_table_select(app->table, app->job_select);
	free(app->job_select);
	app->job_select = NULL;
	if (app->screen == HK_SCREEN_DETAILS)
		hk_details_refresh(app);
}

void hk_app_job_poll(struct hk_app *app)
{
	if (!hk_app_job_running(app))
		return;
	static const char spin[] = "|/-\\";
	read_pipe(app->job_fd, &app->job_out);
	int status;
	pid_t r = waitpid(app->job_pid, &status, WNOHANG);
	if (r == app->job_pid) {
		read_pipe(app->job_fd, &app->job_out);
		finish(app, status, &app->job_out);
		return;
	}
	char spinner = spin[app->job_ticks++ % 4];
	long long left = app->job_deadline_ms ? app->job_deadline_ms - hk_now_ms() : 0;
	if (left > 0)
		hkw_status_set(app->status, HKW_BUSY, "%s... %c kill in %llds", app->job_what,
			       spinner, (left + 999) / 1000);
	else if (app->job_deadline_ms)
		hkw_status_set(app->status, HKW_BUSY, "%s... %c killing", app->job_what, spinner);
	else
		hkw_status_set(app->status, HKW_BUSY, "%s... %c", app->job_what, spinner);
}

void hk_app_job_countdown(struct hk_app *app, unsigned seconds)
{
	if (hk_app_job_running(app))
		app->job_deadline_ms = hk_now_ms() + (long long)seconds * 1000;
}

void hk_app_job_wait(struct hk_app *app)
{
	if (!hk_app_job_running(app))
		return;
	int status;
	while (waitpid(app->job_pid, &status, 0) < 0 && errno == EINTR)
		;
	close(app->job_fd);
	app->job_pid = 0;
}
