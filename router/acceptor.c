/* A listening socket in the event loop that pauses, instead of spinning,
 * when accept() fails: libevent would retry at once, and EMFILE is not
 * transient. */
#include "acceptor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/listener.h>

#include "log.h"

struct acceptor {
	struct evconnlistener *listener;
	struct event *ev_retry;
	char *label;
	acceptor_accept_cb accept_cb;
	void (*resume_cb)(void *);
	void *arg;
};

static void
acceptor_listener_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct acceptor *a = arg;

	a->accept_cb(fd, a->arg);
}

static void
acceptor_error_cb(struct evconnlistener *l, void *arg)
{
	char why[128];

	snprintf(why, sizeof why, "cannot accept: %s",
	    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	acceptor_pause(arg, why);
}

static void
acceptor_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct acceptor *a = arg;

	if (a->resume_cb != NULL)
		a->resume_cb(a->arg);
	else
		acceptor_enable(a);
}

struct acceptor *
acceptor_new(struct event_base *base, int fd, const char *label,
    acceptor_accept_cb accept_cb, void (*resume_cb)(void *), void *arg)
{
	struct acceptor *a = NULL;

	if ((a = calloc(1, sizeof *a)) == NULL ||
	    (a->label = strdup(label)) == NULL ||
	    (a->ev_retry = evtimer_new(base, acceptor_retry_cb, a)) == NULL ||
	    (a->listener = evconnlistener_new(base, acceptor_listener_cb, a,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd)) == NULL)
		fatalx("out of memory for a listener");
	a->accept_cb = accept_cb;
	a->resume_cb = resume_cb;
	a->arg = arg;
	evconnlistener_set_error_cb(a->listener, acceptor_error_cb);
	return a;
}

void
acceptor_enable(struct acceptor *a)
{
	evconnlistener_enable(a->listener);
}

void
acceptor_disable(struct acceptor *a)
{
	evconnlistener_disable(a->listener);
}

void
acceptor_pause(struct acceptor *a, const char *why)
{
	struct timeval tv = { ACCEPTOR_RETRY_SECS, 0 };

	/* At most one line a second per listener: the pause is the limit. */
	log_warn("%s: %s; pausing accepting for %ds", a->label, why,
	    ACCEPTOR_RETRY_SECS);
	evconnlistener_disable(a->listener);
	evtimer_add(a->ev_retry, &tv);
}

void
acceptor_free(struct acceptor *a)
{
	if (a == NULL)
		return;
	evconnlistener_free(a->listener);
	event_free(a->ev_retry);
	free(a->label);
	free(a);
}
