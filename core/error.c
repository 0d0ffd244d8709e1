/* error.c - struct hk_error: creation, context prefixes, rendering. */
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int hk_error_setv(struct hk_error **err, int code, const char *fmt, va_list ap)
{
	if (!err || *err)
		return -1;
	struct hk_error *e = xmalloc(sizeof(*e));
	e->code = code;
	e->complete = false;
	e->msg = xvasprintf(fmt, ap);
	*err = e;
	return -1;
}

int hk_error_set(struct hk_error **err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	hk_error_setv(err, code, fmt, ap);
	va_end(ap);
	return -1;
}

int hk_error_say(struct hk_error **err, int code, const char *fmt, ...)
{
	bool fresh = err && !*err;
	va_list ap;
	va_start(ap, fmt);
	hk_error_setv(err, code, fmt, ap);
	va_end(ap);
	if (fresh)
		(*err)->complete = true;
	return -1;
}

int hk_error_errno(struct hk_error **err, const char *fmt, ...)
{
	int code = errno;
	va_list ap;
	va_start(ap, fmt);
	hk_error_setv(err, code, fmt, ap);
	va_end(ap);
	errno = code;
	return -1;
}

int hk_error_prefix(struct hk_error **err, const char *fmt, ...)
{
	if (!err || !*err)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	char *prefix = xvasprintf(fmt, ap);
	va_end(ap);
	char *joined = xasprintf("%s: %s", prefix, (*err)->msg);
	free(prefix);
	free((*err)->msg);
	(*err)->msg = joined;
	return -1;
}

char *hk_error_render(const struct hk_error *e)
{
	if (!e)
		return xstrdup("unknown error");
	if (e->code > 0 && e->code != EINVAL && !e->complete)
		return xasprintf("%s: %s", e->msg, strerror(e->code));
	return xstrdup(e->msg);
}

void hk_error_free(struct hk_error *e)
{
	if (!e)
		return;
	free(e->msg);
	free(e);
}

void hk_error_freep(struct hk_error **e)
{
	hk_error_free(*e);
	*e = NULL;
}

void hk_error_propagate(struct hk_error **dst, struct hk_error **src)
{
	if (!src || !*src)
		return;
	if (dst && !*dst)
		*dst = *src;
	else
		hk_error_free(*src);
	*src = NULL;
}
