/* template.h - how a rootfs comes to be.  A template is one const ops
 * entry in the table that hk_template_find() searches (busybox now;
 * download, tar: and dir: slot in later).
 *
 * create calls, in order: prepare (in the caller, before anything is on
 * disk: parse the template's arguments, find and check its inputs), config
 * (the template's config lines), build (fills the new, empty rootfs given as
 * a directory fd; for an unprivileged container it runs as root of a user
 * namespace holding the container's id map, so it must not rely on
 * anything but the descriptors and data prepare left in ctx) and release.
 */
#ifndef HAKO_TEMPLATE_H
#define HAKO_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "progress.h"
#include "util.h"

struct hk_template_ctx {
	const char *name;      /* container name (hostname) */
	const char *rootfs;    /* rootfs path (messages, dir: copies into it) */
	const char *source;    /* what followed "tar:" or "dir:", else NULL */
	char *const *args;     /* template arguments, NULL-terminated, or NULL */
	const char *conf_dir;  /* /etc/hako or ~/.config/hako (keyring) */
	const char *cache_dir; /* /var/cache/hako or ~/.cache/hako */
	bool user;	       /* the caller is an ordinary user */
	bool mapped;	       /* build runs as root of a user namespace (set by create) */
	/* root's container with an id map, for a template that copies with
	 * owners shifted (shifts_owners): build runs as the host's root and
	 * gives the copy owner N's host id in this map (set by create). */
	const struct hk_idmap *shift;
	struct hk_progress progress;
	void *priv; /* the template's own state, from prepare */
};

struct hk_template {
	const char *name;
	bool needs_source; /* called as NAME:SOURCE */
	/* For root, build copies with ctx->shift instead of running in the
	 * user namespace, where host root's files that are not readable by
	 * others (/etc/shadow) could not be read. */
	bool shifts_owners;
	const char *summary;
	const char *usage; /* template arguments, for `hako create -t NAME -- -h` */
	int (*prepare)(struct hk_template_ctx *ctx, struct hk_error **err);
	/* Appends config lines (with a comment saying why). */
	void (*config)(const struct hk_template_ctx *ctx, struct hk_buf *out);
	int (*build)(int rootfd, const struct hk_template_ctx *ctx, struct hk_error **err);
	void (*release)(struct hk_template_ctx *ctx);
};

extern const struct hk_template hk_template_busybox;
extern const struct hk_template hk_template_download;
extern const struct hk_template hk_template_tar;
extern const struct hk_template hk_template_dir;

/* The template called `name` ("busybox", or "tar:FILE" with *source set to
 * "FILE"); the error lists the ones there are. */
const struct hk_template *hk_template_find(const char *name, const char **source,
					   struct hk_error **err);

struct hk_image_index;
/* `hako create -t download -- --list [--server URL] [--keyring FILE]
 * [--no-validate] [-d DIST] [-r RELEASE] [-a ARCH] [--variant V]`: the
 * server's index, signature checked, filtered by what was given. */
int hk_template_download_list(const char *conf_dir, char *const *args, struct hk_image_index *out,
			      struct hk_error **err);
size_t hk_template_count(void);
const struct hk_template *hk_template_at(size_t i);

/* Busybox helpers, exposed for tests. */
/* Checks one line of `busybox --list-full` ("usr/bin/awk"): true when it
 * is DIR/NAME with DIR one of bin, sbin, usr/bin, usr/sbin and NAME a
 * plain file name. */
bool hk_busybox_applet_ok(const char *line);

#endif
