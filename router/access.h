/* Per-route peer allow-lists, checked against the kernel's record of the
 * peer (SO_PEERCRED, SO_PEERGROUPS) before a relay is started. */
#ifndef NPR_ACCESS_H
#define NPR_ACCESS_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "config.h"

/* Who is at the other end of a connection, as the kernel saw it when the
 * peer connected: its real groups, not what the user database says. */
struct access_peer {
	struct ucred cred; /* pid 0, uid and gid -1 when unknown */
	gid_t *groups;     /* supplementary groups; NULL when unknown */
	size_t ngroups;
};

/*
 * Read the peer of connected socket FD, once per connection; its groups
 * too when GROUPS is set (a route with allow_groups). -1 with ERR set
 * when they cannot be had: the peer is then to be refused. PEER is always
 * safe to print and to clear.
 */
int access_peer_read(int fd, int groups, struct access_peer *peer,
    char *err, size_t errlen);
void access_peer_clear(struct access_peer *);

/* May this peer use the route? Always yes when no allow-list is set. */
int access_allowed(const struct route_conf *, const struct access_peer *);

#endif
