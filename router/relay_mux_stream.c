/*
 * The streams of a mux relay, one per session: each has a virtual chan
 * (chan.h) that the session reads and writes as it would a relay child's
 * stdout and stdin. Frames come in through mux_streams_frame/_data and
 * go out through mux_streams_flush, which serves streams round-robin and
 * stops at MUX_OUT_CAP queued bytes: a stream whose window is closed
 * simply is not queued, so it never holds the others up.
 */
#include "relay_mux_priv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "chan.h"
#include "log.h"
#include "mux_open.h"
#include "relay.h"

/* Grace for a stream whose client left while the relay still runs it. */
#define MUX_LINGER_SECS 2

static int __attribute__((format(printf, 3, 4)))
mux_fail_msg(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return MUX_E_STATE;
}

static unsigned
mux_hash(uint32_t id)
{
	return (id >> 1) % MUX_HASH_SIZE;
}

static struct mux_relay *
mux_stream_find(struct mux_backend *mb, uint32_t id)
{
	struct mux_relay *s;

	for (s = mb->hash[mux_hash(id)]; s != NULL; s = s->hnext)
		if (s->id == id)
			return s;
	return NULL;
}

static void
mux_stream_unhash(struct mux_relay *s)
{
	struct mux_relay **pp;

	if (!s->hashed)
		return;
	for (pp = &s->mb->hash[mux_hash(s->id)]; *pp != NULL;
	    pp = &(*pp)->hnext) {
		if (*pp == s) {
			*pp = s->hnext;
			break;
		}
	}
	s->hashed = 0;
}

static void
mux_stream_unqueue(struct mux_relay *s)
{
	if (s->in_sendq) {
		TAILQ_REMOVE(&s->mb->sendq, s, sendq);
		s->in_sendq = 0;
	}
}

/* The end is reported from the loop: the session may free the stream. */
static void
mux_stream_end_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mux_relay *s = arg;

	if (!s->end_due)
		return;
	if (s->inbound && !s->handed) {
		/* Nobody has it yet: the relay gave up before its request
		 * was whole, or before the route took it. */
		mux_stream_free(&s->base);
		return;
	}
	relay_report_end(&s->base, s->how, s->failed);
}

/* The stream is over for the router: no more frames either way. */
static void
mux_stream_end(struct mux_relay *s, int failed, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
mux_stream_end(struct mux_relay *s, int failed, const char *fmt, ...)
{
	char how[1536];
	va_list ap;

	if (s->end_due)
		return;
	va_start(ap, fmt);
	vsnprintf(how, sizeof how, fmt, ap);
	va_end(ap);
	/* Allocated only now: ten thousand idle streams carry no text. */
	if ((s->how = strdup(how)) == NULL)
		fatalx("out of memory");
	s->end_due = 1;
	s->failed = failed;
	s->dead = 1;
	mux_stream_unqueue(s);
	mux_stream_unhash(s);
	evtimer_del(s->ev_linger);
	/* What is left of the relay's side: its EOF, and an output that
	 * nobody takes. */
	chan_virtual_eof(s->base.chan, 0);
	chan_virtual_write_error(s->base.chan, EPIPE);
	event_active(s->ev_end, EV_TIMEOUT, 1);
}

/* Credit: the session took bytes from the input. */
static void
mux_stream_input_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct mux_relay *s = arg;
	char err[256];

	if (info->n_deleted == 0 || s->dead)
		return;
	if (mux_stream_consumed(&s->st, (uint32_t)info->n_deleted, err,
	    sizeof err) != MUX_OK) {
		log_warn("%s: %s", s->tag, err);
		return;
	}
	if (mux_stream_update_due(&s->st))
		mux_stream_kick(s);
}

static void
mux_chan_output_cb(void *owner)
{
	mux_stream_kick(owner);
}

static void
mux_chan_shutdown_write_cb(void *owner)
{
	struct mux_relay *s = owner;

	s->want_fin = 1;
	mux_stream_kick(s);
}

static void
mux_chan_shutdown_cb(void *owner)
{
	struct mux_relay *s = owner;

	if (s->dead)
		return;
	s->want_rst = 1;
	mux_stream_kick(s);
}

static const struct chan_owner_ops mux_chan_ops = {
	.reading_cb = NULL, /* credit follows what the session takes */
	.output_cb = mux_chan_output_cb,
	.shutdown_write_cb = mux_chan_shutdown_write_cb,
	.shutdown_cb = mux_chan_shutdown_cb,
};

