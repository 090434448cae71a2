/* What the session's files (session.c, session_io.c, session_watch.c)
 * share; no other module sees it. */
#ifndef NPR_SESSION_PRIV_H
#define NPR_SESSION_PRIV_H

#include <stdint.h>
#include <time.h>

#include "log.h"
#include "session.h"

struct adapter_session;
struct chan;
struct config;
struct event;
struct event_base;
struct relay;
struct relay_end;

enum session_state {
	SESSION_RELAYING,   /* both directions open */
	SESSION_CLIENT_EOF, /* client finished sending; replies still flow */
	SESSION_RELAY_EOF,  /* relay finished sending; requests still flow */
	SESSION_DRAINED,    /* both directions done; the relay side must end */
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
	/* The relay's EOF waits for its end: it sent nothing, and if it
	 * failed, the adapter answers the client (session_io_relay_ended). */
	unsigned wait_end : 1;
	unsigned drop : 1;   /* src's bytes are dropped; dst still gets what
	                      * it was owed (session_finish) */
};

struct session {
	const struct route_conf *conf;
	struct config *conf_ref; /* a reference on conf's generation */
	unsigned id;
	enum session_state state;
	const struct session_hooks *hooks;
	void *hooks_arg;

	struct chan *client;
	struct relay *relay;           /* its chan is the relay's side */
	struct chan *relay_chan;
	struct session_dir up;         /* client -> relay */
	struct session_dir down;       /* relay -> client */
	struct adapter_session *adapter; /* frames what passes, both ways */

	uid_t uid;     /* the client's, for max_connections_per_uid */
	int client_fd; /* owned by client; polled for a client gone for good */
	int relay_ended;
	/* An exposed route's session: the client chan is the Linux socket
	 * we connected to, the relay side the Windows client. */
	int exposed;
	/* Probes a half-closed client until it is gone (session_watch.c). */
	struct event *ev_probe;
	int client_gone;   /* the client will neither send nor read again */
	int lingering;     /* the relay was told it has no more use */
	struct event *ev_idle; /* idle_timeout */
	/* The relay failed before it answered: the adapter answers the
	 * client's request itself; what it forwards goes to NOWHERE. */
	int failing;
	struct evbuffer *nowhere;
	int closing;           /* session_finish(): the client's last bytes */
	struct event *ev_close; /* bounds failing and closing */
	struct timespec last_io;
	struct timespec started;
};

void session_log(struct session *, enum log_level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Work out the state from both directions and the relay; may free S. */
void session_update(struct session *);

/* session_io.c: moving bytes, both directions. */
void session_io_start(struct session *);
int session_dir_finished(const struct session_dir *);
void session_dir_kill(struct session_dir *);
/* Nothing more goes either way. */
void session_close(struct session *);
/* Nothing more is read from either side; what the client is owed is
 * written (for a few seconds at most), then it is closed. */
void session_finish(struct session *);
/* The relay side ended (END): a failure before it sent anything is the
 * adapter's to answer, when it can. Ends with session_update(): S may be
 * freed. */
void session_io_relay_ended(struct session *, const struct relay_end *end);
/* session_close_arm()'s time is up; may free S. */
void session_io_timeout(struct session *);


/* session_watch.c: the client probe and the idle timer. */
void session_watch_start(struct session *, struct event_base *);
void session_watch_free(struct session *);
void session_check_client(struct session *);
void session_probe_arm(struct session *);
void session_probe_stop(struct session *);
/* Bound the wait for the relay's end after its EOF (wait_end), for the
 * request to answer (failing) and for the client to take its last bytes
 * (closing): SECS from now. */
void session_close_arm(struct session *, int secs);

#endif
