/* test_widget_table.c - the table, tree, text view, dialog, input, key
 * names and theme values, rendered into a memory canvas and checked cell
 * by cell. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include <ncurses.h>

#include "bars.h"
#include "dialog.h"
#include "input.h"
#include "keyname.h"
#include "style.h"
#include "wtable.h"
#include "tabs.h"
#include "textview.h"
#include "tree.h"
#include "widget.h"

static const struct hkw_column cols[] = {
	{ "NAME", 8, 0, 0, false, false },   { "STATE", 8, 0, 0, false, false },
	{ "IPV4", 15, 0, 2, false, false },  { "IPV6", 39, 0, 5, false, false },
	{ "UNPRIV", 6, 0, 6, false, false }, { "BACKEND", 7, 0, 4, false, false },
	{ "MEM", 8, 0, 1, true, true },	     { "CPU%", 5, 0, 1, true, true },
	{ "PIDS", 5, 0, 3, true, true },     { "AUTOSTART", 9, 0, 7, false, false },
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

static struct hkw_table *sample_table(void)
{
	struct hkw_table *t = hkw_table_new(cols, NCOLS);
	static const char *const names[] = { "web", "db", "cache" };
	static const double mem[] = { 30, 200, NAN };
	for (size_t i = 0; i < 3; i++) {
		size_t r = hkw_table_add_row(t, names[i], HKW_RUNNING, 0);
		hkw_table_set(t, r, 0, names[i], NAN);
		hkw_table_set(t, r, 1, i == 2 ? "STOPPED" : "RUNNING", NAN);
		hkw_table_set(t, r, 6, isnan(mem[i]) ? "-" : "x", mem[i]);
	}
	hkw_table_sort(t);
	return t;
}

static char *row_text(struct hkw_memcanvas *m, int y)
{
	return hkw_memcanvas_row(m, y);
}

static void test_layout_80_drops_columns(void **state)
{
	(void)state;
	struct hkw_table *t = sample_table();
	size_t idx[NCOLS];
	int w[NCOLS];
	size_t n = hkw_table_layout(t, 80, idx, w);
	int total = -1;
	bool has_ipv6 = false, has_autostart = false, has_mem = false;
	for (size_t i = 0; i < n; i++) {
		total += w[i] + 1;
		has_ipv6 |= idx[i] == 3;
		has_autostart |= idx[i] == 9;
		has_mem |= idx[i] == 6;
	}
	assert_true(n < NCOLS);
	assert_false(has_ipv6);
	assert_false(has_autostart);
	assert_true(has_mem);
	assert_true(total <= 80);
	assert_true(total > 60); /* the space is used, not wasted */
	assert_int_equal(idx[0], 0);
	assert_int_equal(idx[1], 1);
	/* The sort steps over the columns dropped at this width (IPV6 and UNPRIV). */
	hkw_resize(hkw_table_widget(t), 0, 0, 10, 80);
	hkw_table_set_sort(t, 2, false);
	hkw_table_sort_step(t, 1);
	assert_int_equal(hkw_table_sort_col(t), 5);
	hkw_table_sort_step(t, -1);
	assert_int_equal(hkw_table_sort_col(t), 2);
	hkw_destroy(hkw_table_widget(t));
}

static void test_layout_200_keeps_all(void **state)
{
	(void)state;
	struct hkw_table *t = sample_table();
	size_t idx[NCOLS];
	int w[NCOLS];
	assert_int_equal(hkw_table_layout(t, 200, idx, w), NCOLS);
	/* NAME has no limit here: it takes what is left. */
	int total = -1;
	for (size_t i = 0; i < NCOLS; i++)
		total += w[i] + 1;
	assert_int_equal(total, 200);
	/* Very narrow: only the never-dropped columns remain. */
	assert_int_equal(hkw_table_layout(t, 10, idx, w), 2);
	hkw_destroy(hkw_table_widget(t));
}

/* Draws the table into a fresh ASCII memory canvas of h x w. */
static void draw_table(struct hkw_table *t, struct hkw_memcanvas *m, int h, int w)
{
	hkw_memcanvas_init(m, h, w, true);
	hkw_resize(hkw_table_widget(t), 0, 0, h, w);
	hkw_draw(hkw_table_widget(t), &m->base);
}

/* The rows on screen: those the next draw shows at the last draw's size,
 * which the dashboard's tick reads again (and no others). */
