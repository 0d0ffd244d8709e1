/* copy.c - the full-copy engine (see copy.h).
 *
 * A copy is a depth-first walk holding one directory descriptor per level
 * on each side.  Entries are opened with O_NOFOLLOW relative to their
 * parent, so a symlink in the source (which a container controls) is
 * copied as a link and never followed.  Files with more than one link are
 * remembered by (dev, inode) with their path relative to the destination
 * root, and later names become hard links to the first copy.  Metadata of
 * a directory is applied after its contents, so its times and a read-only
 * mode do not get in the way of filling it.  With a second CPU, a
 * worker thread copies the data and metadata of the regular files the
 * walk opens (see "a second thread for file data").
 */
#include "copy.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define LINK_BUCKETS 1024

struct link_seen {
	dev_t dev;
	ino_t ino;
	char *rel; /* destination path relative to the destination root */
	struct link_seen *next;
};

struct walk {
	dev_t dev; /* the source root's filesystem: never left */
	int dst_root;
	unsigned flags;
	uid_t from_uid; /* owner that becomes 0 in the copy, or -1 */
	gid_t from_gid;
	const struct hk_idmap *shift; /* owner N becomes the map's host id of N, or NULL */
	struct hk_copy_stats *stats;
	struct link_seen *links[LINK_BUCKETS];
	char *buf;			    /* read/write fallback buffer */
	const struct hk_progress *progress; /* NULL: nobody watches */
	uint64_t done, total;		    /* bytes of files handled, expected */
	int64_t next_report;		    /* CLOCK_MONOTONIC ns */
	struct worker *worker;		    /* copies file data beside the walk, or NULL */
	bool in_worker;			    /* this is the worker's: no hk_log (not thread-safe) */
};

/* ---- progress ---- */

#define REPORT_EVERY_NS 100000000  /* a redraw costs a write to the terminal */
#define PROGRESS_CHUNK	(16 << 20) /* a big file reports as it goes */

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Adds bytes to what is done, and tells the watcher at most every
 * REPORT_EVERY_NS (the last report, done == total, comes from copy_tree). */
static void progress_add(struct walk *w, uint64_t bytes)
{
	w->done += bytes;
	if (!w->progress)
		return;
	int64_t now = mono_ns();
	if (now < w->next_report)
		return;
	w->next_report = now + REPORT_EVERY_NS;
	/* the estimate can fall short (a file grew): never report the end early */
	uint64_t done = w->done < w->total ? w->done : w->total ? w->total - 1 : 0;
	w->progress->fn(w->progress->data, "rootfs", done, w->total);
}

/* The bytes a copy of the tree under fd (on filesystem dev) will handle:
 * the sizes of its regular files, a file with N links counted 1/N per
 * name so that it counts once when all its names are in the tree.  Only
 * walked when a progress bar is drawn. */
static uint64_t tree_bytes(int fd, dev_t dev)
{
	/* a descriptor of its own: a dup would share (and leave at the end)
	 * the directory offset that the copy reads from next */
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return 0;
	}
	uint64_t sum = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		struct stat sb;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    fstatat(fd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 || sb.st_dev != dev)
			continue;
		if (S_ISREG(sb.st_mode))
			sum += (uint64_t)sb.st_size / (sb.st_nlink ? sb.st_nlink : 1);
		if (!S_ISDIR(sb.st_mode))
			continue;
		hk_autoclose int sub =
			openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			sum += tree_bytes(sub, dev);
	}
	closedir(d);
	return sum;
}

static void walk_free(struct walk *w)
{
	for (size_t i = 0; i < LINK_BUCKETS; i++)
		for (struct link_seen *l = w->links[i], *n; l; l = n) {
			n = l->next;
			free(l->rel);
			free(l);
		}
	free(w->buf);
}

static struct link_seen **link_slot(struct walk *w, const struct stat *sb)
{
	size_t h = ((size_t)sb->st_ino * 31u + (size_t)sb->st_dev) % LINK_BUCKETS;
	struct link_seen **p = &w->links[h];
	while (*p && !((*p)->dev == sb->st_dev && (*p)->ino == sb->st_ino))
		p = &(*p)->next;
	return p;
}

/* ---- metadata ---- */

