/* keyname.c - key names to ncurses key codes and back, by one table. */
#include <ctype.h>
#include <ncurses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "keyname.h"

static const struct {
	const char *name;
	int key;
} named[] = {
	{ "Enter", '\n' },	   { "Esc", 27 },	 { "Tab", '\t' },
	{ "S-Tab", KEY_BTAB },	   { "Space", ' ' },	 { "Backspace", KEY_BACKSPACE },
	{ "Delete", KEY_DC },	   { "Insert", KEY_IC }, { "Up", KEY_UP },
	{ "Down", KEY_DOWN },	   { "Left", KEY_LEFT }, { "Right", KEY_RIGHT },
	{ "Home", KEY_HOME },	   { "End", KEY_END },	 { "PgUp", KEY_PPAGE },
	{ "PgDn", KEY_NPAGE },	   { "Return", '\n' },	 { "Escape", 27 },
	{ "Del", KEY_DC },	   { "BTab", KEY_BTAB }, { "PageUp", KEY_PPAGE },
	{ "PageDown", KEY_NPAGE },
};

int hkw_key_parse(const char *name)
{
	if (!name || !*name)
		return -1;
	if (name[1] == '\0')
		return (unsigned char)name[0] >= 0x21 && (unsigned char)name[0] < 0x7f
			       ? (unsigned char)name[0]
			       : -1;
	if ((name[0] == 'C' || name[0] == 'c' || name[0] == '^') && name[1] == '-' &&
	    isalpha((unsigned char)name[2]) && name[3] == '\0')
		return tolower((unsigned char)name[2]) & 0x1f;
	if ((name[0] == 'F' || name[0] == 'f') && isdigit((unsigned char)name[1])) {
		char *end;
		long n = strtol(name + 1, &end, 10);
		return *end == '\0' && n >= 1 && n <= 12 && name[1] != '0' ? KEY_F(n) : -1;
	}
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (strcasecmp(named[i].name, name) == 0)
			return named[i].key;
	return -1;
}

const char *hkw_key_name(int key, char *buf, size_t n)
{
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (named[i].key == key) {
			snprintf(buf, n, "%s", named[i].name);
			return buf;
		}
	if (key >= KEY_F(1) && key <= KEY_F(12))
		snprintf(buf, n, "F%d", key - KEY_F0);
	else if (key >= 1 && key <= 26)
		snprintf(buf, n, "C-%c", 'a' + key - 1);
	else if (key > 0x20 && key < 0x7f)
		snprintf(buf, n, "%c", key);
	else
		snprintf(buf, n, "<%d>", key);
	return buf;
}
