/* dialog.c - confirmation, message and form dialogs.  The dialog keeps
 * only its content; its size and place are computed from the widget's
 * rectangle (the whole screen) on every draw, so a resize at any moment
 * redraws it correctly. */
#include <ncurses.h>
#include <stdlib.h>
#include <string.h>

#include "dialog.h"
#include "input.h"

enum kind { CONFIRM, MESSAGE, FORM };

#define MAX_FIELDS 8
#define MAX_LINES  400

struct hkw_dialog {
	struct hkw_widget base;
	enum kind kind;
	int role;
	char *title;
	char *text;
	enum hkw_dialog_result result;
	bool yes_focused;
	size_t top; /* message scroll */
	char *labels[MAX_FIELDS];
	struct hkw_input fields[MAX_FIELDS];
	size_t nfields, focus;
	char **choices[MAX_FIELDS]; /* a field's pick list (Left/Right), or NULL */
	size_t nchoices[MAX_FIELDS];
};

static const struct hkw_widget_ops dialog_ops;

static struct hkw_dialog *dialog_new(enum kind k, const char *title, const char *text, int role)
{
	struct hkw_dialog *d = hkw_alloc(sizeof(*d));
	d->base.ops = &dialog_ops;
	d->kind = k;
	d->role = role;
	d->title = hkw_strdup(title);
	d->text = hkw_strdup(text);
	return d;
}

struct hkw_dialog *hkw_dialog_confirm(const char *title, const char *text)
{
	return dialog_new(CONFIRM, title, text, HKW_DIALOG);
}

struct hkw_dialog *hkw_dialog_message(const char *title, const char *text, int role)
{
	return dialog_new(MESSAGE, title, text, role);
}

struct hkw_dialog *hkw_dialog_form(const char *title, const char *const *labels,
				   const char *const *defaults, size_t n)
{
	struct hkw_dialog *d = dialog_new(FORM, title, "", HKW_DIALOG);
	d->nfields = n > MAX_FIELDS ? MAX_FIELDS : n;
	for (size_t i = 0; i < d->nfields; i++) {
		d->labels[i] = hkw_strdup(labels[i]);
		hkw_input_set(&d->fields[i], defaults ? defaults[i] : NULL);
	}
	return d;
}

void hkw_dialog_set_choices(struct hkw_dialog *d, size_t field, const char *const *choices,
			    size_t n)
{
	if (d->kind != FORM || field >= d->nfields || n == 0)
		return;
	d->choices[field] = hkw_alloc(n * sizeof(char *));
	for (size_t i = 0; i < n; i++)
		d->choices[field][i] = hkw_strdup(choices[i]);
	d->nchoices[field] = n;
}

/* Left/Right on a field with a pick list: the next or previous choice
 * after the one the field holds (the first when it holds none). */
static void next_choice(struct hkw_dialog *d, int dir)
{
	size_t f = d->focus, n = d->nchoices[f], at = n;
	for (size_t i = 0; i < n; i++)
		if (strcmp(d->choices[f][i], d->fields[f].buf) == 0)
			at = i;
	size_t to = at == n ? 0 : (at + n + (dir > 0 ? 1 : n - 1)) % n;
	hkw_input_set(&d->fields[f], d->choices[f][to]);
}

struct hkw_widget *hkw_dialog_widget(struct hkw_dialog *d)
{
	return &d->base;
}

enum hkw_dialog_result hkw_dialog_result(const struct hkw_dialog *d)
{
	return d->result;
}

const char *hkw_dialog_value(const struct hkw_dialog *d, size_t field)
{
	return field < d->nfields ? d->fields[field].buf : NULL;
}

