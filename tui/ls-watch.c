/* ls-watch.c - `hako ls --json --watch`: the containers of a path as
 * JSON lines, one object a line, each line flushed at once:
 *
 *   {"hako": "0.1.0", "protocol": 1, "host": "h1", "path": "/var/lib/hako"}
 *   {"type": "snapshot", "containers": [ROW, ...]}
 *   {"type": "changed", "container": ROW}     (new, or any field differs)
 *   {"type": "removed", "name": "c1"}         (gone, or no longer matches)
 *   {"type": "heartbeat"}                     (--heartbeat N: after N s without a line)
 *
 * ROW is the object `hako ls --json` prints for a container.  Changes are
 * noticed by the store watcher (core/store-watch.h, the dashboard's
 * engine) at once, and by listing again every --interval seconds for
 * the figures that change without an event (memory, CPU, pids); either
 * way a "changed" line is sent only when a row's JSON differs from the
 * one last sent for it, so an idle path costs one list per interval and
 * no output (with --heartbeat N, one short line every N s, so that a
 * reader can tell an idle host from one that stopped answering; a
 * protocol-1 reader skips line types it does not know).
 *
 * The stream ends with exit 0 when its reader goes (stdout's pipe or
 * socket closed: seen by poll while idle, or as EPIPE on a write, SIGPIPE
 * being ignored), or on SIGTERM, SIGINT or SIGHUP (ssh's hang-up), taken
 * through a signalfd so that a line is never cut in half. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "ls-watch.h"
#include "sanitize.h"
#include "store-watch.h"

/* What was last sent for one container. */
struct sent {
	char *name;
	char *json;
};

struct stream {
	struct hk_store *st;
	const struct hk_ls_watch_opts *o;
	struct hk_store_watch *watch;
	struct hk_list list; /* the last one built */
	struct sent *v;	     /* sorted by name */
	size_t n;
};

static int64_t now_ms(void);
static int64_t last_put_ms; /* when the last line went out */

enum put { PUT_OK, PUT_CLOSED, PUT_FAILED };

/* Writes one line and flushes it.  The reader gone is the normal end. */
static enum put put_line(struct hk_buf *b)
{
	hk_buf_puts(b, "\n");
	last_put_ms = now_ms();
	if (fwrite(b->data, 1, b->len, stdout) == b->len && fflush(stdout) == 0)
		return PUT_OK;
	if (errno == EPIPE)
		return PUT_CLOSED;
	fprintf(stderr,
		"hako: error: ls --watch: writing to standard output: %s; "
		"check what reads it\n",
		strerror(errno));
	return PUT_FAILED;
}

static enum put put_hello(const struct hk_store *st)
{
	char host[HOST_NAME_MAX + 1] = "";
	if (gethostname(host, sizeof(host)) < 0)
		host[0] = 0;
	host[sizeof(host) - 1] = 0;
	hk_autofree char *h = hk_sanitize_json(host);
	hk_autofree char *p = hk_sanitize_json(hk_store_path(st));
	hk_autofree char *v = hk_sanitize_json(HAKO_VERSION);
	struct hk_buf b = { 0 };
	hk_buf_printf(&b, "{\"hako\": %s, \"protocol\": %d, \"host\": %s, \"path\": %s}", v,
		      HK_LS_WATCH_PROTOCOL, h, p);
	enum put r = put_line(&b);
	hk_buf_free(&b);
	return r;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct sent *)a)->name, ((const struct sent *)b)->name);
}

static void sent_free(struct sent *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].json);
	}
	free(v);
}

/* Lists the path again into s->list; then the watcher learns of new
 * containers (true: one it had not watched, so list once more). */
static int relist(struct stream *s, struct hk_error **err)
{
	for (int round = 0; round < 3; round++) {
		hk_list_free(&s->list);
		if (hk_list_build(s->st, &s->o->filter, &s->list, err) < 0)
			return -1;
		if (s->o->nested)
			hk_list_add_nested(&s->list);
		if (!hk_store_watch_update(s->watch, &s->list))
			break;
	}
	return 0;
}

/* The rows of s->list as (name, JSON), sorted by name. */
static struct sent *rows_json(const struct stream *s)
{
	struct sent *v = xcalloc(s->list.n + 1, sizeof(*v));
	for (size_t i = 0; i < s->list.n; i++) {
		struct hk_buf b = { 0 };
		hk_ls_row_json(&b, &s->list.rows[i]);
		v[i].name = xstrdup(s->list.rows[i].name);
		v[i].json = hk_buf_steal(&b);
	}
	qsort(v, s->list.n, sizeof(*v), by_name);
	return v;
}

static enum put put_snapshot(struct stream *s)
{
	struct hk_buf b = { 0 };
	hk_buf_puts(&b, "{\"type\": \"snapshot\", \"containers\": [");
	for (size_t i = 0; i < s->list.n; i++) {
		hk_buf_puts(&b, i ? ", " : "");
		hk_ls_row_json(&b, &s->list.rows[i]);
	}
	hk_buf_puts(&b, "]}");
	enum put r = put_line(&b);
	hk_buf_free(&b);
	s->v = rows_json(s);
	s->n = s->list.n;
	return r;
}

