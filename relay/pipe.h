/*
 * Connecting to a named pipe: one attempt, the wait for a busy or missing
 * pipe, and the read mode.  Separate functions so that a caller serving
 * many connections (the mux, issue 11) can run them per channel.
 */
#ifndef NPRELAY_PIPE_H
#define NPRELAY_PIPE_H

#include "nprelay.h"
#include "target.h"

/*
 * How long a busy pipe is waited for without -p: go-winio's DialPipe
 * (Docker's own Windows client) default.  A go-winio server is busy
 * between accepting one client and creating its next instance.
 */
#define PIPE_BUSY_WAIT_MS 2000

wchar_t *pipe_name(const wchar_t *target);
HANDLE pipe_try(const wchar_t *name, DWORD *err);
int pipe_setup(HANDLE, int *message_mode, DWORD *err);
/* The failure when the wait for a busy or missing pipe ends (last error e). */
void pipe_gave_up(const struct options *, DWORD e, struct nprelay_error *);
int pipe_open(const struct options *, struct target *, struct nprelay_error *);

#endif