size_t hkw_wrap(const char *text, int w, char **lines, size_t max)
{
	size_t n = 0;
	if (w < 1)
		w = 1;
	while (*text && n < max) {
		const char *nl = strchr(text, '\n');
		size_t para = nl ? (size_t)(nl - text) : strlen(text);
		/* The longest prefix of this paragraph that fits, broken at a blank. */
		size_t fit = hkw_prefix_bytes(text, w);
		if (fit > para)
			fit = para;
		size_t cut = fit, next = fit;
		if (fit < para) {
			while (cut > 0 && text[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = fit; /* one long word: cut it */
			next = cut;
			while (text[next] == ' ')
				next++;
		} else if (nl) {
			next = para + 1;
		}
		if (lines)
			lines[n] = strndup(text, cut);
		n++;
		text += next;
		if (fit == para && !nl)
			break;
	}
	return n;
}

/* The rectangle of the dialog within the screen. */
static void geometry(const struct hkw_dialog *d, size_t nlines, int *y, int *x, int *h, int *w)
{
	const struct hkw_widget *b = &d->base;
	int maxw = b->w - 4 < 72 ? b->w - 4 : 72;
	*w = maxw < 20 ? b->w : maxw;
	int body = d->kind == FORM ? (int)d->nfields * 2 : (int)nlines;
	*h = body + 4 + (d->kind == MESSAGE ? 0 : 0);
	if (*h > b->h)
		*h = b->h;
	*y = b->y + (b->h - *h) / 2;
	*x = b->x + (b->w - *w) / 2;
}

static void draw_buttons(struct hkw_dialog *d, struct hkw_canvas *c, int y, int x, int w)
{
	if (d->kind == MESSAGE) {
		hkw_text(c, y, x + (w - 6) / 2, 6, HKW_SELECTION, "[ OK ]");
		return;
	}
	const char *yes = d->kind == FORM ? "[ OK ]" : "[ Yes ]";
	const char *no = d->kind == FORM ? "[ Cancel ]" : "[ No ]";
	int total = hkw_width(yes) + 2 + hkw_width(no);
	int bx = x + (w - total) / 2;
	bool yes_on = d->kind == CONFIRM ? d->yes_focused : false;
	bx += hkw_text(c, y, bx, w, yes_on ? HKW_SELECTION : HKW_DIALOG, yes) + 2;
	hkw_text(c, y, bx, w, d->kind == CONFIRM && !yes_on ? HKW_SELECTION : HKW_DIALOG, no);
}

static void dialog_draw(struct hkw_widget *wd, struct hkw_canvas *c)
{
	struct hkw_dialog *d = (struct hkw_dialog *)wd;
	char *lines[MAX_LINES];
	int y, x, h, w;
	size_t n = hkw_wrap(d->text, wd->w - 8 < 68 ? wd->w - 8 : 68, lines, MAX_LINES);
	geometry(d, n, &y, &x, &h, &w);
	int frame = d->role == HKW_ERROR ? HKW_ERROR : HKW_BORDER;
	hkw_box(c, y, x, h, w, frame, d->title);
	for (int r = 1; r < h - 1; r++)
		hkw_fill(c, y + r, x + 1, w - 2, HKW_DIALOG);
	int body = h - 4;
	if (d->kind == FORM) {
		int lw = 0; /* labels in one column, fields aligned after it */
		for (size_t i = 0; i < d->nfields; i++)
			if (hkw_width(d->labels[i]) > lw)
				lw = hkw_width(d->labels[i]);
		lw = lw > w / 3 ? w / 3 : lw;
		for (size_t i = 0; i < d->nfields && (int)i * 2 < body; i++) {
			int ly = y + 1 + (int)i * 2;
			hkw_text(c, ly, x + 2, lw, HKW_DIALOG, d->labels[i]);
			hkw_input_draw(&d->fields[i], c, ly, x + 3 + lw, w - 5 - lw, i == d->focus);
		}
	} else {
		if (d->top + (size_t)body > n)
			d->top = n > (size_t)body ? n - (size_t)body : 0;
		for (int r = 0; r < body && d->top + (size_t)r < n; r++)
			hkw_text(c, y + 1 + r, x + 2, w - 4, HKW_DIALOG, lines[d->top + (size_t)r]);
		if (n > (size_t)body)
			hkw_text(c, y + h - 1, x + w - 12, 10, frame, " more... ");
	}
	draw_buttons(d, c, y + h - 2, x, w);
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
}

static unsigned close_with(struct hkw_dialog *d, enum hkw_dialog_result r)
{
	d->result = r;
	return HKW_HANDLED | HKW_REDRAW | HKW_CLOSE;
}

static unsigned confirm_key(struct hkw_dialog *d, int key)
{
	switch (key) {
	case 'y':
	case 'Y':
		return close_with(d, HKW_DIALOG_YES);
	case 'n':
	case 'N':
	case 27:
	case 'q':
		return close_with(d, HKW_DIALOG_NO);
	case '\n':
		return close_with(d, d->yes_focused ? HKW_DIALOG_YES : HKW_DIALOG_NO);
	case KEY_LEFT:
	case KEY_RIGHT:
	case '\t':
	case 'h':
	case 'l':
		d->yes_focused = !d->yes_focused;
		return HKW_HANDLED | HKW_REDRAW;
	}
	return HKW_HANDLED; /* modal: swallow the rest */
}

static unsigned message_key(struct hkw_dialog *d, int key)
{
	if (key == '\n' || key == 27 || key == 'q' || key == ' ')
		return close_with(d, HKW_DIALOG_YES);
	size_t top = d->top;
	if (hkw_nav_key(key, (size_t)-1 / 2, 5, &top)) /* clamped when drawn */
		d->top = top;
	return HKW_HANDLED | HKW_REDRAW;
}

static unsigned form_key(struct hkw_dialog *d, int key)
{
	switch (key) {
	case 27:
		return close_with(d, HKW_DIALOG_NO);
	case '\n':
		return close_with(d, HKW_DIALOG_YES);
	case '\t':
	case KEY_DOWN:
		d->focus = (d->focus + 1) % d->nfields;
		return HKW_HANDLED | HKW_REDRAW;
	case KEY_BTAB:
	case KEY_UP:
		d->focus = (d->focus + d->nfields - 1) % d->nfields;
		return HKW_HANDLED | HKW_REDRAW;
	case KEY_LEFT:
	case KEY_RIGHT:
		if (!d->nchoices[d->focus])
			break;
		next_choice(d, key == KEY_RIGHT ? 1 : -1);
		return HKW_HANDLED | HKW_REDRAW;
	}
	hkw_input_key(&d->fields[d->focus], key);
	return HKW_HANDLED | HKW_REDRAW;
}

static unsigned dialog_key(struct hkw_widget *w, int key)
{
	struct hkw_dialog *d = (struct hkw_dialog *)w;
	switch (d->kind) {
	case CONFIRM:
		return confirm_key(d, key);
	case MESSAGE:
		return message_key(d, key);
	case FORM:
		return d->nfields ? form_key(d, key) : close_with(d, HKW_DIALOG_NO);
	}
	return 0;
}

static void dialog_destroy(struct hkw_widget *w)
{
	struct hkw_dialog *d = (struct hkw_dialog *)w;
	for (size_t i = 0; i < d->nfields; i++) {
		free(d->labels[i]);
		for (size_t j = 0; j < d->nchoices[i]; j++)
			free(d->choices[i][j]);
		free(d->choices[i]);
	}
	free(d->title);
	free(d->text);
	free(d);
}

static const struct hkw_widget_ops dialog_ops = {
	.name = "dialog",
	.draw = dialog_draw,
	.handle_key = dialog_key,
	.destroy = dialog_destroy,
};
