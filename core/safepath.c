/* safepath.c - RESOLVE_IN_ROOT path resolution with a fallback walker.
 *
 * The fallback keeps a stack of O_PATH directory fds from the rootfs top
 * down to the current directory, and a queue of components still to walk.
 * A symlink's target is pushed in front of the remaining components
 * (an absolute one first resets the stack to the top), ".." pops (never
 * past the top), and at most HK_MAX_SYMLINKS links are followed, as the
 * kernel does. */
#include "safepath.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#define HK_MAX_SYMLINKS 40
#define HK_MAX_DEPTH	256

void hk_fd_path(int fd, char buf[32])
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
}

static int openat2_state = -1; /* -1 unknown, 0 missing, 1 works */

void hk_safe_reprobe(void)
{
	openat2_state = -1;
}

bool hk_safe_have_openat2(void)
{
	if (openat2_state < 0) {
		const char *off = getenv("HAKO_NO_OPENAT2");
		if (off && strcmp(off, "1") == 0) {
			openat2_state = 0;
		} else {
			struct open_how how = { .flags = O_PATH | O_CLOEXEC };
			long fd = syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));
			openat2_state = fd >= 0;
			if (fd >= 0)
				close((int)fd);
		}
	}
	return openat2_state == 1;
}

static int do_openat2(int rootfd, const char *path, int flags, mode_t mode, unsigned extra)
{
	bool nofollow_last = extra & HK_SAFE_NOFOLLOW_LAST;
	unsigned long long resolve = (extra & HK_SAFE_BENEATH) ? RESOLVE_BENEATH : RESOLVE_IN_ROOT;
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC | (nofollow_last ? O_NOFOLLOW : 0)),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = resolve | RESOLVE_NO_MAGICLINKS,
	};
	for (;;) {
		long fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN)
			return (int)fd;
		/* EAGAIN: a rename raced with the lookup; the kernel asks us to retry. */
	}
}

/* The fallback walker's state. */
struct walk {
	int stack[HK_MAX_DEPTH]; /* stack[0] is the rootfs top */
	int depth;		 /* index of the current directory */
	struct hk_strv queue;	 /* components left, in reverse order (pop from end) */
	int links;
	bool beneath; /* HK_SAFE_BENEATH: escaping links are errors */
};

static void walk_push_components(struct walk *w, const char *path)
{
	/* Components are stored reversed so the next one is at the end. */
	hk_autofree char *copy = xstrdup(path);
	hk_autostrv struct hk_strv parts = { 0 };
	for (char *save, *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save))
		if (strcmp(c, ".") != 0)
			hk_strv_push(&parts, c);
	for (size_t i = parts.n; i > 0; i--)
		hk_strv_push(&w->queue, parts.v[i - 1]);
}

static char *walk_pop(struct walk *w)
{
	if (w->queue.n == 0)
		return NULL;
	char *c = w->queue.v[--w->queue.n];
	w->queue.v[w->queue.n] = NULL;
	return c;
}

static void walk_reset_to_top(struct walk *w)
{
	while (w->depth > 0)
		close(w->stack[w->depth--]);
}

static void walk_free(struct walk *w)
{
	walk_reset_to_top(w);
	close(w->stack[0]);
	hk_strv_clear(&w->queue);
}

/* Follows a symlink found at (dirfd, name): queues its target. */
static int walk_follow(struct walk *w, int linkfd, const char *shown, struct hk_error **err)
{
	if (++w->links > HK_MAX_SYMLINKS)
		return hk_error_set(err, ELOOP, "too many symlinks resolving \"%s\" in the rootfs",
				    shown);
	char target[PATH_MAX];
	ssize_t n = readlinkat(linkfd, "", target, sizeof(target) - 1);
	if (n < 0)
		return hk_error_errno(err, "cannot read symlink in \"%s\"", shown);
	target[n] = '\0';
	if (target[0] == '/' && w->beneath)
		return hk_error_set(
			err, EXDEV,
			"\"%s\" goes through an absolute symlink in the rootfs; refusing", shown);
	if (target[0] == '/')
		walk_reset_to_top(w);
	walk_push_components(w, target);
	return 0;
}

/* Walks every component but the last; returns the current directory fd via the stack and leaves the
 * last component name in *last (NULL when the path ends at a directory). */
static int walk_parent(struct walk *w, char **last, const char *shown, struct hk_error **err)
{
	*last = NULL;
	char *c;
	while ((c = walk_pop(w))) {
		if (strcmp(c, "..") == 0) {
			if (w->depth == 0 && w->beneath) {
				free(c);
				return hk_error_set(
					err, EXDEV,
					"\"%s\" climbs above the rootfs with \"..\"; refusing",
					shown);
			}
			if (w->depth > 0)
				close(w->stack[w->depth--]);
			free(c);
			continue;
		}
		if (w->queue.n == 0) {
			*last = c;
			return 0;
		}
		int fd = openat(w->stack[w->depth], c, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			hk_error_errno(err, "cannot resolve \"%s\" in the rootfs (at \"%s\")",
				       shown, c);
			free(c);
			return -1;
		}
		struct stat st;
		if (fstat(fd, &st) < 0) {
			close(fd);
			free(c);
			return hk_error_errno(err, "cannot stat \"%s\" in the rootfs", shown);
		}
		if (S_ISLNK(st.st_mode)) {
			int r = walk_follow(w, fd, shown, err);
			close(fd);
			free(c);
			if (r < 0)
				return -1;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			close(fd);
			free(c);
			return hk_error_set(err, ENOTDIR, "\"%s\": a component is not a directory",
					    shown);
		}
		if (w->depth + 1 >= HK_MAX_DEPTH) {
			close(fd);
			free(c);
			return hk_error_set(err, ENAMETOOLONG, "\"%s\" is nested too deeply",
					    shown);
		}
		w->stack[++w->depth] = fd;
		free(c);
	}
	return 0;
}

