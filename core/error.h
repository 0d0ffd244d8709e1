/* error.h - the one error convention of hako.
 *
 * A fallible core function takes `struct hk_error **err` as its last
 * argument and returns a negative value (or NULL) on failure, with *err
 * holding an errno value (0 when none applies) and a message that names the
 * object, the cause and, where there is one, the fix.  Callers add context
 * with hk_error_prefix() ("start \"c1\": mount rootfs: ...").  The front end
 * prints the message once, with strerror(code) appended by hk_error_render()
 * (not for EINVAL, which marks bad input whose message says it all).
 * `err` may be NULL when the caller does not care.
 */
#ifndef HAKO_ERROR_H
#define HAKO_ERROR_H

#include <stdarg.h>

#include <stdbool.h>

struct hk_error {
	int code;      /* errno value, 0 when not an OS error */
	char *msg;     /* never NULL */
	bool complete; /* the message says it all: no strerror appended */
};

/* Sets *err (if err and *err is still NULL); returns -1 for tail calls. */
int hk_error_set(struct hk_error **err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int hk_error_setv(struct hk_error **err, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Same as hk_error_set, for a message that says it all ("container \"c1\"
 * does not exist in PATH; create it with ..."): the code is kept for
 * callers that test it, and hk_error_render appends nothing. */
int hk_error_say(struct hk_error **err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Same as hk_error_set with code = errno at the time of the call. */
int hk_error_errno(struct hk_error **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Puts "PREFIX: " in front of an existing message; returns -1. */
int hk_error_prefix(struct hk_error **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The message followed by ": strerror(code)" when code is set, not
 * EINVAL (bad input: the message says it all) and the error was not made
 * by hk_error_say. Caller frees. */
char *hk_error_render(const struct hk_error *e);

void hk_error_free(struct hk_error *e);
void hk_error_freep(struct hk_error **e);

/* Moves an error from *src to *dst (dst may be NULL: then it is freed). */
void hk_error_propagate(struct hk_error **dst, struct hk_error **src);

#define hk_autoerr __attribute__((cleanup(hk_error_freep)))

#endif
