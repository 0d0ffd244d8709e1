/* util.c - allocation, cleanups, string vectors, file helpers. */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		abort();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		abort();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		abort();
	return q;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");
	if (!p)
		abort();
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (!p)
		abort();
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *s;
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	return s;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

void hk_freep(void *p)
{
	free(*(void **)p);
}

void hk_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
	*fd = -1;
}

void hk_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
	*f = NULL;
}

void hk_strv_push_owned(struct hk_strv *sv, char *s)
{
	if (sv->n + 2 > sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 8;
		sv->v = xrealloc(sv->v, sv->cap * sizeof(char *));
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

void hk_strv_push(struct hk_strv *sv, const char *s)
{
	hk_strv_push_owned(sv, xstrdup(s));
}

void hk_strv_clear(struct hk_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void hk_strv_sort(struct hk_strv *sv)
{
	if (sv->n > 1)
		qsort(sv->v, sv->n, sizeof(*sv->v), cmp_strp);
}

bool hk_strv_sorted_has(const struct hk_strv *sv, const char *s)
{
	return sv->n && bsearch(&s, sv->v, sv->n, sizeof(*sv->v), cmp_strp) != NULL;
}

bool hk_strv_contains(const struct hk_strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return true;
	return false;
}

void hk_strv_copy(struct hk_strv *dst, const struct hk_strv *src)
{
	for (size_t i = 0; i < src->n; i++)
		hk_strv_push(dst, src->v[i]);
}

bool hk_str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool hk_str_has_suffix(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);
	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

char *hk_str_trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

bool hk_parse_ulong(const char *s, unsigned long *out)
{
	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

bool hk_parse_long(const char *s, long *out)
{
	if (!s || !*s || isspace((unsigned char)*s))
		return false;
	errno = 0;
	char *end;
	long v = strtol(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

int hk_read_file_at(int dirfd, const char *path, char **out, size_t *len, size_t max,
		    struct hk_error **err)
{
	hk_autoclose int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return hk_error_errno(err, "cannot open \"%s\"", path);
	return hk_read_fd(fd, path, out, len, max, err);
}

int hk_read_fd(int fd, const char *path, char **out, size_t *len, size_t max, struct hk_error **err)
{
	if (!max)
		max = 64u << 20;
	struct hk_buf b = { 0 };
	char chunk[8192];
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof(chunk));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			hk_buf_free(&b);
			return hk_error_errno(err, "cannot read \"%s\"", path);
		}
		if (r == 0)
			break;
		if (b.len + (size_t)r > max) {
			hk_buf_free(&b);
			return hk_error_set(err, EFBIG, "\"%s\" is larger than %zu bytes", path,
					    max);
		}
		hk_buf_append(&b, chunk, (size_t)r);
	}
	if (len)
		*len = b.len;
	*out = hk_buf_steal(&b);
	return 0;
}

int hk_read_file(const char *path, char **out, size_t *len, struct hk_error **err)
{
	return hk_read_file_at(AT_FDCWD, path, out, len, 0, err);
}

int hk_write_all(int fd, const void *data, size_t len, size_t *done)
{
	const char *p = data;
	size_t n = 0;
	int rc = 0;
	while (n < len) {
		ssize_t w = write(fd, p + n, len - n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EAGAIN; /* took nothing: full, as a non-blocking one says */
			rc = -1;
			break;
		}
		n += (size_t)w;
	}
	if (done)
		*done = n;
	return rc;
}

ssize_t hk_recvmsg_queued(int fd, struct msghdr *mh, int flags)
{
	bool reset_seen = false;
	for (;;) {
		ssize_t r = recvmsg(fd, mh, flags);
		if (r < 0 && errno == EINTR)
			continue;
		/* The reset is sock_error(): read once, then cleared. */
		if (r < 0 && errno == ECONNRESET && !reset_seen) {
			reset_seen = true;
			continue;
		}
		return r;
	}
}

static void fsync_parent_dir(const char *path)
{
	hk_autofree char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	hk_autoclose int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		fsync(dfd);
}

static int write_atomic(const char *path, const void *data, size_t len, mode_t mode, bool durable,
			struct hk_error **err)
{
	hk_autofree char *tmp = xasprintf("%s.tmp.XXXXXX", path);
	hk_autoclose int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return hk_error_errno(err, "cannot create a temporary file next to \"%s\"", path);
	if (fchmod(fd, mode) < 0 || hk_write_all(fd, data, len, NULL) < 0 ||
	    (durable && fsync(fd) < 0)) {
		hk_error_errno(err, "cannot write \"%s\"", path);
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		hk_error_errno(err, "cannot replace \"%s\"", path);
		unlink(tmp);
		return -1;
	}
	if (durable)
		fsync_parent_dir(path);
	return 0;
}

int hk_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
			 struct hk_error **err)
{
	return write_atomic(path, data, len, mode, true, err);
}

/* Run-time state is void after a reboot (the state file carries the boot
 * id), so it needs no fsync: the rename alone keeps readers from ever
 * seeing half a file.  (/run is not always tmpfs, where fsync is free.) */
int hk_write_run_file(const char *path, const void *data, size_t len, mode_t mode,
		      struct hk_error **err)
{
	return write_atomic(path, data, len, mode, false, err);
}

int hk_mkdir_p(const char *path, mode_t mode, struct hk_error **err)
{
	hk_autofree char *p = xstrdup(path);
	size_t n = strlen(p);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		char saved = p[i];
		p[i] = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return hk_error_errno(err, "cannot create directory \"%s\"", p);
		p[i] = saved;
	}
	struct stat st;
	if (stat(path, &st) < 0)
		return hk_error_errno(err, "cannot create directory \"%s\"", path);
	if (!S_ISDIR(st.st_mode))
		return hk_error_set(err, ENOTDIR, "\"%s\" exists and is not a directory", path);
	return 0;
}

/* Removes everything below dirfd without following symlinks or crossing
 * mount points (st_dev differs), so a bind mount left inside a rootfs can
 * never make destroy delete host files. */
static int rm_rf_at(int dirfd, dev_t dev, const char *shown, struct hk_error **err)
{
	int dup_fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	if (dup_fd < 0)
		return hk_error_errno(err, "cannot remove \"%s\"", shown);
	DIR *d = fdopendir(dup_fd);
	if (!d) {
		close(dup_fd);
		return hk_error_errno(err, "cannot read directory \"%s\"", shown);
	}
	int rc = 0;
	struct dirent *de;
	while (rc == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			rc = hk_error_errno(err, "cannot remove \"%s/%s\"", shown, de->d_name);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			if (st.st_dev != dev) {
				rc = hk_error_set(err, EBUSY,
						  "\"%s/%s\" is a mount point; unmount it first",
						  shown, de->d_name);
				break;
			}
			hk_autoclose int sub = openat(
				dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				rc = hk_error_errno(err, "cannot open \"%s/%s\"", shown,
						    de->d_name);
				break;
			}
			hk_autofree char *sub_shown = xasprintf("%s/%s", shown, de->d_name);
			rc = rm_rf_at(sub, dev, sub_shown, err);
			if (rc == 0 && unlinkat(dirfd, de->d_name, AT_REMOVEDIR) < 0)
				rc = hk_error_errno(err, "cannot remove \"%s\"", sub_shown);
		} else if (unlinkat(dirfd, de->d_name, 0) < 0 && errno != ENOENT) {
			rc = hk_error_errno(err, "cannot remove \"%s/%s\"", shown, de->d_name);
		}
	}
	closedir(d);
	return rc;
}

