/* Per-route peer allow-lists, checked with SO_PEERCRED before a relay
 * is started. */
#include "access.h"

#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>

/* Enough for real users; more groups than this are not looked at. */
#define ACCESS_GROUPS_MAX 256

int
access_peer(int fd, struct ucred *cred)
{
	socklen_t len = sizeof *cred;

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &len);
}

static int
access_listed(const unsigned *ids, size_t n, unsigned id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

/* SO_PEERCRED names only the primary group; members of an allowed group
 * through their supplementary groups are allowed too. */
static int
access_group_member(const struct route_conf *rc, uid_t uid)
{
	gid_t groups[ACCESS_GROUPS_MAX];
	int n = ACCESS_GROUPS_MAX;
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (getpwuid_r(uid, &pw, buf, sizeof buf, &res) != 0 || res == NULL)
		return 0;
	if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) == -1)
		n = ACCESS_GROUPS_MAX;
	for (int i = 0; i < n; i++)
		if (access_listed(rc->allow_gids, rc->nallow_gids, groups[i]))
			return 1;
	return 0;
}

int
access_allowed(const struct route_conf *rc, const struct ucred *cred)
{
	if (rc->nallow_uids == 0 && rc->nallow_gids == 0)
		return 1;
	if (access_listed(rc->allow_uids, rc->nallow_uids, cred->uid))
		return 1;
	if (rc->nallow_gids == 0)
		return 0;
	if (access_listed(rc->allow_gids, rc->nallow_gids, cred->gid))
		return 1;
	return access_group_member(rc, cred->uid);
}
