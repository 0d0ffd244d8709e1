/* sanitize.c - visible, reversible rendering of untrusted text for the
 * terminal and for JSON (see sanitize.h for the exact escapes).  One
 * decoder walks the input; each variant decides per code point or per bad
 * byte what to emit. */
#include "sanitize.h"

#include <stdbool.h>
#include <string.h>

size_t hk_utf8_decode(const unsigned char *s, size_t n, unsigned *cp)
{
	if (n == 0)
		return 0;
	unsigned c = s[0];
	size_t len;
	unsigned min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		len = 2, min = 0x80, c &= 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3, min = 0x800, c &= 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4, min = 0x10000, c &= 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and values past Unicode are not
	 * UTF-8, whatever a lenient decoder would make of them. */
	if (c < min || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return len;
}

size_t hk_utf8_width(const char *s)
{
	size_t w = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xc0) != 0x80)
			w++;
	return w;
}

/* Code points (beyond C0 and DEL) that change how a terminal or a reader
 * sees the text around them. */
static bool is_dangerous_cp(unsigned cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

void hk_sanitize_line_buf(struct hk_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		unsigned cp;
		size_t len = hk_utf8_decode(p + i, n - i, &cp);
		if (len == 0) {
			hk_buf_printf(b, "\\x%02x", p[i]);
			i++;
			continue;
		}
		if (cp < 0x20 || cp == 0x7f)
			hk_buf_printf(b, "\\x%02x", cp);
		else if (cp == '\\')
			hk_buf_puts(b, "\\\\");
		else if (is_dangerous_cp(cp))
			hk_buf_printf(b, "\\u%04x", cp);
		else
			hk_buf_append(b, p + i, len);
		i += len;
	}
}

char *hk_sanitize_line_n(const char *s, size_t n)
{
	struct hk_buf b = {0};
	if (s)
		hk_sanitize_line_buf(&b, s, n);
	return hk_buf_steal(&b);
}

/* Length of the complete escape sequence at s[0] == ESC, or 0. */
static size_t ansi_len(const char *s, size_t n)
{
	if (n < 2)
		return 0;
	if (s[1] == '[') { /* CSI: parameter and intermediate bytes, then a final byte */
		for (size_t i = 2; i < n; i++) {
			unsigned char c = (unsigned char)s[i];
			if (c >= 0x40 && c <= 0x7e)
				return i + 1;
			if (c < 0x20 || c > 0x3f)
				return 0;
		}
		return 0;
	}
	if (s[1] == ']') { /* OSC: up to BEL or ST (ESC \) */
		for (size_t i = 2; i < n; i++) {
			if (s[i] == '\a')
				return i + 1;
			if (s[i] == '\x1b' && i + 1 < n && s[i + 1] == '\\')
				return i + 2;
		}
		return 0;
	}
	unsigned char c = (unsigned char)s[1];
	return c >= 0x20 && c <= 0x7e ? 2 : 0;
}

char *hk_sanitize_line_plain_n(const char *s, size_t n)
{
	struct hk_buf b = { 0 };
	size_t from = 0;
	for (size_t i = 0; i < n; i++) {
		size_t skip = s[i] == '\x1b' ? ansi_len(s + i, n - i) : 0;
		if (!skip)
			continue;
		hk_sanitize_line_buf(&b, s + from, i - from);
		i += skip - 1;
		from = i + 1;
	}
	hk_sanitize_line_buf(&b, s + from, n - from);
	return hk_buf_steal(&b);
}

char *hk_sanitize_line(const char *s)
{
	return hk_sanitize_line_n(s, s ? strlen(s) : 0);
}

void hk_sanitize_json_buf(struct hk_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		unsigned cp;
		size_t len = hk_utf8_decode(p + i, n - i, &cp);
		if (len == 0) {
			hk_buf_puts(b, "\\ufffd");
			i++;
			continue;
		}
		if (cp == '"' || cp == '\\')
			hk_buf_printf(b, "\\%c", (char)cp);
		else if (cp < 0x20 || cp == 0x7f || is_dangerous_cp(cp))
			hk_buf_printf(b, "\\u%04x", cp);
		else
			hk_buf_append(b, p + i, len);
		i += len;
	}
}

char *hk_sanitize_json(const char *s)
{
	struct hk_buf b = {0};
	if (!s) {
		hk_buf_puts(&b, "null");
		return hk_buf_steal(&b);
	}
	hk_buf_puts(&b, "\"");
	hk_sanitize_json_buf(&b, s, strlen(s));
	hk_buf_puts(&b, "\"");
	return hk_buf_steal(&b);
}
