/* A route at run time: its listener, its sessions and its counters. */
#ifndef NPR_ROUTE_H
#define NPR_ROUTE_H

#include <stdint.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include "config.h"

struct server;
struct session;

struct route {
	struct server *server;
	const struct route_conf *conf;
	struct evconnlistener *listener;
	struct stat sock_st; /* the socket file we made, to remove only ours */
	struct event *ev_retry; /* resume accepting after EMFILE */
	int full;               /* paused at max_connections */

	unsigned active;
	uint64_t total;
	TAILQ_HEAD(, session) sessions;
};

/* Start listening; on failure returns NULL with the reason logged. */
struct route *route_open(struct server *, const struct route_conf *);
/* Stop accepting and remove the socket file; sessions go on. */
void route_close_listener(struct route *);
/* Send SIG to every relay of the route's sessions. */
void route_signal_sessions(struct route *, int sig);
void route_free(struct route *);

/* Called by a session when it is freed. */
void route_session_ended(struct route *, struct session *);

#endif
