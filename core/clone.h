/* clone.h - `hako clone` / `hako copy`: a new container from an existing
 * one, as a full copy (dir, or a btrfs subvolume filled by copying) or as
 * a snapshot clone sharing the source's data (overlay, btrfs, zfs, aufs),
 * and ephemeral clones (an overlay clone marked lxc.ephemeral = 1, which
 * the monitor destroys when it stops).
 *
 * Both containers are locked for the whole clone.  A running source (its
 * lock held by its monitor) is refused unless force is set.  Every step on
 * disk pushes its undo on a cleanup stack: a failed or interrupted clone
 * leaves no half-made container.  The new config is the source's text with
 * lxc.rootfs.path, lxc.uts.name and every hwaddr (a fresh one with the same
 * OUI) replaced; everything else, comments included, is kept byte for byte.
 */
#ifndef HAKO_CLONE_H
#define HAKO_CLONE_H

#include <stdbool.h>

#include "config.h"
#include "error.h"
#include "progress.h"
#include "store.h"

struct hk_clone_opts {
	const char *src;
	const char *dst;	     /* NULL only when ephemeral: SRC-XXXXXX */
	bool snapshot;		     /* -s */
	enum hk_backend backend;     /* -B, UNSET = dir for copies, a fitting one for -s */
	bool force;		     /* -f: clone a running source anyway */
	bool ephemeral;		     /* -e: overlay snapshot + lxc.ephemeral = 1 */
	unsigned copy_flags;	     /* hk_copy_tree flags */
	struct hk_progress progress; /* a full copy reports here (fn may be NULL) */
};

enum hk_clone_mode {
	HK_CLONE_COPY,	   /* a full copy with `backend` */
	HK_CLONE_SNAPSHOT, /* the backend's snapshot (refused without one) */
	HK_CLONE_CHEAPEST, /* the source's own cheap snapshot, else a dir copy */
};

/* Clones o->src into o->dst in st.  *new_name (may be NULL) gets the new
 * container's name (useful when ephemeral made one up). */
int hk_clone(struct hk_store *st, const struct hk_clone_opts *o, char **new_name,
	     struct hk_error **err);

/* ---- pieces shared with snapshot.c ---- */

struct hk_clone_src {
	const struct hk_rootfs_spec *spec;
	const struct hk_idmap *map;
	const char *dir; /* the source's container directory */
};

/* hk_clone from one store to another (snapshots live in PATH/NAME/snaps,
 * a store of their own).  mode CHEAPEST ignores o->snapshot; keep_name
 * keeps lxc.uts.name and the MACs (a snapshot is the same container). */
int hk_clone_between(struct hk_store *src_st, struct hk_store *dst_st,
		     const struct hk_clone_opts *o, enum hk_clone_mode mode, bool keep_name,
		     char **new_name, struct hk_error **err);

/* The backend a clone of src would use (for messages and tests). */
enum hk_backend hk_clone_pick_backend(const struct hk_rootfs_spec *src, enum hk_clone_mode mode,
				      enum hk_backend requested);

/* Makes the new rootfs in dst_dir (which exists); *new_spec gets the value
 * for lxc.rootfs.path.  The caller removes dst_dir/rootfs and dst_dir on
 * failure. */
int hk_clone_rootfs(const struct hk_clone_src *src, const char *dst_dir, const char *lxcpath,
		    enum hk_clone_mode mode, enum hk_backend backend, unsigned copy_flags,
		    const struct hk_progress *progress, char **new_spec, struct hk_error **err);

/* The clone's config text: rootfs set, uts.name set to name (unless NULL),
 * MACs regenerated (when regen_macs), lxc.ephemeral = 1 when ephemeral. */
char *hk_clone_config_text(const char *text, const char *rootfs, const char *name, bool regen_macs,
			   bool ephemeral);

/* Like lxc-copy: when the rootfs of spec_text has an /etc/hostname naming
 * old_name, it is made new_name (in the user namespace of map for an
 * ordinary user).  Only warns when it cannot: lxc.uts.name is what the
 * container gets anyway. */
void hk_clone_rename_in_rootfs(const char *spec_text, const struct hk_idmap *map,
			       const char *old_name, const char *new_name);

/* A fresh MAC with the OUI (first three octets) of mac; NULL when mac is
 * not a MAC. */
char *hk_clone_new_mac(const char *mac);

/* Removes dst_dir/rootfs (a subvolume too) and dst_dir, in the user
 * namespace of map for an ordinary user; logs what it cannot remove. */
void hk_clone_remove_dir(const char *dst_dir, const struct hk_idmap *map);

#endif
