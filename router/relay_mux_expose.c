/*
 * Exposed routes on the mux relay (DESIGN.md §10, docs/mux.md "Exposed
 * pipes"): the exposure stream that asks the relay to serve the pipe,
 * reopened after every relay start and, with backoff, after a failure;
 * and the streams the relay opens for Windows clients, each handed to
 * the route once its open request names the route's pipe.
 */
#include "relay_mux_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "chan.h"
#include "log.h"
#include "pipe_name.h"

#define EXPOSE_BACKOFF_MIN_MS 500
#define EXPOSE_BACKOFF_MAX_MS 30000
/* Win32 codes of our refusals (docs/mux.md "Exposed pipes"). */
#define EXPOSE_ERROR_FILE_NOT_FOUND 2

static void
mux_expose_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	mux_expose_start(arg);
}

void
mux_expose_init(struct mux_backend *mb, const struct route_conf *rc)
{
	if (rc->expose_pipe == NULL)
		return;
	if ((mb->expose_pipe = strdup(rc->expose_pipe)) == NULL ||
	    (rc->expose_sddl != NULL &&
	    (mb->expose_sddl = strdup(rc->expose_sddl)) == NULL))
		fatalx("out of memory");
	if ((mb->ev_expose = evtimer_new(mb->base.base, mux_expose_retry_cb,
	    mb)) == NULL)
		fatalx("out of memory for a timer");
	mb->expose_backoff_ms = EXPOSE_BACKOFF_MIN_MS;
}

/* Let go of the exposure stream now: the backend goes, or the relay
 * that served it is gone. */
static void
mux_expose_drop(struct mux_backend *mb)
{
	struct mux_relay *s = mb->exposure;

	if (s == NULL)
		return;
	mb->exposure = NULL;
	mb->exposed = 0;
	mux_stream_free(&s->base);
}

void
mux_expose_free(struct mux_backend *mb)
{
	mux_expose_drop(mb);
	if (mb->ev_expose != NULL)
		event_free(mb->ev_expose);
	free(mb->expose_pipe);
	free(mb->expose_sddl);
}

static void
mux_expose_schedule(struct mux_backend *mb)
{
	struct timeval tv;

	tv.tv_sec = mb->expose_backoff_ms / 1000;
	tv.tv_usec = (suseconds_t)(mb->expose_backoff_ms % 1000) * 1000;
	evtimer_add(mb->ev_expose, &tv);
	if (mb->expose_backoff_ms < EXPOSE_BACKOFF_MAX_MS / 2)
		mb->expose_backoff_ms *= 2;
	else
		mb->expose_backoff_ms = EXPOSE_BACKOFF_MAX_MS;
}

/* The exposure stream ended: reopen it unless that was meant. */
static void
mux_expose_ended_cb(struct relay *r, const struct relay_end *end, void *arg)
{
	struct mux_backend *mb = arg;
	int was_up = mb->exposed;

	mux_expose_drop(mb);
	if (mb->unexposed || mb->base.stopping || mb->state != MUX_RUNNING)
		return; /* a restarted relay opens it again */
	if (was_up)
		log_warn("route \"%s\": the relay stopped exposing %s (%s); "
		    "reopening it in %.1fs", mb->name, mb->expose_pipe, end->how,
		    mb->expose_backoff_ms / 1000.0);
	mux_expose_schedule(mb);
}

void
mux_expose_start(struct mux_backend *mb)
{
	const char *argv[4];
	struct mux_relay *s;
	size_t argc = 0;
	char tag[160], err[256];

	if (mb->expose_pipe == NULL || mb->unexposed ||
	    mb->state != MUX_RUNNING)
		return;
	/* Left from the relay before (its end not reported yet). */
	mux_expose_drop(mb);
	evtimer_del(mb->ev_expose);
	argv[argc++] = "--expose";
	if (mb->expose_sddl != NULL) {
		argv[argc++] = "--expose-sddl";
		argv[argc++] = mb->expose_sddl;
	}
	argv[argc++] = mb->expose_pipe;
	snprintf(tag, sizeof tag, "route \"%s\" (exposure of %s)", mb->name,
	    mb->expose_pipe);
	if ((s = mux_stream_new(mb, argc, argv, tag, err, sizeof err)) ==
	    NULL) {
		/* config_expose.c bounds both: not reached. */
		log_error("route \"%s\": cannot expose %s: %s", mb->name,
		    mb->expose_pipe, err);
		return;
	}
	s->exposure = 1;
	s->base.backend = s->base.owner = &mb->base;
	s->base.ended_cb = mux_expose_ended_cb;
	s->base.arg = mb;
	mb->exposure = s;
}

