/*
 * When the engine cannot be reached (ABI 2.1 relay_failed): Docker
 * Desktop is not running, its pipe is busy, the relay is missing. The
 * client would see the connection end with no answer, and the docker CLI
 * print "error during connect: ... EOF"; instead the request waiting for
 * the engine's answer (or the next one, when none was sent yet) is
 * answered here the way the engine answers errors, 502 or 503 with
 * {"message": ...} and "Connection: close", so the CLI prints
 * "Error response from daemon: " and a sentence naming the route, the
 * pipe, the Windows error and what to check.
 */
#include <stdio.h>
#include <string.h>

#include "docker.h"
#include "escape.h"

/* Win32 errors with a hint of their own (winerror.h). */
#define WIN32_FILE_NOT_FOUND 2
#define WIN32_ACCESS_DENIED 5
#define WIN32_PIPE_BUSY 231
/* nprelay's exit status when -p gave up waiting for the pipe
 * (docs/nprelay.md). */
#define NPRELAY_WAIT_GAVE_UP 4

/* 503 when the engine is there but cannot take the connection yet. */
static int
docker_fail_status(const struct npr_relay_failure *f)
{
	if (f->code == WIN32_PIPE_BUSY || f->status == NPRELAY_WAIT_GAVE_UP)
		return 503;
	return 502;
}

static const char *
docker_fail_hint(const struct npr_relay_failure *f)
{
	if (f->code == WIN32_PIPE_BUSY)
		return "the engine's pipe is busy: try again, or give the "
		    "route's relay -p to wait for it";
	if (f->code == WIN32_ACCESS_DENIED)
		return "may this Windows user use the engine? (Docker Desktop: "
		    "the docker-users group)";
	/* Neither an exit status nor a Windows error: the relay itself
	 * did not run, or the mux relay is gone. */
	if (f->status == -1 && f->code == 0)
		return "is the route's relay (relay.path) there and working? "
		    "(npiperouter doctor checks it)";
	return "is Docker Desktop running?";
}

/*
 * S made fit for the JSON answer and the CLI's terminal, in place: what
 * the relay said may be any bytes (a third-party relay, a line cut
 * mid-character at a bound), and jansson takes only valid UTF-8. Each
 * byte of a control character or of an invalid sequence becomes '?'.
 */
static void
docker_fail_clean(char *s)
{
	size_t n;

	while (*s != '\0') {
		n = escape_utf8_len(s);
		if (n == 0 || (n == 1 && ((unsigned char)*s < 0x20 ||
		    *s == 0x7f)))
			*s++ = '?';
		else
			s += n;
	}
}

enum npr_verdict
docker_fail_answer(struct npr_session *s, struct docker_req *r,
    struct npr_io *io)
{
	struct docker_session *ds = s->state;

	if (docker_answer_req(s, io, r, ds->fail_status, ds->answer, 1) != 0)
		return s->host->fail(io, "out of memory");
	s->host->log(s, NPR_LOG_INFO, "docker: answered %s %s with %d: %s",
	    r->method, r->path, ds->fail_status, ds->answer);
	docker_req_log(s, r, "answered here, the engine cannot be reached");
	docker_phase(s, NPR_FROM_CLIENT, PH_CLOSED);
	docker_phase(s, NPR_FROM_RELAY, PH_CLOSED);
	return s->host->fail(io, "answered %d for the engine", ds->fail_status);
}

enum npr_verdict
docker_relay_failed(struct npr_session *s, const struct npr_relay_failure *f,
    struct npr_io *io)
{
	struct docker_session *ds = s->state;
	const char *msg = f->message;
	size_t plen = strlen(f->pipe);
	struct docker_req *r = NULL;
	int n;

	/* nprelay's line begins with the pipe, already named here. */
	if (strncmp(msg, f->pipe, plen) == 0 && strncmp(msg + plen, ": ", 2) == 0)
		msg += plen + 2;
	n = snprintf(ds->answer, sizeof ds->answer, "npiperouter, route %s: "
	    "cannot reach the Docker engine at %s: %s; %s", s->route, f->pipe,
	    msg, docker_fail_hint(f));
	if (n < 0)
		return NPR_CLOSE;
	docker_fail_clean(ds->answer);
	ds->fail_status = docker_fail_status(f);
	/* The oldest request waits for the answer the engine will never
	 * send (the relay sent nothing: none has begun). */
	if ((r = ds->reqs.head) != NULL)
		return docker_fail_answer(s, r, io);
	/* A request that has not come in whole is answered when its head
	 * has (docker_client()), the client's bytes still coming here. */
	if (ds->phase[NPR_FROM_CLIENT] == PH_HEAD ||
	    ds->phase[NPR_FROM_CLIENT] == PH_DECIDE)
		return NPR_NEED;
	return NPR_CLOSE;
}
