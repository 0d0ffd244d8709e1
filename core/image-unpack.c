/* image-unpack.c - unpacking root filesystem tarballs and reading an
 * image's metadata tarball, with libarchive.
 *
 * Archive entry names are not trusted, three times over: every name (and
 * hard link target) is normalised by hk_image_tar_path(), which refuses
 * absolute names and ".." outright; libarchive's disk writer runs with
 * SECURE_NODOTDOT, SECURE_SYMLINKS (never write through a symlink) and
 * SECURE_NOABSOLUTEPATHS; and the extraction runs in a forked child that
 * has unshared its mount namespace and chrooted into the rootfs, so even a
 * bug above cannot name a host path.  Owners are numeric (no user database
 * is ever consulted: the container's libnss is never loaded); inside a user
 * namespace they land on the mapped ids, so a setuid-root file belongs to
 * the container's mapped root.  An ordinary user's unpack skips device
 * nodes and what the image's excludes-user names, as LXC does.
 */
#include "image.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

#define META_MAX       (1u << 20)
#define TEMPLATE_MAX   (1u << 20)
#define BLOCK_SIZE     65536
#define LXC_CONFIG_DIR "/usr/share/lxc/config"

/* ---- names ---- */

static bool component_bad(const char *c, size_t len)
{
	if (len == 2 && c[0] == '.' && c[1] == '.')
		return true;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)c[i] < 0x20 || c[i] == 0x7f)
			return true;
	return false;
}

char *hk_image_tar_path(const char *name)
{
	if (!name || *name == '/' || strlen(name) >= PATH_MAX)
		return NULL;
	struct hk_buf b = { 0 };
	for (const char *p = name; *p;) {
		size_t len = strcspn(p, "/");
		bool dot = len == 1 && p[0] == '.';
		if (component_bad(p, len)) {
			hk_buf_free(&b);
			return NULL;
		}
		if (len && !dot) {
			if (b.len)
				hk_buf_puts(&b, "/");
			hk_buf_append(&b, p, len);
		}
		p += len;
		p += strspn(p, "/");
	}
	return hk_buf_steal(&b);
}

bool hk_image_excluded(const char *clean, const struct hk_strv *patterns)
{
	for (size_t i = 0; patterns && i < patterns->n; i++) {
		const char *pat = patterns->v[i];
		while (pat[0] == '.' && pat[1] == '/')
			pat += 2;
		while (*pat == '/')
			pat++;
		if (!*pat)
			continue;
		if (fnmatch(pat, clean, FNM_PATHNAME) == 0 ||
		    fnmatch(pat, clean, FNM_LEADING_DIR) == 0)
			return true;
	}
	return false;
}

void hk_image_lines(const char *text, struct hk_strv *out)
{
	hk_autofree char *copy = xstrdup(text ? text : "");
	char *save = NULL;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *t = hk_str_trim(l);
		if (*t && *t != '#')
			hk_strv_push(out, t);
	}
}

char *hk_image_fill(const char *text, const char *name, const char *rootfs)
{
	const struct {
		const char *token, *value;
	} subst[] = {
		{ "LXC_NAME", name },
		{ "LXC_ROOTFS_PATH", rootfs },
		{ "LXC_TEMPLATE_CONFIG", LXC_CONFIG_DIR },
	};
	struct hk_buf b = { 0 };
	for (const char *p = text; *p;) {
		size_t i;
		for (i = 0; i < HK_ARRAY_SIZE(subst); i++)
			if (!strncmp(p, subst[i].token, strlen(subst[i].token)))
				break;
		if (i < HK_ARRAY_SIZE(subst)) {
			hk_buf_puts(&b, subst[i].value ? subst[i].value : "");
			p += strlen(subst[i].token);
		} else {
			hk_buf_append(&b, p++, 1);
		}
	}
	return hk_buf_steal(&b);
}

/* ---- metadata ---- */

void hk_image_meta_free(struct hk_image_meta *m)
{
	free(m->config);
	free(m->config_user);
	free(m->templates);
	free(m->excludes_user);
	*m = (struct hk_image_meta){ 0 };
}

static char **meta_slot(struct hk_image_meta *m, const char *clean)
{
	if (!strcmp(clean, "config"))
		return &m->config;
	if (!strcmp(clean, "config-user"))
		return &m->config_user;
	if (!strcmp(clean, "templates"))
		return &m->templates;
	if (!strcmp(clean, "excludes-user"))
		return &m->excludes_user;
	return NULL;
}

static char *read_entry(struct archive *a, size_t size)
{
	char *buf = xmalloc(size + 1);
	la_ssize_t n = archive_read_data(a, buf, size);
	if (n < 0 || (size_t)n != size) {
		free(buf);
		return NULL;
	}
	buf[size] = '\0';
	return buf;
}