void
mux_expose_replied(struct mux_backend *mb, const struct mux_open_reply *rep)
{
	char msg[sizeof mb->expose_error];

	if (rep->status == 0) {
		mb->exposed = 1;
		mb->expose_backoff_ms = EXPOSE_BACKOFF_MIN_MS;
		log_info("route \"%s\": exposing %s (mux relay pid %ld)",
		    mb->name, mb->expose_pipe, (long)mb->pid);
		mb->expose_error[0] = '\0';
		return;
	}
	snprintf(msg, sizeof msg, "%.*s (Win32 error %lu)",
	    (int)rep->message_len, (const char *)rep->message,
	    (unsigned long)rep->code);
	/* Once per cause: a squatter makes every retry fail the same way. */
	if (strcmp(msg, mb->expose_error) != 0) {
		log_error("route \"%s\": cannot expose %s: %s; retrying with "
		    "backoff", mb->name, mb->expose_pipe, msg);
		relay_backend_count_failure(&mb->base, "cannot expose %s: %s",
		    mb->expose_pipe, msg);
	} else
		log_debug("route \"%s\": cannot expose %s: %s", mb->name,
		    mb->expose_pipe, msg);
	snprintf(mb->expose_error, sizeof mb->expose_error, "%s", msg);
}

struct mux_relay *
mux_expose_inbound(struct mux_backend *mb, uint32_t id)
{
	if (mb->expose_pipe == NULL || mb->unexposed ||
	    mb->base.hooks.exposed_cb == NULL)
		return NULL;
	return mux_stream_new_inbound(mb, id);
}

/* Refuse stream S ourselves, before any route has it. */
static void
mux_expose_refuse_here(struct mux_relay *s, uint32_t code, const char *msg)
{
	log_warn("%s: refused: %s", s->tag, msg);
	mux_expose_refuse(&s->base, code, msg);
	mux_stream_drained(&s->base); /* the linger ends a relay that hangs */
}

void
mux_expose_request(struct mux_relay *s, const struct mux_open_request *req)
{
	struct mux_backend *mb = s->mb;
	char name[512], msg[700], why[256];

	if (req->argc != 1 || req->argv[0].len >= sizeof name) {
		snprintf(msg, sizeof msg, "expected one argument (the pipe "
		    "name), got %zu", req->argc);
		mux_expose_refuse_here(s, EXPOSE_ERROR_FILE_NOT_FOUND, msg);
		return;
	}
	memcpy(name, req->argv[0].ptr, req->argv[0].len);
	name[req->argv[0].len] = '\0';
	if (pipe_name_check(name, PIPE_NAME_LOCAL, why, sizeof why) != 0 ||
	    !pipe_name_same(name, mb->expose_pipe)) {
		snprintf(msg, sizeof msg, "%s: not a pipe this route exposes "
		    "(%s)", name, mb->expose_pipe);
		mux_expose_refuse_here(s, EXPOSE_ERROR_FILE_NOT_FOUND, msg);
		return;
	}
	/* The route's from now on: it holds a reference, as relay_open()
	 * takes one for the streams it opens. */
	s->handed = 1;
	s->base.backend = s->base.owner = &mb->base;
	mb->base.refs++;
	mb->base.hooks.exposed_cb(&s->base, mb->base.hooks.arg);
}

/* Queue our open reply on inbound stream S. */
static void
mux_expose_answer(struct mux_relay *s, uint8_t status, uint32_t code,
    const char *message)
{
	uint8_t rep[MUX_OPEN_REPLY_MAX];
	char err[256];
	size_t n;

	if (s->dead || s->answered)
		return;
	if (mux_open_reply_encode(rep, sizeof rep, &n, status, code, message,
	    err, sizeof err) != MUX_OK)
		fatalx("%s: open reply: %s", s->tag, err);
	if (evbuffer_add(s->head, rep, n) != 0)
		fatalx("out of memory");
	s->answered = 1;
	if (status != 0) {
		s->failed = 1;
		if ((s->failure = strdup(message)) == NULL)
			fatalx("out of memory");
		/* What the client sent is dropped; our FIN follows. */
		evbuffer_drain(chan_input(s->base.chan),
		    evbuffer_get_length(chan_input(s->base.chan)));
		s->want_fin = 1;
	}
	mux_stream_kick(s);
}

void
mux_expose_accept(struct relay *r)
{
	mux_expose_answer((struct mux_relay *)r, 0, 0, NULL);
}

void
mux_expose_refuse(struct relay *r, uint32_t code, const char *message)
{
	/* Status 3, "cannot open", as a relay that cannot open its pipe. */
	mux_expose_answer((struct mux_relay *)r, 3, code, message);
}

void
mux_expose_unexpose(struct relay_backend *b)
{
	struct mux_backend *mb = (struct mux_backend *)b;

	if (mb->expose_pipe == NULL || mb->unexposed)
		return;
	mb->unexposed = 1;
	evtimer_del(mb->ev_expose);
	if (mb->exposure == NULL || mb->exposure->dead)
		return;
	/* The relay closes the waiting instances and answers with its FIN
	 * (docs/mux.md); clients connected already go on. */
	log_info("route \"%s\": no longer exposing %s", mb->name,
	    mb->expose_pipe);
	mb->exposure->want_fin = 1;
	mux_stream_kick(mb->exposure);
}

void
mux_expose_info(const struct mux_backend *mb, struct relay_backend_info *info)
{
	if (mb->expose_pipe == NULL)
		return;
	if (mb->exposure != NULL && info->streams > 0)
		info->streams--; /* not a client's */
	info->expose_state = mb->exposed ? "exposed" : mb->unexposed ?
	    "removed" : mb->expose_error[0] != '\0' ? "failed" : "opening";
	info->expose_error = mb->expose_error[0] != '\0' ?
	    mb->expose_error : NULL;
}
