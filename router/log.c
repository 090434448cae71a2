/* Logging to stderr. Under systemd (JOURNAL_STREAM names our stderr) lines
 * carry a <N> priority prefix and no timestamp: the journal adds its own. */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <event2/event.h>

static enum log_level log_level = LOG_LEVEL_INFO;
static int log_journal;

static const char *const log_names[] = { "error", "warn", "info", "debug" };
static const int log_syslog_prio[] = { 3, 4, 6, 7 };

/* True when stderr is the stream systemd connected to the journal. */
static int
log_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (env == NULL || sscanf(env, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(2, &st) != 0)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_init(enum log_level level)
{
	log_level = level;
	log_journal = log_is_journal();
}

enum log_level
log_get_level(void)
{
	return log_level;
}

void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char line[2048];
	struct timespec ts;
	struct tm tm;

	if (level > log_level)
		return;
	vsnprintf(line, sizeof line, fmt, ap);
	if (log_journal) {
		fprintf(stderr, "<%d>%s\n", log_syslog_prio[level], line);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	fprintf(stderr, "%02d:%02d:%02d.%03ld npiperouter %s: %s\n", tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, log_names[level], line);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void
log_vsession(enum log_level level, const char *route, unsigned id,
    const char *fmt, va_list ap)
{
	char msg[1536];

	if (level > log_level)
		return;
	vsnprintf(msg, sizeof msg, fmt, ap);
	log_msg(level, "route \"%s\" #%u: %s", route, id, msg);
}

#define LOG_DEFINE(fn, level)				\
	void						\
	fn(const char *fmt, ...)			\
	{						\
		va_list ap;				\
		va_start(ap, fmt);			\
		log_vmsg(level, fmt, ap);		\
		va_end(ap);				\
	}
LOG_DEFINE(log_error, LOG_LEVEL_ERROR)
LOG_DEFINE(log_warn, LOG_LEVEL_WARN)
LOG_DEFINE(log_info, LOG_LEVEL_INFO)
LOG_DEFINE(log_debug, LOG_LEVEL_DEBUG)

int
log_rate_allow(struct log_rate *r, unsigned per_sec, unsigned *suppressed)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	*suppressed = 0;
	if (ts.tv_sec != r->second) {
		*suppressed = r->dropped;
		r->second = ts.tv_sec;
		r->lines = 0;
		r->dropped = 0;
	}
	if (r->lines >= per_sec) {
		r->dropped++;
		return 0;
	}
	r->lines++;
	return 1;
}

unsigned
log_rate_take(struct log_rate *r)
{
	unsigned n = r->dropped;

	r->dropped = 0;
	return n;
}

/* libevent repeats a warning as often as its cause recurs (an accept()
 * that keeps failing): a few lines a second say it all. */
#define LOG_LIBEVENT_PER_SEC 5

static void
log_libevent_cb(int severity, const char *msg)
{
	static struct log_rate rate;
	enum log_level level = LOG_LEVEL_DEBUG;
	unsigned suppressed;
	int allow;

	if (severity == EVENT_LOG_ERR)
		level = LOG_LEVEL_ERROR;
	else if (severity == EVENT_LOG_WARN)
		level = LOG_LEVEL_WARN;
	else if (severity == EVENT_LOG_MSG)
		level = LOG_LEVEL_INFO;
	if (level > log_level)
		return;
	allow = log_rate_allow(&rate, LOG_LIBEVENT_PER_SEC, &suppressed);
	if (suppressed > 0)
		log_warn("libevent: %u message(s) suppressed", suppressed);
	if (allow)
		log_msg(level, "libevent: %s", msg);
}

void
log_libevent_init(void)
{
	event_set_log_callback(log_libevent_cb);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LEVEL_ERROR, fmt, ap);
	va_end(ap);
	exit(1);
}
