/* snapshot.h - `hako snapshot`: point-in-time copies of one container,
 * kept like lxc-snapshot keeps them, in PATH/NAME/snaps/snapN/ (config,
 * rootfs or delta0, `ts` with the date, `comment`).  PATH/NAME/snaps is a
 * container path of its own, so a snapshot is made and restored by the
 * clone engine: the backend's cheap snapshot where it has one (a btrfs
 * subvolume snapshot; an overlay clone's upper dir is copied and its
 * lower shared), a full copy otherwise.  The container must be stopped.
 */
#ifndef HAKO_SNAPSHOT_H
#define HAKO_SNAPSHOT_H

#include <stddef.h>

#include "error.h"
#include "store.h"

struct hk_snapshot_info {
	char *name;    /* snapN */
	char *date;    /* "2026-11-23 09:30:00" (UTC), "" when unknown */
	char *comment; /* "" when none */
	char *backend; /* "dir", "btrfs", "overlay" ... */
};

struct hk_snapshot_list {
	struct hk_snapshot_info *v;
	size_t n;
};
void hk_snapshot_list_free(struct hk_snapshot_list *l);

/* Makes the next snapN of container name; *snap (may be NULL) gets it. */
int hk_snapshot_create(struct hk_store *st, const char *name, const char *comment, char **snap,
		       struct hk_error **err);
/* Snapshots of name, oldest first (snap0, snap1, ... by number). */
int hk_snapshot_list(struct hk_store *st, const char *name, struct hk_snapshot_list *out,
		     struct hk_error **err);
/* Restores snap: as a new container newname, or (newname NULL or equal to
 * name) into the stopped container itself, replacing its rootfs and
 * config. */
int hk_snapshot_restore(struct hk_store *st, const char *name, const char *snap,
			const char *newname, struct hk_error **err);
int hk_snapshot_destroy(struct hk_store *st, const char *name, const char *snap,
			struct hk_error **err);

/* true for "snap" followed by a decimal number. */
bool hk_snapshot_name_ok(const char *snap, unsigned long *n);

#endif