/* Which xattr failures mean "this destination cannot hold it" rather than
 * a broken copy: no xattr support, or a namespace (trusted.*, security.*
 * in a user namespace) the caller may not write. */
static bool xattr_skippable(int e)
{
	return e == ENOTSUP || e == EPERM || e == EACCES;
}

/* Copies the xattrs of src to dst, both given as paths the *xattr calls
 * can use (an fd path under /proc/self/fd for entries opened O_PATH). */
static int copy_xattrs(const char *src, const char *dst, const char *shown, bool may_log,
		       struct hk_error **err)
{
	ssize_t n = listxattr(src, NULL, 0);
	if (n < 0)
		return errno == ENOTSUP
			       ? 0
			       : hk_error_errno(err, "cannot list xattrs of \"%s\"", shown);
	if (n == 0)
		return 0;
	hk_autofree char *names = xmalloc((size_t)n + 1);
	n = listxattr(src, names, (size_t)n);
	if (n < 0)
		return hk_error_errno(err, "cannot list xattrs of \"%s\"", shown);
	for (char *k = names; k < names + n; k += strlen(k) + 1) {
		ssize_t vn = getxattr(src, k, NULL, 0);
		if (vn < 0)
			return hk_error_errno(err, "cannot read xattr %s of \"%s\"", k, shown);
		hk_autofree char *v = xmalloc((size_t)vn + 1);
		vn = getxattr(src, k, v, (size_t)vn);
		if (vn < 0)
			return hk_error_errno(err, "cannot read xattr %s of \"%s\"", k, shown);
		if (setxattr(dst, k, v, (size_t)vn, 0) < 0) {
			if (!xattr_skippable(errno))
				return hk_error_errno(
					err, "cannot set xattr %s on the copy of \"%s\"", k, shown);
			if (may_log)
				hk_log(HK_LOG_DEBUG, "copy: xattr %s of \"%s\" not kept", k, shown);
		}
	}
	return 0;
}

/* Gives the copy dirfd/name (name "" with AT_EMPTY_PATH: dirfd itself)
 * its owner: the source's, 0 for from_uid/from_gid, or shifted into the
 * map.  An owner outside the map is an error naming it: inside, the file
 * would belong to nobody and no root there could change it. */
static int set_owner(const struct walk *w, int dirfd, const char *name, int at_flags,
		     const struct stat *sb, const char *shown, struct hk_error **err)
{
	unsigned long uid = w->from_uid != (uid_t)-1 && sb->st_uid == w->from_uid ? 0 : sb->st_uid;
	unsigned long gid = w->from_gid != (gid_t)-1 && sb->st_gid == w->from_gid ? 0 : sb->st_gid;
	if (w->shift && (!hk_idmap_to_host(w->shift, 'u', uid, &uid) ||
			 !hk_idmap_to_host(w->shift, 'g', gid, &gid)))
		return hk_error_set(err, ERANGE,
				    "\"%s\" belongs to %u:%u, outside the container's id map "
				    "(lxc.idmap): widen the map, or chown the source",
				    shown, (unsigned)sb->st_uid, (unsigned)sb->st_gid);
	if (fchownat(dirfd, name, (uid_t)uid, (gid_t)gid, at_flags) < 0)
		return hk_error_errno(err, "cannot set the owner of the copy of \"%s\"", shown);
	return 0;
}

static char *fd_path(int fd)
{
	return xasprintf("/proc/self/fd/%d", fd);
}

/* Owner, then mode (chown clears setuid), then xattrs (chown clears
 * security.capability), then times.  src_fd and dst_fd may be O_PATH. */
static int apply_meta(const struct walk *w, int src_fd, int dst_fd, const struct stat *sb,
		      const char *shown, struct hk_error **err)
{
	hk_autofree char *dp = fd_path(dst_fd);
	hk_autofree char *sp = fd_path(src_fd);
	if (set_owner(w, dst_fd, "", AT_EMPTY_PATH, sb, shown, err) < 0)
		return -1;
	if (chmod(dp, sb->st_mode & 07777) < 0)
		return hk_error_errno(err, "cannot set the mode of the copy of \"%s\"", shown);
	if (copy_xattrs(sp, dp, shown, !w->in_worker, err) < 0)
		return -1;
	struct timespec ts[2] = { sb->st_atim, sb->st_mtim };
	if (utimensat(AT_FDCWD, dp, ts, 0) < 0)
		return hk_error_errno(err, "cannot set the times of the copy of \"%s\"", shown);
	return 0;
}

