/*
 * Exposed pipes (issue 13, docs/nprelay.md "Exposed pipes"): the router
 * opens an exposure stream with `--expose [--expose-sddl SDDL]
 * //./pipe/NAME`; the relay creates that pipe and keeps spare instances
 * waiting in overlapped ConnectNamedPipe on the worker's port, so a
 * client never finds the pipe busy.  Each client that connects becomes
 * a stream the relay opens (even id) with a one-argument open request,
 * the pipe's name; once the router's open reply says yes, the instance
 * is relayed by mux_pipeio.c like any router-opened channel, with -s's
 * half-close (the router's FIN is a zero-byte message to the client).
 *
 * Lifetimes: the exposure (struct mux_expose) is referenced by its
 * stream until that ends, and by every instance, waiting or serving a
 * client, so a client's stream outlives the exposure.  An instance is a
 * channel outside the stream table until its client connects; the
 * waiting list holds its reference, the pending ConnectNamedPipe one
 * more.  Instances are closed with CloseHandle, never
 * DisconnectNamedPipe, which would discard what the client has not
 * read yet.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expose_pipe.h"
#include "mux_open.h"
#include "mux_relay.h"
#include "pipe.h"
#include "report.h"

/* Instances waiting for a client; one is made as soon as one connects. */
#define EXPOSE_SPARES 4

struct mux_expose {
	struct mux_relay *m;
	struct mux_expose *next;	/* m->exposed */
	struct mux_chan *stream;	/* the exposure stream; NULL once over */
	int refs;			/* the stream, each instance */
	wchar_t *name;			/* \\.\pipe\NAME, for CreateNamedPipe */
	char *shown;			/* the name as the router sent it */
	PSECURITY_DESCRIPTOR sd;	/* LocalFree */
	struct mux_chan *waiting;	/* instances in ConnectNamedPipe */
	unsigned nwaiting;
};

void
mux_expose_release(struct mux_expose *e)
{
	if (--e->refs > 0)
		return;
	free(e->name);
	free(e->shown);
	if (e->sd != NULL)
		LocalFree(e->sd);
	free(e);
}

/* One instance of the pipe, joined to the worker's port. */
static HANDLE
mux_expose_create(struct mux_expose *e, int first, DWORD *err)
{
	HANDLE h;

	if ((h = expose_pipe_create(e->name, e->sd, first, err)) ==
	    INVALID_HANDLE_VALUE)
		return h;
	if (CreateIoCompletionPort(h, e->m->port, MUXK_IO, 0) == NULL) {
		*err = GetLastError();
		CloseHandle(h);
		return INVALID_HANDLE_VALUE;
	}
	return h;
}

/* A client could not be served: its instance closed, one line. */
static void
mux_expose_drop_client(struct mux_chan *c, const char *why)
{
	report_say(NULL, "%s: client closed: %s", c->exp->shown, why);
	CloseHandle(c->h);
	c->h = INVALID_HANDLE_VALUE;
	mux_chan_unref(c);
}

/*
 * A client connected: its stream, opened with the pipe's name as the
 * one argument.  Takes the instance's reference (the table's now).
 * Nothing is read from the client until the router's reply.
 */
