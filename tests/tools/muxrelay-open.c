/*
 * nptest-muxrelay: how a stream opens.  The router's request is read as
 * nprelay's command line (muxrelay-args.c) and answered once the socket
 * is connected or has failed (-p waits with timers); for a stream we
 * open for a client of --expose-listen, the router's reply is read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "muxrelay.h"

/* The reply to the router's request: success, or the failure a spawned
 * relay would have printed, then FIN (docs/mux.md §4). */
static void
mr_chan_reply(struct mr *r, struct mr_chan *c, uint8_t status, uint32_t code,
    const char *msg)
{
	uint8_t reply[MUX_OPEN_REPLY_MAX];
	char err[256];
	size_t n;

	c->waiting = 0;
	if (mux_open_reply_encode(reply, sizeof reply, &n, status, code,
	    status ? msg : NULL, err, sizeof err) != MUX_OK)
		mr_die(MR_EXIT_FAIL, "stream %lu: reply: %s",
		    (unsigned long)c->id, err);
	mr_chan_head_set(c, reply, n);
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
		mr_open_message(msg, sizeof msg, c->pipe, r->fail_code);
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
	mr_open_message(msg, sizeof msg, c->pipe, code);
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

void
mr_expose_close(struct mr_chan *c)
{
	if (c->expose_fd < 0)
		return;
	close(c->expose_fd);
	c->expose_fd = -1;
	unlink(c->expose_path);
}

/* A socket file nobody accepts on is what a dead relay left: Windows
 * removes a pipe with its last handle, so it does not count as taken. */
static int
mr_expose_stale(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int stale;

	if (fd < 0)
		return 0;
	stale = connect(fd, (const struct sockaddr *)sa, sizeof *sa) != 0 &&
	    errno == ECONNREFUSED;
	close(fd);
	return stale;
}

/* Protocol point 7: --expose //./pipe/NAME listens on DIR/NAME; a name
 * someone holds fails as CreateNamedPipe with FIRST_PIPE_INSTANCE. */
static void
mr_expose_open(struct mr *r, struct mr_chan *c)
{
	char msg[MUX_OPEN_MESSAGE_MAX], name[256], *p;
	struct sockaddr_un sa;
	int fd, tries;

	if (r->expose_dir == NULL) {
		mr_chan_reply(r, c, 2, 0, "--expose: this stand-in was started "
		    "without --expose-dir");
		return;
	}
	/* The part after //./pipe/, one file name. */
	snprintf(name, sizeof name, "%s", strlen(c->pipe) > 9 ? c->pipe + 9 :
	    c->pipe);
	for (p = name; *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			*p = '_';
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if ((size_t)snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%s",
	    r->expose_dir, name) >= sizeof sa.sun_path) {
		snprintf(msg, sizeof msg, "%s: cannot create pipe: the stand-in's "
		    "socket path is too long (error 123)", c->pipe);
		mr_chan_reply(r, c, 3, 123, msg);
		return;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0)
		mr_die(MR_EXIT_FAIL, "socket: %s", strerror(errno));
	for (tries = 0; bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0;
	    tries++) {
		if (errno == EADDRINUSE && tries == 0 && mr_expose_stale(&sa) &&
		    unlink(sa.sun_path) == 0)
			continue;
		close(fd);
		snprintf(msg, sizeof msg, "%s: pipe name already in use by "
		    "another process (error 5)", c->pipe);
		mr_chan_reply(r, c, 3, 5, msg);
		return;
	}
	if (listen(fd, 128) != 0)
		mr_die(MR_EXIT_FAIL, "listen: %s", strerror(errno));
	c->expose_fd = fd;
	snprintf(c->expose_path, sizeof c->expose_path, "%s", sa.sun_path);
	mr_chan_reply(r, c, 0, 0, NULL);
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
	if (c->opt_expose) {
		mr_expose_open(r, c);
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
	if (c->pre == NULL && (c->pre = malloc(MUX_OPEN_REQUEST_MAX)) == NULL)
		mr_die(MR_EXIT_FAIL, "out of memory");
	n = MUX_OPEN_REQUEST_MAX - c->pre_len;
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
	/* req and rep point into pre: only now is it done with. */
	free(c->pre);
	c->pre = NULL;
}

void
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
	mr_open_message(msg, sizeof msg, c->pipe, code);
	mr_chan_reply(r, c, 3, code, msg);
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
mr_expose_accept(struct mr *r, int listen_fd, const char *pipe)
{
	const char *argv[1] = { pipe };
	uint8_t req[MUX_OPEN_REQUEST_MAX];
	struct mr_chan *c;
	size_t n;
	char err[256];
	uint32_t id;
	int fd;

	while ((fd = accept4(listen_fd, NULL, NULL,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (mux_decoder_new_id(r->dec, &id, err, sizeof err) !=
		    MUX_OK) {
			fprintf(stderr, "nptest-muxrelay: %s\n", err);
			close(fd);
			return;
		}
		c = mr_chan_new(r, id, 1);
		c->fd = fd;
		if (mux_open_request_encode(req, sizeof req, &n, 1, argv, err,
		    sizeof err) != MUX_OK)
			mr_die(MR_EXIT_FAIL, "stream %lu: request: %s",
			    (unsigned long)id, err);
		mr_chan_head_set(c, req, n);
	}
}
