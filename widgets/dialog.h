/* dialog.h - modal dialogs drawn centred over the screen: a yes/no
 * confirmation, a message (an error keeps its whole text, wrapped and
 * scrollable), and a form of labelled text fields.  A dialog returns
 * HKW_CLOSE from its key handler when done; hkw_dialog_result says how. */
#ifndef HKW_DIALOG_H
#define HKW_DIALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "widget.h"

enum hkw_dialog_result { HKW_DIALOG_OPEN, HKW_DIALOG_YES, HKW_DIALOG_NO };

struct hkw_dialog;

struct hkw_dialog *hkw_dialog_confirm(const char *title, const char *text);
/* role: HKW_ERROR for errors (title and frame), HKW_DIALOG otherwise. */
struct hkw_dialog *hkw_dialog_message(const char *title, const char *text, int role);
/* A form: labels[i] with defaults[i] (may be NULL). */
struct hkw_dialog *hkw_dialog_form(const char *title, const char *const *labels,
				   const char *const *defaults, size_t n);
/* Gives form field `field` a pick list: Left and Right put the next or
 * previous choice in it (it stays editable, for "tar:" + a path). */
void hkw_dialog_set_choices(struct hkw_dialog *d, size_t field, const char *const *choices,
			    size_t n);
struct hkw_widget *hkw_dialog_widget(struct hkw_dialog *d);
enum hkw_dialog_result hkw_dialog_result(const struct hkw_dialog *d);
const char *hkw_dialog_value(const struct hkw_dialog *d, size_t field);

/* Splits text into lines of at most w columns at blanks (a longer word is
 * cut); '\n' starts a new line.  Returns the number of lines; lines[] gets
 * newly allocated strings when not NULL (max entries). */
size_t hkw_wrap(const char *text, int w, char **lines, size_t max);

#endif