static int meta_entry(struct archive *a, struct archive_entry *e, struct hk_image_meta *m,
		      struct hk_error **err)
{
	hk_autofree char *clean = hk_image_tar_path(archive_entry_pathname(e));
	bool expiry = clean && !strcmp(clean, "expiry");
	char **slot = clean ? meta_slot(m, clean) : NULL;
	if ((!slot && !expiry) || archive_entry_filetype(e) != AE_IFREG)
		return 0;
	la_int64_t size = archive_entry_size(e);
	if (size < 0 || size > META_MAX)
		return hk_error_set(err, EFBIG, "image metadata: \"%s\" is larger than %u bytes",
				    clean, META_MAX);
	char *text = read_entry(a, (size_t)size);
	if (!text)
		return hk_error_set(err, 0, "image metadata: cannot read \"%s\": %s", clean,
				    archive_error_string(a) ?: "truncated");
	if (expiry) {
		m->expiry = strtoll(text, NULL, 10);
		free(text);
	} else {
		free(*slot);
		*slot = text;
	}
	return 0;
}

int hk_image_meta_read(int fd, struct hk_image_meta *m, struct hk_error **err)
{
	*m = (struct hk_image_meta){ 0 };
	if (lseek(fd, 0, SEEK_SET) < 0)
		return hk_error_errno(err, "image metadata: cannot seek");
	struct archive *a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	int rc = 0;
	if (archive_read_open_fd(a, fd, BLOCK_SIZE) != ARCHIVE_OK)
		rc = hk_error_set(err, 0, "image metadata: not a tarball: %s",
				  archive_error_string(a));
	struct archive_entry *e;
	int r;
	while (rc == 0 && (r = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
		if (r < ARCHIVE_WARN)
			rc = hk_error_set(err, 0, "image metadata: damaged tarball: %s",
					  archive_error_string(a));
		else
			rc = meta_entry(a, e, m, err);
	}
	archive_read_free(a);
	if (rc < 0)
		hk_image_meta_free(m);
	return rc;
}

/* ---- unpacking, in the chrooted child ---- */

static bool skip_entry(const struct hk_unpack *u, struct archive_entry *e, const char *clean)
{
	if (!*clean)
		return true; /* the archive's "./": the rootfs itself, already made */
	if (!u->unprivileged)
		return false;
	mode_t t = archive_entry_filetype(e);
	if (t == AE_IFCHR || t == AE_IFBLK)
		return true; /* a user namespace cannot make device nodes */
	return hk_image_excluded(clean, u->excludes);
}

/* Normalises the entry's name and hard link target in place; -1 when
 * either is unsafe. */
static int clean_names(struct archive_entry *e, char **clean, struct hk_error **err)
{
	const char *name = archive_entry_pathname(e);
	*clean = hk_image_tar_path(name);
	if (!*clean)
		return hk_error_set(err, EINVAL,
				    "archive entry \"%s\" is absolute or leads out of the rootfs "
				    "(..); the archive is refused",
				    name ? name : "");
	archive_entry_set_pathname(e, *clean);
	const char *link = archive_entry_hardlink(e);
	if (link) {
		hk_autofree char *cl = hk_image_tar_path(link);
		if (!cl || !*cl)
			return hk_error_set(
				err, EINVAL,
				"archive entry \"%s\" is a hard link to \"%s\", outside "
				"the rootfs; the archive is refused",
				*clean, link);
		archive_entry_set_hardlink(e, cl);
	}
	return 0;
}

static int copy_data(struct archive *in, struct archive *out, const char *clean,
		     struct hk_error **err)
{
	const void *buf;
	size_t size;
	la_int64_t off;
	int r;
	while ((r = archive_read_data_block(in, &buf, &size, &off)) == ARCHIVE_OK)
		if (archive_write_data_block(out, buf, size, off) < ARCHIVE_WARN)
			return hk_error_set(err, 0, "cannot write \"/%s\": %s", clean,
					    archive_error_string(out));
	if (r != ARCHIVE_EOF)
		return hk_error_set(err, 0, "the archive is damaged or truncated at \"%s\": %s",
				    clean, archive_error_string(in));
	return 0;
}

static int write_entry(struct archive *in, struct archive *out, struct archive_entry *e,
		       const char *clean, struct hk_error **err)
{
	int r = archive_write_header(out, e);
	if (r == ARCHIVE_WARN)
		hk_log(HK_LOG_DEBUG, "unpack \"/%s\": %s", clean, archive_error_string(out));
	if (r < ARCHIVE_WARN)
		return hk_error_set(err, 0, "archive entry \"/%s\" refused: %s", clean,
				    archive_error_string(out));
	if (archive_entry_size(e) > 0 && copy_data(in, out, clean, err) < 0)
		return -1;
	r = archive_write_finish_entry(out);
	if (r < ARCHIVE_WARN)
		return hk_error_set(err, 0, "cannot finish \"/%s\": %s", clean,
				    archive_error_string(out));
	return 0;
}

static struct archive *disk_writer(void)
{
	struct archive *out = archive_write_disk_new();
	/* No archive_write_disk_set_standard_lookup: owners stay numeric, so
	 * nothing reads the container's /etc/passwd or loads its libnss. */
	archive_write_disk_set_options(
		out, ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
			     ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_FFLAGS |
			     ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
			     ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);
	return out;
}

static int extract_entries(struct archive *in, struct archive *out, const struct hk_unpack *u,
			   struct hk_error **err)
{
	struct archive_entry *e;
	int r;
	size_t skipped = 0;
	while ((r = archive_read_next_header(in, &e)) != ARCHIVE_EOF) {
		if (r < ARCHIVE_WARN)
			return hk_error_set(err, 0, "the archive is damaged or truncated: %s",
					    archive_error_string(in));
		hk_autofree char *clean = NULL;
		if (clean_names(e, &clean, err) < 0)
			return -1;
		if (skip_entry(u, e, clean)) {
			skipped += *clean != '\0';
			continue;
		}
		if (write_entry(in, out, e, clean, err) < 0)
			return -1;
	}
	if (skipped)
		hk_log(HK_LOG_DEBUG, "unpack: skipped %zu device nodes and excluded entries",
		       skipped);
	if (archive_write_close(out) < ARCHIVE_WARN)
		return hk_error_set(err, 0, "cannot finish the unpack: %s",
				    archive_error_string(out));
	return 0;
}

static int extract(const struct hk_unpack *u, struct hk_error **err)
{
	if (lseek(u->archive_fd, 0, SEEK_SET) < 0)
		return hk_error_errno(err, "cannot seek in the archive");
	struct archive *in = archive_read_new();
	archive_read_support_filter_all(in);
	archive_read_support_format_tar(in);
	struct archive *out = disk_writer();
	int rc = 0;
	if (archive_read_open_fd(in, u->archive_fd, BLOCK_SIZE) != ARCHIVE_OK)
		rc = hk_error_set(err, 0, "not a tarball hako can read: %s",
				  archive_error_string(in));
	if (rc == 0)
		rc = extract_entries(in, out, u, err);
	archive_write_free(out);
	archive_read_free(in);
	return rc;
}

/* Fills one templated file (we are chrooted: the path cannot leave). */
static int fill_template(const char *path, const struct hk_unpack *u, struct hk_error **err)
{
	while (*path == '/')
		path++;
	hk_autofree char *clean = hk_image_tar_path(path);
	if (!clean || !*clean)
		return hk_error_set(err, EINVAL, "templates: \"%s\" is not a path in the rootfs",
				    path);
	hk_autoclose int fd = open(clean, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		hk_log(HK_LOG_DEBUG, "templates: \"/%s\" is not in the image", clean);
		return 0;
	}
	struct stat sb;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size > TEMPLATE_MAX)
		return hk_error_set(err, EINVAL,
				    "templates: \"/%s\" is not a regular file of at most %u bytes",
				    clean, TEMPLATE_MAX);
	hk_autofree char *text = xcalloc(1, (size_t)sb.st_size + 1);
	if (pread(fd, text, (size_t)sb.st_size, 0) != sb.st_size)
		return hk_error_errno(err, "templates: cannot read \"/%s\"", clean);
	hk_autofree char *out = hk_image_fill(text, u->name, u->rootfs);
	size_t len = strlen(out);
	if (ftruncate(fd, 0) < 0 || pwrite(fd, out, len, 0) != (ssize_t)len)
		return hk_error_errno(err, "templates: cannot write \"/%s\"", clean);
	return 0;
}

