/* testutil.h - what every unit test includes: cmocka (with the headers it
 * needs before it) and the helpers that several tests share.  Include it
 * after the test's own system headers, before the headers under test. */
#ifndef HK_TESTUTIL_H
#define HK_TESTUTIL_H

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

/* assert_contains: fragment is a substring of text; a failure shows both. */
static inline void assert_contains(const char *text, const char *fragment)
{
	if (!text || !strstr(text, fragment))
		fail_msg("\"%s\" not in \"%s\"", fragment, text ? text : "(null)");
}

/* assert_has_v: every fragment of the NULL-terminated list ap is in msg
 * (for a test helper that takes the fragments as its own "..."). */
static inline void assert_has_v(const char *msg, va_list ap)
{
	for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *))
		assert_contains(msg, s);
}

/* assert_has: every fragment of the NULL-terminated list is in msg. */
static inline void assert_has(const char *msg, ...)
{
	va_list ap;
	va_start(ap, msg);
	assert_has_v(msg, ap);
	va_end(ap);
}

/* write_file: path holds text (mode 0644), written next to it and renamed
 * over it as hk_write_file_atomic does (a new inode; a reader never sees
 * half of it).  A failure names the path and the cause. */
static inline void write_file(const char *path, const char *text)
{
	char tmp[4096];
	size_t len = strlen(text);
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp))
		fail_msg("write_file: path too long: %s", path);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		fail_msg("write_file: cannot create a file next to %s: %s", path, strerror(errno));
	ssize_t n = fchmod(fd, 0644) < 0 ? -1 : write(fd, text, len);
	int saved = errno;
	close(fd);
	if (n != (ssize_t)len) {
		unlink(tmp);
		fail_msg("write_file: cannot write %s: %s", tmp,
			 n < 0 ? strerror(saved) : "short write");
	}
	if (rename(tmp, path) < 0) {
		saved = errno;
		unlink(tmp);
		fail_msg("write_file: cannot rename %s over %s: %s", tmp, path, strerror(saved));
	}
}

#endif
