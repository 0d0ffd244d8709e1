/* flock.c - a shared lock file taken with a deadline: an flock(2) on an
 * open descriptor, polled (LOCK_NB) rather than waited for, so that no
 * holder, however stalled, can keep a caller waiting past its deadline.
 * The holder writes "PID\n" into the file once it has the lock, so a
 * caller that gives up can name it; and the deadline is per holder (a
 * lock that passes from holder to holder under load is progress, not a
 * stall), with an overall cap of CAP_TIMES deadlines.  hako-nic's record
 * lock and the lease lock use it (root's starts and stops take the lease
 * lock). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define POLL_MIN_MS 1
#define POLL_MAX_MS 10 /* short: a lock held for milliseconds is the rule */
#define CAP_TIMES   6  /* however many holders come and go, at most this many timeouts */

static void nap_ms(long long ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The pid the holder wrote, or -1. */
static long holder_of(int fd)
{
	char buf[32];
	ssize_t r = pread(fd, buf, sizeof(buf) - 1, 0);
	if (r <= 0)
		return -1;
	buf[r] = '\0';
	char *end;
	long pid = strtol(buf, &end, 10);
	return end != buf && pid > 0 && *end == '\n' ? pid : -1;
}

int hk_flock_timed(int fd, const char *path, const char *what, unsigned timeout_ms,
		   struct hk_error **err)
{
	long long start = hk_now_ms(), since = start, delay = POLL_MIN_MS;
	long seen = holder_of(fd);
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return hk_error_errno(err, "cannot lock %s \"%s\"", what, path);
		long long now = hk_now_ms();
		long pid = holder_of(fd);
		if (pid != seen) { /* another holder: the lock moves on */
			seen = pid;
			since = now;
		}
		long long left = since + timeout_ms - now,
			  cap = start + (long long)timeout_ms * CAP_TIMES - now;
		if (left <= 0 || cap <= 0) {
			hk_autofree char *who =
				pid > 0 ? xasprintf("pid %ld (as root, see what it does: cat "
						    "/proc/%ld/stack; kill -9 %ld frees the lock)",
						    pid, pid, pid)
					: xstrdup("a process that did not write its pid (as root: "
						  "fuser -v FILE names it)");
			return hk_error_set(err, ETIMEDOUT,
					    "%s \"%s\" is still held after %lld ms of waiting, by "
					    "%s; try again",
					    what, path, now - start, who);
		}
		if (cap < left)
			left = cap;
		nap_ms(delay < left ? delay : left);
		delay = delay * 2 > POLL_MAX_MS ? POLL_MAX_MS : delay * 2;
	}
	char line[32];
	int n = snprintf(line, sizeof(line), "%ld\n", (long)getpid());
	/* The holder's name is a courtesy: a lock whose file cannot be
	 * written still locks. */
	if (pwrite(fd, line, (size_t)n, 0) != n || ftruncate(fd, n) < 0)
		hk_log(HK_LOG_DEBUG, "cannot name the holder in %s \"%s\": %s", what, path,
		       strerror(errno));
	return 0;
}
