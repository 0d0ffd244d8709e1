/* textview.h - a scrollable view of lines of text (logs, config files,
 * the Info tab).  Follow mode keeps the end in view as text is replaced
 * or appended; moving up leaves it, G or End enter it again, f toggles
 * it.  Callers pass text that is already safe to show (sanitised). */
#ifndef HKW_TEXTVIEW_H
#define HKW_TEXTVIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "widget.h"

struct hkw_textview;

struct hkw_textview *hkw_textview_new(void);
struct hkw_widget *hkw_textview_widget(struct hkw_textview *tv);
/* Replaces the text (split at '\n'); the scroll position stays unless
 * following. */
void hkw_textview_set(struct hkw_textview *tv, const char *text);
/* One line with a role. */
void hkw_textview_add(struct hkw_textview *tv, int role, const char *line);
void hkw_textview_clear(struct hkw_textview *tv);
void hkw_textview_follow(struct hkw_textview *tv, bool follow);
bool hkw_textview_following(const struct hkw_textview *tv);
size_t hkw_textview_lines(const struct hkw_textview *tv);
size_t hkw_textview_top(const struct hkw_textview *tv);
/* Scrolls to a line (clamped to the text). */
void hkw_textview_set_top(struct hkw_textview *tv, size_t top);

#endif
