/* The client of nptest-peer: send and receive at once, half-close, report. */
#include "peer.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct client_opts {
	const char *socket_path;
	const char *send_path;	/* NULL: nothing, "-": stdin */
	int has_random;
	int pattern;		/* --send-bytes: constant bytes, no PRNG */
	uint64_t send_random;
	int has_seed;
	uint64_t seed;
	const char *copy_path;
	uint64_t rate;		/* bytes per second, 0: unlimited */
	const char *out_path;
	int no_shutdown;
	const char *hold_until;
	int send_after_eof;
	int has_pause;
	uint64_t pause_after;
	int64_t pause_ms;
	int stop_on_eof;
	int allow_reset;
	int has_expect;
	uint64_t expect_bytes;
	double timeout;		/* seconds, 0: none */
	int stats;
};

struct client {
	struct client_opts o;
	int fd;
	int in_fd;		/* -1 unless --send */
	int out_fd, copy_fd;	/* -1 unless asked for */
	uint64_t rng;
	uint64_t random_left;
	char sbuf[PEER_CHUNK];
	size_t s_len, s_off;
	int send_done;		/* the source is exhausted and all sent */
	int send_stopped;	/* sending ended early (reset, --stop-on-eof) */
	int shut_done;
	int read_done;
	int reset_seen;
	uint64_t sent, received;
	int64_t start_ms, deadline_ms, pause_until;
	int paused_once;
};

static const char *client_timeout_state = "connecting";

static void
client_alarm_cb(int sig)
{
	static const char pre[] = "nptest-peer client: timed out while ";
	size_t len = strlen(client_timeout_state);

	(void)sig;
	(void)!write(STDERR_FILENO, pre, sizeof pre - 1);
	(void)!write(STDERR_FILENO, client_timeout_state, len);
	(void)!write(STDERR_FILENO, "\n", 1);
	_exit(PEER_EXIT_TIMEOUT);
}

static void
client_parse(struct client_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "send", required_argument, NULL, 'S' },
		{ "send-random", required_argument, NULL, 'R' },
		{ "send-bytes", required_argument, NULL, 'B' },
		{ "seed", required_argument, NULL, 'e' },
		{ "send-copy", required_argument, NULL, 'C' },
		{ "rate", required_argument, NULL, 'r' },
		{ "out", required_argument, NULL, 'o' },
		{ "no-shutdown", no_argument, NULL, 'n' },
		{ "hold-until", required_argument, NULL, 'H' },
		{ "send-after-eof", no_argument, NULL, 'A' },
		{ "pause-after", required_argument, NULL, 'P' },
		{ "pause", required_argument, NULL, 'p' },
		{ "stop-on-eof", no_argument, NULL, 'E' },
		{ "allow-reset", no_argument, NULL, 'a' },
		{ "expect-bytes", required_argument, NULL, 'x' },
		{ "timeout", required_argument, NULL, 't' },
		{ "stats", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double sec;
	int ch, li = -1;

	o->pause_ms = 1000;
	while ((ch = getopt_long(argc, argv, "h", longopts, &li)) != -1) {
		switch (ch) {
		case 'S':
			o->send_path = optarg;
			break;
		case 'R':
			if (peer_parse_size(optarg, &o->send_random) == -1)
				goto bad;
			o->has_random = 1;
			o->pattern = 0;
			break;
		case 'B':
			if (peer_parse_size(optarg, &o->send_random) == -1)
				goto bad;
			o->has_random = 1;
			o->pattern = 1;
			break;
		case 'e':
			if (peer_parse_size(optarg, &o->seed) == -1)
				goto bad;
			o->has_seed = 1;
			break;
		case 'C':
			o->copy_path = optarg;
			break;
		case 'r':
			if (peer_parse_size(optarg, &o->rate) == -1 ||
			    o->rate == 0)
				goto bad;
			break;
		case 'o':
			o->out_path = optarg;
			break;
		case 'n':
			o->no_shutdown = 1;
			break;
		case 'H':
			o->hold_until = optarg;
			break;
		case 'A':
			o->send_after_eof = 1;
			break;
		case 'P':
			if (peer_parse_size(optarg, &o->pause_after) == -1)
				goto bad;
			o->has_pause = 1;
			break;
		case 'p':
			if (peer_parse_seconds(optarg, &sec) == -1)
				goto bad;
			o->pause_ms = (int64_t)(sec * 1000);
			break;
		case 'E':
			o->stop_on_eof = 1;
			break;
		case 'a':
			o->allow_reset = 1;
			break;
		case 'x':
			if (peer_parse_size(optarg, &o->expect_bytes) == -1)
				goto bad;
			o->has_expect = 1;
			break;
		case 't':
			if (peer_parse_seconds(optarg, &o->timeout) == -1)
				goto bad;
			break;
		case 's':
			o->stats = 1;
			break;
		case 'h':
			peer_usage(stdout);
			exit(PEER_EXIT_OK);
		default:
			exit(PEER_EXIT_USAGE);
		}
	}
	if (optind != argc - 1)
		peer_exit(PEER_EXIT_USAGE, "client",
		    "expected one SOCKET argument");
	if (o->send_path != NULL && o->has_random)
		peer_exit(PEER_EXIT_USAGE, "client",
		    "--send excludes --send-random and --send-bytes");
	o->socket_path = argv[optind];
	return;
bad:
	peer_exit(PEER_EXIT_USAGE, "client", "bad value for --%s: %s",
	    li >= 0 ? longopts[li].name : "?", optarg);
}

