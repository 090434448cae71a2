/*
 * What a session watches besides its bytes: a client we no longer read
 * from, which may have left for good, and idle_timeout.
 */
#include "session_priv.h"

#include <poll.h>

#include <event2/event.h>

#include "config.h"

/* How often a client we do not read from is polled to see whether it
 * left. */
#define SESSION_PROBE_SECS 2

/*
 * A client we no longer read from (it sent EOF, or we paused because the
 * relay does not take its bytes): is it done for good, closed rather
 * than half-closed (or half-closed while we shut down our side, passing
 * the relay's EOF on)? Nothing more goes to or from it then, and a relay
 * that neither reads nor writes would otherwise keep the session
 * forever: only the relay's answer could have told us, by failing to be
 * written.
 */
static int
session_probing(const struct session *s)
{
	return !s->client_gone && !s->relay_ended &&
	    (s->up.eof || s->up.paused);
}

void
session_check_client(struct session *s)
{
	struct pollfd p = { s->client_fd, 0, 0 };

	if (!session_probing(s))
		return;
	if (poll(&p, 1, 0) != 1 || !(p.revents & (POLLHUP | POLLERR)))
		return;
	s->client_gone = 1;
	session_log(s, LOG_LEVEL_DEBUG, "client finished");
	session_dir_kill(&s->down);
}

/* Poll a client we do not read from now and then, until the relay has
 * been told it has no more use. */
void
session_probe_arm(struct session *s)
{
	struct timeval tv = { SESSION_PROBE_SECS, 0 };

	if (session_probing(s) && !s->lingering &&
	    !evtimer_pending(s->ev_probe, NULL))
		evtimer_add(s->ev_probe, &tv);
}

void
session_probe_stop(struct session *s)
{
	evtimer_del(s->ev_probe);
}

static void
session_probe_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;

	session_check_client(s);
	session_update(s);
}

/* Nothing moved either way for idle_timeout: close both sides; the
 * relay sees EOF, and its backend ends it if that is not enough. */
static void
session_idle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	unsigned limit = s->conf->idle_timeout;
	struct timespec now;
	struct timeval tv = { 0, 0 };
	time_t idle;

	if (s->state == SESSION_DRAINED)
		return; /* closed already; the relay's backend has it */
	clock_gettime(CLOCK_MONOTONIC, &now);
	idle = now.tv_sec - s->last_io.tv_sec;
	if (idle < (time_t)limit) {
		tv.tv_sec = (time_t)limit - idle;
		evtimer_add(s->ev_idle, &tv);
		return;
	}
	session_log(s, LOG_LEVEL_INFO, "no traffic for %us (idle_timeout); "
	    "closing the session", limit);
	session_close(s);
}

static void
session_close_cb(evutil_socket_t fd, short what, void *arg)
{
	session_io_timeout(arg);
}

void
session_close_arm(struct session *s, int secs)
{
	struct timeval tv = { secs, 0 };

	evtimer_add(s->ev_close, &tv);
}

void
session_watch_start(struct session *s, struct event_base *base)
{
	struct timeval tv = { (time_t)s->conf->idle_timeout, 0 };

	if ((s->ev_probe = evtimer_new(base, session_probe_cb, s)) == NULL ||
	    (s->ev_close = evtimer_new(base, session_close_cb, s)) == NULL)
		fatalx("out of memory for a timer");
	if (s->conf->idle_timeout > 0) {
		if ((s->ev_idle = evtimer_new(base, session_idle_cb, s)) == NULL)
			fatalx("out of memory for a timer");
		evtimer_add(s->ev_idle, &tv);
	}
}

void
session_watch_free(struct session *s)
{
	if (s->ev_probe != NULL)
		event_free(s->ev_probe);
	if (s->ev_close != NULL)
		event_free(s->ev_close);
	if (s->ev_idle != NULL)
		event_free(s->ev_idle);
}
