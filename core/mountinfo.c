/* mountinfo.c - parsing /proc/PID/mountinfo into struct hk_mountinfo.
 *
 * Each line is split on single spaces (the kernel writes exactly one and
 * escapes any space inside a field), the optional fields run up to the
 * lone "-", and exactly three fields follow it.  root, mountpoint, fstype
 * and source are unescaped; the two option lists stay escaped, because an
 * escaped comma (\054) inside an option value must not split the list.
 */
#include "mountinfo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* A field from the kernel never holds a raw control byte, and every
 * backslash starts a \ooo escape of a byte in 1..255. */
static bool escapes_valid(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
		if (*s != '\\')
			continue;
		if (s[1] < '0' || s[1] > '3' || s[2] < '0' || s[2] > '7' || s[3] < '0' ||
		    s[3] > '7')
			return false;
		if (s[1] == '0' && s[2] == '0' && s[3] == '0')
			return false;
		s += 3;
	}
	return true;
}

/* Undoes \ooo escapes of a field that escapes_valid() accepted. */
static char *unescape(const char *s)
{
	char *out = xmalloc(strlen(s) + 1), *o = out;
	while (*s) {
		if (*s == '\\') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return out;
}

static bool parse_uint(const char *s, unsigned *out)
{
	unsigned long v;
	if (!hk_parse_ulong(s, &v) || v > 0xffffffffUL)
		return false;
	*out = (unsigned)v;
	return true;
}

/* "MAJOR:MINOR" */
static bool parse_devno(const char *s, unsigned *major, unsigned *minor)
{
	const char *colon = strchr(s, ':');
	if (!colon)
		return false;
	hk_autofree char *maj = xstrndup(s, (size_t)(colon - s));
	return parse_uint(maj, major) && parse_uint(colon + 1, minor);
}

static void entry_free(struct hk_mountinfo_entry *e)
{
	free(e->root);
	free(e->mountpoint);
	free(e->options);
	free(e->optional);
	free(e->fstype);
	free(e->source);
	free(e->super_options);
	memset(e, 0, sizeof(*e));
}

/* Splits line in place on single spaces into *tok (grown as needed). */
static size_t split_spaces(char *line, char ***tok, size_t *cap)
{
	size_t n = 0;
	char *p = line;
	for (;;) {
		if (n == *cap) {
			*cap = *cap ? *cap * 2 : 16;
			*tok = xrealloc(*tok, *cap * sizeof(**tok));
		}
		(*tok)[n++] = p;
		char *sp = strchr(p, ' ');
		if (!sp)
			return n;
		*sp = '\0';
		p = sp + 1;
	}
}

/* Index of the "-" separator, or 0 when it is missing or misplaced. */
static size_t find_separator(char **tok, size_t n)
{
	for (size_t i = 6; i < n; i++)
		if (strcmp(tok[i], "-") == 0)
			return i;
	return 0;
}

/* Checks every field's shape; returns the complaint or NULL. */
static const char *check_fields(char **tok, size_t n, size_t sep)
{
	if (n < 10)
		return "fewer than 10 fields";
	if (!sep)
		return "no \"-\" separator after the sixth field";
	if (n - sep != 4)
		return "not exactly 3 fields after the \"-\" separator";
	for (size_t i = 0; i < n; i++) {
		if (!tok[i][0] && i != sep + 2) /* only the source may be empty */
			return "an empty field";
		if (!escapes_valid(tok[i]))
			return "a control byte or a bad \\ooo escape";
	}
	if (tok[4][0] != '/')
		return "a mount point that is not absolute";
	return NULL;
}

static int parse_line(char *line, size_t lineno, struct hk_mountinfo_entry *e,
		      struct hk_error **err)
{
	hk_autofree char **tok = NULL;
	size_t cap = 0;
	size_t n = split_spaces(line, &tok, &cap);
	size_t sep = find_separator(tok, n);
	const char *why = check_fields(tok, n, sep);
	if (!why && (!hk_parse_ulong(tok[0], &e->id) || !hk_parse_ulong(tok[1], &e->parent)))
		why = "a mount id that is not a number";
	if (!why && !parse_devno(tok[2], &e->major, &e->minor))
		why = "a device that is not MAJOR:MINOR";
	if (why)
		return hk_error_set(err, EINVAL, "mountinfo line %zu: %s", lineno, why);
	struct hk_buf opt = { 0 };
	for (size_t i = 6; i < sep; i++) {
		if (i > 6)
			hk_buf_puts(&opt, " ");
		hk_buf_puts(&opt, tok[i]);
	}
	e->optional = opt.data ? hk_buf_steal(&opt) : xstrdup("");
	e->root = unescape(tok[3]);
	e->mountpoint = unescape(tok[4]);
	e->options = xstrdup(tok[5]);
	e->fstype = unescape(tok[sep + 1]);
	e->source = unescape(tok[sep + 2]);
	e->super_options = xstrdup(tok[sep + 3]);
	return 0;
}

int hk_mountinfo_parse(const char *text, struct hk_mountinfo *out, struct hk_error **err)
{
	struct hk_mountinfo mi = { 0 };
	size_t cap = 0, lineno = 0;
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		hk_autofree char *line = xstrndup(p, len);
		lineno++;
		if (mi.n == cap) {
			cap = cap ? cap * 2 : 32;
			mi.e = xrealloc(mi.e, cap * sizeof(*mi.e));
		}
		memset(&mi.e[mi.n], 0, sizeof(mi.e[mi.n]));
		if (parse_line(line, lineno, &mi.e[mi.n], err) < 0) {
			entry_free(&mi.e[mi.n]);
			hk_mountinfo_free(&mi);
			return -1;
		}
		mi.n++;
		p = nl ? nl + 1 : p + len;
	}
	*out = mi;
	return 0;
}