static int
client_open_file(const char *path, int flags)
{
	int fd;

	if (strcmp(path, "-") == 0)
		return (flags & O_WRONLY) ? STDOUT_FILENO : STDIN_FILENO;
	fd = open(path, flags | O_CLOEXEC, 0644);
	if (fd == -1)
		peer_exit(PEER_EXIT_USAGE, "client", "%s: %s", path,
		    strerror(errno));
	return fd;
}

static void
client_connect(struct client *c)
{
	struct sockaddr_un sun;
	size_t len = strlen(c->o.socket_path);

	if (len >= sizeof sun.sun_path)
		peer_exit(PEER_EXIT_USAGE, "client", "%s: path too long",
		    c->o.socket_path);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, c->o.socket_path, len + 1);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd == -1)
		peer_exit(PEER_EXIT_FAIL, "client", "socket: %s",
		    strerror(errno));
	/* Blocking: a full backlog waits here, under the alarm. */
	while (connect(c->fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		if (errno != EINTR)
			peer_exit(PEER_EXIT_FAIL, "client", "connect %s: %s",
			    c->o.socket_path, strerror(errno));
	}
	if (peer_set_nonblock(c->fd) == -1)
		peer_exit(PEER_EXIT_FAIL, "client", "fcntl: %s",
		    strerror(errno));
}

/* Fill sbuf from the source when it is empty; sets send_done at the end. */
static void
client_fill(struct client *c, int in_ready)
{
	ssize_t n;

	if (c->s_off < c->s_len || c->send_done || c->send_stopped)
		return;
	c->s_off = c->s_len = 0;
	if (c->o.has_random) {
		size_t len = c->random_left < sizeof c->sbuf ?
		    (size_t)c->random_left : sizeof c->sbuf;

		if (len == 0) {
			c->send_done = 1;
			return;
		}
		/* The pattern is written once: the buffer is never changed. */
		if (!c->o.pattern)
			peer_random_fill(&c->rng, c->sbuf, len);
		c->random_left -= len;
		c->s_len = len;
		return;
	}
	if (c->in_fd == -1) {
		c->send_done = 1;
		return;
	}
	if (!in_ready)
		return;
	n = read(c->in_fd, c->sbuf, sizeof c->sbuf);
	if (n == -1) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		peer_exit(PEER_EXIT_FAIL, "client", "%s: %s", c->o.send_path,
		    strerror(errno));
	}
	if (n == 0) {
		if (c->in_fd != STDIN_FILENO)
			close(c->in_fd);
		c->in_fd = -1;
		c->send_done = 1;
		return;
	}
	c->s_len = (size_t)n;
}

/* How many bytes the rate allows now; sets *wait_ms when none. */
static size_t
client_allowance(struct client *c, int64_t now, int64_t *wait_ms)
{
	uint64_t allowed;

	if (c->o.rate == 0)
		return SIZE_MAX;
	allowed = c->o.rate * (uint64_t)(now - c->start_ms) / 1000;
	if (allowed > c->sent)
		return allowed - c->sent > SIZE_MAX ? SIZE_MAX :
		    (size_t)(allowed - c->sent);
	*wait_ms = (int64_t)((c->sent - allowed) * 1000 / c->o.rate) + 1;
	return 0;
}

