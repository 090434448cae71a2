/*
 * The docker adapter: the Docker Engine API's HTTP/1.1 in both directions
 * (keep-alive, pipelining, Content-Length and chunked bodies, answers that
 * stream for ever), with
 *   - bind-mount sources of container, service and volume create
 *     requests rewritten from WSL paths to Windows paths (docker_body.c,
 *     docker_path.c), relative ones resolved against the client's
 *     working folder; such a body is held up to max_body and re-sent
 *     with a Content-Length, a larger one goes on chunked as it comes,
 *     only the values with sources held (docker_rewrite.c, docker_jscan.c);
 *   - an optional policy by method and endpoint group (docker_policy.c):
 *     refused requests are answered here with 403 and Docker's
 *     {"message": ...}, and the connection goes on;
 *   - upgraded connections (attach, exec, run -i: "101 UPGRADED") passed
 *     through raw from the switch on, half-close and all;
 *   - an access log line per request (docker_req.c);
 *   - the client's framing checked before http-parser sees it
 *     (docker_frame.c): a request a Go server could split differently
 *     is answered 400 and nothing after it is read.
 *
 * Each direction is in one phase at a time, changed only through
 * docker_phase(). Bodies pass as they arrive; those with bind sources
 * are held up to max_body bytes, never refused for their size.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "docker.h"
#include "docker_body.h"
#include "docker_frame.h"
#include "docker_http.h"
#include "docker_jscan.h"

static const char *const docker_phase_names[] = {
	"head", "decide", "answer", "pass", "rewrite", "discard", "await", "raw",
	"refuse", "closed",
};

static const char *const docker_side_names[] = { "client", "relay" };

void
docker_phase(struct npr_session *s, enum npr_side side, enum docker_phase to)
{
	struct docker_session *ds = s->state;

	if (ds->phase[side] == to)
		return;
	s->host->log(s, NPR_LOG_DEBUG, "docker: %s %s -> %s",
	    docker_side_names[side], docker_phase_names[ds->phase[side]],
	    docker_phase_names[to]);
	ds->phase[side] = to;
}

static int
docker_open(struct npr_session *s, char *err, size_t errlen)
{
	struct docker_session *ds = calloc(1, sizeof *ds);

	if (ds == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((ds->frame = docker_frame_new()) == NULL) {
		free(ds);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	dh_init(&ds->dir[NPR_FROM_CLIENT], HTTP_REQUEST);
	dh_init(&ds->dir[NPR_FROM_RELAY], HTTP_RESPONSE);
	/* A host before ABI minor 1 serves only routes that listen. */
	ds->to_wsl = s->host->size >= offsetof(struct npr_host,
	    session_direction) + sizeof s->host->session_direction &&
	    s->host->session_direction(s) == NPR_DIR_EXPOSE;
	if (((const struct docker_route *)s->route_state)->rewrite &&
	    !ds->to_wsl)
		ds->cwd = docker_rewrite_cwd(s->pid);
	s->state = ds;
	return 0;
}

static void
docker_close(struct npr_session *s)
{
	struct docker_session *ds = s->state;

	if (ds == NULL)
		return;
	docker_reqs_free(s, &ds->reqs);
	dh_free(&ds->dir[0]);
	dh_free(&ds->dir[1]);
	docker_frame_free(ds->frame);
	docker_jscan_free(ds->jscan);
	free(ds->raw.data);
	free(ds->cwd);
	free(ds);
	s->state = NULL;
}

/* The verdict about the first N bytes of the view. */
enum npr_verdict
docker_verdict(struct dh_stream *st, enum npr_verdict v, size_t n,
    size_t *np)
{
	if (n == 0) {
		*np = 0;
		return NPR_NEED;
	}
	dh_advance(st, n);
	*np = n;
	return v;
}

/* The verdict about the first N bytes of the client's view. */
static enum npr_verdict
docker_client_verdict(struct docker_session *ds, enum npr_verdict v,
    size_t n, size_t *np)
{
	if (n > 0)
		docker_frame_advance(ds->frame, n);
	return docker_verdict(&ds->dir[NPR_FROM_CLIENT], v, n, np);
}

/* The reason phrase of the statuses answered here. */
static const char *
docker_reason(int status)
{
	switch (status) {
	case 403:
		return "Forbidden";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	default:
		return "Bad Request";
	}
}

int
docker_answer_req(struct npr_session *s, struct npr_io *io,
    struct docker_req *r, int status, const char *message, int close)
{
	const char *reason = docker_reason(status);
	char head[256], *body = NULL;
	json_t *j = NULL;
	size_t blen = 0;
	int n, rc = -1;

