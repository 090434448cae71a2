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
#include <poll.h>
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
#include "relay_err.h"
#include "route.h"
#include "server.h"

/* Bytes buffered towards one side before reading from the other stops. */
#define SESSION_HIGH_WATER (256 * 1024)
/* Grace for a relay that keeps running after both directions ended, or
 * after its client left; also how often a half-closed client is polled
 * to see whether it left. */
#define SESSION_LINGER_SECS 2
/* After SIGTERM, how long a relay has before SIGKILL. */
#define SESSION_TERM_SECS 5

static const char *const session_state_names[] = {
	"relaying", "client-eof", "relay-eof", "drained", "done",
};

static void session_update(struct session *);
static void session_check_client(struct session *);
static void session_probe_arm(struct session *);

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

/* Nothing more goes either way; the relay sees EOF and exits, or the
 * linger timer ends it. */
static void
session_close(struct session *s)
{
	session_dir_kill(&s->up);
	session_dir_kill(&s->down);
	chan_disable_read(s->client);
	chan_shutdown(s->client);
	chan_shutdown(s->relay);
	session_update(s);
}

/* The adapter ended the session (a refused or broken frame). */
static void
session_refuse(struct session *s, const char *why)
{
	session_log(s, LOG_LEVEL_WARN, "%s; closing the session", why);
	route_set_error(s->route, "%s", why);
	session_close(s);
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

	clock_gettime(CLOCK_MONOTONIC, &s->last_io);
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
	if (evbuffer_get_length(out) >= SESSION_HIGH_WATER) {
		/* Slow reader: stop reading until it has taken half. */
		chan_disable_read(c);
		chan_set_write_low(d->dst, SESSION_HIGH_WATER / 2);
		d->paused = 1;
		if (d == &s->up)
			session_probe_arm(s);
	}
	session_sync_held(s);
}

/*
 * Count bytes as they arrive, not as they are read from the input: an
 * adapter leaves an incomplete frame there, to be seen again with the
 * next bytes. Bytes of a direction nobody takes any more are not carried.
 */
static void
session_count_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct session_dir *d = arg;

	if (!d->dead)
		d->bytes += info->n_added;
}

static void
session_write_cb(struct chan *c, void *arg)
{
	struct session *s = arg;
	struct session_dir *d = session_dir_to(s, c);

	clock_gettime(CLOCK_MONOTONIC, &s->last_io);
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
		if (c == s->client)
			session_check_client(s);
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

/*
 * A client we no longer read from (it sent EOF, or we paused because the
 * relay does not take its bytes): is it done for good, closed rather
 * than half-closed (or half-closed while we shut down our side, passing
 * the relay's EOF on)? Nothing more goes to or from it then, and a relay
 * that neither reads nor writes would otherwise keep the session
 * forever: only the relay's answer could have told us, by failing to be
 * written.
 */
static int
session_probing(const struct session *s)
{
	return !s->client_gone && !s->exited && (s->up.eof || s->up.paused);
}

static void
session_check_client(struct session *s)
{
	struct pollfd p = { s->client_fd, 0, 0 };

	if (!session_probing(s))
		return;
	if (poll(&p, 1, 0) != 1 || !(p.revents & (POLLHUP | POLLERR)))
		return;
	s->client_gone = 1;
	session_log(s, LOG_LEVEL_DEBUG, "client finished");
	session_dir_kill(&s->down);
}

/* Poll a client we do not read from now and then. */
static void
session_probe_arm(struct session *s)
{
	struct timeval tv = { SESSION_LINGER_SECS, 0 };

	if (session_probing(s) && !s->lingering &&
	    !evtimer_pending(s->ev_linger, NULL))
		evtimer_add(s->ev_linger, &tv);
}

/* Give a relay that outlives its use SESSION_LINGER_SECS to end. */
static void
session_linger_start(struct session *s)
{
	struct timeval tv = { SESSION_LINGER_SECS, 0 };

	if (s->lingering || s->exited)
		return;
	s->lingering = 1;
	s->linger_backlog = evbuffer_get_length(chan_output(s->relay));
	evtimer_add(s->ev_linger, &tv);
}

/* After its client left, a relay still taking the client's last bytes
 * is not lingering: a request sent without waiting for the answer
 * still arrives whole. */
static int
session_relay_progressed(struct session *s)
{
	size_t backlog = evbuffer_get_length(chan_output(s->relay));
	int progressed;

	if (!s->client_gone || session_dir_finished(&s->up) ||
	    s->linger_signal != 0)
		return 0;
	progressed = backlog < s->linger_backlog;
	s->linger_backlog = backlog;
	return progressed;
}

static void
session_linger_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	struct timeval tv = { SESSION_LINGER_SECS, 0 };

	if (!s->lingering) {
		/* Probing a client we do not read from (session_update). */
		session_check_client(s);
		session_update(s);
		return;
	}
	if (session_relay_progressed(s)) {
		evtimer_add(s->ev_linger, &tv);
		return;
	}
	s->linger_signal = s->linger_signal == 0 ? SIGTERM : SIGKILL;
	session_log(s, LOG_LEVEL_INFO, "relay still running after %s; "
	    "sending %s", s->state != SESSION_DRAINED ? "its client finished" :
	    "both directions ended",
	    s->linger_signal == SIGTERM ? "SIGTERM" : "SIGKILL");
	session_signal(s, s->linger_signal);
	if (s->linger_signal == SIGTERM) {
		tv.tv_sec = SESSION_TERM_SECS;
		evtimer_add(s->ev_linger, &tv);
	}
}

