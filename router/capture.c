/* A program run to completion with its output kept (capture.h). */
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

/* How often the wait looks whether the program has exited. */
#define CAPTURE_POLL_MS 20

static long long
capture_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Append what FD has to BUF (USED of LEN, one byte kept for the NUL);
 * sets *EOF at its end and *OVER when it did not fit. */
static void
capture_read(int fd, char *buf, size_t len, size_t *used, int *eof,
    int *over)
{
	char tmp[4096];
	size_t room;
	ssize_t n;

	while ((n = read(fd, tmp, sizeof tmp)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				*eof = 1;
			return;
		}
		room = len - 1 - *used;
		if ((size_t)n > room) {
			*over = 1;
			n = (ssize_t)room;
		}
		memcpy(buf + *used, tmp, (size_t)n);
		*used += (size_t)n;
		buf[*used] = '\0';
	}
	*eof = 1;
}

/* PATH-less names are looked up the way a shell would. */
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
capture_run(char *const argv[], const char *cwd, unsigned timeout_ms,
    char *out, size_t outlen, char *err, size_t errlen)
{
	struct pollfd pfd[2];
	char errbuf[1024] = "", *prog = NULL, **av = NULL;
	size_t used = 0, eused = 0, n;
	long long deadline = capture_now_ms() + timeout_ms, left;
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, null = -1;
	int oeof = 0, eeof = 0, over = 0, eover = 0, ws = 0, rc = -1;
	pid_t pid = -1;

	out[0] = '\0';
	for (n = 0; argv[n] != NULL; n++)
		;
	if ((prog = capture_which(argv[0])) == NULL) {
		snprintf(err, errlen, "%s: not found", argv[0]);
		goto out;
	}
	if ((av = calloc(n + 1, sizeof *av)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	memcpy(av, argv, n * sizeof *av);
	av[0] = prog;
	if ((null = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1 ||
	    pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0 ||
	    /* Our ends only: the child's must block (a full pipe is no
	     * write error). */
	    fcntl(po[0], F_SETFL, O_NONBLOCK) != 0 ||
	    fcntl(pe[0], F_SETFL, O_NONBLOCK) != 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		goto out;
	}
	if (child_spawn(av, cwd, null, po[1], pe[1], &pid, err, errlen) != 0) {
		pid = -1;
		goto out;
	}
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;
	/* Until it exits, then what it left in the pipes: a process it
	 * started (wineserver) may keep them open for much longer. */
	for (;;) {
		if (waitpid(pid, &ws, WNOHANG) == pid)
			break;
		if (over) {
			snprintf(err, errlen, "%s printed more than %zu bytes",
			    argv[0], outlen - 1);
			goto out;
		}
		if ((left = deadline - capture_now_ms()) <= 0) {
			snprintf(err, errlen, "%s did not finish within %u ms",
			    argv[0], timeout_ms);
			goto out;
		}
		pfd[0].fd = oeof ? -1 : po[0];
		pfd[1].fd = eeof ? -1 : pe[0];
		pfd[0].events = pfd[1].events = POLLIN;
		(void)poll(pfd, 2, left < CAPTURE_POLL_MS ? (int)left :
		    CAPTURE_POLL_MS);
		if (!oeof)
			capture_read(po[0], out, outlen, &used, &oeof, &over);
		if (!eeof)
			capture_read(pe[0], errbuf, sizeof errbuf, &eused,
			    &eeof, &eover);
	}
	pid = -1;
	if (!oeof)
		capture_read(po[0], out, outlen, &used, &oeof, &over);
	if (!eeof)
		capture_read(pe[0], errbuf, sizeof errbuf, &eused, &eeof,
		    &eover);
	if (over) {
		snprintf(err, errlen, "%s printed more than %zu bytes",
		    argv[0], outlen - 1);
		goto out;
	}
	if (!WIFEXITED(ws)) {
		child_describe_status(ws, errbuf, sizeof errbuf);
		snprintf(err, errlen, "%s %s", argv[0], errbuf);
		goto out;
	}
	/* Its first line goes into log lines: no control byte passes. */
	escape_bytes(err, errlen, errbuf, strcspn(errbuf, "\r\n"), ESCAPE_ALL,
	    ESCAPE_KEEP_8BIT);
	rc = WEXITSTATUS(ws);
out:
	if (pid > 0) {
		child_kill_group(pid, SIGKILL);
		kill(pid, SIGKILL);
		while (waitpid(pid, &ws, 0) == -1 && errno == EINTR)
			;
	}
	for (int i = 0; i < 2; i++) {
		if (po[i] != -1)
			close(po[i]);
		if (pe[i] != -1)
			close(pe[i]);
	}
	if (null != -1)
		close(null);
	free(av);
	free(prog);
	return rc;
}