/* ---- file data ---- */

static int copy_range_rw(struct walk *w, int in, int out, off_t off, off_t end)
{
	if (!w->buf)
		w->buf = xmalloc(1 << 20);
	while (off < end) {
		size_t want = (size_t)(end - off) < (1u << 20) ? (size_t)(end - off) : (1u << 20);
		ssize_t r = pread(in, w->buf, want, off);
		if (r <= 0)
			return r < 0 ? -1 : 0; /* shrank under us: stop at EOF */
		for (ssize_t done = 0; done < r;) {
			ssize_t wr = pwrite(out, w->buf + done, (size_t)(r - done), off + done);
			if (wr < 0)
				return -1;
			done += wr;
		}
		off += r;
		w->stats->bytes += (uint64_t)r;
		progress_add(w, (uint64_t)r);
	}
	return 0;
}

/* One data extent [off, end): copy_file_range, falling back to read and
 * write where the kernel or filesystem pair cannot do it. */
static int copy_extent(struct walk *w, int in, int out, off_t off, off_t end)
{
	while (off < end) {
		loff_t io = off, oo = off;
		size_t want = (size_t)(end - off);
		if (w->progress && want > PROGRESS_CHUNK)
			want = PROGRESS_CHUNK;
		ssize_t n = copy_file_range(in, &io, out, &oo, want, 0);
		if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
			      errno == EOPNOTSUPP || errno == EBADF))
			return copy_range_rw(w, in, out, off, end);
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		off += n;
		w->stats->bytes += (uint64_t)n;
		progress_add(w, (uint64_t)n);
	}
	return 0;
}

/* Copies only the data extents, so holes stay holes. */
static int copy_data(struct walk *w, int in, int out, off_t size)
{
	if (!(w->flags & HK_COPY_NO_REFLINK) && ioctl(out, FICLONE, in) == 0) {
		w->stats->reflinks++;
		return 0;
	}
	off_t off = 0;
	while (off < size) {
		off_t data = lseek(in, off, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			break; /* only a hole is left */
		if (data < 0)
			return copy_extent(w, in, out, off, size); /* no SEEK_DATA here */
		off_t hole = lseek(in, data, SEEK_HOLE);
		if (hole < 0)
			hole = size;
		if (copy_extent(w, in, out, data, hole) < 0)
			return -1;
		off = hole;
	}
	return ftruncate(out, size);
}

/* ---- a second thread for file data ---- */

/* The walk opens each regular file and its copy, and hands the pair to
 * one worker thread that copies the data and sets the metadata, so that
 * the kernel's page copying runs on a second core while the walk makes
 * directories, links and nodes.  Names are made by the walk alone, so a
 * later hard link finds its first name, and a directory's own metadata
 * (set after its entries) is untouched by writes to open files in it. */
#define QUEUE_MAX 64

struct file_job {
	int in, out;
	struct stat sb;
	char *shown;
};

struct worker {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t more, room;
	struct file_job q[QUEUE_MAX];
	size_t head, n;
	bool closing;
	struct walk w; /* the worker's own buffer and counts */
	struct hk_copy_stats stats;
	struct hk_error *err; /* the first failure; the walk stops on it */
};

static void job_run(struct worker *k, struct file_job *j)
{
	if (!k->err) {
		struct hk_error *e = NULL;
		if (copy_data(&k->w, j->in, j->out, j->sb.st_size) < 0)
			hk_error_errno(&e, "cannot copy the data of \"%s\"", j->shown);
		else
			apply_meta(&k->w, j->in, j->out, &j->sb, j->shown, &e);
		pthread_mutex_lock(&k->lock);
		if (e && !k->err)
			k->err = e;
		else
			hk_error_free(e);
		pthread_mutex_unlock(&k->lock);
	}
	close(j->in);
	close(j->out);
	free(j->shown);
}

static void *worker_main(void *arg)
{
	struct worker *k = arg;
	pthread_mutex_lock(&k->lock);
	for (;;) {
		while (!k->n && !k->closing)
			pthread_cond_wait(&k->more, &k->lock);
		if (!k->n)
			break;
		struct file_job j = k->q[k->head];
		k->head = (k->head + 1) % QUEUE_MAX;
		k->n--;
		pthread_cond_signal(&k->room);
		pthread_mutex_unlock(&k->lock);
		job_run(k, &j);
		pthread_mutex_lock(&k->lock);
	}
	pthread_mutex_unlock(&k->lock);
	return NULL;
}

/* A worker when there is a second CPU to run it on; else NULL and the
 * walk copies the data itself. */
static struct worker *worker_start(const struct walk *w)
{
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 || (w->flags & HK_COPY_ONE_THREAD))
		return NULL;
	struct worker *k = xcalloc(1, sizeof(*k));
	k->w = *w;
	k->w.buf = NULL;
	k->w.progress = NULL; /* the walk reports for both */
	k->w.in_worker = true;
	k->w.stats = &k->stats;
	pthread_mutex_init(&k->lock, NULL);
	pthread_cond_init(&k->more, NULL);
	pthread_cond_init(&k->room, NULL);
	if (pthread_create(&k->thread, NULL, worker_main, k) != 0) {
		free(k);
		return NULL;
	}
	return k;
}

