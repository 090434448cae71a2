/* Logging to stderr, with levels; plain lines when stderr is the journal. */
#ifndef NPR_LOG_H
#define NPR_LOG_H

#include <stdarg.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

void log_init(enum log_level);
enum log_level log_get_level(void);

void log_vmsg(enum log_level, const char *, va_list) __attribute__((format(printf, 2, 0)));
void log_msg(enum log_level, const char *, ...) __attribute__((format(printf, 2, 3)));
/* A line of one session: `route "ROUTE" #ID: ...`. */
void log_vsession(enum log_level, const char *route, unsigned id,
    const char *, va_list) __attribute__((format(printf, 4, 0)));
void log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/*
 * A rate limit for lines that may repeat without bound: at most PER_SEC a
 * second. Returns whether this line may be logged; *SUPPRESSED is how many
 * were dropped in the second that just ended, to be reported once.
 */
struct log_rate {
	long second;
	unsigned lines;
	unsigned dropped;
};
int log_rate_allow(struct log_rate *, unsigned per_sec, unsigned *suppressed);
/* How many were dropped and not yet reported; counted as reported now.
 * For a timer that reports them when no more lines come. */
unsigned log_rate_take(struct log_rate *);

/* Send libevent's own messages through this log, rate-limited. */
void log_libevent_init(void);

/* Log and exit(1). */
void fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