	if ((j = json_pack("{s:s}", "message", message)) == NULL ||
	    (body = json_dumps(j, JSON_COMPACT)) == NULL)
		goto out;
	blen = strlen(body);
	n = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nContent-Type: "
	    "application/json\r\n%sContent-Length: %zu\r\n\r\n", status, reason,
	    close ? "Connection: close\r\n" : "", blen + 1);
	if (s->host->reply(io, head, (size_t)n) != 0)
		goto out;
	/* The answer to HEAD has no body; Docker's errors end in "\n". */
	if (!r->is_head && (s->host->reply(io, body, blen) != 0 ||
	    s->host->reply(io, "\n", 1) != 0))
		goto out;
	r->local = 1;
	r->status = status;
	r->out = (uint64_t)n + (r->is_head ? 0 : blen + 1);
	rc = 0;
out:
	free(body);
	json_decref(j);
	return rc;
}

/* Answer the request coming in here with STATUS and Docker's JSON error;
 * CLOSE: the connection ends after it. */
static int
docker_answer(struct npr_session *s, struct npr_io *io, int status,
    const char *message, int close)
{
	struct docker_session *ds = s->state;

	return docker_answer_req(s, io, ds->reqs.cur, status, message, close);
}

/*
 * The request's headers are in: refuse it (PH_ANSWER), send its body on
 * with bind sources rewritten (PH_REWRITE), or as it is (PH_PASS).
 * Returns 1 with a verdict in *V when the request must wait, else 0.
 */
static int
docker_decide(struct npr_session *s, struct dh_stream *st,
    enum npr_verdict *v)
{
	const struct docker_route *dr = s->route_state;
	struct docker_session *ds = s->state;
	struct docker_req *r = ds->reqs.cur;
	uint64_t cl = st->p.content_length;
	int chunked = (st->p.flags & F_CHUNKED) != 0;
	char why[200];

	/* A client far ahead of the engine's answers waits for them. */
	if (ds->reqs.pending >= DOCKER_PIPELINE_MAX) {
		*v = NPR_HOLD;
		return 1;
	}
	if (!docker_policy_check(&dr->policy, r->method,
	    docker_method_bit(r->method), &ds->target, why, sizeof why)) {
		ds->answer_status = 403;
		snprintf(ds->answer, sizeof ds->answer, "npiperouter, route %s: "
		    "%s", s->route, why);
		/*
		 * A client that streams a body (docker build's context) and
		 * reads the answer meanwhile takes an answer before its
		 * body's end as the end of the exchange: Go's HTTP client then
		 * closes the connection under the body's writer ("Can't close
		 * tar writer: io: read/write on closed pipe"). Such a body is
		 * read and dropped first, up to DOCKER_REFUSED_BODY_MAX.
		 */
		if (chunked || (cl > 0 && cl != UINT64_MAX)) {
			ds->answer_due = 1;
			ds->discarded = 0;
			docker_phase(s, NPR_FROM_CLIENT, PH_DISCARD);
		} else
			docker_phase(s, NPR_FROM_CLIENT, PH_ANSWER);
		return 0;
	}
	docker_req_queue(&ds->reqs, r);
	if (dr->rewrite && ds->target.body != DB_NONE &&
	    strcmp(r->method, "POST") == 0 &&
	    (chunked || (cl > 0 && cl != UINT64_MAX))) {
		dh_collect(st, SIZE_MAX);
		docker_phase(s, NPR_FROM_CLIENT, PH_REWRITE);
		return 0;
	}
	docker_phase(s, NPR_FROM_CLIENT, PH_PASS);
	return 0;
}

/*
 * The client's framing was refused (WHY): answer 400 and end, once the
 * answers before it have passed. Returns -1 when it cannot be answered
 * any more: the request was answered already, here or by the engine.
 */
static int
docker_refuse(struct npr_session *s, const char *why)
{
	struct docker_session *ds = s->state;
	struct docker_req *r = ds->reqs.cur;
	const char *method = docker_frame_method(ds->frame);
	const char *target = docker_frame_target(ds->frame);

	snprintf(ds->answer, sizeof ds->answer, "npiperouter, route %s: "
	    "malformed or ambiguous request refused: %s", s->route, why);
	ds->answer_status = 400;
	if (r != NULL && (r->local || r->status != 0))
		return -1;
	if (r == NULL) {
		/* Refused in its head: known only to the checker. */
		if (*method == '\0')
			method = "-";
		if (*target == '\0')
			target = "-";
		r = docker_req_new(method, target, strlen(target));
		if (r == NULL)
			return -1;
		ds->reqs.cur = r;
	}
	/* Checked bytes of a request passing as it comes go on with it;
	 * those of a body being rewritten are dropped (its head went on: the
	 * engine's answer to it, if any, is dropped too). */
	ds->refuse_pass = ds->phase[NPR_FROM_CLIENT] == PH_PASS ||
	    ds->phase[NPR_FROM_CLIENT] == PH_HEAD;
	docker_phase(s, NPR_FROM_CLIENT, PH_REFUSE);
	return 0;
}

