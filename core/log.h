/* log.h - hk_log(): the one logging call, with a pluggable sink.
 * The CLI logs to stderr, the dashboard to a ring buffer it shows, and
 * --logfile to a file.  Nothing in core/ writes to the terminal otherwise. */
#ifndef HAKO_LOG_H
#define HAKO_LOG_H

enum hk_log_level {
	HK_LOG_TRACE,
	HK_LOG_DEBUG,
	HK_LOG_INFO,
	HK_LOG_NOTICE,
	HK_LOG_WARN,
	HK_LOG_ERROR
};

typedef void (*hk_log_sink)(void *ctx, enum hk_log_level level, const char *msg);

void hk_log(enum hk_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void hk_log_set_sink(hk_log_sink sink, void *ctx);
void hk_log_set_level(enum hk_log_level level);
enum hk_log_level hk_log_get_level(void);
/* "TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR" (case-insensitive; also
 * LXC's "WARNING", "ERR", "CRIT", "ALERT", "FATAL"); -1 if unknown. */
int hk_log_level_parse(const char *name);
const char *hk_log_level_name(enum hk_log_level level);
/* The default sink: "hako: warning: MSG" lines on stderr. */
void hk_log_sink_stderr(void *ctx, enum hk_log_level level, const char *msg);

#endif
