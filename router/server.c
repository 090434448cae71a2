/* The daemon: one event loop serving every configured route, reloads, and
 * its orderly shutdown. */
#include "server.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "activation.h"
#include "builtin.h"
#include "child.h"
#include "control.h"
#include "doctor.h"
#include "log.h"
#include "notify.h"
#include "route.h"

/* How long relays get between SIGTERM and SIGKILL, and after SIGKILL. */
#define SERVER_TERM_GRACE_SECS 2

enum server_phase {
	SERVER_RUNNING,
	SERVER_DRAINING,    /* not accepting; sessions may finish */
	SERVER_TERMINATING, /* relays sent SIGTERM */
	SERVER_KILLING,     /* relays sent SIGKILL */
};

struct server {
	struct event_base *base;
	struct config *cfg; /* the current generation (one reference) */
	struct route **routes; /* current routes, then retired ones */
	size_t nroutes;
	enum server_phase phase;
	unsigned next_session_id;
	unsigned nsessions;
	time_t started;
	struct control *control;

	struct event *ev_term;
	struct event *ev_int;
	struct event *ev_hup;
	struct event *ev_chld;
	struct event *ev_phase; /* drain and terminate deadlines */
};

static void
server_arm_phase(struct server *srv, unsigned secs)
{
	struct timeval tv = { (time_t)secs, 0 };

	evtimer_add(srv->ev_phase, &tv);
}

/* End every relay, asking first, then with HARD; returns how many were
 * still running. */
static unsigned
server_end_relays(struct server *srv, int hard)
{
	unsigned n = 0;

	for (size_t i = 0; i < srv->nroutes; i++)
		n += route_end_relays(srv->routes[i], hard);
	return n;
}

static void
server_update_status(struct server *srv)
{
	notify_status("%zu route(s), %u open connection(s)", srv->nroutes,
	    srv->nsessions);
}

static unsigned server_accepted_cb(void *);
static void server_session_ended_cb(struct route *, void *);

static const struct route_hooks server_route_hooks = {
	server_accepted_cb,
	server_session_ended_cb,
};

/* Stop accepting and let open sessions finish on their own for a while. */
void
server_stop(struct server *srv)
{
	if (srv->phase != SERVER_RUNNING)
		return;
	notify_stopping();
	srv->phase = SERVER_DRAINING;
	for (size_t i = 0; i < srv->nroutes; i++)
		route_stop(srv->routes[i]);
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
	/* Sessions whose relay is gone only wait for their client. */
	log_info("stopping: ending %u relay(s)", server_end_relays(srv, 0));
	server_arm_phase(srv, SERVER_TERM_GRACE_SECS);
}

static void
server_phase_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	unsigned n;

	switch (srv->phase) {
	case SERVER_DRAINING:
		server_terminate(srv);
		break;
	case SERVER_TERMINATING:
		srv->phase = SERVER_KILLING;
		if ((n = server_end_relays(srv, 1)) > 0)
			log_warn("stopping: %u relay(s) ignored SIGTERM; "
			    "killed them", n);
		server_arm_phase(srv, SERVER_TERM_GRACE_SECS);
		break;
	default:
		/* Only clients that never read what is owed to them are left. */
		log_warn("stopping: closing %u stuck session(s)", srv->nsessions);
		event_base_loopbreak(srv->base);
		break;
	}
}

/*
 * Relays started outside a terminal (systemd, `start` from a closed
 * shell) have no live WSL_INTEROP and cannot start Windows programs:
 * hand them the interop socket that answers.
 */
static void
server_env_init(void)
{
	static char var[160];

	if (doctor_relay_interop("", var, sizeof var) != NULL) {
		log_info("relays use the WSL interop socket %s",
		    var + strlen("WSL_INTEROP="));
		child_env_init(var);
		return;
	}
	child_env_init(NULL);
}

/* The index of the route called NAME that is not retired, or -1. */
static ssize_t
server_find_route(struct server *srv, const char *name)
{
	for (size_t i = 0; i < srv->nroutes; i++) {
		if (!route_retired(srv->routes[i]) &&
		    strcmp(route_conf(srv->routes[i])->name, name) == 0)
			return (ssize_t)i;
	}
	return -1;
}

/* Exposed routes: the same pipe with the same DACL keeps the relay's
 * exposure as it is; "connect" and the rest apply to new clients. */
static int
server_same_expose(const struct route_conf *a, const struct route_conf *b)
{
	return strcmp(a->expose_pipe, b->expose_pipe) == 0 &&
	    (a->expose_sddl == NULL) == (b->expose_sddl == NULL) &&
	    (a->expose_sddl == NULL ||
	    strcmp(a->expose_sddl, b->expose_sddl) == 0);
}

