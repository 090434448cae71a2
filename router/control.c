/* The control socket of a running instance, and its client. */
#include "control.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "acceptor.h"
#include "access.h"
#include "listener.h"
#include "log.h"
#include "server.h"
#include "status.h"

#define CONTROL_LINE_MAX 256

struct control {
	struct server *srv;
	struct acceptor *listener;
	char *path;
	struct listener_file *sock;
};

/* Freed once its answer is written; a "stop" takes effect only then, so
 * the asker hears "ok" before the loop may end. */
struct control_conn {
	struct control *ctl;
	int stop_after;
};

static void
control_conn_free(struct bufferevent *bev, struct control_conn *c)
{
	struct server *srv = c->ctl->srv;
	int stop = c->stop_after;

	bufferevent_free(bev);
	free(c);
	if (stop)
		server_stop(srv);
}

static void
control_answer(struct control_conn *c, const char *cmd, struct evbuffer *out)
{
	struct server *srv = c->ctl->srv;
	struct config_errors errs = { NULL, 0 };
	const struct config *cfg;

	if (strcmp(cmd, "status") == 0) {
		evbuffer_add_printf(out, "ok\n");
		status_render_text(srv, out);
	} else if (strcmp(cmd, "status json") == 0) {
		evbuffer_add_printf(out, "ok\n");
		status_render_json(srv, out);
	} else if (strcmp(cmd, "env") == 0) {
		evbuffer_add_printf(out, "ok\n");
		status_render_env(srv, out);
	} else if (strcmp(cmd, "exposures") == 0) {
		/* For `doctor`: what the relays said of the exposed pipes. */
		evbuffer_add_printf(out, "ok\n");
		status_render_exposures(srv, out);
	} else if (strcmp(cmd, "reload") == 0 && server_stopping(srv)) {
		evbuffer_add_printf(out, "stopping\nnot reloaded: npiperouter "
		    "is stopping, waiting for %u session(s) to end\n",
		    server_sessions(srv));
	} else if (strcmp(cmd, "reload") == 0) {
		if (server_reload(srv, &errs) == 0) {
			cfg = server_config(srv);
			evbuffer_add_printf(out, "ok\nreloaded %s: %zu route(s)\n",
			    cfg->file, cfg->nroutes);
		} else {
			evbuffer_add_printf(out, "error\n");
			for (size_t i = 0; i < errs.n; i++)
				evbuffer_add_printf(out, "%s\n", errs.lines[i]);
			if (errs.n > 0)
				evbuffer_add_printf(out, "the running "
				    "configuration was kept\n");
			else
				evbuffer_add_printf(out, "reloaded, but some "
				    "routes could not listen: see the log\n");
		}
		config_errors_free(&errs);
	} else if (strcmp(cmd, "stop") == 0) {
		evbuffer_add_printf(out, "ok\nstopping\n");
		c->stop_after = 1;
	} else {
		evbuffer_add_printf(out, "error\nunknown request \"%s\"\n", cmd);
	}
}

static void
control_read_cb(struct bufferevent *bev, void *arg)
{
	struct control_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line;

	if ((line = evbuffer_readln(in, NULL, EVBUFFER_EOL_LF)) == NULL) {
		if (evbuffer_get_length(in) > CONTROL_LINE_MAX)
			control_conn_free(bev, c);
		return;
	}
	bufferevent_disable(bev, EV_READ);
	control_answer(c, line, bufferevent_get_output(bev));
	free(line);
	/* Writing is enabled only now: the write callback means "answered". */
	bufferevent_enable(bev, EV_WRITE);
}

static void
control_write_cb(struct bufferevent *bev, void *arg)
{
	control_conn_free(bev, arg);
}

static void
control_event_cb(struct bufferevent *bev, short what, void *arg)
{
	control_conn_free(bev, arg);
}

static void
control_accept_cb(int fd, void *arg)
{
	struct control *ctl = arg;
	struct control_conn *c = NULL;
	struct bufferevent *bev;
	struct access_peer peer;
	char err[256];

	/* The socket is 0600 already; this also holds if someone widens it. */
	if (access_peer_read(fd, 0, &peer, err, sizeof err) != 0) {
		log_warn("control: refused a request: %s", err);
		close(fd);
		return;
	}
	if (peer.cred.uid != geteuid() && peer.cred.uid != 0) {
		log_warn("control: refused a request from uid %ld",
		    (long)peer.cred.uid);
		close(fd);
		return;
	}
	bev = bufferevent_socket_new(server_base(ctl->srv), fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL || (c = calloc(1, sizeof *c)) == NULL)
		fatalx("out of memory");
	c->ctl = ctl;
	bufferevent_setcb(bev, control_read_cb, control_write_cb,
	    control_event_cb, c);
	bufferevent_enable(bev, EV_READ);
}

