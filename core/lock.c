/* lock.c - the per-container lock: an OFD write lock on
 * RUNDIR/s-HASH/NAME/lock.
 *
 * OFD locks belong to the open file description, not to the process: a
 * forked monitor inherits the descriptor and keeps the lock after the CLI
 * closes its copy, and the lock goes away only when the last descriptor is
 * closed (or the last holder dies) - no stale lock survives a crash.  The
 * file holds "PID COMMAND\n" of the holder so that a refused caller and
 * `ls` can name it; F_OFD_GETLK cannot (it reports pid -1).
 *
 * The file is never unlinked: unlinking while someone waits on the old
 * inode would let two processes "hold" two different files.  Should
 * something else remove or replace it, an acquirer notices that the path no
 * longer leads to the inode it locked and starts over.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "log.h"
#include "store-internal.h"

#define HOLDER_MAX  128 /* bytes of "PID COMMAND\n" read back */
#define COMMAND_MAX 64	/* bytes of COMMAND kept */
#define POLL_MIN_MS 5	/* first sleep between tries; doubles ... */
#define POLL_MAX_MS 100 /* ... up to this */
#define REOPEN_MAX  100 /* the file replaced under us this often: give up */

struct hk_lock {
	int fd;
	char *name;
};

static char *lock_command; /* hk_lock_set_command(), else from cmdline */

void hk_lock_set_command(const char *cmd)
{
	free(lock_command);
	lock_command = cmd ? xstrdup(cmd) : NULL;
}

/* Keeps the holder line one line of printable text. */
static void sanitize(char *s)
{
	size_t n = strlen(s);
	if (n > COMMAND_MAX) {
		n = COMMAND_MAX;
		s[n] = '\0';
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = '?';
}

/* "hako start" from "/usr/bin/hako\0start\0c1\0": the program's base name
 * and its first argument unless that is an option. */
static char *default_command(void)
{
	hk_autofree char *text = NULL;
	size_t len = 0;
	if (hk_read_file_at(AT_FDCWD, "/proc/self/cmdline", &text, &len, 1u << 16, NULL) < 0 ||
	    len == 0)
		return xstrdup("?");
	const char *argv0 = strrchr(text, '/') ? strrchr(text, '/') + 1 : text;
	size_t n0 = strlen(text);
	const char *argv1 = n0 + 1 < len ? text + n0 + 1 : NULL;
	if (argv1 && *argv1 && *argv1 != '-')
		return xasprintf("%s %s", argv0, argv1);
	return xstrdup(argv0);
}

static void write_holder(int fd, pid_t pid)
{
	char *cmd = lock_command ? xstrdup(lock_command) : default_command();
	sanitize(cmd);
	hk_autofree char *line = xasprintf("%ld %s\n", (long)pid, cmd);
	free(cmd);
	size_t n = strlen(line);
	/* Write, then cut: a reader never sees an empty file (it would name
	 * no holder), only the new line, maybe followed by old bytes after
	 * its newline, which read_holder ignores; and truncating to 0 first
	 * would free and reallocate the block, a journal commit on ext4. */
	if (pwrite(fd, line, n, 0) != (ssize_t)n || ftruncate(fd, (off_t)n) < 0)
		hk_log(HK_LOG_DEBUG, "cannot record the lock holder: %s", strerror(errno));
}

/* The pid written in the lock file (and its command in cmd), or -1. */
static pid_t read_holder(int fd, char *cmd, size_t cmd_size)
{
	char buf[HOLDER_MAX + 1];
	ssize_t r = pread(fd, buf, HOLDER_MAX, 0);
	if (cmd_size)
		cmd[0] = '\0';
	if (r <= 0)
		return -1;
	buf[r] = '\0';
	char *end;
	errno = 0;
	long pid = strtol(buf, &end, 10);
	if (errno || end == buf || pid <= 0 || pid > 0x7fffffff || (*end != ' ' && *end != '\n'))
		return -1;
	if (cmd_size && *end == ' ') {
		size_t n = strcspn(end + 1, "\n");
		if (n >= cmd_size)
			n = cmd_size - 1;
		memcpy(cmd, end + 1, n);
		cmd[n] = '\0';
	}
	return (pid_t)pid;
}

static void sleep_ms(long long ms);

static int busy_error(const char *name, int fd, unsigned waited_ms, struct hk_error **err)
{
	char cmd[COMMAND_MAX + 1];
	pid_t pid = read_holder(fd, cmd, sizeof(cmd));
	/* A holder that has just locked writes its line right after (a line
	 * of a dead process is one a crash left): wait for it a little (up
	 * to 50 ms), so the refusal can name it. */
	for (int i = 0; i < 50 && (pid <= 0 || (kill(pid, 0) < 0 && errno == ESRCH)); i++) {
		sleep_ms(1);
		pid = read_holder(fd, cmd, sizeof(cmd));
	}
	hk_autofree char *who = pid > 0 ? xasprintf("pid %ld (%s)", (long)pid, *cmd ? cmd : "?")
					: xstrdup("another process");
	hk_autofree char *waited =
		waited_ms ? xasprintf(" (waited %u ms)", waited_ms) : xstrdup("");
	return hk_error_set(err, EBUSY, "container \"%s\" is busy: locked by %s%s; try again later",
			    name, who, waited);
}

static void sleep_ms(long long ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* 0: locked; 1: busy (TRY, or WAIT until deadline); -1: errno. Polls
 * F_OFD_SETLK rather than blocking in F_OFD_SETLKW, which would need a
 * signal to time out. */
static int lock_fd(int fd, enum hk_lock_mode mode, long long deadline)
{
	long long delay = POLL_MIN_MS;
	for (;;) {
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EACCES)
			return -1;
		long long left = deadline - hk_now_ms();
		if (mode == HK_LOCK_TRY || left <= 0)
			return 1;
		sleep_ms(delay < left ? delay : left);
		delay = delay * 2 > POLL_MAX_MS ? POLL_MAX_MS : delay * 2;
	}
}

/* The path still leads to the inode we locked. */
static bool still_ours(int fd, const char *path)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* One try: open (creating directories and file), lock, verify.  Returns
 * 0 with *out_fd, 1 when the file was replaced (try again), -1 on error. */
static int try_once(const struct hk_ct *ct, enum hk_lock_mode mode, long long start,
		    unsigned timeout_ms, int *out_fd, struct hk_error **err)
{
	const char *name = ct->name;
	if (hk_ct_make_run_dir(ct, err) < 0)
		return hk_error_prefix(err, "lock container \"%s\"", name);
	hk_autofree char *path = xasprintf("%s/lock", ct->run_dir);
	hk_autoclose int fd =
		open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0 && errno == ENOENT)
		return 1; /* a sweep removed the directory just made (store-sweep.c) */
	if (fd < 0)
		return hk_error_errno(err, "lock container \"%s\": cannot open \"%s\"", name, path);
	int r = lock_fd(fd, mode, start + timeout_ms);
	if (r < 0)
		return hk_error_errno(err, "lock container \"%s\": cannot lock \"%s\"", name, path);
	if (r > 0)
		return busy_error(name, fd, mode == HK_LOCK_WAIT ? timeout_ms : 0, err);
	if (!still_ours(fd, path))
		return 1;
	*out_fd = hk_steal_fd(&fd);
	return 0;
}