static void
mux_expose_accepted(struct mux_chan *c)
{
	struct mux_relay *m = c->m;
	struct mux_expose *e = c->exp;
	const char *argv[1];
	struct mux_out *o = NULL;
	struct mux_header h;
	uint32_t id;
	size_t n = 0;
	char err[256];

	argv[0] = e->shown;
	if (m->peer_went_away) {
		mux_expose_drop_client(c, "the router sent Go Away");
		return;
	}
	if (m->nchan >= MUX_STREAMS_MAX) {
		mux_expose_drop_client(c, "too many streams open");
		return;
	}
	if ((o = mux_out_new(MUX_HEADER_LEN + MUX_OPEN_REQUEST_MAX)) == NULL) {
		mux_expose_drop_client(c, "out of memory");
		return;
	}
	if (mux_open_request_encode(o->data + MUX_HEADER_LEN,
	    MUX_OPEN_REQUEST_MAX, &n, 1, argv, err, sizeof err) != MUX_OK ||
	    mux_decoder_new_id(m->dec, &id, err, sizeof err) != MUX_OK) {
		free(o);
		mux_expose_drop_client(c, err);
		return;
	}
	c->state = MUX_CH_REPLY;
	mux_stream_init(&c->st, 1);
	mux_stream_grow(&c->st);
	mux_chan_insert(c, id);
	if (mux_stream_send_data(&c->st, id, (uint32_t)n, 0, &h, NULL, 0) !=
	    MUX_OK) {
		free(o);
		mux_chan_reset(c, "cannot send the open request");
		return;
	}
	mux_header_encode(&h, o->data, NULL, 0);
	o->len = (DWORD)(MUX_HEADER_LEN + n);
	m->queued += o->len;
	mux_io_send(m->io, o, 0);
}

/*
 * One more instance waiting in ConnectNamedPipe (h, or a new one).
 * 0 when it waits or was consumed at once (a client came between create
 * and connect, or came and went); -1 with *err when none could be made.
 */
static int
mux_expose_listen(struct mux_expose *e, HANDLE h, DWORD *err)
{
	struct mux_chan *c;
	DWORD x = 0;

	if (h == INVALID_HANDLE_VALUE &&
	    (h = mux_expose_create(e, 0, err)) == INVALID_HANDLE_VALUE)
		return -1;
	if ((c = mux_chan_new(e->m)) == NULL) {
		CloseHandle(h);
		*err = ERROR_NOT_ENOUGH_MEMORY;
		return -1;
	}
	c->h = h;
	c->exp = e;
	e->refs++;
	c->state = MUX_CH_LISTENING;
	/* The client's stream: -s at the router's FIN, message reads. */
	c->message_mode = 1;
	c->o.close_write = 1;
	snprintf(c->target, sizeof c->target, "%s", e->shown);
	memset(&c->rd.ov, 0, sizeof c->rd.ov);
	c->connecting = 1;
	/* Success too completes through the port (no skip-on-success). */
	if (ConnectNamedPipe(h, &c->rd.ov) ||
	    (x = GetLastError()) == ERROR_IO_PENDING) {
		c->refs++;
		c->exp_next = e->waiting;
		e->waiting = c;
		e->nwaiting++;
		return 0;
	}
	c->connecting = 0;
	/* No completion comes for these two. */
	if (x == ERROR_PIPE_CONNECTED) {
		mux_expose_accepted(c);
		return 0;
	}
	CloseHandle(h);
	c->h = INVALID_HANDLE_VALUE;
	mux_chan_unref(c);
	if (x == ERROR_NO_DATA)
		return 0;	/* the client came and went: a spent instance */
	*err = x;
	return -1;
}

/* The pipe cannot be served any more: RST on the exposure stream. */
static void
mux_expose_lost(struct mux_expose *e, DWORD code)
{
	struct nprelay_error err = { 0 };
	char msg[1500];

	error_set(&err, NPRELAY_EIO, code, "cannot create a pipe instance, "
	    "no client can connect");
	report_format(&err, e->shown, msg, sizeof msg);
	mux_chan_reset(e->stream, msg);
}

/*
 * Spare instances back to EXPOSE_SPARES.  At the system's limit of
 * instances (ERROR_PIPE_BUSY: 255 clients) the refill waits for a
 * client to leave; the name lives on in the clients' instances.
 */
static void
mux_expose_refill(struct mux_expose *e)
{
	unsigned tries = 0;
	DWORD err = 0;

	while (e->stream != NULL && e->nwaiting < EXPOSE_SPARES &&
	    tries++ < 4 * EXPOSE_SPARES) {
		if (mux_expose_listen(e, INVALID_HANDLE_VALUE, &err) == 0)
			continue;
		if (err == ERROR_PIPE_BUSY)
			return;
		if (e->nwaiting == 0) {
			mux_expose_lost(e, err);
			return;
		}
		report_say(NULL, "%s: cannot create a spare pipe instance "
		    "(error %lu)", e->shown, (unsigned long)err);
		return;
	}
}

