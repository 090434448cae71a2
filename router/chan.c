/*
 * A channel: one side of a session, with an input and an output buffer.
 * What differs between a descriptor-backed chan and a virtual one is in
 * a table of operations (struct chan_impl); the buffers, the callbacks
 * and the deferred free are shared.
 */
#include "chan.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "log.h"

/* Reads per readiness event, so one busy side cannot starve the loop. */
#define CHAN_READS_PER_EVENT 4
/* What a virtual chan hands its user per turn, as much as the reads of
 * one event of a descriptor-backed chan. */
#define CHAN_VIRTUAL_TURN (CHAN_READ_MAX * CHAN_READS_PER_EVENT)

struct chan;

struct chan_impl {
	void (*enable_read)(struct chan *);
	void (*disable_read)(struct chan *);
	void (*output_added)(struct chan *);
	void (*shutdown_write)(struct chan *);
	void (*shutdown)(struct chan *);
	void (*destroy)(struct chan *);
};

struct chan {
	const struct chan_impl *impl;
	int reading;
	/* Descriptor-backed. */
	int rfd;
	int wfd;
	struct event *ev_read;
	struct event *ev_write;
	struct evbuffer *in;
	struct evbuffer *out;
	size_t write_low;
	int write_off; /* chan_disable_write() was called */
	int write_shut; /* chan_shutdown_write() was called */
	/* A callback may free its channel: the free waits until it returns. */
	int busy;
	int freed;
	chan_cb read_cb;
	chan_cb write_cb;
	chan_event_cb event_cb;
	void *arg;
	/* Virtual: the owner and what waits to be told to the user. */
	const struct chan_owner_ops *owner_ops;
	void *owner;
	struct evbuffer *staged; /* the owner's input, not yet in `in` */
	struct event *ev_deliver;
	int eof_pending;
	int eof_error;
	int eof_told;
	int werr_pending;
	int werr_error;
	int write_pending;
};

static void chan_destroy(struct chan *);
static void chan_deliver_later(struct chan *);

/* End of a callback: finish a chan_free() called from inside it. */
static void
chan_release(struct chan *c)
{
	if (--c->busy == 0 && c->freed)
		chan_destroy(c);
}

static void
chan_read_ev_cb(evutil_socket_t fd, short what, void *arg)
{
	struct chan *c = arg;
	struct evbuffer_iovec v[2];
	struct iovec iov[2];
	ssize_t n = 0;
	size_t left;
	int nv, error = 0;

	for (int i = 0; i < CHAN_READS_PER_EVENT; i++) {
		nv = evbuffer_reserve_space(c->in, CHAN_READ_MAX, v, 2);
		if (nv <= 0)
			fatalx("out of memory for a read buffer");
		for (int j = 0; j < nv; j++) {
			iov[j].iov_base = v[j].iov_base;
			iov[j].iov_len = v[j].iov_len;
		}
		n = readv(c->rfd, iov, nv);
		if (n <= 0) {
			error = n < 0 ? errno : 0;
			evbuffer_commit_space(c->in, v, 0);
			break;
		}
		/* Commit only what arrived, across the reserved vectors. */
		left = (size_t)n;
		for (int j = 0; j < nv; j++) {
			if (v[j].iov_len > left)
				v[j].iov_len = left;
			left -= v[j].iov_len;
		}
		evbuffer_commit_space(c->in, v, nv);
		if ((size_t)n < CHAN_READ_MAX)
			break;
	}
	c->busy++;
	if (evbuffer_get_length(c->in) > 0 && c->read_cb != NULL)
		c->read_cb(c, c->arg);
	if (!c->freed && (n == 0 ||
	    (n < 0 && error != EAGAIN && error != EINTR))) {
		event_del(c->ev_read);
		c->reading = 0;
		errno = error;
		c->event_cb(c, BEV_EVENT_READING |
		    (n == 0 ? BEV_EVENT_EOF : BEV_EVENT_ERROR), c->arg);
	}
	chan_release(c);
}

static void
chan_write_ev_cb(evutil_socket_t fd, short what, void *arg)
{
	struct chan *c = arg;
	int n;

	n = evbuffer_write(c->out, c->wfd);
	c->busy++;
	if (n < 0 && errno != EAGAIN && errno != EINTR) {
		/* errno still tells the event callback why. */
		event_del(c->ev_write);
		c->event_cb(c, BEV_EVENT_WRITING | BEV_EVENT_ERROR, c->arg);
	} else {
		if (evbuffer_get_length(c->out) == 0)
			event_del(c->ev_write);
		if (evbuffer_get_length(c->out) <= c->write_low &&
		    c->write_cb != NULL)
			c->write_cb(c, c->arg);
	}
	chan_release(c);
}

/* Data was added to the output: make sure it will be taken. */
static void
chan_out_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct chan *c = arg;

	if (info->n_added > 0 && !c->write_off && !c->freed)
		c->impl->output_added(c);
}

