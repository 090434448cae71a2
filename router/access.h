/* Per-route peer allow-lists, checked with SO_PEERCRED before a relay
 * is started. */
#ifndef NPR_ACCESS_H
#define NPR_ACCESS_H

#include <sys/socket.h>

#include "config.h"

/* Read the peer's credentials of connected socket FD; 0 on success. */
int access_peer(int fd, struct ucred *cred);

/* May this peer use the route? Always yes when no allow-list is set. */
int access_allowed(const struct route_conf *, const struct ucred *);

#endif
