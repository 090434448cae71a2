/*
 * A session relays one client connection through one relay child. Each
 * direction ends on its own: the end of the client's data reaches the relay
 * as EOF on its stdin while replies keep flowing, and the other way round
 * (docker run -i, exec and attach depend on it). The session is freed in
 * one place, session_set_state(), once both directions are done and the
 * relay has been reaped, in whatever order those happened.
 */
#include "session.h"

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
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#include "adapter.h"
#include "chan.h"
#include "child.h"
#include "log.h"
#include "route.h"
#include "server.h"

/* Bytes buffered towards one side before reading from the other stops. */
#define SESSION_HIGH_WATER (256 * 1024)
/* A relay line on stderr longer than this is logged in pieces. */
#define SESSION_ERR_LINE_MAX 1024
/* Grace for a relay that keeps running after both directions ended. */
#define SESSION_LINGER_SECS 2

static const char *const session_state_names[] = {
	"relaying", "client-eof", "relay-eof", "drained", "done",
};

static void session_update(struct session *);

static void __attribute__((format(printf, 3, 4)))
session_log(struct session *s, enum log_level level, const char *fmt, ...)
{
	char msg[1536];
	va_list ap;

	if (level > log_get_level())
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_msg(level, "route \"%s\" #%u: %s", s->route->conf->name, s->id, msg);
}

static struct session_dir *
session_dir_from(struct session *s, struct chan *c)
{
	return c == s->up.src ? &s->up : &s->down;
}

static struct session_dir *
session_dir_to(struct session *s, struct chan *c)
{
	return c == s->up.dst ? &s->up : &s->down;
}

static int
session_dir_finished(const struct session_dir *d)
{
	return d->dead || (d->eof && d->shut);
}

/* Pass a direction's EOF on once everything before it has been written. */
static void
session_pass_eof(struct session_dir *d)
{
	if (!d->eof || d->shut || d->dead || d->held)
		return;
	if (evbuffer_get_length(chan_output(d->dst)) != 0)
		return;
	chan_shutdown_write(d->dst);
	d->shut = 1;
}

/* The destination takes nothing more: drop what waits for it and discard
 * what still arrives, so the source can run to its end. */
static void
session_dir_kill(struct session_dir *d)
{
	d->dead = 1;
	chan_disable_write(d->dst);
	if (d->paused) {
		d->paused = 0;
		chan_set_write_low(d->dst, 0);
		if (!d->eof)
			chan_enable_read(d->src);
	}
}

/* The adapter ended the session (a refused or broken frame): nothing more
 * goes either way; the relay sees EOF and exits, or the linger timer ends it. */
static void
session_refuse(struct session *s, const char *why)
{
	session_log(s, LOG_LEVEL_WARN, "%s; closing the session", why);
	route_set_error(s->route, "%s", why);
	session_dir_kill(&s->up);
	session_dir_kill(&s->down);
	chan_disable_read(s->client);
	chan_shutdown(s->client);
	chan_shutdown(s->relay);
	session_update(s);
}

/* Frames the adapter holds keep their side's EOF back; bytes from one
 * side can release the other side's. */
static void
session_sync_held(struct session *s)
{
	unsigned up = adapter_session_pending(s->adapter, 1) != 0;
	unsigned down = adapter_session_pending(s->adapter, 0) != 0;

	if (up == s->up.held && down == s->down.held)
		return;
	s->up.held = up;
	s->down.held = down;
	session_pass_eof(&s->up);
	session_pass_eof(&s->down);
	session_update(s);
}

