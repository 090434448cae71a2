/* The doctor's pipe check: one relay run with stdin at EOF, bounded. */
#include "doctor_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"

extern char **environ;

#define DOCTOR_POLL_MS 20

static long long
doctor_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Our environment, with WSL_INTEROP pointing at a live interop socket
 * when ours is missing or dead (run from systemd, or from a terminal that
 * was closed). The strings are environ's or VAR's; free only the array.
 */
static char **
doctor_probe_env(const struct doctor *d, char *var, size_t len)
{
	const char *cur = getenv("WSL_INTEROP");
	char **env = NULL;
	size_t n = 0, i = 0;
	int replace;

	replace = d->interop[0] != '\0' &&
	    (cur == NULL || !doctor_socket_answers(cur));
	snprintf(var, len, "WSL_INTEROP=%s", d->interop);
	while (environ[n] != NULL)
		n++;
	if ((env = calloc(n + 2, sizeof *env)) == NULL)
		return NULL;
	for (n = 0; environ[n] != NULL; n++)
		if (!replace || strncmp(environ[n], "WSL_INTEROP=", 12) != 0)
			env[i++] = environ[n];
	if (replace)
		env[i++] = var;
	env[i] = NULL;
	return env;
}

/* argv of a connection's relay: relay.path relay_args... pipe. */
static char **
doctor_probe_argv(const struct route_conf *r)
{
	char **argv = calloc(r->relay_nargs + 3, sizeof *argv);
	size_t i;

	if (argv == NULL)
		return NULL;
	argv[0] = r->relay.path;
	for (i = 0; i < r->relay_nargs; i++)
		argv[i + 1] = r->relay_args[i];
	argv[i + 1] = r->pipe;
	return argv;
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

void
doctor_probe_run(struct doctor *d, const struct route_conf *r,
    struct doctor_probe *p)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char var[sizeof d->interop + 16];
	char **argv = NULL, **env = NULL;
	int null = -1, errp[2] = { -1, -1 }, e;
	pid_t pid;

	memset(p, 0, sizeof *p);
	p->status = DOCTOR_PROBE_NOSTART;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	if ((argv = doctor_probe_argv(r)) == NULL ||
	    (env = doctor_probe_env(d, var, sizeof var)) == NULL) {
		snprintf(p->err, sizeof p->err, "out of memory");
		goto out;
	}
	if ((null = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1 ||
	    pipe2(errp, O_CLOEXEC | O_NONBLOCK) != 0) {
		snprintf(p->err, sizeof p->err, "%s", strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_adddup2(&fa, null, STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, null, STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, errp[1], STDERR_FILENO);
	if (r->relay.cwd != NULL)
		posix_spawn_file_actions_addchdir_np(&fa, r->relay.cwd);
	/* Its own process group, so a timeout ends whatever it started. */
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	e = posix_spawn(&pid, r->relay.path, &fa, &attr, argv, env);
	if (e != 0) {
		snprintf(p->err, sizeof p->err, "cannot start %s: %s",
		    r->relay.path, strerror(e));
		goto out;
	}
	close(errp[1]);
	errp[1] = -1;
	p->status = doctor_probe_wait(d, pid, errp[0], p);
out:
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (null != -1)
		close(null);
	if (errp[0] != -1)
		close(errp[0]);
	if (errp[1] != -1)
		close(errp[1]);
	free(argv);
	free(env);
}
