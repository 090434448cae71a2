/* Per-instance runtime files: lock, control socket and background log. */
#ifndef NPR_RUNTIME_H
#define NPR_RUNTIME_H

#include <stddef.h>
#include <sys/types.h>

/* One instance per config file: its files are named after that file. */
struct runtime_paths {
	char dir[256];  /* $XDG_RUNTIME_DIR/npiperouter, or in the folder
			 * rundir_fallback() gives */
	char lock[300]; /* held by the running instance, holds its pid */
	char ctl[300];  /* control socket */
	char log[300];  /* log of a background instance (`start`) */
};

/* 0 when a set XDG_RUNTIME_DIR, and our npiperouter folder in it if
 * there is one, can hold the runtime files (creating nothing), else -1
 * with what is wrong and what to do in ERR. */
int runtime_dir_usable(char *err, size_t errlen);

/* Fill P for CONFIG_FILE and create the folder (0700) if needed. */
int runtime_paths_init(const char *config_file, struct runtime_paths *p,
    char *err, size_t errlen);

/* How long runtime_lock() waits for a starting owner to record its pid. */
#define RUNTIME_OWNER_WAIT_MS 2000

/*
 * Take the instance lock and empty the lock file; the caller then records
 * the serving process with runtime_lock_set_pid(). Returns the fd
 * (close-on-exec; keep it open while running). When another instance
 * holds the lock: -1 with errno EWOULDBLOCK and *OWNER its pid, or 0 when
 * it recorded none within RUNTIME_OWNER_WAIT_MS (it is still starting).
 */
int runtime_lock(const struct runtime_paths *, pid_t *owner);

/* Record PID, the process that serves, in the lock file held through FD. */
void runtime_lock_set_pid(int fd, pid_t pid);

/* The instance ends: empty the lock file, then let the lock go, so the
 * next start, between its lock and its emptying the file, cannot read
 * this pid (which may still look alive: a zombie, or reused). */
void runtime_lock_release(int fd);

/* Wait up to SECS (0: only look) for the instance holding the lock to
 * exit: 0 if gone. */
int runtime_wait_unlocked(const struct runtime_paths *, unsigned secs);

#endif