static void
session_read_cb(struct chan *c, void *arg)
{
	struct session *s = arg;
	struct session_dir *d = session_dir_from(s, c);
	struct evbuffer *in = chan_input(c);
	struct evbuffer *out;
	size_t n = evbuffer_get_length(in);
	char err[512];

	if (d->dead) {
		evbuffer_drain(in, n);
		return;
	}
	out = chan_output(d->dst);
	if (adapter_session_input(s->adapter, d == &s->up, in, out,
	    chan_output(c), err, sizeof err) != 0) {
		session_refuse(s, err);
		return;
	}
	d->bytes += n;
	if (evbuffer_get_length(out) >= SESSION_HIGH_WATER) {
		/* Slow reader: stop reading until it has taken half. */
		chan_disable_read(c);
		chan_set_write_low(d->dst, SESSION_HIGH_WATER / 2);
		d->paused = 1;
	}
	session_sync_held(s);
}

static void
session_write_cb(struct chan *c, void *arg)
{
	struct session *s = arg;
	struct session_dir *d = session_dir_to(s, c);

	if (d->paused) {
		d->paused = 0;
		chan_set_write_low(c, 0);
		if (!d->eof)
			chan_enable_read(d->src);
	}
	session_pass_eof(d);
	session_update(s);
}

static void
session_event_cb(struct chan *c, short what, void *arg)
{
	struct session *s = arg;
	struct session_dir *d;
	const char *side = c == s->client ? "client" : "relay";
	char err[512];

	if (what & BEV_EVENT_READING) {
		d = session_dir_from(s, c);
		if (what & BEV_EVENT_ERROR)
			session_log(s, LOG_LEVEL_DEBUG, "read from %s failed: %s",
			    side, strerror(errno));
		else
			session_log(s, LOG_LEVEL_DEBUG, "%s sent EOF", side);
		d->eof = 1;
		chan_disable_read(c);
		if (!d->dead && adapter_session_eof(s->adapter, d == &s->up, err,
		    sizeof err) != 0) {
			session_refuse(s, err);
			return;
		}
		session_pass_eof(d);
	}
	if (what & BEV_EVENT_WRITING) {
		d = session_dir_to(s, c);
		session_log(s, LOG_LEVEL_DEBUG, "%s stopped reading: %s", side,
		    strerror(errno));
		session_dir_kill(d);
	}
	session_update(s);
}

/* Log the relay's stderr line by line, tagged with route and session. */
static void
session_err_log(struct session *s, int final)
{
	struct evbuffer *in = bufferevent_get_input(s->relay_err);
	char *line, chunk[SESSION_ERR_LINE_MAX + 1];
	size_t n;

	while ((line = evbuffer_readln(in, NULL, EVBUFFER_EOL_LF)) != NULL) {
		session_log(s, LOG_LEVEL_INFO, "relay: %s", line);
		free(line);
	}
	while ((n = evbuffer_get_length(in)) >= SESSION_ERR_LINE_MAX ||
	    (final && n > 0)) {
		n = evbuffer_remove(in, chunk, SESSION_ERR_LINE_MAX);
		chunk[n] = '\0';
		session_log(s, LOG_LEVEL_INFO, "relay: %s", chunk);
	}
}

static void
session_err_read_cb(struct bufferevent *bev, void *arg)
{
	session_err_log(arg, 0);
}

static void
session_err_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct session *s = arg;

	session_err_log(s, 1);
	bufferevent_disable(bev, EV_READ);
}

static void
session_linger_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	struct timeval tv = { 5, 0 };

	s->linger_signal = s->linger_signal == 0 ? SIGTERM : SIGKILL;
	session_log(s, LOG_LEVEL_INFO,
	    "relay still running after both directions ended; sending %s",
	    s->linger_signal == SIGTERM ? "SIGTERM" : "SIGKILL");
	session_signal(s, s->linger_signal);
	if (s->linger_signal == SIGTERM)
		evtimer_add(s->ev_linger, &tv);
}

