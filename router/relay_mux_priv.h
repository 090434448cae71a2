/*
 * The mux relay backend (docs/mux.md, DESIGN.md §7a): what its two files
 * share. relay_mux.c owns the route's long-lived `relay.path --mux`
 * child (start, hello, ping, death, restart, the auto probe);
 * relay_mux_stream.c owns the streams, one per session, and the frames.
 */
#ifndef NPR_RELAY_MUX_PRIV_H
#define NPR_RELAY_MUX_PRIV_H

#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>
#include <time.h>

#include "mux_decode.h"
#include "mux_stream.h"
#include "relay_priv.h"

/* Bytes queued towards the relay's stdin before streams wait. */
#define MUX_OUT_CAP (1024 * 1024)
#define MUX_HASH_SIZE 1024

enum mux_state {
	MUX_STARTING,  /* child started, hello not read yet */
	MUX_RUNNING,   /* hello read: streams are served */
	MUX_WAITING,   /* between a death and the restart */
	MUX_BROKEN,    /* mode "mux" and the relay is not a mux relay */
	MUX_FALLBACK,  /* mode "auto": spawn serves the route */
};

struct mux_relay {
	struct relay base;          /* first: relay.c sees this */
	struct mux_backend *mb;
	TAILQ_ENTRY(mux_relay) entry;  /* every stream of the backend */
	TAILQ_ENTRY(mux_relay) sendq;  /* streams with frames to send */
	struct mux_relay *hnext;       /* hash chain, while it has an id */
	uint32_t id;
	struct mux_stream st;
	unsigned pending_events;    /* MUX_SE_* of the Data frame being read */
	struct evbuffer *head;      /* the open request, not yet sent */
	struct evbuffer *reply;     /* the open reply, as it arrives */
	struct event *ev_end;       /* reports the end, from the loop */
	struct event *ev_linger;
	char tag[160];
	char *how;                  /* for relay_report_end() */
	char *failure;              /* a failed open: the Win32 error */
	unsigned in_sendq : 1;
	unsigned hashed : 1;
	unsigned replied : 1;       /* the open reply was read */
	unsigned want_fin : 1;
	unsigned want_rst : 1;
	unsigned dead : 1;          /* closed, or its relay is gone */
	unsigned failed : 1;
	unsigned end_due : 1;
	unsigned client_gone : 1;
};

struct mux_backend {
	struct relay_backend base;  /* first: relay.c sees this */
	char *name;
	char *path;
	char *cwd;
	enum route_mode mode;
	enum mux_state state;
	int retired;
	/* The current child. */
	pid_t pid;                  /* 0: none running */
	struct chan *io;            /* its stdout (in) and stdin (out) */
	struct relay_err *err;
	struct mux_decoder *dec;
	char why[600];              /* set when we ended it ourselves */
	int why_logged;
	struct timespec started;
	unsigned long long restarts;
	unsigned backoff_ms;
	char printed[128];          /* what a non-mux relay wrote first */
	size_t nprinted;
	struct event *ev_hello;
	struct event *ev_ping;
	struct event *ev_restart;
	struct event *ev_flush;
	uint32_t ping_value;
	int ping_out;
	struct timespec ping_sent;
	unsigned ping_ms;
	/* Streams. */
	unsigned nstreams;          /* with a chan the session still has */
	TAILQ_HEAD(, mux_relay) streams;
	TAILQ_HEAD(, mux_relay) sendq;
	struct mux_relay *hash[MUX_HASH_SIZE];
};

/* relay_mux_stream.c */
struct relay *mux_stream_open(struct mux_backend *, const struct route_conf *,
    unsigned id, char *err, size_t errlen);
void mux_stream_drained(struct relay *);
void mux_stream_client_gone(struct relay *);
void mux_stream_free(struct relay *);
/* The relay is running: send the SYNs of streams opened meanwhile. */
void mux_streams_start(struct mux_backend *);
/* The child is gone: end every stream, with HOW. Returns how many. */
unsigned mux_streams_fail(struct mux_backend *, const char *how);
/* Reset every open stream (the daemon's shutdown). Returns how many. */
unsigned mux_streams_reset(struct mux_backend *);
/* A Data or Window Update frame, then its payload in pieces; a negative
 * result is a violation, with the message in ERR. */
int mux_streams_frame(struct mux_backend *, const struct mux_header *,
    char *err, size_t errlen);
int mux_streams_data(struct mux_backend *, const struct mux_event *,
    char *err, size_t errlen);
/* Move frames into the child's stdin, round-robin, up to MUX_OUT_CAP. */
void mux_streams_flush(struct mux_backend *);
/* Queue a whole frame (header only) on the child's stdin. */
void mux_backend_send(struct mux_backend *, const struct mux_header *);
/* A violation (or a failure of ours): Go Away, one log line, restart. */
void mux_backend_violation(struct mux_backend *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void mux_backend_flush_later(struct mux_backend *);

#endif
