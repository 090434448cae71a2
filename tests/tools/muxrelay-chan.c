/*
 * nptest-muxrelay's streams: the open request (or, for a stream we open,
 * the reply), the unix socket, and the copying both ways with half-close
 * and credit, mapped as docs/mux.md §6 maps npiperelay's semantics.
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

static void
mr_chan_close_fd(struct mr_chan *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->connecting = 0;
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
	mux_outq_free(&c->in);
	free(c);
}

static void
mr_chan_consumed(struct mr_chan *c, size_t n)
{
	char err[256];

	if (n > 0 && mux_stream_consumed(&c->st, (uint32_t)n, err,
	    sizeof err) != MUX_OK)
		mr_die(MR_EXIT_FAIL, "stream %lu: %s", (unsigned long)c->id,
		    err);
}

/* Data (or a bare FIN or RST) on the stream, within its window. */
static void
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

/* The reply to the router's request: success, or the failure a spawned
 * relay would have printed, then FIN (docs/mux.md §4). */
static void
mr_chan_reply(struct mr *r, struct mr_chan *c, uint8_t status, uint32_t code,
    const char *msg)
{
	char err[256];

	c->waiting = 0;
	if (mux_open_reply_encode(c->head, sizeof c->head, &c->head_len,
	    status, code, status ? msg : NULL, err, sizeof err) != MUX_OK)
		mr_die(MR_EXIT_FAIL, "stream %lu: reply: %s",
		    (unsigned long)c->id, err);
	if (status != 0) {
		c->failed = 1;
		c->fin_due = 1;
		mr_chan_close_fd(c);
		/* What came behind the request is dropped: its credit too. */
		mr_chan_consumed(c, mux_outq_pending(&c->in));
		mux_outq_free(&c->in);
		return;
	}
	mr_fault_opened(r, c);
}

/* Connects (or retries, -p) and answers once the outcome is known. */
static void
mr_chan_connect(struct mr *r, struct mr_chan *c, int64_t now)
{
	char msg[MUX_OPEN_MESSAGE_MAX];
	uint32_t code = 0;
	uint8_t status;
	int rc;

	if (r->fail_open) {
		snprintf(msg, sizeof msg, "%s: cannot open pipe: %s (error "
		    "%lu)", c->pipe, mr_win32_text(r->fail_code),
		    (unsigned long)r->fail_code);
		mr_chan_reply(r, c, 3, r->fail_code, msg);
		return;
	}
	rc = mr_connect(c, &code);
	if (rc == 0) {
		if (!c->connecting)
			mr_chan_reply(r, c, 0, 0, NULL);
		return;
	}
	status = 3;
	snprintf(msg, sizeof msg, "%s: cannot open pipe: %s (error %lu)",
	    c->pipe, mr_win32_text(code), (unsigned long)code);
	/* -p: a missing or busy socket is waited for, as nprelay waits
	 * for a pipe, with the same backoff and -l cap. */
	if (c->opt_p && (code == 2 || code == 231)) {
		if (c->wait_until == 0)
			c->wait_until = c->opt_l == 0 ? -1 :
			    now + (int64_t)c->opt_l * 1000;
		if (c->wait_until < 0 || now < c->wait_until) {
			c->retry_ms = c->retry_ms ? c->retry_ms * 2 : 10;
			if (c->retry_ms > 250)
				c->retry_ms = 250;
			c->retry_at = now + c->retry_ms;
			return;
		}
		snprintf(msg, sizeof msg, "%s: gave up waiting for the pipe "
		    "after %u s: %s (error %lu)", c->pipe, c->opt_l,
		    mr_win32_text(code), (unsigned long)code);
		status = 4;
	}
	mr_chan_reply(r, c, status, code, msg);
}

static void
mr_chan_request(struct mr *r, struct mr_chan *c,
    const struct mux_open_request *req)
{
	char msg[MUX_OPEN_MESSAGE_MAX];

	if (mr_args_parse(c, req, msg, sizeof msg) != 0) {
		mr_chan_reply(r, c, 2, 0, msg);
		return;
	}
	mr_chan_connect(r, c, mr_now_ms());
}