static void
session_free(struct session *s)
{
	struct evbuffer *err_in;

	if (s->relay_err != NULL) {
		/* The relay has exited: whatever it wrote is in the pipe now. */
		err_in = bufferevent_get_input(s->relay_err);
		while (evbuffer_read(err_in, bufferevent_getfd(s->relay_err),
		    CHAN_READ_MAX) > 0)
			;
		session_err_log(s, 1);
		bufferevent_free(s->relay_err);
	}
	chan_free(s->client);
	chan_free(s->relay);
	if (s->ev_linger != NULL)
		event_free(s->ev_linger);
	adapter_session_close(s->adapter);
	route_session_ended(s->route, s);
	free(s);
}

/* The one place the state changes; DONE frees the session. */
static void
session_set_state(struct session *s, enum session_state state)
{
	struct timeval tv = { SESSION_LINGER_SECS, 0 };

	if (state == s->state)
		return;
	session_log(s, LOG_LEVEL_DEBUG, "%s -> %s",
	    session_state_names[s->state], session_state_names[state]);
	s->state = state;
	if (state == SESSION_DRAINED)
		evtimer_add(s->ev_linger, &tv);
	if (state == SESSION_DONE)
		session_free(s);
}

static void
session_update(struct session *s)
{
	enum session_state state;
	int up, down;

	/* Once the relay is gone and its output delivered, nothing the
	 * client still sends could go anywhere: close the client. */
	if (s->exited && session_dir_finished(&s->down) &&
	    !session_dir_finished(&s->up)) {
		chan_shutdown(s->client);
		chan_disable_read(s->client);
		session_dir_kill(&s->up);
	}
	up = session_dir_finished(&s->up);
	down = session_dir_finished(&s->down);
	if (up && down)
		state = s->exited ? SESSION_DONE : SESSION_DRAINED;
	else if (up)
		state = SESSION_CLIENT_EOF;
	else if (down)
		state = SESSION_RELAY_EOF;
	else
		state = SESSION_RELAYING;
	session_set_state(s, state);
}

static void
session_exit_cb(pid_t pid, int status, void *arg)
{
	struct session *s = arg;
	struct timespec now;
	char how[64];
	double secs;

	s->exited = 1;
	s->status = status;
	clock_gettime(CLOCK_MONOTONIC, &now);
	secs = (double)(now.tv_sec - s->started.tv_sec) +
	    (double)(now.tv_nsec - s->started.tv_nsec) / 1e9;
	child_describe_status(status, how, sizeof how);
	/* A relay we ended ourselves has not failed. */
	if (status != 0 && s->linger_signal == 0 &&
	    s->route->server->phase == SERVER_RUNNING) {
		s->route->relay_failures++;
		route_set_error(s->route, "relay %s", how);
	}
	session_log(s, status == 0 || s->linger_signal != 0 ? LOG_LEVEL_INFO :
	    LOG_LEVEL_WARN, "relay %s after %.3fs (%llu bytes up, %llu down)",
	    how, secs, (unsigned long long)s->up.bytes,
	    (unsigned long long)s->down.bytes);
	session_update(s);
}

