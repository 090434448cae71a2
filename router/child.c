/* Relay children: spawning them and reaping them on SIGCHLD. */
#include "child.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	/* Linux's gpgconf, asked where gpg looks (builtin.c). */
	"GNUPGHOME",
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

/* What the child had to stop at, for the parent's message. */
enum child_step {
	CHILD_STEP_NONE, CHILD_STEP_SETUP, CHILD_STEP_CWD, CHILD_STEP_EXEC,
};

/*
 * Everything the child needs, prepared by the parent: after vfork the
 * child may only make system calls. It shares our memory until it execs,
 * so it reports a failure here, as glibc's posix_spawn does, and needs
 * no descriptor for it (out of descriptors, a session has just what its
 * relay needs).
 */
struct child_plan {
	char *const *argv;
	char *const *envp;
	const char *cwd;
	int fds[3];   /* become 0, 1 and 2 */
	int fd_limit; /* close up to here when close_range(2) is missing */
	volatile int failed_step; /* written by the child */
	volatile int failed_errno;
	int set_nofile; /* give the relay NOFILE, not our raised limit */
	struct rlimit nofile;
};

static void __attribute__((noreturn))
child_fail(struct child_plan *p, int step)
{
	p->failed_errno = errno;
	p->failed_step = step;
	_exit(127);
}

/*
 * Close every descriptor above 2, close-on-exec or not, so nothing a
 * library or our caller left open reaches the relay.
 */
static void
child_close_rest(const struct child_plan *p)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0)
		return;
#endif
	/* Kernels before 5.9 (and WSL 1): one by one, to the limit. */
	for (int fd = 3; fd < p->fd_limit; fd++)
		close(fd);
}

/*
 * The child between vfork and exec: it shares our memory, so only system
 * calls, which are async-signal-safe, and no handler of ours may run
 * (the parent blocked every signal). Every signal goes back to its
 * default through the raw system call: glibc refuses to touch the two
 * signals it keeps for itself, and its posix_spawn leaves those ignored.
 */
static void
child_exec(struct child_plan *p)
{
#if defined(__x86_64__) || defined(__aarch64__)
	/* The kernel's struct sigaction on x86-64 and arm64 (WSL's). */
	struct {
		void *handler;
		unsigned long flags;
		void *restorer;
		uint64_t mask;
	} dfl = { SIG_DFL, 0, NULL, 0 };

	for (int sig = 1; sig <= 64; sig++)
		(void)syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof dfl.mask);
#else
	/* Elsewhere the kernel's layout differs: glibc's call resets all
	 * but its own two signals. */
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	for (int sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &dfl, NULL);
#endif
	sigset_t none;

	/* Its own group: a terminal's ^C reaches only the router, and
	 * whatever the relay forks is ended with it. */
	if (setpgid(0, 0) != 0)
		child_fail(p, CHILD_STEP_SETUP);
	for (int i = 0; i < 3; i++) {
		/* dup2 onto itself would keep close-on-exec. */
		if (p->fds[i] == i ? fcntl(i, F_SETFD, 0) != 0 :
		    dup2(p->fds[i], i) != i)
			child_fail(p, CHILD_STEP_SETUP);
	}
	child_close_rest(p);
	/* A system call only (prlimit64); a failure leaves the relay with
	 * more descriptors than it asked for, which it can live with. */
	if (p->set_nofile)
		(void)setrlimit(RLIMIT_NOFILE, &p->nofile);
	if (p->cwd != NULL && chdir(p->cwd) != 0)
		child_fail(p, CHILD_STEP_CWD);
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) != 0)
		child_fail(p, CHILD_STEP_SETUP);
	execve(p->argv[0], p->argv, p->envp);
	child_fail(p, CHILD_STEP_EXEC);
}

/* Alone in its frame, so nothing of the caller's can be clobbered by
 * the child running on our stack until it execs. */
static pid_t __attribute__((noinline))
child_vfork(struct child_plan *p)
{
	sigset_t all, old;
	pid_t pid;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = vfork();
	if (pid == 0)
		child_exec(p); /* does not return */
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid;
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
	return child_spawn_env(argv, NULL, cwd, stdin_fd, stdout_fd, stderr_fd,
	    pidp, err, errlen);
}

int
child_spawn_env(char *const argv[], char *const envp[], const char *cwd,
    int stdin_fd, int stdout_fd, int stderr_fd, pid_t *pidp, char *err,
    size_t errlen)
{
	struct child_plan plan = {
		argv, envp != NULL ? envp : child_env != NULL ? child_env :
		environ, cwd,
		{ stdin_fd, stdout_fd, stderr_fd }, 65536, CHILD_STEP_NONE, 0, 0,
		{ 0, 0 },
	};
	struct rlimit rl;
	int status, error;
	pid_t pid;

	/* Checked here too: valgrind runs a vfork child as a fork, whose
	 * report we would not see (the relay would just exit 127). */
	if (access(argv[0], X_OK) != 0) {
		snprintf(err, errlen, "cannot start relay \"%s\": %s", argv[0],
		    strerror(errno));
		return -1;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536)
		plan.fd_limit = (int)rl.rlim_cur;
	plan.set_nofile = fdhygiene_relay_nofile(&plan.nofile);

	if ((pid = child_vfork(&plan)) == -1) {
		snprintf(err, errlen, "cannot start relay \"%s\": %s", argv[0],
		    strerror(errno));
		return -1;
	}
	if (plan.failed_step == CHILD_STEP_NONE) {
		*pidp = pid;
		return 0;
	}
	/* It has exited already: vfork returned once it did. */
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	error = plan.failed_errno;
	if (plan.failed_step == CHILD_STEP_CWD)
		snprintf(err, errlen, "cannot enter relay.cwd \"%s\": %s", cwd,
		    strerror(error));
	else if (plan.failed_step == CHILD_STEP_EXEC)
		snprintf(err, errlen, "cannot start relay \"%s\": %s", argv[0],
		    strerror(error));
	else
		snprintf(err, errlen, "cannot set up relay \"%s\": %s", argv[0],
		    strerror(error));
	return -1;
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
