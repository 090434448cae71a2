/*
 * The mux relay backend: one long-lived `relay.path --mux` per route
 * (docs/mux.md), every session a stream on it. This file owns the child:
 * starting it with the hygiene of a spawned relay, reading its hello
 * (with a timeout), pinging it, and what happens when it dies, hangs or
 * breaks the protocol (its streams end at once, one log line, a restart
 * with backoff). In mode "auto" the first start is a probe: a relay that
 * does not answer with the hello is handed to the spawn backend, which
 * then serves the route.
 */
#include "relay_mux_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/util.h>

#include "chan.h"
#include "child.h"
#include "log.h"
#include "relay_err.h"

/* How long a relay has to write the hello: generous, since a .exe on
 * a Linux file system can take seconds to start under WSL interop. */
#define MUX_HELLO_MS 5000
/* Pings: every MUX_PING_MS; unanswered for twice that, the relay hangs.
 * NPR_MUX_PING_MS overrides it, for tests only (docs/mux.md §7). */
#define MUX_PING_MS 10000
#define MUX_BACKOFF_MIN_MS 500
#define MUX_BACKOFF_MAX_MS 30000
/* A relay that ran this long before dying restarts at once again. */
#define MUX_STABLE_SECS 30
/* A restart this far off means the relay keeps dying: clients are closed
 * with the reason meanwhile, since the one that waits would most likely
 * meet the same end, only later. */
#define MUX_FAIL_FAST_MS 2000

static void mux_proc_start(struct mux_backend *);

static void
mux_ms(struct timeval *tv, unsigned ms)
{
	tv->tv_sec = ms / 1000;
	tv->tv_usec = (suseconds_t)(ms % 1000) * 1000;
}

static double
mux_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) +
	    (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

void
mux_backend_flush_later(struct mux_backend *mb)
{
	event_active(mb->ev_flush, EV_TIMEOUT, 1);
}

static void
mux_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	mux_streams_flush(arg);
}

void
mux_backend_send(struct mux_backend *mb, const struct mux_header *h)
{
	uint8_t hb[MUX_HEADER_LEN];
	char err[128];

	if (mb->io == NULL)
		return;
	if (mux_header_encode(h, hb, err, sizeof err) != MUX_OK)
		fatalx("mux: %s", err);
	evbuffer_add(chan_output(mb->io), hb, sizeof hb);
}

/* Quote what a relay printed, for the one log line. */
static void
mux_quote(const char *in, size_t len, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 5 < outlen; i++) {
		unsigned char ch = (unsigned char)in[i];

		if (ch == '\n' && i + 1 == len)
			break;
		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", ch);
	}
	out[o] = '\0';
}

/*
 * End the current child (if it is still ours to end), its streams and
 * its I/O. WHY, when given, is logged now; a child that died by itself
 * is logged by mux_exit_cb with its status.
 */
static void
mux_proc_stop(struct mux_backend *mb, const char *how)
{
	unsigned n;

	if (mb->pid != 0)
		child_kill_group(mb->pid, SIGKILL);
	/* No stream may be numbered before the next relay's hello. */
	if (mb->state == MUX_RUNNING || mb->state == MUX_STARTING)
		mb->state = MUX_WAITING;
	evtimer_del(mb->ev_hello);
	evtimer_del(mb->ev_ping);
	n = mux_streams_fail(mb, how);
	if (n > 0)
		log_info("route \"%s\": %u stream(s) ended with the mux relay",
		    mb->name, n);
	if (mb->io != NULL) {
		chan_free(mb->io);
		mb->io = NULL;
	}
	if (mb->dec != NULL) {
		mux_decoder_free(mb->dec);
		mb->dec = NULL;
	}
	mb->ping_out = 0;
}