/* The relay's stderr: only logged, so libevent's own buffering will do. */
static struct bufferevent *
session_err_bev(struct session *s, int fd)
{
	struct bufferevent *bev;

	bev = bufferevent_socket_new(s->route->server->base, fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		fatalx("out of memory for a bufferevent");
	return bev;
}

/* relay.path + relay_args + pipe, as npiperelay.exe is called. */
static char **
session_argv(const struct route_conf *rc)
{
	char **argv;
	size_t i, n = 0;

	if ((argv = calloc(rc->relay_nargs + 3, sizeof *argv)) == NULL)
		fatalx("out of memory");
	argv[n++] = rc->relay.path;
	for (i = 0; i < rc->relay_nargs; i++)
		argv[n++] = rc->relay_args[i];
	argv[n++] = rc->pipe;
	argv[n] = NULL;
	return argv;
}

int
session_fds_open(struct session_fds *f)
{
	int saved;

	f->in[0] = f->in[1] = f->out[0] = f->out[1] = -1;
	f->err[0] = f->err[1] = -1;
	/* The relay's stdin and stdout are separate sockets, so a relay may
	 * end its output by closing stdout alone, not only by exiting. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, f->in) != 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, f->out) != 0 ||
	    pipe2(f->err, O_CLOEXEC) != 0) {
		saved = errno;
		session_fds_close(f);
		errno = saved;
		return -1;
	}
	evutil_make_socket_nonblocking(f->in[0]);
	evutil_make_socket_nonblocking(f->out[0]);
	evutil_make_socket_nonblocking(f->err[0]);
	return 0;
}

void
session_fds_close(struct session_fds *f)
{
	int *all[] = { f->in, f->out, f->err };

	for (size_t i = 0; i < 3; i++) {
		for (int j = 0; j < 2; j++) {
			if (all[i][j] != -1)
				close(all[i][j]);
			all[i][j] = -1;
		}
	}
}

struct session *
session_start(struct route *route, int client_fd, unsigned id,
    struct session_fds *fds, const struct ucred *peer)
{
	const struct route_conf *rc = route->conf;
	struct session *s = NULL;
	char **argv = NULL, err[512];
	struct event_base *base = route->server->base;

	if ((s = calloc(1, sizeof *s)) == NULL)
		fatalx("out of memory");
	s->route = route;
	s->cfg = config_ref(rc->cfg); /* released by route_session_ended() */
	s->id = id;
	clock_gettime(CLOCK_MONOTONIC, &s->started);
	TAILQ_INSERT_TAIL(&route->sessions, s, entry);

	/* Before the relay starts: an adapter may turn the client away. */
	s->adapter = adapter_session_open(rc, id, peer, err, sizeof err);
	if (s->adapter == NULL) {
		session_log(s, LOG_LEVEL_WARN, "adapter %s: %s", rc->adapter, err);
		goto fail;
	}

	argv = session_argv(rc);
	if (child_spawn(argv, rc->relay.cwd, fds->in[1], fds->out[1],
	    fds->err[1], &s->pid, err, sizeof err) != 0) {
		session_log(s, LOG_LEVEL_WARN, "%s", err);
		route->relay_failures++;
		route_set_error(route, "%s", err);
		goto fail;
	}
	route->relay_starts++;
	free(argv);
	argv = NULL;
	if (child_watch(s->pid, session_exit_cb, s) != 0)
		fatalx("out of memory");
	session_log(s, LOG_LEVEL_DEBUG, "relay pid %ld started", (long)s->pid);

	s->client = chan_new(base, client_fd, client_fd);
	s->relay = chan_new(base, fds->out[0], fds->in[0]);
	s->relay_err = session_err_bev(s, fds->err[0]);
	fds->out[0] = fds->in[0] = fds->err[0] = -1;
	session_fds_close(fds); /* the child's ends: it has its own copies */
	s->up.src = s->down.dst = s->client;
	s->up.dst = s->down.src = s->relay;
	chan_setcb(s->client, session_read_cb, session_write_cb,
	    session_event_cb, s);
	chan_setcb(s->relay, session_read_cb, session_write_cb,
	    session_event_cb, s);
	bufferevent_setcb(s->relay_err, session_err_read_cb, NULL,
	    session_err_event_cb, s);
	chan_enable_read(s->client);
	chan_enable_read(s->relay);
	bufferevent_enable(s->relay_err, EV_READ);
	s->ev_linger = evtimer_new(base, session_linger_cb, s);
	if (s->ev_linger == NULL)
		fatalx("out of memory for a timer");
	return s;

fail:
	free(argv);
	session_fds_close(fds);
	close(client_fd);
	adapter_session_close(s->adapter);
	route_session_ended(route, s);
	free(s);
	return NULL;
}

void
session_signal(struct session *s, int sig)
{
	if (!s->exited)
		kill(s->pid, sig);
}

void
session_abort(struct session *s)
{
	if (!s->exited) {
		child_forget(s->pid);
		kill(s->pid, SIGKILL);
	}
	session_free(s);
}
