/* Programs run to completion with their output kept (capture.h). */
#include "capture.h"

#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "escape.h"

/*
 * How often the wait looks whether the program has exited: a process it
 * started may hold its pipes open long after it is gone.
 */
#define CAPTURE_TICK_MS 50

/* Of its stderr: the start, for the first line, and the end, for the last. */
struct capture_err {
	char head[1024];
	size_t hlen;
	char tail[2048];
	size_t tlen;
};

static void
capture_err_add(struct capture_err *e, const char *p, size_t n)
{
	size_t room = sizeof e->head - e->hlen;

	memcpy(e->head + e->hlen, p, n < room ? n : room);
	e->hlen += n < room ? n : room;
	if (n >= sizeof e->tail) {
		p += n - sizeof e->tail / 2;
		n = sizeof e->tail / 2;
	}
	if (e->tlen + n > sizeof e->tail) {
		size_t drop = e->tlen + n - sizeof e->tail;

		memmove(e->tail, e->tail + drop, e->tlen - drop);
		e->tlen -= drop;
	}
	memcpy(e->tail + e->tlen, p, n);
	e->tlen += n;
}

/* Its first and last non-blank lines, escaped for a log line. */
static void
capture_err_lines(const struct capture_err *e, struct capture_result *res)
{
	size_t end = e->tlen, start, first = 0;

	while (first < e->hlen && e->head[first] != '\r' &&
	    e->head[first] != '\n')
		first++;
	escape_bytes(res->first, sizeof res->first, e->head, first,
	    ESCAPE_ALL, ESCAPE_KEEP_8BIT);
	while (end > 0 && strchr("\r\n \t", e->tail[end - 1]) != NULL)
		end--;
	start = end;
	while (start > 0 && e->tail[start - 1] != '\n')
		start--;
	escape_bytes(res->last, sizeof res->last, e->tail + start,
	    end - start, 200, ESCAPE_KEEP_8BIT);
}

static long long
capture_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Read what is there on FD into the sink (OVER not NULL) or E: 0 at EOF,
 * 1 when nothing more is there now, 2 when more is. At most 64 KiB a
 * call, and nothing once the sink refused: a flood (a grandchild that
 * writes for ever) must not keep us past the deadline.
 */
static int
capture_drain(int fd, const struct capture_spec *spec, int *over,
    struct capture_err *e)
{
	char buf[4096];
	ssize_t n;