/* The router's answer to a stream we opened for an exposed client. */
static void
mr_chan_answer(struct mr_chan *c, const struct mux_open_reply *rep)
{
	if (rep->status == 0)
		return;
	fprintf(stderr, "nptest-muxrelay: stream %lu: the router failed the "
	    "open: status %u, error %lu: %.*s\n", (unsigned long)c->id,
	    rep->status, (unsigned long)rep->code, (int)rep->message_len,
	    (const char *)rep->message);
	c->failed = 1;
	c->fin_due = 1;
	mr_chan_close_fd(c);
}

static void
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
mr_chan_data(struct mr *r, struct mr_chan *c, const uint8_t *buf, size_t len)
{
	struct mux_open_request req;
	struct mux_open_reply rep;
	char err[256];
	size_t n, used;
	int rc;

	if (c->opened) {
		mr_chan_payload(c, buf, len);
		return;
	}
	n = sizeof c->pre - c->pre_len;
	if (n > len)
		n = len;
	memcpy(c->pre + c->pre_len, buf, n);
	c->pre_len += n;
	if (c->here)
		rc = mux_open_reply_decode(c->pre, c->pre_len, &used, &rep,
		    err, sizeof err);
	else
		rc = mux_open_request_decode(c->pre, c->pre_len, &used, &req,
		    err, sizeof err);
	if (rc == MUX_MORE) {
		mr_chan_consumed(c, n);
		return;
	}
	if (rc != MUX_OK)
		mr_violation(r, rc, err);
	c->opened = 1;
	/* Earlier pieces were consumed as they came. */
	mr_chan_consumed(c, used - (c->pre_len - n));
	/* Bytes behind the request wait for the socket (or are dropped). */
	c->waiting = !c->here;
	mr_chan_payload(c, c->pre + used, c->pre_len - used);
	mr_chan_payload(c, buf + n, len - n);
	if (c->here)
		mr_chan_answer(c, &rep);
	else
		mr_chan_request(r, c, &req);
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

static void
mr_chan_connected(struct mr *r, struct mr_chan *c)
{
	char msg[MUX_OPEN_MESSAGE_MAX];
	socklen_t len = sizeof(int);
	uint32_t code;
	int err = 0;

	c->connecting = 0;
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err == 0) {
		c->waiting = 0;
		mr_chan_reply(r, c, 0, 0, NULL);
		return;
	}
	code = mr_errno_code(err);
	snprintf(msg, sizeof msg, "%s: cannot open pipe: %s (error %lu)",
	    c->pipe, mr_win32_text(code), (unsigned long)code);
	mr_chan_reply(r, c, 3, code, msg);
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
		mr_chan_send(r, c, c->head, n, 0);
		memmove(c->head, c->head + n, c->head_len - n);
		c->head_len -= n;
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

int64_t
mr_chan_next_timer(const struct mr_chan *c)
{
	return c->retry_at > 0 ? c->retry_at : -1;
}

void
mr_chan_timer(struct mr *r, struct mr_chan *c, int64_t now)
{
	if (c->retry_at > 0 && now >= c->retry_at) {
		c->retry_at = 0;
		mr_chan_connect(r, c, now);
	}
}

/* A client of the exposed socket: a stream we open, whose request names
 * the pipe a Windows client would have connected to. */
void
mr_expose_accept(struct mr *r)
{
	const char *argv[1] = { r->expose_pipe };
	struct mr_chan *c;
	char err[256];
	uint32_t id;
	int fd;

	while ((fd = accept4(r->listen_fd, NULL, NULL,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (mux_decoder_new_id(r->dec, &id, err, sizeof err) !=
		    MUX_OK) {
			fprintf(stderr, "nptest-muxrelay: %s\n", err);
			close(fd);
			return;
		}
		c = mr_chan_new(r, id, 1);
		c->fd = fd;
		if (mux_open_request_encode(c->head, sizeof c->head,
		    &c->head_len, 1, argv, err, sizeof err) != MUX_OK)
			mr_die(MR_EXIT_FAIL, "stream %lu: request: %s",
			    (unsigned long)id, err);
	}
}
