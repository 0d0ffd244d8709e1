/* mount-entry.h - lxc.mount.entry / fstab lines.
 *
 * `SOURCE TARGET FSTYPE OPTIONS [DUMP [PASS]]`, fields separated by blanks,
 * octal escapes (\040 for a space) as in fstab.  OPTIONS mixes mount flags
 * (ro, nosuid, bind, rbind ...), filesystem data (size=64m, mode=0755) and
 * LXC's own words: create=dir, create=file, optional.  TARGET is always
 * taken inside the rootfs (a leading '/' is dropped). */
#ifndef HAKO_MOUNT_ENTRY_H
#define HAKO_MOUNT_ENTRY_H

#include <stdbool.h>

#include "error.h"

enum hk_mount_create { HK_CREATE_NONE, HK_CREATE_DIR, HK_CREATE_FILE };

struct hk_mount_entry {
	char *source;
	char *target; /* relative to the rootfs, no leading '/' */
	char *fstype;
	char *data;	/* options that are not flags, comma-separated, or NULL */
	unsigned attrs; /* HK_MNT_* from mountfd.h */
	bool bind;	/* bind or rbind */
	bool optional;	/* a failure is only logged */
	enum hk_mount_create create;
};

int hk_mount_entry_parse(const char *line, struct hk_mount_entry *out, struct hk_error **err);
void hk_mount_entry_free(struct hk_mount_entry *e);

#endif