static void
mux_stream_linger_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mux_relay *s = arg;

	if (s->dead)
		return;
	log_info("%s: stream still open after %s; resetting it", s->tag,
	    s->client_gone ? "its client finished" : "both directions ended");
	s->want_rst = 1;
	mux_stream_kick(s);
}

/* Give the stream a number and its SYN, once the relay runs. */
static int
mux_stream_number(struct mux_relay *s)
{
	struct mux_backend *mb = s->mb;
	char err[256];

	if (mux_decoder_new_id(mb->dec, &s->id, err, sizeof err) != MUX_OK) {
		mux_backend_violation(mb, "%s", err);
		return -1;
	}
	s->hnext = mb->hash[mux_hash(s->id)];
	mb->hash[mux_hash(s->id)] = s;
	s->hashed = 1;
	snprintf(s->tag + strlen(s->tag), sizeof s->tag - strlen(s->tag),
	    " (stream %lu)", (unsigned long)s->id);
	mux_stream_kick(s);
	return 0;
}

/* The stream's state, chan and timers; listed, not numbered. */
static struct mux_relay *
mux_stream_alloc(struct mux_backend *mb, int opened_here, const char *tag)
{
	struct mux_relay *s;

	if ((s = calloc(1, sizeof *s)) == NULL)
		fatalx("out of memory");
	s->mb = mb;
	snprintf(s->tag, sizeof s->tag, "%s", tag);
	mux_stream_init(&s->st, opened_here);
	/* What the relay sends may get more than 256 KiB in flight once it
	 * is the window that limits it (docs/mux.md §5). */
	mux_stream_grow(&s->st);
	s->head = evbuffer_new();
	s->reply = evbuffer_new();
	s->ev_end = event_new(mb->base.base, -1, 0, mux_stream_end_cb, s);
	s->ev_linger = evtimer_new(mb->base.base, mux_stream_linger_cb, s);
	if (s->head == NULL || s->reply == NULL || s->ev_end == NULL ||
	    s->ev_linger == NULL)
		fatalx("out of memory for a stream");
	s->base.chan = chan_new_virtual(mb->base.base, &mux_chan_ops, s);
	if (evbuffer_add_cb(chan_input(s->base.chan), mux_stream_input_cb,
	    s) == NULL)
		fatalx("out of memory");
	TAILQ_INSERT_TAIL(&mb->streams, s, entry);
	mb->nstreams++;
	return s;
}

struct mux_relay *
mux_stream_new(struct mux_backend *mb, size_t argc, const char *const *argv,
    const char *tag, char *err, size_t errlen)
{
	struct mux_relay *s;
	uint8_t req[MUX_OPEN_REQUEST_MAX];
	size_t len;

	if (mux_open_request_encode(req, sizeof req, &len, argc, argv, err,
	    errlen) != MUX_OK)
		return NULL;
	s = mux_stream_alloc(mb, 1, tag);
	if (evbuffer_add(s->head, req, len) != 0)
		fatalx("out of memory for a stream");
	if (mb->state == MUX_RUNNING)
		mux_stream_number(s);
	return s;
}

/* A stream the relay opened (SYN on ID of its parity), hashed at once:
 * its frames follow. */
struct mux_relay *
mux_stream_new_inbound(struct mux_backend *mb, uint32_t id)
{
	struct mux_relay *s;
	char tag[128];

	snprintf(tag, sizeof tag, "route \"%s\" (stream %lu)", mb->name,
	    (unsigned long)id);
	s = mux_stream_alloc(mb, 0, tag);
	s->inbound = 1;
	s->id = id;
	s->hnext = mb->hash[mux_hash(id)];
	mb->hash[mux_hash(id)] = s;
	s->hashed = 1;
	return s;
}

struct relay *
mux_stream_open(struct mux_backend *mb, const struct route_conf *rc,
    unsigned id, char *err, size_t errlen)
{
	struct mux_relay *s;
	char **argv, tag[160];

	if ((argv = relay_argv(rc)) == NULL)
		fatalx("out of memory");
	snprintf(tag, sizeof tag, "route \"%s\" #%u", rc->name, id);
	/* The arguments after the program name, as spawn passes them. */
	s = mux_stream_new(mb, rc->relay_nargs + 1,
	    (const char *const *)argv + 1, tag, err, errlen);
	free(argv);
	if (s == NULL)
		return NULL;
	relay_backend_count_start(&mb->base);
	return &s->base;
}

