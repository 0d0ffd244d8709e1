/* criu.h - what hako says to CRIU and reads back from it: the command
 * lines of a dump and a restore, hako's record in a checkpoint directory
 * (which terminals the container's processes held), the error lines of
 * criu's log, and where the criu program is.  Nothing here runs criu:
 * checkpoint.c (the dump) and monitor-restore.c (the restore) do. */
#ifndef HAKO_CRIU_H
#define HAKO_CRIU_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "util.h"

/* The file hako writes into a checkpoint directory next to criu's
 * images: its first line, then "name NAME" and one "tty INDEX RDEV DEV"
 * per terminal (0: the console, N: ttyN; RDEV and DEV in hex, as criu's
 * tty[RDEV:DEV] names them). */
#define HK_CKPT_FILE	 "hako-checkpoint"
#define HK_CKPT_MAGIC	 "hako-checkpoint 1"
#define HK_CKPT_MAX_TTYS 65 /* HK_MAX_TERMS: the console and 64 ttys */

struct hk_ckpt_tty {
	unsigned index;
	unsigned long long rdev, dev;
};

struct hk_ckpt_info {
	char name[256];
	size_t n_ttys;
	struct hk_ckpt_tty ttys[HK_CKPT_MAX_TTYS];
};

/* The file's text for info (caller frees). */
char *hk_ckpt_info_format(const struct hk_ckpt_info *info);
/* Parses the file's text; an error names the line that is wrong. */
int hk_ckpt_info_parse(const char *text, struct hk_ckpt_info *out, struct hk_error **err);

/* The last (at most max) error lines of criu's log text ("Error (...)"
 * lines; else its last lines), each on its own line prefixed with
 * "  | " and made safe to print; "" when there is nothing. */
char *hk_criu_log_errors(const char *text, unsigned max);

/* One external bind mount: what criu calls it (its id) and, for a
 * restore, the host path it comes from. */
struct hk_criu_ext_mount {
	const char *target; /* inside the container, with its leading '/' */
	const char *id;
	const char *source; /* restore only */
};

struct hk_criu_dump {
	const char *criu;		    /* the program */
	const char *dir;		    /* -D */
	pid_t pid;			    /* init */
	const char *freeze_cgroup;	    /* the container's leaf cgroup directory, or NULL */
	const struct hk_strv *cgroup_roots; /* "[CONTROLLERS:]/PATH" each */
	const struct hk_criu_ext_mount *mounts;
	size_t n_mounts;
	const struct hk_ckpt_info *ttys;
	bool leave_running; /* not -s */
	bool verbose;
};

struct hk_criu_restore {
	const char *criu;
	const char *dir;
	const char *root;    /* the rootfs, a mount point */
	const char *pidfile; /* where criu writes init's pid */
	const struct hk_strv *cgroup_roots;
	const struct hk_criu_ext_mount *mounts;
	size_t n_mounts;
	const struct hk_ckpt_info *ttys;
	const int *tty_fds;	      /* per ttys->ttys[i]: the new peer to inherit */
	const char *const *tty_paths; /* per ttys->ttys[i]: its path on the host */
	const struct hk_strv *veths;  /* "veth[IN]:OUT@BRIDGE" each */
	bool verbose;
};

/* The argv (program first) of `criu dump` / `criu restore`. */
void hk_criu_dump_argv(const struct hk_criu_dump *d, struct hk_strv *argv);
void hk_criu_restore_argv(const struct hk_criu_restore *r, struct hk_strv *argv);

/* The criu mount id of terminal index (0: "console", N: "ttyN") and its
 * path inside the container (caller frees both). */
char *hk_criu_tty_mount_id(unsigned index);
char *hk_criu_tty_target(unsigned index);

/* The criu program on PATH (caller frees), or an error naming the
 * package to install. */
char *hk_criu_find(struct hk_error **err);

#endif
