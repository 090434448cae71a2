/*
 * The mux wire format (docs/mux.md): yamux frames as HashiCorp's spec.md
 * defines them, our limits, and the error codes every mux_* function
 * returns.  Pure functions over byte buffers: no I/O, no allocation, no
 * Win32, no libevent, so the router and nprelay.exe share this file.
 */
#ifndef MUX_FRAME_H
#define MUX_FRAME_H

#include <stddef.h>
#include <stdint.h>

/* The line a mux relay writes before its first frame. */
#define MUX_HELLO "nprelay-mux 1\n"
#define MUX_HELLO_LEN 14
/* The longest hello line a reader looks at before giving up. */
#define MUX_HELLO_MAX 16
#define MUX_PROTOCOL_VERSION 1

#define MUX_HEADER_LEN 12
/* yamux's version field: always 0. */
#define MUX_VERSION 0

enum mux_type {
	MUX_DATA = 0,
	MUX_WINDOW_UPDATE = 1,
	MUX_PING = 2,
	MUX_GO_AWAY = 3,
};

enum mux_flag {
	MUX_SYN = 0x1,
	MUX_ACK = 0x2,
	MUX_FIN = 0x4,
	MUX_RST = 0x8,
};
#define MUX_FLAGS_ALL (MUX_SYN | MUX_ACK | MUX_FIN | MUX_RST)

enum mux_go_away_code {
	MUX_GO_AWAY_NORMAL = 0,
	MUX_GO_AWAY_PROTOCOL = 1,
	MUX_GO_AWAY_INTERNAL = 2,
};

/* Every stream starts with this much credit in each direction. */
#define MUX_WINDOW_INITIAL (256u * 1024u)
/* Largest Data payload this side sends in one frame, so that streams
 * take turns in pieces of at most this size. */
#define MUX_DATA_MAX MUX_WINDOW_INITIAL
/*
 * The most a receiver of ours grants one stream once it grows the window
 * (mux_stream_grow): a stream crossing the router, a Wine process and a
 * pipe needs several MiB in flight to keep the pipe busy for one round
 * trip of credit on a loaded machine, and this is also what one stream
 * may hold in the receiver's memory when its reader stops (docs/mux.md
 * §5).
 */
#define MUX_WINDOW_GROWN_MAX (4u * 1024u * 1024u)
/*
 * Largest Data payload accepted in one frame: HashiCorp's yamux sends as
 * much as its window allows in one frame, so a receiver must take frames
 * as large as the largest window it grants.  The window check still
 * refuses anything beyond what was granted.
 */
#define MUX_DATA_RECV_MAX MUX_WINDOW_GROWN_MAX
/* Streams open at once per session; a SYN beyond this is answered RST. */
#define MUX_STREAMS_MAX 65536u

/*
 * Results.  MUX_OK and MUX_MORE (a parser wants more bytes) are not
 * errors; every negative value is, and the ones up to MUX_E_OPEN are
 * protocol violations by the peer.
 */
enum mux_result {
	MUX_OK = 0,
	MUX_MORE = 1,
	MUX_E_VERSION = -1,	/* frame version is not 0 */
	MUX_E_TYPE = -2,	/* unknown frame type */
	MUX_E_FLAGS = -3,	/* flags not allowed for the type or state */
	MUX_E_STREAM_ID = -4,	/* id 0 misused, wrong parity, never opened */
	MUX_E_LENGTH = -5,	/* Data payload above MUX_DATA_RECV_MAX */
	MUX_E_GO_AWAY_CODE = -6,	/* Go Away with an unknown code */
	MUX_E_WINDOW = -7,	/* Data beyond the receive window */
	MUX_E_WINDOW_OVERFLOW = -8,	/* window update past 2^32 - 1 */
	MUX_E_STATE = -9,	/* frame not allowed in the stream's state */
	MUX_E_OPEN = -10,	/* malformed open request or reply */
	MUX_E_NOT_MUX = -11,	/* the peer did not start with the hello */
	MUX_E_HELLO_VERSION = -12,	/* a hello of another version */
	MUX_E_EXHAUSTED = -13,	/* no stream id left on this side */
	MUX_E_INVALID = -14,	/* the caller asked for something invalid */
	MUX_E_SPACE = -15,	/* output buffer too small */
};

/* A violation ends the session with Go Away (protocol error). */
#define MUX_IS_VIOLATION(rc) ((rc) <= MUX_E_VERSION && (rc) >= MUX_E_OPEN)

struct mux_header {
	uint8_t version;
	uint8_t type;
	uint16_t flags;
	uint32_t stream_id;
	uint32_t length;	/* Data: payload bytes; Window Update: delta;
				   Ping: opaque value; Go Away: code */
};

const char *mux_strerror(int rc);

/* Checks what one header alone can show (docs/mux.md, "Violations"). */
int mux_header_check(const struct mux_header *, char *err, size_t errlen);
/* Encodes a header that passes mux_header_check. */
int mux_header_encode(const struct mux_header *, uint8_t out[MUX_HEADER_LEN],
    char *err, size_t errlen);
/* Decodes and checks; *h is filled even when the check fails. */
int mux_header_decode(const uint8_t in[MUX_HEADER_LEN], struct mux_header *,
    char *err, size_t errlen);
/* Fills *h (version 0); convenience for the encoders. */
void mux_header_set(struct mux_header *h, enum mux_type type, uint16_t flags,
    uint32_t stream_id, uint32_t length);

#endif
