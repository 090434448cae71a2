/* A session: one client connection relayed through one relay child. */
#ifndef NPR_SESSION_H
#define NPR_SESSION_H

#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>
#include <time.h>

struct adapter_session;
struct config;
struct route;
struct ucred;

enum session_state {
	SESSION_RELAYING,   /* both directions open */
	SESSION_CLIENT_EOF, /* client finished sending; replies still flow */
	SESSION_RELAY_EOF,  /* relay finished sending; requests still flow */
	SESSION_DRAINED,    /* both directions done; waiting for the relay to exit */
	SESSION_DONE,
};

/* One direction of the relay: from one side's input to the other's output. */
struct session_dir {
	struct chan *src;
	struct chan *dst;
	uint64_t bytes;
	unsigned eof : 1;    /* src ended (EOF, or a read error) */
	unsigned shut : 1;   /* EOF passed on: dst's write side is shut down */
	unsigned dead : 1;   /* dst takes nothing more; input is discarded */
	unsigned paused : 1; /* src reading stopped until dst drains */
	unsigned held : 1;   /* the adapter holds frames from src: EOF waits */
};

struct session {
	struct route *route;
	/* The config generation the session started with, referenced until
	 * it ends: its adapter state points into it. */
	struct config *cfg;
	unsigned id;
	enum session_state state;
	TAILQ_ENTRY(session) entry;

	struct chan *client;
	struct chan *relay;            /* the relay's stdout and stdin */
	struct bufferevent *relay_err; /* the relay's stderr, logged by line */
	struct session_dir up;         /* client -> relay */
	struct session_dir down;       /* relay -> client */
	struct adapter_session *adapter; /* frames what passes, both ways */

	pid_t pid;
	int exited;
	int status;
	struct event *ev_linger; /* ends a relay that outlives both directions */
	int linger_signal;
	struct timespec started;
};

/*
 * The descriptors a relay child needs: its stdin, stdout and stderr, our
 * end first. A route makes them before it accepts a client, so a client
 * is only taken when it can be served (out of descriptors, the listen
 * backlog holds the next clients instead).
 */
struct session_fds {
	int in[2];
	int out[2];
	int err[2];
};

/* Make FDS; -1 with errno (EMFILE...) when they cannot be had. */
int session_fds_open(struct session_fds *);
void session_fds_close(struct session_fds *);

/*
 * Relay CLIENT_FD (accepted, non-blocking) from PEER (read once, when it
 * was accepted) through a new relay child on FDS, which the session takes
 * over. Returns NULL when the relay could not be started; the client is
 * closed and the reason logged.
 */
struct session *session_start(struct route *, int client_fd, unsigned id,
    struct session_fds *fds, const struct ucred *peer);

/* Send SIG to the session's relay (shutdown deadlines). */
void session_signal(struct session *, int sig);

/* Free the session now, killing its relay: only for the final exit. */
void session_abort(struct session *);

#endif
