/*
 * Overlapped I/O on a channel's target (a pipe, or an assuan socket),
 * completed through the worker's port: at most one read and one write
 * pending per channel.  npiperelay's flags per channel (docs/mux.md §6):
 *
 *   router FIN   after the data before it is written: -s half-closes the
 *                target; -ei then sends FIN and closes the target.
 *   target EOF   a zero-byte message: FIN after the data before it, the
 *                pipe stays open for writing; -ep adds RST.
 *   target gone  broken pipe, reset socket: FIN after the last data, the
 *                handle closed, the router's later data dropped; -ep
 *                adds RST.  When a write finds it gone first, the pipe
 *                may still hold what the server wrote before it died:
 *                writing stops (the router's data is dropped, its credit
 *                returned) but the read runs on until it reports the end
 *                itself, so every byte reaches the router before FIN.
 *
 * Pitfalls met under Wine: a read failing with ERROR_MORE_DATA carries
 * data (a message longer than the buffer; the rest follows); no
 * FILE_SKIP_COMPLETION_PORT_ON_SUCCESS, so every started operation
 * completes through the port, even one that finished at once; no
 * zero-byte reads, which on a message pipe would eat a zero-byte message.
 *
 * -s on a message pipe flushes first, as spawn mode does, so the server
 * has read every message before the zero-byte one.  FlushFileBuffers
 * blocks until then, so it runs in the system thread pool and posts
 * MUXK_FLUSHED; the handle stays open until it returns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mux_relay.h"
#include "report.h"
#include "target.h"

/* A socket's reset, as a completion reports it. */
static int
mux_target_gone(DWORD e)
{
	return target_error_is_gone(e) || e == ERROR_NETNAME_DELETED ||
	    e == ERROR_CONNECTION_ABORTED;
}

static void
mux_target_error(struct mux_chan *c, const char *what, DWORD e)
{
	struct nprelay_error err = { 0 };
	char msg[1500];

	error_set(&err, NPRELAY_EIO, e, "%s", what);
	report_format(&err, c->target, msg, sizeof msg);
	mux_chan_reset(c, msg);
}

/* FIN once what was read is out; no more reads. */
static void
mux_target_ended(struct mux_chan *c)
{
	c->target_eof = 1;
	/* Neither direction has a use for the handle any more. */
	if (c->up_gone)
		mux_target_close(c);
	if (!c->fin_due && !mux_stream_local_fin(&c->st)) {
		c->fin_due = 1;
		c->rst_due = c->o.exit_on_pipe_eof || c->data_lost;
	}
	mux_chan_send_ready(c);
}

void
mux_target_close(struct mux_chan *c)
{
	if (c->h == INVALID_HANDLE_VALUE)
		return;
	CancelIoEx(c->h, NULL);
	if (c->flushing) {
		/* FlushFileBuffers still uses the handle. */
		c->close_pending = 1;
		return;
	}
	if (c->is_sock)
		closesocket(c->sock);
	else
		CloseHandle(c->h);
	c->h = INVALID_HANDLE_VALUE;
	c->sock = INVALID_SOCKET;
}

/*
 * A read found the target gone: the handle closed (cancelling a write
 * still pending), FIN once what was read is out.  What the router sent
 * that never reached the target is dropped and its credit returned, or
 * the router, its window shut, would wait for ever; for an exposed
 * pipe's client that is data lost, and RST follows FIN.
 */
static void
mux_target_read_gone(struct mux_chan *c)
{
	if (c->up != NULL && c->exp != NULL)
		c->data_lost = 1;
	mux_target_close(c);
	mux_chan_drop_up(c);
	mux_target_ended(c);
}

void
mux_target_read(struct mux_chan *c)
{
	DWORD e = 0, flags = 0;
	WSABUF b;
	uint8_t *p;

	if (c->reading || c->target_eof || c->rlen > 0 || !c->in_table ||
	    c->state != MUX_CH_OPEN || c->h == INVALID_HANDLE_VALUE ||
	    c->close_pending)
		return;
	if (c->grow && c->rcap < MUX_READ_MAX &&
	    (p = realloc(c->rbuf, c->rcap * 2)) != NULL) {
		c->rbuf = p;
		c->rcap *= 2;
	}
	c->grow = 0;
	memset(&c->rd.ov, 0, sizeof c->rd.ov);
	if (c->is_sock) {
		b.len = c->rcap;
		b.buf = (char *)c->rbuf;
		if (WSARecv(c->sock, &b, 1, NULL, &flags, &c->rd.ov, NULL) ==
		    SOCKET_ERROR && (e = (DWORD)WSAGetLastError()) !=
		    WSA_IO_PENDING)
			goto failed;
	} else if (!ReadFile(c->h, c->rbuf, c->rcap, NULL, &c->rd.ov) &&
	    (e = GetLastError()) != ERROR_IO_PENDING && e != ERROR_MORE_DATA)
		goto failed;
	c->reading = 1;
	c->refs++;
	return;
failed:
	if (mux_target_gone(e))
		mux_target_read_gone(c);
	else
		mux_target_error(c, "read from target", e);
}

