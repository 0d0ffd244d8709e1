/* keyname.h - key names as key tables and hako.conf [keys] write them:
 * "q", "?", "C-a" (Ctrl), "F5", "Enter", "Esc", "Tab", "S-Tab", "Space",
 * "Backspace", "Delete", "Insert", "Up", "Down", "Left", "Right", "Home",
 * "End", "PgUp", "PgDn".  Named keys are case-insensitive; a single
 * character is itself. */
#ifndef HKW_KEYNAME_H
#define HKW_KEYNAME_H

#include <stddef.h>

/* The key code (an ncurses KEY_* or a byte), -1 when unknown. */
int hkw_key_parse(const char *name);
/* The canonical name of key into buf (e.g. "C-a", "F5", "q"). */
const char *hkw_key_name(int key, char *buf, size_t n);

#endif
