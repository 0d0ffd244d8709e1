/* wtable.h - a table of rows and columns: column priorities decide which
 * columns are dropped when the terminal is narrow, one column sorts the
 * rows (text, or a number when a cell carries one), a selection follows
 * its row's key across refreshes, and the view scrolls to keep it. */
#ifndef HKW_TABLE_H
#define HKW_TABLE_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "widget.h"

struct hkw_column {
	const char *title;
	int min_width; /* at least this (and the title) */
	int max_width; /* 0 = no limit */
	int priority;  /* 0 = never dropped; larger numbers are dropped first */
	bool right;    /* right-aligned (numbers) */
	bool desc;     /* sorts largest first (usage columns) */
};

struct hkw_table;

/* cols must outlive the table. */
struct hkw_table *hkw_table_new(const struct hkw_column *cols, size_t ncols);
struct hkw_widget *hkw_table_widget(struct hkw_table *t);

/* Replacing the rows: clear, add, set cells, then sort (which also puts
 * the selection back on the row with the same key). */
void hkw_table_clear(struct hkw_table *t);
size_t hkw_table_add_row(struct hkw_table *t, const char *key, int role, int indent);
/* Puts row under an earlier row: sorting keeps it (and its own children)
 * right below that parent, sorted among its siblings. */
void hkw_table_set_parent(struct hkw_table *t, size_t row, size_t parent);
/* num: the value sorting uses; NAN sorts by text. */
void hkw_table_set(struct hkw_table *t, size_t row, size_t col, const char *text, double num);
void hkw_table_sort(struct hkw_table *t);

size_t hkw_table_rows(const struct hkw_table *t);
void hkw_table_set_sort(struct hkw_table *t, size_t col, bool reverse);
size_t hkw_table_sort_col(const struct hkw_table *t);
bool hkw_table_sort_reverse(const struct hkw_table *t);
/* Moves the sort to the next (dir > 0) or previous visible column. */
void hkw_table_sort_step(struct hkw_table *t, int dir);

/* Key of the selected row in display order, NULL when empty. */
const char *hkw_table_selected(const struct hkw_table *t);
void hkw_table_select(struct hkw_table *t, const char *key);
/* Display position of the selection. */
size_t hkw_table_selected_pos(const struct hkw_table *t);
/* Whether the row keyed key is on screen: among the rows the next draw
 * shows at the size of the last one (false before the first draw). */
bool hkw_table_shown(const struct hkw_table *t, const char *key);
/* Selects the row drawn on screen line y (a mouse click); false when
 * no row is there. */
bool hkw_table_click(struct hkw_table *t, int y);
/* Space marks: toggles the selected row's mark; marks follow keys. */
void hkw_table_toggle_mark(struct hkw_table *t);
bool hkw_table_marked(const struct hkw_table *t, const char *key);
size_t hkw_table_mark_count(const struct hkw_table *t);
void hkw_table_clear_marks(struct hkw_table *t);
/* Text shown when there are no rows. */
void hkw_table_set_empty_text(struct hkw_table *t, const char *text);

/* Which columns fit in width: writes their indices to cols[] and widths
 * to widths[] (both ncols long) and returns how many. */
size_t hkw_table_layout(const struct hkw_table *t, int width, size_t *cols, int *widths);

#endif
