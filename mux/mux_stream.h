/*
 * One stream's half of the mux rules: credit (windows) in both
 * directions, the SYN/ACK handshake, FIN and RST, for frames received
 * and frames about to be sent.  No I/O.
 *
 * The struct is visible because every channel embeds one (a relay with
 * ten thousand channels should not make ten thousand allocations for
 * twenty bytes each); its fields belong to mux_stream.c alone.
 */
#ifndef MUX_STREAM_H
#define MUX_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "mux_frame.h"

struct mux_stream {
	uint32_t send_window;	/* Data bytes this side may still send */
	uint32_t recv_window;	/* Data bytes the peer may still send */
	uint32_t recv_held;	/* received, not yet consumed by the user */
	uint32_t recv_credit;	/* consumed, not yet returned to the peer */
	uint32_t recv_max;	/* the window granted: the sum of the three */
	unsigned state;		/* MUX_ST_* bits, mux_stream.c */
};

/* What a received frame did, for the caller to act on. */
enum mux_stream_event {
	MUX_SE_ACKED = 0x1,	/* the peer accepted the stream we opened
				   (its first answer without RST) */
	MUX_SE_FIN = 0x2,	/* the peer will send no more data */
	MUX_SE_RESET = 0x4,	/* the peer reset (or refused) the stream */
	MUX_SE_CREDIT = 0x8,	/* the send window grew */
	MUX_SE_CLOSED = 0x10,	/* FIN both ways or RST: forget the stream */
};

/* opened_here: this side sent (or will send) the SYN. */
void mux_stream_init(struct mux_stream *, int opened_here);

/*
 * Let the receive window grow, by doubling, up to MUX_WINDOW_GROWN_MAX:
 * whenever a Window Update goes out while the peer has less than a
 * quarter of the window left (it is about to wait for credit, so the
 * window, not the reader, limits the stream), the update also grants
 * the window's size again.  Credit still comes only from bytes consumed:
 * a reader that stops never makes the window grow.
 */
void mux_stream_grow(struct mux_stream *);

/*
 * A Data or Window Update header for this stream (already accepted by
 * mux_decoder_next), applied at once: for Data the payload is counted
 * against the window here, before it arrives.  *events gets MUX_SE_*
 * bits.  A negative result is a violation.
 */
int mux_stream_recv(struct mux_stream *, const struct mux_header *,
    unsigned *events, char *err, size_t errlen);

/* The user took n of the bytes received; they become credit to return. */
int mux_stream_consumed(struct mux_stream *, uint32_t n, char *err,
    size_t errlen);

/* Bytes of Data that may go out now, at most want and one frame. */
uint32_t mux_stream_sendable(const struct mux_stream *, size_t want);

/*
 * Whether a Window Update is due: credit of half a window or more is
 * waiting, or the stream's SYN or ACK has not been sent yet.
 */
int mux_stream_update_due(const struct mux_stream *);

/*
 * The header of the next Data frame of len bytes (flags 0, MUX_FIN or
 * MUX_RST); SYN or ACK are added when the stream's first frame is due.
 * Fails (MUX_E_WINDOW, MUX_E_STATE) rather than let this side break a
 * rule.
 */
int mux_stream_send_data(struct mux_stream *, uint32_t id, uint32_t len,
    uint16_t flags, struct mux_header *, char *err, size_t errlen);

/* The header of a Window Update returning all waiting credit, with
 * flags 0, MUX_FIN or MUX_RST, and SYN or ACK as above. */
int mux_stream_send_window(struct mux_stream *, uint32_t id, uint16_t flags,
    struct mux_header *, char *err, size_t errlen);

int mux_stream_local_fin(const struct mux_stream *);
int mux_stream_remote_fin(const struct mux_stream *);
int mux_stream_closed(const struct mux_stream *);
/* RST went either way: the stream ended at once, with nothing to drain. */
int mux_stream_reset(const struct mux_stream *);

#endif
