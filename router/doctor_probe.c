/* The doctor's pipe check: one relay run with stdin at EOF, bounded. */
#include "doctor_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "config.h"
#include "relay.h"

#define DOCTOR_POLL_MS 20

static long long
doctor_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Keep the first line of what the relay says; Windows ends it in \r\n. */
static void
doctor_probe_read(int fd, struct doctor_probe *p, size_t *used, int *eof)
{
	char buf[512];
	ssize_t n;
	size_t room;

	while ((n = read(fd, buf, sizeof buf)) > 0) {
		room = sizeof p->err - 1 - *used;
		if ((size_t)n < room)
			room = (size_t)n;
		memcpy(p->err + *used, buf, room);
		*used += room;
		p->err[*used] = '\0';
	}
	if (n == 0)
		*eof = 1;
	p->err[strcspn(p->err, "\r\n")] = '\0';
}

static int
doctor_probe_wait(const struct doctor *d, pid_t pid, int errfd,
    struct doctor_probe *p)
{
	long long deadline = doctor_now_ms() + d->timeout_ms, left;
	struct pollfd pfd = { errfd, POLLIN, 0 };
	size_t used = 0;
	int eof = 0, ws;

	for (;;) {
		if (waitpid(pid, &ws, WNOHANG) == pid)
			break;
		if ((left = deadline - doctor_now_ms()) <= 0) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &ws, 0);
			return DOCTOR_PROBE_TIMEOUT;
		}
		pfd.fd = eof ? -1 : errfd;
		poll(&pfd, 1, left < DOCTOR_POLL_MS ? (int)left : DOCTOR_POLL_MS);
		if (!eof)
			doctor_probe_read(errfd, p, &used, &eof);
	}
	if (!eof)
		doctor_probe_read(errfd, p, &used, &eof);
	if (WIFEXITED(ws))
		return WEXITSTATUS(ws);
	return 128 + WTERMSIG(ws);
}

/*
 * Started by child_spawn(), the daemon's own spawn code: the same process
 * group, signal state, descriptors and environment (child_env_init(), set
 * up by doctor_run_opts() the way the daemon sets it up) as a relay of a
 * connection; only stdin and stdout are /dev/null.
 */
void
doctor_probe_run(struct doctor *d, const struct route_conf *r,
    struct doctor_probe *p)
{
	char **argv = NULL;
	int null = -1, errp[2] = { -1, -1 };
	pid_t pid;

	memset(p, 0, sizeof *p);
	p->status = DOCTOR_PROBE_NOSTART;
	if ((argv = relay_argv(r)) == NULL) {
		snprintf(p->err, sizeof p->err, "out of memory");
		goto out;
	}
	if ((null = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1 ||
	    pipe2(errp, O_CLOEXEC | O_NONBLOCK) != 0) {
		snprintf(p->err, sizeof p->err, "%s", strerror(errno));
		goto out;
	}
	if (child_spawn(argv, r->relay.cwd, null, null, errp[1], &pid, p->err,
	    sizeof p->err) != 0)
		goto out;
	close(errp[1]);
	errp[1] = -1;
	p->status = doctor_probe_wait(d, pid, errp[0], p);
out:
	if (null != -1)
		close(null);
	if (errp[0] != -1)
		close(errp[0]);
	if (errp[1] != -1)
		close(errp[1]);
	free(argv);
}
