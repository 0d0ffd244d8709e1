/* rename.h - `hako rename OLD NEW` (lxc-copy -R): a stopped container
 * takes another name in the same container path, its directory renamed in
 * place (no copy), and what names its old directory follows it. */
#ifndef HAKO_RENAME_H
#define HAKO_RENAME_H

#include "error.h"
#include "store.h"

/* Renames st's stopped container old to new_name: PATH/OLD becomes
 * PATH/NEW, and in its config, its snapshots' configs and the configs of
 * the snapshot clones whose overlay lower is inside it, every path under
 * PATH/OLD becomes the same path under PATH/NEW; lxc.uts.name (and the
 * rootfs's /etc/hostname) become NEW when they were OLD, as lxc-copy -R
 * does.  Refused, changing nothing, when OLD runs (hako's or another
 * program's), is busy, when NEW exists, or when a snapshot clone of it
 * runs.  A failure at step 121 or later (the directory, the configs, the
 * commit: HAKO_TEST_FAIL_STEP) undoes what was done. */
int hk_rename(struct hk_store *st, const char *old, const char *new_name, struct hk_error **err);

/* text with every path `from` (a directory: the path itself, or followed
 * by '/') that starts a value or follows ':' or ',' or a blank in it
 * replaced by `to`, on key lines only; comments and everything else kept
 * byte for byte.  Caller frees. */
char *hk_rename_config_paths(const char *text, const char *from, const char *to);

#endif
