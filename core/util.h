/* util.h - allocation that aborts on failure, cleanup attributes, string
 * vectors and the small file helpers every core module needs (reading a
 * file, writing one atomically, making directories).
 *
 * Allocation failure aborts, so no caller checks for NULL.  Every owned type
 * has a cleanup attribute next to its free function; cleanups accept NULL
 * and -1.  hk_steal_ptr()/hk_steal_fd() hand ownership out of a scope.
 */
#ifndef HAKO_UTIL_H
#define HAKO_UTIL_H

#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "error.h"

struct msghdr;

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* xasprintf over a va_list: the one place that aborts when out of memory. */
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

void hk_freep(void *p);
void hk_closep(int *fd);
void hk_fclosep(FILE **f);

/* Every hk_auto* macro is the cleanup attribute alone and the declaration
 * names its own type, as in hk_autoerr struct hk_error *err = NULL;
 * (hk_autofree takes any pointer, so none can carry a type). */
#define hk_autofree   __attribute__((cleanup(hk_freep)))
#define hk_autoclose  __attribute__((cleanup(hk_closep)))
#define hk_autofclose __attribute__((cleanup(hk_fclosep)))

static inline void *hk_steal_ptr_impl(void *pp)
{
	void **p = pp;
	void *v = *p;
	*p = NULL;
	return v;
}
#define hk_steal_ptr(pp) hk_steal_ptr_impl(pp)

static inline int hk_steal_fd(int *fd)
{
	int v = *fd;
	*fd = -1;
	return v;
}

#define HK_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A NULL-terminated, growable vector of owned strings. */
struct hk_strv {
	char **v;
	size_t n;
	size_t cap;
};

void hk_strv_push(struct hk_strv *sv, const char *s);
void hk_strv_push_owned(struct hk_strv *sv, char *s);
void hk_strv_clear(struct hk_strv *sv);
/* A vector cleared when it goes out of scope: hk_autostrv struct hk_strv v = { 0 }; */
#define hk_autostrv __attribute__((cleanup(hk_strv_clear)))
bool hk_strv_contains(const struct hk_strv *sv, const char *s);
/* Sorts sv by strcmp; hk_strv_sorted_has then finds s by bisection. */
void hk_strv_sort(struct hk_strv *sv);
bool hk_strv_sorted_has(const struct hk_strv *sv, const char *s);
void hk_strv_copy(struct hk_strv *dst, const struct hk_strv *src);

/* String helpers. */
bool hk_str_has_prefix(const char *s, const char *prefix);
bool hk_str_has_suffix(const char *s, const char *suffix);
char *hk_str_trim(char *s); /* in place; returns s advanced past blanks */
/* Parses a whole decimal unsigned number; false on anything else. */
bool hk_parse_ulong(const char *s, unsigned long *out);
bool hk_parse_long(const char *s, long *out);

/* Reads a whole file (at most max bytes, 0 = 64 MiB) into a NUL-terminated
 * buffer.  dirfd may be AT_FDCWD. */
int hk_read_file_at(int dirfd, const char *path, char **out, size_t *len, size_t max,
		    struct hk_error **err);
int hk_read_file(const char *path, char **out, size_t *len, struct hk_error **err);
/* The same from an open fd, to its end (path names it in errors). */
int hk_read_fd(int fd, const char *path, char **out, size_t *len, size_t max,
	       struct hk_error **err);

/* Writes all of data to fd, again after a short write or EINTR: 0, or -1
 * with errno (EAGAIN: a non-blocking fd is full).  *done (may be NULL)
 * gets how many bytes went out either way. */
int hk_write_all(int fd, const void *data, size_t len, size_t *done);

/* recvmsg on a local socket pair, again after EINTR and after
 * ECONNRESET: a peer that exits with our last message unread in its
 * queue makes the kernel report a reset once, before the messages it
 * sent us, which are still queued and which the caller must not lose
 * (a child's error reply).  recvmsg's result. */
ssize_t hk_recvmsg_queued(int fd, struct msghdr *mh, int flags);

/* Writes data to path atomically: a temp file in the same directory, fsync,
 * rename over path, fsync of the directory.  Never leaves a partial file. */
int hk_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
			 struct hk_error **err);
/* The same without fsync, for run-time state that a reboot voids. */
int hk_write_run_file(const char *path, const void *data, size_t len, mode_t mode,
		      struct hk_error **err);

/* mkdir -p with the given mode for directories it creates. */
int hk_mkdir_p(const char *path, mode_t mode, struct hk_error **err);

/* rm -rf that never crosses into another mount and never follows symlinks. */
int hk_rm_rf(const char *path, struct hk_error **err);

/* pidfd helpers: signals go through pidfds so a reused PID is never hit. */
int hk_pidfd_open(pid_t pid);
int hk_pidfd_signal(int pidfd, int sig);
/* Field 22 of /proc/PID/stat (start time in clock ticks); -1 when the
 * process is gone or a zombie. */
long long hk_proc_start_time(pid_t pid);
/* CLOCK_MONOTONIC in milliseconds, for deadlines. */
long long hk_now_ms(void);
/* The same clock (CLOCK_MONOTONIC) in microseconds. */
long long hk_now_us(void);
/* Clock id in nanoseconds (the dashboard's benchmark timings). */
long long hk_clock_ns(clockid_t id);

/* A wait that polls (a cgroup freezing, emptying): the first look again
 * after 0.1 ms, each later one after twice as long, at most 10 ms apart,
 * so that a state reached at once costs microseconds, not a fixed 10 ms
 * sleep, and a slow one still costs few looks. */
struct hk_backoff {
	long ns;
};
#define HK_BACKOFF_INIT                                                                            \
	{                                                                                          \
		100000L                                                                            \
	}
void hk_backoff_sleep(struct hk_backoff *b);

/* ps's view of this process (proctitle.c): init remembers the argument
 * area main() got; set rewrites it (truncated to fit, NUL-padded), so
 * strings still needed from argv must be copied before. */
void hk_proctitle_init(int argc, char **argv);
void hk_proctitle_set(const char *title);
size_t hk_proctitle_room(void); /* bytes a title may have */

/* Locks fd (flock, exclusive), waiting at most timeout_ms for any one
 * holder (each writes its pid into the file) and 6 times that in all;
 * a holder that stalls gets an ETIMEDOUT error naming what, path and the
 * holder's pid.  flock.c. */
#define HK_FLOCK_WAIT_MS 30000
int hk_flock_timed(int fd, const char *path, const char *what, unsigned timeout_ms,
		   struct hk_error **err);

/* A growable byte buffer for building text. */
struct hk_buf {
	char *data;
	size_t len;
	size_t cap;
};
void hk_buf_append(struct hk_buf *b, const void *data, size_t len);
void hk_buf_puts(struct hk_buf *b, const char *s);
void hk_buf_printf(struct hk_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void hk_buf_free(struct hk_buf *b);
char *hk_buf_steal(struct hk_buf *b); /* NUL-terminated; resets b */

#endif
