/*
 * The relay side of a session (DESIGN.md §7a). A session talks to one
 * interface, whichever backend serves its route:
 *
 * - spawn (relay_spawn.c): one relay child per connection, as npiperelay
 *   is used with socat. Process ids, process groups, the relay's stderr,
 *   the descriptors reserved for the next child and the linger of a relay
 *   that outlives its use live there and nowhere else.
 * - mux (relay_mux.c, relay_mux_stream.c; docs/mux.md): one stream on
 *   the route's long-lived `nprelay.exe --mux`. In mode "auto" it probes
 *   the relay first and hands the route to spawn when it is no mux relay.
 *
 * The session learns only that the relay side is there (relay_open()
 * returned it), that it sent EOF (its chan reports EOF like any chan), and
 * that it ended and why (relay_ended_cb). It tells the backend when both
 * directions are done and when its client is gone (the backend decides
 * how long a relay may outlive its use), and frees it at the end. A
 * backend that opens asynchronously (mux: the open request and its reply)
 * returns the relay at once; bytes written meanwhile wait in the chan, and
 * an open that fails is reported as an end that failed, with the Win32
 * error as HOW.
 *
 * Data flows through a struct chan, the same type as the client's side,
 * so the session and its adapter do not know which backend they have.
 * For the mux backend, the chan will get a small table of operations in
 * chan.c (how to read, write, shut down and enable) so the demultiplexer
 * can fill its input and drain its output directly, with no descriptor:
 * a socketpair per stream would also work unchanged, but costs two
 * descriptors per connection (10,000 idle sessions: 20,000 more, and the
 * reserve-before-accept below would then be needed for mux too), and one
 * more copy and two more system calls for every chunk. The chan API the
 * session uses stays as it is either way.
 */
#ifndef NPR_RELAY_H
#define NPR_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct chan;
struct event_base;
struct relay;
struct relay_backend;

/* How the relay side ended. */
struct relay_end {
	/* For the log: "exited with status 1", "killed by signal 9". */
	const char *how;
	/* It ended with an error of its own, not because it was told to. */
	int failed;
	/* The relay's exit status, or the mux open reply's; -1 when it did
	 * not run, was killed, or none is known. */
	int status;
	uint32_t code;       /* the Win32 error it named; 0 when none */
	/* What the relay said about it (its last stderr line, the open
	 * reply's message), else HOW; never NULL. */
	const char *message;
};

/*
 * The relay side ended (END says how). Its chan is still there, with
 * whatever it sent before, until relay_free().
 */
typedef void (*relay_ended_cb)(struct relay *, const struct relay_end *end,
    void *arg);

/* What a backend reports to its owner (the route). */
struct relay_backend_hooks {
	/* A relay could not start, or failed: WHY, for `status`. */
	void (*error_cb)(const char *why, void *arg);
	/* relay_backend_ready() said 1 before and may say 0 now. */
	void (*ready_cb)(void *arg);
	/*
	 * An exposed route (DESIGN.md §10): a Windows client connected to
	 * the pipe, and STREAM is its relay side, not answered yet. The
	 * owner owns it from now on: it answers with relay_accept() or
	 * relay_refuse(), sets its end callback (relay_set_ended) and
	 * frees it. NULL for routes that listen.
	 */
	void (*exposed_cb)(struct relay *stream, void *arg);
	void *arg;
};

/* The backend of route RC, for its mode and relay (copied: the backend
 * may outlive RC's generation). HOOKS is copied. */
struct relay_backend *relay_backend_new(struct event_base *,
    const struct route_conf *rc, const struct relay_backend_hooks *);
/* An exposed route was removed: the pipe stops taking clients (the
 * relay's exposure ends); those connected go on. */
void relay_backend_unexpose(struct relay_backend *);

/*
 * The owner lets go. Relays still open keep the backend (a reload gave
 * the route a new one): it is freed with the last of them, and a mux
 * relay is not restarted meanwhile.
 */
void relay_backend_free(struct relay_backend *);

/*
 * Can one more relay be started? Reserves what it needs (the spawn
 * backend: the child's descriptors), so a client is accepted only when it
 * can be served; out of descriptors, the listen backlog holds the next
 * clients instead. -1 with the reason in ERR otherwise. 1 (with the
 * reason) when it is not ready yet (a mux relay starting, or being
 * probed): clients wait in the backlog until HOOKS' ready_cb.
 */
int relay_backend_ready(struct relay_backend *, char *err, size_t errlen);

/* The daemon is stopping: relays that end from now on have not failed. */
void relay_backend_stop(struct relay_backend *);

/* Shutdown deadlines: end every relay still running, asking first
 * (SIGTERM), then with HARD (SIGKILL). Returns how many were running. */
unsigned relay_backend_end(struct relay_backend *, int hard);

/* For `status`: relays started, and relays that could not start or failed. */
uint64_t relay_backend_starts(const struct relay_backend *);
uint64_t relay_backend_failures(const struct relay_backend *);

/* For `status`: the mode in use and the mux relay. */
struct relay_backend_info {
	const char *mode; /* spawn, mux, probing, starting, restarting,
			     broken */
	long pid;         /* the mux relay's, 0 when none */
	double uptime;    /* seconds since it started */
	unsigned long long restarts;
	unsigned streams; /* open channels on it */
	/* An exposed route's pipe: "exposed", "opening" or "failed", and
	 * the relay's message of the last failure (NULL: none). */
	const char *expose_state;
	const char *expose_error;
};
void relay_backend_info(const struct relay_backend *,
    struct relay_backend_info *);

/*
 * Open the relay side of session ID of route RC: ENDED_CB(ARG) is called
 * once when it ends. Returns NULL with the reason in ERR when it could not
 * be opened (counted as a failure and reported to the hooks).
 */
struct relay *relay_open(struct relay_backend *, const struct route_conf *rc,
    unsigned id, relay_ended_cb ended_cb, void *arg, char *err,
    size_t errlen);

/*
 * A relay side that could not be opened (WHY: relay_open()'s reason),
 * for a session whose adapter answers the client itself: its chan ends
 * at once and ENDED_CB(ARG) reports a failed end with WHY, from the
 * loop. Not counted again (relay_open() did).
 */
struct relay *relay_open_failed(struct event_base *, const char *why,
    relay_ended_cb ended_cb, void *arg);
/* A relay side handed over by exposed_cb: its end is reported to
 * ENDED_CB(ARG) from now on. */
void relay_set_ended(struct relay *, relay_ended_cb ended_cb, void *arg);
/* Answer a Windows client's stream: its Linux socket is connected, the
 * data may flow. */
void relay_accept(struct relay *);
/* Or refuse it: Win32 error CODE and MESSAGE go to the relay, which
 * closes the client's pipe instance; the stream then ends. */
void relay_refuse(struct relay *, uint32_t code, const char *message);

/* The relay side's data: its output reaches the relay, its input comes
 * from it. Owned by the relay. */
struct chan *relay_chan(struct relay *);

/* Both directions are done: nothing more will be read or written. */
void relay_drained(struct relay *);
/* The session's client left for good: the relay may still take what it
 * is owed, then it has no use. */
void relay_client_gone(struct relay *);

/* Free the relay side and its chan. One still running is ended at once
 * and ENDED_CB is not called: only for the router's final exit. */
void relay_free(struct relay *);

/*
 * The relay command of RC, as npiperelay.exe is called: relay.path, the
 * route's relay_args, then the pipe; NULL-terminated, pointing into RC.
 * The one place it is built (connections, the doctor's probe). NULL when
 * out of memory; free() it.
 */
char **relay_argv(const struct route_conf *rc);

#endif
