/* A listening socket in the event loop that pauses, instead of spinning,
 * when accept() fails. Every listener of the daemon is one. */
#ifndef NPR_ACCEPTOR_H
#define NPR_ACCEPTOR_H

#include <event2/event.h>

/* How long a paused listener waits before it accepts again. */
#define ACCEPTOR_RETRY_SECS 1

struct acceptor;

/* A connection was accepted: FD is the caller's (non-blocking). */
typedef void (*acceptor_accept_cb)(int fd, void *arg);

/*
 * Accept on listening socket FD, which the acceptor takes over, calling
 * ACCEPT_CB(fd, ARG) for each client. Out of descriptors, accept() fails
 * on the same waiting client forever: the acceptor then pauses for
 * ACCEPTOR_RETRY_SECS, leaving new clients in the listen backlog, and
 * calls RESUME_CB(ARG) (NULL: it simply accepts again). LABEL names it in
 * the log ("route \"docker\"", "control socket"). It starts enabled.
 */
struct acceptor *acceptor_new(struct event_base *, int fd, const char *label,
    acceptor_accept_cb accept_cb, void (*resume_cb)(void *), void *arg);

void acceptor_enable(struct acceptor *);
void acceptor_disable(struct acceptor *);

/* Pause now, logging WHY: for a reason the acceptor cannot see itself
 * (no descriptors for the next session). */
void acceptor_pause(struct acceptor *, const char *why);

/* Stop accepting and close the socket. */
void acceptor_free(struct acceptor *);

#endif
