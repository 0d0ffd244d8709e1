/* input.c - text field editing.  The buffer is bytes; the cursor only
 * ever stops at the start of a UTF-8 sequence, so multi-byte characters
 * are moved over and deleted whole. */
#include <ncurses.h>
#include <string.h>

#include "input.h"

#define CTRL(c) ((c)&0x1f)

static bool is_cont(char c)
{
	return ((unsigned char)c & 0xc0) == 0x80;
}

void hkw_input_set(struct hkw_input *in, const char *text)
{
	size_t n = text ? strlen(text) : 0;
	if (n > HKW_INPUT_MAX)
		n = HKW_INPUT_MAX;
	while (n > 0 && n < strlen(text) && is_cont(text[n]))
		n--; /* do not cut a character in two */
	memcpy(in->buf, text ? text : "", n);
	in->buf[n] = '\0';
	in->len = in->cur = n;
}

static size_t prev_pos(const struct hkw_input *in, size_t p)
{
	while (p > 0 && is_cont(in->buf[--p]))
		;
	return p;
}

static size_t next_pos(const struct hkw_input *in, size_t p)
{
	if (p < in->len)
		p++;
	while (p < in->len && is_cont(in->buf[p]))
		p++;
	return p;
}

static void delete_range(struct hkw_input *in, size_t from, size_t to)
{
	memmove(in->buf + from, in->buf + to, in->len - to + 1);
	in->len -= to - from;
	in->cur = from;
}

static bool insert(struct hkw_input *in, int key)
{
	if (key < 0x20 || key > 0xff || key == 0x7f || in->len >= HKW_INPUT_MAX)
		return false;
	memmove(in->buf + in->cur + 1, in->buf + in->cur, in->len - in->cur + 1);
	in->buf[in->cur++] = (char)key;
	in->len++;
	return true;
}

static size_t word_start(const struct hkw_input *in)
{
	size_t p = in->cur;
	while (p > 0 && in->buf[p - 1] == ' ')
		p--;
	while (p > 0 && in->buf[p - 1] != ' ')
		p--;
	return p;
}

bool hkw_input_key(struct hkw_input *in, int key)
{
	switch (key) {
	case KEY_LEFT:
		in->cur = prev_pos(in, in->cur);
		return true;
	case KEY_RIGHT:
		in->cur = next_pos(in, in->cur);
		return true;
	case KEY_HOME:
	case CTRL('a'):
		in->cur = 0;
		return true;
	case KEY_END:
	case CTRL('e'):
		in->cur = in->len;
		return true;
	case KEY_BACKSPACE:
	case 0x7f:
	case CTRL('h'):
		if (in->cur > 0)
			delete_range(in, prev_pos(in, in->cur), in->cur);
		return true;
	case KEY_DC:
	case CTRL('d'):
		if (in->cur < in->len)
			delete_range(in, in->cur, next_pos(in, in->cur));
		return true;
	case CTRL('u'):
		delete_range(in, 0, in->cur);
		return true;
	case CTRL('k'):
		in->buf[in->cur] = '\0';
		in->len = in->cur;
		return true;
	case CTRL('w'):
		delete_range(in, word_start(in), in->cur);
		return true;
	}
	return insert(in, key);
}

void hkw_input_draw(const struct hkw_input *in, struct hkw_canvas *c, int y, int x, int w,
		    bool focused)
{
	if (w <= 0)
		return;
	/* Columns before the cursor; scroll so it stays inside the field. */
	char before[HKW_INPUT_MAX + 1];
	memcpy(before, in->buf, in->cur);
	before[in->cur] = '\0';
	int cur_col = hkw_width(before);
	int skip = cur_col >= w ? cur_col - w + 1 : 0;
	const char *shown = in->buf + hkw_prefix_bytes(in->buf, skip);
	hkw_text_pad(c, y, x, w, focused ? HKW_INPUT : HKW_DIALOG, shown);
	if (focused && c->ops->cursor)
		c->ops->cursor(c, y, x + cur_col - skip);
}