/* An instance's ConnectNamedPipe completed. */
void
mux_expose_connected(struct mux_chan *c, DWORD err)
{
	struct mux_expose *e = c->exp;
	struct mux_chan **pp;

	if (c->state != MUX_CH_LISTENING)
		return;		/* closed with the exposure: only the op's ref */
	for (pp = &e->waiting; *pp != c; pp = &(*pp)->exp_next)
		;
	*pp = c->exp_next;
	e->nwaiting--;
	if (err == ERROR_PIPE_CONNECTED)
		err = 0;
	if (err != 0) {
		/* ERROR_NO_DATA: the client came and went. */
		if (err != ERROR_NO_DATA && err != ERROR_BROKEN_PIPE)
			report_say(NULL, "%s: waiting for a client failed "
			    "(error %lu)", e->shown, (unsigned long)err);
		CloseHandle(c->h);
		c->h = INVALID_HANDLE_VALUE;
		c->state = MUX_CH_FAILED;
		mux_chan_unref(c);
		mux_expose_refill(e);
		return;
	}
	/* The next client finds an instance waiting. */
	mux_expose_refill(e);
	mux_expose_accepted(c);
}

/* The router's open reply on a client's stream, and any data behind it. */
int
mux_expose_reply(struct mux_chan *c, const uint8_t *buf, size_t len,
    char *err, size_t errlen)
{
	struct mux_open_reply rep;
	size_t used;
	int rc;

	if (mux_chan_gather(c, buf, len) != 0)
		return MUX_OK;
	rc = mux_open_reply_decode(c->req, c->req_len, &used, &rep, err,
	    errlen);
	if (rc == MUX_MORE)
		return MUX_OK;
	if (rc != MUX_OK)
		return rc;
	if (rep.status != 0) {
		struct mux_header h;

		report_say(NULL, "stream %lu: %s: the router refused the "
		    "client (status %u, error %lu): %.*s", (unsigned long)c->id,
		    c->target, (unsigned)rep.status, (unsigned long)rep.code,
		    (int)rep.message_len, (const char *)rep.message);
		/* Nothing may follow a failure reply but FIN. */
		used = c->req_len;
		mux_target_close(c);
		c->state = MUX_CH_FAILED;
		if (mux_stream_send_data(&c->st, c->id, 0, MUX_FIN, &h, NULL,
		    0) == MUX_OK)
			mux_relay_send_header(c->m, &h, 0);
		goto out;
	}
	if ((c->rbuf = malloc(MUX_READ_MIN)) == NULL ||
	    mux_chan_queue(c, c->req + used, c->req_len - used) != 0) {
		mux_chan_reset(c, "out of memory");
		goto out;
	}
	c->rcap = MUX_READ_MIN;
	c->state = MUX_CH_OPEN;
	mux_target_read(c);
	mux_target_write(c);
out:
	free(c->req);
	c->req = NULL;
	c->req_len = c->req_cap = 0;
	if (c->in_table) {
		/* The reply's own credit; queued data's once written. */
		mux_chan_credit_used(c, (DWORD)used);
		mux_chan_maybe_end(c);
	}
	return MUX_OK;
}

/* A client's stream is over: a spare may be due again. */
void
mux_expose_client_gone(struct mux_chan *c)
{
	mux_expose_refill(c->exp);
}

/*
 * The exposure is over (the router's FIN or RST, or the relay gave up):
 * every waiting instance closed, so the name goes once no client holds
 * one; the clients' streams run on.
 */
