/*
 * The spawn relay backend: one relay child per connection, as npiperelay
 * is used with socat. Everything that knows about processes is here: the
 * descriptors made before a client is accepted, the child itself (in a
 * process group of its own, ended as a whole), its stderr in the log, its
 * exit status, and the linger that ends a relay outliving its use.
 */
#include "relay_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/util.h>

#include "chan.h"
#include "child.h"
#include "log.h"
#include "relay_err.h"

/* Grace for a relay that keeps running after both directions ended, or
 * after its client left. */
#define SPAWN_LINGER_SECS 2
/* After SIGTERM, how long a relay has before SIGKILL. */
#define SPAWN_TERM_SECS 5

/* A child's stdin, stdout and stderr, our end first. */
struct spawn_fds {
	int in[2];
	int out[2];
	int err[2];
};

struct spawn_relay {
	struct relay base; /* first: relay.c sees this */
	TAILQ_ENTRY(spawn_relay) entry;
	const char *route; /* its config generation outlives it */
	unsigned id;
	pid_t pid;         /* leader of its own process group */
	int exited;
	struct relay_err *err; /* its stderr, logged */
	struct event *ev_linger;
	int lingering;     /* ev_linger counts down to a signal */
	int drained;       /* both directions done (else: the client left) */
	int client_gone;
	size_t linger_backlog; /* bytes owed to the relay when last checked */
	int linger_signal;
};

struct spawn_backend {
	struct relay_backend base; /* first: relay.c sees this */
	struct spawn_fds next;     /* the next relay's descriptors */
	int have_next;
	TAILQ_HEAD(, spawn_relay) relays;
};

static void __attribute__((format(printf, 3, 4)))
spawn_log(struct spawn_relay *sr, enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vsession(level, sr->route, sr->id, fmt, ap);
	va_end(ap);
}

static void
spawn_fds_close(struct spawn_fds *f)
{
	int *all[] = { f->in, f->out, f->err };

	for (size_t i = 0; i < 3; i++) {
		for (int j = 0; j < 2; j++) {
			if (all[i][j] != -1)
				close(all[i][j]);
			all[i][j] = -1;
		}
	}
}

