/* tree.c - the tree widget.  Nodes live in an array in pre-order (a
 * parent before its children, siblings in insertion order when the
 * caller adds depth-first); `vis` lists the shown ones.  Keys: arrows and
 * j/k move, Enter/Space toggle, + unfold, - fold, * unfold all, Left goes
 * to the parent (folding), Right unfolds. */
#include <ncurses.h>
#include <stdlib.h>
#include <string.h>

#include "tree.h"

struct node {
	char *key;
	char *text;
	int role;
	ssize_t parent;
	int depth;
	bool has_children;
	bool last; /* last child of its parent */
};

struct hkw_tree {
	struct hkw_widget base;
	struct node *nodes;
	size_t n, cap;
	size_t *vis;
	size_t nvis;
	size_t sel, top;
	char *sel_key;
	char **folded; /* keys */
	size_t nfolded;
};

static const struct hkw_widget_ops tree_ops;

struct hkw_tree *hkw_tree_new(void)
{
	struct hkw_tree *t = hkw_alloc(sizeof(*t));
	t->base.ops = &tree_ops;
	return t;
}

struct hkw_widget *hkw_tree_widget(struct hkw_tree *t)
{
	return &t->base;
}

static ssize_t folded_index(const struct hkw_tree *t, const char *key)
{
	for (size_t i = 0; i < t->nfolded; i++)
		if (strcmp(t->folded[i], key) == 0)
			return (ssize_t)i;
	return -1;
}

bool hkw_tree_folded(const struct hkw_tree *t, size_t node)
{
	return node < t->n && folded_index(t, t->nodes[node].key) >= 0;
}

static void refresh_visible(struct hkw_tree *t)
{
	free(t->vis);
	t->vis = hkw_alloc((t->n ? t->n : 1) * sizeof(*t->vis));
	t->nvis = 0;
	for (size_t i = 0; i < t->n; i++) {
		bool hidden = false;
		for (ssize_t p = t->nodes[i].parent; p >= 0 && !hidden; p = t->nodes[p].parent)
			hidden = hkw_tree_folded(t, (size_t)p);
		if (!hidden)
			t->vis[t->nvis++] = i;
	}
	/* Keep the selection on its key, else on its nearest shown place. */
	for (size_t i = 0; t->sel_key && i < t->nvis; i++)
		if (strcmp(t->nodes[t->vis[i]].key, t->sel_key) == 0)
			t->sel = i;
	if (t->sel >= t->nvis)
		t->sel = t->nvis ? t->nvis - 1 : 0;
}

void hkw_tree_clear(struct hkw_tree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->nodes[i].key);
		free(t->nodes[i].text);
	}
	t->n = 0;
	t->nvis = 0;
}

size_t hkw_tree_add(struct hkw_tree *t, ssize_t parent, const char *key, const char *text, int role)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 16;
		t->nodes = realloc(t->nodes, t->cap * sizeof(*t->nodes));
		if (!t->nodes)
			abort();
	}
	struct node *nd = &t->nodes[t->n];
	*nd = (struct node){ .key = hkw_strdup(key),
			     .text = hkw_strdup(text),
			     .role = role,
			     .parent = parent,
			     .last = true };
	if (parent >= 0) {
		nd->depth = t->nodes[parent].depth + 1;
		t->nodes[parent].has_children = true;
	}
	/* The previous sibling is no longer the last. */
	for (size_t i = t->n; i-- > 0;)
		if (t->nodes[i].parent == parent) {
			t->nodes[i].last = false;
			break;
		}
	t->n++;
	refresh_visible(t);
	return t->n - 1;
}

size_t hkw_tree_count(const struct hkw_tree *t)
{
	return t->n;
}

void hkw_tree_fold(struct hkw_tree *t, size_t node, bool fold)
{
	if (node >= t->n || !t->nodes[node].has_children)
		return;
	ssize_t i = folded_index(t, t->nodes[node].key);
	if (fold && i < 0) {
		t->folded = realloc(t->folded, (t->nfolded + 1) * sizeof(*t->folded));
		if (!t->folded)
			abort();
		t->folded[t->nfolded++] = hkw_strdup(t->nodes[node].key);
	} else if (!fold && i >= 0) {
		free(t->folded[i]);
		t->folded[i] = t->folded[--t->nfolded];
	}
	refresh_visible(t);
}

void hkw_tree_expand_all(struct hkw_tree *t)
{
	for (size_t i = 0; i < t->nfolded; i++)
		free(t->folded[i]);
	t->nfolded = 0;
	refresh_visible(t);
}

size_t hkw_tree_visible(const struct hkw_tree *t)
{
	return t->nvis;
}

