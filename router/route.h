/* A route at run time: its listener, its sessions, its relay backend and
 * its counters. */
#ifndef NPR_ROUTE_H
#define NPR_ROUTE_H

#include <stdint.h>
#include <time.h>

#include "config.h"
#include "relay.h"

struct event_base;
struct route;

/* What a route reports to its owner (the server), with the ARG given to
 * route_open(). */
struct route_hooks {
	/* A client was accepted: count it; returns its session id. */
	unsigned (*accepted_cb)(void *arg);
	/* A session of ROUTE ended; ROUTE may be freed from here. */
	void (*ended_cb)(struct route *, void *arg);
};

/* For `status`. Bytes include those of sessions still open. */
struct route_stats {
	int listening;
	unsigned active;
	uint64_t total;
	uint64_t bytes_up;
	uint64_t bytes_down;
	uint64_t relay_starts;
	uint64_t relay_failures;
	uint64_t refused; /* peers not in the allow-lists, or over their cap */
	const char *last_error; /* NULL: none */
	time_t last_error_at;
	struct relay_backend_info relay; /* mode in use, the mux relay */
};

/* Start listening; on failure returns NULL with the reason logged. HOOKS
 * must outlive the route. */
struct route *route_open(struct event_base *, const struct route_conf *,
    const struct route_hooks *hooks, void *arg);
/* A reload kept the route: new sessions take RC (a new generation). */
void route_set_conf(struct route *, const struct route_conf *rc);
/* Stop accepting and remove the socket file; sessions go on. */
void route_close_listener(struct route *);
/* The daemon stops: stop accepting, and relays that end from now on have
 * not failed. */
void route_stop(struct route *);
/* Removed by a reload: stop accepting; sessions finish. */
void route_retire(struct route *);
/* Shutdown deadlines: end every relay of the route's sessions, asking
 * first, then with HARD. Returns how many were still running. */
unsigned route_end_relays(struct route *, int hard);
/* Free every session now (the final exit). A retired route is freed
 * with its last session (by the ended hook): the caller checks. */
void route_abort_sessions(struct route *);
void route_free(struct route *);

const struct route_conf *route_conf(const struct route *);
int route_retired(const struct route *);
/* Sessions open. */
unsigned route_active(const struct route *);
void route_stats(const struct route *, struct route_stats *);

#endif
