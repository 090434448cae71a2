/* A route at run time: its listener, its sessions and its counters. */
#include "route.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "acceptor.h"
#include "access.h"
#include "activation.h"
#include "listener.h"
#include "log.h"
#include "server.h"
#include "session.h"

/* Have the next session's descriptors ready before accepting it. */
static int
route_prepare(struct route *r)
{
	if (r->have_next)
		return 0;
	if (session_fds_open(&r->next) != 0)
		return -1;
	r->have_next = 1;
	return 0;
}

/* Accept again, unless full, stopped, or out of descriptors. */
static void
route_resume(struct route *r)
{
	char why[128];

	if (r->listener == NULL || r->full)
		return;
	if (route_prepare(r) != 0) {
		snprintf(why, sizeof why, "cannot make a relay's sockets: %s",
		    strerror(errno));
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
	const struct session *s;
	unsigned n = 0;

	*open = 0;
	if (uid == 0 || uid == geteuid())
		return 0;
	TAILQ_FOREACH(s, &r->sessions, entry) {
		if (s->uid == uid)
			n++;
	}
	*open = n;
	return n >= r->conf->max_connections_per_uid;
}

static void
route_accept_cb(int fd, void *arg)
{
	struct route *r = arg;
	struct server *srv = r->server;
	struct access_peer peer;
	char err[256];
	unsigned open;

	/* Before anything is spawned: a refused peer costs nothing. */
	if (access_peer_read(fd, r->conf->nallow_gids > 0, &peer, err,
	    sizeof err) != 0) {
		log_warn("route \"%s\": refused a peer: %s", r->conf->name,
		    err);
		goto refused;
	}
	if (!access_allowed(r->conf, &peer)) {
		log_warn("route \"%s\": refused peer pid %ld uid %ld gid %ld "
		    "(not in allow_uids/allow_groups)", r->conf->name,
		    (long)peer.cred.pid, (long)peer.cred.uid,
		    (long)peer.cred.gid);
		goto refused;
	}
	if (route_uid_over_cap(r, peer.cred.uid, &open)) {
		log_warn("route \"%s\": refused peer pid %ld uid %ld: it has %u "
		    "connection(s) open (max_connections_per_uid)",
		    r->conf->name, (long)peer.cred.pid, (long)peer.cred.uid, open);
		goto refused;
	}
	r->active++;
	r->total++;
	srv->nsessions++;
	if (r->active >= r->conf->max_connections && !r->full) {
		log_warn("route \"%s\": %u connections open (max_connections); "
		    "new clients wait", r->conf->name, r->active);
		acceptor_disable(r->listener);
		r->full = 1;
	}
	/* The listener is enabled only with descriptors ready (route_resume). */
	r->have_next = 0;
	session_start(r, fd, ++srv->next_session_id, &peer.cred, &r->next);
	access_peer_clear(&peer);
	route_resume(r);
	return;
refused:
	access_peer_clear(&peer);
	r->refused++;
	close(fd);
}

struct route *
route_open(struct server *srv, const struct route_conf *rc)
{
	struct route *r = NULL;
	char err[512], label[256];
	int fd, replaced = 0;

	if ((r = calloc(1, sizeof *r)) == NULL)
		fatalx("out of memory");
	r->server = srv;
	r->conf = rc;
	config_ref(rc->cfg);
	TAILQ_INIT(&r->sessions);
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
		config_free(rc->cfg);
		free(r);
		return NULL;
	}
	if (replaced)
		log_info("route \"%s\": removed stale socket %s", rc->name,
		    rc->listen_path);
	snprintf(label, sizeof label, "route \"%s\"", rc->name);
	r->listener = acceptor_new(srv->base, fd, label, route_accept_cb,
	    route_resume_cb, r);
	acceptor_disable(r->listener);
	route_resume(r);
	if (!r->activated)
		log_info("route \"%s\": listening on %s", rc->name,
		    rc->listen_path);
	return r;
}

void
route_close_listener(struct route *r)
{
	if (r->listener == NULL)
		return;
	acceptor_free(r->listener);
	r->listener = NULL;
	listener_remove(r->sock); /* NULL for a socket systemd passed */
	r->sock = NULL;
}

unsigned
route_signal_sessions(struct route *r, int sig)
{
	struct session *s;
	unsigned n = 0;

	TAILQ_FOREACH(s, &r->sessions, entry)
		n += (unsigned)session_signal(s, sig);
	return n;
}

void
route_free(struct route *r)
{
	route_close_listener(r);
	if (r->have_next)
		session_fds_close(&r->next);
	config_free(r->conf->cfg);
	free(r);
}

void
route_set_conf(struct route *r, const struct route_conf *rc)
{
	config_ref(rc->cfg);
	config_free(r->conf->cfg);
	r->conf = rc;
}

void
route_set_error(struct route *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->last_error, sizeof r->last_error, fmt, ap);
	va_end(ap);
	r->last_error_at = time(NULL);
}

void
route_session_ended(struct route *r, struct session *s)
{
	TAILQ_REMOVE(&r->sessions, s, entry);
	r->bytes_up += s->up.bytes;
	r->bytes_down += s->down.bytes;
	r->active--;
	if (r->full && r->active < r->conf->max_connections) {
		r->full = 0;
		route_resume(r);
	}
	server_session_ended(r->server); /* may free R */
	config_free(s->cfg);
	s->cfg = NULL;
}
