/* mountinfo.h - /proc/PID/mountinfo parsed into an array of entries.
 *
 * A line is (proc(5)):
 *   ID PARENT MAJOR:MINOR ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
 * Fields are separated by one space; the kernel escapes space, tab,
 * newline and backslash inside a field as \ooo octal.  The parser is strict:
 * a line that does not have this shape is an error naming its line number,
 * never a half-filled entry.
 */
#ifndef HAKO_MOUNTINFO_H
#define HAKO_MOUNTINFO_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct hk_mountinfo_entry {
	unsigned long id;
	unsigned long parent;
	unsigned major;
	unsigned minor;
	char *root;	  /* the part of the filesystem mounted, unescaped */
	char *mountpoint; /* unescaped */
	char *options;	  /* per-mount options, "rw,nosuid,relatime" */
	char *optional;	  /* optional fields joined by ' ' ("shared:1 master:2"), may be "" */
	char *fstype;	  /* "ext4", "cgroup2", "fuse.sshfs" */
	char *source;	  /* unescaped; "none" when the kernel had nothing */
	char *super_options;
};

struct hk_mountinfo {
	struct hk_mountinfo_entry *e;
	size_t n;
};

/* Parses mountinfo text (NUL-terminated; a missing final newline is
 * accepted).  On failure out is left empty. */
int hk_mountinfo_parse(const char *text, struct hk_mountinfo *out, struct hk_error **err);
/* Reads and parses a file, e.g. "/proc/self/mountinfo". */
int hk_mountinfo_load(const char *path, struct hk_mountinfo *out, struct hk_error **err);
void hk_mountinfo_free(struct hk_mountinfo *mi);

/* The entry mounted last on exactly `mountpoint` (the visible one), or NULL. */
const struct hk_mountinfo_entry *hk_mountinfo_find(const struct hk_mountinfo *mi,
						   const char *mountpoint);

/* true when the comma-separated option list holds `opt` as a whole word
 * ("rw,cpuset" has "cpuset" but not "cpu"); with a trailing '=' in opt
 * ("name="), true when an option starts with it. */
bool hk_mount_opt_has(const char *opts, const char *opt);
/* The value of "key=value" in an option list (key given without '='),
 * newly allocated, or NULL when absent. */
char *hk_mount_opt_value(const char *opts, const char *key);

#endif