static void test_table_shown(void **state)
{
	(void)state;
	struct hkw_table *t = hkw_table_new(cols, NCOLS);
	char key[16];
	for (int i = 0; i < 20; i++) {
		snprintf(key, sizeof(key), "c%02d", i);
		hkw_table_set(t, hkw_table_add_row(t, key, HKW_RUNNING, 0), 0, key, NAN);
	}
	hkw_table_sort(t);
	assert_false(hkw_table_shown(t, "c00")); /* never drawn */
	struct hkw_memcanvas m;
	draw_table(t, &m, 6, 80); /* the header and five rows */
	assert_true(hkw_table_shown(t, "c00"));
	assert_true(hkw_table_shown(t, "c04"));
	assert_false(hkw_table_shown(t, "c05"));
	assert_false(hkw_table_shown(t, "nosuch"));
	hkw_memcanvas_free(&m);
	/* the selection moved to the end: the next draw scrolls there */
	hkw_table_select(t, "c19");
	assert_false(hkw_table_shown(t, "c00"));
	assert_true(hkw_table_shown(t, "c15"));
	assert_true(hkw_table_shown(t, "c19"));
	hkw_destroy(hkw_table_widget(t));
}

static void test_table_render_cells(void **state)
{
	(void)state;
	struct hkw_table *t = sample_table();
	struct hkw_memcanvas m;
	draw_table(t, &m, 6, 80);
	char *h = row_text(&m, 0);
	assert_memory_equal(h, "NAME", 4);
	assert_non_null(strstr(h, "STATE"));
	assert_null(strstr(h, "IPV6"));
	free(h);
	/* Sorted by name: cache, db, web; the first row is selected. */
	char *r1 = row_text(&m, 1), *r3 = row_text(&m, 3);
	assert_memory_equal(r1, "cache", 5);
	assert_memory_equal(r3, "web", 3);
	assert_int_equal(hkw_memcanvas_at(&m, 1, 0)->role, HKW_SELECTION);
	assert_int_equal(hkw_memcanvas_at(&m, 2, 0)->role, HKW_RUNNING);
	assert_int_equal(hkw_memcanvas_at(&m, 0, 0)->role, HKW_COLHEAD);
	free(r1);
	free(r3);
	/* ASCII canvas: the sort marker is 'v' after NAME. */
	assert_string_equal(hkw_memcanvas_at(&m, 0, 4)->s, "v");
	hkw_memcanvas_free(&m);
	/* A marked row says so in text, '*' before the name, selected or not
	 * (colour alone is lost with NO_COLOR and under the selection). */
	hkw_table_select(t, "db");
	hkw_table_toggle_mark(t);
	hkw_table_select(t, "cache");
	hkw_table_toggle_mark(t);
	draw_table(t, &m, 6, 80);
	r1 = row_text(&m, 1);
	char *r2 = row_text(&m, 2);
	r3 = row_text(&m, 3);
	assert_memory_equal(r1, "*cache", 6);
	assert_memory_equal(r2, "*db", 3);
	assert_memory_equal(r3, "web", 3);
	free(r1);
	free(r2);
	free(r3);
	hkw_memcanvas_free(&m);
	hkw_destroy(hkw_table_widget(t));
}

static void test_table_sort_and_selection(void **state)
{
	(void)state;
	struct hkw_table *t = sample_table();
	hkw_table_select(t, "db");
	hkw_table_set_sort(t, 6, false); /* MEM: largest first, unknown last */
	assert_string_equal(hkw_table_selected(t), "db");
	assert_int_equal(hkw_table_selected_pos(t), 0);
	hkw_handle_key(hkw_table_widget(t), KEY_DOWN);
	assert_string_equal(hkw_table_selected(t), "web");
	hkw_handle_key(hkw_table_widget(t), 'G');
	assert_string_equal(hkw_table_selected(t), "cache");
	hkw_table_set_sort(t, 6, true);
	assert_int_equal(hkw_table_selected_pos(t), 0);
	/* A rebuild keeps the selection on its key. */
	hkw_table_clear(t);
	assert_int_equal(hkw_table_rows(t), 0);
	assert_null(hkw_table_selected(t));
	size_t r = hkw_table_add_row(t, "a", HKW_NORMAL, 0);
	hkw_table_set(t, r, 0, "a", NAN);
	r = hkw_table_add_row(t, "cache", HKW_NORMAL, 0);
	hkw_table_set(t, r, 0, "cache", NAN);
	hkw_table_set_sort(t, 0, false);
	assert_string_equal(hkw_table_selected(t), "cache");
	hkw_table_toggle_mark(t);
	assert_true(hkw_table_marked(t, "cache"));
	assert_int_equal(hkw_table_mark_count(t), 1);
	hkw_table_toggle_mark(t);
	assert_false(hkw_table_marked(t, "cache"));
	hkw_table_sort_step(t, 1);
	assert_int_equal(hkw_table_sort_col(t), 1);
	hkw_table_sort_step(t, -1);
	hkw_table_sort_step(t, -1);
	assert_int_equal(hkw_table_sort_col(t), NCOLS - 1);
	hkw_destroy(hkw_table_widget(t));
}

