/* Per-route peer allow-lists, checked against the kernel's record of the
 * peer before a relay is started. No user-database lookup here: the
 * lists hold numbers resolved when the config was loaded, so the event
 * loop never waits on NSS (LDAP, sssd...). */
#include "access.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most peers have a few groups: one call; more take a second. */
#define ACCESS_GROUPS_GUESS 64

/*
 * SO_PEERGROUPS (Linux 4.13) gives the groups the peer held when it
 * connected: a process that dropped a group has lost it, one that gained
 * one (setgroups) has it, whatever /etc/group says.
 */
static int
access_peer_groups(int fd, struct access_peer *peer, char *err,
    size_t errlen)
{
	socklen_t len = ACCESS_GROUPS_GUESS * sizeof(gid_t);
	gid_t *groups = NULL;
	int rc = -1;

	for (int tries = 0; tries < 2; tries++) {
		free(groups);
		if ((groups = malloc(len > 0 ? len : 1)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups,
		    &len) == 0) {
			peer->groups = groups;
			peer->ngroups = len / sizeof(gid_t);
			groups = NULL;
			rc = 0;
			goto out;
		}
		/* LEN now says how much room the list needs. */
		if (errno != ERANGE)
			break;
	}
	snprintf(err, errlen, "cannot read the peer's groups "
	    "(SO_PEERGROUPS): %s", strerror(errno));
out:
	free(groups);
	return rc;
}

int
access_peer_read(int fd, int groups, struct access_peer *peer, char *err,
    size_t errlen)
{
	socklen_t len = sizeof peer->cred;

	memset(peer, 0, sizeof *peer);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer->cred, &len) != 0 ||
	    len != sizeof peer->cred) {
		snprintf(err, errlen, "cannot read the peer's credentials "
		    "(SO_PEERCRED): %s", strerror(errno));
		peer->cred.pid = 0;
		peer->cred.uid = (uid_t)-1;
		peer->cred.gid = (gid_t)-1;
		return -1;
	}
	return groups ? access_peer_groups(fd, peer, err, errlen) : 0;
}

void
access_peer_clear(struct access_peer *peer)
{
	free(peer->groups);
	peer->groups = NULL;
	peer->ngroups = 0;
}

static int
access_listed(const unsigned *ids, size_t n, unsigned id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

int
access_allowed(const struct route_conf *rc, const struct access_peer *peer)
{
	const struct ucred *cred = &peer->cred;

	if (rc->nallow_uids == 0 && rc->nallow_gids == 0)
		return 1;
	/* Unknown credentials are -1, which no list can hold (config). */
	if (access_listed(rc->allow_uids, rc->nallow_uids, cred->uid))
		return 1;
	if (access_listed(rc->allow_gids, rc->nallow_gids, cred->gid))
		return 1;
	for (size_t i = 0; i < peer->ngroups; i++)
		if (access_listed(rc->allow_gids, rc->nallow_gids,
		    peer->groups[i]))
			return 1;
	return 0;
}
