/*
 * The folder that stands in for an unset XDG_RUNTIME_DIR (WSL without
 * systemd, a root shell): one rule for the runtime files (runtime.c) and
 * for "${XDG_RUNTIME_DIR}" in config paths (expand.c), so both agree.
 */
#ifndef NPR_RUNDIR_H
#define NPR_RUNDIR_H

#include <stddef.h>

/*
 * Into BUF: for root, /run (as systemd's system units have it); for any
 * other user, /run/user/UID when it is a folder (not a link) of ours that
 * group and others cannot write to, else /tmp/npiperouter-UID, created
 * with mode 0700 if missing and then required to be exactly that: a
 * folder of ours, not a link, mode 0700. Returns 0, or -1 with the
 * reason in ERR (a folder someone else made or linked there).
 */
int rundir_fallback(char *buf, size_t len, char *err, size_t errlen);

/* The folder PATH may hold our runtime files: not a link, ours (uid
 * EUID), not writable by group or others. */
int rundir_ok(const char *path);

/* The same, for PATH from XDG_RUNTIME_DIR: 0, or -1 with what is wrong
 * with it and what to do in ERR (which may be NULL). */
int rundir_check(const char *path, char *err, size_t errlen);

#endif
