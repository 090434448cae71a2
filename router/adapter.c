/*
 * The seam between a session's channels and its adapter: shows the
 * adapter contiguous spans of what arrived, carries out its verdicts
 * (pass on without copying, consume, wait for more, hold for the other
 * side, close), and keeps the router's limits whatever a plugin does.
 * Raw sessions skip all of it: their bytes move in one
 * evbuffer_add_buffer(), as without adapters.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "adapter_priv.h"
#include "config.h"
#include "log.h"

/*
 * Local answers waiting for a sender that does not read them: past this
 * the sender is only filling our memory, and its session ends.
 */
#define ADAPTER_REPLY_MAX (1024 * 1024)
/*
 * Lines an adapter logs a second for one session: a client decides how
 * often the adapter logs (say, a thousand refused requests in one
 * write), so the rest are counted and reported as one line.
 */
#define ADAPTER_LOG_PER_SEC 20
/* Views copied to exact-size buffers in sanitizer builds, at most. */
#define ADAPTER_EXACT_VIEW_MAX (64 * 1024)

/* One direction: what came from one side. */
struct adapter_dir {
	/* The session's buffers, kept so held frames can be retried. */
	struct evbuffer *in;
	struct evbuffer *forward;
	struct evbuffer *reply;
	size_t skip;   /* bytes to pass on unseen; SIZE_MAX: all from now on */
	size_t need;   /* call the adapter once IN holds this many */
	unsigned need_known : 1; /* the adapter said how big its frame is */
	unsigned held : 1;
	unsigned eof : 1;  /* the side ended while frames were held */
};

struct adapter_session {
	const struct adapter_route *ar;
	int raw;
	struct npr_session s;
	struct adapter_dir dir[2]; /* by enum npr_side */
	struct log_rate log_rate;  /* of the adapter's lines */
	enum npr_direction direction;
};

struct npr_io {
	const char *name; /* the adapter's, to prefix its reason */
	struct evbuffer *forward;
	struct evbuffer *reply;
	char *err;
	size_t errlen;
	int oom;
	int failed;
};

static const char *const adapter_side_names[] = { "client", "relay" };

_Static_assert((int)NPR_LOG_ERROR == (int)LOG_LEVEL_ERROR &&
    (int)NPR_LOG_WARN == (int)LOG_LEVEL_WARN &&
    (int)NPR_LOG_INFO == (int)LOG_LEVEL_INFO &&
    (int)NPR_LOG_DEBUG == (int)LOG_LEVEL_DEBUG,
    "npr_log_level and log_level must agree");

/* Say how many of the adapter's lines went unlogged, if any. */
static void
adapter_log_report(const struct adapter_session *as, unsigned n)
{
	if (n > 0)
		log_warn("route \"%s\" #%u: %u adapter line(s) not logged "
		    "(more than %d a second)", as->s.route, as->s.id, n,
		    ADAPTER_LOG_PER_SEC);
}

void
adapter_host_log(const struct npr_session *s, enum npr_log_level level,
    const char *fmt, ...)
{
	/* Every npr_session is one of ours (adapter_session_open). */
	struct adapter_session *as = (struct adapter_session *)(void *)
	    ((char *)(uintptr_t)s - offsetof(struct adapter_session, s));
	unsigned suppressed;
	va_list ap;
	int allow;

	/* The two enums share their values (checked above). */
	if ((enum log_level)level > log_get_level())
		return;
	allow = log_rate_allow(&as->log_rate, ADAPTER_LOG_PER_SEC, &suppressed);
	adapter_log_report(as, suppressed);
	if (!allow)
		return;
	va_start(ap, fmt);
	log_vsession((enum log_level)level, s->route, s->id, fmt, ap);
	va_end(ap);
}

enum npr_direction
adapter_host_direction(const struct npr_session *s)
{
	const struct adapter_session *as = (const struct adapter_session *)
	    (const void *)((const char *)(uintptr_t)s -
	    offsetof(struct adapter_session, s));

	return as->direction;
}

