/*
 * mux-peer, see mux_peer.h.
 *
 *   mux-peer relay MIN_STREAMS
 *	The relay side: writes the hello, echoes every stream the router
 *	opens, answers an open of //./pipe/missing with a failure, opens
 *	one stream of its own (an exposed pipe) and checks its echo,
 *	answers pings.  At EOF on stdin it checks it echoed MIN_STREAMS
 *	streams, refused one, answered a ping and got Go Away (normal).
 *   mux-peer router STREAMS BYTES
 *	The router side: reads the hello, opens STREAMS streams that each
 *	send BYTES (+ 1000 per stream) and check the echo, one open that
 *	must fail, a ping; then sends Go Away (normal) and asks the relay,
 *	on a stream opened before, whether it saw it; ends when the relay's
 *	own Go Away (normal) arrives.
 *
 * Exit statuses are enum peer_exit.  A violation by the other side is
 * answered with Go Away (protocol error), as docs/mux.md says.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mux_peer.h"

#define PEER_PING_VALUE 0x5eed1234u

void
peer_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("mux-peer: FAIL: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(PEER_FAILED);
}

int
peer_out(struct peer *p, const struct mux_header *h, const uint8_t *payload,
    size_t len)
{
	char err[256];

	if (mux_outq_frame(&p->out, h, payload, len, err, sizeof err) != MUX_OK)
		peer_fail("queueing a frame: %s", err);
	return 0;
}

/* Writes everything queued, waiting as long as it takes. */
static void
peer_flush(struct peer *p)
{
	if (!p->out_closed && mux_outq_flush(&p->out, 1) != 0 &&
	    errno != EPIPE)
		peer_fail("write: %s", strerror(errno));
}

static void
peer_go_away(struct peer *p, uint32_t code)
{
	struct mux_header h;

	mux_header_set(&h, MUX_GO_AWAY, 0, 0, code);
	peer_out(p, &h, NULL, 0);
}

/* The other side broke the protocol: say so, as the spec wants. */
static void
peer_violation(struct peer *p, int rc, const char *err)
{
	if (!MUX_IS_VIOLATION(rc))
		peer_fail("%s (%s)", err, mux_strerror(rc));
	fprintf(stderr, "mux-peer: protocol violation: %s\n", err);
	peer_go_away(p, MUX_GO_AWAY_PROTOCOL);
	peer_flush(p);
	close(1);
	exit(PEER_VIOLATION);
}

/* A stream this side opens: its SYN goes with its first frame. */
static struct peer_stream *
peer_open(struct peer *p, enum peer_kind kind, const char *pipe, unsigned seed,
    uint64_t bytes)
{
	const char *argv[] = { "-ep", "-s", pipe };
	uint8_t req[MUX_OPEN_REQUEST_MAX];
	struct peer_stream *s;
	char err[256];
	uint32_t id;
	size_t n;

	if (mux_decoder_new_id(p->dec, &id, err, sizeof err) != MUX_OK)
		peer_fail("%s", err);
	if ((s = peer_stream_add(p, id, 1)) == NULL)
		peer_fail("no room for stream %lu", (unsigned long)id);
	s->kind = kind;
	s->seed = seed;
	s->gen_total = bytes;
	if (mux_open_request_encode(req, sizeof req, &n, 3, argv, err,
	    sizeof err) != MUX_OK)
		peer_fail("%s", err);
	if (peer_stream_queue(s, req, n, 1) != 0)
		peer_fail("out of memory");
	return s;
}

/* Frames for one stream: window updates, queued bytes, pattern, FIN. */
static void
peer_send_stream(struct peer *p, struct peer_stream *s)
{
	uint8_t chunk[PEER_CHUNK];
	struct mux_header h;
	char err[256];
	size_t avail, own, i;
	uint32_t n;
	uint16_t fin;

	while (s->used && mux_outq_pending(&p->out) < PEER_OUT_HIGH) {
		if (mux_stream_update_due(&s->st)) {
			if (mux_stream_send_window(&s->st, s->id, 0, &h, err,
			    sizeof err) != MUX_OK)
				peer_fail("%s", err);
			peer_out(p, &h, NULL, 0);
		}
		avail = s->q_len > 0 ? s->q_len : s->gen_total - s->gen_sent;
		n = mux_stream_sendable(&s->st, avail < PEER_CHUNK ? avail :
		    PEER_CHUNK);
		if (s->q_len > 0) {
			memcpy(chunk, s->q, n);
		} else {
			for (i = 0; i < n; i++)
				chunk[i] = peer_pattern(s->seed,
				    s->gen_sent + i);
		}
		/* FIN rides on the frame that empties what was due. */
		fin = 0;
		if (n == avail) {
			size_t q = s->q_len, g = s->gen_sent;

			if (s->q_len > 0)
				s->q_len -= n;
			else
				s->gen_sent += n;
			fin = peer_stream_fin_due(s) ? MUX_FIN : 0;
			s->q_len = q;
			s->gen_sent = g;
		}
		if (n == 0 && !fin)
			return;
		if (mux_stream_send_data(&s->st, s->id, n, fin, &h, err,
		    sizeof err) != MUX_OK)
			peer_fail("%s", err);
		peer_out(p, &h, chunk, n);
		if (s->q_len > 0) {
			memmove(s->q, s->q + n, s->q_len - n);
			s->q_len -= n;
			own = n < s->q_head_own ? n : s->q_head_own;
			s->q_head_own -= own;
			if (n > own && mux_stream_consumed(&s->st,
			    (uint32_t)(n - own), err, sizeof err) != MUX_OK)
				peer_fail("%s", err);
		} else {
			s->gen_sent += n;
		}
		if (mux_stream_closed(&s->st))
			peer_stream_end(p, s, err, sizeof err);
	}
}

