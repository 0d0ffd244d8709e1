/* tabs.c - the tab bar: titles with the active one highlighted; the
 * content below belongs to the caller, which asks which tab is active. */
#include <ncurses.h>
#include <stdlib.h>

#include "tabs.h"

struct hkw_tabs {
	struct hkw_widget base;
	const char *const *titles;
	size_t n, active;
};

static const struct hkw_widget_ops tabs_ops;

struct hkw_tabs *hkw_tabs_new(const char *const *titles, size_t n)
{
	struct hkw_tabs *t = hkw_alloc(sizeof(*t));
	t->base.ops = &tabs_ops;
	t->titles = titles;
	t->n = n;
	return t;
}

struct hkw_widget *hkw_tabs_widget(struct hkw_tabs *t)
{
	return &t->base;
}

size_t hkw_tabs_active(const struct hkw_tabs *t)
{
	return t->active;
}

void hkw_tabs_set_active(struct hkw_tabs *t, size_t i)
{
	if (i < t->n)
		t->active = i;
}

static void tabs_draw(struct hkw_widget *w, struct hkw_canvas *c)
{
	struct hkw_tabs *t = (struct hkw_tabs *)w;
	int x = w->x;
	hkw_fill(c, w->y, w->x, w->w, HKW_TAB);
	for (size_t i = 0; i < t->n; i++) {
		int role = i == t->active ? HKW_TAB_ACTIVE : HKW_TAB;
		int left = w->x + w->w - x;
		x += hkw_text(c, w->y, x, left, role, " ");
		x += hkw_text(c, w->y, x, w->x + w->w - x, role, t->titles[i]);
		x += hkw_text(c, w->y, x, w->x + w->w - x, role, " ");
		x += hkw_text(c, w->y, x, w->x + w->w - x, HKW_TAB, " ");
	}
}

static unsigned tabs_key(struct hkw_widget *w, int key)
{
	struct hkw_tabs *t = (struct hkw_tabs *)w;
	if (t->n == 0)
		return 0;
	if (key == '\t')
		t->active = (t->active + 1) % t->n;
	else if (key == KEY_BTAB)
		t->active = (t->active + t->n - 1) % t->n;
	else if (key >= '1' && key < '1' + (int)t->n)
		t->active = (size_t)(key - '1');
	else
		return 0;
	return HKW_HANDLED | HKW_REDRAW | HKW_RESCAN;
}

static void tabs_destroy(struct hkw_widget *w)
{
	free(w);
}

static const struct hkw_widget_ops tabs_ops = {
	.name = "tabs",
	.draw = tabs_draw,
	.handle_key = tabs_key,
	.destroy = tabs_destroy,
};
