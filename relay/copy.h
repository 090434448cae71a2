/* Copying stdin to the target and the target to stdout. */
#ifndef NPRELAY_COPY_H
#define NPRELAY_COPY_H

#include "nprelay.h"
#include "target.h"

/* Returns the exit status; on failure *err says why. */
int copy_run(const struct options *, struct target *, struct nprelay_error *);

/* Write all LEN bytes to a blocking handle (stdout); -1 with *ERR set. */
int copy_write_all(HANDLE, const void *buf, DWORD len, DWORD *err);

#endif