static void
mux_target_read_done(struct mux_chan *c, DWORD n, DWORD e)
{
	if (e == ERROR_MORE_DATA)
		e = 0;
	if (!c->in_table || c->state != MUX_CH_OPEN ||
	    e == ERROR_OPERATION_ABORTED || c->h == INVALID_HANDLE_VALUE)
		return;
	if (e == 0 && n > 0) {
		c->rlen = n;
		c->roff = 0;
		c->grow = n == c->rcap;
		mux_chan_send_ready(c);
		return;
	}
	if (e == 0 && !c->is_sock) {
		/* A zero-byte message: the server's half-close. */
		mux_target_ended(c);
		return;
	}
	if (e == 0 || mux_target_gone(e)) {
		mux_target_read_gone(c);
		return;
	}
	mux_target_error(c, "read from target", e);
}

/* After the router's FIN and -s: -ei ends the stream here. */
static void
mux_target_half_closed(struct mux_chan *c)
{
	c->half_closed = 1;
	if (!c->o.exit_on_stdin_eof) {
		mux_chan_maybe_end(c);
		return;
	}
	mux_target_close(c);
	mux_chan_drop_up(c);
	c->target_eof = 1;
	if (!c->fin_due && !mux_stream_local_fin(&c->st)) {
		c->fin_due = 1;
		c->rst_due = 0;
	}
	mux_chan_send_ready(c);
}

/*
 * An exposed pipe's client left with the router's data undelivered: the
 * router learns it from RST after the relay's FIN (docs/nprelay.md,
 * "Exposed pipes"), and closes its unix client with a reset rather than
 * a clean end.  RST goes with FIN when FIN is still due, or now when it
 * went out already (the read saw the end first); 1 when the channel is
 * over.
 */
int
mux_target_lost(struct mux_chan *c)
{
	struct mux_header h;

	if (c->exp == NULL || !c->in_table)
		return 0;
	c->data_lost = 1;
	if (c->fin_due)
		c->rst_due = 1;
	if (!c->target_eof || c->fin_due || !mux_stream_local_fin(&c->st))
		return 0;
	if (mux_stream_send_window(&c->st, c->id, MUX_RST, &h, NULL, 0) ==
	    MUX_OK)
		mux_relay_send_header(c->m, &h, 0);
	mux_chan_drop(c);
	return 1;
}

/*
 * A write (or -s's zero-byte write) found the target gone.  Closing now
 * would cancel the read and lose what the pipe still holds, so only the
 * writing stops; the read's own end (broken pipe, EOF) closes the handle
 * and sends FIN, as for spawn mode's copy.c.
 */
static void
mux_target_write_gone(struct mux_chan *c)
{
	int lost = c->up != NULL;

	c->up_gone = 1;
	if (lost && mux_target_lost(c) != 0)
		return;
	mux_chan_drop_up(c);
	if (c->target_eof) {
		mux_target_ended(c);
		return;
	}
	if (c->remote_fin && !c->half_closed) {
		c->half_closing = 1;
		mux_target_half_closed(c);
	}
	mux_target_read(c);
	mux_chan_maybe_end(c);
}

static void
mux_target_zero_write(struct mux_chan *c)
{
	static char none[1];
	DWORD e;

	memset(&c->wr.ov, 0, sizeof c->wr.ov);
	c->zero_write = 1;
	if (!WriteFile(c->h, none, 0, NULL, &c->wr.ov) &&
	    (e = GetLastError()) != ERROR_IO_PENDING) {
		c->zero_write = 0;
		if (mux_target_gone(e))
			mux_target_write_gone(c);
		else
			mux_target_error(c, "half-close (zero-byte write)", e);
		return;
	}
	c->writing = 1;
	c->refs++;
}

