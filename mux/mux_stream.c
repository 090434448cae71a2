/*
 * Per-stream mux rules, see mux_stream.h.  The receive side keeps
 * recv_window + recv_held + recv_credit == recv_max (MUX_WINDOW_INITIAL,
 * or up to MUX_WINDOW_GROWN_MAX once grown), so credit returned can never
 * exceed what was taken plus what growth added, and all sums stay below
 * 2^32.  The send window is what the peer granted: it may be raised past
 * the initial size (yamux lets a peer offer more), but not past 2^32 - 1.
 */
#include "mux_stream.h"

#include "mux_util.h"

#define MUX_ST_OPENED_HERE 0x01
#define MUX_ST_SYN_SENT 0x02	/* opener: SYN is out */
#define MUX_ST_ACK_SENT 0x04	/* acceptor: ACK is out */
#define MUX_ST_ACKED 0x08	/* opener: the peer's ACK arrived */
#define MUX_ST_ACCEPTED 0x100	/* opener: ACK, or any answer but RST */
#define MUX_ST_LOCAL_FIN 0x10
#define MUX_ST_REMOTE_FIN 0x20
#define MUX_ST_RESET 0x40	/* RST sent or received */
#define MUX_ST_SYN_SEEN 0x80	/* acceptor: the peer's SYN arrived */
#define MUX_ST_GROW 0x200	/* mux_stream_grow() */

void
mux_stream_init(struct mux_stream *s, int opened_here)
{
	s->send_window = MUX_WINDOW_INITIAL;
	s->recv_window = MUX_WINDOW_INITIAL;
	s->recv_held = 0;
	s->recv_credit = 0;
	s->recv_max = MUX_WINDOW_INITIAL;
	s->state = opened_here ? MUX_ST_OPENED_HERE : 0;
}

void
mux_stream_grow(struct mux_stream *s)
{
	s->state |= MUX_ST_GROW;
}

int
mux_stream_local_fin(const struct mux_stream *s)
{
	return (s->state & MUX_ST_LOCAL_FIN) != 0;
}

int
mux_stream_remote_fin(const struct mux_stream *s)
{
	return (s->state & MUX_ST_REMOTE_FIN) != 0;
}

int
mux_stream_closed(const struct mux_stream *s)
{
	return (s->state & MUX_ST_RESET) != 0 ||
	    (s->state & (MUX_ST_LOCAL_FIN | MUX_ST_REMOTE_FIN)) ==
	    (MUX_ST_LOCAL_FIN | MUX_ST_REMOTE_FIN);
}

int
mux_stream_reset(const struct mux_stream *s)
{
	return (s->state & MUX_ST_RESET) != 0;
}

static int
mux_stream_recv_flags(struct mux_stream *s, const struct mux_header *h,
    unsigned *events, char *err, size_t errlen)
{
	unsigned long id = h->stream_id;

	if (s->state & MUX_ST_RESET)
		return mux_fail(err, errlen, MUX_E_STATE,
		    "stream %lu: frame after RST", id);
	if (h->flags & MUX_SYN) {
		/* mux_decoder_next lets one SYN per id through; a second one
		 * here is a caller mixing streams up. */
		if (s->state & (MUX_ST_OPENED_HERE | MUX_ST_SYN_SEEN))
			return mux_fail(err, errlen, MUX_E_STATE,
			    "stream %lu: SYN on an open stream", id);
		s->state |= MUX_ST_SYN_SEEN;
	}
	if (s->state & MUX_ST_OPENED_HERE) {
		if (h->flags & MUX_ACK) {
			if (s->state & MUX_ST_ACKED)
				return mux_fail(err, errlen, MUX_E_STATE,
				    "stream %lu: second ACK", id);
			s->state |= MUX_ST_ACKED;
		}
		/*
		 * An answer without ACK or RST still accepts the stream:
		 * HashiCorp's yamux (2019, Debian's) sends no ACK when the
		 * opener's FIN arrived before it accepted, which a client
		 * that writes its request and half-closes at once makes
		 * common.
		 */
		if (!(s->state & MUX_ST_ACCEPTED) && !(h->flags & MUX_RST)) {
			s->state |= MUX_ST_ACCEPTED;
			*events |= MUX_SE_ACKED;
		}
	} else if (h->flags & MUX_ACK) {
		return mux_fail(err, errlen, MUX_E_STATE,
		    "stream %lu: ACK from the side that opened it", id);
	}
	return MUX_OK;
}