struct control *
control_open(struct server *srv, const char *path, char *err, size_t errlen)
{
	struct control *ctl = NULL;
	int fd, replaced;

	if ((ctl = calloc(1, sizeof *ctl)) == NULL ||
	    (ctl->path = strdup(path)) == NULL)
		fatalx("out of memory");
	ctl->srv = srv;
	fd = listener_open(path, 0600, LISTENER_NO_GROUP, &ctl->sock, &replaced,
	    err, errlen);
	if (fd == -1) {
		free(ctl->path);
		free(ctl);
		return NULL;
	}
	/* Out of descriptors, a waiting `status` must not make us spin. */
	ctl->listener = acceptor_new(server_base(srv), fd, "control socket",
	    control_accept_cb, NULL, ctl);
	return ctl;
}

void
control_free(struct control *ctl)
{
	if (ctl == NULL)
		return;
	acceptor_free(ctl->listener);
	listener_remove(ctl->sock);
	free(ctl->path);
	free(ctl);
}

int
control_request(const char *path, const char *cmd, char **text, char *err,
    size_t errlen)
{
	return control_request_within(path, cmd, 60, text, err, errlen);
}

int
control_request_within(const char *path, const char *cmd, unsigned secs,
    char **text, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct timeval tv = { (time_t)secs, 0 };
	struct ucred cred;
	socklen_t credlen = sizeof cred;
	char *buf = NULL, *nl, line[CONTROL_LINE_MAX];
	size_t len = 0, cap = 0;
	int linelen;
	ssize_t n;
	int fd = -1, rc = -1;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		snprintf(err, errlen, "control socket %s is %zu bytes; the limit "
		    "is %zu", path, strlen(path), sizeof sun.sun_path - 1);
		goto out;
	}
	memcpy(sun.sun_path, path, strlen(path));
	/* The send timeout bounds connect() too: a hung instance's full
	 * backlog would keep it waiting for ever. */
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		if (errno == EAGAIN) {
			snprintf(err, errlen, "%s: its backlog stayed full for "
			    "%us", path, secs);
			rc = CONTROL_HUNG;
		} else
			snprintf(err, errlen, "no npiperouter answers on %s: "
			    "%s", path, strerror(errno));
		goto out;
	}
	/*
	 * Only our own instance, or root's, may answer: a stranger's socket
	 * at this path (a runtime folder someone else controls) must not
	 * be told our request nor have its answer printed as ours.
	 */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &credlen) != 0) {
		snprintf(err, errlen, "%s: cannot read its owner: %s", path,
		    strerror(errno));
		rc = CONTROL_REFUSED;
		goto out;
	}
	if (cred.uid != geteuid() && cred.uid != 0) {
		snprintf(err, errlen, "%s is served by uid %ld (pid %ld), not by "
		    "uid %ld or root: not asking it", path, (long)cred.uid,
		    (long)cred.pid, (long)geteuid());
		rc = CONTROL_REFUSED;
		goto out;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	linelen = snprintf(line, sizeof line, "%s\n", cmd);
	if (send(fd, line, (size_t)linelen, MSG_NOSIGNAL) != linelen) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	for (;;) {
		if (len > CONTROL_ANSWER_MAX) {
			snprintf(err, errlen, "%s: the answer is longer than %d "
			    "bytes", path, CONTROL_ANSWER_MAX);
			rc = CONTROL_REFUSED;
			goto out;
		}
		if (len + 4096 + 1 > cap) {
			cap = cap == 0 ? 8192 : cap * 2;
			if ((buf = realloc(buf, cap)) == NULL)
				fatalx("out of memory");
		}
		if ((n = read(fd, buf + len, cap - len - 1)) <= 0)
			break;
		len += (size_t)n;
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		snprintf(err, errlen, "%s: no answer within %us", path, secs);
		rc = CONTROL_HUNG;
		goto out;
	}
	if (n < 0 || buf == NULL) {
		snprintf(err, errlen, "%s: no answer: %s", path,
		    n < 0 ? strerror(errno) : "closed");
		goto out;
	}
	buf[len] = '\0';
	if ((nl = strchr(buf, '\n')) == NULL) {
		snprintf(err, errlen, "%s: incomplete answer", path);
		goto out;
	}
	*nl = '\0';
	if (strcmp(buf, "ok") == 0)
		rc = 0;
	else if (strcmp(buf, "stopping") == 0)
		rc = CONTROL_STOPPING;
	else
		rc = 1;
	*text = strdup(nl + 1);
out:
	free(buf);
	if (fd != -1)
		close(fd);
	return rc;
}