static int walk_init(struct walk *w, int rootfd, const char *path, unsigned extra,
		     struct hk_error **err)
{
	memset(w, 0, sizeof(*w));
	w->beneath = extra & HK_SAFE_BENEATH;
	w->stack[0] = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	if (w->stack[0] < 0)
		return hk_error_errno(err, "cannot duplicate the rootfs descriptor");
	walk_push_components(w, path);
	return 0;
}

/* Opens the last component relative to the walked parent; a symlink there
 * is followed by restarting the walk with its target (bounded). */
static int fallback_open(int rootfd, const char *path, int flags, mode_t mode, unsigned extra,
			 struct hk_error **err)
{
	struct walk w;
	if (walk_init(&w, rootfd, path, extra, err) < 0)
		return -1;
	int result = -1;
	for (;;) {
		hk_autofree char *last = NULL;
		if (walk_parent(&w, &last, path, err) < 0)
			break;
		int dirfd = w.stack[w.depth];
		if (!last) { /* the path named a directory (or the top) */
			result = openat(dirfd, ".", (flags & ~(O_CREAT | O_EXCL)) | O_CLOEXEC);
			if (result < 0)
				hk_error_errno(err, "cannot open \"%s\" in the rootfs", path);
			break;
		}
		int fd = openat(dirfd, last, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			struct stat st;
			if (fstat(fd, &st) == 0 && S_ISLNK(st.st_mode) &&
			    !(extra & HK_SAFE_NOFOLLOW_LAST)) {
				int r = walk_follow(&w, fd, path, err);
				close(fd);
				if (r < 0)
					break;
				continue;
			}
			close(fd);
		}
		result = openat(dirfd, last, flags | O_NOFOLLOW | O_CLOEXEC, mode);
		if (result < 0)
			hk_error_errno(err, "cannot open \"%s\" in the rootfs", path);
		break;
	}
	walk_free(&w);
	return result;
}

int hk_safe_open(int rootfd, const char *path, int flags, mode_t mode, unsigned extra,
		 struct hk_error **err)
{
	if ((flags & O_CREAT) && !(extra & HK_SAFE_CREATE_OK))
		flags |= O_EXCL;
	if (flags & O_CREAT)
		extra |= HK_SAFE_NOFOLLOW_LAST;
	/* Paths are always taken from the top of the rootfs; RESOLVE_BENEATH
	 * refuses absolute ones, so make them relative. */
	const char *shown = path;
	while (*path == '/')
		path++;
	if (!*path)
		path = ".";
	if (!hk_safe_have_openat2())
		return fallback_open(rootfd, path, flags, mode, extra, err);
	int fd = do_openat2(rootfd, path, flags, mode, extra);
	if (fd < 0 && errno == EXDEV)
		return hk_error_errno(
			err,
			"\"%s\" leads out of the rootfs (an absolute symlink or \"..\"); refusing",
			shown);
	if (fd < 0)
		return hk_error_errno(err, "cannot open \"%s\" in the rootfs", shown);
	return fd;
}

int hk_safe_mkdir_p(int rootfd, const char *path, mode_t mode, unsigned extra,
		    struct hk_error **err)
{
	extra &= HK_SAFE_BENEATH;
	int cur = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	if (cur < 0)
		return hk_error_errno(err, "cannot duplicate the rootfs descriptor");
	hk_autofree char *copy = xstrdup(path);
	struct hk_buf sofar = { 0 };
	for (char *save, *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		hk_buf_printf(&sofar, "/%s", c);
		/* Each step re-resolves the prefix inside the root, so a component
		 * that is a symlink is followed but can never lead outside. */
		int next = hk_safe_open(rootfd, sofar.data, O_PATH | O_DIRECTORY, 0, extra, NULL);
		if (next < 0) {
			hk_autofree char *parent = xstrndup(sofar.data, sofar.len - strlen(c) - 1);
			hk_autoclose int pfd = hk_safe_open(rootfd, *parent ? parent : "/",
							    O_PATH | O_DIRECTORY, 0, extra, err);
			if (pfd < 0 || (mkdirat(pfd, c, mode) < 0 && errno != EEXIST)) {
				if (pfd >= 0)
					hk_error_errno(err, "cannot create \"%s\" in the rootfs",
						       sofar.data);
				close(cur);
				hk_buf_free(&sofar);
				return -1;
			}
			next = hk_safe_open(rootfd, sofar.data, O_PATH | O_DIRECTORY, 0, extra,
					    err);
			if (next < 0) {
				close(cur);
				hk_buf_free(&sofar);
				return -1;
			}
		}
		close(cur);
		cur = next;
	}
	hk_buf_free(&sofar);
	return cur;
}

int hk_safe_touch(int rootfd, const char *path, mode_t mode, unsigned extra, struct hk_error **err)
{
	extra &= HK_SAFE_BENEATH;
	int fd = hk_safe_open(rootfd, path, O_PATH, 0, extra, NULL);
	if (fd >= 0)
		return fd;
	hk_autoclose int created = hk_safe_open(rootfd, path, O_WRONLY | O_CREAT, mode, extra, err);
	if (created < 0)
		return -1;
	return hk_safe_open(rootfd, path, O_PATH, 0, extra, err);
}