/* When the child is gone (reaped): restart later, unless not wanted. */
static void
mux_schedule_restart(struct mux_backend *mb)
{
	struct timeval tv;

	if (mb->base.stopping || mb->retired || mb->state == MUX_FALLBACK)
		return;
	if (mb->state == MUX_RUNNING || mb->state == MUX_STARTING)
		mb->state = MUX_WAITING;
	mux_ms(&tv, mb->backoff_ms);
	evtimer_add(mb->ev_restart, &tv);
	clock_gettime(CLOCK_MONOTONIC, &mb->restart_at);
	mb->restart_at.tv_sec += tv.tv_sec;
	mb->restart_at.tv_nsec += tv.tv_usec * 1000;
	if (mb->restart_at.tv_nsec >= 1000000000) {
		mb->restart_at.tv_sec++;
		mb->restart_at.tv_nsec -= 1000000000;
	}
	mb->failing_fast = mb->state == MUX_WAITING &&
	    mb->backoff_ms >= MUX_FAIL_FAST_MS;
	if (mb->backoff_ms < MUX_BACKOFF_MAX_MS / 2)
		mb->backoff_ms *= 2;
	else
		mb->backoff_ms = MUX_BACKOFF_MAX_MS;
	/* Clients waiting in the backlog are taken now, and closed. */
	if (mb->failing_fast && mb->base.hooks.ready_cb != NULL)
		mb->base.hooks.ready_cb(mb->base.hooks.arg);
}

static void
mux_restart_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mux_backend *mb = arg;

	if (mb->pid != 0)
		return; /* the last one is not reaped yet: its exit restarts */
	mb->failing_fast = 0;
	if (mb->state != MUX_STARTING)
		mb->restarts++;
	mux_proc_start(mb);
}

/* We end the child ourselves: WHY is the one log line. */
void
mux_backend_violation(struct mux_backend *mb, const char *fmt, ...)
{
	struct mux_header h;
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (mb->io == NULL)
		return;
	if (mb->state == MUX_RUNNING) {
		mux_header_set(&h, MUX_GO_AWAY, 0, 0, MUX_GO_AWAY_PROTOCOL);
		mux_backend_send(mb, &h);
		/* Best effort: the child is ended right after. */
		evbuffer_write(chan_output(mb->io), -1);
	}
	snprintf(mb->why, sizeof mb->why, "protocol error: %s", msg);
	log_warn("route \"%s\": mux relay pid %ld: %s; restarting it",
	    mb->name, (long)mb->pid, mb->why);
	relay_backend_count_failure(&mb->base, "mux relay: %s", mb->why);
	mb->why_logged = 1;
	mux_proc_stop(mb, mb->why);
}

/* Mode auto: hand the route to the spawn backend for good; WHAT, when
 * not NULL, is what the relay did, for the one log line. */
static void
mux_fall_back(struct mux_backend *mb, const char *what)
{
	struct relay_backend *fb;

	if (what != NULL)
		log_info("route \"%s\": relay \"%s\" %s: not a mux relay; "
		    "using one relay process per connection", mb->name,
		    mb->path, what);
	snprintf(mb->why, sizeof mb->why, "not a mux relay");
	mb->why_logged = 1;
	mb->state = MUX_FALLBACK;
	mux_proc_stop(mb, "not a mux relay");
	fb = relay_spawn_new();
	fb->base = mb->base.base;
	fb->hooks = mb->base.hooks;
	fb->stopping = mb->base.stopping;
	fb->refs = 1; /* ours: its relays reference us */
	mb->base.fallback = fb;
	if (mb->base.hooks.ready_cb != NULL)
		mb->base.hooks.ready_cb(mb->base.hooks.arg);
}

/* The relay is not a mux relay (WHAT it did). */
static void
mux_not_mux(struct mux_backend *mb, const char *what)
{
	if (mb->mode == ROUTE_MODE_AUTO && mb->restarts == 0) {
		mux_fall_back(mb, what);
		return;
	}
	log_error("route \"%s\": relay \"%s\" %s: not a mux relay (mode "
	    "\"mux\"); clients are closed until it is", mb->name, mb->path,
	    what);
	snprintf(mb->why, sizeof mb->why, "relay \"%s\" %s: not a mux relay",
	    mb->path, what);
	mb->why_logged = 1;
	relay_backend_count_failure(&mb->base, "%s", mb->why);
	mb->state = MUX_BROKEN;
	mux_proc_stop(mb, mb->why);
	if (mb->base.hooks.ready_cb != NULL)
		mb->base.hooks.ready_cb(mb->base.hooks.arg);
}

static void
mux_printed(struct mux_backend *mb, char *what, size_t len)
{
	char q[sizeof mb->printed * 4 + 8];

	mux_quote(mb->printed, mb->nprinted, q, sizeof q);
	snprintf(what, len, "printed \"%s\" instead of the mux hello", q);
}

