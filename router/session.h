/* A session: one client connection relayed through one relay side. */
#ifndef NPR_SESSION_H
#define NPR_SESSION_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

struct event_base;
struct relay;
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

/*
 * The other way round, on an exposed route (DESIGN.md §10): a Windows
 * client's STREAM (relay_accept() not called yet) and SOCKET_FD, already
 * connected to the route's "connect" socket. The session's client chan
 * is SOCKET_FD and its relay side STREAM, so half-close, credit and
 * lingering work as for a route that listens; its adapter sees the
 * Windows side as the client (adapter.h). NULL when the adapter refused
 * (the reason in ERR, SOCKET_FD closed; STREAM stays the caller's).
 */
struct session *session_start_exposed(struct event_base *,
    const struct route_conf *rc, struct relay *stream, int socket_fd,
    unsigned id, const struct session_hooks *, void *arg, char *err,
    size_t errlen);

/* The client's uid, for max_connections_per_uid. */
uid_t session_uid(const struct session *);
/* Bytes relayed so far each way (client -> relay, relay -> client). */
void session_bytes(const struct session *, uint64_t *up, uint64_t *down);

/* Free the session now, ending its relay: only for the final exit. Its
 * ended hook is called. */
void session_abort(struct session *);

#endif
