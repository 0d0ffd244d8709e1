/* config.h - LXC-format container configuration.
 *
 * A config file is `key = value` lines, `#` comments, repeated keys and
 * lxc.include of a file or a directory of *.conf.  Legacy LXC 1.x/2.x keys
 * (lxc.rootfs, lxc.id_map, lxc.network.*, lxc.utsname, lxc.aa_profile ...)
 * are read as their modern spelling.  Parsing yields a typed struct
 * hk_config; every key is described by one table (config-keys.c) that drives
 * the parser, `hako config`, the man page test and the round-trip test.
 *
 * An empty value of a list key clears the list, as in LXC.
 */
#ifndef HAKO_CONFIG_H
#define HAKO_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "idmap.h"
#include "util.h"

enum hk_backend {
	HK_BACKEND_UNSET = 0,
	HK_BACKEND_DIR,
	HK_BACKEND_OVERLAY,
	HK_BACKEND_BTRFS,
	HK_BACKEND_ZFS,
	HK_BACKEND_AUFS,
	HK_BACKEND_LVM,
};

const char *hk_backend_name(enum hk_backend b); /* "dir", "overlay", ... */
/* Accepts "dir", "overlay", "overlayfs", "btrfs", "zfs", "aufs", "lvm";
 * returns HK_BACKEND_UNSET for anything else. */
enum hk_backend hk_backend_from_name(const char *name);

/* lxc.rootfs.path: PATH, dir:PATH, btrfs:PATH, zfs:DATASET,
 * overlay:LOWER:UPPER (also overlayfs:), aufs:LOWER:UPPER. */
struct hk_rootfs_spec {
	enum hk_backend backend; /* DIR when the value has no prefix */
	char *path;		 /* dir/btrfs path, zfs dataset, or overlay/aufs lower */
	char *upper;		 /* overlay/aufs upper dir, else NULL */
	char *raw;		 /* the value as written */
};
int hk_rootfs_spec_parse(const char *value, struct hk_rootfs_spec *out, struct hk_error **err);
void hk_rootfs_spec_free(struct hk_rootfs_spec *r);

struct hk_kv {
	char *key;
	char *value;
};

struct hk_kvlist {
	struct hk_kv *v;
	size_t n;
};
void hk_kvlist_add(struct hk_kvlist *l, const char *key, const char *value);
void hk_kvlist_clear(struct hk_kvlist *l);

/* One network interface: lxc.net.N.* (legacy lxc.network.*). */
struct hk_net_spec {
	unsigned index;
	char *type;	 /* veth, empty, none, macvlan, phys, vlan */
	char *link;	 /* bridge (veth) or host device */
	char *flags;	 /* "up" */
	char *hwaddr;	 /* may hold xx wildcards until filled */
	char *name;	 /* name inside the container */
	unsigned mtu;	 /* 0 = default */
	char *veth_pair; /* host side name */
	char *macvlan_mode;
	struct hk_strv ipv4; /* "10.0.3.5/24" */
	struct hk_strv ipv6;
	char *ipv4_gateway;
	char *ipv6_gateway;
	char *script_up;
	char *script_down;
};

/* Where a key/value came from, kept for every accepted line so that
 * `hako config NAME KEY` and the dashboard's Config tab can show it. */
struct hk_config_entry {
	char *key; /* canonical (modern) key, with the interface index for nets */
	char *value;
	char *file;
	unsigned line;
};

struct hk_config {
	char *path;	      /* the top file (NULL when parsed from a string) */
	struct hk_strv files; /* the top file and every included file, in order */

	struct hk_rootfs_spec rootfs; /* lxc.rootfs.path / lxc.rootfs */
	char *rootfs_mount;	      /* lxc.rootfs.mount */
	char *rootfs_options;	      /* lxc.rootfs.options */
	struct hk_idmap idmap;	      /* lxc.idmap / lxc.id_map */

	struct hk_net_spec *nets; /* sorted by index */
	size_t n_nets;

	struct hk_strv mount_entries; /* lxc.mount.entry, fstab syntax */
	struct hk_strv mount_auto;    /* lxc.mount.auto words: proc:mixed, sys:ro, cgroup ... */
	char *mount_fstab;	      /* lxc.mount.fstab */
	bool autodev;		      /* lxc.autodev, default true */

	struct hk_kvlist cgroup_v1; /* lxc.cgroup.X = V  (key "X") */
	struct hk_kvlist cgroup_v2; /* lxc.cgroup2.X = V */
	char *cgroup_dir;	    /* lxc.cgroup.dir */
	struct hk_kvlist sysctl;    /* lxc.sysctl.X */
	struct hk_kvlist prlimits;  /* lxc.prlimit.X */

	struct hk_strv cap_drop; /* lxc.cap.drop words, lower case, no "cap_" */
	struct hk_strv cap_keep; /* lxc.cap.keep ("none" allowed) */
	char *seccomp_profile;	 /* lxc.seccomp.profile */
	bool no_new_privs;	 /* lxc.no_new_privs */
	char *apparmor_profile;	 /* lxc.apparmor.profile / lxc.aa_profile */
	bool apparmor_allow_nesting;
	bool apparmor_allow_incomplete; /* lxc.apparmor.allow_incomplete */
	char *selinux_context;