int
adapter_host_forward(struct npr_io *io, const void *buf, size_t len)
{
	if (evbuffer_add(io->forward, buf, len) != 0) {
		io->oom = 1;
		return -1;
	}
	return 0;
}

int
adapter_host_reply(struct npr_io *io, const void *buf, size_t len)
{
	if (evbuffer_add(io->reply, buf, len) != 0) {
		io->oom = 1;
		return -1;
	}
	return 0;
}

enum npr_verdict
adapter_host_fail(struct npr_io *io, const char *fmt, ...)
{
	va_list ap;
	int n;

	/* "ssh-agent: frame of ...": the log line says who ended it. */
	n = snprintf(io->err, io->errlen, "%s: ", io->name);
	if (n < 0 || (size_t)n >= io->errlen)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(io->err + n, io->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	io->failed = 1;
	return NPR_CLOSE;
}

struct adapter_session *
adapter_session_open(const struct route_conf *rc, unsigned id,
    const struct ucred *peer, char *err, size_t errlen)
{
	struct adapter_session *as = NULL;
	const struct npr_adapter *a = NULL;

	if ((as = calloc(1, sizeof *as)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	as->ar = rc->adapter_route;
	/* Routes built without the config loader (tests) are raw. */
	as->raw = as->ar == NULL || as->ar->raw;
	as->s.size = sizeof as->s;
	as->s.host = &adapter_host;
	as->s.route = rc->name;
	as->s.id = id;
	as->s.pid = peer != NULL ? peer->pid : 0;
	as->s.uid = peer != NULL ? peer->uid : (uid_t)-1;
	as->s.gid = peer != NULL ? peer->gid : (gid_t)-1;
	as->direction = rc->expose_pipe != NULL ? NPR_DIR_EXPOSE :
	    NPR_DIR_LISTEN;
	if (as->raw)
		return as;
	a = as->ar->adapter;
	as->s.route_state = as->ar->state;
	if (a->open != NULL && a->open(&as->s, err, errlen) != 0) {
		adapter_log_report(as, log_rate_take(&as->log_rate));
		free(as);
		return NULL;
	}
	return as;
}

/* Move N bytes of IN on without copying what can be moved whole. */
static int
adapter_move(struct evbuffer *in, struct evbuffer *out, size_t n)
{
	if (n >= evbuffer_get_length(in))
		return evbuffer_add_buffer(out, in);
	return evbuffer_remove_buffer(in, out, n) == (int)n ? 0 : -1;
}

/*
 * Give the adapter what side SIDE sent until it waits. Returns 1 when
 * something was consumed, 0 when not, -1 with ERR when the session ends.
 */
static int
adapter_run(struct adapter_session *as, enum npr_side side, char *err,
    size_t errlen)
{
	const struct npr_adapter *a = as->ar->adapter;
	struct adapter_dir *d = &as->dir[side];
	const char *who = adapter_side_names[side];
	const unsigned char *buf = NULL;
	unsigned char *exact = NULL;
	struct npr_io io;
	enum npr_verdict v;
	size_t avail, view, n;
	int moved = 0;

	d->held = 0;
	while ((avail = evbuffer_get_length(d->in)) > 0) {
		if (d->skip > 0) {
			n = avail < d->skip ? avail : d->skip;
			if (adapter_move(d->in, d->forward, n) != 0)
				goto oom;
			if (d->skip != SIZE_MAX)
				d->skip -= n;
			moved = 1;
			continue;
		}
		if (d->need > avail)
			break;
		view = avail < NPR_ADAPTER_VIEW_MAX ? avail : NPR_ADAPTER_VIEW_MAX;
		if ((buf = evbuffer_pullup(d->in, (ev_ssize_t)view)) == NULL)
			goto oom;
		memset(&io, 0, sizeof io);
		io.name = a->name;
		io.forward = d->forward;
		io.reply = d->reply;
		io.err = err;
		io.errlen = errlen;
		err[0] = '\0';
		n = 0;
#ifdef NPR_ADAPTER_EXACT_VIEW
		/*
		 * Sanitizer and fuzz builds show an exact-size copy, so that an
		 * adapter reading past LEN is caught instead of reading the
		 * chain's spare room. Not of large views: one per frame of a
		 * long pipelined run would make the tests quadratic.
		 */
		if (view <= ADAPTER_EXACT_VIEW_MAX) {
			if ((exact = malloc(view)) == NULL)
				goto oom;
			buf = memcpy(exact, buf, view);
		}
#endif
		v = a->data(&as->s, side, buf, view, &n, &io);
		free(exact);
		exact = NULL;
		if (io.oom)
			goto oom;
		if (evbuffer_get_length(d->reply) > ADAPTER_REPLY_MAX) {
			snprintf(err, errlen, "the %s does not read the %s adapter's "
			    "answers (over %d bytes waiting)", who, a->name,
			    ADAPTER_REPLY_MAX);
			return -1;
		}
		d->need = 0;
		d->need_known = 0;
		switch (v) {
		case NPR_PASS:
			if (n == 0)
				goto bad;
			if (adapter_move(d->in, d->forward, n < view ? n : view) != 0)
				goto oom;
			if (n > view)
				d->skip = n == NPR_PASS_ALL ? SIZE_MAX : n - view;
			moved = 1;
			break;
		case NPR_CONSUME:
			if (n == 0 || n > view)
				goto bad;
			evbuffer_drain(d->in, n);
			moved = 1;
			break;
		case NPR_NEED:
			if (n > NPR_ADAPTER_VIEW_MAX || (n <= view &&
			    view == NPR_ADAPTER_VIEW_MAX)) {
				snprintf(err, errlen, "the %s adapter needs a frame of "
				    "more than %d bytes from the %s", a->name,
				    NPR_ADAPTER_VIEW_MAX, who);
				return -1;
			}
			d->need_known = n > view;
			d->need = d->need_known ? n : view + 1;
			return moved;
		case NPR_HOLD:
			if (avail > NPR_ADAPTER_VIEW_MAX) {
				snprintf(err, errlen, "the %s sent over %d bytes while "
				    "waiting for an answer", who, NPR_ADAPTER_VIEW_MAX);
				return -1;
			}
			d->held = 1;
			return moved;
		case NPR_CLOSE:
			if (!io.failed || err[0] == '\0')
				snprintf(err, errlen, "the %s adapter closed the "
				    "session", a->name);
			return -1;
		default:
			goto bad;
		}
	}
	return moved;
bad:
	snprintf(err, errlen, "the %s adapter answered %d with %zu of %zu bytes "
	    "from the %s: not a valid verdict", a->name, (int)v, n, view, who);
	return -1;
oom:
	snprintf(err, errlen, "out of memory in the %s adapter's session",
	    a->name);
	return -1;
}

/*
 * Does side SIDE, which has ended, leave part of a frame behind? Returns
 * -1 with the reason in ERR when it does.
 */
static int
adapter_dir_truncated(const struct adapter_session *as, enum npr_side side,
    char *err, size_t errlen)
{
	const struct adapter_dir *d = &as->dir[side];
	size_t left;

	if (d->in == NULL || d->held || d->skip == SIZE_MAX)
		return 0;
	left = evbuffer_get_length(d->in);
	if (d->skip > 0 && left == 0) {
		snprintf(err, errlen, "the %s ended %zu bytes before the end of "
		    "a frame", adapter_side_names[side], d->skip);
		return -1;
	}
	if (left == 0)
		return 0;
	if (d->need_known)
		snprintf(err, errlen, "the %s ended inside a frame: %zu of %zu "
		    "bytes", adapter_side_names[side], left, d->need);
	else
		snprintf(err, errlen, "the %s ended inside a frame (%zu bytes "
		    "left over)", adapter_side_names[side], left);
	return -1;
}

int
adapter_session_input(struct adapter_session *as, int from_client,
    struct evbuffer *in, struct evbuffer *forward, struct evbuffer *reply,
    char *err, size_t errlen)
{
	enum npr_side side = from_client ? NPR_FROM_CLIENT : NPR_FROM_RELAY;
	struct adapter_dir *d = &as->dir[side], *o = &as->dir[!side];
	int rc;

	if (as->raw)
		return evbuffer_add_buffer(forward, in) == 0 ? 0 : -1;
	d->in = in;
	d->forward = forward;
	d->reply = reply;
	if ((rc = adapter_run(as, side, err, errlen)) < 0)
		return -1;
	/* Each retry consumes bytes, so this ends. */
	while (rc > 0 && o->held && o->in != NULL) {
		if ((rc = adapter_run(as, !side, err, errlen)) <= 0)
			break;
		if (!d->held || (rc = adapter_run(as, side, err, errlen)) <= 0)
			break;
	}
	if (rc < 0)
		return -1;
	/* A side that ended with frames held may have left half of one. */
	if (o->eof && adapter_dir_truncated(as, !side, err, errlen) != 0)
		return -1;
	return 0;
}

int
adapter_session_eof(struct adapter_session *as, int from_client, char *err,
    size_t errlen)
{
	enum npr_side side = from_client ? NPR_FROM_CLIENT : NPR_FROM_RELAY;

	if (as->raw)
		return 0;
	/* Held frames are handled later; what is left then is checked then. */
	as->dir[side].eof = 1;
	return adapter_dir_truncated(as, side, err, errlen);
}

int
adapter_session_pending(const struct adapter_session *as, int from_client)
{
	const struct adapter_dir *d =
	    &as->dir[from_client ? NPR_FROM_CLIENT : NPR_FROM_RELAY];

	return d->held && d->in != NULL && evbuffer_get_length(d->in) > 0;
}

/* The plugin was built with ABI 2.1's relay_failed member, and set it. */
static const struct npr_adapter *
adapter_failure_hook(const struct adapter_session *as)
{
	const struct npr_adapter *a = NULL;

	if (as->raw)
		return NULL;
	a = as->ar->adapter;
	if (a->size < offsetof(struct npr_adapter, relay_failed) +
	    sizeof a->relay_failed || a->relay_failed == NULL)
		return NULL;
	return a;
}

int
adapter_session_answers_failure(const struct adapter_session *as)
{
	return adapter_failure_hook(as) != NULL;
}

int
adapter_session_relay_failed(struct adapter_session *as, const char *pipe,
    const char *how, int status, uint32_t code, const char *message,
    struct evbuffer *reply)
{
	const struct npr_adapter *a = adapter_failure_hook(as);
	struct npr_relay_failure f;
	struct evbuffer *nowhere = NULL;
	struct npr_io io;
	char err[512];
	enum npr_verdict v;

	if (a == NULL)
		return 0;
	if ((nowhere = evbuffer_new()) == NULL)
		return 0;
	memset(&f, 0, sizeof f);
	f.size = sizeof f;
	f.pipe = pipe;
	f.how = how;
	f.status = status;
	f.code = code;
	f.message = message;
	memset(&io, 0, sizeof io);
	io.name = a->name;
	io.forward = nowhere;
	io.reply = reply;
	io.err = err;
	io.errlen = sizeof err;
	err[0] = '\0';
	v = a->relay_failed(&as->s, &f, &io);
	evbuffer_free(nowhere);
	if (io.oom || io.failed)
		return 0;
	return v == NPR_NEED;
}

void
adapter_session_close(struct adapter_session *as)
{
	if (as == NULL)
		return;
	if (!as->raw && as->ar->adapter->close != NULL)
		as->ar->adapter->close(&as->s);
	adapter_log_report(as, log_rate_take(&as->log_rate));
	free(as);
}
