/* A channel: one side of a session, with an input and an output buffer. */
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

struct chan {
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
};

static void chan_destroy(struct chan *);

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

/* Data was added to the output: make sure it will be written. */
static void
chan_out_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct chan *c = arg;

	if (info->n_added > 0 && !c->write_off)
		event_add(c->ev_write, NULL);
}

struct chan *
chan_new(struct event_base *base, int rfd, int wfd)
{
	struct chan *c;

	if ((c = calloc(1, sizeof *c)) == NULL)
		fatalx("out of memory");
	c->rfd = rfd;
	c->wfd = wfd;
	c->in = evbuffer_new();
	c->out = evbuffer_new();
	c->ev_read = event_new(base, rfd, EV_READ | EV_PERSIST,
	    chan_read_ev_cb, c);
	c->ev_write = event_new(base, wfd, EV_WRITE | EV_PERSIST,
	    chan_write_ev_cb, c);
	if (c->in == NULL || c->out == NULL || c->ev_read == NULL ||
	    c->ev_write == NULL ||
	    evbuffer_add_cb(c->out, chan_out_cb, c) == NULL)
		fatalx("out of memory for a channel");
	return c;
}

static void
chan_destroy(struct chan *c)
{
	event_free(c->ev_read);
	event_free(c->ev_write);
	evbuffer_free(c->in);
	evbuffer_free(c->out);
	if (c->wfd != c->rfd)
		close(c->wfd);
	close(c->rfd);
	free(c);
}

void
chan_free(struct chan *c)
{
	if (c == NULL)
		return;
	if (c->busy > 0) {
		event_del(c->ev_read);
		event_del(c->ev_write);
		c->freed = 1;
		return;
	}
	chan_destroy(c);
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
	event_add(c->ev_read, NULL);
}

void
chan_disable_read(struct chan *c)
{
	event_del(c->ev_read);
}

void
chan_disable_write(struct chan *c)
{
	c->write_off = 1;
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
	shutdown(c->wfd, SHUT_WR);
}

int
chan_write_done(const struct chan *c)
{
	return c->write_off || c->write_shut;
}

void
chan_shutdown(struct chan *c)
{
	shutdown(c->rfd, SHUT_RDWR);
	if (c->wfd != c->rfd)
		shutdown(c->wfd, SHUT_RDWR);
}
