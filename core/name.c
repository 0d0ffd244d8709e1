/* name.c - container name validation.  A name is a directory name, a cgroup
 * name and the default hostname, so it is kept to a small portable set:
 * 1..HK_NAME_MAX bytes of [A-Za-z0-9_.-], not starting with '.' or '-'.
 * Messages show the name escaped (control bytes as \xNN), never raw. */
#include <errno.h>
#include <string.h>

#include "store-internal.h"

#define NAME_RULE "names may use letters, digits, '_', '.' and '-'"

static bool name_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

char *hk_str_escape(const char *s, size_t max)
{
	struct hk_buf b = { 0 };
	size_t i;
	for (i = 0; i < max && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			hk_buf_printf(&b, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			hk_buf_append(&b, &s[i], 1);
		else
			hk_buf_printf(&b, "\\x%02x", c);
	}
	if (s[i])
		hk_buf_puts(&b, "...");
	return hk_buf_steal(&b);
}

int hk_name_validate(const char *name, struct hk_error **err)
{
	if (!name || !*name)
		return hk_error_set(err, EINVAL,
				    "container name is empty; " NAME_RULE " (1 to %d of them)",
				    HK_NAME_MAX);
	hk_autofree char *shown = hk_str_escape(name, HK_NAME_MAX + 8);
	size_t len = strlen(name);
	if (len > HK_NAME_MAX)
		return hk_error_set(
			err, EINVAL,
			"container name \"%s\" is too long (%zu bytes); the limit is %d", shown,
			len, HK_NAME_MAX);
	for (size_t i = 0; i < len; i++) {
		if (name_char_ok((unsigned char)name[i]))
			continue;
		char c[2] = { name[i], 0 };
		hk_autofree char *bad = hk_str_escape(c, 1);
		return hk_error_set(err, EINVAL, "container name \"%s\" contains '%s'; " NAME_RULE,
				    shown, bad);
	}
	if (name[0] == '.' || name[0] == '-')
		return hk_error_set(
			err, EINVAL,
			"container name \"%s\" starts with '%c'; a name must start with "
			"a letter, a digit or '_'",
			shown, name[0]);
	return 0;
}