int hk_mountinfo_load(const char *path, struct hk_mountinfo *out, struct hk_error **err)
{
	hk_autofree char *text = NULL;
	if (hk_read_file(path, &text, NULL, err) < 0)
		return -1;
	if (hk_mountinfo_parse(text, out, err) < 0)
		return hk_error_prefix(err, "\"%s\"", path);
	return 0;
}

void hk_mountinfo_free(struct hk_mountinfo *mi)
{
	for (size_t i = 0; i < mi->n; i++)
		entry_free(&mi->e[i]);
	free(mi->e);
	mi->e = NULL;
	mi->n = 0;
}

const struct hk_mountinfo_entry *hk_mountinfo_find(const struct hk_mountinfo *mi,
						   const char *mountpoint)
{
	for (size_t i = mi->n; i-- > 0;)
		if (strcmp(mi->e[i].mountpoint, mountpoint) == 0)
			return &mi->e[i];
	return NULL;
}

/* Where opt starts in the comma-separated list, as a whole word (or as
 * the start of one when prefix), or NULL. */
static const char *opt_find(const char *opts, const char *opt, bool prefix)
{
	size_t olen = strlen(opt);
	const char *p = opts;
	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (prefix ? (len >= olen && strncmp(p, opt, olen) == 0)
			   : (len == olen && strncmp(p, opt, olen) == 0))
			return p;
		p = comma ? comma + 1 : NULL;
	}
	return NULL;
}

bool hk_mount_opt_has(const char *opts, const char *opt)
{
	size_t olen = strlen(opt);
	bool prefix = olen > 0 && opt[olen - 1] == '=';
	return opt_find(opts, opt, prefix) != NULL;
}

char *hk_mount_opt_value(const char *opts, const char *key)
{
	hk_autofree char *k = xasprintf("%s=", key);
	const char *p = opt_find(opts, k, true);
	if (!p)
		return NULL;
	p += strlen(k);
	const char *comma = strchr(p, ',');
	return comma ? xstrndup(p, (size_t)(comma - p)) : xstrdup(p);
}
