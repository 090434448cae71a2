/* A route at run time: its listener, its sessions, its relay backend and
 * its counters. */
#include "route.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include <event2/event.h>

#include "acceptor.h"
#include "access.h"
#include "activation.h"
#include "listener.h"
#include "log.h"
#include "relay.h"
#include "session.h"
#include "unix_connect.h"

/*
 * Refusal lines a route logs a second: a local user can be refused as
 * fast as it connects, and each line would cost the log (on tmpfs under
 * `start`) more than the refusal costs the user. The rest are counted
 * in one line; status counts every refusal.
 */
#define ROUTE_REFUSE_LOG_PER_SEC 5

/* Win32 ERROR_PIPE_BUSY: what a Windows client over max_connections is
 * told, as a pipe with no free instance would. */
#define ROUTE_ERROR_PIPE_BUSY 231

/*
 * A session in the route's list; on an exposed route first a Windows
 * client's stream in the pending list while its socket connects, or
 * while its refusal reaches the relay.
 */
struct route_session {
	struct route *route;
	struct session *session;
	struct relay *stream;     /* pending: the Windows client's stream */
	struct unix_connect *uc;  /* pending: connecting to "connect" */
	unsigned id;
	TAILQ_ENTRY(route_session) entry;
};

struct route {
	struct event_base *base;
	const struct route_conf *conf; /* holds a reference on conf->cfg */
	const struct route_hooks *hooks;
	void *hooks_arg;
	struct relay_backend *backend;
	struct acceptor *listener; /* NULL once closed */
	struct listener_file *sock; /* our socket file, to remove only it */
	int full;               /* paused at max_connections */
	int activated;          /* socket passed by systemd: not ours to remove */
	int retired;            /* removed by a reload; sessions finishing */

	/* Counters for `status`; bytes of sessions still open are added
	 * when they end. */
	unsigned active;
	uint64_t total;
	uint64_t bytes_up;
	uint64_t bytes_down;
	uint64_t refused;
	struct log_rate refuse_rate;
	struct event *refuse_ev; /* reports what refuse_rate dropped */
	char last_error[256];
	time_t last_error_at;
	TAILQ_HEAD(, route_session) sessions;
	TAILQ_HEAD(, route_session) pending; /* exposed: not sessions yet */
};

static void __attribute__((format(printf, 2, 3)))
route_set_error(struct route *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->last_error, sizeof r->last_error, fmt, ap);
	va_end(ap);
	r->last_error_at = time(NULL);
}

/* Accept again, unless full, stopped, or the backend could not serve one
 * more client (out of descriptors). */
static void
route_resume(struct route *r)
{
	char why[128];
	int rc;

	if (r->listener == NULL || r->full)
		return;
	if ((rc = relay_backend_ready(r->backend, why, sizeof why)) > 0) {
		/* Its ready hook resumes us: the backlog holds clients. */
		acceptor_disable(r->listener);
		return;
	}
	if (rc != 0) {
		/* Leave new clients in the listen backlog for a while:
		 * nothing accepted is then lost for want of descriptors. */
		acceptor_pause(r->listener, why);
		return;
	}
	acceptor_enable(r->listener);
}

static void
route_resume_cb(void *arg)
{
	route_resume(arg);
}

/*
 * One user may not hold every slot of a shared socket: max_connections
 * would otherwise let idle connections of one local user lock everyone
 * else out. Root and the router's own user are not capped: either could
 * stop the router anyway, and a user's own router serves that user alone.
 */
static int
route_uid_over_cap(const struct route *r, uid_t uid, unsigned *open)
{
	const struct route_session *rs;
	unsigned n = 0;

	*open = 0;
	if (uid == 0 || uid == geteuid())
		return 0;
	TAILQ_FOREACH(rs, &r->sessions, entry) {
		if (session_uid(rs->session) == uid)
			n++;
	}
	*open = n;
	return n >= r->conf->max_connections_per_uid;
}

/* A session is gone (ended, or never started): count it out. */
static void
route_session_gone(struct route *r, struct route_session *rs)
{
	uint64_t up, down;

	if (rs->session != NULL) {
		session_bytes(rs->session, &up, &down);
		r->bytes_up += up;
		r->bytes_down += down;
		TAILQ_REMOVE(&r->sessions, rs, entry);
	} else if (rs->stream != NULL) {
		unix_connect_cancel(rs->uc);
		relay_free(rs->stream);
		TAILQ_REMOVE(&r->pending, rs, entry);
	}
	free(rs);
	r->active--;
	if (r->full && r->active < r->conf->max_connections) {
		r->full = 0;
		route_resume(r);
	}
	r->hooks->ended_cb(r, r->hooks_arg); /* may free R */
}