static void
peer_schedule(struct peer *p)
{
	size_t i;

	for (i = 0; i < PEER_STREAMS; i++)
		if (p->streams[i].used)
			peer_send_stream(p, &p->streams[i]);
}

static void
peer_frame(struct peer *p, const struct mux_header *h)
{
	struct peer_stream *s;
	struct mux_header out;
	struct mux_stream refused;
	char err[256];
	unsigned ev;
	int rc;

	switch (h->type) {
	case MUX_PING:
		if (h->flags & MUX_SYN) {
			mux_header_set(&out, MUX_PING, MUX_ACK, 0, h->length);
			peer_out(p, &out, NULL, 0);
			p->pings_sent_back++;
		} else if (h->length == PEER_PING_VALUE) {
			p->pings_answered++;
		}
		return;
	case MUX_GO_AWAY:
		if (h->length != MUX_GO_AWAY_NORMAL)
			peer_fail("the other side sent Go Away code %lu",
			    (unsigned long)h->length);
		p->go_away_seen = 1;
		return;
	}
	s = peer_stream_find(p, h->stream_id);
	/* A SYN for a stream still open goes to it: mux_stream refuses. */
	if ((h->flags & MUX_SYN) && s == NULL) {
		if ((s = peer_stream_add(p, h->stream_id, 0)) == NULL) {
			/* Full: refuse, as the spec says. */
			mux_stream_init(&refused, 0);
			mux_stream_send_window(&refused, h->stream_id, MUX_RST,
			    &out, NULL, 0);
			peer_out(p, &out, NULL, 0);
			return;
		}
	}
	if (s == NULL)
		return;		/* a stream already closed */
	if ((rc = mux_stream_recv(&s->st, h, &ev, err, sizeof err)) != MUX_OK)
		peer_violation(p, rc, err);
	if (ev & MUX_SE_RESET)
		peer_fail("stream %lu was reset", (unsigned long)s->id);
	/* A Data frame's payload comes first; its last piece ends it. */
	if ((ev & MUX_SE_CLOSED) && (h->type != MUX_DATA || h->length == 0))
		peer_stream_end(p, s, err, sizeof err);
}

/* Payload pieces; a Data frame's FIN closes the stream after its last. */
static void
peer_data(struct peer *p, const struct mux_event *e)
{
	struct peer_stream *s = peer_stream_find(p, e->hdr.stream_id);
	char err[256];
	int rc;

	if (s == NULL)
		return;
	rc = peer_stream_body(p, s, e->data, e->len, err, sizeof err);
	if (rc != MUX_OK)
		peer_violation(p, rc, err);
	if (e->last && mux_stream_closed(&s->st))
		peer_stream_end(p, s, err, sizeof err);
}

static void
peer_input(struct peer *p, const uint8_t *buf, size_t len)
{
	struct mux_event e;
	char err[256];
	size_t used;
	int rc;

	while (len > 0) {
		rc = mux_decoder_next(p->dec, buf, len, &used, &e, err,
		    sizeof err);
		if (rc != MUX_OK)
			peer_violation(p, rc, err);
		buf += used;
		len -= used;
		if (e.type == MUX_EV_HELLO)
			p->hello_seen = 1;
		else if (e.type == MUX_EV_FRAME)
			peer_frame(p, &e.hdr);
		else if (e.type == MUX_EV_DATA)
			peer_data(p, &e);
	}
}

