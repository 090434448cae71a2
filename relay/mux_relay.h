/*
 * nprelay.exe --mux: the state of one session and its channels, private
 * to the relay's mux_*.c files.  Everything here belongs to the one
 * worker thread (mux_main.c); other threads only post completions, so
 * nothing is locked.  See docs/nprelay.md, "Mux mode".
 */
#ifndef NPRELAY_MUX_RELAY_H
#define NPRELAY_MUX_RELAY_H

#include <stdint.h>

#include "mux_decode.h"
#include "mux_io.h"
#include "mux_stream.h"
#include "nprelay.h"

#define MUX_TABLE_SIZE 4096
/* Output queued for stdout above which no more Data is produced. */
#define MUX_OUT_CAP (1024 * 1024)
/* A channel's first pipe read; grows while reads fill it. */
#define MUX_READ_MIN (4 * 1024)
/* One Data frame: a pipe that has more gives it in one read. */
#define MUX_READ_MAX MUX_DATA_MAX

struct mux_chan;

/* One overlapped operation of a channel (read or write). */
struct mux_op {
	OVERLAPPED ov;
	struct mux_chan *c;
	int write;
};

/*
 * Data from the router on its way to the target.  Pieces of bulk data go
 * into chunks of MUX_CHUNK_BULK, filled one after the other, so that one
 * pipe write carries what several Data frames (of several stdin reads)
 * brought: each write costs a wineserver request and, on a message pipe,
 * a message the server reads on its own.
 */
#define MUX_CHUNK_BULK (256 * 1024)
struct mux_chunk {
	struct mux_chunk *next;
	DWORD len, off, cap;
	uint8_t data[];
};

enum mux_chan_state {
	MUX_CH_REQUEST,		/* reading the open request */
	MUX_CH_OPENING,		/* waiting for the target (timer, connect) */
	MUX_CH_OPEN,		/* relaying */
	MUX_CH_FAILED,		/* open reply with an error sent */
	MUX_CH_EXPOSED,		/* an exposure stream: the pipe is served */
	MUX_CH_LISTENING,	/* a pipe instance waiting for a client */
	MUX_CH_REPLY,		/* a client's stream: waiting for the reply */
};

struct mux_expose;

struct mux_chan {
	struct mux_relay *m;
	struct mux_chan *hash_next;	/* stream table */
	struct mux_chan *ready_next;	/* round-robin list of senders */
	struct mux_chan *wait_next;	/* channels waiting for a timer */
	uint32_t id;
	int refs;		/* the table, each pending op, flush, connect */
	int in_table, in_ready, in_wait;
	enum mux_chan_state state;
	struct mux_stream st;
	unsigned pending;	/* MUX_SE_* of a Data header, applied after
				   its payload */

	/* The open request (an exposed pipe's stream: the router's open
	 * reply), until it is complete: mux_chan_gather(). */
	uint8_t *req;
	size_t req_len, req_cap;
	struct options o;
	wchar_t *argbuf;	/* the request's argv, o.target points here */
	wchar_t *name;		/* the pipe's name for CreateFile */
	char target[256];	/* UTF-8, for messages */
	ULONGLONG deadline, next_try;	/* the busy/missing wait */
	DWORD backoff;

	/* The target. */
	HANDLE h;		/* pipe, or the socket as a handle */
	SOCKET sock;
	int is_sock, message_mode;
	int flushing;		/* FlushFileBuffers runs in the pool */
	int close_pending;	/* close h once the flush returns */

	/* Router -> target. */
	struct mux_chunk *up, **up_tail;
	struct mux_op wr;
	int writing;
	int remote_fin;		/* the router's FIN was applied */
	int half_closing, half_closed;	/* -s done or under way */
	int up_gone;		/* a write found the target gone: the
				   router's data is dropped, the read runs
				   on until the target's end */