void
mux_streams_start(struct mux_backend *mb)
{
	struct mux_relay *s;

	TAILQ_FOREACH(s, &mb->streams, entry) {
		if (!s->hashed && !s->dead && s->id == 0 &&
		    mux_stream_number(s) != 0)
			return;
	}
}

unsigned
mux_streams_fail(struct mux_backend *mb, const char *how)
{
	struct mux_relay *s;
	unsigned n = 0;

	TAILQ_FOREACH(s, &mb->streams, entry) {
		if (s->dead)
			continue;
		mux_stream_end(s, 1, "%s", how);
		n++;
	}
	memset(mb->hash, 0, sizeof mb->hash);
	return n;
}

unsigned
mux_streams_reset(struct mux_backend *mb)
{
	struct mux_relay *s;
	unsigned n = 0;

	TAILQ_FOREACH(s, &mb->streams, entry) {
		if (s->dead)
			continue;
		s->want_rst = 1;
		mux_stream_kick(s);
		n++;
	}
	return n;
}

void
mux_stream_drained(struct relay *r)
{
	struct mux_relay *s = (struct mux_relay *)r;
	struct timeval tv = { MUX_LINGER_SECS, 0 };

	if (!s->dead)
		evtimer_add(s->ev_linger, &tv);
}

void
mux_stream_client_gone(struct relay *r)
{
	struct mux_relay *s = (struct mux_relay *)r;
	struct timeval tv = { MUX_LINGER_SECS, 0 };

	s->client_gone = 1;
	if (!s->dead)
		evtimer_add(s->ev_linger, &tv);
}

void
mux_stream_free(struct relay *r)
{
	struct mux_relay *s = (struct mux_relay *)r;
	struct mux_backend *mb = s->mb;
	struct mux_header h;
	char err[256];

	/* Still open on the relay: it must let go of the target. The RST
	 * goes out past the output cap: nothing would send it later. */
	if (!s->dead && s->hashed && mb->state == MUX_RUNNING &&
	    mux_stream_send_data(&s->st, s->id, 0, MUX_RST, &h, err,
	    sizeof err) == MUX_OK)
		mux_backend_send(mb, &h);
	mux_stream_unqueue(s);
	mux_stream_unhash(s);
	TAILQ_REMOVE(&mb->streams, s, entry);
	mb->nstreams--;
	evbuffer_remove_cb(chan_input(s->base.chan), mux_stream_input_cb, s);
	chan_free(s->base.chan);
	evbuffer_free(s->head);
	evbuffer_free(s->reply);
	free(s->how);
	free(s->failure);
	/* Streams nobody's session owns (an exposure, an inbound stream
	 * never handed over) come here without relay_free(). */
	free(s->base.fail_message);
	event_free(s->ev_end);
	event_free(s->ev_linger);
	free(s);
}

void
mux_stream_kick(struct mux_relay *s)
{
	if (s->in_sendq || s->dead || !s->hashed)
		return;
	TAILQ_INSERT_TAIL(&s->mb->sendq, s, sendq);
	s->in_sendq = 1;
	mux_backend_flush_later(s->mb);
}

/* The frames of one turn of stream S; 1 when it has more to send. */
static int
mux_stream_send(struct mux_relay *s, struct evbuffer *out)
{
	struct evbuffer *data = chan_output(s->base.chan);
	struct mux_header h;
	size_t head = evbuffer_get_length(s->head);
	size_t avail = head + evbuffer_get_length(data);
	uint32_t n, from_head;
	uint16_t flags = 0;
	char err[256];
	uint8_t hb[MUX_HEADER_LEN];

	if (s->inbound && !s->answered) {
		/* Nothing but credit before our open reply. */
		head = avail = 0;
	} else if (s->failed) {
		/* The open failed: what the session sends goes nowhere. Our
		 * own failure reply (inbound) still goes out. */
		if (!s->inbound)
			evbuffer_drain(s->head, head);
		evbuffer_drain(data, evbuffer_get_length(data));
		head = avail = evbuffer_get_length(s->head);
	}
	if (s->want_rst) {
		if (mux_stream_send_data(&s->st, s->id, 0, MUX_RST, &h, err,
		    sizeof err) == MUX_OK)
			mux_backend_send(s->mb, &h);
		mux_stream_end(s, 0, "stream reset by the router");
		return 0;
	}
	n = mux_stream_sendable(&s->st, avail);
	if (n > 0 || (s->want_fin && avail == 0 &&
	    !mux_stream_local_fin(&s->st))) {
		if (s->want_fin && n == avail)
			flags = MUX_FIN;
		if (mux_stream_send_data(&s->st, s->id, n, flags, &h, err,
		    sizeof err) != MUX_OK) {
			mux_backend_violation(s->mb, "%s: %s", s->tag, err);
			return 0;
		}
		if (mux_header_encode(&h, hb, err, sizeof err) != MUX_OK)
			fatalx("%s", err);
		evbuffer_add(out, hb, sizeof hb);
		from_head = n < head ? n : (uint32_t)head;
		evbuffer_remove_buffer(s->head, out, from_head);
		if (n > from_head) {
			evbuffer_remove_buffer(data, out, n - from_head);
			chan_virtual_output_taken(s->base.chan);
		}
	}
	if (mux_stream_update_due(&s->st)) {
		if (mux_stream_send_window(&s->st, s->id, 0, &h, err,
		    sizeof err) != MUX_OK) {
			mux_backend_violation(s->mb, "%s: %s", s->tag, err);
			return 0;
		}
		mux_backend_send(s->mb, &h);
	}
	if (mux_stream_closed(&s->st)) {
		mux_stream_end(s, s->failed, "%s", s->failed ? s->failure :
		    "stream closed");
		return 0;
	}
	if (s->inbound && !s->answered)
		return 0;
	avail = evbuffer_get_length(s->head) +
	    evbuffer_get_length(chan_output(s->base.chan));
	return mux_stream_sendable(&s->st, avail) > 0 ||
	    (s->want_fin && !mux_stream_local_fin(&s->st));
}