static void
chan_fd_enable_read(struct chan *c)
{
	event_add(c->ev_read, NULL);
}

static void
chan_fd_disable_read(struct chan *c)
{
	event_del(c->ev_read);
}

static void
chan_fd_output_added(struct chan *c)
{
	event_add(c->ev_write, NULL);
}

static void
chan_fd_shutdown_write(struct chan *c)
{
	shutdown(c->wfd, SHUT_WR);
}

static void
chan_fd_shutdown(struct chan *c)
{
	shutdown(c->rfd, SHUT_RDWR);
	if (c->wfd != c->rfd)
		shutdown(c->wfd, SHUT_RDWR);
}

static void
chan_fd_destroy(struct chan *c)
{
	event_free(c->ev_read);
	event_free(c->ev_write);
	if (c->wfd != c->rfd)
		close(c->wfd);
	close(c->rfd);
}

static const struct chan_impl chan_fd_impl = {
	.enable_read = chan_fd_enable_read,
	.disable_read = chan_fd_disable_read,
	.output_added = chan_fd_output_added,
	.shutdown_write = chan_fd_shutdown_write,
	.shutdown = chan_fd_shutdown,
	.destroy = chan_fd_destroy,
};

/* What both kinds need: buffers, and the output watched for new bytes. */
static struct chan *
chan_alloc(const struct chan_impl *impl)
{
	struct chan *c;

	if ((c = calloc(1, sizeof *c)) == NULL)
		fatalx("out of memory");
	c->impl = impl;
	c->in = evbuffer_new();
	c->out = evbuffer_new();
	if (c->in == NULL || c->out == NULL ||
	    evbuffer_add_cb(c->out, chan_out_cb, c) == NULL)
		fatalx("out of memory for a channel");
	return c;
}

struct chan *
chan_new(struct event_base *base, int rfd, int wfd)
{
	struct chan *c;

	c = chan_alloc(&chan_fd_impl);
	c->rfd = rfd;
	c->wfd = wfd;
	c->ev_read = event_new(base, rfd, EV_READ | EV_PERSIST,
	    chan_read_ev_cb, c);
	c->ev_write = event_new(base, wfd, EV_WRITE | EV_PERSIST,
	    chan_write_ev_cb, c);
	if (c->ev_read == NULL || c->ev_write == NULL)
		fatalx("out of memory for a channel");
	return c;
}

static void
chan_destroy(struct chan *c)
{
	c->impl->destroy(c);
	evbuffer_free(c->in);
	evbuffer_free(c->out);
	free(c);
}

void
chan_free(struct chan *c)
{
	if (c == NULL)
		return;
	if (c->busy > 0) {
		/* The owner of a virtual chan is not told: it frees it. */
		if (c->ev_read != NULL)
			event_del(c->ev_read);
		if (c->ev_write != NULL)
			event_del(c->ev_write);
		if (c->ev_deliver != NULL)
			event_del(c->ev_deliver);
		c->freed = 1;
		return;
	}
	chan_destroy(c);
}

/*
 * Virtual chans: the owner's news reaches the user from one deferred
 * event, in the order a descriptor-backed chan would report it (input,
 * then its EOF, then the output's state), so the owner may call
 * chan_virtual_*() from inside its own loops and the user may free the
 * chan from any callback.
 */
static void
chan_deliver_cb(evutil_socket_t fd, short what, void *arg)
{
	struct chan *c = arg;

	c->busy++;
	/*
	 * One turn's worth at a time, as a descriptor-backed chan reads:
	 * a user that stops reading after it (a slow client) leaves the
	 * rest staged, where the owner's credit does not count it as taken.
	 */
	if (c->reading && evbuffer_get_length(c->staged) > 0 &&
	    evbuffer_remove_buffer(c->staged, c->in, CHAN_VIRTUAL_TURN) < 0)
		fatalx("out of memory for a channel");
	if (c->reading && evbuffer_get_length(c->in) > 0 &&
	    c->read_cb != NULL)
		c->read_cb(c, c->arg);
	/* A chan nobody reads yet (an exposed client's stream while its
	 * socket connects, an exposure stream) has no callbacks. */
	if (c->event_cb == NULL) {
		chan_release(c);
		return;
	}
	if (!c->freed && c->reading && evbuffer_get_length(c->staged) > 0)
		chan_deliver_later(c);
	else if (!c->freed && c->reading && c->eof_pending && !c->eof_told) {
		c->eof_told = 1;
		c->reading = 0;
		errno = c->eof_error;
		c->event_cb(c, BEV_EVENT_READING | (c->eof_error == 0 ?
		    BEV_EVENT_EOF : BEV_EVENT_ERROR), c->arg);
	}
	if (!c->freed && c->werr_pending && !c->write_off &&
	    !c->write_shut) {
		c->werr_pending = 0;
		errno = c->werr_error;
		c->event_cb(c, BEV_EVENT_WRITING | BEV_EVENT_ERROR, c->arg);
	}
	if (!c->freed && c->write_pending) {
		c->write_pending = 0;
		if (evbuffer_get_length(c->out) <= c->write_low &&
		    c->write_cb != NULL)
			c->write_cb(c, c->arg);
	}
	chan_release(c);
}

