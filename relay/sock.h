/* Connecting to a libassuan socket (the -a flag). */
#ifndef NPRELAY_SOCK_H
#define NPRELAY_SOCK_H

#include "nprelay.h"
#include "target.h"

int sock_connect(const struct options *, struct target *,
    struct nprelay_error *);

#endif