/* A line: head, a JSON value, "}". */
static enum put put_object(const char *head, const char *value)
{
	struct hk_buf b = { 0 };
	hk_buf_puts(&b, head);
	hk_buf_puts(&b, value);
	hk_buf_puts(&b, "}");
	enum put r = put_line(&b);
	hk_buf_free(&b);
	return r;
}

static enum put put_removed(const char *name)
{
	hk_autofree char *q = hk_sanitize_json(name);
	return put_object("{\"type\": \"removed\", \"name\": ", q);
}

/* Compares the new list with what was sent (both sorted by name) and
 * sends a line for each difference. */
static enum put put_changes(struct stream *s)
{
	struct sent *now = rows_json(s);
	size_t n = s->list.n, i = 0, j = 0;
	enum put r = PUT_OK;
	while (r == PUT_OK && (i < s->n || j < n)) {
		int c = i == s->n ? 1 : j == n ? -1 : strcmp(s->v[i].name, now[j].name);
		if (c < 0) {
			r = put_removed(s->v[i++].name);
			continue;
		}
		if (c > 0 || strcmp(s->v[i].json, now[j].json) != 0)
			r = put_object("{\"type\": \"changed\", \"container\": ", now[j].json);
		if (c == 0)
			i++;
		j++;
	}
	sent_free(s->v, s->n);
	s->v = now;
	s->n = n;
	return r;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* SIGTERM, SIGINT and SIGHUP as a descriptor; SIGPIPE as EPIPE. */
static int signals_fd(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	signal(SIGPIPE, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static enum put put_heartbeat(void)
{
	struct hk_buf b = { 0 };
	hk_buf_puts(&b, "{\"type\": \"heartbeat\"}");
	enum put r = put_line(&b);
	hk_buf_free(&b);
	return r;
}

/* The time of the next heartbeat, or INT64_MAX without --heartbeat. */
static int64_t beat_due(const struct stream *s)
{
	return s->o->heartbeat_s ? last_put_ms + (int64_t)s->o->heartbeat_s * 1000 : INT64_MAX;
}

static enum put loop(struct stream *s, int sig_fd)
{
	int idle_ms = (int)s->o->interval_s * 1000;
	int64_t next = now_ms() + hk_store_watch_recheck_ms(&s->list, idle_ms);
	for (;;) {
		int64_t wake = next < beat_due(s) ? next : beat_due(s);
		struct pollfd p[3] = {
			{ .fd = sig_fd, .events = POLLIN },
			/* No events asked: POLLERR/POLLHUP when the reader goes. */
			{ .fd = STDOUT_FILENO, .events = 0 },
			{ .fd = hk_store_watch_fd(s->watch), .events = POLLIN },
		};
		int64_t left = wake - now_ms();
		if (poll(p, 3, left > 0 ? (int)left : 0) < 0 && errno != EINTR)
			return PUT_FAILED;
		if (p[0].revents & POLLIN)
			return PUT_CLOSED;
		if (p[1].revents & (POLLERR | POLLHUP | POLLNVAL))
			return PUT_CLOSED;
		bool event = (p[2].revents & POLLIN) && hk_store_watch_drain(s->watch);
		enum put beat = now_ms() >= beat_due(s) ? put_heartbeat() : PUT_OK;
		if (beat != PUT_OK)
			return beat;
		if (!event && now_ms() < next)
			continue;
		hk_autoerr struct hk_error *err = NULL;
		if (relist(s, &err) < 0) {
			hk_cli_fail(err);
			return PUT_FAILED;
		}
		enum put r = put_changes(s);
		if (r != PUT_OK)
			return r;
		next = now_ms() + hk_store_watch_recheck_ms(&s->list, idle_ms);
	}
}

int hk_ls_watch(struct hk_store *st, const struct hk_ls_watch_opts *o)
{
	hk_autoclose int sig_fd = signals_fd();
	if (sig_fd < 0) {
		fprintf(stderr, "hako: error: ls --watch: signalfd: %s\n", strerror(errno));
		return 1;
	}
	struct stream s = { .st = st, .o = o };
	hk_autoerr struct hk_error *werr = NULL;
	s.watch = hk_store_watch_new(st, &werr);
	if (!s.watch) {
		hk_autofree char *msg = hk_error_render(werr);
		fprintf(stderr, "hako: warning: %s; changes show every %u s instead\n", msg,
			o->interval_s);
	}
	hk_autoerr struct hk_error *err = NULL;
	enum put r = put_hello(st);
	if (r == PUT_OK && relist(&s, &err) < 0) {
		hk_cli_fail(err);
		r = PUT_FAILED;
	}
	if (r == PUT_OK)
		r = put_snapshot(&s);
	if (r == PUT_OK)
		r = loop(&s, sig_fd);
	sent_free(s.v, s.n);
	hk_list_free(&s.list);
	hk_store_watch_free(s.watch);
	return r == PUT_FAILED ? 1 : 0;
}
