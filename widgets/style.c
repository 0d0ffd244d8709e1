/* style.c - parsing theme values into colours and attributes. */
#include <ctype.h>
#include <ncurses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "style.h"

static const char *const colour_names[] = { "black", "red",	"green", "yellow",
					    "blue",  "magenta", "cyan",	 "white" };

static const struct {
	const char *name;
	int attr;
} attr_names[] = {
	{ "bold", A_BOLD },	  { "dim", A_DIM },	      { "underline", A_UNDERLINE },
	{ "reverse", A_REVERSE }, { "standout", A_STANDOUT }, { "italic", A_ITALIC },
	{ "normal", A_NORMAL },
};

static bool parse_colour(const char *s, short *out)
{
	if (strcasecmp(s, "default") == 0 || strcmp(s, "-1") == 0) {
		*out = -1;
		return true;
	}
	if (isdigit((unsigned char)s[0])) {
		char *end;
		long v = strtol(s, &end, 10);
		if (*end || v > 255)
			return false;
		*out = (short)v;
		return true;
	}
	bool bright = strncasecmp(s, "bright-", 7) == 0 || strncasecmp(s, "bright", 6) == 0;
	const char *base = bright ? s + (s[6] == '-' ? 7 : 6) : s;
	for (short i = 0; i < 8; i++)
		if (strcasecmp(base, colour_names[i]) == 0) {
			*out = (short)(i + (bright ? 8 : 0));
			return true;
		}
	return false;
}

static bool parse_attr(const char *s, int *attrs)
{
	for (size_t i = 0; i < sizeof(attr_names) / sizeof(attr_names[0]); i++)
		if (strcasecmp(s, attr_names[i].name) == 0) {
			*attrs |= attr_names[i].attr;
			return true;
		}
	return false;
}

/* The next comma-separated word of *p, trimmed, into w. */
static bool next_word(const char **p, char *w, size_t n)
{
	const char *s = *p;
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return false;
	size_t len = strcspn(s, ",");
	*p = s + len + (s[len] == ',');
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len >= n)
		len = n - 1;
	memcpy(w, s, len);
	w[len] = '\0';
	return true;
}

bool hkw_style_parse(const char *value, struct hkw_style *out, char *why, size_t n)
{
	char w[64];
	const char *p = value;
	int i = 0;
	*out = (struct hkw_style){ .fg = -1, .bg = -1 };
	for (; next_word(&p, w, sizeof(w)); i++) {
		bool ok = i == 0   ? parse_colour(w, &out->fg)
			  : i == 1 ? parse_colour(w, &out->bg)
				   : parse_attr(w, &out->attrs);
		if (!ok) {
			snprintf(why, n, "unknown %s \"%s\"", i < 2 ? "colour" : "attribute", w);
			return false;
		}
	}
	if (i == 0) {
		snprintf(why, n, "empty value (want FOREGROUND, BACKGROUND[, ATTRIBUTES])");
		return false;
	}
	return true;
}
