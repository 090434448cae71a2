/*
 * The standard handles of nprelay.exe --mux: one thread blocked reading
 * stdin, one writing frames to stdout.  Under Wine standard handles cannot
 * join an I/O completion port, so both talk to the worker through it:
 * the reader posts each block it read (MUXK_STDIN).  The writer counts
 * the bytes it wrote, which the worker takes whenever it wakes, so it
 * can keep the output queue under its cap; it posts MUXK_WRITTEN only
 * when the worker stopped at the cap and asked for it, since under Wine
 * every post and every wait on the port is a round trip to wineserver.
 */
#ifndef NPRELAY_MUX_IO_H
#define NPRELAY_MUX_IO_H

#include <stdint.h>

#include "nprelay.h"

/* Completion keys of the one port. */
enum mux_key {
	MUXK_IO = 1,		/* an overlapped operation of a channel */
	MUXK_STDIN,		/* a stdin block: bytes, its buffer; 0 = EOF */
	MUXK_STDIN_FAILED,	/* reading stdin failed: bytes = error */
	MUXK_WRITTEN,		/* the writer wrote frames (mux_io_want_written) */
	MUXK_OUT_FAILED,	/* writing stdout failed: bytes = error */
	MUXK_FLUSHED,		/* a channel's FlushFileBuffers returned */
	MUXK_CONNECTED,		/* a channel's assuan connect returned */
};

/* One frame (or the hello) on its way to stdout, owned by the writer
 * once sent. */
struct mux_out {
	struct mux_out *next;
	DWORD len;
	uint8_t data[];
};

struct mux_io;

struct mux_out *mux_out_new(DWORD len);
/* Starts both threads; NULL and *err on failure. */
struct mux_io *mux_io_start(HANDLE port, DWORD *err);
/* Queues a frame; urgent ones (ping answers) go ahead of the others. */
void mux_io_send(struct mux_io *, struct mux_out *, int urgent);
/* The worker is done with the stdin block it was posted. */
void mux_io_stdin_done(struct mux_io *);
/* Bytes of frames written since the last call. */
DWORD mux_io_take_written(struct mux_io *);
/* Post MUXK_WRITTEN after the next write: the worker waits for room. */
void mux_io_want_written(struct mux_io *);
/*
 * Drops what is queued, writes last (Go Away) and stops the writer;
 * waits up to ms for it to be written.
 */
void mux_io_finish(struct mux_io *, struct mux_out *last, DWORD ms);

#endif
