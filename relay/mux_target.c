/*
 * Opening a channel's target from its open request: the request's
 * arguments go through options_parse, as a spawned relay's command line
 * does, then the pipe is opened with pipe.c's pieces, or the assuan
 * socket connected with sock.c.
 *
 * A busy or missing pipe must not hold up the other channels, so the
 * worker never sleeps in WaitNamedPipe (FSCTL_PIPE_WAIT is synchronous
 * there): it retries CreateFile from a timer, with waiter.c's backoff
 * (10 ms doubling to 250 ms, 50 ms for a busy pipe), until the deadline a spawned relay would
 * have had (-l with -p, PIPE_BUSY_WAIT_MS for a busy pipe without).  The
 * worker's timers are its GetQueuedCompletionStatus timeout (mux_main.c).
 *
 * The assuan connect (a file read, connect() and the nonce handshake,
 * with sock.c's own -p retries) runs in the system thread pool and posts
 * its result; the socket then joins the port like a pipe.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mux_open.h"
#include "mux_relay.h"
#include "options.h"
#include "pipe.h"
#include "report.h"
#include "sock.h"

#define MUX_RETRY_FIRST_MS 10
#define MUX_RETRY_MAX_MS 250
#define MUX_RETRY_BUSY_MS 50

struct mux_connect {
	struct mux_chan *c;
	struct options o;
	struct target t;
	struct nprelay_error err;
	int rc;
};

/* The open reply, then (on failure) FIN: docs/mux.md, "Open reply". */
void
mux_target_reply(struct mux_chan *c, uint8_t status, DWORD code,
    const char *msg)
{
	struct mux_relay *m = c->m;
	struct mux_header h;
	struct mux_out *o;
	size_t n = 0;

	if ((o = mux_out_new(MUX_HEADER_LEN + MUX_OPEN_REPLY_MAX)) == NULL)
		goto fail;
	if (mux_open_reply_encode(o->data + MUX_HEADER_LEN, MUX_OPEN_REPLY_MAX,
	    &n, status, code, status == 0 ? NULL : msg, NULL, 0) != MUX_OK ||
	    mux_stream_send_data(&c->st, c->id, (uint32_t)n, 0, &h, NULL,
	    0) != MUX_OK)
		goto fail;
	mux_header_encode(&h, o->data, NULL, 0);
	o->len = (DWORD)(MUX_HEADER_LEN + n);
	m->queued += o->len;
	mux_io_send(m->io, o, 0);
	return;
fail:
	free(o);
	mux_chan_reset(c, "cannot send the open reply");
}

/* A failed open: the reply with this status, code and message, FIN. */
void
mux_target_refuse(struct mux_chan *c, int status, DWORD code,
    const char *msg)
{
	struct mux_header h;

	mux_target_reply(c, (uint8_t)status, code, msg);
	if (!c->in_table)
		return;
	c->state = MUX_CH_FAILED;
	mux_chan_drop_up(c);
	if (mux_stream_send_data(&c->st, c->id, 0, MUX_FIN, &h, NULL, 0) ==
	    MUX_OK)
		mux_relay_send_header(c->m, &h, 0);
	mux_chan_maybe_end(c);
}

void
mux_target_fail(struct mux_chan *c, const struct nprelay_error *err)
{
	char msg[1500];

	if (c->target[0] != '\0')
		report_format(err, c->target, msg, sizeof msg);
	else
		snprintf(msg, sizeof msg, "%s", err->what);
	mux_target_refuse(c, err->status, err->code, msg);
}

/* The target is open: join the port, answer, start both directions. */
void
mux_target_opened(struct mux_chan *c)
{
	struct nprelay_error err = { 0 };

	if (CreateIoCompletionPort(c->h, c->m->port, MUXK_IO, 0) == NULL) {
		error_set(&err, NPRELAY_ECONNECT, GetLastError(),
		    "cannot add the target to the completion port");
		mux_target_close(c);
		mux_target_fail(c, &err);
		return;
	}
	if ((c->rbuf = malloc(MUX_READ_MIN)) == NULL) {
		error_set(&err, NPRELAY_EIO, ERROR_NOT_ENOUGH_MEMORY, "open");
		mux_target_close(c);
		mux_target_fail(c, &err);
		return;
	}
	c->rcap = MUX_READ_MIN;
	mux_target_reply(c, 0, 0, NULL);
	if (!c->in_table)
		return;
	c->state = MUX_CH_OPEN;
	mux_target_read(c);
	mux_target_write(c);
	mux_target_up_done(c);
}

/*
 * A busy pipe is retried sooner than a missing one: an instance may be
 * free any moment, and WaitNamedPipe, which would wake at once, blocks.
 */
static void
mux_target_wait(struct mux_chan *c, ULONGLONG now, int busy)
{
	struct mux_relay *m = c->m;
	DWORD ms = c->backoff, max = busy ? MUX_RETRY_BUSY_MS : MUX_RETRY_MAX_MS;

	c->backoff = c->backoff * 2 > max ? max : c->backoff * 2;
	c->next_try = now + ms;
	if (c->next_try > c->deadline)
		c->next_try = c->deadline;
	if (!c->in_wait) {
		c->in_wait = 1;
		c->refs++;
		c->wait_next = m->wait;
		m->wait = c;
	}
}

