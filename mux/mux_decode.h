/*
 * The incremental reader of one mux session: fed whatever byte chunks
 * arrive (a relay's 64 KiB stdin blocks, a router's evbuffer), it yields
 * the hello, then frame headers and pieces of Data payloads, checking
 * every rule the session as a whole can check: header fields, who may
 * open which stream id, frames for ids never opened, SYNs after the
 * peer's Go Away.  Per-stream rules (windows, FIN, ACK, a SYN for a
 * stream already open) are mux_stream's.
 *
 * No I/O and no copies of payload: MUX_EV_DATA points into the caller's
 * buffer.  The decoder also hands out this side's stream ids, since it
 * must know which of them were opened to judge the peer's frames.
 */
#ifndef MUX_DECODE_H
#define MUX_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "mux_frame.h"

/* Which end of the session this side is (docs/mux.md, "Stream ids"). */
enum mux_role {
	MUX_ROLE_ROUTER,	/* opens odd ids, reads the relay's hello */
	MUX_ROLE_RELAY,		/* opens even ids, writes the hello */
};

enum mux_event_type {
	MUX_EV_NONE,		/* every byte given was consumed */
	MUX_EV_HELLO,		/* the hello was read (router only) */
	MUX_EV_FRAME,		/* a frame header; Data payload follows */
	MUX_EV_DATA,		/* a piece of the current Data payload */
};

struct mux_event {
	enum mux_event_type type;
	struct mux_header hdr;	/* FRAME and DATA: the frame's header */
	const uint8_t *data;	/* DATA: points into the caller's buffer */
	size_t len;
	int last;		/* DATA: the payload's final piece */
};

struct mux_decoder;

struct mux_decoder *mux_decoder_new(enum mux_role);
void mux_decoder_free(struct mux_decoder *);

/*
 * Consumes up to len bytes and returns after at most one event:
 * MUX_OK with *used bytes taken and *ev filled (MUX_EV_NONE once all
 * of buf is used).  A negative result is a violation (or MUX_E_NOT_MUX /
 * MUX_E_HELLO_VERSION for the hello) with the message in err; the
 * decoder then stays failed and returns it again.  A Data frame of
 * length 0 gives one MUX_EV_FRAME and no MUX_EV_DATA.
 */
int mux_decoder_next(struct mux_decoder *, const uint8_t *buf, size_t len,
    size_t *used, struct mux_event *ev, char *err, size_t errlen);

/*
 * The id of the next stream this side opens (MUX_E_EXHAUSTED at the
 * end).  A SYN with an id handed out here is checked by the peer against
 * the highest it saw, so a frame for it is only legal once its SYN left.
 */
int mux_decoder_new_id(struct mux_decoder *, uint32_t *id, char *err,
    size_t errlen);

/* Whether id is one the peer opens (1) or this side does (0). */
int mux_decoder_is_remote(const struct mux_decoder *, uint32_t id);

#endif
