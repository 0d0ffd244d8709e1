/* sanitize.c - visible, reversible rendering of untrusted text for the
 * terminal and for JSON (see sanitize.h for the exact escapes).  One
 * decoder walks the input; each variant decides per code point or per bad
 * byte what to emit.  Also the console filter: a streaming terminal
 * parser that passes a console's output minus the sequences that make a
 * terminal answer or reach beyond the session; its parser also finds the
 * whole sequences hk_sanitize_line_plain_n drops. */
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
	struct hk_buf b = { 0 };
	if (s)
		hk_sanitize_line_buf(&b, s, n);
	return hk_buf_steal(&b);
}

/* ---- the console filter ----
 * Two layers: UTF-8 first (as a UTF-8 terminal decodes before it parses;
 * continuation bytes are never controls), then a VT500-style parser
 * (ground, escape, escape intermediate, CSI, string) over the 7-bit
 * bytes.  Each step says what the byte was, which also serves
 * hk_sanitize_line_plain_n to find whole sequences. */

enum tf_state { TF_GROUND, TF_ESC, TF_ESC_INTER, TF_CSI, TF_STRING, TF_STRING_ESC };

enum tf_event {
	TF_TEXT,  /* a byte of text (passed, or an ENQ removed) */
	TF_HELD,  /* part of a sequence not complete yet */
	TF_END,	  /* the byte that completed a sequence (kept or removed) */
	TF_EXEC,  /* a C0 control inside a sequence, acted on at once */
	TF_ABORT, /* a sequence given up (CAN, SUB, ESC, a non-ASCII byte) */
};

#define ENQ 0x05
#define CAN 0x18
#define SUB 0x1a
#define ESC 0x1b

/* CSI report requests and others removed: prefix ('*' any, 0 none),
 * intermediate (0 none) and final byte. */
static const struct csi_rule {
	char prefix, inter, final;
} csi_denied[] = {
	{ '*', 0, 'c' },    /* DA1, DA2, DA3 */
	{ '*', 0, 'n' },    /* DSR, CPR, DECDSR */
	{ '*', '$', 'p' },  /* DECRQM */
	{ '*', '"', 'p' },  /* DECSCL: conformance level, 8-bit controls */
	{ 0, 0, 't' },	    /* XTWINOPS: title report, window moves, sizes */
	{ '>', 0, 't' },    /* XTSMTITLE */
	{ 0, 0, 'x' },	    /* DECREQTPARM */
	{ '*', '$', 'w' },  /* DECRQPSR */
	{ '*', '$', 'u' },  /* DECRQTSR */
	{ '*', '&', 'u' },  /* DECRQUPSS */
	{ '?', 0, 'u' },    /* the kitty keyboard protocol's query */
	{ '*', '*', 'y' },  /* DECRQCRA: a checksum of the screen */
	{ '*', '"', 'v' },  /* DECRQDE */
	{ '*', '\'', '|' }, /* DECRQLP */
	{ '*', '#', '|' },  /* XTREPORTSGR */
	{ '>', 0, 'q' },    /* XTVERSION */
	{ '?', 0, 'm' },    /* XTQMODKEYS */
	{ '?', 0, 'S' },    /* XTSMGRAPHICS */
	{ '*', 0, 'i' },    /* media copy: printing, printer pass-through */
};

/* A complete CSI in seq: [private marker] parameters [one intermediate]
 * final; anything else is malformed and a terminal ignores it. */
static bool csi_allowed(const struct hk_term_filter *f)
{
	const char *q = f->seq;
	size_t i = 2, last = f->len - 1;
	char prefix = 0, inter = 0;
	if (f->bad)
		return false;
	if (i < last && q[i] >= 0x3c && q[i] <= 0x3f)
		prefix = q[i++];
	while (i < last && q[i] >= 0x30 && q[i] <= 0x3b)
		i++;
	if (i < last && q[i] >= 0x20 && q[i] <= 0x2f)
		inter = q[i++];
	if (i != last)
		return false;
	for (size_t r = 0; r < HK_ARRAY_SIZE(csi_denied); r++) {
		const struct csi_rule *d = &csi_denied[r];
		if (d->final == q[last] && d->inter == inter &&
		    (d->prefix == '*' || d->prefix == prefix))
			return false;
	}
	return true;
}