static void
route_session_ended_cb(struct session *s, void *arg)
{
	struct route_session *rs = arg;

	route_session_gone(rs->route, rs);
}

static void
route_error_hook_cb(const char *why, void *arg)
{
	route_set_error(arg, "%s", why);
}

static void
route_ready_hook_cb(void *arg)
{
	route_resume(arg);
}

static void
route_session_error_cb(const char *why, void *arg)
{
	struct route_session *rs = arg;

	route_set_error(rs->route, "%s", why);
}

static const struct session_hooks route_session_hooks = {
	route_session_ended_cb,
	route_session_error_cb,
};

/* Say how many refusals went unlogged, if any. */
static void
route_refuse_report(struct route *r, unsigned n)
{
	if (n > 0)
		log_warn("route \"%s\": %u refused connection(s) not logged",
		    r->conf->name, n);
}

/* A second after refusals were dropped: report them even if no more
 * come (the next logged line would report them too late, or never). */
static void
route_refuse_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct route *r = arg;

	route_refuse_report(r, log_rate_take(&r->refuse_rate));
}

static void __attribute__((format(printf, 2, 3)))
route_refuse_log(struct route *r, const char *fmt, ...)
{
	const struct timeval later = { 1, 0 };
	unsigned suppressed;
	va_list ap;
	int allow;

	allow = log_rate_allow(&r->refuse_rate, ROUTE_REFUSE_LOG_PER_SEC,
	    &suppressed);
	route_refuse_report(r, suppressed);
	if (allow) {
		va_start(ap, fmt);
		log_vmsg(LOG_LEVEL_WARN, fmt, ap);
		va_end(ap);
	} else if (!evtimer_pending(r->refuse_ev, NULL))
		evtimer_add(r->refuse_ev, &later);
}

static void
route_accept_cb(int fd, void *arg)
{
	struct route *r = arg;
	struct route_session *rs;
	struct access_peer peer;
	char err[256];
	unsigned open, id;

	/* Before anything is spawned: a refused peer costs nothing. */
	if (access_peer_read(fd, r->conf->nallow_gids > 0, &peer, err,
	    sizeof err) != 0) {
		route_refuse_log(r, "route \"%s\": refused a peer: %s",
		    r->conf->name, err);
		goto refused;
	}
	if (!access_allowed(r->conf, &peer)) {
		route_refuse_log(r, "route \"%s\": refused peer pid %ld uid %ld "
		    "gid %ld (not in allow_uids/allow_groups)", r->conf->name,
		    (long)peer.cred.pid, (long)peer.cred.uid,
		    (long)peer.cred.gid);
		goto refused;
	}
	if (route_uid_over_cap(r, peer.cred.uid, &open)) {
		route_refuse_log(r, "route \"%s\": refused peer pid %ld uid %ld: "
		    "it has %u connection(s) open (max_connections_per_uid)",
		    r->conf->name, (long)peer.cred.pid, (long)peer.cred.uid, open);
		goto refused;
	}
	r->active++;
	r->total++;
	id = r->hooks->accepted_cb(r->hooks_arg);
	if (r->active >= r->conf->max_connections && !r->full) {
		log_warn("route \"%s\": %u connections open (max_connections); "
		    "new clients wait", r->conf->name, r->active);
		acceptor_disable(r->listener);
		r->full = 1;
	}
	if ((rs = calloc(1, sizeof *rs)) == NULL)
		fatalx("out of memory");
	rs->route = r;
	/* The listener is enabled only when the backend is ready
	 * (route_resume). */
	rs->session = session_start(r->base, r->conf, r->backend, fd, id,
	    &peer.cred, &route_session_hooks, rs);
	access_peer_clear(&peer);
	if (rs->session != NULL)
		TAILQ_INSERT_TAIL(&r->sessions, rs, entry);
	else
		route_session_gone(r, rs);
	route_resume(r);
	return;
refused:
	access_peer_clear(&peer);
	r->refused++;
	close(fd);
}

/* A pending Windows client's stream ended (it left, or the relay took
 * our refusal and closed the instance): nothing more to do for it. */
static void
route_pending_ended_cb(struct relay *stream, const struct relay_end *end,
    void *arg)
{
	struct route_session *rs = arg;

	log_debug("route \"%s\" #%u: Windows client's stream %s",
	    rs->route->conf->name, rs->id, end->how);
	route_session_gone(rs->route, rs);
}

