/*
 * nptest-muxrelay --mux [--fault NAME[=ARG]]... [--expose-listen PATH]
 *                 [--expose-dir DIR]
 *
 * The session: options, the hello, stdin through the codec's decoder,
 * frames to stdout, and the poll() loop over stdin, stdout, the expose
 * listener and every stream's socket.  Streams are muxrelay-chan.c's,
 * faults muxrelay-fault.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "muxrelay.h"

static void
mr_usage(FILE *f)
{
	fputs(
"usage: nptest-muxrelay --mux [--fault NAME[=ARG]]... [--fault-text TEXT]\n"
"                       [--expose-listen PATH [--expose-pipe NAME]]\n"
"                       [--expose-dir DIR]\n"
"\n"
"A stand-in for `nprelay.exe --mux` (docs/mux.md) on Linux: stdin and\n"
"stdout are the mux session; each stream's open request is a relay\n"
"command line whose target is a unix socket path instead of a pipe.\n"
"Honoured flags: -s (shutdown(SHUT_WR) on the router's FIN), -ep, -ei,\n"
"-p and -l (wait for a missing or busy socket); -a, -v, -bg are accepted\n"
"and ignored. --expose-listen accepts unix connections on PATH and opens\n"
"a stream toward the router for each, its request naming --expose-pipe\n"
"(default //./pipe/ and PATH's last component). --expose-dir DIR serves\n"
"the router's exposure requests (--expose [--expose-sddl S] //./pipe/NAME)\n"
"with a socket DIR/NAME, each client a stream as above; a NAME someone\n"
"accepts on already fails with error 5, as a pipe name in use would.\n"
"\n"
"Exit status: 0 stdin ended, 1 I/O error or --fault exit-after,\n"
"2 usage, 3 the router broke the protocol.\n", f);
	mr_fault_usage();
}

void
mr_die(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("nptest-muxrelay: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

int64_t
mr_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
mr_frame(struct mr *r, const struct mux_header *h, const void *payload,
    size_t len)
{
	char err[256];

	if (mux_outq_frame(&r->out, h, payload, len, err, sizeof err) !=
	    MUX_OK)
		mr_die(MR_EXIT_FAIL, "queueing a frame: %s", err);
}

/* The router broke the protocol: Go Away (protocol error), as docs/mux.md
 * §9 says, then nothing more. */
void
mr_violation(struct mr *r, int rc, const char *err)
{
	struct mux_header h;

	fprintf(stderr, "nptest-muxrelay: protocol violation: %s (%s)\n", err,
	    mux_strerror(rc));
	mux_header_set(&h, MUX_GO_AWAY, 0, 0, MUX_GO_AWAY_PROTOCOL);
	mr_frame(r, &h, NULL, 0);
	(void)mux_outq_flush(&r->out, 1);
	exit(MR_EXIT_VIOLATION);
}

/* A SYN we cannot take: refuse it with RST, the session goes on. */
static void
mr_refuse(struct mr *r, uint32_t id)
{
	struct mux_stream st;
	struct mux_header h;
	char err[256];

	mux_stream_init(&st, 0);
	if (mux_stream_send_window(&st, id, MUX_RST, &h, err, sizeof err) !=
	    MUX_OK)
		mr_die(MR_EXIT_FAIL, "refusing stream %lu: %s",
		    (unsigned long)id, err);
	mr_frame(r, &h, NULL, 0);
}

static void
mr_on_frame(struct mr *r, const struct mux_header *h)
{
	struct mux_header out;
	struct mr_chan *c;
	char err[256];
	unsigned ev;
	int rc;

	switch (h->type) {
	case MUX_PING:
		if ((h->flags & MUX_SYN) && !r->no_pong) {
			mux_header_set(&out, MUX_PING, MUX_ACK, 0, h->length);
			mr_frame(r, &out, NULL, 0);
		}
		return;		/* we send no pings: an answer is stray */
	case MUX_GO_AWAY:
		r->go_away_seen = 1;
		if (h->length != MUX_GO_AWAY_NORMAL)
			fprintf(stderr, "nptest-muxrelay: the router sent Go "
			    "Away code %lu\n", (unsigned long)h->length);
		return;
	}
	c = mr_chan_find(r, h->stream_id);
	if ((h->flags & MUX_SYN) && c == NULL) {
		if (r->exit_after_set && r->streams_served >= r->exit_after) {
			(void)mux_outq_flush(&r->out, 1);
			mr_die(MR_EXIT_FAIL, "--fault exit-after=%lu: stream "
			    "%lu arrives, exiting", r->exit_after,
			    (unsigned long)h->stream_id);
		}
		if (r->go_away_seen || r->nchans >= MUX_STREAMS_MAX) {
			mr_refuse(r, h->stream_id);
			return;
		}
		c = mr_chan_new(r, h->stream_id, 0);
		r->streams_served++;
	}
	if (c == NULL)
		return;		/* closed already: crossed in flight */
	if ((rc = mux_stream_recv(&c->st, h, &ev, err, sizeof err)) != MUX_OK)
		mr_violation(r, rc, err);
	mr_chan_frame(r, c, ev, h);
}

