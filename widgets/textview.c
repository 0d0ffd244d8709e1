/* textview.c - the text view widget: an array of lines with roles and a
 * top line; the selection-less navigation scrolls the view itself. */
#include <ncurses.h>
#include <stdlib.h>
#include <string.h>

#include "textview.h"

struct line {
	char *text;
	int role;
};

struct hkw_textview {
	struct hkw_widget base;
	struct line *lines;
	size_t n, cap;
	size_t top;
	bool follow;
};

static const struct hkw_widget_ops textview_ops;

struct hkw_textview *hkw_textview_new(void)
{
	struct hkw_textview *tv = hkw_alloc(sizeof(*tv));
	tv->base.ops = &textview_ops;
	return tv;
}

struct hkw_widget *hkw_textview_widget(struct hkw_textview *tv)
{
	return &tv->base;
}

void hkw_textview_clear(struct hkw_textview *tv)
{
	for (size_t i = 0; i < tv->n; i++)
		free(tv->lines[i].text);
	tv->n = 0;
}

static size_t max_top(const struct hkw_textview *tv)
{
	size_t h = tv->base.h > 0 ? (size_t)tv->base.h : 1;
	return tv->n > h ? tv->n - h : 0;
}

static void clamp(struct hkw_textview *tv)
{
	if (tv->follow || tv->top > max_top(tv))
		tv->top = max_top(tv);
}

void hkw_textview_add(struct hkw_textview *tv, int role, const char *line)
{
	if (tv->n == tv->cap) {
		tv->cap = tv->cap ? tv->cap * 2 : 64;
		tv->lines = realloc(tv->lines, tv->cap * sizeof(*tv->lines));
		if (!tv->lines)
			abort();
	}
	tv->lines[tv->n++] = (struct line){ .text = hkw_strdup(line), .role = role };
	/* Not clamped otherwise: a rebuild line by line keeps the top. */
	if (tv->follow)
		tv->top = max_top(tv);
}

void hkw_textview_set(struct hkw_textview *tv, const char *text)
{
	size_t top = tv->top;
	hkw_textview_clear(tv);
	while (text && *text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);
		char *l = strndup(text, len);
		if (!l)
			abort();
		hkw_textview_add(tv, HKW_NORMAL, l);
		free(l);
		text += len + (nl ? 1 : 0);
	}
	tv->top = top;
	clamp(tv);
}

void hkw_textview_follow(struct hkw_textview *tv, bool follow)
{
	tv->follow = follow;
	clamp(tv);
}

bool hkw_textview_following(const struct hkw_textview *tv)
{
	return tv->follow;
}

size_t hkw_textview_lines(const struct hkw_textview *tv)
{
	return tv->n;
}

size_t hkw_textview_top(const struct hkw_textview *tv)
{
	return tv->top;
}

void hkw_textview_set_top(struct hkw_textview *tv, size_t top)
{
	tv->top = top;
	clamp(tv);
}

static void textview_draw(struct hkw_widget *w, struct hkw_canvas *c)
{
	struct hkw_textview *tv = (struct hkw_textview *)w;
	clamp(tv);
	for (int i = 0; i < w->h; i++) {
		size_t l = tv->top + (size_t)i;
		if (l < tv->n)
			hkw_text_pad(c, w->y + i, w->x, w->w, tv->lines[l].role, tv->lines[l].text);
		else
			hkw_fill(c, w->y + i, w->x, w->w, HKW_NORMAL);
	}
}

static unsigned textview_key(struct hkw_widget *w, int key)
{
	struct hkw_textview *tv = (struct hkw_textview *)w;
	if (key == 'f') {
		hkw_textview_follow(tv, !tv->follow);
		return HKW_HANDLED | HKW_REDRAW;
	}
	/* Navigation moves the top line as if it were a selection over the
	 * scrollable range. */
	size_t top = tv->top;
	if (!hkw_nav_key(key, max_top(tv) + 1, w->h, &top))
		return 0;
	tv->top = top;
	tv->follow = top == max_top(tv) && (key == 'G' || key == KEY_END);
	return HKW_HANDLED | HKW_REDRAW;
}

static void textview_resize(struct hkw_widget *w)
{
	clamp((struct hkw_textview *)w);
}

static void textview_destroy(struct hkw_widget *w)
{
	struct hkw_textview *tv = (struct hkw_textview *)w;
	hkw_textview_clear(tv);
	free(tv->lines);
	free(tv);
}

static const struct hkw_widget_ops textview_ops = {
	.name = "textview",
	.draw = textview_draw,
	.handle_key = textview_key,
	.resize = textview_resize,
	.destroy = textview_destroy,
};