static void
mux_hello_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mux_backend *mb = arg;
	char msg[700];

	if (mb->nprinted > 0)
		mux_printed(mb, msg, sizeof msg);
	else
		snprintf(msg, sizeof msg, "printed nothing in %.1fs",
		    MUX_HELLO_MS / 1000.0);
	mux_not_mux(mb, msg);
}

static void
mux_ping_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mux_backend *mb = arg;
	struct mux_header h;
	struct timeval tv;

	mux_ms(&tv, mb->ping_ms);
	evtimer_add(mb->ev_ping, &tv);
	if (mb->ping_out) {
		if (mux_since(&mb->ping_sent) * 1000 < 2.0 * mb->ping_ms)
			return;
		snprintf(mb->why, sizeof mb->why, "no answer to a ping for "
		    "%.1fs: the relay hangs", mux_since(&mb->ping_sent));
		log_warn("route \"%s\": mux relay pid %ld: %s; killing and "
		    "restarting it", mb->name, (long)mb->pid, mb->why);
		relay_backend_count_failure(&mb->base, "mux relay: %s",
		    mb->why);
		mb->why_logged = 1;
		mux_proc_stop(mb, "the mux relay hangs");
		return;
	}
	mb->ping_value++;
	mux_header_set(&h, MUX_PING, MUX_SYN, 0, mb->ping_value);
	mux_backend_send(mb, &h);
	mb->ping_out = 1;
	clock_gettime(CLOCK_MONOTONIC, &mb->ping_sent);
}

/* A frame that is not a stream's. */
static void
mux_session_frame(struct mux_backend *mb, const struct mux_header *h)
{
	struct mux_header pong;

	if (h->type == MUX_PING && (h->flags & MUX_SYN)) {
		mux_header_set(&pong, MUX_PING, MUX_ACK, 0, h->length);
		mux_backend_send(mb, &pong);
	} else if (h->type == MUX_PING) {
		if (h->length == mb->ping_value)
			mb->ping_out = 0;
	} else if (h->type == MUX_GO_AWAY) {
		snprintf(mb->why, sizeof mb->why, "sent Go Away (code %lu)",
		    (unsigned long)h->length);
		log_warn("route \"%s\": mux relay pid %ld %s; restarting it",
		    mb->name, (long)mb->pid, mb->why);
		relay_backend_count_failure(&mb->base, "mux relay %s",
		    mb->why);
		mb->why_logged = 1;
		mux_proc_stop(mb, "the mux relay went away");
	}
}

static void
mux_running(struct mux_backend *mb)
{
	struct timeval tv;

	evtimer_del(mb->ev_hello);
	mb->state = MUX_RUNNING;
	log_info("route \"%s\": mux relay pid %ld ready", mb->name,
	    (long)mb->pid);
	mux_ms(&tv, mb->ping_ms);
	evtimer_add(mb->ev_ping, &tv);
	mux_streams_start(mb);
	mux_expose_start(mb);
	if (mb->base.hooks.ready_cb != NULL)
		mb->base.hooks.ready_cb(mb->base.hooks.arg);
}

/* Bytes from the relay's stdout. */
static void
mux_io_read_cb(struct chan *c, void *arg)
{
	struct mux_backend *mb = arg;
	struct evbuffer *in = chan_input(c);
	struct mux_event ev;
	const uint8_t *p;
	size_t len, used;
	char err[512], what[700];
	int rc;

	while (mb->io == c && (len = evbuffer_get_contiguous_space(in)) > 0) {
		p = evbuffer_pullup(in, (ev_ssize_t)len);
		if (mb->state == MUX_STARTING && mb->nprinted <
		    sizeof mb->printed) {
			used = sizeof mb->printed - mb->nprinted;
			if (used > len)
				used = len;
			memcpy(mb->printed + mb->nprinted, p, used);
			mb->nprinted += used;
		}
		rc = mux_decoder_next(mb->dec, p, len, &used, &ev, err,
		    sizeof err);
		if (rc == MUX_E_NOT_MUX) {
			mux_printed(mb, what, sizeof what);
			mux_not_mux(mb, what);
			return;
		}
		if (rc == MUX_E_HELLO_VERSION) {
			snprintf(what, sizeof what, "speaks another mux "
			    "version (%s; this router speaks %d)", err,
			    MUX_PROTOCOL_VERSION);
			mux_not_mux(mb, what);
			return;
		}
		if (rc < 0) {
			mux_backend_violation(mb, "%s", err);
			return;
		}
		switch (ev.type) {
		case MUX_EV_HELLO:
			mb->nprinted = 0;
			mux_running(mb);
			break;
		case MUX_EV_FRAME:
			if (ev.hdr.type == MUX_DATA ||
			    ev.hdr.type == MUX_WINDOW_UPDATE)
				rc = mux_streams_frame(mb, &ev.hdr, err,
				    sizeof err);
			else
				mux_session_frame(mb, &ev.hdr);
			break;
		case MUX_EV_DATA:
			rc = mux_streams_data(mb, &ev, err, sizeof err);
			break;
		case MUX_EV_NONE:
			break;
		}
		if (rc < 0) {
			mux_backend_violation(mb, "%s", err);
			return;
		}
		if (mb->io != c)
			return;
		evbuffer_drain(in, used);
	}
	mux_streams_flush(mb);
}