static int
server_same_listen(const struct route_conf *a, const struct route_conf *b)
{
	if (a->expose_pipe != NULL || b->expose_pipe != NULL)
		return a->expose_pipe != NULL && b->expose_pipe != NULL &&
		    server_same_expose(a, b);
	return strcmp(a->listen_path, b->listen_path) == 0 &&
	    a->listen_mode == b->listen_mode && a->has_group == b->has_group &&
	    (!a->has_group || a->listen_gid == b->listen_gid);
}

/* Remove route I from the table, keeping the order of the others. */
static void
server_drop_route(struct server *srv, size_t i)
{
	route_free(srv->routes[i]);
	memmove(&srv->routes[i], &srv->routes[i + 1],
	    (srv->nroutes - i - 1) * sizeof *srv->routes);
	srv->nroutes--;
}

/* A route the config no longer has: stop listening, let sessions finish. */
static void
server_retire_route(struct server *srv, struct route *r)
{
	log_info("route \"%s\": removed; %u open session(s) may finish",
	    route_conf(r)->name, route_active(r));
	route_retire(r);
}

int
server_reload(struct server *srv, struct config_errors *errs)
{
	struct config *ncfg = NULL;
	struct route **routes, *r;
	const struct route_conf *nc;
	char *kept = NULL, *kept_old = NULL;
	size_t i, n = 0;
	ssize_t j;
	int failed = 0;

	if (srv->phase != SERVER_RUNNING)
		return -1;
	notify_reloading();
	log_info("reloading %s", srv->cfg->file);
	/* Without a config file, the built-in routes are probed again. */
	if (builtin_config_reload(srv->cfg, &ncfg, errs) != 0) {
		for (i = 0; i < errs->n; i++)
			log_error("%s", errs->lines[i]);
		log_error("reload failed; the running configuration was kept");
		notify_ready();
		return -1;
	}
	routes = calloc(srv->nroutes + ncfg->nroutes + 1, sizeof *routes);
	kept = calloc(ncfg->nroutes + 1, 1);
	kept_old = calloc(srv->nroutes + 1, 1);
	if (routes == NULL || kept == NULL || kept_old == NULL)
		fatalx("out of memory");

	/* Same name and same socket: the route, its listener and sessions
	 * stay; new sessions take the new settings. */
	for (i = 0; i < ncfg->nroutes; i++) {
		nc = &ncfg->routes[i];
		if ((j = server_find_route(srv, nc->name)) == -1)
			continue;
		r = srv->routes[j];
		if (server_same_listen(route_conf(r), nc)) {
			route_set_conf(r, nc);
			kept_old[j] = 1;
			kept[i] = 1;
			routes[n++] = r;
		}
	}
	/* Retire the rest before opening new sockets: a path may move from
	 * a removed route to a new one. */
	for (i = 0; i < srv->nroutes; i++) {
		r = srv->routes[i];
		if (!kept_old[i] && !route_retired(r))
			server_retire_route(srv, r);
	}
	for (i = 0; i < ncfg->nroutes; i++) {
		if (kept[i])
			continue;
		if ((r = route_open(srv->base, &ncfg->routes[i],
		    &server_route_hooks, srv)) == NULL) {
			failed = 1;
			continue;
		}
		log_info("route \"%s\": added", route_conf(r)->name);
		routes[n++] = r;
	}
	/* Retired routes with sessions stay until those end. */
	for (i = 0; i < srv->nroutes; i++) {
		r = srv->routes[i];
		if (route_retired(r) && route_active(r) > 0)
			routes[n++] = r;
		else if (route_retired(r))
			route_free(r);
	}
	free(kept);
	free(kept_old);
	free(srv->routes);
	srv->routes = routes;
	srv->nroutes = n;

	/* Routes and sessions of the old generation hold their own
	 * references: it is freed when the last of them ends. */
	config_free(srv->cfg);
	srv->cfg = ncfg;
	server_env_init(); /* the terminal that gave us WSL_INTEROP may be gone */
	log_info("reloaded: %zu route(s)", ncfg->nroutes);
	notify_ready();
	server_update_status(srv);
	/* The new config is in force; only some sockets are missing. */
	return failed ? -1 : 0;
}