/* A complete ESC sequence (not CSI, not a string) in seq. */
static bool esc_allowed(const struct hk_term_filter *f)
{
	if (f->bad)
		return false;
	if (f->len == 2)
		return f->seq[1] != 'Z' && f->seq[1] != '\\'; /* DECID; a stray ST */
	return f->len == 3 && strchr("()*+-./#", f->seq[1]);
}

static void hold(struct hk_term_filter *f, unsigned char c)
{
	if (f->len < HK_TERM_FILTER_HOLD)
		f->seq[f->len++] = (char)c;
	else
		f->bad = true;
}

static void emit(struct hk_buf *out, const void *p, size_t n)
{
	if (out)
		hk_buf_append(out, p, n);
}

static void to_ground(struct hk_term_filter *f)
{
	f->state = TF_GROUND;
	f->len = 0;
	f->bad = f->osc = false;
}

static enum tf_event finish(struct hk_term_filter *f, bool keep, struct hk_buf *out)
{
	if (keep)
		emit(out, f->seq, f->len);
	else
		f->removed++;
	to_ground(f);
	return TF_END;
}

/* Gives up the sequence under way (the terminal would too). */
static void give_up(struct hk_term_filter *f)
{
	if (f->state != TF_GROUND)
		f->removed++;
	to_ground(f);
}

static void begin(struct hk_term_filter *f, enum tf_state st, unsigned char c)
{
	f->state = (unsigned char)st;
	hold(f, c);
}

/* A C0 control inside a sequence: the terminal acts on it at once. */
static enum tf_event exec_c0(struct hk_term_filter *f, unsigned char c, struct hk_buf *out)
{
	if (c == ENQ)
		f->removed++;
	else
		emit(out, &c, 1);
	return TF_EXEC;
}

static enum tf_event step_esc(struct hk_term_filter *f, unsigned char c, struct hk_buf *out)
{
	if (c < 0x20)
		return exec_c0(f, c, out);
	if (c == 0x7f)
		return TF_HELD;
	if (f->state == TF_ESC && c == '[') {
		begin(f, TF_CSI, c);
		return TF_HELD;
	}
	if (f->state == TF_ESC && strchr("]PX^_", c)) {
		f->state = TF_STRING;
		f->osc = c == ']';
		f->len = 0;
		return TF_HELD;
	}
	if (c <= 0x2f) {
		begin(f, TF_ESC_INTER, c);
		return TF_HELD;
	}
	hold(f, c);
	return finish(f, esc_allowed(f), out);
}

static enum tf_event step_csi(struct hk_term_filter *f, unsigned char c, struct hk_buf *out)
{
	if (c < 0x20)
		return exec_c0(f, c, out);
	if (c == 0x7f)
		return TF_HELD;
	hold(f, c);
	return c >= 0x40 ? finish(f, csi_allowed(f), out) : TF_HELD;
}

/* Inside a string everything is removed up to its end: ST (ESC \), BEL
 * for an OSC.  An ESC followed by anything else ends the string and
 * starts a new sequence with that byte. */
static enum tf_event step_7bit(struct hk_term_filter *f, unsigned char c, struct hk_buf *out);

static enum tf_event step_string(struct hk_term_filter *f, unsigned char c, struct hk_buf *out)
{
	if (f->state == TF_STRING_ESC) {
		f->removed++;
		to_ground(f);
		if (c == '\\')
			return TF_END;
		begin(f, TF_ESC, ESC);
		return step_7bit(f, c, out);
	}
	if (c == ESC) {
		f->state = TF_STRING_ESC;
		return TF_HELD;
	}
	if (c == 0x07 && f->osc) {
		f->removed++;
		to_ground(f);
		return TF_END;
	}
	return TF_HELD;
}

static enum tf_event step_7bit(struct hk_term_filter *f, unsigned char c, struct hk_buf *out)
{
	if (f->state == TF_STRING || f->state == TF_STRING_ESC)
		return c == CAN || c == SUB ? (give_up(f), TF_ABORT) : step_string(f, c, out);
	if (c == CAN || c == SUB || c == ESC) {
		enum tf_event ev = TF_HELD;
		if (f->state != TF_GROUND) {
			give_up(f);
			ev = TF_ABORT;
		} else if (c != ESC) {
			emit(out, &c, 1);
			return TF_TEXT;
		}
		if (c == ESC)
			begin(f, TF_ESC, c);
		return ev;
	}
	switch (f->state) {
	case TF_ESC:
	case TF_ESC_INTER:
		return step_esc(f, c, out);
	case TF_CSI:
		return step_csi(f, c, out);
	default:
		break;
	}
	if (c == ENQ) /* the answer-back message */
		f->removed++;
	else
		emit(out, &c, 1);
	return TF_TEXT;
}

