/* A session: one client connection relayed through one relay child. */
#ifndef NPR_SESSION_H
#define NPR_SESSION_H

#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

struct adapter_session;
struct relay_err;
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
	uint64_t bytes;      /* read from src, each byte once */
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
	struct relay_err *relay_err;   /* the relay's stderr, logged */
	struct session_dir up;         /* client -> relay */
	struct session_dir down;       /* relay -> client */
	struct adapter_session *adapter; /* frames what passes, both ways */

	uid_t uid;     /* the client's, for max_connections_per_uid */
	int client_fd; /* owned by client; polled for a client gone for good */
	pid_t pid;     /* the relay, leader of its own process group */
	int exited;
	int status;
	/* Probes a half-closed client until it is gone, then ends a relay
	 * that outlives its use: after both directions, or its client. */
	struct event *ev_linger;
	int lingering;     /* ev_linger counts down to a signal */
	size_t linger_backlog; /* bytes owed to the relay when last checked */
	int client_gone;   /* the client will neither send nor read again */
	int linger_signal;
	struct event *ev_idle; /* idle_timeout */
	struct timespec last_io;
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
 * Relay CLIENT_FD (accepted, non-blocking; PEER its credentials) through
 * a new relay child on FDS, which the session takes over. Returns NULL
 * when the relay could not be started; the client is closed and the
 * reason logged.
 */
struct session *session_start(struct route *, int client_fd, unsigned id,
    const struct ucred *peer, struct session_fds *fds);

/* Send SIG to the session's relay and its process group (shutdown
 * deadlines). Returns 1 when there was a relay to signal, 0 when it had
 * exited already. */
int session_signal(struct session *, int sig);

/* Free the session now, killing its relay: only for the final exit. */
void session_abort(struct session *);

#endif
