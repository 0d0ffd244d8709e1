/* cleanup.c - the cleanup stack (an array of undo closures run newest
 * first), signal holding around multi-step operations, and numbered steps
 * that tests can make fail.  See cleanup.h. */
#include "cleanup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

void hk_cleanup_push(struct hk_cleanup *c, hk_cleanup_fn fn, void *arg, void (*free_arg)(void *))
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 8;
		c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	c->v[c->n++] = (struct hk_cleanup_item){ fn, arg, free_arg };
}

static void undo_rmdir(void *arg)
{
	if (rmdir(arg) < 0 && errno != ENOENT)
		hk_log(HK_LOG_WARN, "cleanup: cannot remove directory \"%s\": %s", (char *)arg,
		       strerror(errno));
}

static void undo_unlink(void *arg)
{
	if (unlink(arg) < 0 && errno != ENOENT)
		hk_log(HK_LOG_WARN, "cleanup: cannot remove \"%s\": %s", (char *)arg,
		       strerror(errno));
}

static void undo_rm_rf(void *arg)
{
	hk_autoerr struct hk_error *err = NULL;
	if (hk_rm_rf(arg, &err) < 0) {
		hk_autofree char *msg = hk_error_render(err);
		hk_log(HK_LOG_WARN, "cleanup: %s", msg);
	}
}

void hk_cleanup_push_rmdir(struct hk_cleanup *c, const char *path)
{
	hk_cleanup_push(c, undo_rmdir, xstrdup(path), free);
}

void hk_cleanup_push_unlink(struct hk_cleanup *c, const char *path)
{
	hk_cleanup_push(c, undo_unlink, xstrdup(path), free);
}

void hk_cleanup_push_rm_rf(struct hk_cleanup *c, const char *path)
{
	hk_cleanup_push(c, undo_rm_rf, xstrdup(path), free);
}

static void drop(struct hk_cleanup *c, bool run)
{
	while (c->n > 0) {
		struct hk_cleanup_item *it = &c->v[--c->n];
		if (run)
			it->fn(it->arg);
		if (it->free_arg)
			it->free_arg(it->arg);
	}
	free(c->v);
	c->v = NULL;
	c->cap = 0;
}

void hk_cleanup_run(struct hk_cleanup *c)
{
	if (c->n)
		hk_log(HK_LOG_DEBUG, "cleanup: undoing %zu step(s)", c->n);
	drop(c, true);
}

void hk_cleanup_forget(struct hk_cleanup *c)
{
	drop(c, false);
}

void hk_cleanup_done(struct hk_cleanup *c)
{
	hk_cleanup_run(c);
	hk_cleanup_unblock_signals(c);
}

static void held_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

void hk_cleanup_block_signals(struct hk_cleanup *c)
{
	if (c->blocked)
		return;
	sigset_t set;
	held_signals(&set);
	if (sigprocmask(SIG_BLOCK, &set, &c->old_mask) == 0)
		c->blocked = true;
}

void hk_cleanup_unblock_signals(struct hk_cleanup *c)
{
	if (!c->blocked)
		return;
	c->blocked = false;
	sigprocmask(SIG_SETMASK, &c->old_mask, NULL);
}

/* True when a held signal is waiting (it stays pending: once unblocked it
 * acts as it would have, after the undo ran). */
static int pending_signal(void)
{
	sigset_t pend, held;
	if (sigpending(&pend) < 0)
		return 0;
	held_signals(&held);
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(&held, sig) == 1 && sigismember(&pend, sig) == 1)
			return sig;
	return 0;
}

/* The test switch HAKO_TEST_FAIL_STEP names this step. */
static bool step_chosen(unsigned step)
{
	const char *fail = getenv("HAKO_TEST_FAIL_STEP");
	unsigned long n;
	return fail && hk_parse_ulong(fail, &n) && n == step;
}

int hk_cleanup_step(struct hk_cleanup *c, unsigned step, const char *what, struct hk_error **err)
{
	c->step = step;
	int sig = pending_signal();
	if (sig)
		return hk_error_set(err, EINTR, "interrupted by SIG%s before step %u (%s); undoing",
				    sigabbrev_np(sig), step, what);
	if (step_chosen(step))
		return hk_error_set(err, 0, "step %u (%s) failed on purpose (HAKO_TEST_FAIL_STEP)",
				    step, what);
	hk_log(HK_LOG_TRACE, "step %u: %s", step, what);
	return 0;
}

void hk_cleanup_crash_point(unsigned step, const char *what)
{
	if (!step_chosen(step))
		return;
	hk_log(HK_LOG_NOTICE, "step %u (%s): dying on purpose (HAKO_TEST_FAIL_STEP)", step, what);
	raise(SIGKILL);
}

int hk_cleanup_at(struct hk_cleanup *c, enum hk_step step, struct hk_error **err)
{
	const struct hk_step_def *d = hk_step_of(step);
	return hk_cleanup_step(c, d->number, d->what, err);
}

void hk_cleanup_crash_at(enum hk_step step)
{
	const struct hk_step_def *d = hk_step_of(step);
	hk_cleanup_crash_point(d->number, d->what);
}
