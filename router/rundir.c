/* The stand-in for an unset XDG_RUNTIME_DIR: see rundir.h. */
#include "rundir.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define RUNDIR_ROOT "/run"
#define RUNDIR_USER "/run/user/%ld"
/* In /tmp, not $TMPDIR: every shell of the user must find the same one.
 * /tmp is sticky, so no one else can rename ours away once it is made. */
#define RUNDIR_PRIVATE "/tmp/npiperouter-%ld"

/*
 * Ours alone: otherwise its owner (or group) could rename our files away
 * and put their own in place between our check and our use, and answer
 * as our control socket or our agent.
 */
int
rundir_ok(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
	    st.st_uid == geteuid() && (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

int
rundir_fallback(char *buf, size_t len, char *err, size_t errlen)
{
	long uid = (long)geteuid();
	struct stat st;
	int n;

	/* Root's runtime files have always been in /run, where the system
	 * unit (ProtectHome hides /run/user) and every root shell find them. */
	if (uid == 0) {
		n = snprintf(buf, len, "%s", RUNDIR_ROOT);
		goto done;
	}
	n = snprintf(buf, len, RUNDIR_USER, uid);
	if (n > 0 && (size_t)n < len && rundir_ok(buf))
		return 0;
	n = snprintf(buf, len, RUNDIR_PRIVATE, uid);
	if (n < 0 || (size_t)n >= len)
		goto done;
	if (mkdir(buf, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "XDG_RUNTIME_DIR is not set and %s cannot "
		    "be created: %s", buf, strerror(errno));
		return -1;
	}
	if (lstat(buf, &st) != 0) {
		snprintf(err, errlen, "XDG_RUNTIME_DIR is not set and %s: %s",
		    buf, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != (uid_t)uid ||
	    (st.st_mode & 07777) != 0700) {
		snprintf(err, errlen, "XDG_RUNTIME_DIR is not set and %s is %s: "
		    "it must be a folder of uid %ld with mode 0700; remove it, "
		    "or set XDG_RUNTIME_DIR", buf,
		    S_ISLNK(st.st_mode) ? "a symbolic link" :
		    !S_ISDIR(st.st_mode) ? "not a folder" :
		    st.st_uid != (uid_t)uid ? "someone else's" :
		    "open to others", uid);
		return -1;
	}
	return 0;
done:
	if (n < 0 || (size_t)n >= len) {
		snprintf(err, errlen, "no room for the runtime folder's name");
		return -1;
	}
	return 0;
}
