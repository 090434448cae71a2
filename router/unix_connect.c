/* A non-blocking connect to a unix socket, reported from the loop. */
#include "unix_connect.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"

/* A full backlog (EAGAIN) is retried from 10 ms, doubling to 200 ms,
 * for this long in all. */
#define UC_RETRY_FIRST_MS 10
#define UC_RETRY_MAX_MS 200
#define UC_RETRY_TOTAL_MS 5000

struct unix_connect {
	struct event_base *base;
	struct sockaddr_un sa;
	int fd;
	int err;
	unsigned retry_ms;
	unsigned waited_ms;
	struct event *ev;
	unix_connect_cb cb;
	void *arg;
};

static void uc_event_cb(evutil_socket_t, short, void *);

static void
uc_finish(struct unix_connect *uc)
{
	unix_connect_cb cb = uc->cb;
	void *arg = uc->arg;
	int fd = uc->fd, err = uc->err;

	uc->fd = -1;
	unix_connect_cancel(uc);
	cb(err == 0 ? fd : -1, err, arg);
	if (err != 0 && fd != -1)
		close(fd);
}

/* Try once; arms the event for what comes next. */
static void
uc_try(struct unix_connect *uc)
{
	struct timeval tv = { 0, 0 };

	if (uc->fd == -1 && (uc->fd = socket(AF_UNIX, SOCK_STREAM |
	    SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1) {
		uc->err = errno;
		goto report;
	}
	if (connect(uc->fd, (struct sockaddr *)&uc->sa, sizeof uc->sa) == 0) {
		uc->err = 0;
		goto report;
	}
	if (errno == EINPROGRESS) {
		event_assign(uc->ev, uc->base, uc->fd, EV_WRITE, uc_event_cb,
		    uc);
		event_add(uc->ev, NULL);
		return;
	}
	if (errno == EAGAIN && uc->waited_ms < UC_RETRY_TOTAL_MS) {
		/* The listener's backlog is full: it may drain. */
		uc->waited_ms += uc->retry_ms;
		tv.tv_usec = (suseconds_t)uc->retry_ms * 1000;
		uc->retry_ms = uc->retry_ms * 2 > UC_RETRY_MAX_MS ?
		    UC_RETRY_MAX_MS : uc->retry_ms * 2;
		event_assign(uc->ev, uc->base, -1, 0, uc_event_cb, uc);
		event_add(uc->ev, &tv);
		return;
	}
	uc->err = errno;
report:
	/* From the loop, never from inside unix_connect_start(). */
	event_assign(uc->ev, uc->base, -1, 0, uc_event_cb, uc);
	uc->retry_ms = 0;
	event_active(uc->ev, EV_TIMEOUT, 1);
}

static void
uc_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct unix_connect *uc = arg;
	socklen_t len = sizeof uc->err;

	if (what & EV_WRITE) {
		if (getsockopt(uc->fd, SOL_SOCKET, SO_ERROR, &uc->err,
		    &len) != 0)
			uc->err = errno;
		uc_finish(uc);
		return;
	}
	if (uc->retry_ms == 0) {
		uc_finish(uc);
		return;
	}
	uc_try(uc);
}

struct unix_connect *
unix_connect_start(struct event_base *base, const char *path,
    unix_connect_cb cb, void *arg)
{
	struct unix_connect *uc;

	if ((uc = calloc(1, sizeof *uc)) == NULL ||
	    (uc->ev = event_new(base, -1, 0, uc_event_cb, uc)) == NULL)
		fatalx("out of memory");
	uc->base = base;
	uc->fd = -1;
	uc->cb = cb;
	uc->arg = arg;
	uc->retry_ms = UC_RETRY_FIRST_MS;
	uc->sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof uc->sa.sun_path) {
		uc->err = ENAMETOOLONG;
		event_assign(uc->ev, base, -1, 0, uc_event_cb, uc);
		uc->retry_ms = 0;
		event_active(uc->ev, EV_TIMEOUT, 1);
		return uc;
	}
	memcpy(uc->sa.sun_path, path, strlen(path) + 1);
	uc_try(uc);
	return uc;
}

void
unix_connect_cancel(struct unix_connect *uc)
{
	if (uc == NULL)
		return;
	event_free(uc->ev);
	if (uc->fd != -1)
		close(uc->fd);
	free(uc);
}

uint32_t
unix_connect_win32(int err)
{
	switch (err) {
	case ENOENT:
		return 2;    /* ERROR_FILE_NOT_FOUND */
	case ECONNREFUSED:
		return 1225; /* ERROR_CONNECTION_REFUSED */
	case EACCES:
		return 5;    /* ERROR_ACCESS_DENIED */
	default:
		return 31;   /* ERROR_GEN_FAILURE */
	}
}