static void
client_read(struct client *c)
{
	char buf[PEER_CHUNK];
	size_t want = sizeof buf;
	ssize_t n;

	if (c->o.has_pause && !c->paused_once &&
	    c->o.pause_after - c->received < want)
		want = (size_t)(c->o.pause_after - c->received);
	if (want == 0)
		return;
	n = read(c->fd, buf, want);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		if (c->o.allow_reset && (errno == ECONNRESET ||
		    errno == EPIPE)) {
			c->reset_seen = 1;
			c->read_done = 1;
			return;
		}
		peer_exit(PEER_EXIT_FAIL, "client",
		    "read: %s (after %" PRIu64 " bytes)", strerror(errno),
		    c->received);
	}
	if (n == 0) {
		c->read_done = 1;
		if (c->o.stop_on_eof && !c->send_done)
			c->send_stopped = 1;
		return;
	}
	c->received += (uint64_t)n;
	if (c->out_fd != -1 &&
	    peer_write_all(c->out_fd, buf, (size_t)n) == -1)
		peer_exit(PEER_EXIT_FAIL, "client", "%s: %s", c->o.out_path,
		    strerror(errno));
	if (c->o.has_pause && !c->paused_once &&
	    c->received >= c->o.pause_after) {
		c->paused_once = 1;
		c->pause_until = peer_now_ms() + c->o.pause_ms;
	}
}

static void
client_write(struct client *c, size_t allowance)
{
	size_t len = c->s_len - c->s_off;
	ssize_t n;

	if (len > allowance)
		len = allowance;
	n = write(c->fd, c->sbuf + c->s_off, len);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		if (c->o.allow_reset && (errno == EPIPE ||
		    errno == ECONNRESET)) {
			c->reset_seen = 1;
			c->send_stopped = 1;
			return;
		}
		peer_exit(PEER_EXIT_FAIL, "client",
		    "write: %s (after %" PRIu64 " bytes)", strerror(errno),
		    c->sent);
	}
	if (c->copy_fd != -1 &&
	    peer_write_all(c->copy_fd, c->sbuf + c->s_off, (size_t)n) == -1)
		peer_exit(PEER_EXIT_FAIL, "client", "%s: %s", c->o.copy_path,
		    strerror(errno));
	c->s_off += (size_t)n;
	c->sent += (uint64_t)n;
}

static int
client_finished(const struct client *c)
{
	int sending_over = c->send_done || c->send_stopped;

	if (!c->read_done || !sending_over)
		return 0;
	return c->shut_done || c->o.no_shutdown || c->send_stopped;
}

static void
client_timed_out(const struct client *c)
{
	const char *wr;

	if (c->send_stopped)
		wr = "sending stopped";
	else if (!c->send_done)
		wr = "still sending";
	else if (c->shut_done)
		wr = "write side shut down";
	else if (c->o.hold_until != NULL && !c->o.no_shutdown)
		wr = "all sent, waiting for the --hold-until file";
	else
		wr = "all sent, write side open";
	peer_exit(PEER_EXIT_TIMEOUT, "client",
	    "timed out after %gs on %s: sent %" PRIu64 " bytes (%s), "
	    "received %" PRIu64 " bytes, %s", c->o.timeout, c->o.socket_path,
	    c->sent, wr, c->received,
	    c->read_done ? "EOF seen" : "no EOF from the peer");
}

