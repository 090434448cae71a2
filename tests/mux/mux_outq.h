/*
 * An output queue of mux frames for the test programs that speak the
 * protocol on a descriptor (mux-peer, mux-check, nptest-muxrelay): frames
 * are encoded with the codec's header encoder and written out with
 * non-blocking writes, so one frame writer serves every test driver.
 * Test code, not the router's or the relay's.
 */
#ifndef MUX_OUTQ_H
#define MUX_OUTQ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mux_frame.h"

struct mux_outq {
	uint8_t *buf;
	size_t off, len, cap;	/* bytes [off, len) are still to write */
};

/* Appends raw bytes (the hello, a fault's garbage). 0 or -1 (ENOMEM). */
int mux_outq_append(struct mux_outq *, const void *, size_t);
/* Appends one frame: the encoded header, then len bytes of payload.
 * MUX_OK, or the encoder's error, or MUX_E_SPACE when out of memory. */
int mux_outq_frame(struct mux_outq *, const struct mux_header *,
    const void *payload, size_t len, char *err, size_t errlen);
size_t mux_outq_pending(const struct mux_outq *);
/* Forgets the first n pending bytes (sent some other way). */
void mux_outq_drop(struct mux_outq *, size_t n);
/* One write(2) of what is pending: bytes written, 0 if none was, or -1
 * with errno (EAGAIN and EINTR included: the caller decides). */
ssize_t mux_outq_write(struct mux_outq *, int fd);
/* Writes everything, waiting with poll() on a non-blocking fd. */
int mux_outq_flush(struct mux_outq *, int fd);
void mux_outq_free(struct mux_outq *);

#endif
