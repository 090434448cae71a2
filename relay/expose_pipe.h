/* Creating an exposed pipe: see expose_pipe.c. */
#ifndef NPRELAY_EXPOSE_PIPE_H
#define NPRELAY_EXPOSE_PIPE_H

#include "nprelay.h"

/*
 * The security descriptor (LocalFree it) from the SDDL given, or a
 * protected DACL for the current user and SYSTEM when sddl is NULL.
 * A bad SDDL is NPRELAY_EUSAGE, anything else NPRELAY_EIO.
 */
int expose_pipe_security(const wchar_t *sddl, PSECURITY_DESCRIPTOR *,
    struct nprelay_error *);
/* One overlapped message-mode instance, local clients only; the first
 * with FILE_FLAG_FIRST_PIPE_INSTANCE.  INVALID_HANDLE_VALUE and *err. */
HANDLE expose_pipe_create(const wchar_t *name, PSECURITY_DESCRIPTOR, int first,
    DWORD *err);
/* Whether the first instance joined a pipe that existed already. */
int expose_pipe_joined(HANDLE);

#endif
