/* wtable.c - the table widget.  Data model: rows in insertion order, each
 * with a key, a role, an indent and one cell (text + sort number) per
 * column; `order` holds the display order after sorting.  The selection
 * and marks are kept by key, so a refresh that rebuilds the rows keeps
 * them on the same containers. */
#include <ncurses.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wtable.h"

struct cell {
	char *text;
	double num;
	int width; /* hkw_width(text), kept: the layout asks every draw */
};

struct row {
	char *key;
	int role;
	int indent;
	size_t parent; /* index of the row it sits under, SIZE_MAX for none */
	struct cell *cells;
};

struct hkw_table {
	struct hkw_widget base;
	const struct hkw_column *cols;
	size_t ncols;
	struct row *rows;
	size_t n, cap;
	size_t *order;
	size_t sel, top;
	char *sel_key;
	size_t sort_col;
	bool reverse;
	char **marks;
	size_t nmarks;
	char *empty_text;
};

static const struct hkw_widget_ops table_ops;
static void find_key(struct hkw_table *t, const char *key);

struct hkw_table *hkw_table_new(const struct hkw_column *cols, size_t ncols)
{
	struct hkw_table *t = hkw_alloc(sizeof(*t));
	t->base.ops = &table_ops;
	t->cols = cols;
	t->ncols = ncols;
	return t;
}

struct hkw_widget *hkw_table_widget(struct hkw_table *t)
{
	return &t->base;
}

static void free_rows(struct hkw_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		for (size_t c = 0; c < t->ncols; c++)
			free(t->rows[i].cells[c].text);
		free(t->rows[i].cells);
		free(t->rows[i].key);
	}
	t->n = 0;
}

void hkw_table_clear(struct hkw_table *t)
{
	const char *k = hkw_table_selected(t);
	if (k) {
		char *keep = hkw_strdup(k);
		free(t->sel_key);
		t->sel_key = keep;
	}
	free_rows(t);
}

size_t hkw_table_add_row(struct hkw_table *t, const char *key, int role, int indent)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		struct row *r = realloc(t->rows, t->cap * sizeof(*r));
		size_t *o = realloc(t->order, t->cap * sizeof(*o));
		if (!r || !o)
			abort();
		t->rows = r;
		t->order = o;
	}
	struct row *r = &t->rows[t->n];
	r->key = hkw_strdup(key);
	r->role = role;
	r->indent = indent;
	r->parent = SIZE_MAX;
	r->cells = hkw_alloc(t->ncols * sizeof(*r->cells));
	for (size_t c = 0; c < t->ncols; c++)
		r->cells[c].num = NAN;
	t->order[t->n] = t->n;
	return t->n++;
}

void hkw_table_set_parent(struct hkw_table *t, size_t row, size_t parent)
{
	if (row < t->n && parent < row)
		t->rows[row].parent = parent;
}

void hkw_table_set(struct hkw_table *t, size_t row, size_t col, const char *text, double num)
{
	struct cell *c = &t->rows[row].cells[col];
	free(c->text);
	c->text = hkw_strdup(text);
	c->num = num;
	c->width = hkw_width(c->text);
}

size_t hkw_table_rows(const struct hkw_table *t)
{
	return t->n;
}

/* qsort has no context argument in C11; the table being sorted. */
static const struct hkw_table *sorting;

static int cmp_cells(const struct cell *a, const struct cell *b, bool desc)
{
	if (!isnan(a->num) || !isnan(b->num)) {
		/* Unknown values ("-") go last either way. */
		if (isnan(a->num) || isnan(b->num))
			return isnan(a->num) ? 1 : -1;
		int r = (a->num > b->num) - (a->num < b->num);
		return desc ? -r : r;
	}
	/* Natural order, as ls -v: c2 before c10. */
	return strverscmp(a->text ? a->text : "", b->text ? b->text : "");
}

static size_t depth_of(const struct hkw_table *t, size_t i)
{
	size_t d = 0;
	while (t->rows[i].parent != SIZE_MAX && d < t->n) {
		i = t->rows[i].parent;
		d++;
	}
	return d;
}