/* An empty table shows its empty text (the rows' fill blanked it). */
static void test_table_empty_text(void **state)
{
	(void)state;
	struct hkw_table *t = hkw_table_new(cols, NCOLS);
	hkw_table_set_empty_text(t, "No containers in /x. Press n to create one.");
	struct hkw_memcanvas m;
	draw_table(t, &m, 6, 80);
	char *r = row_text(&m, 2);
	assert_non_null(strstr(r, "No containers in /x. Press n"));
	free(r);
	hkw_memcanvas_free(&m);
	hkw_destroy(hkw_table_widget(t));
}

/* Names sort naturally (c1, c2, c10), as ls -v and lxc-ls do not: the
 * selection walks them in that order. */
static void test_table_natural_sort(void **state)
{
	(void)state;
	static const struct hkw_column col = { "NAME", 4, 20, 0, false, false };
	struct hkw_table *t = hkw_table_new(&col, 1);
	const char *names[] = { "c10", "c2", "web", "c1", "c02x" };
	for (size_t i = 0; i < 5; i++) {
		size_t r = hkw_table_add_row(t, names[i], HKW_NORMAL, 0);
		hkw_table_set(t, r, 0, names[i], NAN);
	}
	hkw_table_set_sort(t, 0, false);
	const char *want[] = { "c02x", "c1", "c2", "c10", "web" };
	hkw_table_select(t, want[0]);
	for (size_t i = 0; i < 5; i++) {
		assert_string_equal(hkw_table_selected(t), want[i]);
		assert_int_equal(hkw_table_selected_pos(t), i);
		hkw_handle_key(hkw_table_widget(t), KEY_DOWN);
	}
	hkw_destroy(hkw_table_widget(t));
}

/* Nested rows stay under their parent whatever the sort, indented. */
static void test_table_nested_rows(void **state)
{
	(void)state;
	struct hkw_table *t = hkw_table_new(cols, NCOLS);
	static const struct {
		const char *key, *shown;
		int indent;
		int parent;
		double mem;
	} rows[] = {
		{ "b", "b", 0, -1, 10 }, { "b/x", "x", 1, 0, 500 }, { "b/x/deep", "deep", 2, 1, 1 },
		{ "a", "a", 0, -1, 50 }, { "b/w", "w", 1, 0, 5 },   { "c", "c", 0, -1, 100 },
	};
	for (size_t i = 0; i < 6; i++) {
		size_t r = hkw_table_add_row(t, rows[i].key, HKW_RUNNING, rows[i].indent);
		hkw_table_set(t, r, 0, rows[i].shown, NAN);
		hkw_table_set(t, r, 6, "m", rows[i].mem);
		if (rows[i].parent >= 0)
			hkw_table_set_parent(t, r, (size_t)rows[i].parent);
	}
	static const char *const by_name[] = { "a", "b", "b/w", "b/x", "b/x/deep", "c" };
	static const char *const by_mem[] = { "c", "a", "b", "b/x", "b/x/deep", "b/w" };
	const char *const *want[] = { by_name, by_mem };
	for (size_t pass = 0; pass < 2; pass++) {
		hkw_table_set_sort(t, pass ? 6 : 0, false);
		hkw_handle_key(hkw_table_widget(t), 'g');
		for (size_t i = 0; i < 6; i++) {
			assert_string_equal(hkw_table_selected(t), want[pass][i]);
			hkw_handle_key(hkw_table_widget(t), KEY_DOWN);
		}
	}
	/* drawn indented by two columns per level */
	hkw_table_set_sort(t, 0, false);
	struct hkw_memcanvas m;
	draw_table(t, &m, 8, 80);
	char *deep = row_text(&m, 5);
	assert_memory_equal(deep, "    deep", 8);
	free(deep);
	hkw_memcanvas_free(&m);
	hkw_destroy(hkw_table_widget(t));
}

