/* canvas-curses.c - the ncurses backend of the canvas: cells go to
 * stdscr with the attribute of their role; ncurses' own diffing at
 * refresh() sends only the cells that changed. */
#include <ncurses.h>

#include "widget.h"

static void curses_put(struct hkw_canvas *c, int y, int x, const char *s, size_t n, int role)
{
	struct hkw_cursescanvas *cc = (struct hkw_cursescanvas *)c;
	attrset(cc->attrs ? (attr_t)cc->attrs[role] : A_NORMAL);
	mvaddnstr(y, x, s, (int)n);
}

/* whline writes the cells without going through waddch one by one: the
 * bulk of a frame (table rows are padded) at a fraction of the cost.  It
 * adds the window's current attributes to the blank's, so those are set
 * first. */
static void curses_blank(struct hkw_canvas *c, int y, int x, int n, int role)
{
	struct hkw_cursescanvas *cc = (struct hkw_cursescanvas *)c;
	attr_t a = cc->attrs ? (attr_t)cc->attrs[role] : A_NORMAL;
	attrset(a);
	mvhline(y, x, ' ' | (chtype)a, n);
}

static void curses_cursor(struct hkw_canvas *c, int y, int x)
{
	struct hkw_cursescanvas *cc = (struct hkw_cursescanvas *)c;
	cc->cur_y = y;
	cc->cur_x = x;
}

static const struct hkw_canvas_ops curses_ops = {
	/* mvaddnstr writes a run as well as one cell */
	.put = curses_put,
	.run = curses_put,
	.blank = curses_blank,
	.cursor = curses_cursor
};

void hkw_cursescanvas_init(struct hkw_cursescanvas *cc, const int *attrs, bool ascii)
{
	cc->base = (struct hkw_canvas){ .ops = &curses_ops, .ascii = ascii };
	cc->attrs = attrs;
	cc->cur_y = cc->cur_x = -1;
	hkw_cursescanvas_resize(cc);
}

void hkw_cursescanvas_resize(struct hkw_cursescanvas *cc)
{
	getmaxyx(stdscr, cc->base.h, cc->base.w);
}
