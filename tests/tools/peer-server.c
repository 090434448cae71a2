/* The servers of nptest-peer: one poll loop, every connection at once. */
#include "peer.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* How much an echo connection holds before it stops reading. */
#define ECHO_MAX_PENDING (1024 * 1024)

enum server_mode {
	MODE_ECHO,
	MODE_DRAIN_REPLY,
	MODE_GREET_CLOSE,
	MODE_GREET_SHUT,
	MODE_SINK,
	MODE_SOURCE,
};

static const char *const server_mode_names[] = {
	[MODE_ECHO] = "echo",
	[MODE_DRAIN_REPLY] = "drain-reply",
	[MODE_GREET_CLOSE] = "greet-close",
	[MODE_GREET_SHUT] = "greet-shut",
	[MODE_SINK] = "sink",
	[MODE_SOURCE] = "source",
};

struct server_opts {
	enum server_mode mode;
	const char *socket_path;
	const char *pidfile;
	const char *log_path;
	const char *save_dir;
	const char *greeting;
	const char *source_file;
	uint64_t source_bytes;
	int64_t delay_ms;
};

struct conn {
	int fd;
	unsigned long id;
	uint64_t nread;
	int read_eof;	/* EOF seen: nothing more will be read */
	int shut_wr;	/* our write side is shut down */
	int replying;	/* drain-reply, sink: the reply may go out */
	int64_t reply_at;	/* when it may, once read_eof */
	char *out;	/* pending output */
	size_t out_len, out_off, out_cap;
	uint64_t src_left;	/* source: still to produce */
	int src_fd;
	int save_fd;
};

struct server {
	struct server_opts o;
	int listen_fd;
	int log_fd;
	unsigned long next_id;
	struct conn **conns;
	size_t nconns, cap;
	unsigned char pattern[PEER_CHUNK];
};

static int server_sigpipe[2] = { -1, -1 };

static void
server_signal_cb(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;

	(void)!write(server_sigpipe[1], &c, 1);
	errno = saved;
}

static void
server_log(struct server *s, const char *what, unsigned long id,
    uint64_t n, int with_n)
{
	char line[128];
	int len;

	if (s->log_fd == -1)
		return;
	if (with_n)
		len = snprintf(line, sizeof line, "%s %lu %" PRIu64 "\n", what,
		    id, n);
	else
		len = snprintf(line, sizeof line, "%s %lu\n", what, id);
	/* O_APPEND and one write per line: readable while we run. */
	(void)peer_write_all(s->log_fd, line, (size_t)len);
}

static void
server_save_path(struct server *s, unsigned long id, const char *suffix,
    char *buf, size_t len)
{
	snprintf(buf, len, "%s/conn-%lu.%s", s->o.save_dir, id, suffix);
}

