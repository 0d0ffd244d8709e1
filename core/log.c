/* log.c - level filter and sink dispatch for hk_log(). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

static hk_log_sink log_sink = hk_log_sink_stderr;
static void *log_ctx;
static enum hk_log_level log_level = HK_LOG_WARN;

static const char *const level_names[] = { "TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR" };

void hk_log_sink_stderr(void *ctx, enum hk_log_level level, const char *msg)
{
	(void)ctx;
	const char *tag = level >= HK_LOG_ERROR	 ? "error: "
			  : level == HK_LOG_WARN ? "warning: "
						 : "";
	fprintf(stderr, "hako: %s%s\n", tag, msg);
}

void hk_log(enum hk_log_level level, const char *fmt, ...)
{
	if (level < log_level || !log_sink)
		return;
	char *msg;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	log_sink(log_ctx, level, msg);
	free(msg);
}

void hk_log_set_sink(hk_log_sink sink, void *ctx)
{
	log_sink = sink;
	log_ctx = ctx;
}

void hk_log_set_level(enum hk_log_level level)
{
	log_level = level;
}

enum hk_log_level hk_log_get_level(void)
{
	return log_level;
}

int hk_log_level_parse(const char *name)
{
	static const struct {
		const char *name;
		enum hk_log_level level;
	} names[] = {
		{ "TRACE", HK_LOG_TRACE },   { "DEBUG", HK_LOG_DEBUG }, { "INFO", HK_LOG_INFO },
		{ "NOTICE", HK_LOG_NOTICE }, { "WARN", HK_LOG_WARN },	{ "WARNING", HK_LOG_WARN },
		{ "ERROR", HK_LOG_ERROR },   { "ERR", HK_LOG_ERROR },	{ "CRIT", HK_LOG_ERROR },
		{ "ALERT", HK_LOG_ERROR },   { "FATAL", HK_LOG_ERROR },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(name, names[i].name) == 0)
			return (int)names[i].level;
	return -1;
}

const char *hk_log_level_name(enum hk_log_level level)
{
	if ((unsigned)level >= sizeof(level_names) / sizeof(level_names[0]))
		return "?";
	return level_names[level];
}
