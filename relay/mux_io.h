/*
 * The standard handles of nprelay.exe --mux: one thread blocked reading
 * stdin, one writing frames to stdout.  Under Wine standard handles cannot
 * join an I/O completion port.  The reader keeps the blocks it read in
 * a ring the worker takes from, and posts MUXK_STDIN only when the
 * worker is about to wait on the port (mux_io_idle).  The writer counts
 * the bytes it wrote, which the worker takes whenever it wakes, so it
 * can keep the output queue under its cap; it posts MUXK_WRITTEN only
 * when the worker stopped at the cap and asked for it, since under Wine
 * every post and every wait on the port is a round trip to wineserver.
 */
#ifndef NPRELAY_MUX_IO_H
#define NPRELAY_MUX_IO_H

#include <stdint.h>

#include "nprelay.h"

/* stdin blocks in flight: read, or waiting for the worker. */
#define MUX_IO_BLOCKS 4

/* Completion keys of the one port. */
enum mux_key {
	MUXK_IO = 1,		/* an overlapped operation of a channel */
	MUXK_STDIN,		/* wake-up: stdin blocks to take */
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
/*
 * The next stdin block, in order: 1 and its buffer, length and read
 * error (0 bytes and no error: EOF), or 0 when none is ready.
 */
int mux_io_stdin_take(struct mux_io *, const uint8_t **, DWORD *,
    DWORD *err);
/* The worker is done with the block it took last. */
void mux_io_stdin_done(struct mux_io *);
/*
 * The worker is about to wait on the port: 1, and the reader will post
 * MUXK_STDIN for its next block; 0 when a block is ready already.
 */
int mux_io_idle(struct mux_io *);
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
