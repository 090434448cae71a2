/* A route at run time: its listener, its sessions and its counters. */
#ifndef NPR_ROUTE_H
#define NPR_ROUTE_H

#include <stdint.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <time.h>

#include "config.h"
#include "session.h"

struct acceptor;
struct listener_file;
struct server;
struct session;

struct route {
	struct server *server;
	const struct route_conf *conf; /* holds a reference on conf->cfg */
	struct acceptor *listener; /* NULL once closed */
	struct listener_file *sock; /* our socket file, to remove only it */
	int full;               /* paused at max_connections */
	int activated;          /* socket passed by systemd: not ours to remove */
	int retired;            /* removed by a reload; sessions finishing */
	int kept;               /* scratch flag of a reload */
	struct session_fds next; /* the next session's relay descriptors */
	int have_next;

	/* Counters for `status`; bytes of sessions still open are added
	 * when they end. */
	unsigned active;
	uint64_t total;
	uint64_t bytes_up;
	uint64_t bytes_down;
	uint64_t relay_starts;
	uint64_t relay_failures;
	uint64_t refused; /* peers not in the allow-lists, or over their cap */
	char last_error[256];
	time_t last_error_at;
	TAILQ_HEAD(, session) sessions;
};

/* Remember the latest failure of the route for `status`. */
void route_set_error(struct route *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Start listening; on failure returns NULL with the reason logged. */
struct route *route_open(struct server *, const struct route_conf *);
/* A reload kept the route: new sessions take RC (a new generation). */
void route_set_conf(struct route *, const struct route_conf *rc);
/* Stop accepting and remove the socket file; sessions go on. */
void route_close_listener(struct route *);
/* Send SIG to every relay of the route's sessions; returns how many
 * relays were still there to get it. */
unsigned route_signal_sessions(struct route *, int sig);
void route_free(struct route *);

/* Called by a session when it is freed. */
void route_session_ended(struct route *, struct session *);

#endif
