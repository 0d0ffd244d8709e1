/* canvas.c - drawing helpers over a canvas, the memory backend, role
 * names, the generic widget calls and list navigation shared by the
 * table, tree and text view. */
#include <ncurses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "widget.h"

static const char *const role_names[HKW_ROLE_COUNT] = {
	[HKW_NORMAL] = "normal",
	[HKW_HEADER] = "header",
	[HKW_COLHEAD] = "column",
	[HKW_SELECTION] = "selection",
	[HKW_RUNNING] = "running",
	[HKW_STOPPED] = "stopped",
	[HKW_FROZEN] = "frozen",
	[HKW_BUSY] = "busy",
	[HKW_ERROR] = "error",
	[HKW_KEY] = "key",
	[HKW_KEYTEXT] = "keytext",
	[HKW_STATUS] = "status",
	[HKW_BORDER] = "border",
	[HKW_DIALOG] = "dialog",
	[HKW_INPUT] = "input",
	[HKW_TAB] = "tab",
	[HKW_TAB_ACTIVE] = "tab-active",
	[HKW_BAR] = "bar",
	[HKW_MARK] = "mark",
	[HKW_DIM] = "dim",
};

const char *hkw_role_name(int role)
{
	return role >= 0 && role < HKW_ROLE_COUNT ? role_names[role] : "normal";
}

int hkw_role_from_name(const char *name)
{
	for (int i = 0; i < HKW_ROLE_COUNT; i++)
		if (strcasecmp(role_names[i], name) == 0)
			return i;
	return -1;
}

/* UTF-8 and ASCII forms of each glyph. */
static const char *const glyphs[HKW_G_COUNT][2] = {
	[HKW_G_HLINE] = { "\u2500", "-" },    [HKW_G_VLINE] = { "\u2502", "|" },
	[HKW_G_ULCORNER] = { "\u250c", "+" }, [HKW_G_URCORNER] = { "\u2510", "+" },
	[HKW_G_LLCORNER] = { "\u2514", "+" }, [HKW_G_LRCORNER] = { "\u2518", "+" },
	[HKW_G_TEE] = { "\u251c", "|" },      [HKW_G_ELBOW] = { "\u2514", "`" },
	[HKW_G_BLOCK] = { "\u2588", "#" },    [HKW_G_SHADE] = { "\u00b7", "." },
	[HKW_G_UP] = { "\u25b2", "^" },	      [HKW_G_DOWN] = { "\u25bc", "v" },
};

const char *hkw_glyph_str(const struct hkw_canvas *c, enum hkw_glyph g)
{
	return glyphs[g][c->ascii ? 1 : 0];
}

void hkw_glyph(struct hkw_canvas *c, int y, int x, enum hkw_glyph g, int role)
{
	const char *s = hkw_glyph_str(c, g);
	if (y >= 0 && y < c->h && x >= 0 && x < c->w)
		c->ops->put(c, y, x, s, strlen(s), role);
}

