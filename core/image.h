/* image.h - the parts of an image template: the server's index, signature
 * checks with gpgv, HTTP(S) fetches with libcurl, an image's metadata and
 * the unpacking of a root filesystem tarball.
 *
 * The download template (template-download.c) strings them together with a
 * cache; tar: (template-tar.c) uses only the unpacker.  Order matters for
 * safety: a file from the network is checked against its detached signature
 * before anything decompresses or parses it (only the index, a plain text
 * file, is parsed after its own signature was checked), and the unpacker
 * extracts in a child chrooted into the rootfs, so no archive entry can name
 * a place outside it whatever the archive holds.
 */
#ifndef HAKO_IMAGE_H
#define HAKO_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "template.h"
#include "util.h"

/* ---- the index: meta/1.0/index-system (image-index.c) ---- */

struct hk_image_entry {
	char *dist, *release, *arch, *variant, *build, *path;
};

struct hk_image_index {
	struct hk_image_entry *v;
	size_t n;
};

/* Parses `dist;release;arch;variant;build;path` lines.  Blank lines are
 * skipped; a line with another number of fields or an unsafe field (a field
 * that is not a plain name, a path that is absolute or holds ..) is skipped
 * with a log line, since one bad entry must not hide the others.  Fails only
 * when nothing usable is left. */
int hk_image_index_parse(const char *text, size_t len, struct hk_image_index *out,
			 struct hk_error **err);
void hk_image_index_free(struct hk_image_index *ix);
/* The last entry (the newest build) matching all four; NULL when none. */
const struct hk_image_entry *hk_image_index_find(const struct hk_image_index *ix, const char *dist,
						 const char *release, const char *arch,
						 const char *variant);
/* (a path given as "/images/x/" is stored as "images/x")
 * A field usable as one path component: 1-64 bytes of [A-Za-z0-9._+-:],
 * not "." or "..". */
bool hk_image_field_ok(const char *s);
/* An index path: relative, components made of field characters, no "." or
 * ".." component, no empty component. */
bool hk_image_rel_path_ok(const char *s);

/* ---- archive entry names (image-unpack.c) ---- */

/* Normalises an archive entry name: drops leading "./" and "/./", repeated
 * slashes and a trailing slash.  Returns the clean relative path ("" for the
 * archive's root), or NULL when the name is absolute, holds a ".."
 * component, a NUL-free but control-character component, or is over
 * PATH_MAX. */
char *hk_image_tar_path(const char *name);
/* True when a clean entry path matches one of the excludes-user patterns
 * (fnmatch patterns, "./" prefixes ignored; a pattern matching a directory
 * also excludes what is below it). */
bool hk_image_excluded(const char *clean, const struct hk_strv *patterns);

/* ---- signatures (image-verify.c) ---- */

/* Checks the detached signature sig_fd of data_fd with gpgv (run from a
 * fixed path, clean environment, only the two files and a status pipe
 * open) against keyring.  Succeeds only when gpgv exits 0 and reports both
 * GOODSIG and VALIDSIG; *fpr (may be NULL) gets the signing key's
 * fingerprint.  shown names the file in messages. */
int hk_image_verify(const char *keyring, int data_fd, int sig_fd, const char *shown, char **fpr,
		    struct hk_error **err);
/* Reads gpgv --status-fd output: 0 and *fpr when it holds GOODSIG and
 * VALIDSIG, -1 with the reason (BADSIG, NO_PUBKEY, EXPKEYSIG ...) in err. */
int hk_image_verify_status(const char *status, const char *shown, char **fpr,
			   struct hk_error **err);

/* ---- HTTP(S) (image-http.c) ---- */

/* Fetches url into fd.  When fd already holds data (a broken earlier
 * download), asks for the rest with a Range request and appends; a server
 * that answers with the whole file restarts it.  Only http:// and https://
 * (redirects included); 404 and friends are errors naming the URL;
 * a connection that breaks mid-file says so, keeping what arrived.  max
 * bounds the size (0: none). */
int hk_image_fetch(const char *url, int fd, uint64_t max, const struct hk_progress *p,
		   const char *what, struct hk_error **err);
/* Fetches a small file into memory (NUL-terminated). */
int hk_image_fetch_mem(const char *url, size_t max, char **out, size_t *len, struct hk_error **err);
/* True for https:// URLs (whose transport authenticates the server). */
bool hk_image_url_is_https(const char *url);

/* ---- metadata: meta.tar.xz (image-unpack.c) ---- */

struct hk_image_meta {
	char *config;	     /* "config": keys for a root container */
	char *config_user;   /* "config-user": keys for an unprivileged one */
	char *templates;     /* paths whose LXC_NAME etc. get filled in */
	char *excludes_user; /* what an ordinary user must not unpack */
	long long expiry;    /* unix time, 0: none */
};

/* Reads the metadata tarball (any compression) at fd, in memory. */
int hk_image_meta_read(int fd, struct hk_image_meta *m, struct hk_error **err);
void hk_image_meta_free(struct hk_image_meta *m);
/* Replaces LXC_NAME with name, LXC_TEMPLATE_CONFIG with LXC's shared config
 * directory (/usr/share/lxc/config), LXC_ROOTFS_PATH with rootfs. */
char *hk_image_fill(const char *text, const char *name, const char *rootfs);
/* Splits text into its non-blank, non-comment lines. */
void hk_image_lines(const char *text, struct hk_strv *out);

/* ---- unpacking (image-unpack.c) ---- */

struct hk_unpack {
	int archive_fd;			 /* the rootfs tarball, any compression */
	const char *shown;		 /* its name in messages */
	bool unprivileged;		 /* skip device nodes and `excludes` */
	const struct hk_strv *excludes;	 /* excludes-user patterns, or NULL */
	const struct hk_strv *templates; /* files to fill in, or NULL */
	const char *name;		 /* the container's name, for templates */
	const char *rootfs;		 /* the rootfs path, for templates */
};

/* Extracts the archive below rootfd (secure flags, owners and modes kept,
 * as far as the id map allows) in a child that first chroots into rootfd,
 * then fills the templated files.  A bad entry, a truncated or corrupt
 * archive, fails the whole unpack. */
int hk_image_unpack(int rootfd, const struct hk_unpack *u, struct hk_error **err);

#endif
