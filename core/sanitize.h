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

#include <stddef.h>

#include "util.h"

/* Appends the terminal rendering of s[0..n) to b. */
void hk_sanitize_line_buf(struct hk_buf *b, const char *s, size_t n);
/* The terminal rendering of a NUL-terminated string (NULL gives "").
 * Caller frees. */
char *hk_sanitize_line(const char *s);
char *hk_sanitize_line_n(const char *s, size_t n);

/* The terminal rendering of s[0..n) without its complete ANSI escape
 * sequences (CSI "ESC [ ... final", OSC "ESC ] ... BEL or ESC \\", and
 * two-byte ESC X): a console line's colours dropped, for a message.  An
 * incomplete sequence is rendered like any other control byte. */
char *hk_sanitize_line_plain_n(const char *s, size_t n);

/* Appends the JSON string contents (no quotes) of s[0..n) to b. */
void hk_sanitize_json_buf(struct hk_buf *b, const char *s, size_t n);
/* A quoted JSON string for a NUL-terminated string; NULL gives "null".
 * Caller frees. */
char *hk_sanitize_json(const char *s);

/* Length of the valid UTF-8 sequence at s (1..4), 0 if s[0..n) does not
 * start with one; *cp gets its code point. */
size_t hk_utf8_decode(const unsigned char *s, size_t n, unsigned *cp);
/* Number of code points in valid UTF-8 (display columns, roughly). */
size_t hk_utf8_width(const char *s);

#endif