/* Length of the UTF-8 sequence starting at s (1 for an invalid byte). */
static size_t cp_len(const char *s)
{
	unsigned char b = (unsigned char)s[0];
	size_t n = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
	for (size_t i = 1; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			return 1;
	return n;
}

int hkw_width(const char *s)
{
	int w = 0;
	for (; s && *s; s += cp_len(s))
		w++;
	return w;
}

size_t hkw_prefix_bytes(const char *s, int cols)
{
	size_t off = 0;
	for (int i = 0; i < cols && s[off]; i++)
		off += cp_len(s + off);
	return off;
}

/* Printable ASCII: one byte, one cell, shown as it is. */
static bool plain(unsigned char b)
{
	return b >= 0x20 && b < 0x7f;
}

int hkw_text(struct hkw_canvas *c, int y, int x, int maxw, int role, const char *s)
{
	int used = 0;
	if (!s || y < 0 || y >= c->h)
		return 0;
	while (*s && used < maxw) {
		int cx = x + used;
		if (cx >= c->w)
			break;
		/* A run of plain bytes on the canvas goes in one call. */
		size_t run = 0;
		while (cx >= 0 && plain((unsigned char)s[run]) && used + (int)run < maxw &&
		       cx + (int)run < c->w)
			run++;
		if (run) {
			c->ops->run(c, y, cx, s, run, role);
			s += run;
			used += (int)run;
			continue;
		}
		size_t n = cp_len(s);
		unsigned char b = (unsigned char)*s;
		/* Never a control byte, and no UTF-8 on an ASCII terminal. */
		bool safe =
			b >= 0x20 && b != 0x7f && (b < 0x80 || !c->ascii) && (b < 0x80 || n > 1);
		if (cx >= 0)
			c->ops->put(c, y, cx, safe ? s : "?", safe ? n : 1, role);
		s += n;
		used++;
	}
	return used;
}

void hkw_fill(struct hkw_canvas *c, int y, int x, int n, int role)
{
	int from = x > 0 ? x : 0, to = x + n < c->w ? x + n : c->w;
	if (y >= 0 && y < c->h && to > from)
		c->ops->blank(c, y, from, to - from, role);
}

void hkw_text_pad(struct hkw_canvas *c, int y, int x, int maxw, int role, const char *s)
{
	int used = hkw_text(c, y, x, maxw, role, s);
	hkw_fill(c, y, x + used, maxw - used, role);
}

void hkw_box(struct hkw_canvas *c, int y, int x, int h, int w, int role, const char *title)
{
	if (h < 2 || w < 2)
		return;
	for (int r = 1; r < h - 1; r++) {
		hkw_glyph(c, y + r, x, HKW_G_VLINE, role);
		hkw_fill(c, y + r, x + 1, w - 2, role);
		hkw_glyph(c, y + r, x + w - 1, HKW_G_VLINE, role);
	}
	for (int i = 1; i < w - 1; i++) {
		hkw_glyph(c, y, x + i, HKW_G_HLINE, role);
		hkw_glyph(c, y + h - 1, x + i, HKW_G_HLINE, role);
	}
	hkw_glyph(c, y, x, HKW_G_ULCORNER, role);
	hkw_glyph(c, y, x + w - 1, HKW_G_URCORNER, role);
	hkw_glyph(c, y + h - 1, x, HKW_G_LLCORNER, role);
	hkw_glyph(c, y + h - 1, x + w - 1, HKW_G_LRCORNER, role);
	if (title && *title && w > 6) {
		hkw_text(c, y, x + 2, 1, role, " ");
		int n = hkw_text(c, y, x + 3, w - 6, role, title);
		hkw_text(c, y, x + 3 + n, 1, role, " ");
	}
}

/* Memory backend. */
static void mem_put(struct hkw_canvas *c, int y, int x, const char *s, size_t n, int role)
{
	struct hkw_memcanvas *m = (struct hkw_memcanvas *)c;
	struct hkw_cell *cell = &m->cells[y * c->w + x];
	if (n > 4)
		n = 4;
	memcpy(cell->s, s, n);
	cell->s[n] = '\0';
	cell->role = (unsigned char)role;
}

static void mem_run(struct hkw_canvas *c, int y, int x, const char *s, size_t n, int role)
{
	for (size_t i = 0; i < n; i++)
		mem_put(c, y, x + (int)i, s + i, 1, role);
}

static void mem_blank(struct hkw_canvas *c, int y, int x, int n, int role)
{
	for (int i = 0; i < n; i++)
		mem_put(c, y, x + i, " ", 1, role);
}

static void mem_cursor(struct hkw_canvas *c, int y, int x)
{
	struct hkw_memcanvas *m = (struct hkw_memcanvas *)c;
	m->cur_y = y;
	m->cur_x = x;
}

static const struct hkw_canvas_ops mem_ops = {
	.put = mem_put, .run = mem_run, .blank = mem_blank, .cursor = mem_cursor
};

void hkw_memcanvas_init(struct hkw_memcanvas *m, int h, int w, bool ascii)
{
	m->base = (struct hkw_canvas){ .ops = &mem_ops, .h = h, .w = w, .ascii = ascii };
	m->cells = hkw_alloc(sizeof(*m->cells) * (size_t)(h * w > 0 ? h * w : 1));
	hkw_memcanvas_clear(m);
}

void hkw_memcanvas_clear(struct hkw_memcanvas *m)
{
	for (int i = 0; i < m->base.h * m->base.w; i++)
		m->cells[i] = (struct hkw_cell){ .s = " ", .role = HKW_NORMAL };
	m->cur_y = m->cur_x = -1;
}

void hkw_memcanvas_free(struct hkw_memcanvas *m)
{
	free(m->cells);
	m->cells = NULL;
}

const struct hkw_cell *hkw_memcanvas_at(const struct hkw_memcanvas *m, int y, int x)
{
	return &m->cells[y * m->base.w + x];
}

char *hkw_memcanvas_row(const struct hkw_memcanvas *m, int y)
{
	char *out = hkw_alloc((size_t)m->base.w * 4 + 1);
	size_t off = 0;
	for (int x = 0; x < m->base.w; x++) {
		const char *s = hkw_memcanvas_at(m, y, x)->s;
		size_t n = strlen(s);
		memcpy(out + off, s, n);
		off += n;
	}
	out[off] = '\0';
	return out;
}

/* Generic widget calls. */
void hkw_draw(struct hkw_widget *w, struct hkw_canvas *c)
{
	if (w && w->h > 0 && w->w > 0)
		w->ops->draw(w, c);
}

unsigned hkw_handle_key(struct hkw_widget *w, int key)
{
	return w && w->ops->handle_key ? w->ops->handle_key(w, key) : 0;
}

void hkw_resize(struct hkw_widget *w, int y, int x, int h, int width)
{
	w->y = y;
	w->x = x;
	w->h = h < 0 ? 0 : h;
	w->w = width < 0 ? 0 : width;
	if (w->ops->resize)
		w->ops->resize(w);
}

void hkw_destroy(struct hkw_widget *w)
{
	if (w)
		w->ops->destroy(w);
}

void *hkw_alloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p)
		abort();
	return p;
}

char *hkw_strdup(const char *s)
{
	char *p = strdup(s ? s : "");
	if (!p)
		abort();
	return p;
}

bool hkw_nav_key(int key, size_t n, int page, size_t *sel)
{
	size_t last = n ? n - 1 : 0, p = page > 1 ? (size_t)page - 1 : 1;
	switch (key) {
	case KEY_UP:
	case 'k':
		*sel = *sel > 0 ? *sel - 1 : 0;
		break;
	case KEY_DOWN:
	case 'j':
		*sel = *sel < last ? *sel + 1 : last;
		break;
	case KEY_PPAGE:
		*sel = *sel > p ? *sel - p : 0;
		break;
	case KEY_NPAGE:
		*sel = *sel + p < last ? *sel + p : last;
		break;
	case KEY_HOME:
	case 'g':
		*sel = 0;
		break;
	case KEY_END:
	case 'G':
		*sel = last;
		break;
	default:
		return false;
	}
	return true;
}

void hkw_scroll_to(size_t sel, int h, size_t *top)
{
	if (h <= 0)
		return;
	if (sel < *top)
		*top = sel;
	else if (sel >= *top + (size_t)h)
		*top = sel - (size_t)h + 1;
}