int
mux_stream_recv(struct mux_stream *s, const struct mux_header *h,
    unsigned *events, char *err, size_t errlen)
{
	unsigned long id = h->stream_id;
	int rc;

	*events = 0;
	if (h->type != MUX_DATA && h->type != MUX_WINDOW_UPDATE)
		return mux_fail(err, errlen, MUX_E_INVALID,
		    "stream %lu: frame type %u is not for a stream", id,
		    (unsigned)h->type);
	if ((rc = mux_stream_recv_flags(s, h, events, err, errlen)) != MUX_OK)
		return rc;
	if (h->type == MUX_DATA && h->length > 0) {
		if (s->state & MUX_ST_REMOTE_FIN)
			return mux_fail(err, errlen, MUX_E_STATE,
			    "stream %lu: %lu bytes of Data after FIN", id,
			    (unsigned long)h->length);
		if (h->length > s->recv_window)
			return mux_fail(err, errlen, MUX_E_WINDOW,
			    "stream %lu: %lu bytes of Data with %lu left in "
			    "the window", id, (unsigned long)h->length,
			    (unsigned long)s->recv_window);
		s->recv_window -= h->length;
		s->recv_held += h->length;
	}
	if (h->type == MUX_WINDOW_UPDATE && h->length > 0) {
		if (h->length > UINT32_MAX - s->send_window)
			return mux_fail(err, errlen, MUX_E_WINDOW_OVERFLOW,
			    "stream %lu: window update of %lu on a window of "
			    "%lu passes 2^32 - 1", id,
			    (unsigned long)h->length,
			    (unsigned long)s->send_window);
		s->send_window += h->length;
		*events |= MUX_SE_CREDIT;
	}
	if (h->flags & MUX_FIN) {
		if (s->state & MUX_ST_REMOTE_FIN)
			return mux_fail(err, errlen, MUX_E_STATE,
			    "stream %lu: second FIN", id);
		s->state |= MUX_ST_REMOTE_FIN;
		*events |= MUX_SE_FIN;
	}
	if (h->flags & MUX_RST) {
		s->state |= MUX_ST_RESET;
		*events |= MUX_SE_RESET;
	}
	if (mux_stream_closed(s))
		*events |= MUX_SE_CLOSED;
	return MUX_OK;
}

int
mux_stream_consumed(struct mux_stream *s, uint32_t n, char *err,
    size_t errlen)
{
	if (n > s->recv_held)
		return mux_fail(err, errlen, MUX_E_INVALID,
		    "consumed %lu bytes with %lu received",
		    (unsigned long)n, (unsigned long)s->recv_held);
	s->recv_held -= n;
	s->recv_credit += n;
	return MUX_OK;
}

uint32_t
mux_stream_sendable(const struct mux_stream *s, size_t want)
{
	uint32_t n = s->send_window;

	if (s->state & (MUX_ST_LOCAL_FIN | MUX_ST_RESET))
		return 0;
	if (n > MUX_DATA_MAX)
		n = MUX_DATA_MAX;
	if (want < n)
		n = (uint32_t)want;
	return n;
}

static int
mux_stream_first_due(const struct mux_stream *s)
{
	if (s->state & MUX_ST_OPENED_HERE)
		return !(s->state & MUX_ST_SYN_SENT);
	return !(s->state & MUX_ST_ACK_SENT);
}