int hk_rm_rf(const char *path, struct hk_error **err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : hk_error_errno(err, "cannot remove \"%s\"", path);
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0)
			return hk_error_errno(err, "cannot remove \"%s\"", path);
		return 0;
	}
	hk_autoclose int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return hk_error_errno(err, "cannot open \"%s\"", path);
	if (rm_rf_at(fd, st.st_dev, path, err) < 0)
		return -1;
	if (rmdir(path) < 0)
		return hk_error_errno(err, "cannot remove \"%s\"", path);
	return 0;
}

void hk_buf_append(struct hk_buf *b, const void *data, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + len + 1)
			cap *= 2;
		b->data = xrealloc(b->data, cap);
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void hk_buf_puts(struct hk_buf *b, const char *s)
{
	hk_buf_append(b, s, strlen(s));
}

void hk_buf_printf(struct hk_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	hk_autofree char *s = xvasprintf(fmt, ap);
	va_end(ap);
	hk_buf_append(b, s, strlen(s));
}

void hk_buf_free(struct hk_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *hk_buf_steal(struct hk_buf *b)
{
	if (!b->data)
		return xstrdup("");
	char *d = b->data;
	b->data = NULL;
	b->len = b->cap = 0;
	return d;
}

int hk_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int hk_pidfd_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

void hk_backoff_sleep(struct hk_backoff *b)
{
	struct timespec ts = { 0, b->ns };
	nanosleep(&ts, NULL);
	if (b->ns < 10000000L)
		b->ns = b->ns * 2 > 10000000L ? 10000000L : b->ns * 2;
}

long long hk_now_ms(void)
{
	return hk_now_us() / 1000;
}

long long hk_now_us(void)
{
	return hk_clock_ns(CLOCK_MONOTONIC) / 1000;
}

long long hk_clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (long long)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

long long hk_proc_start_time(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	hk_autofree char *text = NULL;
	if (hk_read_file(path, &text, NULL, NULL) < 0)
		return -1;
	/* The command name may hold spaces and ')': fields start after the last ')'. */
	const char *p = strrchr(text, ')');
	if (!p)
		return -1;
	long long start = -1;
	int field = 2;
	for (char *save, *tok = strtok_r((char *)p + 1, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		/* A zombie (Z) or a dying task (X) no longer runs. */
		if (++field == 3 && (tok[0] == 'Z' || tok[0] == 'X'))
			return -1;
		if (field == 22) {
			start = strtoll(tok, NULL, 10);
			break;
		}
	}
	return start;
}
