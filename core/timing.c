/* timing.c - the step timeline of `--timing` (see timing.h): recording,
 * the "T" lines that carry it between processes, and its text. */
#include "timing.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct hk_timeline hk_timing;

static const char *const proc_names[HK_TIMING_NPROC] = { "cli", "monitor", "child" };

int64_t hk_timing_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void hk_timing_enable(void)
{
	hk_timing.on = true;
	hk_timing.proc = HK_TIMING_CLI;
	hk_timing.n = 0;
	hk_timing.origin_ns = hk_timing.last_ns = hk_timing_clock();
}

void hk_timing_enable_as(enum hk_timing_proc proc)
{
	hk_timing.on = true;
	hk_timing_become(proc);
	hk_timing.last_ns = hk_timing_clock();
}

void hk_timing_become(enum hk_timing_proc proc)
{
	hk_timing.proc = (uint8_t)proc;
	hk_timing.n = 0;
}

static void add_to(struct hk_timeline *tl, unsigned proc, const char *name, int64_t t0, int64_t t1)
{
	if (tl->n >= HK_TIMING_MAX || proc >= HK_TIMING_NPROC)
		return;
	struct hk_timing_step *s = &tl->steps[tl->n++];
	s->start_ns = t0;
	s->end_ns = t1;
	s->proc = (uint8_t)proc;
	snprintf(s->name, sizeof(s->name), "%s", name);
}

int64_t hk_timing_add(const char *name, int64_t t0)
{
	if (!hk_timing.on)
		return 0;
	int64_t now = hk_timing_clock();
	add_to(&hk_timing, hk_timing.proc, name, t0, now);
	hk_timing.last_ns = now;
	return now;
}

void hk_timing_add_as(enum hk_timing_proc proc, const char *name, int64_t t0, int64_t t1)
{
	if (hk_timing.on)
		add_to(&hk_timing, (unsigned)proc, name, t0, t1);
}

void hk_timing_close_open(int64_t t1)
{
	for (size_t i = 0; i < hk_timing.n; i++)
		if (!hk_timing.steps[i].end_ns)
			hk_timing.steps[i].end_ns = t1;
}

void hk_timing_encode(const struct hk_timeline *tl, size_t from, struct hk_buf *out)
{
	for (size_t i = from; i < tl->n; i++) {
		const struct hk_timing_step *s = &tl->steps[i];
		hk_buf_printf(out, "T %u %" PRId64 " %" PRId64 " %s\n", (unsigned)s->proc,
			      s->start_ns, s->end_ns, s->name);
	}
}

int hk_timing_decode(struct hk_timeline *tl, const char *line)
{
	unsigned proc;
	long long t0, t1;
	int off = 0;
	if (sscanf(line, "T %u %lld %lld %n", &proc, &t0, &t1, &off) != 3 || off == 0 ||
	    proc >= HK_TIMING_NPROC || t0 < 0 || t1 < 0 || !line[off] || tl->n >= HK_TIMING_MAX)
		return -1;
	size_t len = strcspn(line + off, "\n");
	char name[HK_TIMING_NAME];
	snprintf(name, sizeof(name), "%.*s", (int)len, line + off);
	add_to(tl, proc, name, t0, t1);
	return 0;
}

size_t hk_timing_decode_all(struct hk_timeline *tl, const char *text, size_t len)
{
	size_t added = 0;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;
		if (nl && text[i] == 'T') { /* a complete line only */
			hk_autofree char *line = xstrndup(text + i, end - i);
			added += hk_timing_decode(tl, line) == 0;
		}
		i = end + 1;
	}
	return added;
}

static int by_start(const void *a, const void *b)
{
	const struct hk_timing_step *x = a, *y = b;
	return x->start_ns < y->start_ns ? -1 : x->start_ns > y->start_ns;
}

static double ms_of(int64_t ns)
{
	return (double)ns / 1e6;
}

void hk_timing_format(const struct hk_timeline *tl, const char *title, int64_t end_ns,
		      struct hk_buf *out)
{
	struct hk_timing_step sorted[HK_TIMING_MAX];
	size_t n = tl->n;
	memcpy(sorted, tl->steps, n * sizeof(sorted[0]));
	qsort(sorted, n, sizeof(sorted[0]), by_start);
	hk_buf_printf(out, "%s: %zu steps (ms from the start)\n", title, n);
	for (size_t i = 0; i < n; i++) {
		const struct hk_timing_step *s = &sorted[i];
		int64_t dur = s->end_ns > s->start_ns ? s->end_ns - s->start_ns : 0;
		hk_buf_printf(out, "%+10.3f ms %9.3f ms  %-7s  %s\n",
			      ms_of(s->start_ns - tl->origin_ns), ms_of(dur),
			      s->proc < HK_TIMING_NPROC ? proc_names[s->proc] : "?", s->name);
	}
	hk_buf_printf(out, "total %.3f ms\n", ms_of(end_ns - tl->origin_ns));
}