int
peer_client_main(int argc, char **argv)
{
	struct client *c = NULL;
	struct pollfd pfd[2];
	struct sigaction sa;
	struct stat st;
	struct timespec t0, t1;
	int64_t now, wait, timeout;
	size_t allowance;
	unsigned alarm_sec;
	int n, sock_i, in_i;

	if ((c = calloc(1, sizeof *c)) == NULL)
		return PEER_EXIT_FAIL;
	client_parse(&c->o, argc, argv);
	c->in_fd = c->out_fd = c->copy_fd = -1;
	if (c->o.send_path != NULL)
		c->in_fd = client_open_file(c->o.send_path, O_RDONLY);
	if (c->o.out_path != NULL)
		c->out_fd = client_open_file(c->o.out_path,
		    O_WRONLY | O_CREAT | O_TRUNC);
	if (c->o.copy_path != NULL)
		c->copy_fd = client_open_file(c->o.copy_path,
		    O_WRONLY | O_CREAT | O_TRUNC);
	c->rng = c->o.has_seed ? c->o.seed :
	    (uint64_t)getpid() * 2654435761u ^ (uint64_t)time(NULL);
	if (c->rng == 0)
		c->rng = 1;
	c->random_left = c->o.send_random;
	if (c->o.pattern)
		memset(c->sbuf, 0x5a, sizeof c->sbuf);

	if (c->o.timeout > 0) {
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = client_alarm_cb;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, NULL);
		alarm_sec = (unsigned)c->o.timeout;
		alarm(alarm_sec + 1 > alarm_sec ? alarm_sec + 1 : alarm_sec);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	c->start_ms = peer_now_ms();
	c->deadline_ms = c->o.timeout > 0 ?
	    c->start_ms + (int64_t)(c->o.timeout * 1000) : -1;
	client_connect(c);
	/* From here the poll loop reports timeouts, with more detail. */
	client_timeout_state = "transferring";

	while (!client_finished(c)) {
		now = peer_now_ms();
		timeout = -1;
		if (c->deadline_ms != -1) {
			if (now >= c->deadline_ms)
				client_timed_out(c);
			timeout = c->deadline_ms - now;
		}
		if (c->pause_until != 0 && now >= c->pause_until)
			c->pause_until = 0;

		client_fill(c, 0);
		n = 0;
		sock_i = in_i = -1;
		pfd[0].fd = c->fd;
		pfd[0].events = 0;
		if (!c->read_done && c->pause_until == 0)
			pfd[0].events |= POLLIN;
		else if (c->pause_until != 0) {
			wait = c->pause_until - now;
			if (timeout == -1 || wait < timeout)
				timeout = wait;
		}
		allowance = 0;
		if (c->s_off < c->s_len && !c->send_stopped &&
		    !(c->o.send_after_eof && !c->read_done)) {
			wait = -1;
			allowance = client_allowance(c, now, &wait);
			if (allowance > 0)
				pfd[0].events |= POLLOUT;
			else if (timeout == -1 || wait < timeout)
				timeout = wait;
		}
		sock_i = n++;
		if (c->s_off == c->s_len && c->in_fd != -1 && !c->send_done &&
		    !c->send_stopped) {
			pfd[n].fd = c->in_fd;
			pfd[n].events = POLLIN;
			in_i = n++;
		}
		if ((c->send_done || c->send_stopped) && !c->shut_done &&
		    !c->o.no_shutdown && !c->send_stopped &&
		    !(c->o.send_after_eof && !c->read_done)) {
			if (c->o.hold_until == NULL ||
			    stat(c->o.hold_until, &st) == 0) {
				if (shutdown(c->fd, SHUT_WR) == -1 &&
				    !(c->o.allow_reset && errno == ENOTCONN))
					peer_exit(PEER_EXIT_FAIL, "client",
					    "shutdown: %s", strerror(errno));
				c->shut_done = 1;
				continue;
			}
			if (timeout == -1 || timeout > 20)
				timeout = 20;
		}
		if (pfd[0].events == 0)
			pfd[0].fd = -1;
		if (poll(pfd, (nfds_t)n, (int)timeout) == -1) {
			if (errno == EINTR)
				continue;
			peer_exit(PEER_EXIT_FAIL, "client", "poll: %s",
			    strerror(errno));
		}
		if (in_i != -1 && pfd[in_i].revents != 0)
			client_fill(c, 1);
		if (pfd[sock_i].revents & (POLLIN | POLLHUP | POLLERR) &&
		    pfd[sock_i].events & POLLIN)
			client_read(c);
		if (pfd[sock_i].revents & (POLLOUT | POLLERR) &&
		    pfd[sock_i].events & POLLOUT && !c->send_stopped)
			client_write(c, allowance);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	alarm(0);
	close(c->fd);
	if (c->o.stats)
		printf("sent=%" PRIu64 " received=%" PRIu64 " seconds=%.6f%s\n",
		    c->sent, c->received, (double)(t1.tv_sec - t0.tv_sec) +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
		    c->reset_seen ? " reset" : "");
	if (c->o.has_expect && c->received != c->o.expect_bytes)
		peer_exit(PEER_EXIT_FAIL, "client",
		    "received %" PRIu64 " bytes, expected %" PRIu64,
		    c->received, c->o.expect_bytes);
	if (c->out_fd > STDERR_FILENO)
		close(c->out_fd);
	if (c->copy_fd > STDERR_FILENO)
		close(c->copy_fd);
	if (c->in_fd > STDERR_FILENO)
		close(c->in_fd);
	free(c);
	return PEER_EXIT_OK;
}