static int
conn_append(struct conn *c, const void *data, size_t len)
{
	size_t need;
	char *p = NULL;

	if (c->out_off > 0 && c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	need = c->out_len + len;
	if (need > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : PEER_CHUNK;

		while (cap < need)
			cap *= 2;
		p = realloc(c->out, cap);
		if (p == NULL)
			return -1;
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
	return 0;
}

static size_t
conn_pending(const struct conn *c)
{
	return c->out_len - c->out_off;
}

static void
conn_free(struct server *s, struct conn *c)
{
	char path[PATH_MAX];

	if (c->save_fd != -1) {
		/* Never completed: leave no conn-ID.bin that looks whole. */
		close(c->save_fd);
		server_save_path(s, c->id, "part", path, sizeof path);
		unlink(path);
	}
	if (c->src_fd != -1)
		close(c->src_fd);
	close(c->fd);
	server_log(s, "close", c->id, 0, 0);
	free(c->out);
	free(c);
}

static void
server_accept(struct server *s)
{
	struct conn *c = NULL;
	char path[PATH_MAX];
	int fd;

	for (;;) {
		fd = accept(s->listen_fd, NULL, NULL);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				peer_msg(server_mode_names[s->o.mode],
				    "accept: %s", strerror(errno));
			return;
		}
		if (peer_set_nonblock(fd) == -1 ||
		    (c = calloc(1, sizeof *c)) == NULL)
			peer_exit(PEER_EXIT_FAIL, server_mode_names[s->o.mode],
			    "out of resources");
		c->fd = fd;
		c->id = ++s->next_id;
		c->src_fd = -1;
		c->save_fd = -1;
		c->reply_at = -1;
		server_log(s, "accept", c->id, 0, 0);

		if (s->o.save_dir != NULL) {
			server_save_path(s, c->id, "part", path, sizeof path);
			c->save_fd = open(path,
			    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (c->save_fd == -1)
				peer_exit(PEER_EXIT_FAIL,
				    server_mode_names[s->o.mode], "%s: %s",
				    path, strerror(errno));
		}
		switch (s->o.mode) {
		case MODE_GREET_CLOSE:
		case MODE_GREET_SHUT:
			if (conn_append(c, s->o.greeting,
			    strlen(s->o.greeting)) == -1)
				peer_exit(PEER_EXIT_FAIL, "server",
				    "out of memory");
			break;
		case MODE_SOURCE:
			if (s->o.source_file != NULL) {
				c->src_fd = open(s->o.source_file,
				    O_RDONLY | O_CLOEXEC);
				if (c->src_fd == -1)
					peer_exit(PEER_EXIT_FAIL, "source",
					    "%s: %s", s->o.source_file,
					    strerror(errno));
			} else
				c->src_left = s->o.source_bytes;
			break;
		default:
			break;
		}
		if (s->nconns == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 64;
			struct conn **p = realloc(s->conns, cap * sizeof *p);

			if (p == NULL)
				peer_exit(PEER_EXIT_FAIL, "server",
				    "out of memory");
			s->conns = p;
			s->cap = cap;
		}
		s->conns[s->nconns++] = c;
	}
}

/* Refill the output of a source connection; at most one chunk pending. */
static void
conn_source_fill(struct server *s, struct conn *c)
{
	char buf[PEER_CHUNK];
	ssize_t n;

	if (conn_pending(c) > 0)
		return;
	if (c->src_fd != -1) {
		n = read(c->src_fd, buf, sizeof buf);
		if (n == -1)
			peer_exit(PEER_EXIT_FAIL, "source", "%s: %s",
			    s->o.source_file, strerror(errno));
		if (n == 0) {
			close(c->src_fd);
			c->src_fd = -1;
			return;
		}
		if (conn_append(c, buf, (size_t)n) == -1)
			peer_exit(PEER_EXIT_FAIL, "source", "out of memory");
		return;
	}
	if (c->src_left > 0) {
		size_t len = c->src_left < sizeof s->pattern ?
		    (size_t)c->src_left : sizeof s->pattern;

		if (conn_append(c, s->pattern, len) == -1)
			peer_exit(PEER_EXIT_FAIL, "source", "out of memory");
		c->src_left -= len;
	}
}

/* Nothing more will ever be queued for output on this connection. */
static int
conn_output_done(struct server *s, const struct conn *c)
{
	switch (s->o.mode) {
	case MODE_ECHO:
		return c->read_eof;
	case MODE_DRAIN_REPLY:
	case MODE_SINK:
		return c->replying;
	case MODE_SOURCE:
		return c->src_fd == -1 && c->src_left == 0;
	case MODE_GREET_CLOSE:
	case MODE_GREET_SHUT:
		return 1;
	}
	return 1;
}

static int
conn_wants_read(struct server *s, const struct conn *c)
{
	if (c->read_eof || s->o.mode == MODE_GREET_CLOSE)
		return 0;
	if (s->o.mode == MODE_ECHO && conn_pending(c) >= ECHO_MAX_PENDING)
		return 0;
	return 1;
}

static int
conn_wants_write(struct server *s, const struct conn *c)
{
	if (c->shut_wr)
		return 0;
	if ((s->o.mode == MODE_DRAIN_REPLY || s->o.mode == MODE_SINK) &&
	    !c->replying)
		return 0;
	return conn_pending(c) > 0 || s->o.mode == MODE_SOURCE;
}

/* Returns -1 when the connection is finished and must be freed. */
static int
conn_read(struct server *s, struct conn *c)
{
	char buf[PEER_CHUNK], path[PATH_MAX], done[PATH_MAX];
	ssize_t n;

	n = read(c->fd, buf, sizeof buf);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		server_log(s, "reset", c->id, 0, 0);
		return -1;
	}
	if (n > 0) {
		c->nread += (uint64_t)n;
		if (c->save_fd != -1 &&
		    peer_write_all(c->save_fd, buf, (size_t)n) == -1)
			peer_exit(PEER_EXIT_FAIL, "server", "save: %s",
			    strerror(errno));
		if ((s->o.mode == MODE_ECHO || s->o.mode == MODE_DRAIN_REPLY)
		    && conn_append(c, buf, (size_t)n) == -1)
			peer_exit(PEER_EXIT_FAIL, "server", "out of memory");
		return 0;
	}
	c->read_eof = 1;
	server_log(s, "eof", c->id, c->nread, 1);
	if (c->save_fd != -1) {
		close(c->save_fd);
		c->save_fd = -1;
		server_save_path(s, c->id, "part", path, sizeof path);
		server_save_path(s, c->id, "bin", done, sizeof done);
		if (rename(path, done) == -1)
			peer_exit(PEER_EXIT_FAIL, "server", "rename %s: %s",
			    path, strerror(errno));
	}
	if (s->o.mode == MODE_DRAIN_REPLY || s->o.mode == MODE_SINK)
		c->reply_at = peer_now_ms() + s->o.delay_ms;
	return 0;
}

static int
conn_write(struct server *s, struct conn *c)
{
	ssize_t n;

	if (s->o.mode == MODE_SOURCE)
		conn_source_fill(s, c);
	if (conn_pending(c) == 0)
		return 0;
	n = write(c->fd, c->out + c->out_off, conn_pending(c));
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		server_log(s, "reset", c->id, 0, 0);
		return -1;
	}
	c->out_off += (size_t)n;
	return 0;
}

