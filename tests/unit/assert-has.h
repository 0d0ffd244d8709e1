/* assert-has.h - what several unit tests check of an error message:
 * every fragment of a NULL-terminated list is in it.  Include after
 * <cmocka.h>. */
#ifndef HK_TEST_ASSERT_HAS_H
#define HK_TEST_ASSERT_HAS_H

#include <stdarg.h>
#include <string.h>

static inline void assert_has(const char *msg, ...)
{
	va_list ap;
	va_start(ap, msg);
	for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *))
		if (!strstr(msg, s))
			fail_msg("\"%s\" not in message \"%s\"", s, msg);
	va_end(ap);
}

#endif