/* Queues a file (the worker owns in and out from here on); the worker's
 * failure so far, if any, moves to *err. */
static int worker_add(struct worker *k, int in, int out, const struct stat *sb, const char *shown,
		      struct hk_error **err)
{
	pthread_mutex_lock(&k->lock);
	while (k->n == QUEUE_MAX)
		pthread_cond_wait(&k->room, &k->lock);
	k->q[(k->head + k->n) % QUEUE_MAX] = (struct file_job){ in, out, *sb, xstrdup(shown) };
	k->n++;
	pthread_cond_signal(&k->more);
	struct hk_error *e = k->err;
	k->err = NULL;
	pthread_mutex_unlock(&k->lock);
	if (!e)
		return 0;
	hk_error_propagate(err, &e);
	return -1;
}

/* Waits for the queued files; rc < 0 (the walk failed) skips their data.
 * Returns rc, or -1 with the worker's failure in *err. */
static int worker_finish(struct worker *k, struct walk *w, int rc, struct hk_error **err)
{
	pthread_mutex_lock(&k->lock);
	k->closing = true;
	if (rc < 0 && !k->err)
		hk_error_set(&k->err, ECANCELED, "copy stopped");
	pthread_cond_signal(&k->more);
	pthread_mutex_unlock(&k->lock);
	pthread_join(k->thread, NULL);
	w->stats->bytes += k->stats.bytes;
	w->stats->reflinks += k->stats.reflinks;
	if (rc == 0 && k->err) {
		hk_error_propagate(err, &k->err);
		rc = -1;
	}
	hk_error_free(k->err);
	free(k->w.buf);
	pthread_mutex_destroy(&k->lock);
	pthread_cond_destroy(&k->more);
	pthread_cond_destroy(&k->room);
	free(k);
	return rc;
}

static int copy_file(struct walk *w, int sdir, int ddir, const char *name, const struct stat *sb,
		     const char *shown, struct hk_error **err)
{
	hk_autoclose int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (in < 0)
		return hk_error_errno(err, "cannot open \"%s\"", shown);
	hk_autoclose int out =
		openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return hk_error_errno(err, "cannot create the copy of \"%s\"", shown);
	if (w->worker) {
		progress_add(w, (uint64_t)sb->st_size); /* queued counts as done */
		int rc = worker_add(w->worker, in, out, sb, shown, err);
		in = out = -1;
		return rc;
	}
	uint64_t before = w->done;
	if (copy_data(w, in, out, sb->st_size) < 0)
		return hk_error_errno(err, "cannot copy the data of \"%s\"", shown);
	w->done = before; /* holes and reflinks count as done too */
	progress_add(w, (uint64_t)sb->st_size);
	return apply_meta(w, in, out, sb, shown, err);
}

/* ---- other entries ---- */

