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
	return rundir_check(path, NULL, 0) == 0;
}

/*
 * The usual ways a set XDG_RUNTIME_DIR goes bad: the login session that
 * made it ended (pam_systemd removes it), `su` or `sudo -u` kept
 * another user's, a folder made by hand with the umask's mode.
 */
int
rundir_check(const char *path, char *err, size_t errlen)
{
	struct stat st;
	long uid = (long)geteuid();

	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			snprintf(err, errlen, "XDG_RUNTIME_DIR is %s, which does "
			    "not exist (its login session may have ended): "
			    "create it with mkdir -m 0700 %s, or unset "
			    "XDG_RUNTIME_DIR (then /run/user/%ld or "
			    "/tmp/npiperouter-%ld is used)", path, path, uid,
			    uid);
		else
			snprintf(err, errlen, "XDG_RUNTIME_DIR is %s, which "
			    "cannot be looked at: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "XDG_RUNTIME_DIR is %s, which is %s, not "
		    "a folder: set it to a folder of yours (mode 0700), or "
		    "unset it", path, S_ISLNK(st.st_mode) ?
		    "a symbolic link" : "a file");
		return -1;
	}
	if ((long)st.st_uid != uid) {
		snprintf(err, errlen, "XDG_RUNTIME_DIR is %s, which belongs to "
		    "uid %ld, not to you (uid %ld; su and sudo keep the "
		    "first user's): set it to a folder of yours (mode "
		    "0700), or unset it", path, (long)st.st_uid, uid);
		return -1;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(err, errlen, "XDG_RUNTIME_DIR is %s, which group or "
		    "others can write to (mode %04o), so they could replace "
		    "npiperouter's files: chmod go-w %s", path,
		    (unsigned)(st.st_mode & 07777), path);
		return -1;
	}
	return 0;
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