/* -1 with errno (EMFILE...) when they cannot be had. */
static int
spawn_fds_open(struct spawn_fds *f)
{
	int saved;

	f->in[0] = f->in[1] = f->out[0] = f->out[1] = -1;
	f->err[0] = f->err[1] = -1;
	/* The relay's stdin and stdout are separate sockets, so a relay may
	 * end its output by closing stdout alone, not only by exiting. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, f->in) != 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, f->out) != 0 ||
	    pipe2(f->err, O_CLOEXEC) != 0) {
		saved = errno;
		spawn_fds_close(f);
		errno = saved;
		return -1;
	}
	evutil_make_socket_nonblocking(f->in[0]);
	evutil_make_socket_nonblocking(f->out[0]);
	evutil_make_socket_nonblocking(f->err[0]);
	return 0;
}

static int
spawn_ready(struct relay_backend *b, char *err, size_t errlen)
{
	struct spawn_backend *sb = (struct spawn_backend *)b;

	if (sb->have_next)
		return 0;
	if (spawn_fds_open(&sb->next) != 0) {
		snprintf(err, errlen, "cannot make a relay's sockets: %s",
		    strerror(errno));
		return -1;
	}
	sb->have_next = 1;
	return 0;
}

static unsigned
spawn_end(struct relay_backend *b, int hard)
{
	struct spawn_backend *sb = (struct spawn_backend *)b;
	struct spawn_relay *sr;
	unsigned n = 0;

	TAILQ_FOREACH(sr, &sb->relays, entry) {
		if (sr->exited)
			continue;
		child_kill_group(sr->pid, hard ? SIGKILL : SIGTERM);
		n++;
	}
	return n;
}

static void
spawn_backend_free(struct relay_backend *b)
{
	struct spawn_backend *sb = (struct spawn_backend *)b;

	if (!TAILQ_EMPTY(&sb->relays))
		fatalx("relay backend freed with relays open");
	if (sb->have_next)
		spawn_fds_close(&sb->next);
	free(sb);
}

/* Give a relay that outlives its use SPAWN_LINGER_SECS to end. */
static void
spawn_linger_start(struct spawn_relay *sr)
{
	struct timeval tv = { SPAWN_LINGER_SECS, 0 };

	if (sr->lingering || sr->exited)
		return;
	sr->lingering = 1;
	sr->linger_backlog = evbuffer_get_length(chan_output(sr->base.chan));
	evtimer_add(sr->ev_linger, &tv);
}

/* After its client left, a relay still taking the client's last bytes
 * is not lingering: a request sent without waiting for the answer
 * still arrives whole. */
static int
spawn_relay_progressed(struct spawn_relay *sr)
{
	size_t backlog = evbuffer_get_length(chan_output(sr->base.chan));
	int progressed;

	if (!sr->client_gone || chan_write_done(sr->base.chan) ||
	    sr->linger_signal != 0)
		return 0;
	progressed = backlog < sr->linger_backlog;
	sr->linger_backlog = backlog;
	return progressed;
}

static void
spawn_linger_cb(evutil_socket_t fd, short what, void *arg)
{
	struct spawn_relay *sr = arg;
	struct timeval tv = { SPAWN_LINGER_SECS, 0 };

	if (spawn_relay_progressed(sr)) {
		evtimer_add(sr->ev_linger, &tv);
		return;
	}
	sr->linger_signal = sr->linger_signal == 0 ? SIGTERM : SIGKILL;
	spawn_log(sr, LOG_LEVEL_INFO, "relay still running after %s; "
	    "sending %s", sr->drained ? "both directions ended" :
	    "its client finished",
	    sr->linger_signal == SIGTERM ? "SIGTERM" : "SIGKILL");
	child_kill_group(sr->pid, sr->linger_signal);
	if (sr->linger_signal == SIGTERM) {
		tv.tv_sec = SPAWN_TERM_SECS;
		evtimer_add(sr->ev_linger, &tv);
	}
}

/* A relay that failed: what it said last on stderr is why (nprelay
 * prints one line, "nprelay: TARGET: what: text (error N)"). */
static void
spawn_failure(struct spawn_relay *sr, int status)
{
	static const char prefix[] = "nprelay: ";
	const char *line = relay_err_last(sr->err);

	if (strncmp(line, prefix, sizeof prefix - 1) == 0)
		line += sizeof prefix - 1;
	relay_set_failure(&sr->base, WIFEXITED(status) ?
	    WEXITSTATUS(status) : -1, relay_err_code(line), line,
	    strlen(line));
}

static void
spawn_exit_cb(pid_t pid, int status, void *arg)
{
	struct spawn_relay *sr = arg;
	char how[64];
	int failed;

	sr->exited = 1;
	/* A relay is one process: what it left behind in its group (a
	 * grandchild holding its stdout, say) goes with it, now, while the
	 * group's number cannot have been reused. */
	if (child_kill_group(pid, SIGKILL) == 0)
		spawn_log(sr, LOG_LEVEL_WARN, "relay left processes behind in "
		    "its process group; killed them");
	evtimer_del(sr->ev_linger);
	child_describe_status(status, how, sizeof how);
	/* A relay we ended ourselves has not failed. */
	failed = status != 0 && sr->linger_signal == 0;
	if (failed) {
		relay_backend_count_failure(sr->base.backend, "relay %s", how);
		spawn_failure(sr, status);
	}
	relay_report_end(&sr->base, how, failed);
}

static struct relay *
spawn_open(struct relay_backend *b, const struct route_conf *rc, unsigned id,
    char *err, size_t errlen)
{
	struct spawn_backend *sb = (struct spawn_backend *)b;
	struct spawn_relay *sr = NULL;
	struct spawn_fds fds;
	char **argv = NULL;
	pid_t pid;

	/* Made before the client was accepted (spawn_ready()), normally. */
	if (spawn_ready(b, err, errlen) != 0) {
		relay_backend_count_failure(b, "%s", err);
		return NULL;
	}
	fds = sb->next;
	sb->have_next = 0;
	if ((argv = relay_argv(rc)) == NULL)
		fatalx("out of memory");
	if (child_spawn(argv, rc->relay.cwd, fds.in[1], fds.out[1], fds.err[1],
	    &pid, err, errlen) != 0) {
		relay_backend_count_failure(b, "%s", err);
		goto out;
	}
	relay_backend_count_start(b);
	if ((sr = calloc(1, sizeof *sr)) == NULL)
		fatalx("out of memory");
	sr->pid = pid;
	sr->route = rc->name;
	sr->id = id;
	if (child_watch(pid, spawn_exit_cb, sr) != 0)
		fatalx("out of memory");
	spawn_log(sr, LOG_LEVEL_DEBUG, "relay pid %ld started", (long)pid);
	sr->base.chan = chan_new(b->base, fds.out[0], fds.in[0]);
	sr->err = relay_err_new(b->base, fds.err[0], rc->name, id);
	fds.out[0] = fds.in[0] = fds.err[0] = -1;
	if ((sr->ev_linger = evtimer_new(b->base, spawn_linger_cb, sr)) == NULL)
		fatalx("out of memory for a timer");
	TAILQ_INSERT_TAIL(&sb->relays, sr, entry);
out:
	free(argv);
	spawn_fds_close(&fds); /* the child's ends: it has its own copies */
	return sr != NULL ? &sr->base : NULL;
}

static void
spawn_drained(struct relay *r)
{
	struct spawn_relay *sr = (struct spawn_relay *)r;

	sr->drained = 1;
	spawn_linger_start(sr);
}

static void
spawn_client_gone(struct relay *r)
{
	struct spawn_relay *sr = (struct spawn_relay *)r;

	sr->client_gone = 1;
	spawn_linger_start(sr);
}

static void
spawn_free(struct relay *r)
{
	struct spawn_relay *sr = (struct spawn_relay *)r;
	struct spawn_backend *sb = (struct spawn_backend *)r->backend;

	if (!sr->exited) {
		/* Killed before it is forgotten (and reaped by nobody). */
		child_kill_group(sr->pid, SIGKILL);
		child_forget(sr->pid);
	}
	TAILQ_REMOVE(&sb->relays, sr, entry);
	relay_err_free(sr->err);
	chan_free(sr->base.chan);
	event_free(sr->ev_linger);
	free(sr);
}

static const struct relay_ops spawn_ops = {
	.ready = spawn_ready,
	.end = spawn_end,
	.backend_free = spawn_backend_free,
	.open = spawn_open,
	.drained = spawn_drained,
	.client_gone = spawn_client_gone,
	.free = spawn_free,
};

struct relay_backend *
relay_spawn_new(void)
{
	struct spawn_backend *sb;

	if ((sb = calloc(1, sizeof *sb)) == NULL)
		fatalx("out of memory");
	sb->base.ops = &spawn_ops;
	TAILQ_INIT(&sb->relays);
	return &sb->base;
}