static void test_table_scrolls(void **state)
{
	(void)state;
	struct hkw_table *t = hkw_table_new(cols, 2);
	char name[16];
	for (int i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "c%02d", i);
		size_t r = hkw_table_add_row(t, name, HKW_NORMAL, i % 2);
		hkw_table_set(t, r, 0, name, NAN);
	}
	hkw_table_sort(t);
	struct hkw_memcanvas m;
	hkw_memcanvas_init(&m, 10, 30, false);
	hkw_resize(hkw_table_widget(t), 0, 0, 10, 30);
	hkw_handle_key(hkw_table_widget(t), KEY_END);
	hkw_draw(hkw_table_widget(t), &m.base);
	char *last = row_text(&m, 9);
	assert_memory_equal(last, "  c49", 5); /* indented one level */
	free(last);
	hkw_handle_key(hkw_table_widget(t), KEY_PPAGE);
	assert_int_equal(hkw_table_selected_pos(t), 41);
	/* A click on screen line 1: the first row drawn (top = 41). */
	assert_true(hkw_table_click(t, 1));
	assert_string_equal(hkw_table_selected(t), "c41");
	assert_false(hkw_table_click(t, 0));  /* the column titles */
	assert_false(hkw_table_click(t, 10)); /* below the table */
	hkw_memcanvas_free(&m);
	hkw_destroy(hkw_table_widget(t));
}

static void test_tree_folding(void **state)
{
	(void)state;
	struct hkw_tree *t = hkw_tree_new();
	ssize_t root = (ssize_t)hkw_tree_add(t, -1, "/", "c1", HKW_NORMAL);
	ssize_t a = (ssize_t)hkw_tree_add(t, root, "/a", "a", HKW_NORMAL);
	hkw_tree_add(t, a, "/a/x", "x", HKW_NORMAL);
	hkw_tree_add(t, root, "/b", "b", HKW_NORMAL);
	assert_int_equal(hkw_tree_visible(t), 4);
	hkw_tree_fold(t, (size_t)a, true);
	assert_int_equal(hkw_tree_visible(t), 3);
	assert_true(hkw_tree_folded(t, (size_t)a));
	/* Folding survives a rebuild (by key). */
	hkw_tree_clear(t);
	root = (ssize_t)hkw_tree_add(t, -1, "/", "c1", HKW_NORMAL);
	a = (ssize_t)hkw_tree_add(t, root, "/a", "a", HKW_NORMAL);
	hkw_tree_add(t, a, "/a/x", "x", HKW_NORMAL);
	hkw_tree_add(t, root, "/b", "b", HKW_NORMAL);
	assert_int_equal(hkw_tree_visible(t), 3);
	/* Render: branch glyphs and fold markers. */
	struct hkw_memcanvas m;
	hkw_memcanvas_init(&m, 5, 20, true);
	hkw_resize(hkw_tree_widget(t), 0, 0, 5, 20);
	hkw_draw(hkw_tree_widget(t), &m.base);
	char *r0 = row_text(&m, 0), *r1 = row_text(&m, 1), *r2 = row_text(&m, 2);
	assert_memory_equal(r0, "[-] c1", 6);
	assert_memory_equal(r1, "|-[+] a", 7);
	assert_memory_equal(r2, "`-    b", 7);
	free(r0);
	free(r1);
	free(r2);
	/* Keys: down to "a", Enter unfolds, * expands all, - folds the root. */
	struct hkw_widget *w = hkw_tree_widget(t);
	hkw_handle_key(w, KEY_DOWN);
	assert_int_equal(hkw_tree_selected(t), a);
	assert_true(hkw_handle_key(w, '\n') & HKW_REDRAW);
	assert_int_equal(hkw_tree_visible(t), 4);
	hkw_handle_key(w, KEY_LEFT); /* folds a */
	assert_int_equal(hkw_tree_visible(t), 3);
	hkw_handle_key(w, KEY_LEFT); /* to the parent */
	assert_int_equal(hkw_tree_selected(t), root);
	hkw_handle_key(w, '-');
	assert_int_equal(hkw_tree_visible(t), 1);
	hkw_handle_key(w, '*');
	assert_int_equal(hkw_tree_visible(t), 4);
	hkw_memcanvas_free(&m);
	hkw_destroy(w);
}

