/* The daemon: one event loop serving every configured route, and its
 * orderly shutdown. */
#include "server.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "child.h"
#include "log.h"
#include "route.h"
#include "session.h"

/* How long relays get between SIGTERM and SIGKILL, and after SIGKILL. */
#define SERVER_TERM_GRACE_SECS 2

static void
server_arm_phase(struct server *srv, unsigned secs)
{
	struct timeval tv = { (time_t)secs, 0 };

	evtimer_add(srv->ev_phase, &tv);
}

static void
server_signal_all(struct server *srv, int sig)
{
	for (size_t i = 0; i < srv->nroutes; i++)
		route_signal_sessions(srv->routes[i], sig);
}

/* Stop accepting and let open sessions finish on their own for a while. */
static void
server_drain(struct server *srv)
{
	srv->phase = SERVER_DRAINING;
	for (size_t i = 0; i < srv->nroutes; i++)
		route_close_listener(srv->routes[i]);
	if (srv->nsessions == 0) {
		event_base_loopbreak(srv->base);
		return;
	}
	log_info("stopping: %u session(s) may finish within %us",
	    srv->nsessions, srv->cfg->shutdown_timeout);
	server_arm_phase(srv, srv->cfg->shutdown_timeout);
}

static void
server_terminate(struct server *srv)
{
	srv->phase = SERVER_TERMINATING;
	log_info("stopping: ending %u relay(s)", srv->nsessions);
	server_signal_all(srv, SIGTERM);
	server_arm_phase(srv, SERVER_TERM_GRACE_SECS);
}

static void
server_phase_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;

	switch (srv->phase) {
	case SERVER_DRAINING:
		server_terminate(srv);
		break;
	case SERVER_TERMINATING:
		log_warn("stopping: %u relay(s) ignored SIGTERM; killing them",
		    srv->nsessions);
		srv->phase = SERVER_KILLING;
		server_signal_all(srv, SIGKILL);
		server_arm_phase(srv, SERVER_TERM_GRACE_SECS);
		break;
	default:
		/* Only clients that never read what is owed to them are left. */
		log_warn("stopping: closing %u stuck session(s)", srv->nsessions);
		event_base_loopbreak(srv->base);
		break;
	}
}

static void
server_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;

	switch (sig) {
	case SIGCHLD:
		child_reap();
		break;
	case SIGHUP:
		log_warn("SIGHUP: reloading is not supported yet; restart "
		    "npiperouter to apply a changed config");
		break;
	default:
		log_info("received %s", strsignal((int)sig));
		if (srv->phase == SERVER_RUNNING)
			server_drain(srv);
		else if (srv->phase == SERVER_DRAINING)
			server_terminate(srv);
		break;
	}
}

static struct event *
server_signal_new(struct server *srv, int sig)
{
	struct event *ev = evsignal_new(srv->base, sig, server_signal_cb, srv);

	if (ev == NULL || evsignal_add(ev, NULL) != 0)
		fatalx("cannot watch signal %d", sig);
	return ev;
}

void
server_session_ended(struct server *srv)
{
	srv->nsessions--;
	if (srv->phase != SERVER_RUNNING && srv->nsessions == 0)
		event_base_loopbreak(srv->base);
}

static void
server_free(struct server *srv)
{
	struct session *s;

	for (size_t i = 0; i < srv->nroutes; i++) {
		while ((s = TAILQ_FIRST(&srv->routes[i]->sessions)) != NULL)
			session_abort(s);
		route_free(srv->routes[i]);
	}
	free(srv->routes);
	if (srv->ev_phase != NULL)
		event_free(srv->ev_phase);
	event_free(srv->ev_term);
	event_free(srv->ev_int);
	event_free(srv->ev_hup);
	event_free(srv->ev_chld);
	event_base_free(srv->base);
}

int
server_run(struct config *cfg)
{
	struct server srv;
	struct route *r;
	int rc = 1, failed = 0;

	memset(&srv, 0, sizeof srv);
	srv.cfg = cfg;
	/* Write errors are handled where they happen, per connection. */
	signal(SIGPIPE, SIG_IGN);
	if ((srv.base = event_base_new()) == NULL)
		fatalx("cannot create the event loop");
	srv.ev_term = server_signal_new(&srv, SIGTERM);
	srv.ev_int = server_signal_new(&srv, SIGINT);
	srv.ev_hup = server_signal_new(&srv, SIGHUP);
	srv.ev_chld = server_signal_new(&srv, SIGCHLD);
	if ((srv.ev_phase = evtimer_new(srv.base, server_phase_cb, &srv)) == NULL)
		fatalx("out of memory for a timer");

	if ((srv.routes = calloc(cfg->nroutes, sizeof *srv.routes)) == NULL)
		fatalx("out of memory");
	/* Try every route so one start reports every socket problem. */
	for (size_t i = 0; i < cfg->nroutes; i++) {
		if ((r = route_open(&srv, &cfg->routes[i])) == NULL)
			failed = 1;
		else
			srv.routes[srv.nroutes++] = r;
	}
	if (failed)
		goto out;
	log_info("ready: %zu route(s)", srv.nroutes);
	event_base_dispatch(srv.base);
	log_info("stopped");
	rc = 0;
out:
	server_free(&srv);
	return rc;
}