static void
mux_io_write_cb(struct chan *c, void *arg)
{
	mux_streams_flush(arg);
}

static void
mux_io_event_cb(struct chan *c, short what, void *arg)
{
	struct mux_backend *mb = arg;

	if (what & BEV_EVENT_READING) {
		/* Its exit status comes with mux_exit_cb; the streams end
		 * now: their clients must not wait for the reaping. */
		if (mb->state == MUX_STARTING)
			return; /* the exit, or the hello timeout, decides */
		mux_proc_stop(mb, "the mux relay ended");
		return;
	}
	mux_proc_stop(mb, "the mux relay stopped reading");
}

static void
mux_exit_cb(pid_t pid, int status, void *arg)
{
	struct mux_backend *mb = arg;
	char how[64], what[700];

	child_describe_status(status, how, sizeof how);
	mb->pid = 0;
	relay_err_free(mb->err);
	mb->err = NULL;
	if (mb->state == MUX_STARTING) {
		if (mb->nprinted > 0) {
			mux_printed(mb, what, sizeof what);
			snprintf(what + strlen(what), sizeof what - strlen(what),
			    " and %s", how);
		} else
			snprintf(what, sizeof what, "%s without the mux hello",
			    how);
		mux_not_mux(mb, what);
	} else if (!mb->why_logged && !mb->base.stopping) {
		log_warn("route \"%s\": mux relay pid %ld %s after %.1fs; "
		    "restarting it in %.1fs", mb->name, (long)pid, how,
		    mux_since(&mb->started), mb->backoff_ms / 1000.0);
		relay_backend_count_failure(&mb->base, "mux relay %s", how);
		snprintf(mb->why, sizeof mb->why, "%s", how);
	}
	mux_proc_stop(mb, "the mux relay ended");
	if (mb->state != MUX_BROKEN && mux_since(&mb->started) >=
	    MUX_STABLE_SECS)
		mb->backoff_ms = MUX_BACKOFF_MIN_MS;
	mux_schedule_restart(mb);
}

static void
mux_fds_close(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] != -1)
			close(fds[i]);
}

/* Start `relay.path --mux` as spawn would start a relay. */
static void
mux_proc_start(struct mux_backend *mb)
{
	int fd[6] = { -1, -1, -1, -1, -1, -1 }; /* in, out, err: ours first */
	char *argv[] = { mb->path, "--mux", NULL };
	char err[512];
	struct timeval tv;
	pid_t pid;

	mb->state = MUX_STARTING;
	mb->why[0] = '\0';
	mb->why_logged = 0;
	mb->nprinted = 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fd) != 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fd + 2) != 0 ||
	    pipe2(fd + 4, O_CLOEXEC) != 0) {
		snprintf(err, sizeof err, "cannot make the mux relay's "
		    "sockets: %s", strerror(errno));
		goto fail;
	}
	if (child_spawn(argv, mb->cwd, fd[1], fd[3], fd[5], &pid, err,
	    sizeof err) != 0)
		goto fail;
	mux_fds_close((int[]){ fd[1], fd[3], fd[5] }, 3);
	evutil_make_socket_nonblocking(fd[0]);
	evutil_make_socket_nonblocking(fd[2]);
	evutil_make_socket_nonblocking(fd[4]);
	mb->pid = pid;
	clock_gettime(CLOCK_MONOTONIC, &mb->started);
	if (child_watch(pid, mux_exit_cb, mb) != 0)
		fatalx("out of memory");
	if ((mb->dec = mux_decoder_new(MUX_ROLE_ROUTER)) == NULL)
		fatalx("out of memory");
	mb->io = chan_new(mb->base.base, fd[2], fd[0]);
	chan_setcb(mb->io, mux_io_read_cb, mux_io_write_cb, mux_io_event_cb,
	    mb);
	chan_set_write_low(mb->io, MUX_OUT_CAP / 2);
	chan_enable_read(mb->io);
	mb->err = relay_err_new(mb->base.base, fd[4], mb->name, 0);
	log_debug("route \"%s\": mux relay pid %ld started", mb->name,
	    (long)pid);
	mux_ms(&tv, MUX_HELLO_MS);
	evtimer_add(mb->ev_hello, &tv);
	return;
