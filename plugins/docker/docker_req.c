/*
 * The requests of a docker session and the access log: one line per
 * request with method, path, status, bytes each way and duration, once
 * its answer has ended (or switched protocols, or the session ended).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker.h"

struct docker_req *
docker_req_new(const char *method, const char *url, size_t urllen)
{
	struct docker_req *r = calloc(1, sizeof *r);
	size_t n = strcspn(url, "?#");

	if (r == NULL)
		return NULL;
	if (n > urllen)
		n = urllen;
	/* Long targets are cut for the log; the query never appears. */
	if (n > 512)
		n = 512;
	if ((r->path = strndup(url, n)) == NULL) {
		free(r);
		return NULL;
	}
	snprintf(r->method, sizeof r->method, "%s", method);
	r->is_head = strcmp(method, "HEAD") == 0;
	clock_gettime(CLOCK_MONOTONIC, &r->start);
	return r;
}

static void
docker_req_free(struct docker_req *r)
{
	free(r->path);
	free(r);
}

void
docker_req_queue(struct docker_reqs *q, struct docker_req *r)
{
	r->queued = 1;
	r->next = NULL;
	if (q->tail != NULL)
		q->tail->next = r;
	else
		q->head = r;
	q->tail = r;
	q->pending++;
}

void
docker_req_answered(struct docker_reqs *q)
{
	struct docker_req *r = q->head;

	if (r == NULL)
		return;
	if ((q->head = r->next) == NULL)
		q->tail = NULL;
	q->pending--;
	r->queued = 0;
	r->next = NULL;
	if (q->cur != r)
		docker_req_free(r);
}

void
docker_req_sent(struct docker_reqs *q)
{
	struct docker_req *r = q->cur;

	q->cur = NULL;
	if (r != NULL && !r->queued)
		docker_req_free(r);
}

void
docker_req_log(const struct npr_session *s, struct docker_req *r,
    const char *note)
{
	const struct docker_route *dr = s->route_state;
	struct timespec now;
	double ms;

	if (r->logged || !dr->access_log)
		return;
	r->logged = 1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (double)(now.tv_sec - r->start.tv_sec) * 1e3 +
	    (double)(now.tv_nsec - r->start.tv_nsec) / 1e6;
	if (r->status == 0)
		s->host->log(s, NPR_LOG_INFO, "docker: %s %s -> no answer%s%s, "
		    "%llu bytes in, %.1f ms", r->method, r->path, note ? ", " : "",
		    note ? note : "", (unsigned long long)r->in, ms);
	else
		s->host->log(s, NPR_LOG_INFO, "docker: %s %s -> %d%s%s, %llu "
		    "bytes in, %llu bytes out, %.1f ms", r->method, r->path,
		    r->status, note ? ", " : "", note ? note : "",
		    (unsigned long long)r->in, (unsigned long long)r->out, ms);
}

void
docker_reqs_free(const struct npr_session *s, struct docker_reqs *q)
{
	struct docker_req *r = NULL;

	if (q->cur != NULL && !q->cur->queued) {
		docker_req_log(s, q->cur, "unfinished");
		docker_req_free(q->cur);
	}
	q->cur = NULL;
	while ((r = q->head) != NULL) {
		q->head = r->next;
		docker_req_log(s, r, "unfinished");
		docker_req_free(r);
	}
	q->tail = NULL;
	q->pending = 0;
}
