/* mount-entry.c - parsing lxc.mount.entry lines into struct hk_mount_entry. */
#include "mount-entry.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mountfd.h"
#include "util.h"

/* Undoes fstab's \ooo octal escapes. */
static char *unescape(const char *s, size_t n)
{
	char *out = xmalloc(n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			*o++ = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 +
				      (s[i + 3] - '0'));
			i += 3;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

/* Splits the line into at most 6 blank-separated fields. */
static size_t split_fields(const char *line, char *fields[6])
{
	size_t n = 0;
	const char *p = line;
	while (*p && n < 6) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		const char *start = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		fields[n++] = unescape(start, (size_t)(p - start));
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p) { /* a seventh field */
		for (size_t i = 0; i < n; i++)
			free(fields[i]);
		return 7;
	}
	return n;
}

struct flag_word {
	const char *word;
	unsigned set;
	unsigned clear;
};

static const struct flag_word flag_words[] = {
	{ "ro", HK_MNT_RDONLY, 0 },
	{ "rw", 0, HK_MNT_RDONLY },
	{ "nosuid", HK_MNT_NOSUID, 0 },
	{ "suid", 0, HK_MNT_NOSUID },
	{ "nodev", HK_MNT_NODEV, 0 },
	{ "dev", 0, HK_MNT_NODEV },
	{ "noexec", HK_MNT_NOEXEC, 0 },
	{ "exec", 0, HK_MNT_NOEXEC },
	{ "defaults", 0, 0 },
	{ "relatime", 0, 0 },
	{ "noatime", 0, 0 },
	{ "nodiratime", 0, 0 },
	{ "strictatime", 0, 0 },
	{ "auto", 0, 0 },
	{ "noauto", 0, 0 },
	{ "user", 0, 0 },
	{ "nouser", 0, 0 },
	{ "async", 0, 0 },
	{ "private", 0, 0 },
	{ "rprivate", 0, 0 },
	{ "slave", 0, 0 },
	{ "rslave", 0, 0 },
	{ "shared", 0, 0 },
	{ "rshared", 0, 0 },
};

static bool apply_flag_word(struct hk_mount_entry *e, const char *w)
{
	if (strcmp(w, "bind") == 0 || strcmp(w, "rbind") == 0) {
		e->bind = true;
		if (w[0] == 'r')
			e->attrs |= HK_MNT_RECURSIVE;
		return true;
	}
	for (size_t i = 0; i < HK_ARRAY_SIZE(flag_words); i++) {
		if (strcmp(w, flag_words[i].word) == 0) {
			e->attrs = (e->attrs | flag_words[i].set) & ~flag_words[i].clear;
			return true;
		}
	}
	return false;
}

static int parse_options(struct hk_mount_entry *e, const char *opts, const char *line,
			 struct hk_error **err)
{
	hk_autofree char *copy = xstrdup(opts);
	struct hk_buf data = { 0 };
	for (char *save, *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (apply_flag_word(e, w))
			continue;
		if (strcmp(w, "optional") == 0) {
			e->optional = true;
		} else if (strcmp(w, "create=dir") == 0) {
			e->create = HK_CREATE_DIR;
		} else if (strcmp(w, "create=file") == 0) {
			e->create = HK_CREATE_FILE;
		} else if (hk_str_has_prefix(w, "create=")) {
			hk_buf_free(&data);
			return hk_error_set(
				err, EINVAL,
				"mount entry \"%s\": \"%s\" must be create=dir or create=file",
				line, w);
		} else {
			hk_buf_printf(&data, "%s%s", data.len ? "," : "", w);
		}
	}
	e->data = data.len ? hk_buf_steal(&data) : NULL;
	hk_buf_free(&data);
	return 0;
}

int hk_mount_entry_parse(const char *line, struct hk_mount_entry *out, struct hk_error **err)
{
	memset(out, 0, sizeof(*out));
	char *f[6] = { 0 };
	size_t n = split_fields(line, f);
	if (n < 4 || n > 6) {
		for (size_t i = 0; i < n && n <= 6; i++)
			free(f[i]);
		return hk_error_set(
			err, EINVAL,
			"mount entry \"%s\" needs 4 to 6 fields: SOURCE TARGET FSTYPE OPTIONS [DUMP [PASS]]",
			line);
	}
	out->source = f[0];
	out->fstype = f[2];
	/* The target always lives inside the rootfs. */
	const char *t = f[1];
	while (*t == '/')
		t++;
	out->target = xstrdup(*t ? t : ".");
	free(f[1]);
	bool numbers_ok = true;
	for (size_t i = 4; i < n; i++) {
		unsigned long v;
		numbers_ok = numbers_ok && hk_parse_ulong(f[i], &v);
		free(f[i]);
	}
	if (!numbers_ok) {
		free(f[3]);
		hk_mount_entry_free(out);
		return hk_error_set(err, EINVAL,
				    "mount entry \"%s\": dump and pass must be numbers", line);
	}
	int r = parse_options(out, f[3], line, err);
	free(f[3]);
	if (r < 0)
		hk_mount_entry_free(out);
	return r;
}

void hk_mount_entry_free(struct hk_mount_entry *e)
{
	free(e->source);
	free(e->target);
	free(e->fstype);
	free(e->data);
	memset(e, 0, sizeof(*e));
}
