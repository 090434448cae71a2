/*
 * The docker adapter's bodies with bind sources (PH_REWRITE): held whole
 * up to max_body, then sent on unchanged or rewritten with a
 * Content-Length; larger ones sent on chunked as they come, only the
 * values with sources held (docker_jscan.c) and rewritten
 * (docker_body.c). And the client's folder, for relative sources.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "docker.h"
#include "docker_body.h"
#include "docker_http.h"
#include "docker_jscan.h"

/*
 * The client's working folder, for relative bind sources: the link
 * /proc/PID/cwd of the peer (SO_PEERCRED), read when the session opens
 * (the CLI does not change folders while it runs). NULL when it cannot
 * be read: no pid, another user's process, another pid namespace.
 */
char *
docker_rewrite_cwd(pid_t pid)
{
	char link[64], path[PATH_MAX];
	ssize_t n;

	if (pid <= 0)
		return NULL;
	snprintf(link, sizeof link, "/proc/%ld/cwd", (long)pid);
	if ((n = readlink(link, path, sizeof path - 1)) <= 0 ||
	    (size_t)n >= sizeof path - 1 || path[0] != '/')
		return NULL;
	path[n] = '\0';
	return strdup(path);
}

static void
docker_rewrite_log_cb(void *arg, const char *where, const char *from,
    const char *to)
{
	struct npr_session *s = arg;
	struct docker_session *ds = s->state;

	ds->rewrote = 1;
	s->host->log(s, NPR_LOG_INFO, "docker: bind source %s rewritten to %s "
	    "(%s)", from, to, where);
}

static int
docker_held_cb(void *arg, size_t which, const char *held, size_t len,
    char **out, size_t *outlen)
{
	struct npr_session *s = arg;
	const struct docker_route *dr = s->route_state;
	struct docker_session *ds = s->state;
	struct docker_body_ctx ctx = { &dr->paths, ds->cwd,
		docker_rewrite_log_cb, s, ds->to_wsl };

	return docker_body_value(&ctx, ds->target.body, which, held, len, out,
	    outlen);
}

/* Queue LEN bytes of body as one chunk (none for LEN 0). */
static int
docker_forward_chunk(struct npr_session *s, struct npr_io *io,
    const char *data, size_t len)
{
	char line[32];
	int n;

	if (len == 0)
		return 0;
	n = snprintf(line, sizeof line, "%zx\r\n", len);
	return s->host->forward(io, line, (size_t)n) != 0 ||
	    s->host->forward(io, data, len) != 0 ||
	    s->host->forward(io, "\r\n", 2) != 0 ? -1 : 0;
}

/* PH_REWRITE is over: the request has gone on. */
static void
docker_rewrite_done(struct npr_session *s)
{
	const struct docker_route *dr = s->route_state;
	struct docker_session *ds = s->state;
	struct docker_req *r = ds->reqs.cur;
	const char *why = docker_jscan_error(ds->jscan);

	if (why != NULL)
		s->host->log(s, NPR_LOG_WARN, "docker: %s %s: the body is not JSON "
		    "that can be read (%s): %s", r->method, r->path, why,
		    ds->rewrote ? "the rest passed unchanged" : "passed unchanged");
	if (docker_jscan_over(ds->jscan))
		s->host->log(s, NPR_LOG_WARN, "docker: %s %s: bind sources passed "
		    "unchanged: they take more than this socket's limit of %zu "
		    "bytes (max_body)", r->method, r->path, dr->max_body);
	docker_jscan_free(ds->jscan);
	ds->jscan = NULL;
	free(ds->raw.data);
	memset(&ds->raw, 0, sizeof ds->raw);
}

/*
 * The body is over max_body: HTTP/1.1 goes on chunked from here, the
 * head first (the rewritten body's length is not known yet); HTTP/1.0
 * cannot, and passes unchanged.
 */