/* One CreateFile; on a busy or (with -p) missing pipe, a timer. */
void
mux_target_retry(struct mux_chan *c)
{
	struct nprelay_error err = { 0 };
	ULONGLONG now;
	HANDLE h;
	DWORD e = 0;

	if (!c->in_table || c->state != MUX_CH_OPENING)
		return;
	h = pipe_try(c->name, &e);
	if (h != INVALID_HANDLE_VALUE) {
		if (pipe_setup(h, &c->message_mode, &e) != 0) {
			CloseHandle(h);
			error_set(&err, NPRELAY_ECONNECT, e,
			    "cannot read the message pipe in message mode");
			mux_target_fail(c, &err);
			return;
		}
		c->h = h;
		mux_target_opened(c);
		return;
	}
	if (e != ERROR_PIPE_BUSY &&
	    (!c->o.poll || e != ERROR_FILE_NOT_FOUND)) {
		error_set(&err, NPRELAY_ECONNECT, e, "cannot open pipe");
		mux_target_fail(c, &err);
		return;
	}
	now = GetTickCount64();
	if (now >= c->deadline) {
		pipe_gave_up(&c->o, e, &err);
		mux_target_fail(c, &err);
		return;
	}
	mux_target_wait(c, now, e == ERROR_PIPE_BUSY);
}

static DWORD WINAPI
mux_target_connect_cb(void *arg)
{
	struct mux_connect *k = arg;

	k->rc = sock_connect(&k->o, &k->t, &k->err);
	PostQueuedCompletionStatus(k->c->m->port, 0, MUXK_CONNECTED,
	    (OVERLAPPED *)k);
	return 0;
}

void
mux_target_connected(void *arg)
{
	struct mux_connect *k = arg;
	struct mux_chan *c = k->c;

	if (k->rc != 0) {
		if (c->in_table)
			mux_target_fail(c, &k->err);
	} else if (!c->in_table) {
		closesocket(k->t.sock);
	} else {
		c->sock = k->t.sock;
		c->h = (HANDLE)k->t.sock;
		c->is_sock = 1;
		mux_target_opened(c);
	}
	free(k);
	mux_chan_unref(c);
}

static void
mux_target_connect(struct mux_chan *c)
{
	struct nprelay_error err = { 0 };
	struct mux_connect *k;

	if ((k = calloc(1, sizeof *k)) == NULL) {
		error_set(&err, NPRELAY_EIO, ERROR_NOT_ENOUGH_MEMORY, "open");
		mux_target_fail(c, &err);
		return;
	}
	k->c = c;
	k->o = c->o;
	target_init(&k->t);
	c->refs++;
	if (!QueueUserWorkItem(mux_target_connect_cb, k,
	    WT_EXECUTELONGFUNCTION)) {
		error_set(&err, NPRELAY_EIO, GetLastError(),
		    "QueueUserWorkItem");
		free(k);
		c->refs--;
		mux_target_fail(c, &err);
	}
}

/* The request as a command line: "nprelay.exe" and its arguments. */
static int
mux_target_argv(struct mux_chan *c, const struct mux_open_request *req,
    wchar_t **argv, char *msg, size_t msglen)
{
	size_t i, total = 0;
	wchar_t *p;
	int n;

	for (i = 0; i < req->argc; i++)
		total += req->argv[i].len + 1;
	if ((c->argbuf = malloc((total + 12) * sizeof(wchar_t))) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	p = c->argbuf;
	wcscpy(p, L"nprelay.exe");
	argv[0] = p;
	p += 12;
	for (i = 0; i < req->argc; i++) {
		argv[i + 1] = p;
		n = 0;
		if (req->argv[i].len > 0 && (n = MultiByteToWideChar(CP_UTF8,
		    MB_ERR_INVALID_CHARS, (const char *)req->argv[i].ptr,
		    (int)req->argv[i].len, p, (int)req->argv[i].len)) <= 0) {
			snprintf(msg, msglen, "argument %u is not UTF-8",
			    (unsigned)(i + 1));
			return -1;
		}
		p[n] = L'\0';
		p += n + 1;
	}
	return 0;
}

void
mux_target_open(struct mux_chan *c, const struct mux_open_request *req)
{
	struct nprelay_error err = { 0 };
	wchar_t *argv[MUX_OPEN_ARGS_MAX + 1];
	char msg[512];
	enum options_result r;

	c->state = MUX_CH_OPENING;
	if (mux_target_argv(c, req, argv, msg, sizeof msg) != 0) {
		error_set(&err, NPRELAY_EUSAGE, 0, "%s", msg);
		mux_target_fail(c, &err);
		return;
	}
	r = options_parse((int)req->argc + 1, argv, &c->o, msg, sizeof msg);
	if (r != OPTIONS_RUN) {
		error_set(&err, NPRELAY_EUSAGE, 0, "%s", r == OPTIONS_ERROR ?
		    msg : "--help and --version do not open a stream");
		mux_target_fail(c, &err);
		return;
	}
	report_utf8(c->o.target, c->target, sizeof c->target);
	if (c->o.expose) {
		mux_expose_open(c);
		return;
	}
	if (c->o.assuan) {
		mux_target_connect(c);
		return;
	}
	if ((c->name = pipe_name(c->o.target)) == NULL) {
		error_set(&err, NPRELAY_EIO, ERROR_NOT_ENOUGH_MEMORY, "open pipe");
		mux_target_fail(c, &err);
		return;
	}
	c->backoff = MUX_RETRY_FIRST_MS;
	if (!c->o.poll)
		c->deadline = GetTickCount64() + PIPE_BUSY_WAIT_MS;
	else if (c->o.limit_ms == INFINITE)
		c->deadline = ~0ULL;
	else
		c->deadline = GetTickCount64() + c->o.limit_ms;
	mux_target_retry(c);
}
