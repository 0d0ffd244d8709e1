/* ls-remote.c - the lists of remotes for `hako ls web1:` and `hako ls
 * --remote NAME|all`: each remote's `hako ls --json --watch` read up to
 * its snapshot by core/remote-watch.h, all hosts at once from one poll
 * loop (as the dashboard will keep them open), then ended.
 *
 * Reading the stream rather than a one-shot `ls --json` checks the
 * remote hako's protocol version on every listing, and reports a hako
 * too old to have one with its own `hako --version`. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ls-remote.h"
#include "remote-ssh.h"
#include "remote-watch.h"

#define SNAPSHOT_WAIT_MS 20000 /* after ConnectTimeout: a remote hako that hangs */

struct feed {
	struct hk_ls_host *host;
	struct hk_remote r;
	struct hk_rwatch *w;
	struct hk_ssh_proc p;
	struct hk_error *err;
	bool open;
};

static void words_for(const struct hk_remote *r, const struct hk_ls_remote_opts *o,
		      struct hk_strv *w)
{
	hk_strv_push(w, "ls");
	hk_strv_push(w, "--json");
	hk_strv_push(w, "--watch");
	if (r->path) {
		hk_strv_push(w, "-P");
		hk_strv_push(w, r->path);
	}
	if (o->filter.running)
		hk_strv_push(w, "--running");
	if (o->filter.stopped)
		hk_strv_push(w, "--stopped");
	if (o->nested)
		hk_strv_push(w, "--nested");
	if (o->filter.regex) {
		hk_strv_push(w, "--");
		hk_strv_push(w, o->filter.regex);
	}
}

static int start(const struct hk_ssh *s, struct feed *f, const struct hk_ls_remote_opts *o)
{
	if (hk_cli_remote_find(f->host->name, &f->r, &f->err) < 0)
		return -1;
	struct hk_strv words = { 0 }, argv = { 0 };
	words_for(&f->r, o, &words);
	hk_autofree char *cmd = hk_ssh_remote_command(words.v, words.n);
	hk_strv_clear(&words);
	hk_ssh_argv(s, &f->r, HK_SSH_RUN, cmd, &argv);
	int rc = hk_ssh_spawn(argv.v, HK_SSH_PIPE_OUT, &f->p, &f->err);
	hk_strv_clear(&argv);
	if (rc < 0)
		return -1;
	f->w = hk_rwatch_new(f->r.name);
	f->open = true;
	return 0;
}

/* Why f's stream ended before its snapshot, into f->err. */
static void explain(const struct hk_ssh *s, struct feed *f, int status, const char *text)
{
	if (hk_ssh_classify(status, text) != HK_SSH_REMOTE_FAILED) {
		hk_ssh_fail(s, &f->r, "ls", status, text, &f->err);
		return;
	}
	bool need = false;
	hk_rwatch_explain_end(f->w, status, text, NULL, &need, &f->err);
	if (need) {
		char *version_words[] = { (char *)"--version" };
		hk_autofree char *out = NULL, *err_text = NULL;
		int vs = 0;
		if (hk_ssh_capture(s, &f->r, version_words, 1, SNAPSHOT_WAIT_MS, &out, &vs,
				   &err_text, &f->err) == 0)
			hk_rwatch_explain_end(f->w, status, text, vs == 0 ? out : "", &need,
					      &f->err);
	}
	hk_error_prefix(&f->err, "ls");
}

/* Ends f's stream; explains it when the snapshot did not come. */
static void finish(const struct hk_ssh *s, struct feed *f)
{
	bool ready = hk_rwatch_ready(f->w) && !f->err;
	/* done with a stream that still runs (its snapshot came, or it sent
	 * what this hako refuses): the remote's ls --watch ends with the
	 * channel */
	if (f->p.out_fd >= 0)
		kill(f->p.pid, SIGTERM);
	int status = 0;
	hk_autofree char *text = NULL;
	hk_ssh_proc_wait(&f->p, &status, &text);
	f->open = false;
	if (ready) {
		hk_rwatch_steal_list(f->w, &f->host->list);
		return;
	}
	if (!f->err)
		explain(s, f, status, text);
}

static void read_some(struct feed *f)
{
	char buf[65536];
	ssize_t n = read(f->p.out_fd, buf, sizeof(buf));
	if (n > 0) {
		if (hk_rwatch_feed(f->w, buf, (size_t)n, &f->err) < 0)
			hk_error_prefix(&f->err, "ls");
		return;
	}
	if (n == 0 || (errno != EAGAIN && errno != EINTR))
		hk_closep(&f->p.out_fd);
}

static void poll_all(const struct hk_ssh *s, struct feed *f, size_t n, long long deadline)
{
	struct pollfd *pfd = xcalloc(n, sizeof(*pfd));
	for (;;) {
		size_t open = 0;
		for (size_t i = 0; i < n; i++) {
			if (f[i].open && (f[i].err || f[i].p.out_fd < 0 || hk_rwatch_ready(f[i].w)))
				finish(s, &f[i]);
			pfd[i] = (struct pollfd){ .fd = f[i].open ? f[i].p.out_fd : -1,
						  .events = POLLIN };
			open += f[i].open;
		}
		long long left = deadline - hk_now_ms();
		if (open == 0 || left <= 0)
			break;
		if (poll(pfd, n, (int)left) < 0 && errno != EINTR)
			break;
		for (size_t i = 0; i < n; i++)
			if (pfd[i].revents)
				read_some(&f[i]);
	}
	for (size_t i = 0; i < n; i++) {
		if (!f[i].open)
			continue;
		hk_error_say(&f[i].err, ETIMEDOUT,
			     "ls: remote \"%s\" sent no list within %u s; log in and run `hako "
			     "ls` there to see why",
			     f[i].host->name, s->connect_timeout + SNAPSHOT_WAIT_MS / 1000);
		kill(f[i].p.pid, SIGTERM);
		int status;
		hk_ssh_proc_wait(&f[i].p, &status, NULL);
	}
	free(pfd);
}

int hk_ls_remote_fetch(struct hk_ls_host *hosts, size_t n, const struct hk_ls_remote_opts *o)
{
	struct hk_ssh s;
	hk_autoerr struct hk_error *err = NULL;
	/* nobody can answer a prompt for several hosts at once */
	if (hk_cli_ssh_init(&s, true, false, &err) < 0)
		return hk_cli_fail(err);
	struct feed *f = xcalloc(n, sizeof(*f));
	for (size_t i = 0; i < n; i++) {
		f[i].host = &hosts[i];
		f[i].p = (struct hk_ssh_proc){ .pid = -1, .in_fd = -1, .out_fd = -1, .err_fd = -1 };
		start(&s, &f[i], o);
	}
	poll_all(&s, f, n, hk_now_ms() + s.connect_timeout * 1000LL + SNAPSHOT_WAIT_MS);
	int failed = 0;
	for (size_t i = 0; i < n; i++) {
		if (f[i].err) {
			hosts[i].failed = true;
			hk_cli_fail(f[i].err);
			failed++;
		}
		hk_error_free(f[i].err);
		hk_rwatch_free(f[i].w);
		hk_remote_clear(&f[i].r);
	}
	free(f);
	hk_cli_ssh_clear(&s);
	return failed ? 1 : 0;
}
