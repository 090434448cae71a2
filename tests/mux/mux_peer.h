/*
 * mux-peer: a test driver speaking the mux protocol (docs/mux.md) on its
 * stdin and stdout with the codec in mux/, so that an independent yamux
 * implementation (yamuxpeer/, built from HashiCorp's Go yamux) can judge
 * the codec's framing.  It is not the router's or the relay's mux code:
 * a small single-threaded poll() loop, with test expectations built in.
 */
#ifndef MUX_PEER_H
#define MUX_PEER_H

#include <stddef.h>
#include <stdint.h>

#include "mux_decode.h"
#include "mux_open.h"
#include "mux_outq.h"
#include "mux_stream.h"

#define PEER_STREAMS 64
/* What a stream's scheduler may queue on stdout before waiting. */
#define PEER_OUT_HIGH (512 * 1024)
#define PEER_CHUNK (32 * 1024)

/* Exit statuses, for yamuxpeer to check. */
enum peer_exit {
	PEER_OK = 0,
	PEER_FAILED = 1,	/* an expectation did not hold */
	PEER_USAGE = 2,
	PEER_VIOLATION = 3,	/* the other side broke the protocol */
};

enum peer_kind {
	PK_ECHO,		/* accepted: echo everything back */
	PK_REFUSE,		/* accepted: open failure reply, then FIN */
	PK_GEN,			/* opened here: send a pattern, check the echo */
	PK_MISSING,		/* opened here: expect an open failure */
	PK_SYNC,		/* opened here: the Go Away handshake */
};

struct peer_stream {
	int used;
	uint32_t id;
	int here;		/* opened by this side */
	enum peer_kind kind;
	struct mux_stream st;
	uint8_t pre[MUX_OPEN_REQUEST_MAX];	/* request or reply so far */
	size_t pre_len;
	int opened;		/* request or reply parsed */
	uint8_t *q;		/* bytes to send before any pattern */
	size_t q_len, q_cap;
	size_t q_head_own;	/* leading q bytes that were not received */
	unsigned seed;
	uint64_t gen_total, gen_sent, got;
	int fin_allowed;	/* PK_SYNC: may end once the trigger came */
	uint8_t body[16];	/* PK_SYNC: what came back */
	size_t body_len;
};

struct peer {
	enum mux_role role;
	struct mux_decoder *dec;
	struct peer_stream streams[PEER_STREAMS];
	struct mux_outq out;
	int out_closed;		/* stdout's reader is gone (EPIPE) */
	/* expectations and what was seen */
	unsigned want_streams;
	uint64_t want_bytes;
	unsigned echo_done, refuse_done, gen_done, missing_ok, sync_ok;
	unsigned pings_answered, pings_sent_back;
	uint32_t ping_value;
	int hello_seen, go_away_seen;
	uint32_t go_away_code;
	int sync_started, opened_all;
};

/* mux_peer_stream.c */
uint8_t peer_pattern(unsigned seed, uint64_t k);
struct peer_stream *peer_stream_find(struct peer *, uint32_t id);
struct peer_stream *peer_stream_add(struct peer *, uint32_t id, int here);
int peer_stream_queue(struct peer_stream *, const void *, size_t, int own);
int peer_stream_body(struct peer *, struct peer_stream *, const uint8_t *,
    size_t, char *err, size_t errlen);
int peer_stream_fin_due(const struct peer_stream *);
int peer_stream_end(struct peer *, struct peer_stream *, char *err,
    size_t errlen);

/* mux_peer.c */
int peer_out(struct peer *, const struct mux_header *, const uint8_t *,
    size_t);
void peer_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2),
    noreturn));

#endif