static void test_input_editing(void **state)
{
	(void)state;
	struct hkw_input in;
	hkw_input_set(&in, "hello");
	assert_true(hkw_input_key(&in, KEY_BACKSPACE));
	assert_string_equal(in.buf, "hell");
	hkw_input_key(&in, KEY_HOME);
	hkw_input_key(&in, 'X');
	assert_string_equal(in.buf, "Xhell");
	hkw_input_key(&in, KEY_DC);
	assert_string_equal(in.buf, "Xell");
	hkw_input_key(&in, KEY_END);
	hkw_input_key(&in, ' ');
	hkw_input_key(&in, 'w');
	hkw_input_key(&in, 0x17); /* C-w */
	assert_string_equal(in.buf, "Xell ");
	/* A multi-byte character is deleted whole. */
	hkw_input_set(&in, "a\xc3\xa9");
	hkw_input_key(&in, KEY_LEFT);
	assert_int_equal(in.cur, 1);
	hkw_input_key(&in, KEY_END);
	hkw_input_key(&in, KEY_BACKSPACE);
	assert_string_equal(in.buf, "a");
	hkw_input_key(&in, 0x15); /* C-u */
	assert_string_equal(in.buf, "");
	assert_false(hkw_input_key(&in, 3)); /* C-c is not text */
	hkw_input_set(&in, "abc");
	hkw_input_key(&in, KEY_LEFT);
	hkw_input_key(&in, 0x0b); /* C-k */
	assert_string_equal(in.buf, "ab");
	/* Drawn scrolled so the cursor shows. */
	struct hkw_memcanvas m;
	hkw_memcanvas_init(&m, 1, 4, false);
	hkw_input_set(&in, "abcdefg");
	hkw_input_draw(&in, &m.base, 0, 0, 4, true);
	char *r = row_text(&m, 0);
	assert_string_equal(r, "efg ");
	assert_int_equal(m.cur_x, 3);
	free(r);
	hkw_memcanvas_free(&m);
}

static void test_key_names(void **state)
{
	(void)state;
	char buf[16];
	assert_int_equal(hkw_key_parse("q"), 'q');
	assert_int_equal(hkw_key_parse("C-a"), 1);
	assert_int_equal(hkw_key_parse("C-L"), 12);
	assert_int_equal(hkw_key_parse("F5"), KEY_F(5));
	assert_int_equal(hkw_key_parse("F12"), KEY_F(12));
	assert_int_equal(hkw_key_parse("F13"), -1);
	assert_int_equal(hkw_key_parse("F0"), -1);
	assert_int_equal(hkw_key_parse("delete"), KEY_DC);
	assert_int_equal(hkw_key_parse("Enter"), '\n');
	assert_int_equal(hkw_key_parse("S-Tab"), KEY_BTAB);
	assert_int_equal(hkw_key_parse("PgDn"), KEY_NPAGE);
	assert_int_equal(hkw_key_parse(""), -1);
	assert_int_equal(hkw_key_parse("nonsense"), -1);
	assert_int_equal(hkw_key_parse("C-1"), -1);
	assert_string_equal(hkw_key_name(KEY_F(10), buf, sizeof(buf)), "F10");
	assert_string_equal(hkw_key_name(1, buf, sizeof(buf)), "C-a");
	assert_string_equal(hkw_key_name('?', buf, sizeof(buf)), "?");
	assert_string_equal(hkw_key_name(KEY_DC, buf, sizeof(buf)), "Delete");
	assert_string_equal(hkw_key_name(' ', buf, sizeof(buf)), "Space");
}

static void test_style_values(void **state)
{
	(void)state;
	struct hkw_style s;
	char why[128];
	assert_true(hkw_style_parse("white, blue, bold", &s, why, sizeof(why)));
	assert_int_equal(s.fg, COLOR_WHITE);
	assert_int_equal(s.bg, COLOR_BLUE);
	assert_true(s.attrs & A_BOLD);
	assert_true(hkw_style_parse("bright-red,default", &s, why, sizeof(why)));
	assert_int_equal(s.fg, 9);
	assert_int_equal(s.bg, -1);
	assert_true(hkw_style_parse("208", &s, why, sizeof(why)));
	assert_int_equal(s.fg, 208);
	assert_false(hkw_style_parse("purple, black", &s, why, sizeof(why)));
	assert_non_null(strstr(why, "purple"));
	assert_false(hkw_style_parse("red, black, blink2", &s, why, sizeof(why)));
	assert_non_null(strstr(why, "blink2"));
	assert_false(hkw_style_parse("", &s, why, sizeof(why)));
	assert_false(hkw_style_parse("300", &s, why, sizeof(why)));
	assert_int_equal(hkw_role_from_name("selection"), HKW_SELECTION);
	assert_int_equal(hkw_role_from_name("nope"), -1);
	assert_string_equal(hkw_role_name(HKW_ERROR), "error");
}