/* PH_REFUSE: the 400 goes once it is the next answer, then nothing more. */
static enum npr_verdict
docker_refuse_answer(struct npr_session *s, size_t len, size_t *n,
    struct npr_io *io)
{
	struct docker_session *ds = s->state;
	struct dh_stream *st = &ds->dir[NPR_FROM_CLIENT];
	struct docker_req *r = ds->reqs.cur;

	if (ds->refuse_pass && st->fed > 0) {
		r->in += st->fed;
		return docker_client_verdict(ds, NPR_PASS, st->fed, n);
	}
	if (ds->reqs.pending > (r->queued ? 1u : 0u))
		return NPR_HOLD;
	/* Forwarded in part and the engine began to answer it: an answer of
	 * ours would land inside the engine's. */
	if (r->queued && (r->status != 0 ||
	    ds->phase[NPR_FROM_RELAY] != PH_HEAD))
		return s->host->fail(io, "%s", ds->answer);
	if (docker_answer(s, io, 400, ds->answer, 1) != 0)
		return s->host->fail(io, "out of memory");
	s->host->log(s, NPR_LOG_WARN, "docker: refused %s %s from pid %ld uid "
	    "%ld with 400, closing: %s", r->method, r->path, (long)s->pid,
	    (long)s->uid, ds->answer);
	docker_req_log(s, r, "answered here, connection closed");
	docker_phase(s, NPR_FROM_CLIENT, PH_CLOSED);
	docker_phase(s, NPR_FROM_RELAY, PH_CLOSED);
	/* Whatever followed it is not read. */
	return docker_client_verdict(ds, NPR_CONSUME, len, n);
}

/* The headers of a request are in: it becomes the current one. */
static int
docker_request_begins(struct npr_session *s, struct dh_stream *st)
{
	struct docker_session *ds = s->state;
	struct docker_req *r = NULL;

	if (ds->reqs.cur != NULL)
		return -1; /* the previous request never ended: a bug */
	r = docker_req_new(http_method_str((enum http_method)st->p.method),
	    st->url.data ? st->url.data : "", st->url.len);
	if (r == NULL)
		return -1;
	r->upgrade = st->p.upgrade;
	ds->reqs.cur = r;
	docker_target_parse(st->url.data ? st->url.data : "", st->url.len,
	    &ds->target);
	docker_phase(s, NPR_FROM_CLIENT, PH_DECIDE);
	return 0;
}