void
mux_expose_end(struct mux_chan *stream)
{
	struct mux_expose *e = stream->exposing, **pp, *x;
	struct mux_chan *c;

	if (e == NULL)
		return;
	stream->exposing = NULL;
	e->stream = NULL;
	for (pp = &e->m->exposed; (x = *pp) != NULL; pp = &x->next)
		if (x == e) {
			*pp = e->next;
			break;
		}
	while ((c = e->waiting) != NULL) {
		e->waiting = c->exp_next;
		e->nwaiting--;
		c->state = MUX_CH_FAILED;
		CancelIoEx(c->h, NULL);
		CloseHandle(c->h);
		c->h = INVALID_HANDLE_VALUE;
		mux_chan_unref(c);
	}
	mux_expose_release(e);
}

/* The router's FIN on the exposure stream: end it, answer FIN. */
void
mux_expose_fin(struct mux_chan *c)
{
	struct mux_header h;

	mux_expose_end(c);
	if (!mux_stream_local_fin(&c->st) && mux_stream_send_data(&c->st,
	    c->id, 0, MUX_FIN, &h, NULL, 0) == MUX_OK)
		mux_relay_send_header(c->m, &h, 0);
}

/* The exposure stream's request: create the pipe, reply, listen. */
void
mux_expose_open(struct mux_chan *c)
{
	struct mux_relay *m = c->m;
	struct nprelay_error err = { 0 };
	struct mux_expose *e = NULL, *x;
	HANDLE h;
	DWORD code = 0;
	char msg[1500];
	size_t n;

	if ((e = calloc(1, sizeof *e)) == NULL ||
	    (e->name = pipe_name(c->o.target)) == NULL ||
	    (e->shown = malloc((n = wcslen(c->o.target) * 3 + 1))) == NULL) {
		error_set(&err, NPRELAY_EIO, ERROR_NOT_ENOUGH_MEMORY, "expose");
		goto fail;
	}
	e->m = m;
	e->refs = 1;
	report_utf8(c->o.target, e->shown, n);
	/* Our own pipe would fail the first-instance check too; say so. */
	for (x = m->exposed; x != NULL; x = x->next)
		if (_wcsicmp(x->name, e->name) == 0) {
			snprintf(msg, sizeof msg, "%s: pipe already exposed "
			    "on this session, by stream %lu (error %lu)",
			    c->target, (unsigned long)x->stream->id,
			    (unsigned long)ERROR_ALREADY_EXISTS);
			mux_target_refuse(c, NPRELAY_ECONNECT,
			    ERROR_ALREADY_EXISTS, msg);
			goto out;
		}
	if (expose_pipe_security(c->o.expose_sddl, &e->sd, &err) != 0)
		goto fail;
	if ((h = mux_expose_create(e, 1, &code)) != INVALID_HANDLE_VALUE &&
	    expose_pipe_joined(h)) {
		CloseHandle(h);
		h = INVALID_HANDLE_VALUE;
		code = ERROR_ACCESS_DENIED;
	}
	if (h == INVALID_HANDLE_VALUE) {
		if (code == ERROR_ACCESS_DENIED) {
			snprintf(msg, sizeof msg, "%s: pipe name already in "
			    "use by another process (error %lu)", c->target,
			    (unsigned long)code);
			mux_target_refuse(c, NPRELAY_ECONNECT, code, msg);
			goto out;
		}
		error_set(&err, NPRELAY_ECONNECT, code, "cannot create pipe");
		goto fail;
	}
	/* The name is ours: answer before any client's stream can open. */
	e->stream = c;
	e->next = m->exposed;
	m->exposed = e;
	c->exposing = e;
	c->state = MUX_CH_EXPOSED;
	mux_chan_drop_up(c);
	mux_target_reply(c, 0, 0, NULL);
	if (!c->in_table) {
		CloseHandle(h);
		return;
	}
	if (mux_expose_listen(e, h, &code) != 0) {
		mux_expose_lost(e, code);
		return;
	}
	mux_expose_refill(e);
	return;
fail:
	mux_target_fail(c, &err);
out:
	if (e != NULL)
		mux_expose_release(e);
}