static void
mr_input(struct mr *r, const uint8_t *buf, size_t len)
{
	struct mux_event e;
	struct mr_chan *c;
	char err[256];
	size_t used;
	int rc;

	while (len > 0) {
		rc = mux_decoder_next(r->dec, buf, len, &used, &e, err,
		    sizeof err);
		if (rc != MUX_OK)
			mr_violation(r, rc, err);
		buf += used;
		len -= used;
		if (e.type == MUX_EV_FRAME)
			mr_on_frame(r, &e.hdr);
		else if (e.type == MUX_EV_DATA &&
		    (c = mr_chan_find(r, e.hdr.stream_id)) != NULL) {
			c->payload_left -= (uint32_t)e.len;
			mr_chan_data(r, c, e.data, e.len);
		}
	}
}

static void
mr_listen(struct mr *r)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(r->expose_path) >= sizeof sa.sun_path)
		mr_die(MR_EXIT_USAGE, "%s: path too long", r->expose_path);
	strcpy(sa.sun_path, r->expose_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(fd, 128) != 0)
		mr_die(MR_EXIT_FAIL, "%s: %s", r->expose_path,
		    strerror(errno));
	r->listen_fd = fd;
}

/* Faults that never serve frames: read stdin to its end, then exit. */
static int
mr_drain(void)
{
	struct pollfd pfd = { 0, POLLIN, 0 };
	char buf[4096];
	ssize_t n;

	while ((n = read(0, buf, sizeof buf)) != 0) {
		if (n > 0 || errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return MR_EXIT_FAIL;
		(void)poll(&pfd, 1, -1);
	}
	return MR_EXIT_OK;
}

/* One poll() slot per descriptor; streams are named by id, since
 * handling stdin or another stream may free a stream. */
struct mr_polls {
	struct pollfd *pfd;
	uint32_t *ids;
	size_t cap;
};

static size_t
mr_polls_fill(struct mr *r, struct mr_polls *p, int *timeout)
{
	struct mr_chan *c;
	int64_t now = mr_now_ms(), t, next = -1;
	size_t n = 0;
	short ev;

	if (2 * r->nchans + 3 > p->cap) {
		p->cap = (2 * r->nchans + 3) * 2;
		p->pfd = realloc(p->pfd, p->cap * sizeof *p->pfd);
		p->ids = realloc(p->ids, p->cap * sizeof *p->ids);
		if (p->pfd == NULL || p->ids == NULL)
			mr_die(MR_EXIT_FAIL, "out of memory");
	}
	p->pfd[n++] = (struct pollfd){ 0, POLLIN, 0 };
	p->pfd[n++] = (struct pollfd){ mux_outq_pending(&r->out) ? 1 : -1,
	    POLLOUT, 0 };
	p->pfd[n++] = (struct pollfd){ r->go_away_seen ||
	    mux_outq_pending(&r->out) >= MR_OUT_HIGH ? -1 : r->listen_fd,
	    POLLIN, 0 };
	for (c = r->all; c != NULL; c = c->all_next) {
		if ((t = mr_chan_next_timer(c)) >= 0 && (next < 0 || t < next))
			next = t;
		if (c->expose_fd >= 0 && !r->go_away_seen &&
		    mux_outq_pending(&r->out) < MR_OUT_HIGH) {
			p->ids[n] = c->id;
			p->pfd[n++] = (struct pollfd){ c->expose_fd, POLLIN, 0 };
		}
		if (c->fd < 0)
			continue;
		/* Nothing wanted: not polled, or a hangup would spin. */
		if ((ev = mr_chan_events(r, c)) == 0)
			continue;
		p->ids[n] = c->id;
		p->pfd[n++] = (struct pollfd){ c->fd, ev, 0 };
	}
	*timeout = next < 0 ? -1 : next <= now ? 0 : (int)(next - now);
	return n;
}

static int
mr_run(struct mr *r)
{
	static uint8_t buf[65536];
	struct mr_polls p = { NULL, NULL, 0 };
	struct mr_chan *c, *nc;
	size_t n, i;
	ssize_t got;
	int timeout;

	for (;;) {
		for (c = r->all; c != NULL; c = nc) {
			nc = c->all_next;
			mr_chan_pump(r, c, 0);
		}
		n = mr_polls_fill(r, &p, &timeout);
		if (poll(p.pfd, n, timeout) < 0 && errno != EINTR)
			mr_die(MR_EXIT_FAIL, "poll: %s", strerror(errno));
		if (p.pfd[1].revents & (POLLOUT | POLLERR | POLLHUP)) {
			if (mux_outq_write(&r->out, 1) < 0 && errno != EAGAIN &&
			    errno != EINTR)
				break;	/* the router is gone */
		}
		for (i = 3; i < n; i++) {
			if (!p.pfd[i].revents ||
			    (c = mr_chan_find(r, p.ids[i])) == NULL)
				continue;
			if (p.pfd[i].fd == c->expose_fd)
				mr_expose_accept(r, c->expose_fd, c->pipe);
			else
				mr_chan_pump(r, c, p.pfd[i].revents);
		}
		for (c = r->all; c != NULL; c = nc) {
			nc = c->all_next;
			mr_chan_timer(r, c, mr_now_ms());
		}
		if (p.pfd[2].revents & POLLIN)
			mr_expose_accept(r, r->listen_fd, r->expose_pipe);
		if (!(p.pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		got = read(0, buf, sizeof buf);
		if (got < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (got <= 0)
			break;	/* docs/mux.md §6: the end of every stream */
		mr_input(r, buf, (size_t)got);
	}
	free(p.pfd);
	free(p.ids);
	return MR_EXIT_OK;
}

static void
mr_free(struct mr *r)
{
	while (r->all != NULL)
		mr_chan_free(r, r->all);
	if (r->listen_fd >= 0) {
		close(r->listen_fd);
		unlink(r->expose_path);
	}
	mux_outq_free(&r->out);
	mux_decoder_free(r->dec);
}

int
main(int argc, char **argv)
{
	static struct mr r;
	static char expose_pipe[256];
	struct sigaction sa;
	struct rlimit rl;
	int i, mux = 0, rc;

	r.listen_fd = -1;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--mux") == 0) {
			mux = 1;
		} else if (strcmp(argv[i], "--help") == 0) {
			mr_usage(stdout);
			return MR_EXIT_OK;
		} else if (i + 1 < argc && strcmp(argv[i], "--fault") == 0) {
			if (mr_fault_add(&r, argv[++i]) != 0)
				mr_die(MR_EXIT_USAGE, "unknown or malformed "
				    "--fault %s (--help lists them)", argv[i]);
		} else if (i + 1 < argc && strcmp(argv[i], "--fault-text") == 0) {
			r.fault_text = argv[++i];
		} else if (i + 1 < argc &&
		    strcmp(argv[i], "--expose-listen") == 0) {
			r.expose_path = argv[++i];
		} else if (i + 1 < argc &&
		    strcmp(argv[i], "--expose-dir") == 0) {
			r.expose_dir = argv[++i];
		} else if (i + 1 < argc &&
		    strcmp(argv[i], "--expose-pipe") == 0) {
			r.expose_pipe = argv[++i];
		} else {
			mr_usage(stderr);
			return MR_EXIT_USAGE;
		}
	}
	if (!mux) {
		mr_usage(stderr);
		return MR_EXIT_USAGE;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	/* One socket per stream: the benchmark holds ten thousand. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if ((r.dec = mux_decoder_new(MUX_ROLE_RELAY)) == NULL)
		mr_die(MR_EXIT_FAIL, "out of memory");
	if (fcntl(1, F_SETFL, fcntl(1, F_GETFL) | O_NONBLOCK) < 0)
		mr_die(MR_EXIT_FAIL, "stdout: %s", strerror(errno));
	if (!mr_fault_start(&r)) {
		(void)mux_outq_flush(&r.out, 1);
		rc = mr_drain();
		goto out;
	}
	if (r.expose_path != NULL) {
		const char *base = strrchr(r.expose_path, '/');

		if (r.expose_pipe == NULL) {
			snprintf(expose_pipe, sizeof expose_pipe,
			    "//./pipe/%s", base ? base + 1 : r.expose_path);
			r.expose_pipe = expose_pipe;
		}
		mr_listen(&r);
	}
	rc = mr_run(&r);
out:
	mr_free(&r);
	return rc;
}
