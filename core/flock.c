/* flock.c - a shared lock file taken with a deadline: an flock(2) on an
 * open descriptor, polled (LOCK_NB) rather than waited for, so that no
 * holder, however stalled, can keep a caller waiting past its deadline.
 * The holder writes "PID\n" into the file once it has the lock, so a
 * caller that gives up can name it.  hako-nic's record lock and the lease
 * lock use it (root's starts and stops take the lease lock). */
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

int hk_flock_timed(int fd, const char *path, const char *what, unsigned timeout_ms, struct hk_error **err)
{
	long long start = hk_now_ms(), delay = POLL_MIN_MS;
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return hk_error_errno(err, "cannot lock %s \"%s\"", what, path);
		long long left = start + timeout_ms - hk_now_ms();
		if (left <= 0) {
			long pid = holder_of(fd);
			hk_autofree char *who = pid > 0 ? xasprintf("pid %ld", pid) : xstrdup("a process");
			return hk_error_set(err, ETIMEDOUT, "%s \"%s\" is held by %s, which has not let go in %u "
							    "ms; try again, and if it persists see what that process "
							    "is doing (as root: cat /proc/PID/stack; kill -9 PID "
							    "frees the lock)", what, path, who, timeout_ms);
		}
		nap_ms(delay < left ? delay : left);
		delay = delay * 2 > POLL_MAX_MS ? POLL_MAX_MS : delay * 2;
	}
	char line[32];
	int n = snprintf(line, sizeof(line), "%ld\n", (long)getpid());
	/* The holder's name is a courtesy: a lock whose file cannot be
	 * written still locks. */
	if (pwrite(fd, line, (size_t)n, 0) != n || ftruncate(fd, n) < 0)
		hk_log(HK_LOG_DEBUG, "cannot name the holder in %s \"%s\": %s", what, path, strerror(errno));
	return 0;
}
