/* sanitize.h - makes text a container controls safe to show.
 *
 * A container controls its hostname, its config values and its console
 * output.  Shown raw, one escape sequence there could move the cursor, set
 * the terminal title, or write the clipboard (OSC 52).  These functions
 * render such text visibly and reversibly instead:
 *
 * Terminal line (hk_sanitize_line*):
 *   - a C0 control byte (0x00-0x1f, ESC and TAB included) or DEL (0x7f)
 *     becomes "\xHH" with lower-case hex: ESC -> \x1b;
 *   - a byte that is not part of valid UTF-8 (a stray continuation byte,
 *     a truncated sequence, an overlong form, a surrogate, a code point past
 *     U+10FFFF, a raw 0x80-0x9f byte) becomes "\xHH", one escape per byte;
 *   - the C1 controls U+0080..U+009F, the Unicode line/paragraph separators
 *     U+2028/U+2029 and the bidirectional overrides U+202A..U+202E and
 *     U+2066..U+2069 become "\uHHHH";
 *   - a backslash becomes "\\", so the rendering is unambiguous;
 *   - everything else (valid, printable UTF-8) is kept as it is.
 *   The result is valid UTF-8 and holds no byte below 0x20, no 0x7f and no
 *   C1 code point.
 *
 * JSON string (hk_sanitize_json*): the contents of a JSON string (without
 * the quotes): '"' and '\' are escaped, C0 controls, DEL, C1 controls and
 * the separators/overrides above become \u00XX / \uXXXX, and a byte of
 * invalid UTF-8 becomes \ufffd (JSON cannot carry raw bytes).
 */
#ifndef HAKO_SANITIZE_H
#define HAKO_SANITIZE_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* Appends the terminal rendering of s[0..n) to b. */
void hk_sanitize_line_buf(struct hk_buf *b, const char *s, size_t n);
/* The terminal rendering of a NUL-terminated string (NULL gives "").
 * Caller frees. */
char *hk_sanitize_line(const char *s);
char *hk_sanitize_line_n(const char *s, size_t n);

/* The terminal rendering of s[0..n) without its complete escape
 * sequences (as the console filter below parses them: CSI "ESC [ ...
 * final", strings "ESC ] ... BEL or ESC \\", ESC with intermediates and
 * a final byte): a console line's colours dropped, for a message.  An
 * incomplete sequence, or one with a control byte inside, is rendered
 * like any other control byte. */
char *hk_sanitize_line_plain_n(const char *s, size_t n);

/* Appends the JSON string contents (no quotes) of s[0..n) to b. */
void hk_sanitize_json_buf(struct hk_buf *b, const char *s, size_t n);
/* A quoted JSON string for a NUL-terminated string; NULL gives "null".
 * Caller frees. */
char *hk_sanitize_json(const char *s);

/* ---- the console filter (opt-in: hako console --filter) ----
 * A console is a byte stream from the container to the admin's own
 * terminal.  Colours and cursor movement must reach it (full-screen
 * programs), but some sequences make the terminal answer with bytes that
 * arrive as typed input (device attributes, cursor and status reports,
 * DECRQSS and XTGETTCAP, the title report, the ENQ answer-back), write
 * the clipboard (OSC 52) or change the terminal beyond the session
 * (title, palette, fonts, 8-bit controls, leaving UTF-8).  The filter
 * parses the stream as a VT500-style terminal does and removes:
 *   - every string: OSC (title, clipboard, colours, hyperlinks...), DCS
 *     (DECRQSS, XTGETTCAP, DECUDK, sixel), SOS, PM and APC;
 *   - the report requests among CSI sequences (DA, DSR/CPR, DECRQM,
 *     DECREQTPARM, DECRQPSR, DECRQTSR, DECRQUPSS, DECRQCRA, DECRQDE,
 *     DECRQLP, XTVERSION, XTQMODKEYS, XTSMGRAPHICS, XTREPORTSGR, the
 *     kitty keyboard query), window operations and title modes (CSI t),
 *     media copy (CSI i), DECSCL, and malformed CSI sequences (which a
 *     terminal ignores anyway);
 *   - ESC Z (DECID), ESC % (leaving UTF-8), ESC SP (7/8-bit controls),
 *     any other ESC sequence with an intermediate byte but the charset
 *     designations ( ) * + - . / and #, a stray ST, and ENQ;
 * and keeps everything else: text, C0 controls, SGR, cursor movement,
 * scrolling regions, modes (mouse and bracketed paste included),
 * charsets.  C1 controls (raw bytes 0x80-0x9f outside UTF-8, or U+0080
 * to U+009F encoded) are read as their ESC forms and, when kept, sent
 * in the 7-bit form.  Sequences are held until complete (at most
 * HK_TERM_FILTER_HOLD bytes; a longer one is removed), so one split
 * across reads is judged whole: it is a streaming state machine. */
#define HK_TERM_FILTER_HOLD 64

struct hk_term_filter {
	unsigned char state;
	unsigned char need;   /* UTF-8 continuation bytes still expected */
	unsigned char lo, hi; /* the range of the next one */
	bool c2;	      /* a held 0xc2: a C1 control may follow */
	bool osc;	      /* the string is an OSC: BEL ends it too */
	bool bad;	      /* the held sequence overflowed: removed at its end */
	unsigned char len;    /* bytes held in seq */
	char seq[HK_TERM_FILTER_HOLD];
	unsigned long removed; /* sequences (and ENQ bytes) removed so far */
};

void hk_term_filter_init(struct hk_term_filter *f);
/* Appends to out what of in[0..n) may reach the terminal now; a sequence
 * still incomplete is held for the next call. */
void hk_term_filter_feed(struct hk_term_filter *f, const void *in, size_t n, struct hk_buf *out);

/* Length of the valid UTF-8 sequence at s (1..4), 0 if s[0..n) does not
 * start with one; *cp gets its code point. */
size_t hk_utf8_decode(const unsigned char *s, size_t n, unsigned *cp);
/* Number of code points in valid UTF-8 (display columns, roughly). */
size_t hk_utf8_width(const char *s);

#endif
