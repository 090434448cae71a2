/* A relay's stderr, logged line by line with a per-session rate limit. */
#include "relay_err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "chan.h"
#include "escape.h"
#include "log.h"

/* A line longer than this is logged in pieces. */
#define RELAY_ERR_LINE_MAX 1024
/* Lines logged per second; the rest is counted and reported. */
#define RELAY_ERR_BURST 20
/* Reads of what is left in the pipe at the end. */
#define RELAY_ERR_DRAIN_READS 64

struct relay_err {
	struct bufferevent *bev;
	char tag[128]; /* route "NAME" #ID */
	struct timespec window; /* start of the current second */
	unsigned lines;         /* logged in it */
	unsigned long suppressed;
	char last[RELAY_ERR_LINE_MAX + 1]; /* the last line not empty */
};

/* Say how many lines of the last window were not logged. */
static void
relay_err_flush(struct relay_err *e)
{
	if (e->suppressed == 0)
		return;
	log_warn("%s: relay: %lu line(s) suppressed (more than %d a second)",
	    e->tag, e->suppressed, RELAY_ERR_BURST);
	e->suppressed = 0;
}

/* LINE (LEN bytes) is the relay's, which may print anything: control
 * bytes are escaped, so a terminal showing the log obeys none and a NUL
 * cuts nothing. */
static void
relay_err_line(struct relay_err *e, const char *line, size_t len)
{
	char shown[RELAY_ERR_LINE_MAX * 4 + 4];
	struct timespec now;

	/* Kept whatever the rate limit says: it may be why the relay failed. */
	if (len > 0) {
		if (len > RELAY_ERR_LINE_MAX)
			len = RELAY_ERR_LINE_MAX;
		memcpy(e->last, line, len);
		e->last[len] = '\0';
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec - e->window.tv_sec > 1 ||
	    (now.tv_sec - e->window.tv_sec == 1 &&
	    now.tv_nsec >= e->window.tv_nsec)) {
		relay_err_flush(e);
		e->window = now;
		e->lines = 0;
	}
	if (e->lines >= RELAY_ERR_BURST) {
		e->suppressed++;
		return;
	}
	e->lines++;
	log_info("%s: relay: %s", e->tag, escape_bytes(shown, sizeof shown,
	    line, len, ESCAPE_ALL, 0));
}

/* Every whole line in the input; with FINAL, the rest too. */
static void
relay_err_log(struct relay_err *e, int final)
{
	struct evbuffer *in = bufferevent_get_input(e->bev);
	char *line, chunk[RELAY_ERR_LINE_MAX];
	size_t n;

	/* CRLF too: a Windows relay ends its lines so, and a CR left in would
	 * be escaped. */
	while ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF)) != NULL) {
		relay_err_line(e, line, n);
		free(line);
	}
	while ((n = evbuffer_get_length(in)) >= RELAY_ERR_LINE_MAX ||
	    (final && n > 0)) {
		n = evbuffer_remove(in, chunk, RELAY_ERR_LINE_MAX);
		relay_err_line(e, chunk, n);
	}
	if (final)
		relay_err_flush(e);
}

static void
relay_err_read_cb(struct bufferevent *bev, void *arg)
{
	relay_err_log(arg, 0);
}

static void
relay_err_event_cb(struct bufferevent *bev, short what, void *arg)
{
	relay_err_log(arg, 1);
	bufferevent_disable(bev, EV_READ);
}

struct relay_err *
relay_err_new(struct event_base *base, int fd, const char *route,
    unsigned id)
{
	struct relay_err *e;

	if ((e = calloc(1, sizeof *e)) == NULL)
		fatalx("out of memory");
	/* Only logged, so libevent's own buffering will do. */
	e->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (e->bev == NULL)
		fatalx("out of memory for a bufferevent");
	snprintf(e->tag, sizeof e->tag, "route \"%s\" #%u", route, id);
	bufferevent_setcb(e->bev, relay_err_read_cb, NULL, relay_err_event_cb,
	    e);
	bufferevent_enable(e->bev, EV_READ);
	return e;
}

/* Read and log what is left in the pipe, then the last partial line. */
static void
relay_err_drain(struct relay_err *e)
{
	struct evbuffer *in;
	int n = 0;

	/* The bufferevent keeps its input frozen but while it reads itself.
	 * Bounded: a process that escaped the relay's group may hold the
	 * pipe and write on. */
	in = bufferevent_get_input(e->bev);
	evbuffer_unfreeze(in, 0);
	while (n++ < RELAY_ERR_DRAIN_READS &&
	    evbuffer_read(in, bufferevent_getfd(e->bev), CHAN_READ_MAX) > 0)
		relay_err_log(e, 0);
	relay_err_log(e, 1);
	evbuffer_freeze(in, 0);
}

void
relay_err_free(struct relay_err *e)
{
	if (e == NULL)
		return;
	relay_err_drain(e);
	bufferevent_free(e->bev);
	free(e);
}

const char *
relay_err_last(struct relay_err *e)
{
	relay_err_drain(e);
	return e->last;
}

uint32_t
relay_err_code(const char *line)
{
	static const char tag[] = " (error ";
	const char *p = NULL, *at = NULL;
	unsigned long long code = 0;
	size_t len = strlen(line);

	if (len < sizeof tag + 1 || line[len - 1] != ')')
		return 0;
	/* The last " (error ": the text before it may hold one too. */
	for (p = line; (p = strstr(p, tag)) != NULL; p++)
		at = p;
	if (at == NULL)
		return 0;
	for (p = at + sizeof tag - 1; *p >= '0' && *p <= '9'; p++) {
		code = code * 10 + (unsigned)(*p - '0');
		if (code > UINT32_MAX)
			return 0;
	}
	if (p == at + sizeof tag - 1 || p != line + len - 1)
		return 0;
	return (uint32_t)code;
}