/* The router's script, advanced whenever something arrived. */
static int
peer_router_step(struct peer *p)
{
	struct mux_header h;
	struct peer_stream *sync;
	unsigned i;

	if (!p->hello_seen)
		return 0;
	if (!p->opened_all) {
		p->opened_all = 1;
		mux_header_set(&h, MUX_PING, MUX_SYN, 0, PEER_PING_VALUE);
		peer_out(p, &h, NULL, 0);
		for (i = 0; i < p->want_streams; i++)
			peer_open(p, PK_GEN, "//./pipe/echo", i,
			    p->want_bytes + 1000u * i);
		peer_open(p, PK_MISSING, "//./pipe/missing", 0, 0);
		peer_open(p, PK_SYNC, "//./pipe/sync", 0, 0);
	}
	if (!p->sync_started && p->gen_done == p->want_streams &&
	    p->missing_ok == 1 && p->pings_answered > 0) {
		/* Go Away, then on a stream opened before it, ask the relay
		 * whether its yamux now refuses to open streams. */
		p->sync_started = 1;
		peer_go_away(p, MUX_GO_AWAY_NORMAL);
		for (i = 0; i < PEER_STREAMS; i++) {
			sync = &p->streams[i];
			if (sync->used && sync->kind == PK_SYNC) {
				peer_stream_queue(sync, "goaway-sent\n", 12, 1);
				sync->fin_allowed = 1;
			}
		}
	}
	return p->sync_ok && p->go_away_seen;
}

static int
peer_relay_done(struct peer *p, unsigned min_streams)
{
	if (p->echo_done < min_streams || p->refuse_done != 1 ||
	    p->gen_done != 1 || p->pings_sent_back == 0 || !p->go_away_seen) {
		fprintf(stderr, "mux-peer: FAIL: at EOF: %u streams echoed "
		    "(want %u), %u refused (want 1), exposed stream %s, "
		    "%u pings answered, Go Away %s\n", p->echo_done,
		    min_streams, p->refuse_done, p->gen_done ? "checked" :
		    "not done", p->pings_sent_back,
		    p->go_away_seen ? "seen" : "missing");
		return PEER_FAILED;
	}
	return PEER_OK;
}

static int
peer_run(struct peer *p, unsigned min_streams)
{
	static uint8_t buf[65536];
	struct pollfd pfd[2];
	ssize_t n;

	for (;;) {
		if (p->role == MUX_ROLE_ROUTER && peer_router_step(p)) {
			peer_flush(p);
			return PEER_OK;
		}
		peer_schedule(p);
		pfd[0].fd = 0;
		pfd[0].events = POLLIN;
		if (p->out_closed)
			mux_outq_free(&p->out);
		pfd[1].fd = mux_outq_pending(&p->out) > 0 ? 1 : -1;
		pfd[1].events = POLLOUT;
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			peer_fail("poll: %s", strerror(errno));
		if (pfd[1].revents & (POLLOUT | POLLERR | POLLHUP)) {
			n = mux_outq_write(&p->out, 1);
			if (n < 0 && errno == EPIPE) {
				/* The other side closed its end first (Go's
				 * keepalive may still be pinging): what it
				 * saw is judged by what we read to EOF. */
				p->out_closed = 1;
				mux_outq_free(&p->out);
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				peer_fail("write: %s", strerror(errno));
			}
		}
		if (!(pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = read(0, buf, sizeof buf);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			peer_fail("read: %s", strerror(errno));
		if (n == 0) {
			if (p->role == MUX_ROLE_ROUTER)
				peer_fail("EOF before the script ended");
			return peer_relay_done(p, min_streams);
		}
		peer_input(p, buf, (size_t)n);
	}
}

static void
peer_free(struct peer *p)
{
	size_t i;

	for (i = 0; i < PEER_STREAMS; i++)
		free(p->streams[i].q);
	mux_outq_free(&p->out);
	mux_decoder_free(p->dec);
}

int
main(int argc, char **argv)
{
	struct peer p;
	unsigned min_streams = 0;
	int rc;

	memset(&p, 0, sizeof p);
	signal(SIGPIPE, SIG_IGN);
	if (argc == 3 && strcmp(argv[1], "relay") == 0) {
		p.role = MUX_ROLE_RELAY;
		min_streams = (unsigned)strtoul(argv[2], NULL, 10);
	} else if (argc == 4 && strcmp(argv[1], "router") == 0) {
		p.role = MUX_ROLE_ROUTER;
		p.want_streams = (unsigned)strtoul(argv[2], NULL, 10);
		p.want_bytes = strtoull(argv[3], NULL, 10);
		if (p.want_streams > PEER_STREAMS - 4)
			p.want_streams = PEER_STREAMS - 4;
	} else {
		fprintf(stderr, "usage: mux-peer relay MIN_STREAMS | "
		    "mux-peer router STREAMS BYTES\n");
		return PEER_USAGE;
	}
	if ((p.dec = mux_decoder_new(p.role)) == NULL)
		peer_fail("out of memory");
	if (fcntl(1, F_SETFL, fcntl(1, F_GETFL) | O_NONBLOCK) < 0)
		peer_fail("fcntl: %s", strerror(errno));
	if (p.role == MUX_ROLE_RELAY) {
		if (mux_outq_append(&p.out, MUX_HELLO, MUX_HELLO_LEN) != 0)
			peer_fail("out of memory");
		/* An exposed pipe's client: a stream the relay opens. */
		peer_open(&p, PK_GEN, "//./pipe/exposed", 99, 300 * 1024);
	}
	rc = peer_run(&p, min_streams);
	peer_free(&p);
	return rc;
}