/* Tell the Windows client no (CODE, MSG); its stream goes once the
 * relay has closed the instance, or after the stream's linger. */
static void
route_pending_refuse(struct route_session *rs, uint32_t code,
    const char *msg)
{
	relay_refuse(rs->stream, code, msg);
	relay_drained(rs->stream);
}

static void
route_connected_cb(int fd, int err, void *arg)
{
	struct route_session *rs = arg;
	struct route *r = rs->route;
	char msg[600], why[512];

	rs->uc = NULL;
	if (fd == -1) {
		snprintf(msg, sizeof msg, "connect %s: %s",
		    r->conf->connect_path, strerror(err));
		log_warn("route \"%s\" #%u: %s; closing the Windows client",
		    r->conf->name, rs->id, msg);
		route_set_error(r, "%s", msg);
		route_pending_refuse(rs, unix_connect_win32(err), msg);
		return;
	}
	rs->session = session_start_exposed(r->base, r->conf, rs->stream, fd,
	    rs->id, &route_session_hooks, rs, why, sizeof why);
	if (rs->session == NULL) {
		snprintf(msg, sizeof msg, "adapter %s: %s", r->conf->adapter,
		    why);
		route_pending_refuse(rs, 5, msg); /* ERROR_ACCESS_DENIED */
		return;
	}
	/* The session has the stream now. */
	relay_accept(rs->stream);
	rs->stream = NULL;
	TAILQ_REMOVE(&r->pending, rs, entry);
	TAILQ_INSERT_TAIL(&r->sessions, rs, entry);
}

/* A Windows client connected to the exposed pipe (relay.h). */
static void
route_exposed_cb(struct relay *stream, void *arg)
{
	struct route *r = arg;
	struct route_session *rs;
	char msg[256];
	int full = r->active >= r->conf->max_connections;

	if ((rs = calloc(1, sizeof *rs)) == NULL)
		fatalx("out of memory");
	rs->route = r;
	rs->stream = stream;
	/* Counted while pending too, a refusal as well (its end is
	 * reported like a session's): a retired route stays until the
	 * last of them is gone. */
	r->active++;
	rs->id = r->hooks->accepted_cb(r->hooks_arg);
	relay_set_ended(stream, route_pending_ended_cb, rs);
	TAILQ_INSERT_TAIL(&r->pending, rs, entry);
	if (full) {
		snprintf(msg, sizeof msg, "%u connections open "
		    "(max_connections)", r->active - 1);
		route_refuse_log(r, "route \"%s\": refused a Windows client: "
		    "%s", r->conf->name, msg);
		r->refused++;
		route_pending_refuse(rs, ROUTE_ERROR_PIPE_BUSY, msg);
		return;
	}
	r->total++;
	rs->uc = unix_connect_start(r->base, r->conf->connect_path,
	    route_connected_cb, rs);
}

static struct relay_backend *
route_backend_new(struct route *r, const struct route_conf *rc)
{
	struct relay_backend_hooks bh;

	bh.error_cb = route_error_hook_cb;
	bh.ready_cb = route_ready_hook_cb;
	bh.exposed_cb = rc->expose_pipe != NULL ? route_exposed_cb : NULL;
	bh.arg = r;
	return relay_backend_new(r->base, rc, &bh);
}

/* Whether sessions of B and A may share one backend. */
static int
route_same_relay(const struct route_conf *a, const struct route_conf *b)
{
	return a->mode == b->mode && strcmp(a->relay.path, b->relay.path) == 0 &&
	    (a->relay.cwd == NULL) == (b->relay.cwd == NULL) &&
	    (a->relay.cwd == NULL || strcmp(a->relay.cwd, b->relay.cwd) == 0);
}