/* Move a connection on after I/O or a timer; -1 when it is finished. */
static int
conn_advance(struct server *s, struct conn *c, int64_t now)
{
	char line[32];
	int len;

	if (c->read_eof && !c->replying && c->reply_at != -1 &&
	    now >= c->reply_at) {
		c->replying = 1;
		if (s->o.mode == MODE_SINK) {
			len = snprintf(line, sizeof line, "%" PRIu64 "\n",
			    c->nread);
			if (conn_append(c, line, (size_t)len) == -1)
				peer_exit(PEER_EXIT_FAIL, "sink",
				    "out of memory");
		}
	}
	if (s->o.mode == MODE_SOURCE)
		conn_source_fill(s, c);
	if (!c->shut_wr && conn_pending(c) == 0 && conn_output_done(s, c)) {
		if (s->o.mode == MODE_GREET_CLOSE)
			return -1;
		shutdown(c->fd, SHUT_WR);
		c->shut_wr = 1;
	}
	if (c->shut_wr && c->read_eof)
		return -1;
	return 0;
}

static void
server_listen(struct server *s)
{
	const char *who = server_mode_names[s->o.mode];
	struct sockaddr_un sun;
	struct stat st;
	char tmp[sizeof sun.sun_path];
	FILE *f = NULL;
	int fd;

	/* Bind a temporary name and rename it into place once listening:
	 * the socket file appearing is the ready signal. */
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.%ld.tmp", s->o.socket_path,
	    (long)getpid()) >= sizeof tmp)
		peer_exit(PEER_EXIT_USAGE, who, "%s: path too long",
		    s->o.socket_path);
	if (lstat(s->o.socket_path, &st) == 0)
		peer_exit(PEER_EXIT_USAGE, who, "%s already exists",
		    s->o.socket_path);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, tmp, strlen(tmp) + 1);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1 ||
	    listen(fd, SOMAXCONN) == -1 || peer_set_nonblock(fd) == -1)
		peer_exit(PEER_EXIT_FAIL, who, "%s: %s", tmp, strerror(errno));
	s->listen_fd = fd;

	if (s->o.pidfile != NULL) {
		f = fopen(s->o.pidfile, "w");
		if (f == NULL || fprintf(f, "%ld\n", (long)getpid()) < 0 ||
		    fclose(f) != 0)
			peer_exit(PEER_EXIT_FAIL, who, "%s: %s", s->o.pidfile,
			    strerror(errno));
	}
	if (rename(tmp, s->o.socket_path) == -1)
		peer_exit(PEER_EXIT_FAIL, who, "rename to %s: %s",
		    s->o.socket_path, strerror(errno));
}

static void
server_parse(struct server_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pidfile", required_argument, NULL, 'p' },
		{ "log", required_argument, NULL, 'l' },
		{ "save-dir", required_argument, NULL, 's' },
		{ "delay", required_argument, NULL, 'd' },
		{ "greeting", required_argument, NULL, 'g' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "file", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *who = argv[0];
	double sec;
	size_t i;
	int ch, found = 0;

	for (i = 0; i < sizeof server_mode_names / sizeof *server_mode_names;
	    i++) {
		if (strcmp(argv[0], server_mode_names[i]) == 0) {
			o->mode = (enum server_mode)i;
			found = 1;
		}
	}
	if (!found) {
		peer_msg(who, "unknown mode (see nptest-peer --help)");
		exit(PEER_EXIT_USAGE);
	}
	o->greeting = "hello from nptest-peer\n";
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			o->pidfile = optarg;
			break;
		case 'l':
			o->log_path = optarg;
			break;
		case 's':
			o->save_dir = optarg;
			break;
		case 'd':
			if (peer_parse_seconds(optarg, &sec) == -1)
				peer_exit(PEER_EXIT_USAGE, who,
				    "bad --delay %s", optarg);
			o->delay_ms = (int64_t)(sec * 1000);
			break;
		case 'g':
			o->greeting = optarg;
			break;
		case 'b':
			if (peer_parse_size(optarg, &o->source_bytes) == -1)
				peer_exit(PEER_EXIT_USAGE, who,
				    "bad --bytes %s", optarg);
			break;
		case 'f':
			o->source_file = optarg;
			break;
		case 'h':
			peer_usage(stdout);
			exit(PEER_EXIT_OK);
		default:
			exit(PEER_EXIT_USAGE);
		}
	}
	if (optind != argc - 1)
		peer_exit(PEER_EXIT_USAGE, who, "expected one SOCKET argument");
	o->socket_path = argv[optind];
}

