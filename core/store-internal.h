/* store-internal.h - what store.c, store-paths.c, settings.c, name.c and
 * lock.c share inside core/: the store struct itself, the path resolver,
 * the settings parser on text in memory and small helpers.  Tests and the
 * fuzz target include it too; nothing outside core/ should.
 */
#ifndef HAKO_STORE_INTERNAL_H
#define HAKO_STORE_INTERNAL_H

#include <stdint.h>

#include "store.h"

struct hk_store_cache; /* store.c: parsed configs by name */

struct hk_store {
	bool is_root;
	uid_t uid;
	gid_t gid;
	char *path;	    /* the container path, absolute and canonical */
	char *conf_dir;	    /* /etc/hako or $XDG_CONFIG_HOME/hako */
	char *default_conf; /* CONF_DIR/default.conf */
	char *cache_dir;    /* /var/cache/hako or $XDG_CACHE_HOME/hako */
	char *run_base;	    /* RUNDIR: /run/hako, $XDG_RUNTIME_DIR/hako ... */
	char *run_dir;	    /* RUNDIR/s-HASH */
	bool default_path;  /* path is the default one (no -P) */
	struct hk_settings settings;
	struct hk_store_cache *cache;
};

/* Fills every path of st (is_root, uid must be set; settings are loaded
 * from CONF_DIR/hako.conf here because they may name the container path). */
int hk_store_resolve_paths(struct hk_store *st, const char *lxcpath, struct hk_error **err);

/* FNV-1a, 64 bits: stable across runs and builds, so run files are found
 * again by every later hako process. */
uint64_t hk_store_path_hash(const char *s);

/* Makes path absolute (relative to the current directory), then resolves
 * symlinks in its longest existing prefix and removes ".", ".." and
 * repeated or trailing slashes from the rest.  The result names the same
 * directory before and after it is created, so a lock taken before create
 * lives where the later commands look for it. */
int hk_store_canonical_path(const char *path, char **out, struct hk_error **err);

/* Creates RUNDIR (0755 for root, 0700 for a user), RUNDIR/s-HASH and
 * RUNDIR/s-HASH/NAME (0700); returns the last one in *out. */
int hk_store_make_run_dir(const struct hk_store *st, const char *name, char **out,
			  struct hk_error **err);
/* The same for a container's run directory already joined (container.h's
 * run_dir, which must lie in st's run directory). */
int hk_store_make_run_dir_at(const struct hk_store *st, const char *dir, struct hk_error **err);
/* hk_lock_probe for a container's run directory already joined (lock.c). */
pid_t hk_lock_probe_dir(const char *run_dir);
/* true when dir (PATH/NAME) is a real directory holding a regular config. */
bool hk_store_dir_has_config(const char *dir);
/* The refusal for a container that does not exist ("does not exist in
 * PATH; create it with ...", ENOENT). */
int hk_store_refuse_missing(const struct hk_store *st, const char *name, struct hk_error **err);

/* store-sweep.c: RUNDIR/s-HASH/.path names the container path (written
 * with the first run directory of a store), and the sweep run by every
 * store open removes the run directories of containers that are gone. */
void hk_store_note_run_path(const struct hk_store *st);
void hk_store_sweep_run_dirs(const struct hk_store *st);

/* Parses hako.conf text (what hk_settings_load does after reading the
 * file); `file` names it in messages.  On failure s keeps what was parsed
 * up to the bad line. */
int hk_settings_parse(struct hk_settings *s, const char *text, size_t len, const char *file,
		      struct hk_error **err);

/* Quotes bytes for a message: printable ASCII as is, '"' and '\\'
 * backslash-escaped, everything else as \xNN; at most `max` input bytes
 * shown, then "...". */
char *hk_str_escape(const char *s, size_t max);

#endif