static void test_dialog_message_keeps_text(void **state)
{
	(void)state;
	const char *msg = "start \"c1\": cannot mount rootfs \"/var/lib/hako/c1/rootfs\": "
			  "No such file or directory; recreate it with hako create";
	struct hkw_dialog *d = hkw_dialog_message("Error", msg, HKW_ERROR);
	struct hkw_memcanvas m;
	hkw_memcanvas_init(&m, 24, 80, false);
	hkw_resize(hkw_dialog_widget(d), 0, 0, 24, 80);
	hkw_draw(hkw_dialog_widget(d), &m.base);
	/* Every word of the message is somewhere on the screen. */
	struct {
		char *s;
	} rows[24];
	size_t total = 0;
	char all[24 * 400] = "";
	for (int y = 0; y < 24; y++) {
		rows[y].s = row_text(&m, y);
		strcat(all, rows[y].s);
		total += strlen(rows[y].s);
		free(rows[y].s);
	}
	assert_true(total > 0);
	assert_non_null(strstr(all, "recreate it with hako"));
	assert_non_null(strstr(all, "/var/lib/hako/c1/rootfs"));
	assert_non_null(strstr(all, "[ OK ]"));
	unsigned r = hkw_handle_key(hkw_dialog_widget(d), '\n');
	assert_true(r & HKW_CLOSE);
	hkw_memcanvas_free(&m);
	hkw_destroy(hkw_dialog_widget(d));
	/* Wrapping: short lines, words kept whole, newlines respected. */
	char *lines[8];
	size_t n = hkw_wrap("aaa bbb ccc\nd", 7, lines, 8);
	assert_int_equal(n, 3);
	assert_string_equal(lines[0], "aaa bbb");
	assert_string_equal(lines[1], "ccc");
	assert_string_equal(lines[2], "d");
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
}

static void test_dialog_confirm_and_form(void **state)
{
	(void)state;
	struct hkw_dialog *d = hkw_dialog_confirm("Destroy", "Destroy container \"c1\"?");
	struct hkw_widget *w = hkw_dialog_widget(d);
	assert_int_equal(hkw_handle_key(w, 'x') & HKW_CLOSE, 0);
	assert_true(hkw_handle_key(w, '\n') & HKW_CLOSE);
	assert_int_equal(hkw_dialog_result(d), HKW_DIALOG_NO); /* No is the default */
	hkw_destroy(w);
	d = hkw_dialog_confirm("Destroy", "?");
	hkw_handle_key(hkw_dialog_widget(d), 'y');
	assert_int_equal(hkw_dialog_result(d), HKW_DIALOG_YES);
	hkw_destroy(hkw_dialog_widget(d));

	static const char *const labels[] = { "Name", "Template" };
	static const char *const defs[] = { "", "busybox" };
	d = hkw_dialog_form("New container", labels, defs, 2);
	w = hkw_dialog_widget(d);
	hkw_handle_key(w, 'c');
	hkw_handle_key(w, '3');
	hkw_handle_key(w, '\t');
	hkw_handle_key(w, KEY_BACKSPACE);
	struct hkw_memcanvas m;
	hkw_memcanvas_init(&m, 24, 80, false);
	hkw_resize(w, 0, 0, 24, 80);
	hkw_draw(w, &m.base);
	assert_true(m.cur_y > 0); /* the cursor sits in the focused field */
	assert_true(hkw_handle_key(w, '\n') & HKW_CLOSE);
	assert_int_equal(hkw_dialog_result(d), HKW_DIALOG_YES);
	assert_string_equal(hkw_dialog_value(d, 0), "c3");
	assert_string_equal(hkw_dialog_value(d, 1), "busybo");
	assert_null(hkw_dialog_value(d, 2));
	hkw_memcanvas_free(&m);
	hkw_destroy(w);

	/* A pick list: Right and Left cycle it; typing still edits. */
	static const char *const tpl[] = { "busybox", "download", "tar:" };
	d = hkw_dialog_form("New container", labels, defs, 2);
	hkw_dialog_set_choices(d, 1, tpl, 3);
	w = hkw_dialog_widget(d);
	hkw_handle_key(w, '\t');
	hkw_handle_key(w, KEY_RIGHT);
	assert_string_equal(hkw_dialog_value(d, 1), "download");
	hkw_handle_key(w, KEY_RIGHT);
	hkw_handle_key(w, KEY_RIGHT);
	assert_string_equal(hkw_dialog_value(d, 1), "busybox"); /* round */
	hkw_handle_key(w, KEY_LEFT);
	assert_string_equal(hkw_dialog_value(d, 1), "tar:");
	hkw_handle_key(w, '/');
	hkw_handle_key(w, 'x');
	assert_string_equal(hkw_dialog_value(d, 1), "tar:/x");
	hkw_handle_key(w, KEY_RIGHT); /* not a choice: the first one */
	assert_string_equal(hkw_dialog_value(d, 1), "busybox");
	hkw_handle_key(w, '\t'); /* Name has no list: Right moves the cursor */
	hkw_handle_key(w, 'a');
	hkw_handle_key(w, KEY_LEFT);
	hkw_handle_key(w, 'b');
	assert_string_equal(hkw_dialog_value(d, 0), "ba");
	hkw_destroy(w);
}