int
peer_server_main(int argc, char **argv)
{
	struct server *s = NULL;
	struct pollfd *pfd = NULL;
	struct sigaction sa;
	size_t i, n, cap = 0;
	int64_t now, wait;
	int timeout;

	if ((s = calloc(1, sizeof *s)) == NULL)
		return PEER_EXIT_FAIL;
	server_parse(&s->o, argc, argv);
	memset(s->pattern, 0x5a, sizeof s->pattern);
	s->log_fd = -1;
	if (s->o.log_path != NULL) {
		s->log_fd = open(s->o.log_path,
		    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (s->log_fd == -1)
			peer_exit(PEER_EXIT_USAGE, argv[0], "%s: %s",
			    s->o.log_path, strerror(errno));
	}

	if (pipe(server_sigpipe) == -1 ||
	    peer_set_nonblock(server_sigpipe[1]) == -1)
		peer_exit(PEER_EXIT_FAIL, argv[0], "pipe: %s", strerror(errno));
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = server_signal_cb;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	server_listen(s);

	for (;;) {
		if (cap < s->nconns + 2) {
			cap = s->nconns + 64;
			free(pfd);
			if ((pfd = calloc(cap, sizeof *pfd)) == NULL)
				peer_exit(PEER_EXIT_FAIL, argv[0],
				    "out of memory");
		}
		pfd[0].fd = server_sigpipe[0];
		pfd[0].events = POLLIN;
		pfd[1].fd = s->listen_fd;
		pfd[1].events = POLLIN;
		now = peer_now_ms();
		timeout = -1;
		for (i = 0; i < s->nconns; i++) {
			struct conn *c = s->conns[i];

			pfd[i + 2].fd = c->fd;
			pfd[i + 2].events = 0;
			pfd[i + 2].revents = 0;
			if (conn_wants_read(s, c))
				pfd[i + 2].events |= POLLIN;
			if (conn_wants_write(s, c))
				pfd[i + 2].events |= POLLOUT;
			/* Only a timer can move it: a hangup must not spin. */
			if (pfd[i + 2].events == 0)
				pfd[i + 2].fd = -1;
			if (c->read_eof && !c->replying && c->reply_at != -1) {
				wait = c->reply_at - now;
				if (wait < 0)
					wait = 0;
				if (timeout == -1 || wait < timeout)
					timeout = (int)wait;
			}
		}
		n = s->nconns;
		if (poll(pfd, n + 2, timeout) == -1) {
			if (errno == EINTR)
				continue;
			peer_exit(PEER_EXIT_FAIL, argv[0], "poll: %s",
			    strerror(errno));
		}
		if (pfd[0].revents != 0)
			break;

		now = peer_now_ms();
		for (i = 0; i < n; i++) {
			struct conn *c = s->conns[i];
			short ev = pfd[i + 2].revents;
			int r = 0;

			if (ev & (POLLIN | POLLHUP | POLLERR))
				if (conn_wants_read(s, c))
					r = conn_read(s, c);
			if (r == 0 && (ev & (POLLOUT | POLLERR)))
				if (conn_wants_write(s, c))
					r = conn_write(s, c);
			if (r == 0)
				r = conn_advance(s, c, now);
			if (r == -1) {
				conn_free(s, c);
				s->conns[i] = NULL;
			}
		}
		/* Compact after the loop: pfd indexes must stay valid. */
		for (i = 0, n = 0; i < s->nconns; i++)
			if (s->conns[i] != NULL)
				s->conns[n++] = s->conns[i];
		s->nconns = n;

		if (pfd[1].revents & POLLIN)
			server_accept(s);
	}

	unlink(s->o.socket_path);
	if (s->o.pidfile != NULL)
		unlink(s->o.pidfile);
	for (i = 0; i < s->nconns; i++)
		conn_free(s, s->conns[i]);
	free(s->conns);
	free(pfd);
	free(s);
	return PEER_EXIT_OK;
}
