/*
 * The open request and open reply: the first bytes of every stream in
 * each direction (docs/mux.md, "Opening a stream").  The request is the
 * argument vector a spawned relay would get (the route's relay_args and
 * pipe), so one option parser serves both modes; the reply is success,
 * or the relay's exit status, Win32 error code and message.
 *
 * Both are stream data, so they may arrive in pieces: the decoders say
 * MUX_MORE until the whole thing is there, and refuse a bad length or
 * count as soon as its bytes are in, not after buffering the rest.
 * Decoded strings point into the caller's buffer and are not
 * NUL-terminated.
 */
#ifndef MUX_OPEN_H
#define MUX_OPEN_H

#include <stddef.h>
#include <stdint.h>

/* Whole request, its 4-byte length included. */
#define MUX_OPEN_REQUEST_MAX 16384
#define MUX_OPEN_ARGS_MAX 64
/* Longest message in a reply; longer ones are cut by the encoder. */
#define MUX_OPEN_MESSAGE_MAX 1024
#define MUX_OPEN_REPLY_MAX (4 + 1 + 4 + MUX_OPEN_MESSAGE_MAX)

struct mux_arg {
	const uint8_t *ptr;
	size_t len;
};

struct mux_open_request {
	size_t argc;
	struct mux_arg argv[MUX_OPEN_ARGS_MAX];
};

struct mux_open_reply {
	uint8_t status;		/* 0: open; else a spawned relay's exit status */
	uint32_t code;		/* Win32 or Winsock error code, 0 if none */
	const uint8_t *message;	/* UTF-8, empty on success */
	size_t message_len;
};

/* Encodes argv[0..argc) (NUL-terminated, argc from 1); *written bytes. */
int mux_open_request_encode(uint8_t *out, size_t outlen, size_t *written,
    size_t argc, const char *const *argv, char *err, size_t errlen);
/* MUX_OK with *used bytes forming the request, MUX_MORE, or MUX_E_OPEN. */
int mux_open_request_decode(const uint8_t *buf, size_t len, size_t *used,
    struct mux_open_request *, char *err, size_t errlen);

/*
 * status 0 needs code 0 and no message; a failure needs a status.  A
 * message longer than MUX_OPEN_MESSAGE_MAX is cut at a UTF-8 boundary.
 */
int mux_open_reply_encode(uint8_t *out, size_t outlen, size_t *written,
    uint8_t status, uint32_t code, const char *message, char *err,
    size_t errlen);
int mux_open_reply_decode(const uint8_t *buf, size_t len, size_t *used,
    struct mux_open_reply *, char *err, size_t errlen);

#endif