static void test_textview_follow(void **state)
{
	(void)state;
	struct hkw_textview *tv = hkw_textview_new();
	struct hkw_widget *w = hkw_textview_widget(tv);
	hkw_resize(w, 0, 0, 3, 10);
	hkw_textview_follow(tv, true);
	hkw_textview_set(tv, "1\n2\n3\n4\n5\n");
	assert_int_equal(hkw_textview_lines(tv), 5);
	assert_int_equal(hkw_textview_top(tv), 2);
	hkw_handle_key(w, KEY_UP);
	assert_false(hkw_textview_following(tv));
	assert_int_equal(hkw_textview_top(tv), 1);
	hkw_textview_set(tv, "1\n2\n3\n4\n5\n6\n7");
	assert_int_equal(hkw_textview_top(tv), 1); /* not following: stays */
	hkw_handle_key(w, 'G');
	assert_true(hkw_textview_following(tv));
	hkw_handle_key(w, 'f');
	assert_false(hkw_textview_following(tv));
	hkw_textview_set_top(tv, 100); /* clamped */
	assert_int_equal(hkw_textview_top(tv), 4);
	hkw_textview_set_top(tv, 0);
	assert_int_equal(hkw_textview_top(tv), 0);
	assert_true(hkw_handle_key(w, KEY_NPAGE) & HKW_REDRAW);
	assert_int_equal(hkw_textview_top(tv), 2);
	assert_int_equal(hkw_handle_key(w, 'x'), 0);
	hkw_handle_key(w, KEY_END);
	assert_true(hkw_textview_following(tv));
	struct hkw_memcanvas m;
	hkw_memcanvas_init(&m, 3, 10, false);
	hkw_draw(w, &m.base);
	assert_string_equal(hkw_memcanvas_at(&m, 2, 0)->s, "7");
	hkw_memcanvas_free(&m);
	hkw_destroy(w);
}

static void test_bars_and_tabs(void **state)
{
	(void)state;
	struct hkw_keybar *kb = hkw_keybar_new();
	static const struct hkw_keybar_item items[] = { { "F1", "Help" }, { "q", "Quit" } };
	hkw_keybar_set(kb, items, 2);
	struct hkw_memcanvas m;
	hkw_memcanvas_init(&m, 2, 9, false);
	hkw_resize(hkw_keybar_widget(kb), 0, 0, 1, 9);
	hkw_draw(hkw_keybar_widget(kb), &m.base);
	char *r = row_text(&m, 0);
	assert_string_equal(r, "F1Help   "); /* "qQuit" does not fit whole */
	free(r);
	assert_int_equal(hkw_memcanvas_at(&m, 0, 0)->role, HKW_KEY);
	assert_int_equal(hkw_memcanvas_at(&m, 0, 2)->role, HKW_KEYTEXT);
	hkw_destroy(hkw_keybar_widget(kb));

	static const char *const titles[] = { "Info", "Cgroups" };
	struct hkw_tabs *t = hkw_tabs_new(titles, 2);
	hkw_resize(hkw_tabs_widget(t), 1, 0, 1, 9);
	assert_true(hkw_handle_key(hkw_tabs_widget(t), '\t') & HKW_HANDLED);
	assert_int_equal(hkw_tabs_active(t), 1);
	hkw_handle_key(hkw_tabs_widget(t), KEY_BTAB);
	assert_int_equal(hkw_tabs_active(t), 0);
	hkw_draw(hkw_tabs_widget(t), &m.base);
	assert_int_equal(hkw_memcanvas_at(&m, 1, 1)->role, HKW_TAB_ACTIVE);
	hkw_destroy(hkw_tabs_widget(t));

	struct hkw_status *s = hkw_status_new();
	hkw_status_set(s, HKW_ERROR, "x %d", 5);
	assert_string_equal(hkw_status_text(s), "x 5");
	hkw_destroy(hkw_status_widget(s));
	hkw_memcanvas_free(&m);
}