/* A C1 control is its ESC form, but ST also ends a string. */
static enum tf_event step_c1(struct hk_term_filter *f, unsigned char c, struct hk_buf *out)
{
	if ((f->state == TF_STRING || f->state == TF_STRING_ESC) && c == 0x9c) {
		f->removed++;
		to_ground(f);
		return TF_END;
	}
	enum tf_event ev = step_7bit(f, ESC, out);
	enum tf_event ev2 = step_7bit(f, (unsigned char)(c - 0x40), out);
	return ev == TF_ABORT ? TF_ABORT : ev2;
}

/* The start of a UTF-8 character: its continuation bytes and their range. */
static void utf8_lead(struct hk_term_filter *f, unsigned char c)
{
	f->need = c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
	f->lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
	f->hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
}

static enum tf_event tf_step(struct hk_term_filter *f, unsigned char c, struct hk_buf *out)
{
	bool ground = f->state == TF_GROUND, string = f->state == TF_STRING;
	if (f->c2) { /* held in the ground and string states only */
		f->c2 = false;
		if (c >= 0x80 && c <= 0x9f)
			return step_c1(f, c, out);
		if (ground)
			emit(out, "\xc2", 1);
		if (c >= 0xa0 && c <= 0xbf) {
			if (ground)
				emit(out, &c, 1);
			return ground ? TF_TEXT : TF_HELD;
		}
	}
	if (f->need) {
		if (c >= f->lo && c <= f->hi) {
			f->need--;
			f->lo = 0x80, f->hi = 0xbf;
			if (ground)
				emit(out, &c, 1);
			return ground ? TF_TEXT : TF_HELD;
		}
		f->need = 0; /* a broken character: this byte is read afresh */
	}
	if (c >= 0x80 && c <= 0x9f)
		return step_c1(f, c, out);
	if (c < 0x80)
		return step_7bit(f, c, out);
	/* Text that is not ASCII: inside a string it is removed with it; it
	 * breaks an escape or CSI sequence (and an ESC after a string), which
	 * is given up. */
	enum tf_event ev = TF_TEXT;
	if (!ground && !string) {
		give_up(f);
		ground = true;
		ev = TF_ABORT;
	}
	if (c == 0xc2) { /* U+0080..U+009F are the C1 controls */
		f->c2 = true;
		return ev == TF_ABORT ? ev : TF_HELD;
	}
	if (c >= 0xc3 && c <= 0xf4)
		utf8_lead(f, c);
	if (string)
		return TF_HELD;
	emit(out, &c, 1);
	return ev;
}

void hk_term_filter_init(struct hk_term_filter *f)
{
	memset(f, 0, sizeof(*f));
}

void hk_term_filter_feed(struct hk_term_filter *f, const void *in, size_t n, struct hk_buf *out)
{
	const unsigned char *p = in;
	size_t i = 0;
	while (i < n) {
		/* Plain printable ASCII in the ground state goes out in runs. */
		size_t run = 0;
		if (f->state == TF_GROUND && !f->c2 && !f->need)
			while (i + run < n && ((p[i + run] >= 0x20 && p[i + run] < 0x7f) ||
					       p[i + run] == '\n' || p[i + run] == '\r'))
				run++;
		if (run) {
			hk_buf_append(out, p + i, run);
			i += run;
			continue;
		}
		tf_step(f, p[i++], out);
	}
}

/* Length of the complete escape sequence at s[0] == ESC, or 0. */
static size_t ansi_len(const char *s, size_t n)
{
	struct hk_term_filter f;
	hk_term_filter_init(&f);
	for (size_t i = 0; i < n; i++) {
		enum tf_event ev = tf_step(&f, (unsigned char)s[i], NULL);
		if (ev == TF_END)
			return i + 1;
		if (ev != TF_HELD)
			return 0;
	}
	return 0;
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
	struct hk_buf b = { 0 };
	if (!s) {
		hk_buf_puts(&b, "null");
		return hk_buf_steal(&b);
	}
	hk_buf_puts(&b, "\"");
	hk_sanitize_json_buf(&b, s, strlen(s));
	hk_buf_puts(&b, "\"");
	return hk_buf_steal(&b);
}
