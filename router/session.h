/* A session: one client connection relayed through one relay side. */
#ifndef NPR_SESSION_H
#define NPR_SESSION_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

struct event_base;
struct relay_backend;
struct route_conf;
struct session;

/* What a session reports to its owner (the route), with the ARG given to
 * session_start(). */
struct session_hooks {
	/* The session ends and is freed after this returns; its counters
	 * are final. */
	void (*ended_cb)(struct session *, void *arg);
	/* Something went wrong that `status` shows as the last error. */
	void (*error_cb)(const char *why, void *arg);
};

/*
 * Relay CLIENT_FD (accepted, non-blocking; PEER its credentials) of route
 * RC through a relay side opened on BACKEND. Returns NULL when the session
 * could not start (the adapter refused it, or the relay could not be
 * opened): the client is closed, the reason logged, and no hook called.
 */
struct session *session_start(struct event_base *, const struct route_conf *rc,
    struct relay_backend *backend, int client_fd, unsigned id,
    const struct ucred *peer, const struct session_hooks *, void *arg);

/* The client's uid, for max_connections_per_uid. */
uid_t session_uid(const struct session *);
/* Bytes relayed so far each way (client -> relay, relay -> client). */
void session_bytes(const struct session *, uint64_t *up, uint64_t *down);

/* Free the session now, ending its relay: only for the final exit. Its
 * ended hook is called. */
void session_abort(struct session *);

#endif