struct route *
route_open(struct event_base *base, const struct route_conf *rc,
    const struct route_hooks *hooks, void *arg)
{
	struct route *r = NULL;
	char err[512], label[256];
	int fd, replaced = 0;

	if ((r = calloc(1, sizeof *r)) == NULL)
		fatalx("out of memory");
	r->base = base;
	r->conf = rc;
	config_ref(rc->cfg);
	r->hooks = hooks;
	r->hooks_arg = arg;
	TAILQ_INIT(&r->sessions);
	TAILQ_INIT(&r->pending);
	if ((r->refuse_ev = evtimer_new(base, route_refuse_timer_cb, r)) == NULL)
		fatalx("out of memory");
	if (rc->expose_pipe != NULL) {
		/* No socket of ours: the relay serves the pipe. */
		r->backend = route_backend_new(r, rc);
		log_info("route \"%s\": exposing %s to Windows, to reach %s",
		    rc->name, rc->expose_pipe, rc->connect_path);
		return r;
	}
	if ((fd = activation_take(rc->name)) != -1) {
		r->activated = 1;
		evutil_make_socket_nonblocking(fd);
		log_info("route \"%s\": using the socket passed by systemd",
		    rc->name);
	} else {
		fd = listener_open(rc->listen_path, rc->listen_mode,
		    rc->has_group ? rc->listen_gid : LISTENER_NO_GROUP,
		    &r->sock, &replaced, err, sizeof err);
	}
	if (fd == -1) {
		log_error("route \"%s\": %s", rc->name, err);
		event_free(r->refuse_ev);
		config_free(rc->cfg);
		free(r);
		return NULL;
	}
	if (replaced)
		log_info("route \"%s\": removed stale socket %s", rc->name,
		    rc->listen_path);
	snprintf(label, sizeof label, "route \"%s\"", rc->name);
	r->listener = acceptor_new(base, fd, label, route_accept_cb,
	    route_resume_cb, r);
	r->backend = route_backend_new(r, rc);
	acceptor_disable(r->listener);
	route_resume(r);
	if (!r->activated)
		log_info("route \"%s\": listening on %s", rc->name,
		    rc->listen_path);
	return r;
}

void
route_set_conf(struct route *r, const struct route_conf *rc)
{
	/* Another relay: new sessions get a new backend; the old one ends
	 * with its last relay (relay_backend_free()). */
	if (!route_same_relay(r->conf, rc)) {
		relay_backend_free(r->backend);
		r->backend = route_backend_new(r, rc);
		route_resume(r); /* a probe keeps clients in the backlog */
	}
	config_ref(rc->cfg);
	config_free(r->conf->cfg);
	r->conf = rc;
}

void
route_close_listener(struct route *r)
{
	if (r->listener == NULL)
		return;
	acceptor_free(r->listener);
	r->listener = NULL;
	/* No more refusals: the count left goes out now. */
	evtimer_del(r->refuse_ev);
	route_refuse_report(r, log_rate_take(&r->refuse_rate));
	listener_remove(r->sock); /* NULL for a socket systemd passed */
	r->sock = NULL;
}

void
route_stop(struct route *r)
{
	route_close_listener(r);
	relay_backend_stop(r->backend);
}

void
route_retire(struct route *r)
{
	route_close_listener(r);
	relay_backend_unexpose(r->backend);
	r->retired = 1;
}

unsigned
route_end_relays(struct route *r, int hard)
{
	return relay_backend_end(r->backend, hard);
}

void
route_abort_sessions(struct route *r)
{
	struct route_session *rs;
	int last;

	while ((rs = TAILQ_FIRST(&r->pending)) != NULL) {
		/* The end of a retired route's last session may free it. */
		last = TAILQ_NEXT(rs, entry) == NULL &&
		    TAILQ_EMPTY(&r->sessions);
		route_session_gone(r, rs);
		if (last)
			return;
	}
	while ((rs = TAILQ_FIRST(&r->sessions)) != NULL) {
		last = TAILQ_NEXT(rs, entry) == NULL;
		session_abort(rs->session);
		if (last)
			break;
	}
}

void
route_free(struct route *r)
{
	route_close_listener(r);
	relay_backend_free(r->backend);
	event_free(r->refuse_ev);
	config_free(r->conf->cfg);
	free(r);
}

const struct route_conf *
route_conf(const struct route *r)
{
	return r->conf;
}

int
route_retired(const struct route *r)
{
	return r->retired;
}

unsigned
route_active(const struct route *r)
{
	return r->active;
}

void
route_stats(const struct route *r, struct route_stats *st)
{
	const struct route_session *rs;
	uint64_t up, down;

	memset(st, 0, sizeof *st);
	st->listening = r->listener != NULL;
	st->active = r->active;
	st->total = r->total;
	st->bytes_up = r->bytes_up;
	st->bytes_down = r->bytes_down;
	/* Finished sessions are in the totals; add the open ones. */
	TAILQ_FOREACH(rs, &r->sessions, entry) {
		session_bytes(rs->session, &up, &down);
		st->bytes_up += up;
		st->bytes_down += down;
	}
	st->relay_starts = relay_backend_starts(r->backend);
	st->relay_failures = relay_backend_failures(r->backend);
	relay_backend_info(r->backend, &st->relay);
	st->refused = r->refused;
	st->last_error = r->last_error[0] != '\0' ? r->last_error : NULL;
	st->last_error_at = r->last_error_at;
}
