/*
 * Channels of the mux relay: one per stream the router opened.  The
 * stream table, references, the router's data on its way in (the open
 * request first), and the round-robin sender of what the targets read.
 *
 * References: the table holds one while the stream is open, and every
 * pending overlapped operation, timer wait, flush, connect and place in
 * the ready list holds one, so a channel is freed only after its last
 * completion, whatever closed it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mux_open.h"
#include "mux_relay.h"
#include "report.h"

static unsigned
mux_chan_slot(uint32_t id)
{
	return (unsigned)((id >> 1) % MUX_TABLE_SIZE);
}

struct mux_chan *
mux_chan_find(struct mux_relay *m, uint32_t id)
{
	struct mux_chan *c;

	for (c = m->table[mux_chan_slot(id)]; c != NULL; c = c->hash_next)
		if (c->id == id)
			return c;
	return NULL;
}

int
mux_relay_send_header(struct mux_relay *m, const struct mux_header *h,
    int urgent)
{
	struct mux_out *o;

	if ((o = mux_out_new(MUX_HEADER_LEN)) == NULL)
		return -1;
	if (mux_header_encode(h, o->data, NULL, 0) != MUX_OK) {
		free(o);
		return -1;
	}
	m->queued += o->len;
	mux_io_send(m->io, o, urgent);
	return 0;
}

/* A Window Update of the credit waiting, if one is due (or ACK). */
static void
mux_chan_update(struct mux_chan *c)
{
	struct mux_header h;

	/* Closed both ways (data still going into the pipe): the router
	 * forgot the stream and sends nothing more, so no credit. */
	if (!c->in_table || mux_stream_closed(&c->st) ||
	    !mux_stream_update_due(&c->st))
		return;
	if (mux_stream_send_window(&c->st, c->id, 0, &h, NULL, 0) == MUX_OK)
		mux_relay_send_header(c->m, &h, 0);
}

void
mux_chan_credit_used(struct mux_chan *c, DWORD n)
{
	if (n == 0 || mux_stream_consumed(&c->st, n, NULL, 0) != MUX_OK)
		return;
	mux_chan_update(c);
}

/* A channel of no stream yet: an exposed pipe's instance, or a SYN's. */
struct mux_chan *
mux_chan_new(struct mux_relay *m)
{
	struct mux_chan *c;

	if ((c = calloc(1, sizeof *c)) == NULL)
		return NULL;
	c->m = m;
	c->refs = 1;
	c->h = INVALID_HANDLE_VALUE;
	c->sock = INVALID_SOCKET;
	c->up_tail = &c->up;
	c->rd.c = c->wr.c = c;
	c->wr.write = 1;
	return c;
}

/* Into the stream table as id; the table takes the caller's reference. */
void
mux_chan_insert(struct mux_chan *c, uint32_t id)
{
	struct mux_relay *m = c->m;
	unsigned slot;

	c->id = id;
	c->in_table = 1;
	slot = mux_chan_slot(c->id);
	c->hash_next = m->table[slot];
	m->table[slot] = c;
	m->nchan++;
}

/* A new stream; 0 with no channel when it was refused (RST). */
int
mux_chan_syn(struct mux_relay *m, const struct mux_header *h)
{
	struct mux_header rst;
	struct mux_chan *c;

	if (m->nchan >= MUX_STREAMS_MAX || (c = mux_chan_new(m)) == NULL) {
		mux_header_set(&rst, MUX_WINDOW_UPDATE, MUX_RST, h->stream_id,
		    0);
		return mux_relay_send_header(m, &rst, 0);
	}
	c->state = MUX_CH_REQUEST;
	mux_stream_init(&c->st, 0);
	/* As the router does: the window grows while it limits the stream
	 * (docs/mux.md §5). */
	mux_stream_grow(&c->st);
	mux_chan_insert(c, h->stream_id);
	return 0;
}

static void
mux_chan_free(struct mux_chan *c)
{
	mux_chan_drop_up(c);
	if (c->exp != NULL)
		mux_expose_release(c->exp);
	free(c->req);
	free(c->argbuf);
	free(c->name);
	free(c->rbuf);
	free(c);
}

void
mux_chan_unref(struct mux_chan *c)
{
	if (--c->refs == 0)
		mux_chan_free(c);
}

/* Frees what the router sent that will never reach the target, and
 * returns its credit while the stream is open. */
void
mux_chan_drop_up(struct mux_chan *c)
{
	struct mux_chunk *k, *next;
	DWORD n = 0;

	for (k = c->up; k != NULL; k = next) {
		next = k->next;
		n += k->len - k->off;
		free(k);
	}
	c->up = NULL;
	c->up_tail = &c->up;
	if (c->in_table)
		mux_chan_credit_used(c, n);
}