int hk_ct_lock(const struct hk_ct *ct, enum hk_lock_mode mode, unsigned timeout_ms,
	       struct hk_lock **out, struct hk_error **err)
{
	const char *name = ct->name;
	long long start = hk_now_ms();
	int fd = -1;
	for (int i = 0; i < REOPEN_MAX; i++) {
		int r = try_once(ct, mode, start, timeout_ms, &fd, err);
		if (r < 0)
			return -1;
		if (r == 0) {
			struct hk_lock *l = xcalloc(1, sizeof(*l));
			l->fd = fd;
			l->name = xstrdup(name);
			write_holder(fd, getpid());
			*out = l;
			return 0;
		}
	}
	return hk_error_set(err, EAGAIN,
			    "lock container \"%s\": its lock file keeps being replaced; is another "
			    "program removing %s?",
			    name, hk_store_run_dir(ct->st));
}

static pid_t probe_path(const char *path);

pid_t hk_lock_probe(const struct hk_store *st, const char *name)
{
	if (hk_name_validate(name, NULL) < 0)
		return 0;
	hk_autofree char *run = hk_store_container_run_dir(st, name);
	return hk_lock_probe_dir(run);
}

pid_t hk_ct_lock_probe(const struct hk_ct *ct)
{
	return hk_lock_probe_dir(ct->run_dir);
}

pid_t hk_lock_probe_dir(const char *run_dir)
{
	hk_autofree char *path = xasprintf("%s/lock", run_dir);
	return probe_path(path);
}

/* Who holds the lock file at path (hk_lock_probe). */
static pid_t probe_path(const char *path)
{
	hk_autoclose int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0) {
		if (errno != ENOENT)
			hk_log(HK_LOG_DEBUG, "cannot open \"%s\": %s", path, strerror(errno));
		return 0; /* never locked since boot, or not ours to see */
	}
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	if (fcntl(fd, F_OFD_GETLK, &fl) < 0) {
		hk_log(HK_LOG_DEBUG, "cannot probe \"%s\": %s", path, strerror(errno));
		return 0;
	}
	if (fl.l_type == F_UNLCK)
		return 0;
	return read_holder(fd, NULL, 0);
}

int hk_lock_fd(const struct hk_lock *l)
{
	return l->fd;
}

void hk_lock_set_holder(struct hk_lock *l, pid_t pid)
{
	write_holder(l->fd, pid);
}

void hk_lock_release(struct hk_lock *l)
{
	if (!l)
		return;
	/* Still locked here: clear the line if it names us, so that the next
	 * holder's refusals never name us in the moment before it writes its
	 * own.  A line naming a child we handed the lock to stays. */
	if (l->fd >= 0 && read_holder(l->fd, NULL, 0) == getpid() && ftruncate(l->fd, 0) < 0)
		hk_log(HK_LOG_DEBUG, "cannot clear the holder of \"%s\": %m", l->name);
	if (l->fd >= 0)
		close(l->fd);
	free(l->name);
	free(l);
}

void hk_lock_releasep(struct hk_lock **l)
{
	if (l) {
		hk_lock_release(*l);
		*l = NULL;
	}
}
