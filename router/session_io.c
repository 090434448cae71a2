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
#include "config.h"
#include "relay.h"

/* Bytes buffered towards one side before reading from the other stops. */
#define SESSION_HIGH_WATER (256 * 1024)
/* How long the adapter may wait for the request it answers for a relay
 * that failed, and a closing client for its last bytes. */
#define SESSION_FAIL_WAIT_SECS 5
#define SESSION_FLUSH_SECS 5

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
	if (!d->eof || d->shut || d->dead || d->held || d->wait_end)
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

void
session_finish(struct session *s)
{
	if (s->closing)
		return;
	s->closing = 1;
	s->failing = 0;
	/* What the client still sends is read and dropped: closing a unix
	 * socket with unread bytes makes the client's next read fail with
	 * ECONNRESET instead of EOF. */
	session_dir_kill(&s->up);
	if (!s->up.eof)
		chan_enable_read(s->client);
	chan_shutdown(s->relay_chan);
	/* The relay's bytes from now on are dropped; what the client was
	 * already given (the adapter's last answer) is written, then EOF. */
	s->down.drop = 1;
	s->down.eof = 1;
	s->down.held = 0;
	s->down.wait_end = 0;
	session_pass_eof(&s->down);
	session_close_arm(s, SESSION_FLUSH_SECS);
	session_update(s);
}

/* The adapter ended the session (a refused or broken frame); what it
 * answered before reaches the client. */
static void
session_refuse(struct session *s, const char *why)
{
	if (s->failing) {
		/* Its answer to a relay that failed: said and logged. */
		session_log(s, LOG_LEVEL_DEBUG, "%s; closing the session", why);
	} else {
		session_log(s, LOG_LEVEL_WARN, "%s; closing the session", why);
		s->hooks->error_cb(why, s->hooks_arg);
	}
	session_finish(s);
}

/* Could the relay side still turn out to have failed before it answered,
 * for the adapter to answer instead? */
static int
session_failure_possible(const struct session *s)
{
	return !s->relay_ended && !s->closing && s->down.bytes == 0 &&
	    !s->down.dead && adapter_session_answers_failure(s->adapter);
}

/* The client's bytes while the adapter answers for a failed relay. */
static void
session_fail_input(struct session *s)
{
	char err[512];

	if (adapter_session_input(s->adapter, 1, chan_input(s->client),
	    s->nowhere, chan_output(s->client), err, sizeof err) != 0) {
		session_refuse(s, err);
		return;
	}
	evbuffer_drain(s->nowhere, evbuffer_get_length(s->nowhere));
	/* The client ended before asking for anything to answer. */
	if (s->up.eof)
		session_finish(s);
}

void
session_io_timeout(struct session *s)
{
	if (s->closing) {
		session_log(s, LOG_LEVEL_DEBUG, "the client did not take its "
		    "last bytes; closing");
		session_dir_kill(&s->down);
	} else if (s->failing) {
		session_log(s, LOG_LEVEL_DEBUG, "no request came to answer for "
		    "the failed relay");
		session_finish(s);
		return;
	} else if (s->down.wait_end) {
		/* A relay that sent EOF and nothing else yet runs on: its
		 * EOF goes on without waiting for its end. */
		s->down.wait_end = 0;
		session_pass_eof(&s->down);
	}
	session_update(s);
}

void
session_io_relay_ended(struct session *s, const struct relay_end *end)
{
	struct session_dir *d = &s->down;

	if (!end->failed || d->bytes > 0 || d->dead || s->closing ||
	    !adapter_session_answers_failure(s->adapter)) {
		d->wait_end = 0;
		session_pass_eof(d);
		/* Client bytes kept for the adapter (session_read_cb) go
		 * nowhere now. */
		if (s->up.dead)
			evbuffer_drain(chan_input(s->client),
			    evbuffer_get_length(chan_input(s->client)));
		session_update(s);
		return;
	}
	/* Its EOF is not passed on: the client gets the adapter's answer,
	 * then session_finish() ends it. */
	d->wait_end = 1;
	if (!adapter_session_relay_failed(s->adapter, s->conf->pipe, end->how,
	    end->status, end->code, end->message, chan_output(s->client)) ||
	    s->up.eof || s->client_gone) {
		session_finish(s);
		return;
	}
	/* It waits for the client's request. */
	if ((s->nowhere = evbuffer_new()) == NULL)
		fatalx("out of memory");
	s->failing = 1;
	session_close_arm(s, SESSION_FAIL_WAIT_SECS);
	chan_enable_read(s->client);
	if (evbuffer_get_length(chan_input(s->client)) > 0)
		session_fail_input(s); /* may free S */
	else
		session_update(s);
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

	if (s->closing)
		return;
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
	if (s->failing && c == s->client) {
		session_fail_input(s);
		return;
	}
	if (d->dead && d == &s->up && session_failure_possible(s)) {
		/* The relay stopped taking bytes: whether it failed, and the
		 * adapter answers these, is known when it has ended. */
		chan_disable_read(c);
		return;
	}
	if (d->dead || d->drop) {
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
		if (s->failing && c == s->client) {
			session_finish(s);
			return;
		}
		if (!d->dead && !d->drop && adapter_session_eof(s->adapter,
		    session_from_client(s, d), err, sizeof err) != 0) {
			session_refuse(s, err);
			return;
		}
		/* A relay that ends having sent nothing may have failed: its
		 * end says, and the adapter may answer for it. */
		if (d == &s->down && session_failure_possible(s)) {
			d->wait_end = 1;
			session_close_arm(s, SESSION_FAIL_WAIT_SECS);
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
