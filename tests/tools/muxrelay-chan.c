/*
 * nptest-muxrelay's streams: the table, and the copying between a stream
 * and its unix socket both ways with half-close and credit, mapped as
 * docs/mux.md §6 maps npiperelay's semantics.  How a stream opens is
 * muxrelay-open.c's.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "muxrelay.h"

static size_t
mr_hash(uint32_t id)
{
	return (size_t)(id * 2654435761u) % MR_BUCKETS;
}

struct mr_chan *
mr_chan_find(struct mr *r, uint32_t id)
{
	struct mr_chan *c;

	for (c = r->bucket[mr_hash(id)]; c != NULL; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

struct mr_chan *
mr_chan_new(struct mr *r, uint32_t id, int here)
{
	struct mr_chan *c;
	size_t b = mr_hash(id);

	if ((c = calloc(1, sizeof *c)) == NULL)
		mr_die(MR_EXIT_FAIL, "out of memory");
	c->id = id;
	c->here = here;
	c->fd = -1;
	c->expose_fd = -1;
	mux_stream_init(&c->st, here);
	c->next = r->bucket[b];
	r->bucket[b] = c;
	c->all_next = r->all;
	if (r->all != NULL)
		r->all->all_prev = c;
	r->all = c;
	r->nchans++;
	return c;
}

void
mr_chan_close_fd(struct mr_chan *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->connecting = 0;
}

void
mr_chan_head_set(struct mr_chan *c, const uint8_t *buf, size_t len)
{
	mr_chan_head_clear(c);
	if ((c->head = malloc(len)) == NULL)
		mr_die(MR_EXIT_FAIL, "out of memory");
	memcpy(c->head, buf, len);
	c->head_len = len;
}

void
mr_chan_head_clear(struct mr_chan *c)
{
	free(c->head);
	c->head = NULL;
	c->head_off = c->head_len = 0;
}

void
mr_chan_free(struct mr *r, struct mr_chan *c)
{
	struct mr_chan **pp;

	for (pp = &r->bucket[mr_hash(c->id)]; *pp != c; pp = &(*pp)->next)
		;
	*pp = c->next;
	if (c->all_prev != NULL)
		c->all_prev->all_next = c->all_next;
	else
		r->all = c->all_next;
	if (c->all_next != NULL)
		c->all_next->all_prev = c->all_prev;
	r->nchans--;
	mr_chan_close_fd(c);
	mr_expose_close(c);
	mux_outq_free(&c->in);
	mr_chan_head_clear(c);
	free(c->pre);
	free(c);
}

void
mr_chan_consumed(struct mr_chan *c, size_t n)
{
	char err[256];

	if (n > 0 && mux_stream_consumed(&c->st, (uint32_t)n, err,
	    sizeof err) != MUX_OK)
		mr_die(MR_EXIT_FAIL, "stream %lu: %s", (unsigned long)c->id,
		    err);
}

/* Data (or a bare FIN or RST) on the stream, within its window. */
void
mr_chan_send(struct mr *r, struct mr_chan *c, const void *buf, size_t len,
    uint16_t flags)
{
	struct mux_header h;
	char err[256];

	if (mux_stream_send_data(&c->st, c->id, (uint32_t)len, flags, &h, err,
	    sizeof err) != MUX_OK)
		mr_die(MR_EXIT_FAIL, "stream %lu: %s", (unsigned long)c->id,
		    err);
	mr_frame(r, &h, buf, len);
	c->first_sent = 1;
}

void
mr_chan_payload(struct mr_chan *c, const uint8_t *buf, size_t len)
{
	if (len == 0)
		return;
	if (c->failed || (c->fd < 0 && !c->waiting) || c->broken) {
		mr_chan_consumed(c, len);	/* nowhere to go: dropped */
		return;
	}
	/* Credit returns as the socket takes it (mr_chan_flush_in). */
	if (mux_outq_append(&c->in, buf, len) != 0)
		mr_die(MR_EXIT_FAIL, "out of memory");
}

void
mr_chan_frame(struct mr *r, struct mr_chan *c, unsigned events,
    const struct mux_header *h)
{
	(void)r;
	/* The header came; FIN and RST take effect once its payload is in
	 * and written (mr_chan_pump). */
	if (h->type == MUX_DATA)
		c->payload_left = h->length;
	if (events & MUX_SE_RESET)
		c->reset = 1;
}

static int
mr_chan_can_read(struct mr *r, const struct mr_chan *c)
{
	return c->fd >= 0 && !c->connecting && !c->waiting &&
	    c->head_len == 0 && !c->failed && !c->fd_eof && !c->reset &&
	    !c->fin_due && !mux_stream_local_fin(&c->st) &&
	    mux_outq_pending(&r->out) < MR_OUT_HIGH &&
	    mux_stream_sendable(&c->st, 1) > 0;
}

short
mr_chan_events(struct mr *r, const struct mr_chan *c)
{
	short ev = 0;

	if (c->connecting)
		return POLLOUT;
	if (mux_outq_pending(&c->in) > 0 && !c->waiting)
		ev |= POLLOUT;
	if (mr_chan_can_read(r, c))
		ev |= POLLIN;
	return ev;
}

/* The socket will take no more (EPIPE, ECONNRESET): a broken pipe.
 * What it still has for us is read before our FIN. */
