/* Relay children: spawning them and reaping them on SIGCHLD. */
#include "child.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct child_watch {
	pid_t pid;
	child_exit_cb cb;
	void *arg;
	struct child_watch *next;
};

static struct child_watch *child_watches;

int
child_spawn(char *const argv[], const char *cwd, int stdio_fd, int stderr_fd,
    pid_t *pidp, char *err, size_t errlen)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t mask, defaults;
	int rc = -1, error;

	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);

	/* dup2 clears close-on-exec on 0-2; every other fd of ours has it set. */
	posix_spawn_file_actions_adddup2(&fa, stdio_fd, 0);
	posix_spawn_file_actions_adddup2(&fa, stdio_fd, 1);
	posix_spawn_file_actions_adddup2(&fa, stderr_fd, 2);
	if (cwd != NULL)
		posix_spawn_file_actions_addchdir_np(&fa, cwd);

	/* SIGPIPE is ignored in the router; an ignored signal survives exec. */
	sigemptyset(&mask);
	sigemptyset(&defaults);
	sigaddset(&defaults, SIGPIPE);
	sigaddset(&defaults, SIGCHLD);
	sigaddset(&defaults, SIGHUP);
	sigaddset(&defaults, SIGINT);
	sigaddset(&defaults, SIGTERM);
	posix_spawnattr_setsigmask(&attr, &mask);
	posix_spawnattr_setsigdefault(&attr, &defaults);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

	error = posix_spawn(pidp, argv[0], &fa, &attr, argv, environ);
	if (error != 0) {
		if (error == ENOENT && cwd != NULL && access(cwd, X_OK) != 0)
			snprintf(err, errlen, "cannot enter relay.cwd \"%s\": %s",
			    cwd, strerror(errno));
		else
			snprintf(err, errlen, "cannot start relay \"%s\": %s",
			    argv[0], strerror(error));
		goto out;
	}
	rc = 0;
out:
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

int
child_watch(pid_t pid, child_exit_cb cb, void *arg)
{
	struct child_watch *w;

	if ((w = calloc(1, sizeof *w)) == NULL)
		return -1;
	w->pid = pid;
	w->cb = cb;
	w->arg = arg;
	w->next = child_watches;
	child_watches = w;
	return 0;
}

/* Unlink the watch for PID and return it, or NULL. */
static struct child_watch *
child_take(pid_t pid)
{
	struct child_watch **pp, *w;

	for (pp = &child_watches; (w = *pp) != NULL; pp = &w->next) {
		if (w->pid == pid) {
			*pp = w->next;
			return w;
		}
	}
	return NULL;
}

void
child_forget(pid_t pid)
{
	free(child_take(pid));
}

void
child_reap(void)
{
	struct child_watch *w;
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if ((w = child_take(pid)) == NULL)
			continue;
		w->cb(pid, status, w->arg);
		free(w);
	}
}

void
child_describe_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "ended with wait status 0x%x", status);
}