int
mux_stream_update_due(const struct mux_stream *s)
{
	if (s->state & MUX_ST_RESET)
		return 0;
	/* After the peer's FIN no data comes: credit would be wasted. */
	return mux_stream_first_due(s) ||
	    (!(s->state & MUX_ST_REMOTE_FIN) &&
	    s->recv_credit >= s->recv_max / 2);
}

/* Flags and state for any frame this side sends on the stream. */
static int
mux_stream_send_flags(struct mux_stream *s, uint32_t id, uint16_t *flags,
    char *err, size_t errlen)
{
	if (*flags & ~(MUX_FIN | MUX_RST))
		return mux_fail(err, errlen, MUX_E_INVALID,
		    "stream %lu: flags 0x%x are the stream's to choose",
		    (unsigned long)id, (unsigned)*flags);
	if (s->state & MUX_ST_RESET)
		return mux_fail(err, errlen, MUX_E_STATE,
		    "stream %lu: already reset", (unsigned long)id);
	if ((*flags & MUX_FIN) && (s->state & MUX_ST_LOCAL_FIN))
		return mux_fail(err, errlen, MUX_E_STATE,
		    "stream %lu: FIN already sent", (unsigned long)id);
	if (mux_stream_first_due(s)) {
		if (s->state & MUX_ST_OPENED_HERE) {
			if (*flags & MUX_RST)
				return mux_fail(err, errlen, MUX_E_STATE,
				    "stream %lu: RST before SYN",
				    (unsigned long)id);
			*flags |= MUX_SYN;
			s->state |= MUX_ST_SYN_SENT;
		} else {
			/* A refusal is a bare RST, without ACK. */
			if (!(*flags & MUX_RST))
				*flags |= MUX_ACK;
			s->state |= MUX_ST_ACK_SENT;
		}
	}
	if (*flags & MUX_FIN)
		s->state |= MUX_ST_LOCAL_FIN;
	if (*flags & MUX_RST)
		s->state |= MUX_ST_RESET;
	return MUX_OK;
}

int
mux_stream_send_data(struct mux_stream *s, uint32_t id, uint32_t len,
    uint16_t flags, struct mux_header *h, char *err, size_t errlen)
{
	int rc;

	if (len > 0 && (s->state & MUX_ST_LOCAL_FIN))
		return mux_fail(err, errlen, MUX_E_STATE,
		    "stream %lu: Data after FIN", (unsigned long)id);
	if (len > s->send_window || len > MUX_DATA_MAX)
		return mux_fail(err, errlen, MUX_E_WINDOW,
		    "stream %lu: %lu bytes with %lu left in the window",
		    (unsigned long)id, (unsigned long)len,
		    (unsigned long)s->send_window);
	if ((rc = mux_stream_send_flags(s, id, &flags, err, errlen)) != MUX_OK)
		return rc;
	s->send_window -= len;
	mux_header_set(h, MUX_DATA, flags, id, len);
	return MUX_OK;
}

int
mux_stream_send_window(struct mux_stream *s, uint32_t id, uint16_t flags,
    struct mux_header *h, char *err, size_t errlen)
{
	uint32_t delta, more;
	int rc;

	if ((rc = mux_stream_send_flags(s, id, &flags, err, errlen)) != MUX_OK)
		return rc;
	/* The peer is nearly out of credit: the window is what limits it. */
	if ((s->state & MUX_ST_GROW) && s->recv_credit > 0 &&
	    !(s->state & (MUX_ST_REMOTE_FIN | MUX_ST_RESET)) &&
	    s->recv_window < s->recv_max / 4 &&
	    s->recv_max < MUX_WINDOW_GROWN_MAX) {
		more = s->recv_max;
		if (more > MUX_WINDOW_GROWN_MAX - s->recv_max)
			more = MUX_WINDOW_GROWN_MAX - s->recv_max;
		s->recv_max += more;
		s->recv_credit += more;
	}
	delta = s->recv_credit;
	s->recv_window += delta;
	s->recv_credit = 0;
	mux_header_set(h, MUX_WINDOW_UPDATE, flags, id, delta);
	return MUX_OK;
}