void
mux_streams_flush(struct mux_backend *mb)
{
	struct evbuffer *out;
	struct mux_relay *s;

	if (mb->io == NULL || mb->state != MUX_RUNNING)
		return;
	out = chan_output(mb->io);
	while (evbuffer_get_length(out) < MUX_OUT_CAP &&
	    (s = TAILQ_FIRST(&mb->sendq)) != NULL) {
		TAILQ_REMOVE(&mb->sendq, s, sendq);
		s->in_sendq = 0;
		if (mux_stream_send(s, out) && !s->dead) {
			TAILQ_INSERT_TAIL(&mb->sendq, s, sendq);
			s->in_sendq = 1;
		}
		if (mb->state != MUX_RUNNING)
			return;
	}
}

/* The open request of a stream the relay opened, as it arrives in
 * s->reply; once whole, the route gets the stream (or it is refused),
 * and what came behind the request is the route's. */
static int
mux_stream_request(struct mux_relay *s, char *err, size_t errlen)
{
	struct mux_open_request req;
	size_t used, have = evbuffer_get_length(s->reply);
	uint8_t *buf = evbuffer_pullup(s->reply, -1);
	int rc;

	rc = mux_open_request_decode(buf, have, &used, &req, err, errlen);
	if (rc == MUX_MORE)
		return MUX_OK;
	if (rc != MUX_OK)
		return rc;
	s->replied = 1;
	if ((rc = mux_stream_consumed(&s->st, (uint32_t)used, err,
	    errlen)) != MUX_OK)
		return rc;
	/* REQ points into BUF: used before the drain. */
	mux_expose_request(s, &req);
	evbuffer_drain(s->reply, used);
	have -= used;
	if (have == 0)
		return MUX_OK;
	if (s->failed || s->dead) {
		evbuffer_drain(s->reply, have);
		return mux_stream_consumed(&s->st, (uint32_t)have, err, errlen);
	}
	evbuffer_add_buffer(chan_input(s->base.chan), s->reply);
	chan_virtual_input(s->base.chan);
	return MUX_OK;
}