static void
mr_chan_broken(struct mr_chan *c)
{
	c->broken = 1;
	mr_chan_consumed(c, mux_outq_pending(&c->in));
	mux_outq_free(&c->in);
}

static void
mr_chan_io_error(struct mr_chan *c, const char *what, int err)
{
	fprintf(stderr, "nptest-muxrelay: stream %lu: %s %s: %s\n",
	    (unsigned long)c->id, what, c->here ? "exposed client" : c->pipe,
	    strerror(err));
	c->rst_due = 1;
	mr_chan_close_fd(c);
}

static void
mr_chan_write_socket(struct mr_chan *c)
{
	ssize_t n;

	while (mux_outq_pending(&c->in) > 0) {
		n = mux_outq_write(&c->in, c->fd);
		if (n > 0) {
			mr_chan_consumed(c, (size_t)n);
			if (mux_outq_pending(&c->in) == 0)
				mux_outq_free(&c->in);
			continue;
		}
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
			mr_chan_broken(c);
		else if (n < 0 && errno != EAGAIN && errno != EINTR)
			mr_chan_io_error(c, "writing to", errno);
		return;
	}
}

static void
mr_chan_read_socket(struct mr *r, struct mr_chan *c)
{
	static uint8_t buf[MR_CHUNK];
	uint32_t want = mux_stream_sendable(&c->st, sizeof buf);
	ssize_t n;

	n = read(c->fd, buf, want);
	if (n > 0) {
		mr_chan_send(r, c, buf, (size_t)n, 0);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0 && errno != ECONNRESET) {
		mr_chan_io_error(c, "reading from", errno);
		return;
	}
	/* EOF: the target's half-close (a message pipe's zero-byte message)
	 * keeps the socket for writing; a reset is a broken pipe. */
	c->fd_eof = 1;
	c->fin_due = 1;
	if (c->opt_ep)
		c->rst_due = 1;
	if (n < 0 || c->broken)
		mr_chan_close_fd(c);
}

/* The router's FIN, once what came before it reached the socket. */
static void
mr_chan_remote_fin(struct mr_chan *c)
{
	if (c->fin_handled || !mux_stream_remote_fin(&c->st) || !c->opened ||
	    c->payload_left > 0 ||
	    c->waiting || mux_outq_pending(&c->in) > 0)
		return;
	c->fin_handled = 1;
	if (c->expose_fd >= 0) {
		/* The router ends the exposure: the name goes, our FIN
		 * answers (protocol point 4). */
		mr_expose_close(c);
		c->fin_due = 1;
		return;
	}
	if (c->fd >= 0 && !c->broken && (c->opt_s || c->here))
		(void)shutdown(c->fd, SHUT_WR);
	/* -ei: the relay would exit here. Our FIN closes the stream, which
	 * closes the socket: the target's answer is lost, as it would be. */
	if (c->opt_ei)
		c->fin_due = 1;
}

void
mr_chan_pump(struct mr *r, struct mr_chan *c, short revents)
{
	struct mux_header h;
	char err[256];
	uint32_t n;

	if (c->reset) {
		if (c->payload_left > 0)
			return;
		/* What arrived before the RST still goes, if it can. */
		if (c->fd >= 0 && !c->connecting && !c->waiting)
			mr_chan_write_socket(c);
		mr_chan_free(r, c);
		return;
	}
	if (c->connecting && revents)
		mr_chan_connected(r, c);
	if (c->fd >= 0 && !c->connecting && !c->waiting &&
	    (revents & (POLLOUT | POLLERR | POLLHUP)))
		mr_chan_write_socket(c);
	mr_chan_remote_fin(c);
	if (mux_stream_update_due(&c->st) && !mux_stream_closed(&c->st) &&
	    !(r->no_credit && c->first_sent)) {
		if (mux_stream_send_window(&c->st, c->id, 0, &h, err,
		    sizeof err) != MUX_OK)
			mr_die(MR_EXIT_FAIL, "stream %lu: %s",
			    (unsigned long)c->id, err);
		mr_frame(r, &h, NULL, 0);
		c->first_sent = 1;
	}
	if (c->head_len > 0 &&
	    (n = mux_stream_sendable(&c->st, c->head_len)) > 0) {
		mr_chan_send(r, c, c->head + c->head_off, n, 0);
		c->head_off += n;
		if ((c->head_len -= n) == 0)
			mr_chan_head_clear(c);
	}
	if ((revents & (POLLIN | POLLHUP | POLLERR)) && mr_chan_can_read(r, c))
		mr_chan_read_socket(r, c);
	if (c->fin_due && c->head_len == 0 && !mux_stream_local_fin(&c->st) &&
	    !mux_stream_closed(&c->st))
		mr_chan_send(r, c, NULL, 0, MUX_FIN);
	if (c->rst_due && c->head_len == 0) {
		if (!mux_stream_closed(&c->st))
			mr_chan_send(r, c, NULL, 0, MUX_RST);
		mr_chan_free(r, c);
		return;
	}
	if (mux_stream_closed(&c->st) && c->payload_left == 0 &&
	    (c->fd < 0 || mux_outq_pending(&c->in) == 0))
		mr_chan_free(r, c);
}