/* The stream is over: out of the table, the target closed. */
void
mux_chan_drop(struct mux_chan *c)
{
	struct mux_chan **pp;

	if (!c->in_table)
		return;
	for (pp = &c->m->table[mux_chan_slot(c->id)]; *pp != c;
	    pp = &(*pp)->hash_next)
		;
	*pp = c->hash_next;
	c->in_table = 0;
	c->m->nchan--;
	if (c->exposing != NULL)
		mux_expose_end(c);
	mux_target_close(c);
	mux_chan_drop_up(c);
	if (c->exp != NULL)
		mux_expose_client_gone(c);
	mux_chan_unref(c);
}

void
mux_chan_maybe_end(struct mux_chan *c)
{
	if (!c->in_table || !mux_stream_closed(&c->st))
		return;
	/*
	 * FIN went both ways, but when the target half-closed first (an
	 * exposed pipe's client, a server's zero-byte message) the router's
	 * data before its FIN may still be on its way into the pipe: the
	 * channel ends once that is written and the half-close is done
	 * (mux_target_half_closed), or the target is gone. Not after RST:
	 * the router then forgets the stream, and a frame of it still in
	 * flight must find it closed (dropped), not reset (a violation
	 * that ends every stream of the session).
	 */
	if (!mux_stream_reset(&c->st) && c->state == MUX_CH_OPEN &&
	    c->h != INVALID_HANDLE_VALUE && !c->up_gone && !c->half_closed)
		return;
	mux_chan_drop(c);
}

/* An I/O error after the open: one line naming the stream, then RST. */
void
mux_chan_reset(struct mux_chan *c, const char *why)
{
	struct mux_header h;

	if (!c->in_table)
		return;
	report_say(NULL, "stream %lu: %s", (unsigned long)c->id, why);
	if (mux_stream_send_window(&c->st, c->id, MUX_RST, &h, NULL, 0) ==
	    MUX_OK)
		mux_relay_send_header(c->m, &h, 0);
	mux_chan_drop(c);
}

void
mux_chan_send_ready(struct mux_chan *c)
{
	struct mux_relay *m = c->m;

	if (c->in_ready || !c->in_table)
		return;
	c->in_ready = 1;
	c->refs++;
	c->ready_next = NULL;
	*m->ready_tail = c;
	m->ready_tail = &c->ready_next;
}

/* What the peer's frame header did, once its payload is through. */
static int
mux_chan_apply(struct mux_chan *c, unsigned ev, char *err, size_t errlen)
{
	if (ev & MUX_SE_RESET) {
		mux_chan_drop(c);
		return MUX_OK;
	}
	if (ev & MUX_SE_FIN) {
		if (c->state == MUX_CH_REQUEST || c->state == MUX_CH_REPLY) {
			snprintf(err, errlen, "stream %lu: ended before its "
			    "open %s was complete", (unsigned long)c->id,
			    c->state == MUX_CH_REQUEST ? "request" : "reply");
			return MUX_E_OPEN;
		}
		c->remote_fin = 1;
		if (c->exposing != NULL)
			mux_expose_fin(c);
		else
			mux_target_up_done(c);
	}
	mux_chan_maybe_end(c);
	return MUX_OK;
}

int
mux_chan_frame(struct mux_chan *c, const struct mux_header *h, char *err,
    size_t errlen)
{
	unsigned ev = 0;
	int rc;

	if ((rc = mux_stream_recv(&c->st, h, &ev, err, errlen)) != MUX_OK)
		return rc;
	/* Accept at once: the open reply follows when the target is open. */
	if (h->flags & MUX_SYN)
		mux_chan_update(c);
	if (ev & MUX_SE_CREDIT)
		mux_chan_send_ready(c);
	if (h->type == MUX_DATA && h->length > 0) {
		c->pending = ev;
		return MUX_OK;
	}
	return mux_chan_apply(c, ev, err, errlen);
}

int
mux_chan_queue(struct mux_chan *c, const uint8_t *buf, size_t len)
{
	struct mux_chunk *k;
	size_t cap = len;

	if (len == 0)
		return 0;
	/* The last chunk has room: behind its bytes (a write in flight
	 * covers only those before; the rest goes with the next write). */
	if (c->up != NULL) {
		k = CONTAINING_RECORD(c->up_tail, struct mux_chunk, next);
		if (k->cap - k->len >= len) {
			memcpy(k->data + k->len, buf, len);
			k->len += (DWORD)len;
			return 0;
		}
	}
	/* Small pieces (requests of a protocol) get a chunk of their size. */
	if (len >= 16 * 1024 && len < MUX_CHUNK_BULK)
		cap = MUX_CHUNK_BULK;
	if ((k = malloc(sizeof *k + cap)) == NULL)
		return -1;
	k->next = NULL;
	k->len = (DWORD)len;
	k->off = 0;
	k->cap = (DWORD)cap;
	memcpy(k->data, buf, len);
	*c->up_tail = k;
	c->up_tail = &k->next;
	return 0;
}