fail:
	mux_fds_close(fd, 6);
	log_warn("route \"%s\": %s", mb->name, err);
	if (mb->mode == ROUTE_MODE_AUTO && mb->restarts == 0) {
		/* As spawn would: every connection fails with this. */
		mux_fall_back(mb, NULL);
		return;
	}
	relay_backend_count_failure(&mb->base, "%s", err);
	snprintf(mb->why, sizeof mb->why, "%s", err);
	mb->state = MUX_BROKEN;
	mux_schedule_restart(mb);
	if (mb->base.hooks.ready_cb != NULL)
		mb->base.hooks.ready_cb(mb->base.hooks.arg);
}

static int
mux_ready(struct relay_backend *b, char *err, size_t errlen)
{
	struct mux_backend *mb = (struct mux_backend *)b;

	switch (mb->state) {
	case MUX_RUNNING:
	case MUX_BROKEN: /* clients are closed, with the reason */
		return 0;
	case MUX_FALLBACK:
		return relay_backend_ready(b->fallback, err, errlen);
	case MUX_WAITING:
		if (mb->failing_fast)
			return 0;
		/* FALLTHROUGH */
	default:
		snprintf(err, errlen, "waiting for the mux relay");
		return 1;
	}
}

static unsigned
mux_end(struct relay_backend *b, int hard)
{
	struct mux_backend *mb = (struct mux_backend *)b;
	unsigned n = 0;

	if (b->fallback != NULL)
		n += relay_backend_end(b->fallback, hard);
	if (mb->pid == 0)
		return n;
	if (hard) {
		n += mb->nstreams;
		mux_proc_stop(mb, "the router is stopping");
		return n + 1;
	}
	return n + mux_streams_reset(mb);
}

static void
mux_backend_free(struct relay_backend *b)
{
	struct mux_backend *mb = (struct mux_backend *)b;
	struct mux_relay *s, *next;

	/* Ours alone: the exposure (its RST goes out first, best effort)
	 * and Windows clients no route took. */
	mux_expose_free(mb);
	for (s = TAILQ_FIRST(&mb->streams); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (s->inbound && !s->handed)
			mux_stream_free(&s->base);
	}
	if (mb->io != NULL && mb->state == MUX_RUNNING)
		evbuffer_write(chan_output(mb->io), -1);
	if (!TAILQ_EMPTY(&mb->streams))
		fatalx("mux backend freed with streams open");
	mb->base.stopping = 1;
	if (mb->pid != 0) {
		child_kill_group(mb->pid, SIGKILL);
		child_forget(mb->pid);
		mb->pid = 0;
	}
	mux_proc_stop(mb, "the route is gone");
	relay_err_free(mb->err);
	if (b->fallback != NULL)
		relay_backend_free(b->fallback);
	event_free(mb->ev_hello);
	event_free(mb->ev_ping);
	event_free(mb->ev_restart);
	event_free(mb->ev_flush);
	free(mb->name);
	free(mb->path);
	free(mb->cwd);
	free(mb);
}