static int
docker_rewrite_stream(struct npr_session *s, struct dh_stream *st,
    struct npr_io *io)
{
	struct docker_session *ds = s->state;
	struct docker_req *r = ds->reqs.cur;
	const char *out = NULL;
	char *head = NULL;
	size_t hlen, olen;
	int rc = -1;

	if (st->p.http_minor == 0) {
		if (s->host->forward(io, ds->raw.data, ds->raw.len) != 0)
			return -1;
		s->host->log(s, NPR_LOG_WARN, "docker: %s %s: bind sources passed "
		    "unchanged: an HTTP/1.0 body over this socket's max_body cannot "
		    "be sent on chunked", r->method, r->path);
		docker_rewrite_done(s);
		docker_phase(s, NPR_FROM_CLIENT, PH_PASS);
		return 0;
	}
	out = docker_jscan_out(ds->jscan, &olen);
	if ((hlen = dh_request_head(st, DH_CHUNKED, &head)) == 0 ||
	    s->host->forward(io, head, hlen) != 0 ||
	    docker_forward_chunk(s, io, out, olen) != 0)
		goto out;
	docker_jscan_taken(ds->jscan);
	ds->streaming = 1;
	ds->raw.len = 0;
	rc = 0;
out:
	free(head);
	return rc;
}

/*
 * PH_REWRITE: the body as http-parser hands it out goes through the
 * scanner. Up to max_body, the request is held as it came: at its end
 * it goes on unchanged, or rewritten with a Content-Length. Past it, it
 * goes on chunked as it comes (docker_rewrite_stream()). BUF: the view,
 * of which st->fed bytes were parsed; EV: what dh_feed() stopped at.
 * Returns 0, or -1 out of memory.
 */
int
docker_rewrite_body(struct npr_session *s, struct dh_stream *st,
    const unsigned char *buf, enum dh_event ev, struct npr_io *io)
{
	const struct docker_route *dr = s->route_state;
	struct docker_session *ds = s->state;
	const char *out = NULL;
	char *head = NULL;
	size_t hlen, olen;

	if (ds->jscan == NULL) {
		ds->rewrote = 0;
		ds->streaming = 0;
		if ((ds->jscan = docker_jscan_new(docker_body_paths(ds->target.body),
		    dr->max_body, docker_held_cb, s)) == NULL)
			return -1;
	}
	ds->reqs.cur->in += st->fed;
	if (docker_jscan_feed(ds->jscan, st->body.data ? st->body.data : "",
	    st->body.len) != 0 || (ev == DH_END &&
	    docker_jscan_end(ds->jscan) != 0))
		return -1;
	st->body.len = 0;
	if (ds->streaming) {
		out = docker_jscan_out(ds->jscan, &olen);
		if (docker_forward_chunk(s, io, out, olen) != 0)
			return -1;
		docker_jscan_taken(ds->jscan);
		if (ev == DH_END && s->host->forward(io, "0\r\n\r\n", 5) != 0)
			return -1;
	} else {
		if (st->fed > 0 &&
		    dh_buf_add(&ds->raw, (const char *)buf, st->fed) != 0)
			return -1;
		if (ev != DH_END)
			return ds->raw.len > dr->max_body ?
			    docker_rewrite_stream(s, st, io) : 0;
		out = docker_jscan_out(ds->jscan, &olen);
		/* Unchanged: the very bytes that came. */
		if (!ds->rewrote) {
			if (s->host->forward(io, ds->raw.data, ds->raw.len) != 0)
				return -1;
		} else if ((hlen = dh_request_head(st, olen, &head)) == 0 ||
		    s->host->forward(io, head, hlen) != 0 ||
		    s->host->forward(io, out, olen) != 0) {
			free(head);
			return -1;
		}
		free(head);
	}
	if (ev == DH_END) {
		docker_rewrite_done(s);
		docker_req_sent(&ds->reqs);
		docker_phase(s, NPR_FROM_CLIENT, PH_HEAD);
	}
	return 0;
}
