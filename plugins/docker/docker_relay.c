/*
 * The docker adapter's other direction: the engine's answers, matched in
 * order to the requests they answer (a HEAD's answer has no body; 1xx
 * come before the real one), each logged once it has ended; "101" or a
 * body until the connection ends turn both directions raw.
 */
#include <stdio.h>

#include "docker.h"
#include "docker_http.h"

/* The answer's headers are in. Returns 1 when the rest is not HTTP. */
static int
docker_answer_begins(struct npr_session *s, struct dh_stream *st)
{
	struct docker_session *ds = s->state;
	struct docker_req *r = ds->reqs.head;
	int status = st->p.status_code;

	if (r == NULL) {
		s->host->log(s, NPR_LOG_WARN, "docker: the engine answered %d to "
		    "no request", status);
		return 0;
	}
	if (status >= 200 || status == 101)
		r->status = status;
	if (!dh_body_until_eof(st))
		return 0;
	/* A body until the connection ends (and Docker's hijack without a
	 * 101): nothing after it is HTTP, in either direction. */
	r->out += st->fed;
	docker_req_log(s, r, "body until the connection ends");
	if (r->upgrade)
		docker_phase(s, NPR_FROM_CLIENT, PH_RAW);
	docker_phase(s, NPR_FROM_RELAY, PH_RAW);
	return 1;
}

/* The answer ended: the next one is for the next request. */
static void
docker_answer_ends(struct npr_session *s, struct dh_stream *st)
{
	struct docker_session *ds = s->state;
	struct docker_req *r = ds->reqs.head;
	int status = st->p.status_code;

	if (status == 101 || st->p.upgrade) {
		/* Switched protocols: raw both ways, half-close and all. */
		if (r != NULL)
			docker_req_log(s, r, "upgraded to a raw stream");
		docker_phase(s, NPR_FROM_CLIENT, PH_RAW);
		docker_phase(s, NPR_FROM_RELAY, PH_RAW);
		return;
	}
	docker_phase(s, NPR_FROM_RELAY, PH_HEAD);
	if (status < 200 || r == NULL)
		return; /* 100 Continue and the like: the answer follows */
	docker_req_log(s, r, NULL);
	docker_req_answered(&ds->reqs);
	/* The engine refused to upgrade: the client speaks HTTP again. */
	if (ds->phase[NPR_FROM_CLIENT] == PH_AWAIT)
		docker_phase(s, NPR_FROM_CLIENT, PH_HEAD);
}

enum npr_verdict
docker_relay(struct npr_session *s, const unsigned char *buf, size_t len,
    size_t *n, struct npr_io *io)
{
	struct docker_session *ds = s->state;
	struct dh_stream *st = &ds->dir[NPR_FROM_RELAY];
	struct docker_req *r = NULL;
	enum dh_event ev;
	size_t fed;

	for (;;) {
		if (ds->phase[NPR_FROM_RELAY] == PH_RAW) {
			*n = NPR_PASS_ALL;
			return NPR_PASS;
		}
		/* The client was told "Connection: close" after the last answer
		 * it reads; an answer to its refused request is dropped. */
		if (ds->phase[NPR_FROM_RELAY] == PH_CLOSED) {
			*n = len;
			return NPR_CONSUME;
		}
		r = ds->reqs.head;
		if (ds->phase[NPR_FROM_RELAY] == PH_HEAD)
			st->skip_body = r != NULL && r->is_head;
		ev = dh_feed(st, buf, len);
		if (ev == DH_ERROR)
			return s->host->fail(io, "malformed HTTP from the relay: %s",
			    dh_error(st));
		if (ev == DH_HEADERS) {
			if (docker_answer_begins(s, st)) {
				*n = NPR_PASS_ALL;
				return NPR_PASS;
			}
			docker_phase(s, NPR_FROM_RELAY, PH_PASS);
			continue;
		}
		if (ds->phase[NPR_FROM_RELAY] == PH_HEAD) {
			if (st->in_message || st->fed == 0)
				return docker_verdict(st, NPR_NEED, 0, n);
			return docker_verdict(st, NPR_PASS, st->fed, n);
		}
		fed = st->fed;
		if (r != NULL)
			r->out += fed;
		if (ev == DH_END)
			docker_answer_ends(s, st);
		if (fed == 0 && ev == DH_END)
			continue;
		return docker_verdict(st, NPR_PASS, fed, n);
	}
}