	char *uts_name;	   /* lxc.uts.name / lxc.utsname */
	char *init_cmd;	   /* lxc.init.cmd, default /sbin/init */
	char *init_cwd;	   /* lxc.init.cwd */
	long init_uid;	   /* lxc.init.uid, -1 = unset */
	long init_gid;	   /* lxc.init.gid, -1 = unset */
	char *execute_cmd; /* lxc.execute.cmd: hako execute's default command */
	struct hk_strv environment;
	unsigned tty_max;      /* lxc.tty.max / lxc.tty */
	unsigned pty_max;      /* lxc.pty.max / lxc.pts, 0 = unlimited */
	char *tty_dir;	       /* lxc.tty.dir / lxc.devttydir */
	char *console_path;    /* lxc.console.path */
	char *console_logfile; /* lxc.console.logfile */
	unsigned long console_buffer_size;

	bool start_auto; /* lxc.start.auto */
	unsigned start_delay;
	long start_order;
	struct hk_strv groups; /* lxc.group */

	int signal_halt;	/* 0 = default (SIGPWR) */
	int signal_reboot;	/* 0 = default (SIGINT) */
	int signal_stop;	/* 0 = default (SIGKILL) */
	char *arch;		/* lxc.arch */
	bool ephemeral;		/* lxc.ephemeral */
	char *log_file;		/* lxc.log.file */
	int log_level;		/* lxc.log.level, -1 = unset */
	struct hk_kvlist hooks; /* lxc.hook.NAME = CMD (key "NAME") */

	struct hk_config_entry *entries; /* every accepted line, in order */
	size_t n_entries;
	unsigned warnings; /* keys accepted with a warning (e.g. apparmor) */
	/* What those warnings say, once each: `hako start` prints them (and
	 * info shows them); loading a config prints nothing, so ls, stop,
	 * attach and console stay quiet. */
	struct hk_strv host_notes;
};

void hk_config_init(struct hk_config *cfg); /* defaults */
void hk_config_free(struct hk_config *cfg);

/* Parses a file (following lxc.include) into cfg, on top of what cfg holds
 * already (so default.conf then the container's config can be layered).
 * Errors name file:line and the key. */
int hk_config_parse_file(struct hk_config *cfg, const char *path, struct hk_error **err);
/* The same, and *top: the fstat of the top file as it was opened (the
 * contents read are that inode's, from before any later change of it). */
struct stat;
int hk_config_parse_file_stat(struct hk_config *cfg, const char *path, struct stat *top,
			      struct hk_error **err);
/* Same for text in memory; `name` is used in messages. Includes are
 * resolved relative to the current directory. */
int hk_config_parse_string(struct hk_config *cfg, const char *text, const char *name,
			   struct hk_error **err);
/* Applies one key = value (for `start -s KEY=VALUE` and for writing). */
int hk_config_set(struct hk_config *cfg, const char *key, const char *value, struct hk_error **err);
/* Values of a key as `hako config NAME KEY` shows them, one string per
 * value ("" when unset).  The key may be legacy.  Error: unknown key. */
int hk_config_get(const struct hk_config *cfg, const char *key, struct hk_strv *out,
		  struct hk_error **err);

/* Key table access for `hako config -l`, man-page and completeness tests. */
struct hk_config_key_info {
	const char *name; /* modern name, "lxc.net.N.link" style for nets */
	const char *doc;  /* one line */
	bool list;	  /* repeatable: values accumulate; empty value clears */
};
size_t hk_config_key_count(void);
const struct hk_config_key_info *hk_config_key_at(size_t i);
/* Maps a legacy or modern key to its modern spelling ("lxc.network.link"
 * -> "lxc.net.N.link" pattern resolution is done by the parser itself). */
const char *hk_config_key_modern(const char *key);

/* Prints cfg back as config text (one line per entry, modern keys) for the
 * parse -> print -> parse round trip and for `hako config --dump`. */
char *hk_config_format(const struct hk_config *cfg);

/* Text edits that keep the user's comments and order.  `text` is the
 * whole file; returns the new text.  set: replaces the value of the last
 * line whose key (modern or legacy spelling) matches and removes earlier
 * duplicates for single-valued keys, or appends; for list keys it appends.
 * unset: removes every line of that key.  The result is validated by
 * parsing before it is returned. */
char *hk_config_text_set(const char *text, const char *key, const char *value,
			 struct hk_error **err);
char *hk_config_text_unset(const char *text, const char *key, struct hk_error **err);
/* Replaces the whole value of every line of key `key` with value; used by
 * clone to rename.  Keeps everything else byte for byte. */
char *hk_config_text_replace_all(const char *text, const char *key, const char *value);

/* Writes `key = value` edits to a file atomically after validating. */
int hk_config_file_set(const char *path, const char *key, const char *value, struct hk_error **err);
int hk_config_file_unset(const char *path, const char *key, struct hk_error **err);

#endif
