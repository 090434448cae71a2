/*
 * A relay side that could not be opened at all (its program is missing,
 * the mux relay is broken), for a session whose adapter answers the
 * client itself (ABI 2.1 relay_failed): a chan that has ended before it
 * began, and an end reported from the loop, so the session meets the
 * failure where it meets every other one.
 */
#include "relay_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "chan.h"
#include "log.h"

struct fail_relay {
	struct relay base; /* first: relay.c sees this */
	struct event *ev_end;
};

static void
fail_end_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fail_relay *fr = arg;

	/* Why was logged when the open failed; this is the session's end. */
	relay_report_end(&fr->base, "could not be opened", 1);
}

static void
fail_nothing(struct relay *r)
{
	/* Nothing runs: there is nothing to end or to wait for. */
}

static void
fail_free(struct relay *r)
{
	struct fail_relay *fr = (struct fail_relay *)r;

	event_free(fr->ev_end);
	chan_free(fr->base.chan);
	free(fr);
}

static const struct relay_ops fail_ops = {
	.drained = fail_nothing,
	.client_gone = fail_nothing,
	.free = fail_free,
};

/* What dispatches the failed relay's operations; never counted, never
 * freed, owns nothing. */
static struct relay_backend fail_backend = { .ops = &fail_ops };

static const struct chan_owner_ops fail_chan_ops = { NULL, NULL, NULL, NULL };

struct relay *
relay_open_failed(struct event_base *base, const char *why,
    relay_ended_cb ended_cb, void *arg)
{
	struct fail_relay *fr;

	if ((fr = calloc(1, sizeof *fr)) == NULL)
		fatalx("out of memory");
	/* No exit status, no Windows error: the relay never ran. */
	relay_set_failure(&fr->base, -1, 0, why, strlen(why));
	fr->base.backend = &fail_backend;
	fr->base.ended_cb = ended_cb;
	fr->base.arg = arg;
	fr->base.chan = chan_new_virtual(base, &fail_chan_ops, fr);
	if ((fr->ev_end = event_new(base, -1, 0, fail_end_cb, fr)) == NULL)
		fatalx("out of memory for an event");
	/* Nothing will come, and nothing sent is taken. */
	chan_virtual_eof(fr->base.chan, 0);
	chan_virtual_write_error(fr->base.chan, EPIPE);
	/* From the loop: the session is not set up yet. */
	event_active(fr->ev_end, EV_TIMEOUT, 1);
	return &fr->base;
}
