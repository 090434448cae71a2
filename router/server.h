/* The daemon: one event loop serving every configured route. */
#ifndef NPR_SERVER_H
#define NPR_SERVER_H

#include <event2/event.h>

#include "config.h"

struct route;

enum server_phase {
	SERVER_RUNNING,
	SERVER_DRAINING,    /* not accepting; sessions may finish */
	SERVER_TERMINATING, /* relays sent SIGTERM */
	SERVER_KILLING,     /* relays sent SIGKILL */
};

struct server {
	struct event_base *base;
	struct config *cfg;
	struct route **routes;
	size_t nroutes;
	enum server_phase phase;
	unsigned next_session_id;
	unsigned nsessions;

	struct event *ev_term;
	struct event *ev_int;
	struct event *ev_hup;
	struct event *ev_chld;
	struct event *ev_phase; /* drain and terminate deadlines */
};

/* Serve CFG until SIGTERM/SIGINT; returns the process exit status. */
int server_run(struct config *cfg);

/* A session ended; the server may finish shutting down. */
void server_session_ended(struct server *);

#endif
