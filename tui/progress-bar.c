/* progress-bar.c - the CLI's progress bar (see progress-bar.h):
 * "rootfs           [█████▌        ]  42% 12.0 MiB", redrawn in place
 * with a carriage return, ended with a newline when done == total. */
#include "progress-bar.h"

#include <locale.h>
#include <stdio.h>
#include <unistd.h>

#include "term.h"
#include "util.h"

#define BAR_WIDTH 30

static void human(char *out, size_t n, uint64_t v)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double d = (double)v;
	size_t u = 0;
	while (d >= 1024 && u + 1 < HK_ARRAY_SIZE(units)) {
		d /= 1024;
		u++;
	}
	snprintf(out, n, u ? "%.1f %s" : "%.0f %s", d, units[u]);
}

/* The bar's cells for done/total, in eighths of a cell where the
 * terminal has the block characters. */
static void bar_cells(const struct hk_bar *b, uint64_t done, uint64_t total, char *out, size_t n)
{
	static const char *const eighths[] = { "", "▏", "▎", "▍", "▌", "▋", "▊", "▉" };
	uint64_t units = total ? done * BAR_WIDTH * 8 / total : 0;
	unsigned full = (unsigned)(units / 8), part = (unsigned)(units % 8), cells = 0;
	size_t at = 0;
	out[0] = '\0';
	for (; cells < full && at + 4 < n; cells++)
		at += (size_t)snprintf(out + at, n - at, "%s", b->ascii ? "=" : "█");
	if (cells < BAR_WIDTH && part && at + 4 < n) {
		at += (size_t)snprintf(out + at, n - at, "%s", b->ascii ? ">" : eighths[part]);
		cells++;
	}
	for (; cells < BAR_WIDTH && at + 1 < n; cells++)
		out[at++] = ' ';
	out[at] = '\0';
}

static void draw(void *data, const char *what, uint64_t done, uint64_t total)
{
	struct hk_bar *b = data;
	char have[32], cells[BAR_WIDTH * 4 + 1];
	human(have, sizeof(have), done);
	if (!total) {
		fprintf(stderr, "\r%-16.16s %s   ", what, have);
	} else {
		bar_cells(b, done, total, cells, sizeof(cells));
		fprintf(stderr, "\r%-16.16s [%s] %3u%% %s   ", what, cells,
			(unsigned)(done * 100 / total), have);
	}
	b->open = !(total && done >= total);
	if (!b->open)
		fputc('\n', stderr);
	fflush(stderr);
}

struct hk_progress hk_bar_progress(struct hk_bar *bar, bool quiet)
{
	*bar = (struct hk_bar){ 0 };
	if (quiet || !isatty(STDERR_FILENO))
		return (struct hk_progress){ 0 };
	setlocale(LC_CTYPE, ""); /* for the terminal's codeset */
	bar->ascii = hk_term_want_ascii();
	return (struct hk_progress){ .fn = draw, .data = bar };
}

void hk_bar_end(struct hk_bar *bar)
{
	if (bar->open)
		fputc('\n', stderr);
	bar->open = false;
}