/* Bytes of the open request; the rest of the piece is data behind it. */
int
mux_chan_gather(struct mux_chan *c, const uint8_t *buf, size_t len)
{
	size_t need = c->req_len + len;
	uint8_t *p;

	if (need > c->req_cap) {
		if ((p = realloc(c->req, need)) == NULL) {
			mux_chan_reset(c, "out of memory");
			return -1;
		}
		c->req = p;
		c->req_cap = need;
	}
	memcpy(c->req + c->req_len, buf, len);
	c->req_len += len;
	return 0;
}

static int
mux_chan_request(struct mux_chan *c, const uint8_t *buf, size_t len,
    char *err, size_t errlen)
{
	struct mux_open_request req;
	size_t used;
	int rc;

	if (mux_chan_gather(c, buf, len) != 0)
		return MUX_OK;
	rc = mux_open_request_decode(c->req, c->req_len, &used, &req, err,
	    errlen);
	if (rc == MUX_MORE)
		return MUX_OK;
	if (rc != MUX_OK)
		return rc;
	mux_stream_consumed(&c->st, (uint32_t)used, NULL, 0);
	if (mux_chan_queue(c, c->req + used, c->req_len - used) != 0) {
		struct nprelay_error e = { 0 };

		error_set(&e, NPRELAY_EIO, ERROR_NOT_ENOUGH_MEMORY, "open");
		mux_target_fail(c, &e);
	} else
		mux_target_open(c, &req);
	free(c->req);
	c->req = NULL;
	c->req_len = c->req_cap = 0;
	/* The request's own credit goes back with the next update. */
	mux_chan_update(c);
	return MUX_OK;
}

int
mux_chan_data(struct mux_chan *c, const uint8_t *buf, size_t len, int last,
    char *err, size_t errlen)
{
	int rc = MUX_OK;

	if (!c->in_table)
		return MUX_OK;
	if (c->state == MUX_CH_REQUEST) {
		rc = mux_chan_request(c, buf, len, err, errlen);
	} else if (c->state == MUX_CH_REPLY) {
		rc = mux_expose_reply(c, buf, len, err, errlen);
	} else if (c->state == MUX_CH_FAILED || c->state == MUX_CH_EXPOSED ||
	    (c->state == MUX_CH_OPEN &&
	    (c->h == INVALID_HANDLE_VALUE || c->close_pending ||
	    c->up_gone))) {
		/* Nobody to deliver to: dropped, its credit returned. */
		mux_chan_credit_used(c, (DWORD)len);
		if (c->state == MUX_CH_OPEN && len > 0)
			mux_target_lost(c);
	} else if (mux_chan_queue(c, buf, len) != 0) {
		mux_chan_reset(c, "out of memory");
		return MUX_OK;
	} else if (c->state == MUX_CH_OPEN)
		mux_target_write(c);
	if (rc != MUX_OK || !last || !c->in_table)
		return rc;
	rc = mux_chan_apply(c, c->pending, err, errlen);
	c->pending = 0;
	return rc;
}

/* One frame from one channel: FIN (and RST) once its data is out. */
static void
mux_chan_send_some(struct mux_chan *c)
{
	struct mux_relay *m = c->m;
	struct mux_header h;
	struct mux_out *o;
	DWORD avail = c->rlen - c->roff, n;

	if (avail > 0) {
		n = mux_stream_sendable(&c->st, avail);
		if (n == 0)
			return;		/* a Window Update brings it back */
		if ((o = mux_out_new(MUX_HEADER_LEN + n)) == NULL ||
		    mux_stream_send_data(&c->st, c->id, n, 0, &h, NULL, 0) !=
		    MUX_OK) {
			free(o);
			mux_chan_reset(c, "cannot send Data (out of memory)");
			return;
		}
		mux_header_encode(&h, o->data, NULL, 0);
		memcpy(o->data + MUX_HEADER_LEN, c->rbuf + c->roff, n);
		m->queued += o->len;
		mux_io_send(m->io, o, 0);
		c->roff += n;
		if (c->roff < c->rlen) {
			mux_chan_send_ready(c);
			return;
		}
		c->rlen = c->roff = 0;
	}
	if (c->fin_due) {
		c->fin_due = 0;
		if (mux_stream_send_data(&c->st, c->id, 0, MUX_FIN, &h, NULL,
		    0) == MUX_OK)
			mux_relay_send_header(m, &h, 0);
		if (c->rst_due && mux_stream_send_window(&c->st, c->id,
		    MUX_RST, &h, NULL, 0) == MUX_OK)
			mux_relay_send_header(m, &h, 0);
		mux_chan_maybe_end(c);
		return;
	}
	mux_target_read(c);
}

/* Round robin over the channels with something to send, while the
 * output queue is under its cap. */
void
mux_relay_pump(struct mux_relay *m)
{
	struct mux_chan *c;

	while (m->queued < MUX_OUT_CAP && (c = m->ready) != NULL) {
		m->ready = c->ready_next;
		if (m->ready == NULL)
			m->ready_tail = &m->ready;
		c->in_ready = 0;
		if (c->in_table)
			mux_chan_send_some(c);
		mux_chan_unref(c);
	}
}