/* Rows under a parent stay right below it, sorted among their siblings:
 * both sides are lifted to ancestors that share a parent, which compare
 * like any two rows; a row comes before its own descendants. */
static int cmp_tree(const struct hkw_table *t, size_t *ia, size_t *ib)
{
	size_t da = depth_of(t, *ia), db = depth_of(t, *ib);
	int deeper = 0;
	for (; da > db; da--, deeper = 1)
		*ia = t->rows[*ia].parent;
	for (; db > da; db--, deeper = -1)
		*ib = t->rows[*ib].parent;
	if (*ia == *ib)
		return deeper;
	while (t->rows[*ia].parent != t->rows[*ib].parent) {
		*ia = t->rows[*ia].parent;
		*ib = t->rows[*ib].parent;
	}
	return 0;
}

static int cmp_rows(const void *pa, const void *pb)
{
	const struct hkw_table *t = sorting;
	size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;
	int tree = cmp_tree(t, &ia, &ib);
	if (tree)
		return tree;
	const struct row *a = &t->rows[ia], *b = &t->rows[ib];
	int r = cmp_cells(&a->cells[t->sort_col], &b->cells[t->sort_col],
			  t->cols[t->sort_col].desc);
	if (r == 0)
		r = strverscmp(a->key, b->key);
	else if (t->reverse)
		r = -r;
	return r;
}

void hkw_table_sort(struct hkw_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		t->order[i] = i;
	sorting = t;
	if (t->n > 1)
		qsort(t->order, t->n, sizeof(*t->order), cmp_rows);
	sorting = NULL;
	if (t->sel_key)
		find_key(t, t->sel_key);
	if (t->sel >= t->n)
		t->sel = t->n ? t->n - 1 : 0;
}

void hkw_table_set_sort(struct hkw_table *t, size_t col, bool reverse)
{
	if (col < t->ncols)
		t->sort_col = col;
	t->reverse = reverse;
	hkw_table_sort(t);
}

size_t hkw_table_sort_col(const struct hkw_table *t)
{
	return t->sort_col;
}

bool hkw_table_sort_reverse(const struct hkw_table *t)
{
	return t->reverse;
}

static bool shown(const size_t *cols, size_t n, size_t c)
{
	for (size_t i = 0; i < n; i++)
		if (cols[i] == c)
			return true;
	return false;
}

/* The next column the table shows at its width (a sort by a column
 * dropped at 80 columns would have no visible marker). */
void hkw_table_sort_step(struct hkw_table *t, int dir)
{
	size_t cols[t->ncols ? t->ncols : 1];
	int widths[t->ncols ? t->ncols : 1];
	size_t n = t->base.w > 0 ? hkw_table_layout(t, t->base.w, cols, widths) : 0,
	       c = t->sort_col;
	for (size_t tries = 0; tries < t->ncols; tries++) {
		c = (c + t->ncols + (dir > 0 ? 1 : t->ncols - 1)) % t->ncols;
		if (n == 0 || shown(cols, n, c))
			break;
	}
	t->sort_col = c;
	hkw_table_sort(t);
}

const char *hkw_table_selected(const struct hkw_table *t)
{
	return t->n ? t->rows[t->order[t->sel]].key : NULL;
}

size_t hkw_table_selected_pos(const struct hkw_table *t)
{
	return t->sel;
}

bool hkw_table_shown(const struct hkw_table *t, const char *key)
{
	int body = t->base.h - 1;
	if (body <= 0)
		return false;
	size_t top = t->top;
	hkw_scroll_to(t->sel, body, &top);
	for (size_t pos = top; pos < t->n && pos < top + (size_t)body; pos++)
		if (strcmp(t->rows[t->order[pos]].key, key) == 0)
			return true;
	return false;
}

static void find_key(struct hkw_table *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->rows[t->order[i]].key, key) == 0) {
			t->sel = i;
			return;
		}
}

void hkw_table_select(struct hkw_table *t, const char *key)
{
	char *k = hkw_strdup(key);
	free(t->sel_key);
	t->sel_key = k;
	find_key(t, k);
}

