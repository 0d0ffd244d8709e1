/* widget.h - the base of hako's widgets: a drawing surface (canvas) with
 * an ncurses and a memory backend, colour roles, and the widget vtable.
 *
 * Widgets never call curses directly to draw: they put cells on a canvas,
 * so the same code renders to the terminal and, in unit tests, into a cell
 * buffer that a test reads back cell by cell.  A cell holds one code point
 * (its UTF-8 bytes) and a role; roles become colours in tui/term.c from a
 * theme.  Keys are ncurses key codes (KEY_*, or a byte).
 *
 * Knows ncurses only, never core/. */
#ifndef HKW_WIDGET_H
#define HKW_WIDGET_H

#include <stdbool.h>
#include <stddef.h>

/* Colour roles, the names theme files use (hkw_role_name). */
enum hkw_role {
	HKW_NORMAL,
	HKW_HEADER,
	HKW_COLHEAD,
	HKW_SELECTION,
	HKW_RUNNING,
	HKW_STOPPED,
	HKW_FROZEN,
	HKW_BUSY,
	HKW_ERROR,
	HKW_KEY,
	HKW_KEYTEXT,
	HKW_STATUS,
	HKW_BORDER,
	HKW_DIALOG,
	HKW_INPUT,
	HKW_TAB,
	HKW_TAB_ACTIVE,
	HKW_BAR,
	HKW_MARK,
	HKW_DIM,
	HKW_ROLE_COUNT
};
const char *hkw_role_name(int role);
/* -1 when unknown. */
int hkw_role_from_name(const char *name);

/* Line-drawing glyphs: UTF-8 box drawing, or ASCII on a canvas whose
 * ascii flag is set (LANG=C, TERM=vt100/linux). */
enum hkw_glyph {
	HKW_G_HLINE,
	HKW_G_VLINE,
	HKW_G_ULCORNER,
	HKW_G_URCORNER,
	HKW_G_LLCORNER,
	HKW_G_LRCORNER,
	HKW_G_TEE,   /* tree branch "├" */
	HKW_G_ELBOW, /* tree last branch "└" */
	HKW_G_BLOCK, /* bar, full */
	HKW_G_SHADE, /* bar, empty */
	HKW_G_UP,    /* sort markers */
	HKW_G_DOWN,
	HKW_G_COUNT
};

struct hkw_canvas;
struct hkw_canvas_ops {
	/* One cell: s[0..n) is one code point's UTF-8 bytes. */
	void (*put)(struct hkw_canvas *c, int y, int x, const char *s, size_t n, int role);
	/* n cells at once, all within the canvas: s[0..n) printable ASCII,
	 * one byte a cell (run), or blanks (blank).  A screen is mostly
	 * these: one call each instead of one a cell. */
	void (*run)(struct hkw_canvas *c, int y, int x, const char *s, size_t n, int role);
	void (*blank)(struct hkw_canvas *c, int y, int x, int n, int role);
	/* Where the terminal cursor should be (an input field), or y < 0. */
	void (*cursor)(struct hkw_canvas *c, int y, int x);
};

struct hkw_canvas {
	const struct hkw_canvas_ops *ops;
	int h, w;
	bool ascii;
};

/* Writes UTF-8 text at (y, x), at most maxw columns, clipped to the
 * canvas; bytes below 0x20 show as '?'.  Returns the columns used. */
int hkw_text(struct hkw_canvas *c, int y, int x, int maxw, int role, const char *s);
/* Like hkw_text, then pads with spaces up to maxw columns. */
void hkw_text_pad(struct hkw_canvas *c, int y, int x, int maxw, int role, const char *s);
void hkw_fill(struct hkw_canvas *c, int y, int x, int n, int role);
void hkw_glyph(struct hkw_canvas *c, int y, int x, enum hkw_glyph g, int role);
const char *hkw_glyph_str(const struct hkw_canvas *c, enum hkw_glyph g);
/* A frame with an optional title on its top edge; the inside is filled. */
void hkw_box(struct hkw_canvas *c, int y, int x, int h, int w, int role, const char *title);
/* Columns of UTF-8 text (code points; invalid bytes count as one). */
int hkw_width(const char *s);
/* Byte length of the longest prefix of s that fits in cols columns. */
size_t hkw_prefix_bytes(const char *s, int cols);

/* Memory backend: a cell buffer, for tests and benchmarks. */
struct hkw_cell {
	char s[5];
	unsigned char role;
};
struct hkw_memcanvas {
	struct hkw_canvas base;
	struct hkw_cell *cells;
	int cur_y, cur_x;
};
void hkw_memcanvas_init(struct hkw_memcanvas *m, int h, int w, bool ascii);
void hkw_memcanvas_free(struct hkw_memcanvas *m);
void hkw_memcanvas_clear(struct hkw_memcanvas *m);
const struct hkw_cell *hkw_memcanvas_at(const struct hkw_memcanvas *m, int y, int x);
/* Row y as a string (caller frees), trailing blanks kept. */
char *hkw_memcanvas_row(const struct hkw_memcanvas *m, int y);

/* ncurses backend on stdscr; attrs[role] is the attribute of each role
 * (colour pair | bold ...), set by the terminal module. */
struct hkw_cursescanvas {
	struct hkw_canvas base;
	const int *attrs;
	int cur_y, cur_x;
};
void hkw_cursescanvas_init(struct hkw_cursescanvas *cc, const int *attrs, bool ascii);
/* Re-reads the screen size (after KEY_RESIZE). */
void hkw_cursescanvas_resize(struct hkw_cursescanvas *cc);

/* What a key handler did. */
enum {
	HKW_HANDLED = 1 << 0,
	HKW_REDRAW = 1 << 1,
	HKW_CLOSE = 1 << 2,  /* the widget (a dialog) is done */
	HKW_RESCAN = 1 << 3, /* the data behind it should be read again */
};

struct hkw_widget;
struct hkw_widget_ops {
	const char *name;
	void (*draw)(struct hkw_widget *w, struct hkw_canvas *c);
	unsigned (*handle_key)(struct hkw_widget *w, int key);
	/* May be NULL: the base just keeps the rectangle. */
	void (*resize)(struct hkw_widget *w);
	void (*destroy)(struct hkw_widget *w);
};

/* Embedded first in every widget. */
struct hkw_widget {
	const struct hkw_widget_ops *ops;
	int y, x, h, w;
};

void hkw_draw(struct hkw_widget *w, struct hkw_canvas *c);
unsigned hkw_handle_key(struct hkw_widget *w, int key);
void hkw_resize(struct hkw_widget *w, int y, int x, int h, int width);
void hkw_destroy(struct hkw_widget *w);

/* Aborts on allocation failure, like core's xmalloc (widgets have no
 * recovery path for OOM either). */
void *hkw_alloc(size_t n);
char *hkw_strdup(const char *s);

/* Moves a selection index by key (Up/Down/j/k/PgUp/PgDn/Home/End/g/G)
 * over n items with a page of `page` lines; returns true if key was one. */
bool hkw_nav_key(int key, size_t n, int page, size_t *sel);
/* Keeps sel visible in a window of h lines starting at *top. */
void hkw_scroll_to(size_t sel, int h, size_t *top);

#endif
