/* bars.c - the key bar and the status line.  Items that do not fit in
 * the width are left out whole, never cut in the middle. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "bars.h"

struct hkw_keybar {
	struct hkw_widget base;
	struct hkw_keybar_item *items;
	size_t n;
};

static const struct hkw_widget_ops keybar_ops;
static const struct hkw_widget_ops status_ops;

struct hkw_keybar *hkw_keybar_new(void)
{
	struct hkw_keybar *kb = hkw_alloc(sizeof(*kb));
	kb->base.ops = &keybar_ops;
	return kb;
}

struct hkw_widget *hkw_keybar_widget(struct hkw_keybar *kb)
{
	return &kb->base;
}

static void keybar_free_items(struct hkw_keybar *kb)
{
	for (size_t i = 0; i < kb->n; i++) {
		free((char *)kb->items[i].key);
		free((char *)kb->items[i].text);
	}
	free(kb->items);
	kb->items = NULL;
	kb->n = 0;
}

void hkw_keybar_set(struct hkw_keybar *kb, const struct hkw_keybar_item *items, size_t n)
{
	keybar_free_items(kb);
	kb->items = hkw_alloc((n ? n : 1) * sizeof(*kb->items));
	for (size_t i = 0; i < n; i++) {
		kb->items[i].key = hkw_strdup(items[i].key);
		kb->items[i].text = hkw_strdup(items[i].text);
	}
	kb->n = n;
}

static void keybar_draw(struct hkw_widget *w, struct hkw_canvas *c)
{
	struct hkw_keybar *kb = (struct hkw_keybar *)w;
	int x = w->x, end = w->x + w->w;
	hkw_fill(c, w->y, w->x, w->w, HKW_KEYTEXT);
	for (size_t i = 0; i < kb->n; i++) {
		int need = hkw_width(kb->items[i].key) + hkw_width(kb->items[i].text) + 1;
		if (x + need > end)
			break;
		x += hkw_text(c, w->y, x, end - x, HKW_KEY, kb->items[i].key);
		x += hkw_text(c, w->y, x, end - x, HKW_KEYTEXT, kb->items[i].text);
		x += 1;
	}
}

static void keybar_destroy(struct hkw_widget *w)
{
	keybar_free_items((struct hkw_keybar *)w);
	free(w);
}

static const struct hkw_widget_ops keybar_ops = {
	.name = "keybar",
	.draw = keybar_draw,
	.destroy = keybar_destroy,
};

struct hkw_status {
	struct hkw_widget base;
	char text[512];
	int role;
};

struct hkw_status *hkw_status_new(void)
{
	struct hkw_status *s = hkw_alloc(sizeof(*s));
	s->base.ops = &status_ops;
	return s;
}

struct hkw_widget *hkw_status_widget(struct hkw_status *s)
{
	return &s->base;
}

void hkw_status_set(struct hkw_status *s, int role, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->text, sizeof(s->text), fmt, ap);
	va_end(ap);
	s->role = role;
}

const char *hkw_status_text(const struct hkw_status *s)
{
	return s->text;
}

static void status_draw(struct hkw_widget *w, struct hkw_canvas *c)
{
	struct hkw_status *s = (struct hkw_status *)w;
	hkw_text_pad(c, w->y, w->x, w->w, s->role, s->text);
}

static void status_destroy(struct hkw_widget *w)
{
	free(w);
}

static const struct hkw_widget_ops status_ops = {
	.name = "status",
	.draw = status_draw,
	.destroy = status_destroy,
};