bool hkw_table_click(struct hkw_table *t, int y)
{
	int line = y - t->base.y - 1; /* below the column titles */
	if (line < 0 || line >= t->base.h - 1 || t->top + (size_t)line >= t->n)
		return false;
	t->sel = t->top + (size_t)line;
	hkw_table_select(t, t->rows[t->order[t->sel]].key);
	return true;
}

static ssize_t mark_index(const struct hkw_table *t, const char *key)
{
	for (size_t i = 0; i < t->nmarks; i++)
		if (strcmp(t->marks[i], key) == 0)
			return (ssize_t)i;
	return -1;
}

bool hkw_table_marked(const struct hkw_table *t, const char *key)
{
	return mark_index(t, key) >= 0;
}

size_t hkw_table_mark_count(const struct hkw_table *t)
{
	return t->nmarks;
}

void hkw_table_toggle_mark(struct hkw_table *t)
{
	const char *key = hkw_table_selected(t);
	if (!key)
		return;
	ssize_t i = mark_index(t, key);
	if (i >= 0) {
		free(t->marks[i]);
		t->marks[i] = t->marks[--t->nmarks];
		return;
	}
	char **m = realloc(t->marks, (t->nmarks + 1) * sizeof(*m));
	if (!m)
		abort();
	t->marks = m;
	t->marks[t->nmarks++] = hkw_strdup(key);
}

void hkw_table_clear_marks(struct hkw_table *t)
{
	for (size_t i = 0; i < t->nmarks; i++)
		free(t->marks[i]);
	t->nmarks = 0;
}

void hkw_table_set_empty_text(struct hkw_table *t, const char *text)
{
	free(t->empty_text);
	t->empty_text = hkw_strdup(text);
}

/* Natural width of a column: the widest of title and cells, within its
 * limits; +2 on the sort column for the marker. */
static int column_width(const struct hkw_table *t, size_t c)
{
	const struct hkw_column *col = &t->cols[c];
	int w = hkw_width(col->title) + 1;
	for (size_t i = 0; i < t->n; i++) {
		const struct row *r = &t->rows[i];
		int cw = r->cells[c].width + (c == 0 ? 2 * r->indent : 0);
		if (cw > w)
			w = cw;
	}
	if (w < col->min_width)
		w = col->min_width;
	if (col->max_width && w > col->max_width)
		w = col->max_width;
	return w;
}

size_t hkw_table_layout(const struct hkw_table *t, int width, size_t *cols, int *widths)
{
	bool keep[t->ncols ? t->ncols : 1];
	int w[t->ncols ? t->ncols : 1];
	int total = 0;
	for (size_t c = 0; c < t->ncols; c++) {
		keep[c] = true;
		w[c] = column_width(t, c);
		total += w[c] + (c ? 1 : 0);
	}
	/* Drop the highest priority number (ties: the rightmost) until it fits. */
	while (total > width) {
		ssize_t drop = -1;
		for (size_t c = 0; c < t->ncols; c++)
			if (keep[c] && t->cols[c].priority > 0 &&
			    (drop < 0 || t->cols[c].priority >= t->cols[drop].priority))
				drop = (ssize_t)c;
		if (drop < 0)
			break;
		keep[drop] = false;
		total -= w[drop] + 1;
	}
	size_t n = 0;
	for (size_t c = 0; c < t->ncols; c++)
		if (keep[c]) {
			cols[n] = c;
			widths[n++] = w[c];
		}
	/* Left-over space goes to the first column (the name), up to its
	 * limit; the rest stays blank on the right. */
	if (n && total < width) {
		int grow = width - total;
		if (t->cols[cols[0]].max_width && widths[0] + grow > t->cols[cols[0]].max_width)
			grow = t->cols[cols[0]].max_width > widths[0]
				       ? t->cols[cols[0]].max_width - widths[0]
				       : 0;
		widths[0] += grow;
	}
	return n;
}

static void draw_cell(struct hkw_canvas *c, int y, int x, int w, const struct hkw_column *col,
		      const char *text, int indent, int role)
{
	text = text ? text : "";
	int tw = hkw_width(text) + indent;
	if (col->right && tw < w) {
		hkw_fill(c, y, x, w - tw, role);
		hkw_text(c, y, x + w - tw, tw, role, text);
		return;
	}
	hkw_fill(c, y, x, indent, role);
	hkw_text_pad(c, y, x + indent, w - indent, role, text);
}