	for (int i = 0; i < 16 && (over == NULL || !*over); i++) {
		n = read(fd, buf, sizeof buf);
		if (n > 0) {
			if (over == NULL)
				capture_err_add(e, buf, (size_t)n);
			else if (spec->sink(buf, (size_t)n, spec->arg) != 0)
				*over = 1;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		return n == -1 && errno == EAGAIN;
	}
	return 2;
}

/* NAME as a shell finds it on PATH; a name with a slash as it is. */
static char *
capture_which(const char *name)
{
	const char *path = getenv("PATH"), *p, *end;
	char *full = NULL;

	if (strchr(name, '/') != NULL)
		return strdup(name);
	for (p = path != NULL ? path : "/usr/bin:/bin"; *p != '\0'; p = end) {
		end = p + strcspn(p, ":");
		if (asprintf(&full, "%.*s/%s", (int)(end - p), p, name) < 0)
			return NULL;
		if (end > p && access(full, X_OK) == 0)
			return full;
		free(full);
		full = NULL;
		if (*end == ':')
			end++;
	}
	return NULL;
}

int
capture_exec(const struct capture_spec *spec, struct capture_result *res,
    char *err, size_t errlen)
{
	const char *name = spec->name != NULL ? spec->name : spec->argv[0];
	struct capture_err e;
	char *prog = NULL, **av = NULL;
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, devnull = -1;
	int open_out = 1, open_err = 1, over = 0, reaped = 0, rc = -1;
	int status = 0;
	long long deadline;
	size_t n;
	pid_t pid = -1, w;

	memset(res, 0, sizeof *res);
	e.hlen = e.tlen = 0;
	for (n = 0; spec->argv[n] != NULL; n++)
		;
	if (n == 0) {
		snprintf(err, errlen, "no program to run");
		goto out;
	}
	/* wsl.conf's appendWindowsPath = false takes Windows' folders off
	 * PATH: the caller may know where the program is anyway. */
	if ((prog = capture_which(spec->argv[0])) == NULL &&
	    spec->fallback != NULL && access(spec->fallback, X_OK) == 0)
		prog = strdup(spec->fallback);
	if (prog == NULL) {
		snprintf(err, errlen, "cannot run %s: %s", spec->argv[0],
		    strerror(ENOENT));
		goto out;
	}
	if ((av = calloc(n + 1, sizeof *av)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	memcpy(av, spec->argv, n * sizeof *av);
	av[0] = prog;
	if ((devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1 ||
	    pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0 ||
	    /* Our ends only: the child's must block (a full pipe is no
	     * write error). */
	    fcntl(po[0], F_SETFL, O_NONBLOCK) != 0 ||
	    fcntl(pe[0], F_SETFL, O_NONBLOCK) != 0) {
		snprintf(err, errlen, "cannot run %s: %s", name,
		    strerror(errno));
		goto out;
	}
	if (child_spawn_env(av, spec->envp, spec->cwd, devnull, po[1], pe[1],
	    &pid, err, errlen) != 0) {
		pid = -1;
		goto out;
	}
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;

	deadline = capture_now_ms() + spec->timeout_ms;
	while (!reaped) {
		struct pollfd pfd[2] = {
			{ po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 },
		};
		long long left = deadline - capture_now_ms();

		if (left <= 0 || over)
			break;
		if (left > CAPTURE_TICK_MS)
			left = CAPTURE_TICK_MS;
		if (!open_out)
			pfd[0].fd = -1;
		if (!open_err)
			pfd[1].fd = -1;
		(void)poll(pfd, 2, (int)left);
		if (open_out)
			open_out = capture_drain(po[0], spec, &over, NULL);
		if (open_err)
			open_err = capture_drain(pe[0], spec, NULL, &e);
		if ((w = waitpid(pid, &status, WNOHANG)) == pid)
			reaped = 1;
		else if (w == -1 && errno != EINTR) {
			snprintf(err, errlen, "cannot wait for %s: %s", name,
			    strerror(errno));
			goto out;
		}
	}
	if (!reaped) {
		if (over)
			snprintf(err, errlen, "%s wrote more than %zu bytes",
			    name, spec->out_max);
		else {
			snprintf(err, errlen, "%s did not finish within %u ms: "
			    "killed", name, spec->timeout_ms);
			res->timed_out = 1;
		}
		goto out;
	}
	/* What it wrote just before exiting; a grandchild that keeps the
	 * pipes open is not waited for. */
	while (open_out && capture_drain(po[0], spec, &over, NULL) == 2 &&
	    !over && capture_now_ms() < deadline)
		;
	if (open_err)
		(void)capture_drain(pe[0], spec, NULL, &e);
	if (over) {
		snprintf(err, errlen, "%s wrote more than %zu bytes", name,
		    spec->out_max);
		goto out;
	}
	res->status = status;
	capture_err_lines(&e, res);
	rc = 0;
out:
	if (pid > 0 && !reaped) {
		(void)child_kill_group(pid, SIGKILL);
		(void)kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
	}
	for (int i = 0; i < 2; i++) {
		if (po[i] != -1)
			close(po[i]);
		if (pe[i] != -1)
			close(pe[i]);
	}
	if (devnull != -1)
		close(devnull);
	free(av);
	free(prog);
	return rc;
}

/* OUT of capture_run(): bytes as they come, NUL-terminated. */
struct capture_buf {
	char *buf;
	size_t len, size; /* size counts the NUL */
};

static int
capture_buf_cb(const char *p, size_t n, void *arg)
{
	struct capture_buf *b = arg;

	if (n > b->size - 1 - b->len)
		return -1;
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return 0;
}

int
capture_run(char *const argv[], const char *cwd, unsigned timeout_ms,
    char *out, size_t outlen, char *err, size_t errlen)
{
	struct capture_buf b = { out, 0, outlen };
	struct capture_spec spec = { argv, NULL, NULL, cwd, NULL, timeout_ms,
		outlen - 1, capture_buf_cb, &b };
	struct capture_result res;
	char how[64];

	out[0] = '\0';
	if (capture_exec(&spec, &res, err, errlen) != 0)
		return -1;
	if (!WIFEXITED(res.status)) {
		child_describe_status(res.status, how, sizeof how);
		snprintf(err, errlen, "%s %s", argv[0], how);
		return -1;
	}
	snprintf(err, errlen, "%s", res.first);
	return WEXITSTATUS(res.status);
}