ssize_t hkw_tree_selected(const struct hkw_tree *t)
{
	return t->nvis ? (ssize_t)t->vis[t->sel] : -1;
}

/* The branch lines in front of a node: for each ancestor level, a
 * vertical line when that ancestor has siblings below it. */
static int draw_prefix(struct hkw_tree *t, struct hkw_canvas *c, int y, size_t idx)
{
	const struct node *nd = &t->nodes[idx];
	int x0 = t->base.x;
	if (nd->depth == 0)
		return x0;
	int d = nd->depth - 1;
	hkw_glyph(c, y, x0 + 2 * d, nd->last ? HKW_G_ELBOW : HKW_G_TEE, HKW_BORDER);
	hkw_glyph(c, y, x0 + 2 * d + 1, HKW_G_HLINE, HKW_BORDER);
	ssize_t a = nd->parent;
	for (d--; d >= 0 && a >= 0; d--, a = t->nodes[a].parent)
		if (!t->nodes[a].last)
			hkw_glyph(c, y, x0 + 2 * d, HKW_G_VLINE, HKW_BORDER);
	return x0 + 2 * nd->depth;
}

static void tree_draw(struct hkw_widget *w, struct hkw_canvas *c)
{
	struct hkw_tree *t = (struct hkw_tree *)w;
	hkw_scroll_to(t->sel, w->h, &t->top);
	for (int line = 0; line < w->h; line++) {
		size_t pos = t->top + (size_t)line;
		int y = w->y + line;
		hkw_fill(c, y, w->x, w->w, HKW_NORMAL);
		if (pos >= t->nvis)
			continue;
		size_t idx = t->vis[pos];
		const struct node *nd = &t->nodes[idx];
		int x = draw_prefix(t, c, y, idx);
		int role = pos == t->sel ? HKW_SELECTION : nd->role;
		const char *mark = !nd->has_children	     ? "   "
				   : hkw_tree_folded(t, idx) ? "[+]"
							     : "[-]";
		int left = w->x + w->w - x;
		int used = hkw_text(c, y, x, left, role, mark);
		used += hkw_text(c, y, x + used, left - used, role, " ");
		hkw_text_pad(c, y, x + used, left - used, role, nd->text);
	}
}

static unsigned tree_fold_key(struct hkw_tree *t, int key)
{
	ssize_t idx = hkw_tree_selected(t);
	if (idx < 0)
		return 0;
	switch (key) {
	case '\n':
	case ' ':
		hkw_tree_fold(t, (size_t)idx, !hkw_tree_folded(t, (size_t)idx));
		return HKW_HANDLED | HKW_REDRAW;
	case '+':
	case KEY_RIGHT:
		hkw_tree_fold(t, (size_t)idx, false);
		return HKW_HANDLED | HKW_REDRAW;
	case '-':
		hkw_tree_fold(t, (size_t)idx, true);
		return HKW_HANDLED | HKW_REDRAW;
	case '*':
		hkw_tree_expand_all(t);
		return HKW_HANDLED | HKW_REDRAW;
	case KEY_LEFT: {
		ssize_t p = t->nodes[idx].parent;
		if (t->nodes[idx].has_children && !hkw_tree_folded(t, (size_t)idx)) {
			hkw_tree_fold(t, (size_t)idx, true);
		} else if (p >= 0) {
			for (size_t i = 0; i < t->nvis; i++)
				if (t->vis[i] == (size_t)p)
					t->sel = i;
		}
		return HKW_HANDLED | HKW_REDRAW;
	}
	}
	return 0;
}

static unsigned tree_key(struct hkw_widget *w, int key)
{
	struct hkw_tree *t = (struct hkw_tree *)w;
	unsigned r = hkw_nav_key(key, t->nvis, w->h, &t->sel) ? HKW_HANDLED | HKW_REDRAW
							      : tree_fold_key(t, key);
	ssize_t idx = hkw_tree_selected(t);
	if (r && idx >= 0) {
		free(t->sel_key);
		t->sel_key = hkw_strdup(t->nodes[idx].key);
	}
	return r;
}

static void tree_destroy(struct hkw_widget *w)
{
	struct hkw_tree *t = (struct hkw_tree *)w;
	hkw_tree_clear(t);
	for (size_t i = 0; i < t->nfolded; i++)
		free(t->folded[i]);
	free(t->folded);
	free(t->nodes);
	free(t->vis);
	free(t->sel_key);
	free(t);
}

static const struct hkw_widget_ops tree_ops = {
	.name = "tree",
	.draw = tree_draw,
	.handle_key = tree_key,
	.destroy = tree_destroy,
};
