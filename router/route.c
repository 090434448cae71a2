/* A route at run time: its listener, its sessions and its counters. */
#include "route.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "access.h"
#include "activation.h"
#include "listener.h"
#include "log.h"
#include "server.h"
#include "session.h"

/* Out of descriptors, wait this long before trying again instead of
 * spinning on a connection that cannot be served. */
#define ROUTE_RETRY_SECS 1

/* Leave new clients in the listen backlog for a while: nothing accepted
 * is then lost for want of descriptors. */
static void
route_pause(struct route *r, const char *why)
{
	struct timeval tv = { ROUTE_RETRY_SECS, 0 };

	log_warn("route \"%s\": %s; pausing accepting for %ds", r->conf->name,
	    why, ROUTE_RETRY_SECS);
	evconnlistener_disable(r->listener);
	evtimer_add(r->ev_retry, &tv);
}

/* Have the next session's descriptors ready before accepting it. */
static int
route_prepare(struct route *r)
{
	if (r->have_next)
		return 0;
	if (session_fds_open(&r->next) != 0)
		return -1;
	r->have_next = 1;
	return 0;
}

/* Accept again, unless full, stopped, or out of descriptors. */
static void
route_resume(struct route *r)
{
	char why[128];

	if (r->listener == NULL || r->full)
		return;
	if (route_prepare(r) != 0) {
		snprintf(why, sizeof why, "cannot make a relay's sockets: %s",
		    strerror(errno));
		route_pause(r, why);
		return;
	}
	evconnlistener_enable(r->listener);
}

static void
route_error_cb(struct evconnlistener *l, void *arg)
{
	char why[128];

	snprintf(why, sizeof why, "cannot accept: %s",
	    strerror(EVUTIL_SOCKET_ERROR()));
	route_pause(arg, why);
}

/*
 * One user may not hold every slot of a shared socket: max_connections
 * would otherwise let idle connections of one local user lock everyone
 * else out. Root and the router's own user are not capped: either could
 * stop the router anyway, and a user's own router serves that user alone.
 */
static int
route_uid_over_cap(const struct route *r, uid_t uid, unsigned *open)
{
	const struct session *s;
	unsigned n = 0;

	*open = 0;
	if (uid == 0 || uid == geteuid())
		return 0;
	TAILQ_FOREACH(s, &r->sessions, entry) {
		if (s->uid == uid)
			n++;
	}
	*open = n;
	return n >= r->conf->max_connections_per_uid;
}

static void
route_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct route *r = arg;
	struct server *srv = r->server;
	struct ucred cred;
	unsigned open;

	if (access_peer(fd, &cred) != 0 || !access_allowed(r->conf, &cred)) {
		/* Before anything is spawned: a refused peer costs nothing. */
		log_warn("route \"%s\": refused peer pid %ld uid %ld gid %ld "
		    "(not in allow_uids/allow_groups)", r->conf->name,
		    (long)cred.pid, (long)cred.uid, (long)cred.gid);
		r->refused++;
		close(fd);
		return;
	}
	if (route_uid_over_cap(r, cred.uid, &open)) {
		log_warn("route \"%s\": refused peer pid %ld uid %ld: it has %u "
		    "connection(s) open (max_connections_per_uid)",
		    r->conf->name, (long)cred.pid, (long)cred.uid, open);
		r->refused++;
		close(fd);
		return;
	}
	r->active++;
	r->total++;
	srv->nsessions++;
	if (r->active >= r->conf->max_connections && !r->full) {
		log_warn("route \"%s\": %u connections open (max_connections); "
		    "new clients wait", r->conf->name, r->active);
		evconnlistener_disable(l);
		r->full = 1;
	}
	/* The listener is enabled only with descriptors ready (route_resume). */
	r->have_next = 0;
	session_start(r, fd, ++srv->next_session_id, &cred, &r->next);
	route_resume(r);
}

static void
route_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	route_resume(arg);
}

struct route *
route_open(struct server *srv, const struct route_conf *rc)
{
	struct route *r = NULL;
	char err[512];
	int fd, replaced = 0;

	if ((r = calloc(1, sizeof *r)) == NULL)
		fatalx("out of memory");
	r->server = srv;
	r->conf = rc;
	TAILQ_INIT(&r->sessions);
	if ((fd = activation_take(rc->name)) != -1) {
		r->activated = 1;
		evutil_make_socket_nonblocking(fd);
		log_info("route \"%s\": using the socket passed by systemd",
		    rc->name);
	} else {
		fd = listener_open(rc->listen_path, rc->listen_mode,
		    rc->has_group ? rc->listen_gid : LISTENER_NO_GROUP,
		    &r->sock_st, &replaced, err, sizeof err);
	}
	if (fd == -1) {
		log_error("route \"%s\": %s", rc->name, err);
		free(r);
		return NULL;
	}
	if (replaced)
		log_info("route \"%s\": removed stale socket %s", rc->name,
		    rc->listen_path);
	r->listener = evconnlistener_new(srv->base, route_accept_cb, r,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	r->ev_retry = evtimer_new(srv->base, route_retry_cb, r);
	if (r->listener == NULL || r->ev_retry == NULL)
		fatalx("out of memory for a listener");
	evconnlistener_set_error_cb(r->listener, route_error_cb);
	evconnlistener_disable(r->listener);
	route_resume(r);
	if (!r->activated)
		log_info("route \"%s\": listening on %s", rc->name,
		    rc->listen_path);
	return r;
}

void
route_close_listener(struct route *r)
{
	if (r->listener == NULL)
		return;
	evconnlistener_free(r->listener);
	r->listener = NULL;
	if (!r->activated)
		listener_remove(r->conf->listen_path, &r->sock_st);
}

unsigned
route_signal_sessions(struct route *r, int sig)
{
	struct session *s;
	unsigned n = 0;

	TAILQ_FOREACH(s, &r->sessions, entry)
		n += (unsigned)session_signal(s, sig);
	return n;
}

void
route_free(struct route *r)
{
	route_close_listener(r);
	if (r->have_next)
		session_fds_close(&r->next);
	event_free(r->ev_retry);
	free(r);
}

void
route_set_error(struct route *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->last_error, sizeof r->last_error, fmt, ap);
	va_end(ap);
	r->last_error_at = time(NULL);
}

void
route_session_ended(struct route *r, struct session *s)
{
	TAILQ_REMOVE(&r->sessions, s, entry);
	r->bytes_up += s->up.bytes;
	r->bytes_down += s->down.bytes;
	r->active--;
	if (r->full && r->active < r->conf->max_connections) {
		r->full = 0;
		route_resume(r);
	}
	server_session_ended(r->server);
}