static DWORD WINAPI
mux_target_flush_cb(void *arg)
{
	struct mux_chan *c = arg;

	FlushFileBuffers(c->h);
	PostQueuedCompletionStatus(c->m->port, 0, MUXK_FLUSHED,
	    (OVERLAPPED *)c);
	return 0;
}

void
mux_target_flushed(struct mux_chan *c)
{
	c->flushing = 0;
	if (c->close_pending) {
		c->close_pending = 0;
		mux_target_close(c);
	} else if (c->in_table && c->h != INVALID_HANDLE_VALUE)
		mux_target_zero_write(c);
	mux_chan_unref(c);
}

/* The router's FIN, once everything before it reached the target. */
void
mux_target_up_done(struct mux_chan *c)
{
	if (!c->remote_fin || c->up != NULL || c->writing ||
	    c->half_closing || !c->in_table || c->state != MUX_CH_OPEN)
		return;
	c->half_closing = 1;
	if (!c->o.close_write || c->h == INVALID_HANDLE_VALUE || c->up_gone) {
		mux_target_half_closed(c);
		return;
	}
	if (c->is_sock) {
		shutdown(c->sock, SD_SEND);
		mux_target_half_closed(c);
		return;
	}
	if (c->message_mode) {
		c->flushing = 1;
		c->refs++;
		if (QueueUserWorkItem(mux_target_flush_cb, c,
		    WT_EXECUTELONGFUNCTION))
			return;
		c->flushing = 0;
		c->refs--;
	}
	mux_target_zero_write(c);
}

void
mux_target_write(struct mux_chan *c)
{
	struct mux_chunk *k = c->up;
	DWORD e;
	WSABUF b;

	if (c->writing || !c->in_table || c->state != MUX_CH_OPEN ||
	    c->h == INVALID_HANDLE_VALUE || c->close_pending || c->up_gone ||
	    k == NULL)
		return;
	memset(&c->wr.ov, 0, sizeof c->wr.ov);
	if (c->is_sock) {
		b.len = k->len - k->off;
		b.buf = (char *)k->data + k->off;
		if (WSASend(c->sock, &b, 1, NULL, 0, &c->wr.ov, NULL) ==
		    SOCKET_ERROR && (e = (DWORD)WSAGetLastError()) !=
		    WSA_IO_PENDING)
			goto failed;
	} else if (!WriteFile(c->h, k->data + k->off, k->len - k->off, NULL,
	    &c->wr.ov) && (e = GetLastError()) != ERROR_IO_PENDING)
		goto failed;
	c->writing = 1;
	c->refs++;
	return;
failed:
	if (mux_target_gone(e))
		mux_target_write_gone(c);
	else
		mux_target_error(c, "write to target", e);
}

static void
mux_target_write_done(struct mux_chan *c, DWORD n, DWORD e)
{
	struct mux_chunk *k = c->up;
	int zero = c->zero_write;

	c->zero_write = 0;
	if (!c->in_table || c->state != MUX_CH_OPEN ||
	    e == ERROR_OPERATION_ABORTED || c->h == INVALID_HANDLE_VALUE)
		return;
	if (e != 0) {
		if (mux_target_gone(e))
			mux_target_write_gone(c);
		else
			mux_target_error(c, zero ? "half-close (zero-byte "
			    "write)" : "write to target", e);
		return;
	}
	if (zero) {
		mux_target_half_closed(c);
		return;
	}
	if (k == NULL)
		return;
	k->off += n;
	if (k->off >= k->len) {
		c->up = k->next;
		if (c->up == NULL)
			c->up_tail = &c->up;
		free(k);
	}
	mux_chan_credit_used(c, n);
	if (c->up != NULL)
		mux_target_write(c);
	else
		mux_target_up_done(c);
}

void
mux_target_completion(struct mux_op *op, DWORD n, DWORD e)
{
	struct mux_chan *c = op->c;

	if (!op->write && c->connecting) {
		/* An exposed pipe's instance: its ConnectNamedPipe. */
		c->connecting = 0;
		mux_expose_connected(c, e);
		mux_chan_unref(c);
		return;
	}
	if (op->write) {
		c->writing = 0;
		mux_target_write_done(c, n, e);
	} else {
		c->reading = 0;
		mux_target_read_done(c, n, e);
	}
	mux_chan_unref(c);
}