static enum npr_verdict
docker_client(struct npr_session *s, const unsigned char *buf, size_t len,
    size_t *n, struct npr_io *io)
{
	struct docker_session *ds = s->state;
	struct dh_stream *st = &ds->dir[NPR_FROM_CLIENT];
	struct docker_req *r = NULL;
	enum npr_verdict v;
	enum dh_event ev;
	char why[320];
	size_t view;

	for (;;) {
		switch (ds->phase[NPR_FROM_CLIENT]) {
		case PH_RAW:
			*n = NPR_PASS_ALL;
			return NPR_PASS;
		case PH_AWAIT:
			return NPR_HOLD;
		case PH_DECIDE:
			/* The engine cannot be reached: this is the request to
			 * answer for it (docker_fail.c). */
			if (ds->fail_status != 0)
				return docker_fail_answer(s, ds->reqs.cur, io);
			if (docker_decide(s, st, &v))
				return v;
			continue;
		case PH_ANSWER:
			/* Answers keep the order of requests. */
			if (ds->reqs.pending > 0)
				return NPR_HOLD;
			if (docker_answer(s, io, ds->answer_status, ds->answer, 0) != 0)
				return s->host->fail(io, "out of memory");
			s->host->log(s, NPR_LOG_INFO, "docker: refused %s %s from pid "
			    "%ld uid %ld with %d: %s", ds->reqs.cur->method,
			    ds->reqs.cur->path, (long)s->pid, (long)s->uid,
			    ds->answer_status, ds->answer);
			docker_phase(s, NPR_FROM_CLIENT, PH_DISCARD);
			continue;
		case PH_REFUSE:
			return docker_refuse_answer(s, len, n, io);
		case PH_CLOSED:
			return s->host->fail(io, "the client sent more after a request "
			    "refused with \"Connection: close\"");
		default:
			break;
		}
		/* http-parser sees only what the checker passed (an end it
		 * reports again parses nothing). */
		view = len;
		if (!st->end_pending && docker_frame_check(ds->frame, buf, len,
		    st->fed, &view, why, sizeof why) != 0) {
			if (docker_refuse(s, why) != 0)
				return s->host->fail(io, "refused the client's request: %s",
				    why);
			continue;
		}
		ev = dh_feed(st, buf, view);
		r = ds->reqs.cur;
		if (ev == DH_ERROR)
			return s->host->fail(io, "malformed HTTP from the client: %s",
			    dh_error(st));
		if ((ev == DH_END && docker_frame_end(ds->frame, st->fed) != 0) ||
		    (ev == DH_MORE && docker_frame_ends_at(ds->frame, st->fed))) {
#ifdef NPR_DOCKER_FUZZ
			abort(); /* the fuzzer's finding: a form to refuse */
#endif
			return s->host->fail(io, "internal error: http-parser and the "
			    "framing check end a request at different bytes (%zu)",
			    st->fed);
		}
		if (ev == DH_HEADERS) {
			if (docker_request_begins(s, st) != 0)
				return s->host->fail(io, "cannot take a new request");
			continue;
		}
		switch (ds->phase[NPR_FROM_CLIENT]) {
		case PH_HEAD:
			/* Blank lines between messages pass; a head waits. */
			if (st->in_message || st->fed == 0)
				return docker_client_verdict(ds, NPR_NEED, 0, n);
			return docker_client_verdict(ds, NPR_PASS, st->fed, n);
		case PH_REWRITE:
			if (docker_rewrite_body(s, st, buf, ev, io) != 0)
				return s->host->fail(io, "out of memory");
			/* An end found with the headers has no bytes of its own. */
			if (st->fed == 0 && ev == DH_END)
				continue;
			return docker_client_verdict(ds, NPR_CONSUME, st->fed, n);
		case PH_PASS:
		case PH_DISCARD:
			v = ds->phase[NPR_FROM_CLIENT] == PH_PASS ? NPR_PASS :
			    NPR_CONSUME;
			/* A refused body has ended, or is dropped long enough:
			 * answer now, the rest (if any) is dropped after. */
			if (ds->answer_due && (ev == DH_END ||
			    ds->discarded + st->fed >= DOCKER_REFUSED_BODY_MAX)) {
				ds->answer_due = 0;
				if (ev == DH_END)
					dh_repeat_end(st); /* seen again after it */
				docker_phase(s, NPR_FROM_CLIENT, PH_ANSWER);
				continue;
			}
			ds->discarded += st->fed;
			r->in += st->fed;
			if (ev == DH_END) {
				if (r->local)
					docker_req_log(s, r, "answered here");
				docker_phase(s, NPR_FROM_CLIENT, r->upgrade && !r->local ?
				    PH_AWAIT : PH_HEAD);
				docker_req_sent(&ds->reqs);
			}
			/* An end found with the headers has no bytes of its own. */
			if (st->fed == 0 && ev == DH_END)
				continue;
			return docker_client_verdict(ds, v, st->fed, n);
		default:
			return s->host->fail(io, "internal error: client phase %s",
			    docker_phase_names[ds->phase[NPR_FROM_CLIENT]]);
		}
	}
}

static enum npr_verdict
docker_data(struct npr_session *s, enum npr_side from,
    const unsigned char *buf, size_t len, size_t *n, struct npr_io *io)
{
	if (from == NPR_FROM_CLIENT)
		return docker_client(s, buf, len, n, io);
	return docker_relay(s, buf, len, n, io);
}

static const struct npr_adapter docker_adapter = {
	.abi_major = NPR_ADAPTER_ABI_MAJOR,
	.abi_minor = NPR_ADAPTER_ABI_MINOR,
	.size = sizeof(struct npr_adapter),
	.name = "docker",
	.configure = docker_configure,
	.unconfigure = docker_unconfigure,
	.open = docker_open,
	.data = docker_data,
	.close = docker_close,
	.relay_failed = docker_relay_failed,
	/* Works the same way round: the client asks, the other side answers;
	 * bind paths are rewritten the other way (docker_path.c). */
	.flags = NPR_ADAPTER_EXPOSED,
};

NPR_ADAPTER_EXPORT const struct npr_adapter *
npr_adapter_entry(void)
{
	return &docker_adapter;
}
