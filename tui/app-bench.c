/* app-bench.c - HAKO_BENCH_FRAMES=N, for tests/bench/dashboard.sh: the
 * dashboard draws its first full frame, then N refreshes back to back
 * (each one what the timer does, hk_app_tick: the rows on screen, or the
 * full listing when one is due; then draw, let curses send what
 * changed), then N full listings (what a watch's event or an action
 * brings, hk_app_refresh_data), restores the terminal and prints on
 * stderr, one "key value" a line:
 *
 *   first_frame_realtime_ns  CLOCK_REALTIME when the first frame was out
 *   first_frame_ms           from hk_app_run to the first frame
 *   refresh_median_ms, refresh_max_ms, refreshes   the timer's ticks
 *   full_median_ms, full_max_ms                    the full listings
 *   vm_rss_kb, vm_hwm_kb     /proc/self/status after the last refresh
 *
 * The script reads the time before exec itself, so that the time to the
 * first frame includes loading the program. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app-internal.h"

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* "VmRSS:   1234 kB" -> 1234; -1 when missing. */
static long status_kb(const char *text, const char *key)
{
	const char *p = text ? strstr(text, key) : NULL;
	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

/* frames times refresh then draw; the median and the longest. */
static void timed_refreshes(struct hk_app *app, unsigned frames, void (*refresh)(struct hk_app *),
			    int64_t *median, int64_t *max)
{
	int64_t *t = xcalloc(frames, sizeof(*t));
	for (unsigned i = 0; i < frames; i++) {
		int64_t t0 = hk_clock_ns(CLOCK_MONOTONIC);
		refresh(app);
		hk_app_redraw_now(app);
		t[i] = hk_clock_ns(CLOCK_MONOTONIC) - t0;
	}
	qsort(t, frames, sizeof(*t), cmp_i64);
	*median = t[frames / 2];
	*max = t[frames - 1];
	free(t);
}

unsigned hk_app_bench_frames(void)
{
	const char *v = getenv("HAKO_BENCH_FRAMES");
	unsigned long n;
	if (!v || !hk_parse_ulong(v, &n) || n == 0)
		return 0;
	return n > 100000 ? 100000 : (unsigned)n;
}

void hk_app_bench(struct hk_app *app, unsigned frames, int64_t started_ns,
		  struct hk_app_bench_result *out)
{
	hk_app_redraw_now(app);
	out->first_frame_realtime_ns = hk_clock_ns(CLOCK_REALTIME);
	out->first_frame_ns = hk_clock_ns(CLOCK_MONOTONIC) - started_ns;
	out->frames = frames;
	timed_refreshes(app, frames, hk_app_tick, &out->median_ns, &out->max_ns);
	timed_refreshes(app, frames, hk_app_refresh_data, &out->full_median_ns, &out->full_max_ns);
	char *status = NULL;
	size_t len;
	hk_read_file("/proc/self/status", &status, &len, NULL);
	out->rss_kb = status_kb(status, "VmRSS:");
	out->hwm_kb = status_kb(status, "VmHWM:");
	free(status);
}

void hk_app_bench_print(const struct hk_app_bench_result *r)
{
	fprintf(stderr,
		"first_frame_realtime_ns %lld\nfirst_frame_ms %.2f\nrefreshes %u\n"
		"refresh_median_ms %.3f\nrefresh_max_ms %.3f\nfull_median_ms %.3f\n"
		"full_max_ms %.3f\nvm_rss_kb %ld\nvm_hwm_kb %ld\n",
		(long long)r->first_frame_realtime_ns, (double)r->first_frame_ns / 1e6, r->frames,
		(double)r->median_ns / 1e6, (double)r->max_ns / 1e6,
		(double)r->full_median_ns / 1e6, (double)r->full_max_ns / 1e6, r->rss_kb,
		r->hwm_kb);
}
