/* Connecting to a named pipe. */
#ifndef NPRELAY_PIPE_H
#define NPRELAY_PIPE_H

#include "nprelay.h"
#include "target.h"

int pipe_open(const struct options *, struct target *, struct nprelay_error *);

#endif