static void
server_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;
	struct config_errors errs = { NULL, 0 };

	switch (sig) {
	case SIGCHLD:
		child_reap();
		break;
	case SIGHUP:
		server_reload(srv, &errs);
		config_errors_free(&errs);
		break;
	default:
		log_info("received %s", strsignal((int)sig));
		if (srv->phase == SERVER_RUNNING)
			server_stop(srv);
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

/* A route accepted a client: its session's id. */
static unsigned
server_accepted_cb(void *arg)
{
	struct server *srv = arg;

	srv->nsessions++;
	return ++srv->next_session_id;
}

/* A session ended; retired routes and shutdown may finish. */
static void
server_session_ended_cb(struct route *ended, void *arg)
{
	struct server *srv = arg;

	srv->nsessions--;
	for (size_t i = 0; i < srv->nroutes; i++) {
		if (srv->routes[i] == ended && route_retired(ended) &&
		    route_active(ended) == 0) {
			log_info("route \"%s\": last session ended",
			    route_conf(ended)->name);
			server_drop_route(srv, i);
			break;
		}
	}
	if (srv->phase != SERVER_RUNNING && srv->nsessions == 0)
		event_base_loopbreak(srv->base);
	else if (srv->phase == SERVER_RUNNING)
		server_update_status(srv);
}

struct event_base *
server_base(const struct server *srv)
{
	return srv->base;
}

const struct config *
server_config(const struct server *srv)
{
	return srv->cfg;
}

time_t
server_started(const struct server *srv)
{
	return srv->started;
}

int
server_stopping(const struct server *srv)
{
	return srv->phase != SERVER_RUNNING;
}

unsigned
server_sessions(const struct server *srv)
{
	return srv->nsessions;
}

struct route *const *
server_routes(const struct server *srv, size_t *n)
{
	*n = srv->nroutes;
	return srv->routes;
}

static void
server_free(struct server *srv)
{
	size_t n;

	control_free(srv->control);
	for (size_t i = 0; i < srv->nroutes;) {
		n = srv->nroutes;
		route_abort_sessions(srv->routes[i]);
		/* A retired route goes with its last session. */
		if (srv->nroutes == n)
			i++;
	}
	while (srv->nroutes > 0)
		server_drop_route(srv, srv->nroutes - 1);
	free(srv->routes);
	config_free(srv->cfg);
	if (srv->ev_phase != NULL)
		event_free(srv->ev_phase);
	event_free(srv->ev_term);
	event_free(srv->ev_int);
	event_free(srv->ev_hup);
	event_free(srv->ev_chld);
	event_base_free(srv->base);
	child_env_free();
}

int
server_run(struct config *cfg, const struct server_opts *opts)
{
	struct server srv;
	struct route *r;
	char err[512];
	int rc = 1, failed = 0;

	memset(&srv, 0, sizeof srv);
	srv.cfg = cfg;
	srv.started = time(NULL);
	/* Write errors are handled where they happen, per connection. */
	signal(SIGPIPE, SIG_IGN);
	log_libevent_init();
	if ((srv.base = event_base_new()) == NULL)
		fatalx("cannot create the event loop");
	srv.ev_term = server_signal_new(&srv, SIGTERM);
	srv.ev_int = server_signal_new(&srv, SIGINT);
	srv.ev_hup = server_signal_new(&srv, SIGHUP);
	srv.ev_chld = server_signal_new(&srv, SIGCHLD);
	if ((srv.ev_phase = evtimer_new(srv.base, server_phase_cb, &srv)) == NULL)
		fatalx("out of memory for a timer");

	/* Built-in routes may be none yet (nothing found): one slot. */
	if ((srv.routes = calloc(cfg->nroutes + 1, sizeof *srv.routes)) == NULL)
		fatalx("out of memory");
	server_env_init();
	activation_init();
	/* Try every route so one start reports every socket problem. */
	for (size_t i = 0; i < cfg->nroutes; i++) {
		if ((r = route_open(srv.base, &cfg->routes[i],
		    &server_route_hooks, &srv)) == NULL)
			failed = 1;
		else
			srv.routes[srv.nroutes++] = r;
	}
	activation_close_unused();
	if (failed)
		goto out;
	if (opts->ctl_path != NULL) {
		srv.control = control_open(&srv, opts->ctl_path, err, sizeof err);
		if (srv.control == NULL) {
			log_error("control socket: %s", err);
			goto out;
		}
	}
	log_info("ready: %zu route(s)", srv.nroutes);
	notify_ready();
	server_update_status(&srv);
	if (opts->ready_fd != -1) {
		(void)!write(opts->ready_fd, "R", 1);
		close(opts->ready_fd);
	}
	event_base_dispatch(srv.base);
	log_info("stopped");
	rc = 0;
out:
	server_free(&srv);
	return rc;
}
