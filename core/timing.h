/* timing.h - `--timing`: the timeline of one start, stop, attach or clone,
 * step by step with wall times, like systemd-analyze.
 *
 * A step is a name, the process that did it (the CLI, the container's
 * monitor, the container's child before it execs init) and CLOCK_MONOTONIC
 * stamps (one clock for the whole host: the container gets no time
 * namespace).  Each process records its steps in a process-global table
 * that fork and clone copy; hk_timing_become starts a new process's own.
 * The child sends its steps to the monitor over the spawn socket, the
 * monitor sends them and its own to the CLI (the start's ready pipe, a
 * stop's connection) as "T" lines (hk_timing_encode, hk_timing_decode),
 * and the CLI formats the lot (hk_timing_format).
 *
 * While --timing is off every stamp is one test of a global flag: nothing
 * is recorded, read or sent. */
#ifndef HAKO_TIMING_H
#define HAKO_TIMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

enum hk_timing_proc { HK_TIMING_CLI, HK_TIMING_MONITOR, HK_TIMING_CHILD, HK_TIMING_NPROC };

#define HK_TIMING_MAX  64
#define HK_TIMING_NAME 24

struct hk_timing_step {
	int64_t start_ns, end_ns; /* CLOCK_MONOTONIC; end_ns 0: still open */
	uint8_t proc;		  /* enum hk_timing_proc */
	char name[HK_TIMING_NAME];
};

struct hk_timeline {
	bool on;
	uint8_t proc;	   /* who records in this process */
	int64_t origin_ns; /* the CLI's first stamp: offsets count from it */
	int64_t last_ns;   /* the end of this process's last hk_timing_add */
	size_t n;
	struct hk_timing_step steps[HK_TIMING_MAX];
};

/* This process's table. */
extern struct hk_timeline hk_timing;

int64_t hk_timing_clock(void);

/* --timing: records from now on, as the CLI. */
void hk_timing_enable(void);
/* A monitor asked for a stop's steps: records from now on, as proc, its
 * table emptied (stamps are absolute: the asking CLI has the origin). */
void hk_timing_enable_as(enum hk_timing_proc proc);
/* Called first in a process made by fork or clone: its steps are proc's
 * and its table starts empty (the parent's stay the parent's to send). */
void hk_timing_become(enum hk_timing_proc proc);

/* A stamp to start a step with: 0 while --timing is off. */
static inline int64_t hk_timing_now(void)
{
	return hk_timing.on ? hk_timing_clock() : 0;
}

/* The end of this process's last step (0 while off): where the next
 * one starts when nothing was waited for in between. */
static inline int64_t hk_timing_last(void)
{
	return hk_timing.last_ns;
}

/* Records step name of this process, from t0 (a stamp) to now, and
 * returns now: the next step's start.  Nothing while off. */
int64_t hk_timing_add(const char *name, int64_t t0);
/* Records a step of proc from t0 to t1 (t1 0: open, ended by
 * hk_timing_close_open). */
void hk_timing_add_as(enum hk_timing_proc proc, const char *name, int64_t t0, int64_t t1);
/* Ends every open step at t1 (the monitor, when the child's exec closed
 * the spawn socket). */
void hk_timing_close_open(int64_t t1);

/* Appends steps [from, n) of tl as lines "T PROC START END NAME\n". */
void hk_timing_encode(const struct hk_timeline *tl, size_t from, struct hk_buf *out);
/* Adds the step of one "T ..." line (without its newline) to tl; -1 and
 * nothing added when the line is not one (or the table is full). */
int hk_timing_decode(struct hk_timeline *tl, const char *line);
/* Decodes every "T" line of text (other lines are skipped); returns how
 * many steps it added. */
size_t hk_timing_decode_all(struct hk_timeline *tl, const char *text, size_t len);

/* The timeline for people: a title line, then one line per step sorted by
 * start ("+OFFSET ms  DURATION ms  PROCESS  STEP"; offsets from
 * tl->origin_ns), then the total up to end_ns. */
void hk_timing_format(const struct hk_timeline *tl, const char *title, int64_t end_ns,
		      struct hk_buf *out);

#endif