static void draw_header(struct hkw_table *t, struct hkw_canvas *c, const size_t *cols,
			const int *widths, size_t n)
{
	struct hkw_widget *b = &t->base;
	int x = b->x;
	hkw_fill(c, b->y, b->x, b->w, HKW_COLHEAD);
	for (size_t i = 0; i < n; i++) {
		const struct hkw_column *col = &t->cols[cols[i]];
		bool sorted = cols[i] == t->sort_col;
		int tw = hkw_width(col->title) + (sorted ? 1 : 0);
		int tx = col->right && tw < widths[i] ? x + widths[i] - tw : x;
		int used = hkw_text(c, b->y, tx, widths[i], HKW_COLHEAD, col->title);
		if (sorted && tx + used < x + widths[i])
			hkw_glyph(c, b->y, tx + used, t->reverse ? HKW_G_UP : HKW_G_DOWN,
				  HKW_COLHEAD);
		x += widths[i] + 1;
	}
}

static void table_draw(struct hkw_widget *w, struct hkw_canvas *c)
{
	struct hkw_table *t = (struct hkw_table *)w;
	size_t cols[t->ncols ? t->ncols : 1];
	int widths[t->ncols ? t->ncols : 1];
	size_t n = hkw_table_layout(t, w->w, cols, widths);
	draw_header(t, c, cols, widths, n);
	int body = w->h - 1;
	hkw_scroll_to(t->sel, body, &t->top);
	for (int line = 0; line < body; line++) {
		size_t pos = t->top + (size_t)line;
		int y = w->y + 1 + line;
		if (pos >= t->n) {
			hkw_fill(c, y, w->x, w->w, HKW_NORMAL);
			continue;
		}
		const struct row *r = &t->rows[t->order[pos]];
		bool mark = hkw_table_marked(t, r->key);
		int role = pos == t->sel ? HKW_SELECTION : mark ? HKW_MARK : r->role;
		int x = w->x;
		hkw_fill(c, y, w->x, w->w, role);
		for (size_t i = 0; i < n; i++) {
			const char *text = r->cells[cols[i]].text;
			char *marked = NULL;
			/* A mark shows as text too: '*' before the name (the
			 * colour alone is lost with NO_COLOR, and on the
			 * selected row). */
			if (mark && cols[i] == 0) {
				size_t len = text ? strlen(text) : 0;
				marked = malloc(len + 2);
				if (!marked)
					abort();
				marked[0] = '*';
				memcpy(marked + 1, text ? text : "", len + 1);
				text = marked;
			}
			draw_cell(c, y, x, widths[i], &t->cols[cols[i]], text,
				  cols[i] == 0 ? 2 * r->indent : 0, role);
			free(marked);
			x += widths[i] + 1;
		}
	}
	/* After the rows' fill, which would blank it. */
	if (t->n == 0 && t->empty_text && body > 1)
		hkw_text(c, w->y + 2, w->x + 2, w->w - 2, HKW_DIM, t->empty_text);
}

static unsigned table_key(struct hkw_widget *w, int key)
{
	struct hkw_table *t = (struct hkw_table *)w;
	if (!hkw_nav_key(key, t->n, w->h - 1, &t->sel))
		return 0;
	const char *k = hkw_table_selected(t);
	free(t->sel_key);
	t->sel_key = k ? hkw_strdup(k) : NULL;
	return HKW_HANDLED | HKW_REDRAW;
}

static void table_destroy(struct hkw_widget *w)
{
	struct hkw_table *t = (struct hkw_table *)w;
	free_rows(t);
	hkw_table_clear_marks(t);
	free(t->marks);
	free(t->rows);
	free(t->order);
	free(t->sel_key);
	free(t->empty_text);
	free(t);
}

static const struct hkw_widget_ops table_ops = {
	.name = "table",
	.draw = table_draw,
	.handle_key = table_key,
	.destroy = table_destroy,
};