static int unpack_chrooted(int rootfd, const struct hk_unpack *u, struct hk_error **err)
{
	if (unshare(CLONE_NEWNS) < 0)
		return hk_error_errno(err, "cannot unshare a mount namespace to unpack in");
	if (fchdir(rootfd) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return hk_error_errno(err, "cannot chroot into the rootfs to unpack");
	umask(022);
	if (extract(u, err) < 0)
		return -1;
	for (size_t i = 0; u->templates && i < u->templates->n; i++)
		if (fill_template(u->templates->v[i], u, err) < 0)
			return -1;
	return 0;
}

static __attribute__((noreturn)) void child(int rootfd, const struct hk_unpack *u, int out)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	struct hk_error *e = NULL;
	if (unpack_chrooted(rootfd, u, &e) == 0)
		_exit(0);
	dprintf(out, "%d %s", e->code, e->msg);
	_exit(1);
}

int hk_image_unpack(int rootfd, const struct hk_unpack *u, struct hk_error **err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return hk_error_errno(err, "cannot create a pipe");
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		child(rootfd, u, p[1]);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return hk_error_errno(err, "cannot fork to unpack");
	}
	struct hk_buf b = { 0 };
	char chunk[1024];
	ssize_t n;
	while ((n = read(p[0], chunk, sizeof(chunk))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && b.len < 8192)
			hk_buf_append(&b, chunk, (size_t)n);
	close(p[0]);
	hk_autofree char *msg = hk_buf_steal(&b);
	int ws;
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
		return 0;
	char *text = NULL;
	long code = strtol(msg, &text, 10);
	if (!*msg)
		return hk_error_set(err, 0, "unpacking \"%s\" failed (the unpacker died)",
				    u->shown);
	return hk_error_set(err, (int)code, "unpack \"%s\": %s", u->shown,
			    *text == ' ' ? text + 1 : text);
}
