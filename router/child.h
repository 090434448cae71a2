/* Relay children: spawning them and reaping them on SIGCHLD. */
#ifndef NPR_CHILD_H
#define NPR_CHILD_H

#include <stddef.h>
#include <sys/types.h>

typedef void (*child_exit_cb)(pid_t, int status, void *arg);

/*
 * Build the short environment relays get from ours; INTEROP, when not
 * NULL, is a "WSL_INTEROP=..." entry to use instead of ours (a daemon
 * started by systemd has none). Kept until child_env_free().
 */
void child_env_init(const char *interop);
void child_env_free(void);

/*
 * Start ARGV[0] with stdin, stdout and stderr on the three fds and no
 * other descriptor, in CWD when not NULL, in a process group of its own
 * (so a terminal's ^C reaches only the router, which then ends its
 * children in order, and whatever the relay forks can be ended with it),
 * with every signal at its default disposition and an empty signal mask.
 * Returns 0 and the pid, or -1 with the reason in ERR (exec failures are
 * reported here too).
 */
int child_spawn(char *const argv[], const char *cwd, int stdin_fd,
    int stdout_fd, int stderr_fd, pid_t *pidp, char *err, size_t errlen);

/* The same with the environment ENVP; NULL gives the relays' one. */
int child_spawn_env(char *const argv[], char *const envp[], const char *cwd,
    int stdin_fd, int stdout_fd, int stderr_fd, pid_t *pidp, char *err,
    size_t errlen);

/*
 * Send SIG to the process group of the relay PID. Only while PID is not
 * reaped, or from its exit callback: after that the group's number may
 * belong to someone else. Returns 0 when some process got it.
 */
int child_kill_group(pid_t pid, int sig);

/* Call CB when PID is reaped; child_forget() cancels that. */
int child_watch(pid_t, child_exit_cb cb, void *arg);
void child_forget(pid_t);

/* Reap every exited child (from the SIGCHLD event) and run its callback. */
void child_reap(void);

/* Describe a wait status: "exited with status 1", "killed by signal 9". */
void child_describe_status(int status, char *buf, size_t len);

#endif