	/* Target -> router. */
	struct mux_op rd;
	int reading;
	uint8_t *rbuf;
	DWORD rcap, rlen, roff;
	int target_eof;		/* no more reads: EOF, gone, closed */
	int grow;		/* the last read filled rbuf */
	int zero_write;		/* the pending write is -s's zero bytes */
	int fin_due;		/* send FIN once rbuf is out */
	int rst_due;		/* and RST after it (-ep) */

	/* Exposed pipes (mux_expose.c). */
	struct mux_expose *exposing;	/* this is the exposure's stream */
	struct mux_expose *exp;		/* this is an instance of that pipe */
	struct mux_chan *exp_next;	/* its list of waiting instances */
	int connecting;		/* rd is the pending ConnectNamedPipe */
	int data_lost;		/* the router's data met a closed client */
};

struct mux_relay {
	HANDLE port;
	struct mux_io *io;
	struct mux_decoder *dec;
	struct mux_chan *table[MUX_TABLE_SIZE];
	unsigned long nchan;
	struct mux_chan *ready, **ready_tail;
	struct mux_chan *wait;
	size_t queued;		/* bytes handed to the writer, not written */
	int peer_went_away;
	struct mux_expose *exposed;	/* the pipes this session serves */
};

/* mux_chan.c: lifecycle, stream data, the round-robin sender. */
struct mux_chan *mux_chan_find(struct mux_relay *, uint32_t id);
int mux_chan_syn(struct mux_relay *, const struct mux_header *);
struct mux_chan *mux_chan_new(struct mux_relay *);
void mux_chan_insert(struct mux_chan *, uint32_t id);
int mux_chan_frame(struct mux_chan *, const struct mux_header *, char *err,
    size_t errlen);
int mux_chan_data(struct mux_chan *, const uint8_t *, size_t, int last,
    char *err, size_t errlen);
void mux_chan_unref(struct mux_chan *);
void mux_chan_reset(struct mux_chan *, const char *why);
void mux_chan_send_ready(struct mux_chan *);
void mux_chan_credit_used(struct mux_chan *, DWORD n);
void mux_chan_maybe_end(struct mux_chan *);
void mux_chan_drop(struct mux_chan *);
void mux_chan_drop_up(struct mux_chan *);
int mux_chan_queue(struct mux_chan *, const uint8_t *, size_t);
/* Add to the open request (or, exposed, the router's reply) gathered so
 * far; -1 out of memory, the stream then reset. */
int mux_chan_gather(struct mux_chan *, const uint8_t *, size_t);
void mux_relay_pump(struct mux_relay *);
int mux_relay_send_header(struct mux_relay *, const struct mux_header *,
    int urgent);

/* mux_target.c: opening the target, with the busy/missing wait. */
struct mux_open_request;
void mux_target_open(struct mux_chan *, const struct mux_open_request *);
void mux_target_retry(struct mux_chan *);
void mux_target_connected(void *result);
void mux_target_fail(struct mux_chan *, const struct nprelay_error *);
void mux_target_refuse(struct mux_chan *, int status, DWORD code,
    const char *msg);
void mux_target_reply(struct mux_chan *, uint8_t status, DWORD code,
    const char *msg);
/* mux_pipeio.c: overlapped reads and writes on the target, -s, -ei. */
void mux_target_completion(struct mux_op *, DWORD n, DWORD err);
void mux_target_flushed(struct mux_chan *);
void mux_target_opened(struct mux_chan *);
void mux_target_read(struct mux_chan *);
void mux_target_write(struct mux_chan *);
void mux_target_close(struct mux_chan *);
void mux_target_up_done(struct mux_chan *);
int mux_target_lost(struct mux_chan *);
/* mux_expose.c: exposed pipes, their instances and client streams. */
void mux_expose_open(struct mux_chan *);
void mux_expose_fin(struct mux_chan *);
void mux_expose_end(struct mux_chan *);
void mux_expose_connected(struct mux_chan *, DWORD err);
int mux_expose_reply(struct mux_chan *, const uint8_t *, size_t, char *err,
    size_t errlen);
void mux_expose_client_gone(struct mux_chan *);
void mux_expose_release(struct mux_expose *);

#endif
