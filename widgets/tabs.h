/* tabs.h - a row of tab titles; Tab and Shift-Tab switch. */
#ifndef HKW_TABS_H
#define HKW_TABS_H

#include <stddef.h>

#include "widget.h"

struct hkw_tabs;

/* titles must outlive the widget. */
struct hkw_tabs *hkw_tabs_new(const char *const *titles, size_t n);
struct hkw_widget *hkw_tabs_widget(struct hkw_tabs *t);
size_t hkw_tabs_active(const struct hkw_tabs *t);
void hkw_tabs_set_active(struct hkw_tabs *t, size_t i);

#endif
