/*
 * A session relays one client connection through one relay side (relay.h:
 * a relay child of its own, or a stream of the route's mux relay). It is
 * freed in one place, session_set_state(), once both directions are done
 * (session_io.c) and the relay side has ended, in whatever order those
 * happened.
 */
#include "session_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "adapter.h"
#include "chan.h"
#include "config.h"
#include "relay.h"

static const char *const session_state_names[] = {
	"relaying", "client-eof", "relay-eof", "drained", "done",
};

void
session_log(struct session *s, enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vsession(level, s->conf->name, s->id, fmt, ap);
	va_end(ap);
}

static void
session_free(struct session *s)
{
	relay_free(s->relay);
	chan_free(s->client);
	if (s->nowhere != NULL)
		evbuffer_free(s->nowhere);
	session_watch_free(s);
	adapter_session_close(s->adapter);
	s->hooks->ended_cb(s, s->hooks_arg);
	config_free(s->conf_ref);
	free(s);
}

/* The relay has no more use: both directions are done (DRAINED), or its
 * client left. From now on its backend decides how long it may run. */
static void
session_release_relay(struct session *s, int drained)
{
	if (s->relay_ended)
		return;
	s->lingering = 1;
	session_probe_stop(s);
	if (drained)
		relay_drained(s->relay);
	else
		relay_client_gone(s->relay);
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
		session_release_relay(s, 1);
	if (state == SESSION_DONE)
		session_free(s);
}

void
session_update(struct session *s)
{
	enum session_state state;
	int up, down;

	/* Once the relay is gone and its output delivered, nothing the
	 * client still sends could go anywhere: close the client. */
	if (s->relay_ended && session_dir_finished(&s->down) &&
	    !session_dir_finished(&s->up)) {
		chan_shutdown(s->client);
		chan_disable_read(s->client);
		session_dir_kill(&s->up);
	}
	up = session_dir_finished(&s->up);
	down = session_dir_finished(&s->down);
	if (up && down)
		state = s->relay_ended ? SESSION_DONE : SESSION_DRAINED;
	else if (up)
		state = SESSION_CLIENT_EOF;
	else if (down)
		state = SESSION_RELAY_EOF;
	else
		state = SESSION_RELAYING;
	if (state != SESSION_DONE && s->client_gone)
		session_release_relay(s, 0);
	else if (state != SESSION_DONE)
		session_probe_arm(s);
	session_set_state(s, state);
}

static void
session_relay_ended_cb(struct relay *r, const struct relay_end *end,
    void *arg)
{
	struct session *s = arg;
	struct timespec now;
	double secs;

	s->relay_ended = 1;
	session_probe_stop(s);
	clock_gettime(CLOCK_MONOTONIC, &now);
	secs = (double)(now.tv_sec - s->started.tv_sec) +
	    (double)(now.tv_nsec - s->started.tv_nsec) / 1e9;
	session_log(s, end->failed ? LOG_LEVEL_WARN : LOG_LEVEL_INFO,
	    "relay %s after %.3fs (%llu bytes up, %llu down)", end->how, secs,
	    (unsigned long long)s->up.bytes,
	    (unsigned long long)s->down.bytes);
	session_io_relay_ended(s, end); /* may free S */
}

static struct session *
session_alloc(const struct route_conf *rc, unsigned id, int client_fd,
    const struct session_hooks *hooks, void *arg)
{
	struct session *s;

	if ((s = calloc(1, sizeof *s)) == NULL)
		fatalx("out of memory");
	s->conf = rc;
	/* The config generation stays while the session does: its adapter
	 * state points into it. */
	s->conf_ref = config_ref(rc->cfg);
	s->id = id;
	s->hooks = hooks;
	s->hooks_arg = arg;
	s->client_fd = client_fd;
	clock_gettime(CLOCK_MONOTONIC, &s->started);
	s->last_io = s->started;
	return s;
}

/* Both sides are there: relay. */
static void
session_run(struct session *s, struct event_base *base)
{
	s->relay_chan = relay_chan(s->relay);
	s->client = chan_new(base, s->client_fd, s->client_fd);
	session_io_start(s);
	session_watch_start(s, base);
}

struct session *
session_start(struct event_base *base, const struct route_conf *rc,
    struct relay_backend *backend, int client_fd, unsigned id,
    const struct ucred *peer, const struct session_hooks *hooks, void *arg)
{
	struct session *s = session_alloc(rc, id, client_fd, hooks, arg);
	char err[512];

	s->uid = peer->uid;
	/* Before the relay starts: an adapter may turn the client away. */
	s->adapter = adapter_session_open(rc, id, peer, err, sizeof err);
	if (s->adapter == NULL) {
		session_log(s, LOG_LEVEL_WARN, "adapter %s: %s", rc->adapter, err);
		goto fail;
	}
	s->relay = relay_open(backend, rc, id, session_relay_ended_cb, s, err,
	    sizeof err);
	if (s->relay == NULL) {
		session_log(s, LOG_LEVEL_WARN, "%s", err);
		if (!adapter_session_answers_failure(s->adapter))
			goto fail;
		/* The adapter tells the client why, as for a relay that
		 * started and failed. */
		s->relay = relay_open_failed(base, err, session_relay_ended_cb, s);
	}
	session_run(s, base);
	return s;

fail:
	close(client_fd);
	adapter_session_close(s->adapter);
	config_free(s->conf_ref);
	free(s);
	return NULL;
}

struct session *
session_start_exposed(struct event_base *base, const struct route_conf *rc,
    struct relay *stream, int socket_fd, unsigned id,
    const struct session_hooks *hooks, void *arg, char *err, size_t errlen)
{
	struct session *s = session_alloc(rc, id, socket_fd, hooks, arg);

	s->uid = (uid_t)-1; /* a Windows program: no uid to count */
	s->exposed = 1;
	/* No credentials: the peer is a Windows program. */
	if ((s->adapter = adapter_session_open(rc, id, NULL, err,
	    errlen)) == NULL) {
		session_log(s, LOG_LEVEL_WARN, "adapter %s: %s", rc->adapter, err);
		close(socket_fd);
		config_free(s->conf_ref);
		free(s);
		return NULL;
	}
	s->relay = stream;
	relay_set_ended(stream, session_relay_ended_cb, s);
	session_run(s, base);
	return s;
}

uid_t
session_uid(const struct session *s)
{
	return s->uid;
}

void
session_bytes(const struct session *s, uint64_t *up, uint64_t *down)
{
	/* Up is what the client that connected sent: on an exposed route
	 * the Windows program, on the session's relay side. */
	*up = s->exposed ? s->down.bytes : s->up.bytes;
	*down = s->exposed ? s->up.bytes : s->down.bytes;
}

void
session_abort(struct session *s)
{
	session_free(s);
}
