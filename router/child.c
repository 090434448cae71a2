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

#include "fdhygiene.h"

extern char **environ;

/*
 * What a relay inherits of our environment. A Windows relay started
 * through WSL interop gets the environment copied into a Windows process
 * block, and long environments make those starts fail; a systemd unit's
 * environment is not what a login shell has either. So relays see this
 * short list, the same wherever the router was started.
 */
static const char *const child_env_keep[] = {
	"PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TZ",
	"TMPDIR", "XDG_RUNTIME_DIR",
	"WSL_INTEROP", "WSL_DISTRO_NAME", "WSLENV",
	/* Wine, for relays run under it (tests, plain Linux). */
	"WINEPREFIX", "WINEDEBUG", "WINEARCH", "WINESERVER", "WINELOADER",
	"WINEDLLOVERRIDES",
	NULL,
};

static char **child_env;

static int
child_env_wanted(const char *entry)
{
	size_t n = strcspn(entry, "=");

	for (size_t i = 0; child_env_keep[i] != NULL; i++) {
		if (strlen(child_env_keep[i]) == n &&
		    strncmp(child_env_keep[i], entry, n) == 0)
			return 1;
	}
	return 0;
}

void
child_env_init(const char *interop)
{
	size_t n = 0, max = sizeof child_env_keep / sizeof *child_env_keep + 1;

	free(child_env);
	if ((child_env = calloc(max, sizeof *child_env)) == NULL)
		return;
	for (char **e = environ; *e != NULL && n < max - 2; e++) {
		if (child_env_wanted(*e) &&
		    (interop == NULL || strncmp(*e, "WSL_INTEROP=", 12) != 0))
			child_env[n++] = *e;
	}
	if (interop != NULL)
		child_env[n++] = (char *)interop;
	child_env[n] = NULL;
}

void
child_env_free(void)
{
	free(child_env);
	child_env = NULL;
}

#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
#define CHILD_HAVE_CLOSEFROM 1
#else
static void
child_close_cb(int fd, void *arg)
{
	posix_spawn_file_actions_addclose(arg, fd);
}
#endif

/*
 * Close every descriptor above 2 in the child, close-on-exec or not: a
 * descriptor some library or a caller left without that flag must not
 * reach the relay. glibc closes them in the child with close_range(2),
 * which is safe between fork and exec; elsewhere the list is taken
 * here, in the parent, which has no other thread to open more meanwhile.
 */
static int
child_close_rest(posix_spawn_file_actions_t *fa)
{
#ifdef CHILD_HAVE_CLOSEFROM
	return posix_spawn_file_actions_addclosefrom_np(fa, 3) == 0 ? 0 : -1;
#else
	return fdhygiene_each(3, child_close_cb, fa);
#endif
}

struct child_watch {
	pid_t pid;
	child_exit_cb cb;
	void *arg;
	struct child_watch *next;
};

static struct child_watch *child_watches;

int
child_spawn(char *const argv[], const char *cwd, int stdin_fd, int stdout_fd,
    int stderr_fd, pid_t *pidp, char *err, size_t errlen)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t mask, defaults;
	int rc = -1, error;

	/* glibc reports exec failures from posix_spawn, but not every
	 * implementation does (valgrind's, older libcs: the child exits 127);
	 * checking first gives the same clear message everywhere. */
	if (access(argv[0], X_OK) != 0) {
		snprintf(err, errlen, "cannot start relay \"%s\": %s", argv[0],
		    strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);

	/* dup2 clears close-on-exec on 0-2 (glibc also when source and
	 * target are the same number). */
	posix_spawn_file_actions_adddup2(&fa, stdin_fd, 0);
	posix_spawn_file_actions_adddup2(&fa, stdout_fd, 1);
	posix_spawn_file_actions_adddup2(&fa, stderr_fd, 2);
	if (child_close_rest(&fa) != 0) {
		snprintf(err, errlen, "cannot list our descriptors to keep "
		    "them from the relay: %s", strerror(errno));
		goto out;
	}
	if (cwd != NULL)
		posix_spawn_file_actions_addchdir_np(&fa, cwd);

	/* Whatever we ignore or catch (SIGPIPE is ignored, and an ignored
	 * signal survives exec) the relay gets at its default. */
	sigemptyset(&mask);
	sigfillset(&defaults);
	posix_spawnattr_setsigmask(&attr, &mask);
	posix_spawnattr_setsigdefault(&attr, &defaults);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

	error = posix_spawn(pidp, argv[0], &fa, &attr, argv,
	    child_env != NULL ? child_env : environ);
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
child_kill_group(pid_t pid, int sig)
{
	return killpg(pid, sig);
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
