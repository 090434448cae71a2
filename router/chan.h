/*
 * A channel: one side of a session (the client's socket, or the relay's
 * stdin and stdout), with an input and an output buffer.
 *
 * Like a libevent socket bufferevent, but it reads up to CHAN_READ_MAX per
 * call where libevent 2.1 reads at most 4096 bytes, which halved relay
 * throughput, and it may read and write through different descriptors:
 * a relay that ends its output by closing stdout alone is then seen.
 * Event flags are libevent's BEV_EVENT_* values.
 *
 * A chan has a small table of operations (how it enables reading, learns
 * of new output, shuts down): the default is backed by descriptors; a
 * *virtual* chan (chan_new_virtual) has none, and its owner (a mux
 * stream, relay_mux_stream.c) fills its input and drains its output
 * directly. Its user (the session) cannot tell the two apart.
 */
#ifndef NPR_CHAN_H
#define NPR_CHAN_H

#include <stddef.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#define CHAN_READ_MAX (64 * 1024)

struct chan;

typedef void (*chan_cb)(struct chan *, void *arg);
typedef void (*chan_event_cb)(struct chan *, short what, void *arg);

/* RFD and WFD (the same fd for a socket) are non-blocking; freed with it. */
struct chan *chan_new(struct event_base *, int rfd, int wfd);
void chan_free(struct chan *);

/*
 * What the owner of a virtual chan is told. Each is called from the
 * chan's user (never from inside the chan's own callbacks to it), and
 * may be NULL when the owner does not care.
 */
struct chan_owner_ops {
	/* Reading was enabled (1) or disabled (0). */
	void (*reading_cb)(void *owner, int enabled);
	/* Bytes were added to the output. */
	void (*output_cb)(void *owner);
	/* chan_shutdown_write(): EOF once the output is taken. */
	void (*shutdown_write_cb)(void *owner);
	/* chan_shutdown(): nothing more either way. */
	void (*shutdown_cb)(void *owner);
};

/* A chan with no descriptor; OPS must outlive it. */
struct chan *chan_new_virtual(struct event_base *,
    const struct chan_owner_ops *ops, void *owner);
/*
 * For the owner of a virtual chan. Its input arrives in a staging buffer
 * (chan_virtual_staging), which the chan moves into chan_input() in
 * turns of 256 KiB while the user reads, as a descriptor-backed chan
 * reads its descriptor: what the user takes from chan_input() is what
 * it consumed. Callbacks to the user run later, from the event loop, so
 * the owner may call these from anywhere:
 * - chan_virtual_input: bytes were added to the staging buffer;
 * - chan_virtual_eof: the input ended (ERROR 0: EOF, else an errno),
 *   reported after what is in the input, once reading is enabled;
 * - chan_virtual_write_error: the output is not taken any more (ERROR as
 *   errno for the user);
 * - chan_virtual_output_taken: the owner removed bytes from the output.
 */
struct evbuffer *chan_virtual_staging(struct chan *);
void chan_virtual_input(struct chan *);
void chan_virtual_eof(struct chan *, int error);
void chan_virtual_write_error(struct chan *, int error);
void chan_virtual_output_taken(struct chan *);
/* Whether the user reads (chan_enable_read()). */
int chan_reading(const struct chan *);

/*
 * READ_CB: new bytes in the input. WRITE_CB: the output fell to the low
 * watermark or below after a write. EVENT_CB: EOF or error while reading
 * (BEV_EVENT_READING), or an error while writing (BEV_EVENT_WRITING).
 */
void chan_setcb(struct chan *, chan_cb read_cb, chan_cb write_cb,
    chan_event_cb event_cb, void *arg);
void chan_enable_read(struct chan *);
void chan_disable_read(struct chan *);
/* Stop writing for good: the output is dropped from now on. */
void chan_disable_write(struct chan *);
void chan_set_write_low(struct chan *, size_t);

struct evbuffer *chan_input(struct chan *);
struct evbuffer *chan_output(struct chan *);

/* EOF to the peer once the output is written: the caller waits for an
 * empty output first. */
void chan_shutdown_write(struct chan *);
/* Nothing more will be written: the write side was shut down or
 * disabled. */
int chan_write_done(const struct chan *);
/* Tell the peer nothing more is read or written (RST-free close). */
void chan_shutdown(struct chan *);

#endif