static void test_text_is_safe(void **state)
{
	(void)state;
	struct hkw_memcanvas m;
	hkw_memcanvas_init(&m, 1, 10, true);
	/* Control bytes never reach the terminal; UTF-8 becomes '?' in ASCII. */
	hkw_text(&m.base, 0, 0, 10, HKW_NORMAL, "a\x1b[2Jb\xc3\xa9");
	char *r = row_text(&m, 0);
	assert_string_equal(r, "a?[2Jb?   ");
	free(r);
	assert_int_equal(hkw_width("a\xc3\xa9z"), 3);
	assert_int_equal(hkw_prefix_bytes("\xc3\xa9z", 1), 2);
	hkw_memcanvas_free(&m);
}

/* Runs of plain text and blanks are clipped to the canvas like single
 * cells: nothing written left of it, past its right edge, or past maxw. */
static void test_text_runs_clip(void **state)
{
	(void)state;
	struct hkw_memcanvas m;
	hkw_memcanvas_init(&m, 2, 10, false);
	assert_int_equal(hkw_text(&m.base, 0, -2, 20, HKW_RUNNING, "abcdefgh"), 8);
	assert_int_equal(hkw_text(&m.base, 0, 7, 20, HKW_ERROR, "xyz12"), 3);
	char *r = row_text(&m, 0);
	assert_string_equal(r, "cdefgh xyz");
	free(r);
	assert_int_equal(hkw_memcanvas_at(&m, 0, 0)->role, HKW_RUNNING);
	assert_int_equal(hkw_memcanvas_at(&m, 0, 6)->role, HKW_NORMAL);
	assert_int_equal(hkw_memcanvas_at(&m, 0, 9)->role, HKW_ERROR);
	/* maxw stops a run; UTF-8 between runs keeps its cell. */
	assert_int_equal(hkw_text(&m.base, 1, 0, 4, HKW_NORMAL,
				  "ab\xc3\xa9"
				  "cdef"),
			 4);
	hkw_fill(&m.base, 1, -3, 5, HKW_SELECTION); /* cells 0 and 1 */
	hkw_fill(&m.base, 1, 8, 10, HKW_SELECTION); /* cells 8 and 9 */
	hkw_fill(&m.base, 5, 0, 10, HKW_SELECTION); /* no such line */
	r = row_text(&m, 1);
	assert_string_equal(r, "  \xc3\xa9"
			       "c      ");
	free(r);
	assert_int_equal(hkw_memcanvas_at(&m, 1, 1)->role, HKW_SELECTION);
	assert_int_equal(hkw_memcanvas_at(&m, 1, 3)->role, HKW_NORMAL);
	assert_int_equal(hkw_memcanvas_at(&m, 1, 8)->role, HKW_SELECTION);
	hkw_memcanvas_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_80_drops_columns),
		cmocka_unit_test(test_layout_200_keeps_all),
		cmocka_unit_test(test_table_render_cells),
		cmocka_unit_test(test_table_sort_and_selection),
		cmocka_unit_test(test_table_natural_sort),
		cmocka_unit_test(test_table_empty_text),
		cmocka_unit_test(test_table_nested_rows),
		cmocka_unit_test(test_table_scrolls),
		cmocka_unit_test(test_tree_folding),
		cmocka_unit_test(test_input_editing),
		cmocka_unit_test(test_key_names),
		cmocka_unit_test(test_style_values),
		cmocka_unit_test(test_dialog_message_keeps_text),
		cmocka_unit_test(test_dialog_confirm_and_form),
		cmocka_unit_test(test_textview_follow),
		cmocka_unit_test(test_table_shown),
		cmocka_unit_test(test_bars_and_tabs),
		cmocka_unit_test(test_text_is_safe),
		cmocka_unit_test(test_text_runs_clip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
