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
#include "mux_open.h"
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
	/* Exposed routes (relay_mux_expose.c). */
	unsigned inbound : 1;       /* opened by the relay: a Windows client */
	unsigned handed : 1;        /* inbound: given to the route */
	unsigned answered : 1;      /* inbound: our open reply is queued */
	unsigned exposure : 1;      /* the route's exposure stream */
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
	/* MUX_WAITING with the restart this far off: new clients are closed
	 * at once with why, not kept waiting (mux_schedule_restart). */
	struct timespec restart_at;
	int failing_fast;
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
	/* An exposed route's pipe (relay_mux_expose.c). */
	char *expose_pipe;          /* NULL: the route listens */
	char *expose_sddl;
	struct mux_relay *exposure; /* its exposure stream, while open */
	int exposed;                /* ...and the relay answered success */
	int unexposed;              /* the owner ended it: not reopened */
	char expose_error[600];     /* the last failure, for status */
	unsigned expose_backoff_ms;
	struct event *ev_expose;
};

/* relay_mux_stream.c */
/* A stream we open with the open request ARGV (numbered once the relay
 * runs); TAG names it in the log. NULL with ERR when ARGV cannot be
 * encoded. */
struct mux_relay *mux_stream_new(struct mux_backend *, size_t argc,
    const char *const *argv, const char *tag, char *err, size_t errlen);
/* A stream the relay opened with a SYN on ID; hashed, not numbered. */
struct mux_relay *mux_stream_new_inbound(struct mux_backend *, uint32_t id);
void mux_stream_kick(struct mux_relay *);
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
/* relay_mux_expose.c */
void mux_expose_init(struct mux_backend *, const struct route_conf *);
void mux_expose_free(struct mux_backend *);
/* The relay runs (again): open the exposure. */
void mux_expose_start(struct mux_backend *);
/* The relay answered the exposure stream S. */
void mux_expose_replied(struct mux_backend *, const struct mux_open_reply *);
/* The relay opened stream ID (SYN): a new inbound stream, or NULL when
 * the route exposes nothing (the caller refuses it). */
struct mux_relay *mux_expose_inbound(struct mux_backend *, uint32_t id);
/* Its open request REQ: hand it to the route, or refuse it. */
void mux_expose_request(struct mux_relay *, const struct mux_open_request *);
void mux_expose_unexpose(struct relay_backend *);
void mux_expose_accept(struct relay *);
void mux_expose_refuse(struct relay *, uint32_t code, const char *message);
void mux_expose_info(const struct mux_backend *,
    struct relay_backend_info *);

/* Move frames into the child's stdin, round-robin, up to MUX_OUT_CAP. */
void mux_streams_flush(struct mux_backend *);
/* Queue a whole frame (header only) on the child's stdin. */
void mux_backend_send(struct mux_backend *, const struct mux_header *);
/* A violation (or a failure of ours): Go Away, one log line, restart. */
void mux_backend_violation(struct mux_backend *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void mux_backend_flush_later(struct mux_backend *);

#endif
