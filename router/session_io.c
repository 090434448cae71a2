/*
 * A session's two directions, client -> relay and relay -> client. Each
 * ends on its own: the end of the client's data reaches the relay as EOF
 * on its stdin while replies keep flowing, and the other way round
 * (docker run -i, exec and attach depend on it). Bytes pass through the
 * route's adapter; a slow reader slows the other side down.
 */
#include "session_priv.h"

#include <errno.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "adapter.h"
#include "chan.h"

/* Bytes buffered towards one side before reading from the other stops. */
#define SESSION_HIGH_WATER (256 * 1024)

static struct session_dir *
session_dir_from(struct session *s, struct chan *c)
{
	return c == s->up.src ? &s->up : &s->down;
}

static struct session_dir *
session_dir_to(struct session *s, struct chan *c)
{
	return c == s->up.dst ? &s->up : &s->down;
}

/* Whether D carries what the adapter calls the client's bytes: on an
 * exposed route the client is the Windows program, on the relay side. */
static int
session_from_client(const struct session *s, const struct session_dir *d)
{
	return (d == &s->up) != (s->exposed != 0);
}

int
session_dir_finished(const struct session_dir *d)
{
	return d->dead || (d->eof && d->shut);
}

/* Pass a direction's EOF on once everything before it has been written. */
static void
session_pass_eof(struct session_dir *d)
{
	if (!d->eof || d->shut || d->dead || d->held)
		return;
	if (evbuffer_get_length(chan_output(d->dst)) != 0)
		return;
	chan_shutdown_write(d->dst);
	d->shut = 1;
}

/* The destination takes nothing more: drop what waits for it and discard
 * what still arrives, so the source can run to its end. */
void
session_dir_kill(struct session_dir *d)
{
	d->dead = 1;
	chan_disable_write(d->dst);
	if (d->paused) {
		d->paused = 0;
		chan_set_write_low(d->dst, 0);
		if (!d->eof)
			chan_enable_read(d->src);
	}
}

/* Nothing more goes either way; the relay sees EOF and ends, or its
 * backend ends it. */
void
session_close(struct session *s)
{
	session_dir_kill(&s->up);
	session_dir_kill(&s->down);
	chan_disable_read(s->client);
	chan_shutdown(s->client);
	chan_shutdown(s->relay_chan);
	session_update(s);
}

/* The adapter ended the session (a refused or broken frame). */
static void
session_refuse(struct session *s, const char *why)
{
	session_log(s, LOG_LEVEL_WARN, "%s; closing the session", why);
	s->hooks->error_cb(why, s->hooks_arg);
	session_close(s);
}

/* Frames the adapter holds keep their side's EOF back; bytes from one
 * side can release the other side's. */
static void
session_sync_held(struct session *s)
{
	unsigned up = adapter_session_pending(s->adapter,
	    session_from_client(s, &s->up)) != 0;
	unsigned down = adapter_session_pending(s->adapter,
	    session_from_client(s, &s->down)) != 0;

	if (up == s->up.held && down == s->down.held)
		return;
	s->up.held = up;
	s->down.held = down;
	session_pass_eof(&s->up);
	session_pass_eof(&s->down);
	session_update(s);
}

static void
session_read_cb(struct chan *c, void *arg)
{
	struct session *s = arg;
	struct session_dir *d = session_dir_from(s, c);
	struct evbuffer *in = chan_input(c);
	struct evbuffer *out;
	size_t n = evbuffer_get_length(in);
	char err[512];

	clock_gettime(CLOCK_MONOTONIC, &s->last_io);
	if (d->dead) {
		evbuffer_drain(in, n);
		return;
	}
	out = chan_output(d->dst);
	if (adapter_session_input(s->adapter, session_from_client(s, d), in,
	    out, chan_output(c), err, sizeof err) != 0) {
		session_refuse(s, err);
		return;
	}
	if (evbuffer_get_length(out) >= SESSION_HIGH_WATER) {
		/* Slow reader: stop reading until it has taken half. */
		chan_disable_read(c);
		chan_set_write_low(d->dst, SESSION_HIGH_WATER / 2);
		d->paused = 1;
		if (d == &s->up)
			session_probe_arm(s);
	}
	session_sync_held(s);
}

/*
 * Count bytes as they arrive, not as they are read from the input: an
 * adapter leaves an incomplete frame there, to be seen again with the
 * next bytes. Bytes of a direction nobody takes any more are not carried.
 */
static void
session_count_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct session_dir *d = arg;

	if (!d->dead)
		d->bytes += info->n_added;
}

static void
session_write_cb(struct chan *c, void *arg)
{
	struct session *s = arg;
	struct session_dir *d = session_dir_to(s, c);

	clock_gettime(CLOCK_MONOTONIC, &s->last_io);
	if (d->paused) {
		d->paused = 0;
		chan_set_write_low(c, 0);
		if (!d->eof)
			chan_enable_read(d->src);
	}
	session_pass_eof(d);
	session_update(s);
}

static void
session_event_cb(struct chan *c, short what, void *arg)
{
	struct session *s = arg;
	struct session_dir *d;
	const char *side = c == s->client ? "client" : "relay";
	char err[512];

	if (what & BEV_EVENT_READING) {
		d = session_dir_from(s, c);
		if (what & BEV_EVENT_ERROR)
			session_log(s, LOG_LEVEL_DEBUG, "read from %s failed: %s",
			    side, strerror(errno));
		else
			session_log(s, LOG_LEVEL_DEBUG, "%s sent EOF", side);
		d->eof = 1;
		chan_disable_read(c);
		if (c == s->client)
			session_check_client(s);
		if (!d->dead && adapter_session_eof(s->adapter,
		    session_from_client(s, d), err, sizeof err) != 0) {
			session_refuse(s, err);
			return;
		}
		session_pass_eof(d);
	}
	if (what & BEV_EVENT_WRITING) {
		d = session_dir_to(s, c);
		session_log(s, LOG_LEVEL_DEBUG, "%s stopped reading: %s", side,
		    strerror(errno));
		session_dir_kill(d);
	}
	session_update(s);
}

/* Wire the client's chan and the relay's together and start reading. */
void
session_io_start(struct session *s)
{
	s->up.src = s->down.dst = s->client;
	s->up.dst = s->down.src = s->relay_chan;
	/* An exposed route's stream may hold what the Windows client sent
	 * behind its open request, before the session existed. */
	s->down.bytes = evbuffer_get_length(chan_input(s->relay_chan));
	if (evbuffer_add_cb(chan_input(s->client), session_count_cb,
	    &s->up) == NULL || evbuffer_add_cb(chan_input(s->relay_chan),
	    session_count_cb, &s->down) == NULL)
		fatalx("out of memory");
	chan_setcb(s->client, session_read_cb, session_write_cb,
	    session_event_cb, s);
	chan_setcb(s->relay_chan, session_read_cb, session_write_cb,
	    session_event_cb, s);
	chan_enable_read(s->client);
	chan_enable_read(s->relay_chan);
}
