/*
 * mux-check [options] -- RELAY ARGS...   (see mux_check.h)
 *
 *   --streams N      open N streams, each with the request --arg...
 *   --arg A          one argument of the open request (repeat; the pipe
 *                    last)
 *   --bytes N        each stream sends N pattern bytes, then FIN
 *   --sequential     open a stream only when the one before ended
 *   --ping           send a ping first; say at the end whether it was
 *                    answered
 *   --accept N       serve N streams the relay opens: success, echo
 *   --stall          a stream out of credit whose echo caught up is
 *                    reported "stalled" and reset
 *   --out DIR        write DIR/sent-ID and DIR/recv-ID
 *   --hello-wait SEC say "silent" if no byte came within SEC
 *   --until-eof      when the script is over, wait for the relay's EOF
 *   --hold FILE      when the script is over, wait until FILE exists
 *                    before closing the relay's stdin (which ends every
 *                    stream, delivered or not)
 *
 * Lines on stdout: "hello", "not mux \"TEXT\"", "stream ID reply STATUS
 * CODE \"MESSAGE\"", "stream ID done|reset|stalled sent=N received=N
 * [mismatch-at=N]", "accepted ID request ARGS", "accepted ID done
 * echoed=N", "go away CODE", "violation MESSAGE", "eof" or "eof inside a
 * frame", "STREAM ID unfinished", "pong" or "no pong", "silent", and last
 * "exit STATUS" or "signal N" of the relay.  Exit status 0 unless
 * mux-check itself failed (1) or was misused (2).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mux_check.h"

#define CK_PING_VALUE 0x600df00du

static pid_t ck_child = -1;

void
ck_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("mux-check: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (ck_child > 0)
		kill(ck_child, SIGKILL);
	exit(1);
}

void
ck_frame(struct ck *c, const struct mux_header *h, const void *payload,
    size_t len)
{
	char err[256];

	if (mux_outq_frame(&c->out, h, payload, len, err, sizeof err) !=
	    MUX_OK)
		ck_fail("queueing a frame: %s", err);
}

static void
ck_quote(const uint8_t *b, size_t len)
{
	size_t i;

	putchar('"');
	for (i = 0; i < len; i++) {
		if (b[i] == '\n')
			fputs("\\n", stdout);
		else if (b[i] < 0x20 || b[i] >= 0x7f || b[i] == '"' ||
		    b[i] == '\\')
			printf("\\x%02x", b[i]);
		else
			putchar(b[i]);
	}
	putchar('"');
}

/* The relay's stdout after we stopped decoding, to its end. */
static void
ck_drain(struct ck *c, uint8_t *keep, size_t *keep_len, size_t keep_max)
{
	uint8_t buf[65536];
	ssize_t n;
	size_t k;

	while ((n = read(c->from_fd, buf, sizeof buf)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (keep != NULL) {
			k = keep_max - *keep_len;
			if (k > (size_t)n)
				k = (size_t)n;
			memcpy(keep + *keep_len, buf, k);
			*keep_len += k;
		}
	}
}

/* Closes the relay's stdin, reads its output to the end, reports how it
 * ended. */
static int
ck_finish(struct ck *c)
{
	int st;

	(void)mux_outq_flush(&c->out, c->to_fd);
	close(c->to_fd);
	ck_drain(c, NULL, NULL, 0);
	if (c->ping)
		puts(c->pong ? "pong" : "no pong");
	while (waitpid(ck_child, &st, 0) < 0)
		if (errno != EINTR)
			ck_fail("waitpid: %s", strerror(errno));
	ck_child = -1;
	if (WIFEXITED(st))
		printf("exit %d\n", WEXITSTATUS(st));
	else
		printf("signal %d\n", WTERMSIG(st));
	fflush(stdout);
	return 0;
}

void
ck_violation(struct ck *c, int rc, const char *err)
{
	struct mux_header h;

	printf("violation %s (%s)\n", err, mux_strerror(rc));
	mux_header_set(&h, MUX_GO_AWAY, 0, 0, MUX_GO_AWAY_PROTOCOL);
	ck_frame(c, &h, NULL, 0);
	exit(ck_finish(c));
}

static void
ck_not_mux(struct ck *c, const uint8_t *seen, size_t seen_len)
{
	uint8_t text[4096];
	size_t len = seen_len < sizeof text ? seen_len : sizeof text;

	memcpy(text, seen, len);
	close(c->to_fd);
	c->to_fd = open("/dev/null", O_WRONLY);
	ck_drain(c, text, &len, sizeof text);
	fputs("not mux ", stdout);
	ck_quote(text, len);
	putchar('\n');
	exit(ck_finish(c));
}

static void
ck_on_frame(struct ck *c, const struct mux_header *h)
{
	struct mux_stream refused;
	struct mux_header out;
	struct ck_stream *s;
	char err[256];
	unsigned ev;
	int rc;

	switch (h->type) {
	case MUX_PING:
		if (h->flags & MUX_SYN) {
			mux_header_set(&out, MUX_PING, MUX_ACK, 0, h->length);
			ck_frame(c, &out, NULL, 0);
		} else if (h->length == CK_PING_VALUE) {
			c->pong = 1;
		}
		return;
	case MUX_GO_AWAY:
		printf("go away %lu\n", (unsigned long)h->length);
		return;
	}
	s = ck_stream_find(c, h->stream_id);
	if ((h->flags & MUX_SYN) && s == NULL) {
		if (c->accepted == c->want_accept) {
			mux_stream_init(&refused, 0);
			if (mux_stream_send_window(&refused, h->stream_id,
			    MUX_RST, &out, err, sizeof err) != MUX_OK)
				ck_fail("%s", err);
			ck_frame(c, &out, NULL, 0);
			printf("refused %lu\n", (unsigned long)h->stream_id);
			return;
		}
		c->accepted++;
		s = ck_stream_add(c, h->stream_id, 0);
	}
	if (s == NULL || s->ended)
		return;
	if ((rc = mux_stream_recv(&s->st, h, &ev, err, sizeof err)) != MUX_OK)
		ck_violation(c, rc, err);
	ck_stream_frame(c, s, ev, h);
}

static void
ck_input(struct ck *c, const uint8_t *buf, size_t len)
{
	struct mux_event e;
	struct ck_stream *s;
	const uint8_t *start = buf;
	char err[256];
	size_t used;
	int rc;

	while (len > 0) {
		rc = mux_decoder_next(c->dec, buf, len, &used, &e, err,
		    sizeof err);
		if (rc == MUX_E_NOT_MUX || rc == MUX_E_HELLO_VERSION)
			ck_not_mux(c, start, (size_t)(buf - start) + len);
		if (rc != MUX_OK)
			ck_violation(c, rc, err);
		buf += used;
		len -= used;
		c->since_unit += used;
		switch (e.type) {
		case MUX_EV_HELLO:
			puts("hello");
			c->hello = 1;
			c->since_unit = 0;
			break;
		case MUX_EV_FRAME:
			if (e.hdr.type != MUX_DATA || e.hdr.length == 0)
				c->since_unit = 0;
			ck_on_frame(c, &e.hdr);
			break;
		case MUX_EV_DATA:
			if (e.last)
				c->since_unit = 0;
			if ((s = ck_stream_find(c, e.hdr.stream_id)) != NULL &&
			    !s->ended) {
				s->payload_left -= (uint32_t)e.len;
				ck_stream_data(c, s, e.data, e.len, e.last);
			}
			break;
		case MUX_EV_NONE:
			break;
		}
		fflush(stdout);
	}
}

/* The script, advanced whenever anything happened; 1 when it is over. */
static int
ck_step(struct ck *c)
{
	struct mux_header h;
	size_t i;

	if (!c->hello)
		return 0;
	if (c->ping == 1) {
		mux_header_set(&h, MUX_PING, MUX_SYN, 0, CK_PING_VALUE);
		ck_frame(c, &h, NULL, 0);
		c->ping = 2;
	}
	while (c->opened < c->want_streams &&
	    (!c->sequential || c->ended_here == c->opened))
		ck_stream_open(c);
	for (i = 0; i < c->nstreams; i++)
		ck_stream_send(c, c->streams[i]);
	return !c->until_eof && c->ended_here == c->want_streams &&
	    c->ended_accepted == c->want_accept;
}

static int
ck_run(struct ck *c, int hello_wait_ms)
{
	static uint8_t buf[65536];
	struct pollfd pfd[2];
	ssize_t n;
	int timeout;

	for (;;) {
		if (ck_step(c) && (c->hold == NULL || access(c->hold, F_OK) == 0))
			return ck_finish(c);
		pfd[0] = (struct pollfd){ c->from_fd, POLLIN, 0 };
		pfd[1] = (struct pollfd){ mux_outq_pending(&c->out) ?
		    c->to_fd : -1, POLLOUT, 0 };
		timeout = c->hello || c->since_unit ? -1 : hello_wait_ms;
		if (c->hold != NULL && c->hello)
			timeout = 50;	/* the file has no event to wait on */
		n = poll(pfd, 2, timeout);
		if (n < 0 && errno != EINTR)
			ck_fail("poll: %s", strerror(errno));
		if (n == 0 && c->hello)
			continue;
		if (n == 0) {
			puts("silent");
			return ck_finish(c);
		}
		if (pfd[1].revents & (POLLOUT | POLLERR | POLLHUP)) {
			if (mux_outq_write(&c->out, c->to_fd) < 0 &&
			    errno != EAGAIN && errno != EINTR) {
				/* The relay is gone; its output tells why. */
				c->out.off = c->out.len = 0;
			}
		}
		if (!(pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = read(c->from_fd, buf, sizeof buf);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {
			if (!c->hello && c->since_unit == 0)
				ck_not_mux(c, NULL, 0);
			if (c->since_unit > 0)
				printf("eof inside a frame after %llu bytes\n",
				    (unsigned long long)c->since_unit);
			else
				puts("eof");
			ck_stream_report_unfinished(c);
			return ck_finish(c);
		}
		ck_input(c, buf, (size_t)n);
	}
}

static void
ck_spawn(struct ck *c, char **argv)
{
	int in[2], out[2];

	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)
		ck_fail("pipe: %s", strerror(errno));
	if ((ck_child = fork()) < 0)
		ck_fail("fork: %s", strerror(errno));
	if (ck_child == 0) {
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0)
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "mux-check: %s: %s\n", argv[0],
		    strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	c->to_fd = in[1];
	c->from_fd = out[0];
	if (fcntl(c->to_fd, F_SETFL, O_NONBLOCK) != 0)
		ck_fail("fcntl: %s", strerror(errno));
}

static unsigned long long
ck_number(const char *opt, const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		goto bad;
	if (*end == 'K' || *end == 'M')
		v <<= *end++ == 'K' ? 10 : 20;
	if (*end == '\0')
		return v;
bad:
	fprintf(stderr, "mux-check: %s wants a number, not \"%s\"\n", opt, s);
	exit(2);
}

int
main(int argc, char **argv)
{
	static struct ck c;
	struct sigaction sa;
	int i, hello_wait_ms = -1, rc;
	size_t k;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";

		if (strcmp(o, "--sequential") == 0)
			c.sequential = 1;
		else if (strcmp(o, "--ping") == 0)
			c.ping = 1;
		else if (strcmp(o, "--stall") == 0)
			c.stall = 1;
		else if (strcmp(o, "--until-eof") == 0)
			c.until_eof = 1;
		else if (i + 1 == argc)
			break;
		else if (strcmp(o, "--streams") == 0)
			c.want_streams = (unsigned)ck_number(o, v), i++;
		else if (strcmp(o, "--accept") == 0)
			c.want_accept = (unsigned)ck_number(o, v), i++;
		else if (strcmp(o, "--bytes") == 0)
			c.bytes = ck_number(o, v), i++;
		else if (strcmp(o, "--hello-wait") == 0)
			hello_wait_ms = (int)ck_number(o, v) * 1000, i++;
		else if (strcmp(o, "--hold") == 0)
			c.hold = v, i++;
		else if (strcmp(o, "--out") == 0)
			c.out_dir = v, i++;
		else if (strcmp(o, "--arg") == 0 && c.nargs < MUX_OPEN_ARGS_MAX)
			c.args[c.nargs++] = v, i++;
		else
			break;
	}
	if (i + 1 >= argc || strcmp(argv[i], "--") != 0 ||
	    (c.want_streams > 0 && c.nargs == 0)) {
		fputs("usage: mux-check [--streams N --arg A... [--bytes N] "
		    "[--sequential] [--stall] [--out DIR]] [--accept N] "
		    "[--ping] [--hello-wait SEC] [--until-eof] [--hold FILE] -- RELAY ARGS...\n", stderr);
		return 2;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	if ((c.dec = mux_decoder_new(MUX_ROLE_ROUTER)) == NULL)
		ck_fail("out of memory");
	ck_spawn(&c, argv + i + 1);
	rc = ck_run(&c, hello_wait_ms);
	for (k = 0; k < c.nstreams; k++) {
		mux_outq_free(&c.streams[k]->q);
		free(c.streams[k]);
	}
	free(c.streams);
	mux_outq_free(&c.out);
	mux_decoder_free(c.dec);
	return rc;
}
