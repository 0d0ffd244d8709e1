/* copy.h - the full-copy engine behind `hako clone` (dir backend), snapshots
 * without a cheap backend, and restores.
 *
 * hk_copy_tree() copies a directory tree the way `cp -a --reflink=auto
 * --sparse=always -x` would, without a shell: owners, modes (set after the
 * owner, so setuid bits survive), timestamps, extended attributes
 * (security.capability and POSIX ACLs included, copied after chown because
 * chown clears file capabilities), hard links (kept as links), sparse files
 * (only the data extents found with SEEK_DATA/SEEK_HOLE are copied), device
 * nodes, fifos and sockets, symlinks (copied as links, never followed).
 * File data moves by FICLONE reflink where the filesystem shares extents,
 * else copy_file_range, else read/write, on a second thread when there is
 * a second CPU (copy.c: the walk makes every name, the thread fills the
 * files it is handed).  Everything is opened relative to
 * directory descriptors with O_NOFOLLOW; a directory on another filesystem
 * (a mount point) is recreated empty and not entered.
 */
#ifndef HAKO_COPY_H
#define HAKO_COPY_H

#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "idmap.h"
#include "progress.h"

struct hk_copy_stats {
	uint64_t files;	   /* entries made, directories included */
	uint64_t bytes;	   /* file data copied (not holes) */
	uint64_t links;	   /* hard links kept */
	uint64_t reflinks; /* files cloned with FICLONE */
};

enum hk_copy_flags {
	HK_COPY_NO_REFLINK = 1 << 0, /* force a real copy (tests, benchmarks) */
	HK_COPY_ONE_THREAD = 1 << 1, /* no second thread for file data (benchmarks) */
};

/* Copies the tree at src to dst.  dst may be missing (it is made) or an
 * existing empty directory (a fresh btrfs subvolume); either way it gets
 * src's owner, mode, xattrs and times.  stats may be NULL. */
int hk_copy_tree(const char *src, const char *dst, unsigned flags, struct hk_copy_stats *stats,
		 struct hk_error **err);
/* hk_copy_tree, telling progress (when its fn is set) how many bytes of
 * file data are handled of how many: first (0, total) after a walk that
 * counts them, then at most ten times a second, and (total, total) when
 * it is done (not after a failure).  Holes and reflinked files count as
 * handled. */
int hk_copy_tree_progress(const char *src, const char *dst, unsigned flags,
			  const struct hk_progress *progress, struct hk_copy_stats *stats,
			  struct hk_error **err);

/* hk_copy_tree, where a source owned by uid from_uid (gid from_gid) gets
 * owner 0 (group 0) in the copy: an ordinary user's own tree becomes the
 * container root's (-t dir:).  (uid_t)-1 / (gid_t)-1: no change. */
int hk_copy_tree_owned_by_root(const char *src, const char *dst, unsigned flags, uid_t from_uid,
			       gid_t from_gid, struct hk_copy_stats *stats, struct hk_error **err);

/* hk_copy_tree, where owner N (uid and gid alike) becomes the host id of N
 * in map: a tree copied by root into an id-mapped container (-t dir:),
 * owned inside as in the source.  An owner outside the map fails the copy,
 * naming the file. */
int hk_copy_tree_shifted(const char *src, const char *dst, unsigned flags,
			 const struct hk_idmap *map, struct hk_copy_stats *stats,
			 struct hk_error **err);

#endif