static void
chan_deliver_later(struct chan *c)
{
	if (!c->freed)
		event_active(c->ev_deliver, EV_TIMEOUT, 1);
}

static void
chan_virtual_enable_read(struct chan *c)
{
	if (c->owner_ops->reading_cb != NULL)
		c->owner_ops->reading_cb(c->owner, 1);
	if (evbuffer_get_length(c->in) > 0 ||
	    evbuffer_get_length(c->staged) > 0 ||
	    (c->eof_pending && !c->eof_told))
		chan_deliver_later(c);
}

static void
chan_virtual_disable_read(struct chan *c)
{
	if (c->owner_ops->reading_cb != NULL)
		c->owner_ops->reading_cb(c->owner, 0);
}

static void
chan_virtual_output_added(struct chan *c)
{
	if (c->owner_ops->output_cb != NULL)
		c->owner_ops->output_cb(c->owner);
}

static void
chan_virtual_shutdown_write(struct chan *c)
{
	if (c->owner_ops->shutdown_write_cb != NULL)
		c->owner_ops->shutdown_write_cb(c->owner);
}

static void
chan_virtual_shutdown(struct chan *c)
{
	if (c->owner_ops->shutdown_cb != NULL)
		c->owner_ops->shutdown_cb(c->owner);
}

static void
chan_virtual_destroy(struct chan *c)
{
	event_free(c->ev_deliver);
	evbuffer_free(c->staged);
}

static const struct chan_impl chan_virtual_impl = {
	.enable_read = chan_virtual_enable_read,
	.disable_read = chan_virtual_disable_read,
	.output_added = chan_virtual_output_added,
	.shutdown_write = chan_virtual_shutdown_write,
	.shutdown = chan_virtual_shutdown,
	.destroy = chan_virtual_destroy,
};

struct chan *
chan_new_virtual(struct event_base *base, const struct chan_owner_ops *ops,
    void *owner)
{
	struct chan *c;

	c = chan_alloc(&chan_virtual_impl);
	c->owner_ops = ops;
	c->owner = owner;
	if ((c->staged = evbuffer_new()) == NULL ||
	    (c->ev_deliver = event_new(base, -1, 0, chan_deliver_cb,
	    c)) == NULL)
		fatalx("out of memory for a channel");
	return c;
}

struct evbuffer *
chan_virtual_staging(struct chan *c)
{
	return c->staged;
}

void
chan_virtual_input(struct chan *c)
{
	if (c->reading)
		chan_deliver_later(c);
}

void
chan_virtual_eof(struct chan *c, int error)
{
	if (c->eof_pending)
		return;
	c->eof_pending = 1;
	c->eof_error = error;
	if (c->reading)
		chan_deliver_later(c);
}

void
chan_virtual_write_error(struct chan *c, int error)
{
	if (c->werr_pending || c->write_off)
		return;
	c->werr_pending = 1;
	c->werr_error = error;
	chan_deliver_later(c);
}

void
chan_virtual_output_taken(struct chan *c)
{
	c->write_pending = 1;
	chan_deliver_later(c);
}

int
chan_reading(const struct chan *c)
{
	return c->reading;
}

void
chan_setcb(struct chan *c, chan_cb read_cb, chan_cb write_cb,
    chan_event_cb event_cb, void *arg)
{
	c->read_cb = read_cb;
	c->write_cb = write_cb;
	c->event_cb = event_cb;
	c->arg = arg;
}

void
chan_enable_read(struct chan *c)
{
	c->reading = 1;
	c->impl->enable_read(c);
}

void
chan_disable_read(struct chan *c)
{
	c->reading = 0;
	c->impl->disable_read(c);
}

void
chan_disable_write(struct chan *c)
{
	c->write_off = 1;
	if (c->ev_write != NULL)
		event_del(c->ev_write);
	evbuffer_drain(c->out, evbuffer_get_length(c->out));
}

void
chan_set_write_low(struct chan *c, size_t low)
{
	c->write_low = low;
}

struct evbuffer *
chan_input(struct chan *c)
{
	return c->in;
}

struct evbuffer *
chan_output(struct chan *c)
{
	return c->out;
}

void
chan_shutdown_write(struct chan *c)
{
	c->write_shut = 1;
	c->impl->shutdown_write(c);
}

int
chan_write_done(const struct chan *c)
{
	return c->write_off || c->write_shut;
}

void
chan_shutdown(struct chan *c)
{
	c->impl->shutdown(c);
}