/* What arrived on stream S: the reply first, then the session's. */
static int
mux_stream_input(struct mux_relay *s, const uint8_t *p, size_t len,
    char *err, size_t errlen)
{
	struct mux_open_reply rep;
	size_t used, have;
	uint8_t *buf;
	int rc;

	if (s->dead || (s->inbound && s->failed)) {
		/* Nobody takes it: return the credit at once. */
		return mux_stream_consumed(&s->st, (uint32_t)len, err, errlen);
	}
	if (s->replied) {
		evbuffer_add(chan_virtual_staging(s->base.chan), p, len);
		chan_virtual_input(s->base.chan);
		return MUX_OK;
	}
	evbuffer_add(s->reply, p, len);
	if (s->inbound)
		return mux_stream_request(s, err, errlen);
	have = evbuffer_get_length(s->reply);
	buf = evbuffer_pullup(s->reply, -1);
	rc = mux_open_reply_decode(buf, have, &used, &rep, err, errlen);
	if (rc == MUX_MORE)
		return MUX_OK;
	if (rc != MUX_OK)
		return rc;
	s->replied = 1;
	if (s->exposure)
		mux_expose_replied(s->mb, &rep);
	if (rep.status != 0) {
		if (asprintf(&s->failure, "Win32 error %lu: %.*s",
		    (unsigned long)rep.code, (int)rep.message_len,
		    (const char *)rep.message) == -1)
			fatalx("out of memory");
		/* An exposure has no session to tell, and counts its failures
		 * once per cause (relay_mux_expose.c). */
		if (!s->exposure) {
			relay_backend_count_failure(&s->mb->base, "%s",
			    s->failure);
			relay_set_failure(&s->base, rep.status, rep.code,
			    (const char *)rep.message, rep.message_len);
		}
		/* The rest is dropped; our FIN ends the stream. */
		rc = mux_stream_consumed(&s->st, (uint32_t)have, err, errlen);
		evbuffer_drain(s->reply, have);
		s->want_fin = 1;
		mux_stream_kick(s);
		s->failed = 1;
		return rc;
	}
	/* The reply is ours; what follows is the session's. */
	if ((rc = mux_stream_consumed(&s->st, (uint32_t)used, err,
	    errlen)) != MUX_OK)
		return rc;
	evbuffer_drain(s->reply, used);
	if (evbuffer_get_length(s->reply) > 0) {
		evbuffer_add_buffer(chan_virtual_staging(s->base.chan),
		    s->reply);
		chan_virtual_input(s->base.chan);
	}
	return MUX_OK;
}

/*
 * What a frame did to stream S, once its payload (if any) went in: FIN
 * and RST take effect after the data (docs/mux.md §2).
 */
static int
mux_stream_apply(struct mux_relay *s, unsigned events, char *err,
    size_t errlen)
{
	if (s->dead)
		return MUX_OK;
	if (events & MUX_SE_CREDIT)
		mux_stream_kick(s);
	if (events & MUX_SE_RESET) {
		if (!s->replied)
			mux_stream_end(s, 1, "stream refused by the relay");
		else
			mux_stream_end(s, s->failed, "%s", s->failed ?
			    s->failure : "stream reset by the relay");
		return MUX_OK;
	}
	if ((events & MUX_SE_FIN) && !s->replied)
		return mux_fail_msg(err, errlen, "stream %lu: FIN before the "
		    "open reply was complete", (unsigned long)s->id);
	if (events & MUX_SE_FIN)
		chan_virtual_eof(s->base.chan, 0);
	if (events & MUX_SE_CLOSED)
		mux_stream_end(s, s->failed, "%s", s->failed ? s->failure :
		    "stream closed");
	return MUX_OK;
}

/* Payload of the current Data frame (DATA events). */
int
mux_streams_data(struct mux_backend *mb, const struct mux_event *ev,
    char *err, size_t errlen)
{
	struct mux_relay *s;
	int rc;

	if ((s = mux_stream_find(mb, ev->hdr.stream_id)) == NULL)
		return MUX_OK; /* a stream that closed: dropped */
	if ((rc = mux_stream_input(s, ev->data, ev->len, err, errlen)) !=
	    MUX_OK)
		return rc;
	if (!ev->last)
		return MUX_OK;
	return mux_stream_apply(s, s->pending_events, err, errlen);
}

int
mux_streams_frame(struct mux_backend *mb, const struct mux_header *h,
    char *err, size_t errlen)
{
	struct mux_relay *s;
	struct mux_header rst;
	unsigned events;
	int rc;

	if ((s = mux_stream_find(mb, h->stream_id)) == NULL &&
	    (h->flags & MUX_SYN) &&
	    mux_decoder_is_remote(mb->dec, h->stream_id))
		s = mux_expose_inbound(mb, h->stream_id);
	if (s == NULL) {
		/* The relay opening a stream on a route that exposes no
		 * pipe (or no more): refused. */
		if ((h->flags & MUX_SYN) &&
		    mux_decoder_is_remote(mb->dec, h->stream_id)) {
			mux_header_set(&rst, MUX_WINDOW_UPDATE, MUX_RST,
			    h->stream_id, 0);
			mux_backend_send(mb, &rst);
		}
		return MUX_OK;
	}
	if ((rc = mux_stream_recv(&s->st, h, &events, err, errlen)) != MUX_OK)
		return rc;
	if (h->type == MUX_DATA && h->length > 0) {
		s->pending_events = events;
		return MUX_OK;
	}
	return mux_stream_apply(s, events, err, errlen);
}