/* Nothing moved either way for idle_timeout: close both sides; the
 * relay sees EOF, and the linger ends it if that is not enough. */
static void
session_idle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	unsigned limit = s->route->conf->idle_timeout;
	struct timespec now;
	struct timeval tv = { 0, 0 };
	time_t idle;

	if (s->state == SESSION_DRAINED)
		return; /* closed already; the linger has the relay */
	clock_gettime(CLOCK_MONOTONIC, &now);
	idle = now.tv_sec - s->last_io.tv_sec;
	if (idle < (time_t)limit) {
		tv.tv_sec = (time_t)limit - idle;
		evtimer_add(s->ev_idle, &tv);
		return;
	}
	session_log(s, LOG_LEVEL_INFO, "no traffic for %us (idle_timeout); "
	    "closing the session", limit);
	session_close(s);
}

static void
session_free(struct session *s)
{
	relay_err_free(s->relay_err);
	chan_free(s->client);
	chan_free(s->relay);
	if (s->ev_linger != NULL)
		event_free(s->ev_linger);
	if (s->ev_idle != NULL)
		event_free(s->ev_idle);
	adapter_session_close(s->adapter);
	route_session_ended(s->route, s);
	free(s);
}

/* The one place the state changes; DONE frees the session. */
static void
session_set_state(struct session *s, enum session_state state)
{
	if (state == s->state)
		return;
	session_log(s, LOG_LEVEL_DEBUG, "%s -> %s",
	    session_state_names[s->state], session_state_names[state]);
	s->state = state;
	if (state == SESSION_DRAINED)
		session_linger_start(s);
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
	if (state != SESSION_DONE && s->client_gone)
		session_linger_start(s);
	else if (state != SESSION_DONE)
		session_probe_arm(s);
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
	/* A relay is one process: what it left behind in its group (a
	 * grandchild holding its stdout, say) goes with it, now, while the
	 * group's number cannot have been reused. */
	if (child_kill_group(pid, SIGKILL) == 0)
		session_log(s, LOG_LEVEL_WARN, "relay left processes behind in "
		    "its process group; killed them");
	if (s->ev_linger != NULL)
		evtimer_del(s->ev_linger);
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
    const struct ucred *peer, struct session_fds *fds)
{
	const struct route_conf *rc = route->conf;
	struct session *s = NULL;
	char **argv = NULL, err[512];
	struct event_base *base = route->server->base;
	struct timeval tv = { (time_t)rc->idle_timeout, 0 };

	if ((s = calloc(1, sizeof *s)) == NULL)
		fatalx("out of memory");
	s->route = route;
	s->cfg = config_ref(rc->cfg); /* released by route_session_ended() */
	s->id = id;
	s->uid = peer->uid;
	s->client_fd = client_fd;
	clock_gettime(CLOCK_MONOTONIC, &s->started);
	s->last_io = s->started;
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
	s->relay_err = relay_err_new(base, fds->err[0], rc->name, id);
	fds->out[0] = fds->in[0] = fds->err[0] = -1;
	session_fds_close(fds); /* the child's ends: it has its own copies */
	s->up.src = s->down.dst = s->client;
	s->up.dst = s->down.src = s->relay;
	if (evbuffer_add_cb(chan_input(s->client), session_count_cb,
	    &s->up) == NULL || evbuffer_add_cb(chan_input(s->relay),
	    session_count_cb, &s->down) == NULL)
		fatalx("out of memory");
	chan_setcb(s->client, session_read_cb, session_write_cb,
	    session_event_cb, s);
	chan_setcb(s->relay, session_read_cb, session_write_cb,
	    session_event_cb, s);
	chan_enable_read(s->client);
	chan_enable_read(s->relay);
	s->ev_linger = evtimer_new(base, session_linger_cb, s);
	if (s->ev_linger == NULL)
		fatalx("out of memory for a timer");
	if (rc->idle_timeout > 0) {
		if ((s->ev_idle = evtimer_new(base, session_idle_cb, s)) == NULL)
			fatalx("out of memory for a timer");
		evtimer_add(s->ev_idle, &tv);
	}
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

int
session_signal(struct session *s, int sig)
{
	if (s->exited)
		return 0;
	child_kill_group(s->pid, sig);
	return 1;
}

void
session_abort(struct session *s)
{
	if (!s->exited) {
		/* Killed before it is forgotten (and reaped by nobody). */
		child_kill_group(s->pid, SIGKILL);
		child_forget(s->pid);
	}
	session_free(s);
}