static struct relay *
mux_open(struct relay_backend *b, const struct route_conf *rc, unsigned id,
    char *err, size_t errlen)
{
	struct mux_backend *mb = (struct mux_backend *)b;
	double left;

	if (mb->state == MUX_BROKEN) {
		snprintf(err, errlen, "%s", mb->why);
		return NULL;
	}
	if (mb->state == MUX_WAITING && mb->failing_fast) {
		/* The timer may be a little late. */
		if ((left = -mux_since(&mb->restart_at)) < 0)
			left = 0;
		snprintf(err, errlen, "the mux relay keeps ending (%s); next "
		    "start in %.1fs", mb->why[0] != '\0' ? mb->why : "it died",
		    left);
		return NULL;
	}
	return mux_stream_open(mb, rc, id, err, errlen);
}

static void
mux_retire(struct relay_backend *b)
{
	struct mux_backend *mb = (struct mux_backend *)b;

	mb->retired = 1;
	evtimer_del(mb->ev_restart);
	mux_expose_unexpose(b);
}

static void mux_info(const struct relay_backend *,
    struct relay_backend_info *);

static const struct relay_ops mux_ops = {
	.ready = mux_ready,
	.end = mux_end,
	.backend_free = mux_backend_free,
	.retire = mux_retire,
	.info = mux_info,
	.open = mux_open,
	.drained = mux_stream_drained,
	.unexpose = mux_expose_unexpose,
	.accept = mux_expose_accept,
	.refuse = mux_expose_refuse,
	.client_gone = mux_stream_client_gone,
	.free = mux_stream_free,
};

struct relay_backend *
relay_mux_new(struct event_base *base, const struct route_conf *rc,
    const struct relay_backend_hooks *hooks)
{
	struct mux_backend *mb;
	const char *env;

	if ((mb = calloc(1, sizeof *mb)) == NULL)
		fatalx("out of memory");
	mb->base.ops = &mux_ops;
	mb->base.base = base;
	mb->base.hooks = *hooks;
	mb->mode = rc->mode;
	if ((mb->name = strdup(rc->name)) == NULL ||
	    (mb->path = strdup(rc->relay.path)) == NULL ||
	    (rc->relay.cwd != NULL &&
	    (mb->cwd = strdup(rc->relay.cwd)) == NULL))
		fatalx("out of memory");
	TAILQ_INIT(&mb->streams);
	TAILQ_INIT(&mb->sendq);
	mux_expose_init(mb, rc);
	/* An exposed route has no one relay per connection to fall back
	 * on: its relay is a mux relay or broken (restarted with backoff). */
	if (rc->expose_pipe != NULL)
		mb->mode = ROUTE_MODE_MUX;
	mb->backoff_ms = MUX_BACKOFF_MIN_MS;
	mb->ping_ms = MUX_PING_MS;
	if ((env = getenv("NPR_MUX_PING_MS")) != NULL && atoi(env) > 0)
		mb->ping_ms = (unsigned)atoi(env);
	mb->ev_hello = evtimer_new(base, mux_hello_cb, mb);
	mb->ev_ping = evtimer_new(base, mux_ping_cb, mb);
	mb->ev_restart = evtimer_new(base, mux_restart_cb, mb);
	mb->ev_flush = event_new(base, -1, 0, mux_flush_cb, mb);
	if (mb->ev_hello == NULL || mb->ev_ping == NULL ||
	    mb->ev_restart == NULL || mb->ev_flush == NULL)
		fatalx("out of memory for a timer");
	/* Started from the loop: its hooks may call the owner, which does
	 * not have the backend before this returns. */
	mb->state = MUX_STARTING;
	event_active(mb->ev_restart, EV_TIMEOUT, 1);
	return &mb->base;
}

/* For `status`. */
static void
mux_info(const struct relay_backend *b, struct relay_backend_info *info)
{
	const struct mux_backend *mb = (const struct mux_backend *)b;

	info->pid = mb->pid;
	info->uptime = mb->pid != 0 && mb->state == MUX_RUNNING ?
	    mux_since(&mb->started) : 0;
	info->restarts = mb->restarts;
	info->streams = mb->nstreams;
	switch (mb->state) {
	case MUX_RUNNING:
		info->mode = "mux";
		break;
	case MUX_FALLBACK:
		info->mode = "spawn";
		break;
	case MUX_BROKEN:
		info->mode = "broken";
		break;
	case MUX_STARTING:
		info->mode = mb->mode == ROUTE_MODE_AUTO &&
		    mb->restarts == 0 ? "probing" : "starting";
		break;
	default:
		info->mode = "restarting";
		break;
	}
	mux_expose_info(mb, info);
}
