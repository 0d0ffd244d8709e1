/* cleanup.h - the cleanup stack: every setup step that changes the system
 * pushes its undo; on failure the stack runs back in reverse, on success it
 * is dropped.  Also the two things every multi-step operation needs around
 * it: holding off SIGINT/SIGTERM/SIGHUP so they are noticed between steps
 * (and the undo runs) instead of killing the process half-way, and numbered
 * steps that a test can make fail (HAKO_TEST_FAIL_STEP=N) to prove that
 * nothing is ever left behind.
 */
#ifndef HAKO_CLEANUP_H
#define HAKO_CLEANUP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "steps.h"

typedef void (*hk_cleanup_fn)(void *arg);

struct hk_cleanup_item {
	hk_cleanup_fn fn;
	void *arg;
	void (*free_arg)(void *arg); /* NULL when the stack does not own arg */
};

struct hk_cleanup {
	struct hk_cleanup_item *v;
	size_t n;
	size_t cap;
	unsigned step;	   /* the last step number passed to hk_cleanup_step */
	sigset_t old_mask; /* restored by hk_cleanup_unblock_signals */
	bool blocked;
};

#define HK_CLEANUP_INIT                                                                            \
	{                                                                                          \
		.v = NULL                                                                          \
	}

/* Pushes an undo.  free_arg (may be NULL) is called on arg after the undo
 * ran or was dropped. */
void hk_cleanup_push(struct hk_cleanup *c, hk_cleanup_fn fn, void *arg, void (*free_arg)(void *));
/* Shorthands owning a copy of path: rmdir(path) / unlink(path) / rm -rf. */
void hk_cleanup_push_rmdir(struct hk_cleanup *c, const char *path);
void hk_cleanup_push_unlink(struct hk_cleanup *c, const char *path);
void hk_cleanup_push_rm_rf(struct hk_cleanup *c, const char *path);
/* Runs every undo, newest first, and empties the stack. */
void hk_cleanup_run(struct hk_cleanup *c);
/* Success: drops every undo without running it. */
void hk_cleanup_forget(struct hk_cleanup *c);
/* Runs what is left (a scope left early runs back) and restores signals. */
void hk_cleanup_done(struct hk_cleanup *c);
#define hk_autocleanup __attribute__((cleanup(hk_cleanup_done)))

/* Blocks SIGINT, SIGTERM and SIGHUP for the calling thread; they stay
 * pending and act (with their usual disposition) once unblocked. */
void hk_cleanup_block_signals(struct hk_cleanup *c);
void hk_cleanup_unblock_signals(struct hk_cleanup *c);
/* Marks the start of step number `step` (what: a few words for messages).
 * Fails when one of the blocked signals is pending ("interrupted") or
 * when the environment variable HAKO_TEST_FAIL_STEP equals the step number
 * (for the tests that prove a failed operation leaves nothing behind). */
int hk_cleanup_step(struct hk_cleanup *c, unsigned step, const char *what, struct hk_error **err);

/* hk_cleanup_step for a step of steps.h: its number and its words. */
int hk_cleanup_at(struct hk_cleanup *c, enum hk_step step, struct hk_error **err);

/* A crash point (stop steps 111-116): when HAKO_TEST_FAIL_STEP equals the
 * step number the process dies by SIGKILL, with no cleanup at all, as a
 * crash would; tests prove that what it leaves is recovered. */
void hk_cleanup_crash_point(unsigned step, const char *what);
/* The same for a step of steps.h. */
void hk_cleanup_crash_at(enum hk_step step);

#endif