static int copy_symlink(const struct walk *w, int sdir, int ddir, const char *name,
			const struct stat *sb, const char *shown, struct hk_error **err)
{
	size_t cap = sb->st_size > 0 ? (size_t)sb->st_size + 1 : 4096;
	hk_autofree char *target = xmalloc(cap);
	ssize_t n = readlinkat(sdir, name, target, cap);
	if (n < 0 || (size_t)n >= cap)
		return hk_error_errno(err, "cannot read symlink \"%s\"", shown);
	target[n] = '\0';
	if (symlinkat(target, ddir, name) < 0)
		return hk_error_errno(err, "cannot create the copy of symlink \"%s\"", shown);
	if (set_owner(w, ddir, name, AT_SYMLINK_NOFOLLOW, sb, shown, err) < 0)
		return -1;
	struct timespec ts[2] = { sb->st_atim, sb->st_mtim };
	if (utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return hk_error_errno(err, "cannot set the times of the copy of \"%s\"", shown);
	return 0;
}

/* Device nodes, fifos and sockets. */
static int copy_node(const struct walk *w, int sdir, int ddir, const char *name,
		     const struct stat *sb, const char *shown, struct hk_error **err)
{
	if (mknodat(ddir, name, sb->st_mode & (S_IFMT | 07777), sb->st_rdev) < 0)
		return hk_error_errno(err,
				      "cannot create the copy of special file \"%s\" (device "
				      "%u:%u)",
				      shown, major(sb->st_rdev), minor(sb->st_rdev));
	hk_autoclose int s = openat(sdir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	hk_autoclose int d = openat(ddir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (s < 0 || d < 0)
		return hk_error_errno(err, "cannot open special file \"%s\"", shown);
	return apply_meta(w, s, d, sb, shown, err);
}

static int copy_dir_at(struct walk *w, int sfd, int dfd, const char *rel, const char *shown,
		       struct hk_error **err);

static int copy_subdir(struct walk *w, int sdir, int ddir, const char *name, const struct stat *sb,
		       const char *rel, const char *shown, struct hk_error **err)
{
	if (mkdirat(ddir, name, 0700) < 0)
		return hk_error_errno(err, "cannot create the copy of \"%s\"", shown);
	hk_autoclose int s = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	hk_autoclose int d = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s < 0 || d < 0)
		return hk_error_errno(err, "cannot open directory \"%s\"", shown);
	if (sb->st_dev != w->dev) {
		/* A mount point: keep the empty directory, as cp -x does. */
		hk_log(HK_LOG_INFO, "copy: \"%s\" is a mount point; copied empty", shown);
		return apply_meta(w, s, d, sb, shown, err);
	}
	if (copy_dir_at(w, s, d, rel, shown, err) < 0)
		return -1;
	return apply_meta(w, s, d, sb, shown, err);
}

/* A second name of a file seen before becomes a hard link; true when done. */
static int try_link(struct walk *w, int ddir, const char *name, const struct stat *sb,
		    const char *rel, const char *shown, bool *done, struct hk_error **err)
{
	*done = false;
	if (S_ISDIR(sb->st_mode) || sb->st_nlink < 2)
		return 0;
	struct link_seen **slot = link_slot(w, sb);
	if (!*slot) {
		struct link_seen *l = xcalloc(1, sizeof(*l));
		l->dev = sb->st_dev;
		l->ino = sb->st_ino;
		l->rel = xstrdup(rel);
		*slot = l;
		return 0;
	}
	if (linkat(w->dst_root, (*slot)->rel, ddir, name, 0) < 0)
		return hk_error_errno(err, "cannot link \"%s\" in the copy", shown);
	w->stats->links++;
	*done = true;
	return 0;
}

static int copy_entry(struct walk *w, int sdir, int ddir, const char *name, const char *rel,
		      const char *shown, struct hk_error **err)
{
	struct stat sb;
	if (fstatat(sdir, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : hk_error_errno(err, "cannot look at \"%s\"", shown);
	bool linked;
	if (try_link(w, ddir, name, &sb, rel, shown, &linked, err) < 0)
		return -1;
	if (linked)
		return 0;
	w->stats->files++;
	switch (sb.st_mode & S_IFMT) {
	case S_IFDIR:
		return copy_subdir(w, sdir, ddir, name, &sb, rel, shown, err);
	case S_IFREG:
		return copy_file(w, sdir, ddir, name, &sb, shown, err);
	case S_IFLNK:
		return copy_symlink(w, sdir, ddir, name, &sb, shown, err);
	default:
		return copy_node(w, sdir, ddir, name, &sb, shown, err);
	}
}

static int copy_dir_at(struct walk *w, int sfd, int dfd, const char *rel, const char *shown,
		       struct hk_error **err)
{
	int dup_fd = fcntl(sfd, F_DUPFD_CLOEXEC, 3);
	DIR *d = dup_fd < 0 ? NULL : fdopendir(dup_fd);
	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		return hk_error_errno(err, "cannot read directory \"%s\"", shown);
	}
	int rc = 0;
	struct dirent *de;
	while (rc == 0 && (errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		hk_autofree char *r =
			*rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		hk_autofree char *s = xasprintf("%s/%s", shown, de->d_name);
		rc = copy_entry(w, sfd, dfd, de->d_name, r, s, err);
	}
	if (rc == 0 && errno)
		rc = hk_error_errno(err, "cannot read directory \"%s\"", shown);
	closedir(d);
	return rc;
}

static int open_dst_root(const char *dst, bool *made, struct hk_error **err)
{
	*made = false;
	if (mkdir(dst, 0700) == 0)
		*made = true;
	else if (errno != EEXIST)
		return hk_error_errno(err, "cannot create \"%s\"", dst);
	int fd = open(dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return hk_error_errno(err, "cannot open \"%s\"", dst);
	return fd;
}

static int copy_tree(struct walk *wp, const char *src, const char *dst, struct hk_copy_stats *stats,
		     struct hk_error **err);

int hk_copy_tree(const char *src, const char *dst, unsigned flags, struct hk_copy_stats *stats,
		 struct hk_error **err)
{
	return hk_copy_tree_owned_by_root(src, dst, flags, (uid_t)-1, (gid_t)-1, stats, err);
}

int hk_copy_tree_progress(const char *src, const char *dst, unsigned flags,
			  const struct hk_progress *progress, struct hk_copy_stats *stats,
			  struct hk_error **err)
{
	struct walk w = { .flags = flags, .from_uid = (uid_t)-1, .from_gid = (gid_t)-1 };
	if (progress && progress->fn)
		w.progress = progress;
	return copy_tree(&w, src, dst, stats, err);
}

int hk_copy_tree_owned_by_root(const char *src, const char *dst, unsigned flags, uid_t from_uid,
			       gid_t from_gid, struct hk_copy_stats *stats, struct hk_error **err)
{
	struct walk w = { .flags = flags, .from_uid = from_uid, .from_gid = from_gid };
	return copy_tree(&w, src, dst, stats, err);
}

int hk_copy_tree_shifted(const char *src, const char *dst, unsigned flags,
			 const struct hk_idmap *map, struct hk_copy_stats *stats,
			 struct hk_error **err)
{
	struct walk w = {
		.flags = flags, .from_uid = (uid_t)-1, .from_gid = (gid_t)-1, .shift = map
	};
	return copy_tree(&w, src, dst, stats, err);
}

static int copy_tree(struct walk *wp, const char *src, const char *dst, struct hk_copy_stats *stats,
		     struct hk_error **err)
{
	struct hk_copy_stats local = { 0 };
	struct walk w = *wp;
	w.stats = stats ? stats : &local;
	hk_autoclose int sfd = open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0)
		return hk_error_errno(err, "cannot open \"%s\" to copy it", src);
	struct stat sb;
	if (fstat(sfd, &sb) < 0)
		return hk_error_errno(err, "cannot look at \"%s\"", src);
	w.dev = sb.st_dev;
	bool made;
	hk_autoclose int dfd = open_dst_root(dst, &made, err);
	if (dfd < 0)
		return -1;
	w.dst_root = dfd;
	if (w.progress) {
		w.total = tree_bytes(sfd, w.dev);
		w.progress->fn(w.progress->data, "rootfs", 0, w.total);
		w.next_report = mono_ns() + REPORT_EVERY_NS;
	}
	w.worker = worker_start(&w);
	int rc = copy_dir_at(&w, sfd, dfd, "", src, err);
	if (w.worker)
		rc = worker_finish(w.worker, &w, rc, err);
	if (rc == 0)
		rc = apply_meta(&w, sfd, dfd, &sb, src, err);
	if (w.progress && rc == 0)
		w.progress->fn(w.progress->data, "rootfs", w.total, w.total);
	walk_free(&w);
	if (rc < 0)
		return hk_error_prefix(err, "copy \"%s\" to \"%s\"", src, dst);
	return 0;
}
