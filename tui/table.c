/* table.c - plain-text tables and name columns for the CLI commands; owns
 * the sanitising of what they print (table.h). */
#include "table.h"

#include <stdlib.h>
#include <string.h>

#include "sanitize.h"
#include "util.h"

struct hk_table {
	size_t ncols;
	char **headers;
	char **cells; /* nrows * ncols, row-major */
	size_t nrows;
};

struct hk_table *hk_table_new(size_t ncols, const char *const *headers)
{
	struct hk_table *t = xcalloc(1, sizeof(*t));
	t->ncols = ncols;
	t->headers = xcalloc(ncols, sizeof(char *));
	for (size_t c = 0; c < ncols; c++)
		t->headers[c] = hk_sanitize_line(headers[c]);
	return t;
}

void hk_table_free(struct hk_table *t)
{
	if (!t)
		return;
	for (size_t c = 0; c < t->ncols; c++)
		free(t->headers[c]);
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->headers);
	free(t->cells);
	free(t);
}

void hk_table_add_row(struct hk_table *t)
{
	t->nrows++;
	t->cells = xrealloc(t->cells, t->nrows * t->ncols * sizeof(char *));
	memset(&t->cells[(t->nrows - 1) * t->ncols], 0, t->ncols * sizeof(char *));
}

void hk_table_set(struct hk_table *t, size_t col, const char *text)
{
	if (t->nrows == 0 || col >= t->ncols)
		return;
	char **cell = &t->cells[(t->nrows - 1) * t->ncols + col];
	free(*cell);
	*cell = (text && text[0]) ? hk_sanitize_line(text) : NULL;
}

static const char *cell_at(const struct hk_table *t, size_t row, size_t col)
{
	const char *s = t->cells[row * t->ncols + col];
	return s ? s : "-";
}

static void print_padded(FILE *out, const char *s, size_t width, bool last)
{
	fputs(s, out);
	if (last)
		return;
	for (size_t w = hk_utf8_width(s); w < width + 2; w++)
		fputc(' ', out);
}

static void print_aligned(const struct hk_table *t, FILE *out)
{
	hk_autofree size_t *width = xcalloc(t->ncols, sizeof(size_t));
	for (size_t c = 0; c < t->ncols; c++) {
		width[c] = hk_utf8_width(t->headers[c]);
		for (size_t r = 0; r < t->nrows; r++) {
			size_t w = hk_utf8_width(cell_at(t, r, c));
			if (w > width[c])
				width[c] = w;
		}
	}
	for (size_t c = 0; c < t->ncols; c++)
		print_padded(out, t->headers[c], width[c], c + 1 == t->ncols);
	fputc('\n', out);
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++)
			print_padded(out, cell_at(t, r, c), width[c], c + 1 == t->ncols);
		fputc('\n', out);
	}
}

void hk_table_print(const struct hk_table *t, FILE *out, bool tty)
{
	if (tty) {
		print_aligned(t, out);
		return;
	}
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			if (c)
				fputc('\t', out);
			fputs(cell_at(t, r, c), out);
		}
		fputc('\n', out);
	}
}

/* Column-major layout like ls: as many columns as fit in width. */
void hk_table_print_names(char *const *names, size_t n, FILE *out, bool tty, unsigned width)
{
	if (n == 0)
		return;
	char **safe = xcalloc(n, sizeof(char *));
	size_t longest = 1;
	for (size_t i = 0; i < n; i++) {
		safe[i] = hk_sanitize_line(names[i]);
		size_t w = hk_utf8_width(safe[i]);
		if (w > longest)
			longest = w;
	}
	size_t colw = longest + 2;
	size_t ncols = (tty && width > colw) ? width / colw : 1;
	size_t nrows = (n + ncols - 1) / ncols;
	for (size_t r = 0; r < nrows; r++) {
		for (size_t c = 0; c < ncols; c++) {
			size_t i = c * nrows + r;
			if (i >= n)
				break;
			bool last = c + 1 == ncols || (c + 1) * nrows + r >= n;
			print_padded(out, safe[i], longest, last);
		}
		fputc('\n', out);
	}
	for (size_t i = 0; i < n; i++)
		free(safe[i]);
	free(safe);
}
